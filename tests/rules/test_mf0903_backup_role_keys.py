"""MF0903: the backup role may use the keys of what it backs up and of the vault (spec 9.3)."""

from __future__ import annotations

import json

from tests.helpers import codes, dedent, findings, fix_text

FLAWED = dedent(
    """
    Resources:
      StoreKey:
        Type: AWS::KMS::Key
        Properties:
          EnableKeyRotation: true
          KeyPolicy:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Principal:
                  AWS: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root
                Action: kms:*
                Resource: '*'
      Store:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
          StorageEncrypted: true
          KmsKeyId: !Ref StoreKey
      Vault:
        Type: AWS::Backup::BackupVault
        Properties:
          BackupVaultName: vault
          EncryptionKeyArn: !GetAtt StoreKey.Arn
      Plan:
        Type: AWS::Backup::BackupPlan
        Properties:
          BackupPlan:
            BackupPlanName: plan
            BackupPlanRule:
              - RuleName: daily
                TargetBackupVault: !Ref Vault
      Snapshots:   # the role AWS Backup runs as
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Principal: {Service: backup.amazonaws.com}
                Action: sts:AssumeRole
      Selection:
        Type: AWS::Backup::BackupSelection
        Properties:
          BackupPlanId: !Ref Plan
          BackupSelection:
            SelectionName: store
            IamRoleArn: !GetAtt Snapshots.Arn
            Resources: [!GetAtt Store.DBClusterArn]
    """
)

GRANT = """\
      Policies:
        - PolicyName: BackupKeyAccess
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Sid: CreateGrantsForBackup
                Effect: Allow
                Action: kms:CreateGrant
                Resource: !GetAtt StoreKey.Arn
                Condition:
                  Bool:
                    kms:GrantIsForAWSResource: true
              - Sid: UseBackupKeys
                Effect: Allow
                Action:
                  - kms:Decrypt
                  - kms:DescribeKey
                  - kms:Encrypt
                  - kms:GenerateDataKey*
                  - kms:ReEncrypt*
                Resource: !GetAtt StoreKey.Arn
                Condition:
                  StringEquals:
                    kms:ViaService:
                      - !Sub rds.${AWS::Region}.amazonaws.com
                      - !Sub backup.${AWS::Region}.amazonaws.com
"""

FIXED = FLAWED.replace(
    "            Action: sts:AssumeRole\n  Selection:",
    "            Action: sts:AssumeRole\n" + GRANT + "  Selection:",
)


def test_fires_on_the_selection_role():
    (f,) = findings(FLAWED, ["MF0903"])
    assert f.path == ("Resources", "Snapshots") and "StoreKey" in f.message and f.fix.safe


def test_fix_grants_use_through_the_services_and_grants_for_aws_resources():
    out = fix_text(FLAWED, ["MF0903"])
    assert out == FIXED
    assert "# the role AWS Backup runs as" in out and "'*'" not in GRANT


def test_database_on_aws_managed_key_gets_the_database_key():
    managed = FLAWED.replace("      KmsKeyId: !Ref StoreKey\n", "").replace(
        "      EncryptionKeyArn: !GetAtt StoreKey.Arn\n", ""
    )
    out = fix_text(managed, ["MF0903"])
    assert (
        "Resource: !GetAtt DatabaseKMSKey.Arn" in out
        and "  DatabaseKMSKey:\n    Type: AWS::KMS::Key\n" in out
    )
    # With MF0202 the cluster then takes that same key: one key, in either order.
    assert fix_text(out, ["MF0202"]) == fix_text(fix_text(managed, ["MF0202"]), ["MF0903"])


def test_silent_when_granted_or_without_backup_role_or_selection_unseen():
    assert codes(FIXED, ["MF0903"]) == []
    star = FLAWED.replace(
        "            Action: sts:AssumeRole\n  Selection:",
        "            Action: sts:AssumeRole\n      Policies:\n        - PolicyName: k\n          PolicyDocument:\n"
        "            Statement:\n              - Effect: Allow\n                Action: kms:*\n                Resource: '*'\n  Selection:",
    )
    assert codes(star, ["MF0903"]) == []
    tags = FLAWED.replace(
        "        Resources: [!GetAtt Store.DBClusterArn]\n",
        "        ListOfTags: [{ConditionType: STRINGEQUALS, ConditionKey: backup, ConditionValue: 'yes'}]\n",
    )
    assert codes(tags, ["MF0903"]) == []
    copy_role = FLAWED.replace("IamRoleArn: !GetAtt Snapshots.Arn", "IamRoleArn: !Ref RoleArn")
    assert (
        codes(copy_role, ["MF0903"]) == []
    )  # a backup-trusted role nobody selects with: not the backup role


def test_json_role_found_by_managed_policy():
    data = {
        "Resources": {
            "Db": {
                "Type": "AWS::RDS::DBCluster",
                "Properties": {"Engine": "aurora-mysql", "KmsKeyId": {"Fn::GetAtt": ["K", "Arn"]}},
            },
            "K": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": []}}},
            "R": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": ["backup.amazonaws.com"]},
                                "Action": "sts:AssumeRole",
                            }
                        ]
                    },
                    "ManagedPolicyArns": [
                        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
                    ],
                },
            },
        }
    }
    text = json.dumps(data, indent=2) + "\n"
    out = fix_text(text, ["MF0903"])
    resource = {"Fn::GetAtt": ["K", "Arn"]}
    data["Resources"]["R"]["Properties"]["Policies"] = [
        {
            "PolicyName": "BackupKeyAccess",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "CreateGrantsForBackup",
                        "Effect": "Allow",
                        "Action": "kms:CreateGrant",
                        "Resource": resource,
                        "Condition": {"Bool": {"kms:GrantIsForAWSResource": True}},
                    },
                    {
                        "Sid": "UseBackupKeys",
                        "Effect": "Allow",
                        "Action": [
                            "kms:Decrypt",
                            "kms:DescribeKey",
                            "kms:Encrypt",
                            "kms:GenerateDataKey*",
                            "kms:ReEncrypt*",
                        ],
                        "Resource": resource,
                        "Condition": {
                            "StringEquals": {
                                "kms:ViaService": [
                                    {"Fn::Sub": "rds.${AWS::Region}.amazonaws.com"},
                                    {"Fn::Sub": "backup.${AWS::Region}.amazonaws.com"},
                                ]
                            }
                        },
                    },
                ],
            },
        }
    ]
    assert out == json.dumps(data, indent=2) + "\n"
