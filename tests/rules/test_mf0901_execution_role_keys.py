"""MF0901: the execution role's KMS statement names the keys instead of '*' (spec 9.1)."""

from __future__ import annotations

import json

from tests.helpers import codes, findings, fix_text, fixture

APP = fixture("secret-readers.yaml")
SECRETS_KEY_YAML = fixture("secrets-manager-key.yaml")  # the key MF0201 adds

WIDE = APP.replace(
    "                Resource: !Ref Creds\n  AppRole:",
    "                Resource: !Ref Creds\n"
    "              - Effect: Allow   # through Secrets Manager only\n"
    "                Action: kms:Decrypt\n"
    "                Resource: '*'\n"
    "                Condition:\n"
    "                  StringEquals:\n"
    "                    kms:ViaService: !Sub secretsmanager.${AWS::Region}.amazonaws.com\n"
    "  AppRole:",
)
CREDS_KEY = SECRETS_KEY_YAML.replace("SecretsManagerKMSKey", "CredsKey")
KEYED = (
    WIDE.replace(
        "        GenerateStringKey: password\n",
        "        GenerateStringKey: password\n      KmsKeyId: !Ref CredsKey\n",
    )
    + CREDS_KEY
)


def test_fires_on_the_wildcard():
    (f,) = findings(KEYED, ["MF0901"])
    assert f.path == ("Resources", "AgentRole") and f.fix.safe and f.fix.impact == "update"


def test_fix_names_the_key_of_the_secret_the_task_injects():
    out = fix_text(KEYED, ["MF0901"])
    assert out == KEYED.replace(
        "                Resource: '*'\n                Condition:",
        "                Resource: !GetAtt CredsKey.Arn\n                Condition:",
    )
    assert "# through Secrets Manager only" in out


def test_secret_without_key_gets_the_secrets_manager_key():
    out = fix_text(WIDE, ["MF0901"])
    assert (
        out
        == WIDE.replace(
            "                Resource: '*'\n                Condition:",
            "                Resource: !GetAtt SecretsManagerKMSKey.Arn\n                Condition:",
        )
        + SECRETS_KEY_YAML
    )


def test_statement_not_bound_to_a_service_is_unsafe():
    loose = KEYED.replace(
        "                Condition:\n                  StringEquals:\n                    kms:ViaService: !Sub secretsmanager.${AWS::Region}.amazonaws.com\n  AppRole:",
        "  AppRole:",
    )
    (f,) = findings(loose, ["MF0901"])
    assert not f.fix.safe and f.fix.impact == "update"


def test_silent_when_named_or_not_an_execution_role_or_key_outside():
    assert codes(APP, ["MF0901"]) == []
    named = KEYED.replace(
        "Resource: '*'\n                Condition",
        "Resource: !GetAtt CredsKey.Arn\n                Condition",
    )
    assert codes(named, ["MF0901"]) == []
    not_exec = KEYED.replace(
        "ExecutionRoleArn: !GetAtt AgentRole.Arn", "ExecutionRoleArn: !Ref AgentArn"
    )
    assert codes(not_exec, ["MF0901"]) == []
    outside = WIDE.replace(
        "        GenerateStringKey: password\n",
        "        GenerateStringKey: password\n      KmsKeyId: !Ref KeyParam\n",
    )
    (f,) = findings(outside, ["MF0901"])
    assert f.fix is None and "outside the template" in f.message


def test_json():
    data = {
        "Resources": {
            "Creds": {
                "Type": "AWS::SecretsManager::Secret",
                "Properties": {"KmsKeyId": {"Fn::GetAtt": ["K", "Arn"]}},
            },
            "K": {
                "Type": "AWS::KMS::Key",
                "Properties": {
                    "EnableKeyRotation": True,
                    "KeyPolicy": {"Version": "2012-10-17", "Statement": []},
                },
            },
            "Exec": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
                    "Policies": [
                        {
                            "PolicyName": "P",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": ["kms:Decrypt"],
                                        "Resource": ["*"],
                                        "Condition": {
                                            "StringEquals": {
                                                "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"
                                            }
                                        },
                                    }
                                ],
                            },
                        }
                    ],
                },
            },
            "Task": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {
                    "ExecutionRoleArn": {"Fn::GetAtt": ["Exec", "Arn"]},
                    "ContainerDefinitions": [
                        {
                            "Name": "a",
                            "Image": "a",
                            "Secrets": [{"Name": "S", "ValueFrom": {"Ref": "Creds"}}],
                        }
                    ],
                },
            },
        }
    }
    text = json.dumps(data, indent=2) + "\n"
    out = fix_text(text, ["MF0901"])
    assert out == text.replace(
        '"Resource": [\n                    "*"\n                  ],',
        '"Resource": {\n                    "Fn::GetAtt": [\n                      "K",\n                      "Arn"\n                    ]\n                  },',
    )
