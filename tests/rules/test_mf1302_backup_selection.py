"""MF1302: a backup selection assigns the Aurora cluster to the plan (spec 13.2)."""

from __future__ import annotations

import json
import re
import textwrap

import pytest

from fixers.validate import Validator
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

# Operator may be assumed by AWS Backup but has no permission to back anything up: every job
# would fail with it. The fix makes a role that can.
FIXED = FLAWED + (
    "  BackupRole:\n"
    "    Type: AWS::IAM::Role\n"
    "    Properties:\n"
    "      AssumeRolePolicyDocument:\n"
    "        Version: '2012-10-17'\n"
    "        Statement:\n"
    "          - Effect: Allow\n"
    "            Principal:\n"
    "              Service: backup.amazonaws.com\n"
    "            Action: sts:AssumeRole\n"
    "      ManagedPolicyArns:\n"
    "        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup\n"
    "        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores\n"
    "  BackupSelection:\n"
    "    Type: AWS::Backup::BackupSelection\n"
    "    Properties:\n"
    "      BackupPlanId: !Ref Nightly\n"
    "      BackupSelection:\n"
    "        SelectionName: aurora-clusters\n"
    "        IamRoleArn: !GetAtt BackupRole.Arn\n"
    "        Resources:\n"
    "          - !Sub arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:${Ledger}\n"
)

SELECTION_WITH_OPERATOR = (
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


def test_fix_adds_the_selection_with_a_role_that_can_back_aurora_up() -> None:
    fixed = fix_text(FLAWED, ["MF1302"])
    assert fixed == FIXED
    assert re.fullmatch(r"[a-zA-Z0-9\-\_\.]{1,50}", "aurora-clusters")  # SelectionName pattern


@pytest.mark.parametrize(
    "grant",
    [
        "      ManagedPolicyArns:\n"
        "        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup\n",
        "      Policies:\n"
        "        - PolicyName: snapshots\n"
        "          PolicyDocument:\n"
        "            Statement:\n"
        "              - Effect: Allow\n"
        "                Action: [rds:*, tag:GetResources]\n"
        "                Resource: '*'\n",
        "      Policies:\n"
        "        - PolicyName: snapshots\n"
        "          PolicyDocument:\n"
        "            Statement:\n"
        "              Effect: Allow\n"
        "              Action: rds:CreateDBClusterSnapshot\n"
        "              Resource: '*'\n",
    ],
)
def test_fix_uses_the_template_role_that_can_back_aurora_up(grant: str) -> None:
    flawed = FLAWED + grant
    assert fix_text(flawed, ["MF1302"]) == flawed + SELECTION_WITH_OPERATOR


def test_a_role_with_rds_permissions_but_not_trusted_by_backup_is_not_used() -> None:
    flawed = FLAWED.replace("backup.amazonaws.com", "lambda.amazonaws.com") + (
        "      ManagedPolicyArns:\n"
        "        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup\n"
    )
    fixed = fix_text(flawed, ["MF1302"])
    assert "IamRoleArn: !GetAtt BackupRole.Arn" in fixed


CONDITIONAL = dedent(
    """
    Parameters:
      BackupRetentionDays:
        Type: Number
        Default: 35
    Conditions:
      # backup retention 0 disables backups
      BackupsEnabled: !Not [!Equals [!Ref BackupRetentionDays, 0]]
    Resources:
      Ledger:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
      Vault:
        Type: AWS::Backup::BackupVault
        Condition: BackupsEnabled
        Properties:
          BackupVaultName: ledger
      Plan:
        Type: AWS::Backup::BackupPlan
        Condition: BackupsEnabled
        Properties:
          BackupPlan:
            BackupPlanName: nightly
            BackupPlanRule:
              - RuleName: daily
                TargetBackupVault: !Ref Vault
                Lifecycle:
                  DeleteAfterDays: !Ref BackupRetentionDays
      FileBackupRole:   # made for EFS: no permission on RDS
        Type: AWS::IAM::Role
        Condition: BackupsEnabled
        Properties:
          AssumeRolePolicyDocument:
            Statement:
              - Effect: Allow
                Principal: {Service: backup.amazonaws.com}
                Action: sts:AssumeRole
          Policies:
            - PolicyName: efs-backup
              PolicyDocument:
                Statement:
                  - Effect: Allow
                    Action: [elasticfilesystem:Backup, elasticfilesystem:DescribeTags]
                    Resource: '*'
    """
)


def test_selection_for_a_conditional_plan_gets_its_condition_and_a_role_with_backup_permissions() -> (
    None
):
    fixed = fix_text(CONDITIONAL, ["MF1302"])
    assert fixed == CONDITIONAL + (
        "  BackupRole:\n"
        "    Type: AWS::IAM::Role\n"
        "    Condition: BackupsEnabled\n"
        "    Properties:\n"
        "      AssumeRolePolicyDocument:\n"
        "        Version: '2012-10-17'\n"
        "        Statement:\n"
        "          - Effect: Allow\n"
        "            Principal:\n"
        "              Service: backup.amazonaws.com\n"
        "            Action: sts:AssumeRole\n"
        "      ManagedPolicyArns:\n"
        "        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup\n"
        "        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores\n"
        "  BackupSelection:\n"
        "    Type: AWS::Backup::BackupSelection\n"
        "    Condition: BackupsEnabled\n"
        "    Properties:\n"
        "      BackupPlanId: !Ref Plan\n"
        "      BackupSelection:\n"
        "        SelectionName: aurora-clusters\n"
        "        IamRoleArn: !GetAtt BackupRole.Arn\n"
        "        Resources:\n"
        "          - !Sub arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:${Ledger}\n"
    )
    lint = [e for e in Validator().lint(fixed, "t.yaml") if e.level != "informational"]
    assert lint == []


def test_conditional_plan_uses_a_capable_role_under_the_same_condition() -> None:
    capable = CONDITIONAL + (
        "      ManagedPolicyArns:\n"
        "        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup\n"
    )
    fixed = fix_text(capable, ["MF1302"])
    assert fixed == capable + (
        "  BackupSelection:\n"
        "    Type: AWS::Backup::BackupSelection\n"
        "    Condition: BackupsEnabled\n"
        "    Properties:\n"
        "      BackupPlanId: !Ref Plan\n"
        "      BackupSelection:\n"
        "        SelectionName: aurora-clusters\n"
        "        IamRoleArn: !GetAtt FileBackupRole.Arn\n"
        "        Resources:\n"
        "          - !Sub arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:${Ledger}\n"
    )
    # A capable role under another condition may not exist where the plan does: not used.
    other = capable.replace(
        "  FileBackupRole:   # made for EFS: no permission on RDS\n"
        "    Type: AWS::IAM::Role\n"
        "    Condition: BackupsEnabled\n",
        "  FileBackupRole:   # made for EFS: no permission on RDS\n"
        "    Type: AWS::IAM::Role\n"
        "    Condition: Elsewhere\n",
    ).replace("Conditions:\n", "Conditions:\n  Elsewhere: !Equals [!Ref AWS::Region, eu-west-1]\n")
    assert "Condition: Elsewhere" in other
    assert "IamRoleArn: !GetAtt BackupRole.Arn" in fix_text(other, ["MF1302"])


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
                },
                {
                    "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"
                },
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


def test_a_plan_that_selects_an_efs_file_system_is_not_said_to_back_up_nothing() -> None:
    (alone,) = findings(FLAWED, ["MF1302"])
    assert "backs up nothing" in alone.message and alone.kind == "defect"
    with_efs = FLAWED + textwrap.indent(
        dedent(
            """
          Files:
            Type: AWS::EFS::FileSystem
          FilesSelection:
            Type: AWS::Backup::BackupSelection
            Properties:
              BackupPlanId: !Ref Nightly
              BackupSelection:
                SelectionName: files
                IamRoleArn: !GetAtt Operator.Arn
                Resources:
                  - !GetAtt Files.Arn
                  - !Sub arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders
        """
        ),
        "  ",
    )
    (f,) = findings(with_efs, ["MF1302"])
    assert "backs up nothing" not in f.message
    assert "EFS file system Files" in f.message and "table/orders" in f.message
    assert (f.kind, f.severity) == ("hardening", "medium")


def test_silent_when_a_selection_names_what_the_template_cannot_show() -> None:
    imported = FLAWED + textwrap.indent(
        dedent(
            """
            Picked:
              Type: AWS::Backup::BackupSelection
              Properties:
                BackupPlanId: !Ref Nightly
                BackupSelection:
                  SelectionName: db
                  IamRoleArn: !GetAtt Operator.Arn
                  Resources:
                    - !ImportValue ledger-cluster-arn
            """
        ),
        "  ",
    )
    assert codes(imported, ["MF1302"]) == []
