"""Revalidation: a fix whose result adds a cfn-lint error is rolled back and reported; the
other fixes stay; nothing new is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixers.document import Document
from fixers.engine import Engine, Options
from fixers.validate import WorkerValidator
from tests.conftest import CORPUS

DMS = CORPUS / "DMS" / "DMSAuroraToS3FullLoadAndOngoingReplication.json"
SAMPLE = Path(__file__).resolve().parent.parent / "sample_templates" / "transaction-platform.yaml"


@pytest.mark.corpus
def test_the_fix_that_adds_an_error_is_rolled_back_and_the_others_stay() -> None:
    # The template's subnets take their zone from a Region that does not exist; MF0101 copies
    # that expression into the database subnets it adds, which cfn-lint reports there (E1017).
    # (The corpus file itself says `Fn::GetAZs: null`, which MF0101 writes as the valid ''.)
    text = DMS.read_text().replace('"Fn::GetAZs": null', '"Fn::GetAZs": "nowhere-1"')
    engine = Engine(Options(fix=True, unsafe_fixes=True, validate=True))
    result = engine.run_document(Document.from_text(text, str(DMS)))
    status = {o.finding.code: (o.status, o.reason or "") for o in result.outcomes}
    assert status["MF0101"][0] == "rolled back"
    assert "E1017" in status["MF0101"][1] and "DatabaseSubnet1" in status["MF0101"][1]
    assert status["MF0103"][0] == "applied" and status["MF0302"][0] == "applied"
    assert result.lint_new == []
    assert "DatabaseSubnet1" not in result.new_text and "VPCFlowLogs" in result.new_text


@pytest.fixture
def free_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a machine with cores to spare, for templates of any size."""
    from fixers import engine as engine_module

    monkeypatch.setattr(engine_module, "PRELINT_MIN_BYTES", 0)
    monkeypatch.setattr(engine_module, "usable_cpus", lambda: 2)


def _outcomes(result):  # type: ignore[no-untyped-def]
    return [(o.finding.key, o.status, o.reason) for o in result.outcomes]


@pytest.mark.corpus
@pytest.mark.usefixtures("free_cores")
def test_linting_in_other_processes_gives_the_same_result() -> None:
    from tests.helpers import child_processes

    before = child_processes()

    def run(parallel: bool):  # type: ignore[no-untyped-def]
        engine = Engine(Options(fix=True, unsafe_fixes=True, validate=True, parallel_lint=parallel))
        try:
            result = engine.run_document(Document.from_text(DMS.read_text(), str(DMS)))
            linter = engine.linter
            assert isinstance(linter, WorkerValidator)
            return result, linter.in_worker and linter.local is None
        finally:
            engine.close()

    (alone, _), (paired, used) = run(False), run(True)
    assert used  # the worker linted (the in-process validator was never built)
    assert paired.lint_before == alone.lint_before and paired.lint_new == alone.lint_new == []
    assert _outcomes(paired) == _outcomes(alone)
    assert paired.new_text == alone.new_text
    assert child_processes() - before == set()


@pytest.mark.usefixtures("free_cores")
def test_a_clean_result_stops_the_original_lint_and_a_dead_worker_is_replaced() -> None:
    from tests.helpers import child_processes

    before = child_processes()
    linter = WorkerValidator(start=False)
    engine = Engine(
        Options(fix=True, unsafe_fixes=True, validate=True, parallel_lint=True), linter=linter
    )
    # The sample without its (deprecated) engine version: the fixed text has no cfn-lint error
    # or warning, whatever versions the installed cfn-lint knows.
    clean = SAMPLE.read_text().replace("      EngineVersion: '15.8'\n", "")
    result = engine.run_document(Document.from_text(clean, str(SAMPLE)))
    assert result.lint_after == []
    assert result.lint_before is None  # a clean result: nothing to compare, the original not linted
    assert len(child_processes() - before) == 1  # the ready worker, kept for the next file
    assert linter.local is None
    linter._worker._proc.kill()  # type: ignore[union-attr]
    linter._worker._proc.wait()  # type: ignore[union-attr]
    # Engines may share the linter; the next run finds its worker dead and starts a new one.
    engine = Engine(
        Options(fix=True, unsafe_fixes=True, validate=True, parallel_lint=True), linter=linter
    )
    again = engine.run_document(Document.from_text(clean, str(SAMPLE)))
    assert again.new_text == result.new_text and again.lint_after == result.lint_after
    assert linter.local is None
    linter.close()
    assert child_processes() - before == set()


def test_a_worker_that_dies_mid_lint_leaves_the_lint_to_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.helpers import child_processes

    before = child_processes()
    from fixers.validate import LintWorker, Validator

    class DiesMidLint:
        """Alive when asked, gone before it answers."""

        def __init__(self) -> None:
            self.real = LintWorker()
            self.alive = True

        def lint(self, text: str, filename: str) -> None:
            self.real._proc.kill()
            self.real._proc.wait()
            return self.real.lint(text, filename)

        def close(self) -> None:
            self.real.close()

    linter = WorkerValidator(start=False)
    linter._worker = DiesMidLint()  # type: ignore[assignment]
    engine = Engine(Options(fix=True, validate=True, parallel_lint=True), linter=linter)
    assert engine.lint(SAMPLE.read_text(), str(SAMPLE)) == Validator().lint(
        SAMPLE.read_text(), str(SAMPLE)
    )
    assert not linter.in_worker and linter.local is not None
    assert child_processes() - before == set()
