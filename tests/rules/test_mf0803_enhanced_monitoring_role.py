"""MF0803: RDS enhanced monitoring has its role (spec 8.3)."""

from __future__ import annotations

import json

from fixers.document import Document
from tests.helpers import codes, findings, fix_text, fixture

CODES = ["MF0803"]

FLAWED = fixture("mf0803/before.yaml")

FLAWED_JSON = fixture("mf0803/before.json")

FIXED = fixture("mf0803/after.yaml")

FIXED_JSON = fixture("mf0803/after.json")


def test_fires_on_a_role_referenced_but_not_defined() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.resource == "Writer"
    assert finding.path == ("Resources", "Writer", "Properties", "MonitoringRoleArn")
    assert "OsMetricsRole" in finding.message
    assert finding.fix is not None and finding.fix.safe


def test_fix_yaml_defines_the_referenced_name() -> None:
    fixed = fix_text(FLAWED, CODES)
    assert fixed == FIXED
    assert "# never defined" in fixed and "# one-minute OS metrics" in fixed


def test_role_is_least_privilege() -> None:
    role = Document.from_text(fix_text(FLAWED, CODES)).data["Resources"]["OsMetricsRole"][
        "Properties"
    ]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }
    assert role["ManagedPolicyArns"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
        }
    ]
    assert "Policies" not in role


def test_fix_json_adds_the_role_and_sets_it_when_monitoring_has_none() -> None:
    (finding,) = findings(FLAWED_JSON, CODES)
    assert finding.path == ("Resources", "Db", "Properties", "MonitoringInterval")
    fixed = fix_text(FLAWED_JSON, CODES)
    assert fixed == FIXED_JSON
    assert json.loads(fixed)["Resources"]["Db"]["Properties"]["MonitoringRoleArn"] == {
        "Fn::GetAtt": ["EnhancedMonitoringRole", "Arn"]
    }


def test_silent_when_the_role_exists_or_monitoring_is_off() -> None:
    defined = fix_text(FLAWED, CODES)
    assert codes(defined, CODES) == []
    off = FLAWED.replace("MonitoringInterval: 60", "MonitoringInterval: 0").replace(
        "      MonitoringRoleArn: !GetAtt OsMetricsRole.Arn  # never defined\n", ""
    )
    assert codes(off, CODES) == []
    from_param = FLAWED.replace("!GetAtt OsMetricsRole.Arn", "!Ref MonitoringRole")
    assert codes(from_param, CODES) == []
