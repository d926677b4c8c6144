"""MF1402: a master password written in the template (beyond the spec)."""

from __future__ import annotations

from tests.helpers import as_json, codes, dedent, findings, fix_text

TEMPLATE = dedent(
    """
    Resources:
      Cluster:
        Type: AWS::RDS::DBCluster
        DeletionPolicy: Snapshot
        UpdateReplacePolicy: Snapshot
        Properties:
          Engine: aurora-postgresql
          BackupRetentionPeriod: 7
          StorageEncrypted: true
          MasterUsername: admin
          MasterUserPassword: Sup3rS3cret  # hard-coded
    """
)
FIXED = TEMPLATE.replace(
    "      MasterUsername: admin\n      MasterUserPassword: Sup3rS3cret  # hard-coded\n",
    "      MasterUsername: admin\n",
).replace(
    "      BackupRetentionPeriod: 7\n",
    "      BackupRetentionPeriod: 7\n      ManageMasterUserPassword: true\n",
)


def test_fires_on_a_literal_password():
    (f,) = findings(TEMPLATE, ["MF1402"])
    assert f.path == ("Resources", "Cluster", "Properties", "MasterUserPassword")
    assert f.severity == "critical" and not f.fix.safe


def test_fix_yaml_and_json():
    assert fix_text(TEMPLATE, ["MF1402"]) == FIXED
    assert fix_text(as_json(TEMPLATE), ["MF1402"]) == as_json(FIXED)


def test_mapping_entry_is_a_literal_and_dynamic_references_and_parameters_are_not():
    mapped = TEMPLATE.replace(
        "MasterUserPassword: Sup3rS3cret  # hard-coded",
        "MasterUserPassword: !FindInMap [Creds, db, password]",
    ).replace(
        "Resources:\n", "Mappings:\n  Creds:\n    db:\n      password: hunter22\nResources:\n", 1
    )
    assert codes(mapped, ["MF1402"]) == ["MF1402"]
    resolved = TEMPLATE.replace(
        "Sup3rS3cret  # hard-coded",
        "'{{resolve:secretsmanager:db-credentials:SecretString:password}}'",
    )
    param = TEMPLATE.replace("Sup3rS3cret  # hard-coded", "!Ref Password").replace(
        "Resources:\n",
        "Parameters:\n  Password:\n    Type: String\n    NoEcho: true\nResources:\n",
        1,
    )
    assert codes(resolved, ["MF1402"]) == [] and codes(param, ["MF1402"]) == []
    assert codes(FIXED, ["MF1402"]) == []


def test_a_second_pass_finds_nothing_and_changes_no_byte() -> None:
    for text in (FIXED, as_json(FIXED)):
        assert codes(text, ["MF1402"]) == []
        assert fix_text(text, ["MF1402"]) == text
