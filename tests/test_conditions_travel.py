"""Conditions travel with references (fixers.edits): whatever a fix adds that refers to a
resource under a ``Condition`` carries an equivalent condition, so the template stays valid
(no cfn-lint W1001) and the stack still creates when the condition is false."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fixers import edits
from fixers.document import Document
from fixers.validate import Validator
from tests.helpers import as_json, dedent, fix_text

BASE = dedent(
    """
    Parameters:
      EnableBackups:
        Type: String
        Default: 'true'
      EnableKey:
        Type: String
        Default: 'true'
    Conditions:
      BackupsEnabled: !Equals [!Ref EnableBackups, 'true']
      HasKey: !Equals [!Ref EnableKey, 'true']
    Resources:
      Vault:   # retention 0 disables backups
        Type: AWS::Backup::BackupVault
        Condition: BackupsEnabled
        Properties:
          BackupVaultName: ledger
      Key:
        Type: AWS::KMS::Key
        Condition: HasKey
        Properties:
          EnableKeyRotation: true
      KeyUser:
        Type: AWS::IAM::ManagedPolicy
        Condition: HasKey
        Properties:
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: kms:Decrypt
                Resource: !GetAtt Key.Arn
      Topic:
        Type: AWS::SNS::Topic
      Role:
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Statement:
              - Effect: Allow
                Principal: {Service: lambda.amazonaws.com}
                Action: sts:AssumeRole
          ManagedPolicyArns:
            - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
          Policies:
            - PolicyName: app
              PolicyDocument:
                Version: '2012-10-17'
                Statement:
                  - Effect: Allow
                    Action: sns:Publish
                    Resource: !Ref Topic
    """
)

APP_POLICY = ("Resources", "Role", "Properties", "Policies", 0, "PolicyDocument")


def _lint(text: str, name: str = "t.yaml") -> list[str]:
    """cfn-lint's errors and warnings on a text, as 'rule: message'."""
    return [
        f"{e.rule}: {e.message}"
        for e in Validator().lint(text, name)
        if e.level in ("error", "warning")
    ]


def _insert_after(text: str, anchor: str, lines: str) -> str:
    """``text`` with ``lines`` inserted after the (unique) line ``anchor``."""
    assert text.count(anchor + "\n") == 1, anchor
    return text.replace(anchor + "\n", anchor + "\n" + lines, 1)


# -- the mechanism ----------------------------------------------------------------------------


def test_base_template_is_clean() -> None:
    assert _lint(BASE) == []


def test_condition_for_names_the_condition_a_value_needs_where_it_stands() -> None:
    doc = Document.from_text(BASE)
    assert edits.condition_for(doc, {"Ref": "Topic"}) is None
    assert edits.condition_for(doc, {"Ref": "EnableKey"}) is None  # a parameter
    assert edits.condition_for(doc, {"Fn::GetAtt": ["Vault", "BackupVaultArn"]}) == "BackupsEnabled"
    assert edits.condition_for(doc, {"Fn::Sub": "arn:${AWS::Partition}:x:${Key}"}) == "HasKey"
    assert edits.condition_for(doc, {"Fn::Sub": ["${K}", {"K": {"Ref": "Key"}}]}) == "HasKey"
    assert edits.condition_for(doc, {"Fn::Sub": ["${Key}", {"Key": "literal"}]}) is None
    # Already under the condition: in the resource that has it, or in an Fn::If first branch.
    assert edits.condition_for(doc, {"Ref": "Key"}, ("Resources", "KeyUser", "Properties")) is None
    guarded = {"Fn::If": ["HasKey", {"Ref": "Key"}, {"Ref": "AWS::NoValue"}]}
    assert edits.condition_for(doc, guarded) is None
    # The second branch holds "not HasKey", which this vocabulary cannot state: its references
    # are the author's choice (a correct !If [IsProd, ProdX, DevX] must not be guarded by the
    # condition of DevX); were one wrong, revalidation sees cfn-lint's W1001 and rolls back.
    assert edits.condition_for(doc, {"Fn::If": ["HasKey", "x", {"Ref": "Key"}]}) is None
    assert doc.text == BASE  # asking adds nothing


def test_references_under_two_conditions_need_one_and_condition_made_once() -> None:
    doc = Document.from_text(BASE)
    value = [{"Ref": "Key"}, {"Fn::GetAtt": ["Vault", "BackupVaultArn"]}, {"Ref": "Topic"}]
    assert edits.conditions_needed(doc.data, value) == ["BackupsEnabled", "HasKey"]
    assert edits.condition_for(doc, value) == "BackupsEnabledAndHasKey"
    assert edits.condition_for(doc, list(reversed(value))) == "BackupsEnabledAndHasKey"
    assert doc.data["Conditions"]["BackupsEnabledAndHasKey"] == {
        "Fn::And": [{"Condition": "BackupsEnabled"}, {"Condition": "HasKey"}]
    }
    assert doc.text.count("BackupsEnabledAndHasKey") == 1
    # The combined condition implies both: nothing more is needed under it.
    assert edits.conditions_needed(doc.data, value, {"BackupsEnabledAndHasKey"}) == []


def test_an_existing_and_condition_is_reused_whatever_its_name() -> None:
    text = BASE.replace(
        "  HasKey: !Equals [!Ref EnableKey, 'true']\n",
        "  HasKey: !Equals [!Ref EnableKey, 'true']\n"
        "  KeyedBackups: !And [!Condition HasKey, !Condition BackupsEnabled]\n",
    )
    doc = Document.from_text(text)
    assert edits.condition_for(doc, [{"Ref": "Key"}, {"Ref": "Vault"}]) == "KeyedBackups"
    # A resource under it may refer to either without more.
    assert edits.implies(doc.data, "KeyedBackups", "HasKey")
    assert not edits.implies(doc.data, "HasKey", "KeyedBackups")
    assert doc.text == text


# -- each edit primitive ----------------------------------------------------------------------


def test_output_gets_the_condition_of_the_resource_it_refers_to() -> None:
    doc = Document.from_text(BASE)
    edits.add_output(doc, "VaultArn", {"Value": {"Fn::GetAtt": ["Vault", "BackupVaultArn"]}})
    edits.add_output(doc, "TopicArn", {"Value": {"Ref": "Topic"}})
    assert doc.text == BASE + (
        "Outputs:\n"
        "  VaultArn:\n"
        "    Condition: BackupsEnabled\n"
        "    Value: !GetAtt Vault.BackupVaultArn\n"
        "  TopicArn:\n"
        "    Value: !Ref Topic\n"
    )
    assert _lint(doc.text) == []


def test_resource_referring_to_two_conditional_resources_gets_an_and_condition() -> None:
    doc = Document.from_text(BASE)
    notice = {
        "Type": "AWS::SNS::Topic",
        "Properties": {
            "KmsMasterKeyId": {"Ref": "Key"},
            "TopicName": {"Fn::Sub": "${Vault}-notices"},
        },
    }
    edits.add_resource(doc, "Notice", notice)
    edits.add_resource(doc, "Notice", notice)  # idempotent
    expected = _insert_after(
        BASE,
        "  HasKey: !Equals [!Ref EnableKey, 'true']",
        "  BackupsEnabledAndHasKey: !And [!Condition BackupsEnabled, !Condition HasKey]\n",
    ) + (
        "  Notice:\n"
        "    Type: AWS::SNS::Topic\n"
        "    Condition: BackupsEnabledAndHasKey\n"
        "    Properties:\n"
        "      KmsMasterKeyId: !Ref Key\n"
        "      TopicName: !Sub ${Vault}-notices\n"
    )
    assert doc.text == expected
    assert _lint(doc.text) == []


def test_resource_with_a_condition_of_its_own_gets_both() -> None:
    doc = Document.from_text(BASE)
    edits.add_resource(
        doc,
        "Notice",
        {
            "Type": "AWS::SNS::Topic",
            "Condition": "HasKey",
            "Properties": {"KmsMasterKeyId": {"Ref": "Key"}},
        },
    )
    edits.add_resource(
        doc,
        "Copy",
        {
            "Type": "AWS::SNS::Topic",
            "Condition": "HasKey",
            "Properties": {"TopicName": {"Ref": "Vault"}},
        },
    )
    assert doc.get(("Resources", "Notice", "Condition")) == "HasKey"
    assert doc.get(("Resources", "Copy", "Condition")) == "BackupsEnabledAndHasKey"
    assert _lint(doc.text) == []


def test_item_added_to_an_unconditional_list_is_wrapped_in_if_novalue() -> None:
    doc = Document.from_text(BASE)
    path = ("Resources", "Role", "Properties", "ManagedPolicyArns")
    edits.add_list_item(doc, path, {"Ref": "KeyUser"})
    edits.add_list_item(doc, path, {"Ref": "KeyUser"})  # idempotent
    expected = _insert_after(
        BASE,
        "        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "        - !If [HasKey, !Ref KeyUser, !Ref AWS::NoValue]\n",
    )
    assert doc.text == expected
    assert _lint(doc.text) == []


def test_item_of_a_new_list_is_wrapped_and_the_list_takes_more_items() -> None:
    doc = Document.from_text(BASE)
    path = ("Resources", "Topic", "Properties", "Tags")
    edits.add_list_item(doc, path, {"Key": "vault", "Value": {"Ref": "Vault"}})
    edits.add_list_item(doc, path, {"Key": "team", "Value": "ledger"})
    assert doc.get(path) == [
        {"Key": "team", "Value": "ledger"},
        {"Fn::If": ["BackupsEnabled", {"Key": "vault", "Value": {"Ref": "Vault"}}, edits.NO_VALUE]},
    ]
    assert _lint(doc.text) == []


def test_statement_wraps_only_the_part_that_refers_to_the_conditional_resource() -> None:
    doc = Document.from_text(BASE)
    statement: dict[str, Any] = {
        "Sid": "UseKey",
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": [
            {"Fn::GetAtt": ["Key", "Arn"]},
            {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/sns"},
        ],
    }
    edits.add_statement(doc, APP_POLICY, statement)
    edits.add_statement(doc, APP_POLICY, statement)  # idempotent
    only_key = {
        "Sid": "OnlyKey",
        "Effect": "Allow",
        "Action": "kms:Encrypt",
        "Resource": {"Fn::GetAtt": ["Key", "Arn"]},
    }
    edits.add_statement(doc, APP_POLICY, only_key)
    # In a policy under the key's own condition, no condition is added.
    edits.add_statement(
        doc, ("Resources", "KeyUser", "Properties", "PolicyDocument"), dict(only_key, Sid="Encrypt")
    )
    expected = _insert_after(
        BASE,
        "            Resource: !GetAtt Key.Arn",
        "          - Sid: Encrypt\n"
        "            Effect: Allow\n"
        "            Action: kms:Encrypt\n"
        "            Resource: !GetAtt Key.Arn\n",
    ) + (
        "              - !If\n"
        "                  - HasKey\n"
        "                  - Sid: OnlyKey\n"
        "                    Effect: Allow\n"
        "                    Action: kms:Encrypt\n"
        "                    Resource: !GetAtt Key.Arn\n"
        "                  - !Ref AWS::NoValue\n"
        "              - Sid: UseKey\n"
        "                Effect: Allow\n"
        "                Action:\n"
        "                  - kms:Decrypt\n"
        "                  - kms:GenerateDataKey\n"
        "                Resource:\n"
        "                  - !If [HasKey, !GetAtt Key.Arn, !Ref AWS::NoValue]\n"
        "                  - !Sub arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/sns\n"
    )
    assert doc.text == expected
    assert _lint(doc.text) == []


def test_property_of_an_unconditional_resource_keeps_its_old_value_where_the_condition_is_false() -> (
    None
):
    text = BASE.replace(
        "  Topic:\n    Type: AWS::SNS::Topic\n",
        "  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      KmsMasterKeyId: alias/aws/sns\n",
    )
    doc = Document.from_text(text)
    edits.set_property(doc, "Topic", "KmsMasterKeyId", {"Ref": "Key"})
    edits.set_property(doc, "Topic", "KmsMasterKeyId", {"Ref": "Key"})  # idempotent
    edits.set_property(doc, "Topic", "TopicName", {"Fn::Sub": "${Vault}-topic"})
    assert doc.text == text.replace(
        "      KmsMasterKeyId: alias/aws/sns\n",
        "      KmsMasterKeyId: !If [HasKey, !Ref Key, alias/aws/sns]\n"
        "      TopicName: !If [BackupsEnabled, !Sub '${Vault}-topic', !Ref AWS::NoValue]\n",
    )
    # Set again under the same condition: the Fn::If is reused, not nested.
    edits.set_property(doc, "Topic", "KmsMasterKeyId", {"Fn::GetAtt": ["Key", "Arn"]})
    assert doc.get(("Resources", "Topic", "Properties", "KmsMasterKeyId")) == {
        "Fn::If": ["HasKey", {"Fn::GetAtt": ["Key", "Arn"]}, "alias/aws/sns"]
    }
    assert _lint(doc.text) == []


def test_guarded_puts_list_items_under_the_condition_and_never_drops_a_mapping_key() -> None:
    doc = Document.from_text(BASE)
    at = ("Resources", "Topic", "Properties", "X")
    key, vault = {"Ref": "Key"}, {"Ref": "Vault"}
    no = edits.NO_VALUE
    # A mapping whose key refers to the conditional resource goes under the condition whole.
    assert edits.guarded(doc, at, {"A": key, "B": "b"}) == {
        "Fn::If": ["HasKey", {"A": key, "B": "b"}, no]
    }
    # Items of its lists go under their own conditions; the rest stays as it is.
    assert edits.guarded(doc, at, {"A": [key, "b", vault], "B": "b"}) == {
        "A": [{"Fn::If": ["HasKey", key, no]}, "b", {"Fn::If": ["BackupsEnabled", vault, no]}],
        "B": "b",
    }
    # An item that refers to both gets both; nested lists are reached, and a list whose every
    # item would be conditional goes under the condition with what holds it.
    both = {"A": {"Fn::Sub": "${Key}-${Vault}"}}
    assert edits.guarded(doc, at, [both, {"B": [[key, "b"]]}, {"C": [[key]]}, "plain"]) == [
        {"Fn::If": ["BackupsEnabledAndHasKey", both, no]},
        {"B": [[{"Fn::If": ["HasKey", key, no]}, "b"]]},
        {"Fn::If": ["HasKey", {"C": [[key]]}, no]},
        "plain",
    ]
    # Under the resource's own condition, nothing to do.
    assert edits.guarded(doc, ("Resources", "KeyUser", "Properties", "X"), [key]) == [key]


def test_dependency_on_a_conditional_resource_is_a_conditional_reference_not_depends_on() -> None:
    doc = Document.from_text(BASE)
    edits.add_depends_on(doc, "Topic", "Vault")
    edits.add_depends_on(doc, "Topic", "Vault")  # idempotent
    edits.add_resource(doc, "Waiter", {"Type": "AWS::SNS::Topic", "DependsOn": ["Vault", "Topic"]})
    # Under the same condition, DependsOn it is.
    edits.add_resource(
        doc, "Follower", {"Type": "AWS::SNS::Topic", "Condition": "HasKey", "DependsOn": "Key"}
    )
    assert doc.text == _insert_after(
        BASE,
        "    Type: AWS::SNS::Topic",
        "    Metadata:\n"
        "      ConditionalDependsOn:\n"
        "        - !If [BackupsEnabled, !Ref Vault, !Ref AWS::NoValue]\n",
    ) + (
        "  Waiter:\n"
        "    Type: AWS::SNS::Topic\n"
        "    DependsOn:\n"
        "      - Topic\n"
        "    Metadata:\n"
        "      ConditionalDependsOn:\n"
        "        - !If [BackupsEnabled, !Ref Vault, !Ref AWS::NoValue]\n"
        "  Follower:\n"
        "    Type: AWS::SNS::Topic\n"
        "    Condition: HasKey\n"
        "    DependsOn: Key\n"
    )
    assert _lint(doc.text) == []


def test_json_output_and_wrapped_item() -> None:
    text = as_json(BASE)
    doc = Document.from_text(text)
    edits.add_output(doc, "KeyArn", {"Value": {"Fn::GetAtt": ["Key", "Arn"]}})
    edits.add_list_item(
        doc, ("Resources", "Role", "Properties", "ManagedPolicyArns"), {"Ref": "KeyUser"}
    )
    data = json.loads(text)
    data["Resources"]["Role"]["Properties"]["ManagedPolicyArns"].append(
        {"Fn::If": ["HasKey", {"Ref": "KeyUser"}, {"Ref": "AWS::NoValue"}]}
    )
    data["Outputs"] = {"KeyArn": {"Condition": "HasKey", "Value": {"Fn::GetAtt": ["Key", "Arn"]}}}
    assert doc.text == json.dumps(data, indent=2) + "\n"
    assert _lint(doc.text, "t.json") == []


# -- through the rules: outputs of conditional backup resources (MF0702, MF0703) ----------------

BACKUPS = dedent(
    """
    Parameters:
      BackupRetentionDays:
        Type: Number
        Default: 35
    Conditions:
      # backup retention 0 disables backups
      BackupsEnabled: !Not [!Equals [!Ref BackupRetentionDays, 0]]
    Resources:
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
      Runner:
        Type: AWS::IAM::Role
        Condition: BackupsEnabled
        Properties:
          AssumeRolePolicyDocument:
            Statement:
              - Effect: Allow
                Principal: {Service: backup.amazonaws.com}
                Action: sts:AssumeRole
          ManagedPolicyArns:
            - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup
    """
)


def test_backup_outputs_get_the_condition_of_the_backup_resources() -> None:
    fixed = fix_text(BACKUPS, ["MF0702", "MF0703"])
    assert fixed == BACKUPS + (
        "Outputs:\n"
        "  BackupPlanId:\n"
        "    Condition: BackupsEnabled\n"
        "    Description: ID of the backup plan\n"
        "    Value: !Ref Plan\n"
        "  BackupRoleArn:\n"
        "    Condition: BackupsEnabled\n"
        "    Description: ARN of the IAM role AWS Backup runs jobs with\n"
        "    Value: !GetAtt Runner.Arn\n"
        "  BackupVaultArn:\n"
        "    Condition: BackupsEnabled\n"
        "    Description: ARN of the backup vault\n"
        "    Value: !GetAtt Vault.BackupVaultArn\n"
    )
    assert _lint(fixed) == []


def test_backup_outputs_json() -> None:
    text = as_json(BACKUPS)
    fixed = fix_text(text, ["MF0703"])
    data = json.loads(text)
    data["Outputs"] = {
        "BackupPlanId": {
            "Condition": "BackupsEnabled",
            "Description": "ID of the backup plan",
            "Value": {"Ref": "Plan"},
        }
    }
    assert fixed == json.dumps(data, indent=2) + "\n"
    assert _lint(fixed, "t.json") == []


@pytest.mark.parametrize("codes", [["MF0702", "MF0703", "MF1302"], ["MF07", "MF13"]])
def test_backup_fixes_on_a_conditional_backup_stack_add_no_lint_finding(codes: list[str]) -> None:
    text = BACKUPS + (
        "  Ledger:\n"
        "    Type: AWS::RDS::DBCluster\n"
        "    Properties:\n"
        "      Engine: aurora-postgresql\n"
    )
    before = _lint(text)
    fixed = fix_text(text, codes)
    assert fixed != text
    assert _lint(fixed) == before


def test_a_list_whose_every_item_needs_the_condition_puts_its_owner_under_it() -> None:
    """An IAM statement whose every Resource is conditional is guarded whole: per-item guards
    would leave Resource: [] when the condition is false, which IAM rejects."""
    doc = Document.from_text(BASE)
    at = ("Resources", "Topic", "Properties", "X")
    key, no = {"Fn::GetAtt": ["Key", "Arn"]}, edits.NO_VALUE
    statement = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": [key, key]}
    other = {"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": "Topic"}}
    assert edits.guarded(doc, at, [statement, other]) == [
        {"Fn::If": ["HasKey", statement, no]},
        other,
    ]
    # A policy document whose only statement is conditional goes under the condition whole.
    assert edits.guarded(doc, at, {"Statement": [statement]}) == {
        "Fn::If": ["HasKey", {"Statement": [statement]}, no]
    }
