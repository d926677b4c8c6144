"""MF1409: a database that keeps less than 7 days of backups (beyond the spec)."""

from __future__ import annotations

from tests.helpers import as_json, codes, dedent, findings, fix_text

TEMPLATE = dedent(
    """
    Resources:
      Database:
        Type: AWS::RDS::DBInstance
        DeletionPolicy: Snapshot
        UpdateReplacePolicy: Snapshot
        Properties:
          Engine: postgres
          DBInstanceClass: db.t4g.micro
          AllocatedStorage: '20'
          MasterUsername: app
          ManageMasterUserPassword: true
      Replica:
        Type: AWS::RDS::DBInstance
        Properties:
          SourceDBInstanceIdentifier: !Ref Database
          DBInstanceClass: db.t4g.micro
    """
)
FIXED = TEMPLATE.replace(
    "      AllocatedStorage: '20'\n      MasterUsername",
    "      AllocatedStorage: '20'\n      BackupRetentionPeriod: 7\n      MasterUsername",
)


def test_unset_retention_is_one_day():
    (f,) = findings(TEMPLATE, ["MF1409"])
    assert f.path == ("Resources", "Database") and "1 day" in f.message


def test_fix_yaml_and_json():
    assert fix_text(TEMPLATE, ["MF1409"]) == FIXED
    assert fix_text(as_json(TEMPLATE), ["MF1409"]) == as_json(FIXED)


def test_zero_is_high_and_its_fix_interrupts():
    off = FIXED.replace("BackupRetentionPeriod: 7", "BackupRetentionPeriod: 0")
    (f,) = findings(off, ["MF1409"])
    assert f.severity == "high" and not f.fix.safe
    assert fix_text(off, ["MF1409"]) == FIXED


def test_silent_at_seven_days_and_on_replicas():
    assert codes(FIXED, ["MF1409"]) == []


def test_short_retention_is_hardening_and_zero_a_defect():
    (f,) = findings(TEMPLATE, ["MF1409"])
    assert (f.kind, f.severity) == ("hardening", "medium")
    off = FIXED.replace("BackupRetentionPeriod: 7", "BackupRetentionPeriod: 0")
    (f,) = findings(off, ["MF1409"])
    assert (f.kind, f.severity) == ("defect", "high")


def test_an_instance_fix_is_possible_replacement_as_the_schema_says():
    (f,) = findings(TEMPLATE, ["MF1409"])
    assert f.fix.impact == "possible replacement" and not f.fix.safe


SERVERLESS_V1 = dedent(
    """
    Resources:
      Cluster:
        Type: AWS::RDS::DBCluster
        DeletionPolicy: Snapshot
        UpdateReplacePolicy: Snapshot
        Properties:
          Engine: aurora-postgresql
          EngineMode: serverless
          DBClusterIdentifier: app-cluster
          MasterUsername: app
          ManageMasterUserPassword: true
    """
)


def test_a_named_serverless_v1_cluster_is_read_and_its_fix_is_an_update():
    (f,) = findings(SERVERLESS_V1, ["MF1409"])
    assert f.path == ("Resources", "Cluster") and f.fix.impact == "update" and f.fix.safe
    fixed = SERVERLESS_V1.replace(
        "    Properties:\n", "    Properties:\n      BackupRetentionPeriod: 7\n"
    )
    assert fix_text(SERVERLESS_V1, ["MF1409"]) == fixed
    assert fix_text(as_json(SERVERLESS_V1), ["MF1409"]) == as_json(fixed)


def test_a_second_pass_finds_nothing_and_changes_no_byte() -> None:
    for text in (FIXED, as_json(FIXED)):
        assert codes(text, ["MF1409"]) == []
        assert fix_text(text, ["MF1409"]) == text
