"""MF1406: a database deleted without a final snapshot (beyond the spec)."""

from __future__ import annotations

from tests.helpers import as_json, codes, dedent, findings, fix_text

TEMPLATE = dedent(
    """
    Resources:
      Cluster:
        Type: AWS::RDS::DBCluster
        DeletionPolicy: Delete  # temporary
        UpdateReplacePolicy: Snapshot
        Properties:
          Engine: aurora-postgresql
          BackupRetentionPeriod: 7
          MasterUsername: app
          ManageMasterUserPassword: true
      Writer:
        Type: AWS::RDS::DBInstance
        DeletionPolicy: Delete
        Properties:
          DBClusterIdentifier: !Ref Cluster
          DBInstanceClass: db.r6g.large
          Engine: aurora-postgresql
    """
)
FIXED = TEMPLATE.replace(
    "DeletionPolicy: Delete  # temporary", "DeletionPolicy: Snapshot  # temporary"
)


def test_fires_on_the_cluster_not_on_its_instance():
    (f,) = findings(TEMPLATE, ["MF1406"])
    assert f.path == ("Resources", "Cluster", "DeletionPolicy") and f.fix.safe


def test_fix_yaml_and_json():
    assert fix_text(TEMPLATE, ["MF1406"]) == FIXED
    assert fix_text(as_json(TEMPLATE), ["MF1406"]) == as_json(FIXED)


def test_delete_outside_production_only_is_the_templates_choice():
    dev = TEMPLATE.replace(
        "DeletionPolicy: Delete  # temporary",
        "DeletionPolicy: !If [IsProduction, Snapshot, Delete]",
    ).replace(
        "Resources:\n",
        "Parameters:\n  Environment:\n    Type: String\n    AllowedValues: [production, development]\n"
        "Conditions:\n  IsProduction: !Equals [!Ref Environment, production]\nResources:\n",
        1,
    )
    assert codes(dev, ["MF1406"]) == [] and codes(FIXED, ["MF1406"]) == []


def test_a_second_pass_finds_nothing_and_changes_no_byte() -> None:
    for text in (FIXED, as_json(FIXED)):
        assert codes(text, ["MF1406"]) == []
        assert fix_text(text, ["MF1406"]) == text
