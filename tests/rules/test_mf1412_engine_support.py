"""MF1412: an engine version past RDS standard support (beyond the spec)."""

from __future__ import annotations

import datetime

from fixers.rules.beyond.mf1412_engine_support import major, past_support
from tests.helpers import codes, dedent, findings

TEMPLATE = dedent(
    """
    Resources:
      Database:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: postgres
          EngineVersion: '12.19'
          DBInstanceClass: db.t4g.micro
    """
)


def test_fires_without_a_fix_on_postgres_12():
    (f,) = findings(TEMPLATE, ["MF1412"])
    assert f.path[-1] == "EngineVersion" and f.fix is None and "February 28, 2025" in f.message


def test_majors_of_each_engine():
    assert major("postgres", "9.6.22") == "9.6" and major("postgres", "13.4") == "13"
    assert major("mysql", "8.0.36") == "8.0"
    assert major("aurora-mysql", "5.7.mysql_aurora.2.11.2") == "5.7"


def test_mysql_8_0_ends_on_july_31_2026():
    data = {"Resources": {}}
    res = {"Properties": {"Engine": "MySQL", "EngineVersion": "8.0.36"}}
    assert past_support(data, res, datetime.date(2026, 7, 31)) is None
    assert past_support(data, res, datetime.date(2026, 8, 1))[2] == "8.0"


def test_silent_on_supported_or_unpinned_versions_and_on_cluster_members():
    assert codes(TEMPLATE.replace("'12.19'", "'16.6'"), ["MF1412"]) == []
    assert codes(TEMPLATE.replace("      EngineVersion: '12.19'\n", ""), ["MF1412"]) == []
    member = TEMPLATE.replace(
        "      Engine: postgres\n", "      Engine: postgres\n      DBClusterIdentifier: c\n"
    )
    assert codes(member, ["MF1412"]) == []


def test_extended_support_is_hardening_and_end_of_life_a_defect():
    (f,) = findings(TEMPLATE, ["MF1412"])
    assert (f.kind, f.severity) == ("hardening", "medium") and "Extended Support" in f.message
    (f,) = findings(TEMPLATE.replace("'12.19'", "'9.6.5'"), ["MF1412"])
    assert (f.kind, f.severity) == ("defect", "high") and "creating the stack fails" in f.message
    aurora = TEMPLATE.replace("Type: AWS::RDS::DBInstance", "Type: AWS::RDS::DBCluster").replace(
        "      Engine: postgres\n      EngineVersion: '12.19'\n", "      Engine: aurora\n"
    )
    (f,) = findings(aurora, ["MF1412"])
    assert f.kind == "defect" and "Aurora MySQL version 1" in f.message


def test_extended_support_ends_too():
    data = {"Resources": {}}
    res = {"Properties": {"Engine": "postgres", "EngineVersion": "11.22"}}
    assert past_support(data, res, datetime.date(2026, 12, 1)).creatable
    assert not past_support(data, res, datetime.date(2027, 3, 1)).creatable


def test_a_parameter_without_a_default_is_not_read_through_its_allowed_values():
    param = (
        "Parameters:\n  EngineVersion:\n    Type: String\n    AllowedValues: ['15.5', '13.13']\n"
        + TEMPLATE.replace("'12.19'", "!Ref EngineVersion")
    )
    assert codes(param, ["MF1412"]) == []
    defaulted = param.replace("    AllowedValues:", "    Default: '13.13'\n    AllowedValues:")
    assert codes(defaulted, ["MF1412"]) == ["MF1412"]
