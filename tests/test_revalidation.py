"""Revalidation: a fix whose result adds a cfn-lint error is rolled back and reported; the
other fixes stay; nothing new is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixers.document import Document
from fixers.engine import Engine, Options
from tests.conftest import CORPUS

DMS = CORPUS / "DMS" / "DMSAuroraToS3FullLoadAndOngoingReplication.json"
SAMPLE = Path(__file__).resolve().parent.parent / "sample_templates" / "transaction-platform.yaml"


@pytest.mark.skipif(not DMS.exists(), reason="corpus not found")
def test_the_fix_that_adds_an_error_is_rolled_back_and_the_others_stay() -> None:
    # The template's subnets take their zone from `Fn::GetAZs: null`; MF0101 copies that
    # expression into the database subnets it adds, which cfn-lint reports there (E1017).
    engine = Engine(Options(fix=True, unsafe_fixes=True, validate=True))
    result = engine.run_document(Document.from_text(DMS.read_text(), str(DMS)))
    status = {o.finding.code: (o.status, o.reason or "") for o in result.outcomes}
    assert status["MF0101"][0] == "rolled back"
    assert "E1017" in status["MF0101"][1] and "DatabaseSubnet1" in status["MF0101"][1]
    assert status["MF0103"][0] == "applied" and status["MF0304"][0] == "applied"
    assert result.lint_new == []
    assert "DatabaseSubnet1" not in result.new_text and "VPCFlowLogs" in result.new_text


@pytest.mark.skipif(not DMS.exists(), reason="corpus not found")
def test_the_original_linted_in_a_second_process_gives_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    from fixers import engine as engine_module

    def run(prelint: bool):  # type: ignore[no-untyped-def]
        engine = Engine(Options(fix=True, unsafe_fixes=True, validate=True, prelint=prelint))
        return engine.run_document(Document.from_text(DMS.read_text(), str(DMS)))

    monkeypatch.setattr(engine_module, "PRELINT_MIN_BYTES", 0)
    monkeypatch.setattr(engine_module, "_cpus", lambda: 2)
    started: list[object] = []
    real = engine_module.Engine._start_prelint

    def spy(self, doc, outcomes):  # type: ignore[no-untyped-def]
        started.append(real(self, doc, outcomes))
        return started[-1]

    monkeypatch.setattr(engine_module.Engine, "_start_prelint", spy)
    alone, paired = run(False), run(True)
    assert started[0] is None and started[1] is not None
    assert paired.lint_before == alone.lint_before and paired.lint_new == alone.lint_new == []
    assert [(o.finding.key, o.status, o.reason) for o in paired.outcomes] == [
        (o.finding.key, o.status, o.reason) for o in alone.outcomes
    ]
    assert paired.new_text == alone.new_text
    assert multiprocessing.active_children() == []


def test_a_clean_result_stops_the_second_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    from fixers import engine as engine_module

    monkeypatch.setattr(engine_module, "PRELINT_MIN_BYTES", 0)
    monkeypatch.setattr(engine_module, "_cpus", lambda: 2)
    engine = Engine(Options(fix=True, unsafe_fixes=True, validate=True, prelint=True))
    result = engine.run_document(Document.from_text(SAMPLE.read_text(), str(SAMPLE)))
    assert result.lint_before is None  # the fixed sample has no cfn-lint error: nothing to compare
    assert multiprocessing.active_children() == []
