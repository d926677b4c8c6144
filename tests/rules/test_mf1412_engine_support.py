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
