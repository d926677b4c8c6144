"""Revalidation: a fix whose result adds a cfn-lint error is rolled back and reported; the
other fixes stay; nothing new is written."""

from __future__ import annotations

import pytest

from fixers.document import Document
from fixers.engine import Engine, Options
from tests.conftest import CORPUS

DMS = CORPUS / "DMS" / "DMSAuroraToS3FullLoadAndOngoingReplication.json"


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
