"""MF1407: a production database without deletion protection (beyond the spec)."""

from __future__ import annotations

from tests.helpers import as_json, codes, dedent, findings, fix_text

TEMPLATE = dedent(
    """
    Parameters:
      Environment:
        Type: String
        Default: development
        AllowedValues: [production, development]
    Conditions:
      IsProduction: !Equals [!Ref Environment, production]
    Resources:
      Cluster:
        Type: AWS::RDS::DBCluster
        DeletionPolicy: Snapshot
        UpdateReplacePolicy: Snapshot
        Properties:
          Engine: aurora-postgresql
          BackupRetentionPeriod: 7
          DeletionProtection: false  # set by the team
          MasterUsername: app
          ManageMasterUserPassword: true
    """
)
FIXED = TEMPLATE.replace(
    "DeletionProtection: false  # set by the team",
    "DeletionProtection: !If [IsProduction, true, false]  # set by the team",
)


def test_fires_where_the_template_marks_production():
    (f,) = findings(TEMPLATE, ["MF1407"])
    assert f.path == ("Resources", "Cluster", "Properties", "DeletionProtection") and f.fix.safe


def test_fix_yaml_and_json():
    assert fix_text(TEMPLATE, ["MF1407"]) == FIXED
    assert fix_text(as_json(TEMPLATE), ["MF1407"]) == as_json(FIXED)


def test_silent_without_a_production_marker_or_when_protected():
    plain = TEMPLATE.split("Resources:\n", 1)[1]
    assert codes("Resources:\n" + plain, ["MF1407"]) == []
    assert codes(FIXED, ["MF1407"]) == []
    on = TEMPLATE.replace("DeletionProtection: false", "DeletionProtection: true")
    assert codes(on, ["MF1407"]) == []


def test_hardening_low_and_says_what_the_deletion_policy_keeps():
    (f,) = findings(TEMPLATE, ["MF1407"])
    assert (f.kind, f.severity) == ("hardening", "low")
    assert "loses the database" not in f.message
    assert "keeps a final snapshot (DeletionPolicy Snapshot)" in f.message
    default = TEMPLATE.replace("    DeletionPolicy: Snapshot\n", "")
    (f,) = findings(default, ["MF1407"])
    assert "DeletionPolicy Snapshot, CloudFormation's default" in f.message
    retain = TEMPLATE.replace("DeletionPolicy: Snapshot", "DeletionPolicy: Retain")
    assert "keeps the database (DeletionPolicy Retain)" in findings(retain, ["MF1407"])[0].message


def test_a_free_text_environment_label_does_not_mark_production():
    label = TEMPLATE.replace(
        "    Default: development\n    AllowedValues: [production, development]\n", ""
    ).replace("Conditions:\n  IsProduction: !Equals [!Ref Environment, production]\n", "")
    assert "Conditions" not in label
    assert codes(label, ["MF1407"]) == []
    allowed = TEMPLATE.replace(
        "Conditions:\n  IsProduction: !Equals [!Ref Environment, production]\n", ""
    )
    assert codes(allowed, ["MF1407"]) == ["MF1407"]


def test_a_second_pass_finds_nothing_and_changes_no_byte() -> None:
    for text in (FIXED, as_json(FIXED)):
        assert codes(text, ["MF1407"]) == []
        assert fix_text(text, ["MF1407"]) == text
