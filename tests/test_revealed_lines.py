"""Findings the fixes reveal (found in a later pass) are located in the text that is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixers.document import Document
from fixers.engine import Engine, Options

SAMPLES = Path(__file__).resolve().parent.parent / "sample_templates"


@pytest.mark.parametrize("name", ["transaction-platform.yaml", "transaction-platform.json"])
def test_revealed_findings_point_into_the_written_text(name: str) -> None:
    path = SAMPLES / name
    engine = Engine(Options(fix=True, unsafe_fixes=True, validate=False))
    original = engine.detect(
        Document.from_text(path.read_text(encoding="utf-8-sig"), str(path)), []
    )
    result = engine.run_path(str(path))
    revealed = result.outcomes[len(original) :]
    assert revealed, "the sample's VPC endpoints reveal MF1103 findings"
    written = Document.from_text(result.new_text, str(path))
    for outcome in revealed:
        assert (outcome.finding.line, outcome.finding.column) == written.line_of(
            outcome.finding.path
        )
    for outcome, finding in zip(result.outcomes, original, strict=False):
        assert (outcome.finding.line, outcome.finding.column) == (finding.line, finding.column)
