"""MF0703: the backup plan ID is an output (spec 7.3)."""

from __future__ import annotations

import json

from tests.helpers import codes, dedent, findings, fix_text

FLAWED = dedent(
    """
    Resources:
      Plan:   # daily backups
        Type: AWS::Backup::BackupPlan
        Properties:
          BackupPlan:
            BackupPlanName: p
            BackupPlanRule: []
    """
)


def test_fires_safe() -> None:
    (finding,) = findings(FLAWED, ["MF0703"])
    assert finding.resource == "Plan" and finding.fix.safe and finding.fix.impact == "none"


def test_fix_adds_the_output() -> None:
    assert fix_text(FLAWED, ["MF0703"]) == FLAWED + dedent(
        """
        Outputs:
          BackupPlanId:
            Description: ID of the backup plan
            Value: !Ref Plan
        """
    )


def test_silent_when_output_under_another_name_or_no_plan() -> None:
    assert (
        codes(FLAWED + "Outputs:\n  Id:\n    Value: !GetAtt Plan.BackupPlanId\n", ["MF0703"]) == []
    )
    assert codes("Resources:\n  V:\n    Type: AWS::Backup::BackupVault\n", ["MF0703"]) == []


def test_json_exported_like_the_others() -> None:
    data = {
        "Resources": {
            "P": {
                "Type": "AWS::Backup::BackupPlan",
                "Properties": {"BackupPlan": {"BackupPlanName": "p", "BackupPlanRule": []}},
            }
        },
        "Outputs": {
            "Vpc": {"Value": "x", "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-Vpc"}}}
        },
    }
    text = json.dumps(data, indent=4) + "\n"
    fixed = fix_text(text, ["MF0703"])
    data["Outputs"]["BackupPlanId"] = {
        "Description": "ID of the backup plan",
        "Value": {"Ref": "P"},
        "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-BackupPlanId"}},
    }
    assert fixed == json.dumps(data, indent=4) + "\n"
