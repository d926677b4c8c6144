"""MF0704: cross-account replication exists only when a backup account is given (spec 7.4)."""

from __future__ import annotations

import json

from fixers.document import Document
from tests.helpers import codes, findings, fix_text, fixture, run_fix

FLAWED = fixture("mf0704/before.yaml")

FIXED = fixture("mf0704/after.yaml")


def test_fires_once_on_the_account_parameter() -> None:
    (finding,) = findings(FLAWED, ["MF0704"])
    assert finding.path == ("Parameters", "DrAccount")
    # The copy into ${DrAccount}'s vault goes when DrAccount is empty: a deletion, stated.
    assert not finding.fix.safe and finding.fix.impact == "deletion"
    assert finding.fix.impact_detail == (
        "with DrAccount empty (its default is ''), the copy into "
        "arn:${AWS::Partition}:backup:${AWS::Region}:${DrAccount}:backup-vault:dr of Plan "
        "(rule daily) is removed: no copy is made"
    )
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


# -- what already copes with an empty account is left alone -----------------------------------

# A plan whose copy goes to the DR account's vault, or to this account's vault in the DR Region
# when no DR account is given (Fn::If inside the Fn::Sub variable map), a role whose
# cross-account statement is conditional, and a key policy that grants the DR account under a
# Sid of the template's own.
FALLBACK = fixture("mf0704/dr-fallback.yaml")
PARTIAL = fixture("mf0704/partial-grant-before.yaml")  # the same, the grant lacks CreateGrant
PARTIAL_FIXED = fixture("mf0704/partial-grant-after.yaml")


def test_a_copy_that_falls_back_to_this_account_and_a_grant_under_any_sid_are_left_alone() -> None:
    assert findings(FALLBACK, ["MF0704"]) == []
    assert run_fix(FALLBACK, ["MF0704"]).new_text == FALLBACK
    # The same with the condition spelt the other way round: the account is empty.
    empty = FALLBACK.replace(
        "  HasDrAccount: !Not [!Equals [!Ref DrAccount, '']]\n",
        "  HasDrAccount: !Not [!Equals [!Ref DrAccount, '']]\n"
        "  NoDrAccount: !Equals ['', !Ref DrAccount]\n",
    ).replace(
        "TargetAccount: !If [HasDrAccount, !Ref DrAccount, !Ref AWS::AccountId]",
        "TargetAccount: !If [NoDrAccount, !Ref AWS::AccountId, !Ref DrAccount]",
    )
    assert "NoDrAccount, !Ref AWS::AccountId" in empty
    assert findings(empty, ["MF0704"]) == []


def test_a_grant_under_another_sid_gets_only_what_it_lacks() -> None:
    (finding,) = findings(PARTIAL, ["MF0704"])
    assert "the database key's policy" in finding.message
    assert finding.fix.safe and finding.fix.impact == "update"
    fixed = fix_text(PARTIAL, ["MF0704"])  # a second pass changes nothing
    assert fixed == PARTIAL_FIXED
    assert fixed.count("kms:Decrypt") == 1  # no second grant of what DisasterRecoveryAccount has
    assert run_fix(fixed, ["MF0704"]).new_text == fixed


def test_an_unconditional_grant_to_the_backup_account_is_put_under_the_condition() -> None:
    conditional = (
        "          - !If\n"
        "            - HasDrAccount\n"
        "            - Sid: DisasterRecoveryAccount  # granted under a name of our own\n"
        "              Effect: Allow\n"
        "              Principal:\n"
        "                AWS: !Sub arn:${AWS::Partition}:iam::${DrAccount}:root\n"
        "              Action: [kms:Decrypt, kms:DescribeKey, kms:CreateGrant]\n"
        "              Resource: '*'\n"
        "            - !Ref AWS::NoValue\n"
    )
    assert conditional in FALLBACK
    text = FALLBACK.replace(
        conditional,
        "          - Sid: DisasterRecoveryAccount\n"
        "            Effect: Allow\n"
        "            Principal:\n"
        "              AWS: !Sub arn:${AWS::Partition}:iam::${DrAccount}:root\n"
        "            Action: kms:*\n"
        "            Resource: '*'\n",
    )
    data = Document.from_text(text).data
    granted = data["Resources"]["LedgerKey"]["Properties"]["KeyPolicy"]["Statement"][1]
    assert granted["Sid"] == "DisasterRecoveryAccount"  # the template as meant, unconditional
    (finding,) = findings(text, ["MF0704"])
    assert "a statement of the key policy of LedgerKey" in finding.message
    assert finding.fix.safe  # an empty account's principal is refused: never deployed so
    fixed = Document.from_text(fix_text(text, ["MF0704"])).data
    statements = fixed["Resources"]["LedgerKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert statements[1] == {"Fn::If": ["HasDrAccount", granted, {"Ref": "AWS::NoValue"}]}
    assert len(statements) == 2  # recognised as the grant: nothing added


def test_a_copy_that_needs_the_account_is_removed_only_as_an_unsafe_deletion() -> None:
    text = FALLBACK.replace(
        "TargetAccount: !If [HasDrAccount, !Ref DrAccount, !Ref AWS::AccountId]\n  Replicator",
        "TargetAccount: !Ref DrAccount\n  Replicator",
    )
    (finding,) = findings(text, ["MF0704"])
    assert not finding.fix.safe and finding.fix.impact == "deletion"
    assert finding.fix.impact_detail == (
        "with DrAccount empty (its default is ''), the copy into "
        "arn:${AWS::Partition}:backup:${DrRegion}:${TargetAccount}:backup-vault:dr of Plan "
        "(rule daily) is removed: no copy is made"
    )
