"""MF1302: a backup selection assigns the Aurora cluster to the plan (spec 13.2)."""

from __future__ import annotations

import json
import re
import textwrap

from tests.helpers import codes, dedent, findings, fix_text

FLAWED = dedent(
    """
    Resources:
      Ledger:   # the system of record
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
      Nightly:
        Type: AWS::Backup::BackupPlan
        Properties:
          BackupPlan:
            BackupPlanName: nightly
            BackupPlanRule:
              - RuleName: daily
                TargetBackupVault: vault
      Operator:
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Statement:
              - Effect: Allow
                Principal: {Service: backup.amazonaws.com}
                Action: sts:AssumeRole
    """
)

FIXED = FLAWED + (
    "  BackupSelection:\n"
    "    Type: AWS::Backup::BackupSelection\n"
    "    Properties:\n"
    "      BackupPlanId: !Ref Nightly\n"
    "      BackupSelection:\n"
    "        SelectionName: aurora-clusters\n"
    "        IamRoleArn: !GetAtt Operator.Arn\n"
    "        Resources:\n"
    "          - !Sub arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:${Ledger}\n"
)


def test_fires_on_the_unselected_cluster() -> None:
    (finding,) = findings(FLAWED, ["MF1302"])
    assert finding.resource == "Ledger" and finding.fix.safe and finding.fix.impact == "update"


def test_fix_adds_the_selection_with_the_backup_role() -> None:
    fixed = fix_text(FLAWED, ["MF1302"])
    assert fixed == FIXED
    assert re.fullmatch(r"[a-zA-Z0-9\-\_\.]{1,50}", "aurora-clusters")  # SelectionName pattern


def test_silent_when_selected_another_way_or_no_plan() -> None:
    by_tags = FLAWED + textwrap.indent(
        dedent(
            """
          Picks:
            Type: AWS::Backup::BackupSelection
            Properties:
              BackupPlanId: !Ref Nightly
              BackupSelection:
                SelectionName: tagged
                IamRoleArn: !GetAtt Operator.Arn
                ListOfTags:
                  - {ConditionType: STRINGEQUALS, ConditionKey: backup, ConditionValue: 'true'}
        """
        ),
        "  ",
    )
    assert codes(by_tags, ["MF1302"]) == []
    wildcard = FIXED.replace(":cluster:${Ledger}", ":cluster:*")
    assert codes(wildcard, ["MF1302"]) == []
    assert codes(FLAWED.split("  Nightly:")[0], ["MF1302"]) == []


def test_json_adds_a_least_privilege_backup_role_when_none() -> None:
    data = {
        "Resources": {
            "Db": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-mysql"}},
            "Plan": {
                "Type": "AWS::Backup::BackupPlan",
                "Properties": {"BackupPlan": {"BackupPlanName": "p", "BackupPlanRule": []}},
            },
        }
    }
    text = json.dumps(data, indent=2) + "\n"
    fixed = fix_text(text, ["MF1302"])
    data["Resources"]["BackupRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "backup.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "ManagedPolicyArns": [
                {
                    "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
                }
            ],
        },
    }
    data["Resources"]["BackupSelection"] = {
        "Type": "AWS::Backup::BackupSelection",
        "Properties": {
            "BackupPlanId": {"Ref": "Plan"},
            "BackupSelection": {
                "SelectionName": "aurora-clusters",
                "IamRoleArn": {"Fn::GetAtt": ["BackupRole", "Arn"]},
                "Resources": [
                    {
                        "Fn::Sub": "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:${Db}"
                    }
                ],
            },
        },
    }
    assert fixed == json.dumps(data, indent=2) + "\n"
