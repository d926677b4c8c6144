"""Property tests over the real-world corpus (hypothesis): random sequences of edit primitives on
random templates keep the writer's properties, and fixing twice equals fixing once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixers.document import Document, EditError
from fixers.engine import Engine, Options
from fixers.template import Template
from tests import writer_matrix
from tests.conftest import CORPUS_FILES as FILES

EDIT_NAMES = sorted(writer_matrix.EDITS)
EXAMPLES = 200

pytestmark = pytest.mark.corpus


def _variant(path: Path, variant: str) -> tuple[str, bool]:
    variants = writer_matrix.variants(path)
    return variants.get(variant, variants["as is"])


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(min_value=0, max_value=max(len(FILES) - 1, 0)),
    variant=st.sampled_from(["as is", "crlf", "bom", "no final newline", "tab-indented json"]),
    edits=st.lists(st.sampled_from(EDIT_NAMES), min_size=1, max_size=5),
)
def test_random_edit_sequences_keep_the_writer_properties(
    index: int, variant: str, edits: list[str]
) -> None:
    text, bom = _variant(FILES[index], variant)
    doc = Document(Template(text, bom=bom, path=str(FILES[index])))
    for name in edits:
        try:
            writer_matrix.EDITS[name](doc)
        except EditError:
            continue
    doc.self_check()  # the text reads back (as cfn-lint reads it) as exactly the edited tree
    new = doc.text
    assert new.endswith("\n") == text.endswith("\n")
    if "\r\n" in text:
        assert new.count("\n") == new.count("\r\n")
    if doc.style.is_json:
        assert json.loads(new) == doc.data
    if not doc.changed:
        assert new == text


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(min_value=0, max_value=max(len(FILES) - 1, 0)))
def test_fixing_twice_equals_fixing_once(index: int) -> None:
    engine = Engine(Options(fix=True, unsafe_fixes=True, validate=False))
    text, bom = _variant(FILES[index], "as is")
    once = engine.run_document(Document(Template(text, bom=bom, path=str(FILES[index]))))
    assert not once.rule_errors, once.rule_errors
    twice = engine.run_document(Document(Template(once.new_text, bom=bom, path=str(FILES[index]))))
    assert twice.new_text == once.new_text
