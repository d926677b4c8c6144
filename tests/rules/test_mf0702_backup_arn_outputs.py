"""MF0702: outputs of the backup vault ARN and the backup role ARN (spec 7.2)."""

from __future__ import annotations

import json

from tests.helpers import codes, dedent, findings, fix_text

FLAWED = dedent(
    """
    Resources:
      Store:
        Type: AWS::Backup::BackupVault
      Schedule:
        Type: AWS::Backup::BackupPlan
        Properties:
          BackupPlan:
            BackupPlanName: p
            BackupPlanRule:
              - RuleName: daily
                TargetBackupVault: !Ref Store
      Copier:   # trusted by AWS Backup, but not the backup role
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Statement:
              - Effect: Allow
                Principal: {Service: backup.amazonaws.com}
                Action: sts:AssumeRole
      Runner:
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Statement:
              - Effect: Allow
                Principal: {Service: [backup.amazonaws.com]}
                Action: sts:AssumeRole
          ManagedPolicyArns:
            - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup
    Outputs:
      Plan:
        Value: !Ref Schedule
        Export:
          Name: !Sub ${AWS::StackName}:Plan
    """
)

FIXED = FLAWED + (
    "  BackupRoleArn:\n"
    "    Description: ARN of the IAM role AWS Backup runs jobs with\n"
    "    Value: !GetAtt Runner.Arn\n"
    "    Export:\n"
    "      Name: !Sub ${AWS::StackName}:BackupRoleArn\n"
    "  BackupVaultArn:\n"
    "    Description: ARN of the backup vault\n"
    "    Value: !GetAtt Store.BackupVaultArn\n"
    "    Export:\n"
    "      Name: !Sub ${AWS::StackName}:BackupVaultArn\n"
)


def test_fires_on_vault_and_on_the_backup_role() -> None:
    found = sorted(f.resource for f in findings(FLAWED, ["MF0702"]))
    assert found == ["Runner", "Store"]


def test_fix_adds_both_outputs_exported_like_the_others() -> None:
    assert fix_text(FLAWED, ["MF0702"]) == FIXED


def test_silent_when_output_under_other_names_or_no_backup() -> None:
    other = (
        FLAWED
        + "  V:\n    Value: !GetAtt [Store, BackupVaultArn]\n  R:\n    Value: !GetAtt Runner.Arn\n"
    )
    assert codes(other, ["MF0702"]) == []
    assert codes("Resources:\n  R:\n    Type: AWS::IAM::Role\n", ["MF0702"]) == []


def test_json_role_from_the_selection() -> None:
    data = {
        "Resources": {
            "P": {
                "Type": "AWS::Backup::BackupPlan",
                "Properties": {"BackupPlan": {"BackupPlanName": "p", "BackupPlanRule": []}},
            },
            "R": {"Type": "AWS::IAM::Role", "Properties": {}},
            "S": {
                "Type": "AWS::Backup::BackupSelection",
                "Properties": {
                    "BackupPlanId": {"Ref": "P"},
                    "BackupSelection": {
                        "SelectionName": "s",
                        "IamRoleArn": {"Fn::GetAtt": ["R", "Arn"]},
                    },
                },
            },
        }
    }
    text = json.dumps(data, indent=2) + "\n"
    fixed = fix_text(text, ["MF0702"])
    data["Outputs"] = {
        "BackupRoleArn": {
            "Description": "ARN of the IAM role AWS Backup runs jobs with",
            "Value": {"Fn::GetAtt": ["R", "Arn"]},
        }
    }
    assert fixed == json.dumps(data, indent=2) + "\n"
