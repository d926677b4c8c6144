"""MF0704: cross-account replication exists only when a backup account is given (spec 7.4)."""

from __future__ import annotations

import json

from tests.helpers import codes, findings, fix_text, fixture

FLAWED = fixture("mf0704/before.yaml")

FIXED = fixture("mf0704/after.yaml")


def test_fires_once_on_the_account_parameter() -> None:
    (finding,) = findings(FLAWED, ["MF0704"])
    assert finding.path == ("Parameters", "DrAccount")
    assert finding.fix.safe and finding.fix.impact == "update"
    assert (
        "Replicator" in finding.message
        and "copy action" in finding.message
        and "key" in finding.message
    )


def test_fix_conditions_cross_account_parts_only() -> None:
    fixed = fix_text(FLAWED, ["MF0704"])
    assert fixed == FIXED
    assert "# same-account copy stays" in fixed and "# local" in fixed


def test_key_statements_are_least_privilege() -> None:
    from fixers.rules.backup.mf0704_cross_account_condition import key_statements

    for wrapped in key_statements("DrAccount", "HasBackupAccount"):
        cond, st, other = wrapped["Fn::If"]
        assert cond == "HasBackupAccount" and other == {"Ref": "AWS::NoValue"}
        assert st["Principal"] == {
            "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${DrAccount}:root"}
        }
        assert "kms:*" not in str(st["Action"]) and st["Principal"] != "*"
        if st["Action"] == "kms:CreateGrant":
            assert st["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": True}}


def test_silent_when_already_conditioned_under_another_name_or_no_account() -> None:
    renamed = FIXED.replace("HasBackupAccount", "DrGiven").replace(
        "!Not [!Equals [!Ref DrAccount, '']]", "!Not [!Equals ['', !Ref DrAccount]]"
    )
    assert codes(renamed, ["MF0704"]) == []
    no_account = FLAWED.replace("${DrAccount}", "${AWS::AccountId}")
    assert codes(no_account, ["MF0704"]) == []


def test_json_whole_policy_is_conditioned_and_database_key_added() -> None:
    data = {
        "Parameters": {"BackupAccountId": {"Type": "String", "Default": ""}},
        "Resources": {
            "Db": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-postgresql"}},
            "Plan": {
                "Type": "AWS::Backup::BackupPlan",
                "Properties": {"BackupPlan": {"BackupPlanName": "p", "BackupPlanRule": []}},
            },
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "backup.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ]
                    },
                    "Policies": [
                        {
                            "PolicyName": "copy",
                            "PolicyDocument": {
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": "backup:CopyIntoBackupVault",
                                        "Resource": {
                                            "Fn::Sub": "arn:${AWS::Partition}:backup:${AWS::Region}:${BackupAccountId}:backup-vault:*"
                                        },
                                    }
                                ]
                            },
                        }
                    ],
                },
            },
        },
    }
    text = json.dumps(data, indent=2) + "\n"
    fixed = fix_text(text, ["MF0704"])
    result = json.loads(fixed)
    assert result["Conditions"] == {
        "HasBackupAccount": {"Fn::Not": [{"Fn::Equals": [{"Ref": "BackupAccountId"}, ""]}]}
    }
    policy = data["Resources"]["Role"]["Properties"]["Policies"][0]
    assert result["Resources"]["Role"]["Properties"]["Policies"] == [
        {"Fn::If": ["HasBackupAccount", policy, {"Ref": "AWS::NoValue"}]}
    ]
    key = result["Resources"]["DatabaseKMSKey"]
    sids = [
        s["Fn::If"][1]["Sid"] if "Fn::If" in s else s["Sid"]
        for s in key["Properties"]["KeyPolicy"]["Statement"]
    ]
    assert sids[-2:] == [
        "AllowBackupAccountGrantsOnDatabaseKey",
        "AllowBackupAccountUseOfDatabaseKey",
    ]
    assert key["DeletionPolicy"] == "Retain" and key["Properties"]["EnableKeyRotation"] is True
    assert fixed == json.dumps(result, indent=2) + "\n"
