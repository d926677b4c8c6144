"""MF1408: automated backups deleted with the database (beyond the spec)."""

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
          BackupRetentionPeriod: 7
          DeleteAutomatedBackups: true
          MasterUsername: app
          ManageMasterUserPassword: true
    """
)
FIXED = TEMPLATE.replace("DeleteAutomatedBackups: true", "DeleteAutomatedBackups: false")


def test_fires_and_fixes():
    (f,) = findings(TEMPLATE, ["MF1408"])
    assert f.path[-1] == "DeleteAutomatedBackups" and f.fix.safe
    assert fix_text(TEMPLATE, ["MF1408"]) == FIXED
    assert fix_text(as_json(TEMPLATE), ["MF1408"]) == as_json(FIXED)


def test_silent_when_kept_or_unset():
    assert codes(FIXED, ["MF1408"]) == []
    assert codes(TEMPLATE.replace("      DeleteAutomatedBackups: true\n", ""), ["MF1408"]) == []


def test_a_second_pass_finds_nothing_and_changes_no_byte() -> None:
    for text in (FIXED, as_json(FIXED)):
        assert codes(text, ["MF1408"]) == []
        assert fix_text(text, ["MF1408"]) == text
