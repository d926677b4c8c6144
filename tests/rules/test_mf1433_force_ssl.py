"""MF1433: a PostgreSQL parameter group lets clients connect without TLS (rds.force_ssl 0)."""

from __future__ import annotations

import pytest

from tests.helpers import as_json, codes, dedent, findings, fix_text

CODES = ["MF1433"]
FLAWED = dedent(
    """
    Resources:
      Params:
        Type: AWS::RDS::DBParameterGroup
        Properties:
          Description: ledger database
          Family: postgres16
          Parameters:
            rds.force_ssl: '0'  # the batch loader cannot do TLS
            work_mem: '65536'
      Database:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: postgres
          DBInstanceClass: db.t3.micro
          AllocatedStorage: '20'
          DBParameterGroupName: !Ref Params
          MasterUsername: ledger
          ManageMasterUserPassword: true
    """
)
FIXED = FLAWED.replace("rds.force_ssl: '0'", "rds.force_ssl: '1'")


def test_fires_on_force_ssl_off() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.path == ("Resources", "Params", "Properties", "Parameters", "rds.force_ssl")
    assert "Database accept clients that connect without TLS" in finding.message
    assert finding.fix is not None and not finding.fix.safe and finding.fix.impact == "update"


@pytest.mark.parametrize("as_text", [lambda t: t, as_json], ids=["yaml", "json"])
def test_fix_byte_for_byte_and_a_second_pass_finds_nothing(as_text) -> None:
    assert fix_text(as_text(FLAWED), CODES) == as_text(FIXED)
    assert codes(as_text(FIXED), CODES) == []


def test_a_condition_branch_counts() -> None:
    text = FLAWED.replace("rds.force_ssl: '0'", "rds.force_ssl: !If [Legacy, 0, 1]").replace(
        "Resources:\n",
        "Conditions:\n  Legacy: !Equals [!Ref AWS::Region, us-east-1]\nResources:\n",
        1,
    )
    (finding,) = findings(text, CODES)
    assert "when Legacy is true" in finding.message
    assert "rds.force_ssl: !If [Legacy, '1', 1]" in fix_text(text, CODES)


def test_silent_when_unset_or_on() -> None:
    assert (
        codes(
            FLAWED.replace("      rds.force_ssl: '0'  # the batch loader cannot do TLS\n", ""),
            CODES,
        )
        == []
    )
    assert codes(FIXED, CODES) == []
