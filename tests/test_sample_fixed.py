"""The bundled sample: every rule's gaps are found and fixed, cfn-lint reports no error the input
did not have, a re-check finds nothing fixable, a second run changes no byte, and the fixed
sample kept in sample_templates/ is exactly what the tool produces today.

Regenerate the kept files after a deliberate change with
``MERIDIAN_REGENERATE=1 python3 -m pytest tests/test_sample_fixed.py``.
"""

from __future__ import annotations

import os

import pytest

from fixers.document import Document
from fixers.engine import Engine, Options
from tests.conftest import SAMPLES

CASES = [
    ("transaction-platform.yaml", "transaction-platform.fixed.yaml"),
    ("transaction-platform.json", "transaction-platform.fixed.json"),
]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(Options(fix=True, unsafe_fixes=True, validate=True))


@pytest.mark.slow
@pytest.mark.parametrize("source, fixed", CASES)
def test_fixed_sample_is_regenerated_identically(engine: Engine, source: str, fixed: str) -> None:
    text = (SAMPLES / source).read_text()
    result = engine.run_document(Document.from_text(text, str(SAMPLES / source)))
    assert not result.rule_errors, result.rule_errors
    assert result.lint_new == [], [f"{e.rule} {e.path} {e.message}" for e in result.lint_new or []]
    failed = [
        (o.finding.code, o.status, o.reason)
        for o in result.outcomes
        if o.status in ("failed", "rolled back")
    ]
    assert not failed, failed
    left = [(f.code, f.resource) for f in result.remaining if f.fix is not None]
    assert not left, left
    again = Engine(Options(fix=True, unsafe_fixes=True, validate=False)).run_document(
        Document.from_text(result.new_text, str(SAMPLES / fixed))
    )
    assert again.new_text == result.new_text, "a second run changed the fixed sample"
    target = SAMPLES / fixed
    if os.environ.get("MERIDIAN_REGENERATE"):
        target.write_text(result.new_text)
    assert target.read_text() == result.new_text, (
        f"{fixed} is stale: regenerate it (see module docstring)"
    )
