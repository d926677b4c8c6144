"""MF1435: PostgreSQL statement logging writes statement values (or rotated passwords) to logs."""

from __future__ import annotations

import pytest

from fixers.rules import all_rules
from tests.helpers import as_json, codes, dedent, findings, fix_text

CODES = ["MF1435"]
FLAWED = dedent(
    """
    Resources:
      ClusterParams:
        Type: AWS::RDS::DBClusterParameterGroup
        Properties:
          Description: ledger
          Family: aurora-postgresql15
          Parameters:
            log_statement: all  # for debugging
      Cluster:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
          DBClusterParameterGroupName: !Ref ClusterParams
          MasterUsername: ledger
          ManageMasterUserPassword: true
    """
)
FIXED = FLAWED.replace("log_statement: all", "log_statement: none")
ROTATION = """\
  Secret:
    Type: AWS::SecretsManager::Secret
  Rotation:
    Type: AWS::SecretsManager::RotationSchedule
    Properties:
      SecretId: !Ref Secret
      RotationLambdaARN: arn:aws:lambda:us-east-1:111122223333:function:rotate
"""


def test_fires_on_all_and_mod() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.path == (
        "Resources",
        "ClusterParams",
        "Properties",
        "Parameters",
        "log_statement",
    )
    assert "literal values" in finding.message and "from Cluster" in finding.message
    assert finding.fix is not None and not finding.fix.safe
    assert codes(FLAWED.replace("log_statement: all", "log_statement: mod"), CODES) == CODES


def test_ddl_only_where_the_stack_rotates_passwords() -> None:
    ddl = FLAWED.replace("log_statement: all", "log_statement: ddl")
    assert codes(ddl, CODES) == []
    (finding,) = findings(ddl + ROTATION, CODES)
    assert "ALTER USER" in finding.message
    assert fix_text(ddl + ROTATION, CODES) == FIXED + ROTATION


@pytest.mark.parametrize("as_text", [lambda t: t, as_json], ids=["yaml", "json"])
def test_fix_byte_for_byte_and_a_second_pass_finds_nothing(as_text) -> None:
    assert fix_text(as_text(FLAWED), CODES) == as_text(FIXED)
    assert codes(as_text(FIXED), CODES) == []


def test_silent_for_mysql_and_none() -> None:
    mysql = FLAWED.replace("aurora-postgresql15", "aurora-mysql8.0")
    assert codes(mysql, CODES) == []
    assert codes(FIXED, CODES) == []


def test_pgaudit_docs_say_values_stay_out_of_logs_through_bind_parameters() -> None:
    assert "bind parameters" in all_rules()["MF1001"].docs()


DURATION = FLAWED.replace("log_statement: all  # for debugging", "log_min_duration_statement: 0")
DURATION_FIXED = FLAWED.replace(
    "log_statement: all  # for debugging", "log_min_duration_statement: -1"
)


def test_log_min_duration_statement_zero_logs_every_statement() -> None:
    (finding,) = findings(DURATION, CODES)
    assert finding.path[-1] == "log_min_duration_statement"
    assert (finding.kind, finding.severity) == ("defect", "high")
    assert "every statement" in finding.message and "from Cluster" in finding.message
    assert finding.fix is not None and not finding.fix.safe and finding.fix.impact == "update"


@pytest.mark.parametrize("as_text", [lambda t: t, as_json], ids=["yaml", "json"])
def test_duration_fix_turns_it_off_byte_for_byte(as_text) -> None:
    quoted = DURATION.replace(": 0", ": '0'")
    assert fix_text(as_text(DURATION), CODES) == as_text(DURATION_FIXED)
    assert fix_text(as_text(quoted), CODES) == as_text(DURATION_FIXED.replace(": -1", ": '-1'"))
    assert codes(as_text(DURATION_FIXED), CODES) == []


def test_both_settings_are_two_findings() -> None:
    both = FLAWED.replace(
        "log_statement: all  # for debugging",
        "log_statement: all  # for debugging\n        log_min_duration_statement: 0",
    )
    assert [f.path[-1] for f in findings(both, CODES)] == [
        "log_statement",
        "log_min_duration_statement",
    ]


def test_silent_for_a_slow_query_threshold() -> None:
    assert codes(DURATION.replace(": 0", ": 1000"), CODES) == []
    assert codes(DURATION.replace(": 0", ": '5000'"), CODES) == []
