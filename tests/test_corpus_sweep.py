"""Over the whole real-world corpus, ``--auto-fix --unsafe-fixes`` with cfn-lint revalidation and
then a second run: no traceback, no internal error, no fix that fails or adds a cfn-lint error
without being rolled back, and the second run changes no byte."""

from __future__ import annotations

import pytest

from fixers.document import Document
from fixers.engine import Engine, Options
from fixers.template import Template
from tests.conftest import CORPUS_FILES as FILES

CHUNKS = 8


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(Options(fix=True, unsafe_fixes=True, validate=True))


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_fixing_the_corpus_twice_changes_nothing_the_second_time(
    engine: Engine, chunk: int
) -> None:
    problems = []
    for path in FILES[chunk::CHUNKS]:
        raw = path.read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8-sig")
        first = engine.run_document(Document(Template(text, bom=bom, path=str(path))))
        if first.rule_errors:
            problems.append(f"{path}: {first.rule_errors[0].splitlines()[0]}")
        if first.lint_new:
            problems.append(f"{path}: new cfn-lint errors {[e.rule for e in first.lint_new]}")
        failed = [(o.finding.code, o.reason) for o in first.outcomes if o.status == "failed"]
        second = engine.run_document(Document(Template(first.new_text, bom=bom, path=str(path))))
        if second.new_text != first.new_text:
            problems.append(f"{path}: the second run changed the text")
        if second.rule_errors:
            problems.append(f"{path}: {second.rule_errors[0].splitlines()[0]}")
        print(
            path.name,
            len(first.outcomes),
            "findings",
            sum(o.applied for o in first.outcomes),
            "applied",
            failed,
        )
    assert not problems, "\n".join(problems)
