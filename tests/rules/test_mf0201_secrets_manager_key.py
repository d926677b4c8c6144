"""MF0201: the database secret uses a customer-managed key granted to its readers (spec 2.1)."""

from __future__ import annotations

import json

import yaml

from tests.helpers import as_json, codes, dedent, findings, fix_text, fixture

APP = fixture("secret-readers.yaml")
SECRETS_KEY_YAML = fixture("secrets-manager-key.yaml")  # the key MF0201 adds
# The statement the fix adds to the ECS execution role AgentRole, which injects the secret.
EXECUTION_ROLE_GRANT = (
    "              - Sid: DecryptSecretsManagerKey\n"
    "                Effect: Allow\n"
    "                Action: kms:Decrypt\n"
    "                Resource: !GetAtt SecretsManagerKMSKey.Arn\n"
    "                Condition:\n"
    "                  StringEquals:\n"
    "                    kms:ViaService: !Sub secretsmanager.${AWS::Region}.amazonaws.com\n"
)

FIXED = (
    APP.replace(
        "        GenerateStringKey: password\n",
        "        GenerateStringKey: password\n      KmsKeyId: !GetAtt SecretsManagerKMSKey.Arn\n",
    )
    .replace(
        "                Resource: !Ref Creds\n  Rotator:",
        "                Resource: !Ref Creds\n"
        "              - Sid: UseSecretsManagerKey\n"
        "                Effect: Allow\n"
        "                Action:\n"
        "                  - kms:Decrypt\n"
        "                  - kms:GenerateDataKey\n"
        "                Resource: !GetAtt SecretsManagerKMSKey.Arn\n"
        "                Condition:\n"
        "                  StringEquals:\n"
        "                    kms:ViaService: !Sub secretsmanager.${AWS::Region}.amazonaws.com\n"
        "  Rotator:",
    )
    .replace(
        "                Resource: !Ref Creds\n  AppRole:",
        "                Resource: !Ref Creds\n" + EXECUTION_ROLE_GRANT + "  AppRole:",
    )
    + SECRETS_KEY_YAML
)


def test_fires_on_the_database_secret():
    (f,) = findings(APP, ["MF0201"])
    assert f.path == ("Resources", "Creds") and f.fix.safe and f.fix.impact == "update"


def test_fix_keys_the_secret_and_grants_rotation_and_execution_roles():
    out = fix_text(APP, ["MF0201"])
    assert out == FIXED
    assert "# database credentials" in out and "# the one secret" in out
    data = yaml.safe_load(out.replace("!", ""))  # tags aside: structure only
    key = data["Resources"]["SecretsManagerKMSKey"]
    principals = [s["Principal"] for s in key["Properties"]["KeyPolicy"]["Statement"]]
    assert all(p != "*" and p.get("AWS") != "*" for p in principals)


def test_grants_when_the_secret_already_has_a_template_key():
    keyed = FIXED.replace(EXECUTION_ROLE_GRANT, "")
    assert keyed != FIXED
    (f,) = findings(keyed, ["MF0201"])
    assert f.path == ("Resources", "Creds", "Properties", "KmsKeyId") and "AgentRole" in f.message
    assert fix_text(keyed, ["MF0201"]) == FIXED


def test_silent_without_database_secret_or_with_key_outside_or_readers_granted():
    assert codes(FIXED, ["MF0201"]) == []
    lone = "Resources:\n  S:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n      SecretString: x\n"
    assert codes(lone, ["MF0201"]) == []  # not a database secret
    outside = APP.replace(
        "    Properties:\n      GenerateSecretString:",
        "    Properties:\n      KmsKeyId: !ImportValue shared-key\n      GenerateSecretString:",
        1,
    )
    assert codes(outside, ["MF0201"]) == []
    # Readers already allowed through a wildcard (MF0901's business) count as granted.
    star = FIXED.replace(
        "Resource: !GetAtt SecretsManagerKMSKey.Arn\n                Condition",
        "Resource: '*'\n                Condition",
    )
    assert codes(star, ["MF0201"]) == []


def test_json():
    data = json.loads(
        json.dumps(
            {
                "Resources": {
                    "Creds": {
                        "Type": "AWS::SecretsManager::Secret",
                        "Properties": {
                            "GenerateSecretString": {
                                "GenerateStringKey": "password",
                                "SecretStringTemplate": '{"username": "a"}',
                            }
                        },
                    },
                    "Attach": {
                        "Type": "AWS::SecretsManager::SecretTargetAttachment",
                        "Properties": {
                            "SecretId": {"Ref": "Creds"},
                            "TargetId": {"Ref": "Db"},
                            "TargetType": "AWS::RDS::DBCluster",
                        },
                    },
                    "Db": {
                        "Type": "AWS::RDS::DBCluster",
                        "Properties": {"Engine": "aurora-postgresql"},
                    },
                }
            }
        )
    )
    text = json.dumps(data, indent=2) + "\n"
    out = fix_text(text, ["MF0201"])
    fixed = json.loads(out)
    assert fixed["Resources"]["Creds"]["Properties"]["KmsKeyId"] == {
        "Fn::GetAtt": ["SecretsManagerKMSKey", "Arn"]
    }
    assert out == json.dumps(fixed, indent=2) + "\n"
    expected_key = yaml.safe_load(SECRETS_KEY_YAML.replace("!Sub ", "").replace("!Ref ", ""))
    assert list(fixed["Resources"]) == [
        "Creds",
        "Attach",
        "Db",
        "SecretsManagerKMSKey",
        "SecretsManagerKMSKeyAlias",
    ]
    assert fixed["Resources"]["SecretsManagerKMSKey"]["Properties"]["EnableKeyRotation"] is True
    assert (
        expected_key["SecretsManagerKMSKey"]["Properties"]["KeyPolicy"]["Statement"][0]["Action"]
        == (
            fixed["Resources"]["SecretsManagerKMSKey"]["Properties"]["KeyPolicy"]["Statement"][0][
                "Action"
            ]
        )
    )


SECRET_STACK = dedent(
    """
    Parameters:
      ParentKmsKeyStack:
        Type: String
        Default: ''
    Conditions:
      HasKmsKey: !Not [!Equals [!Ref ParentKmsKeyStack, '']]
    Resources:
      Secret:
        Type: AWS::SecretsManager::Secret
        Properties:
          # another stack's key, else aws/secretsmanager
          KmsKeyId: !If [HasKmsKey, !ImportValue parent-KeyId, !Ref 'AWS::NoValue']
          GenerateSecretString:
            SecretStringTemplate: !Sub '{"username": "${AWS::StackName}"}'
            GenerateStringKey: password
    """
)


def test_the_branch_on_the_aws_managed_key_is_reported_without_a_fix_when_no_key():
    # Recall (widdix secretsmanager-dbsecret): a database-credentials secret of a secret stack;
    # the default deployment (no parent key stack) uses aws/secretsmanager.
    (f,) = findings(SECRET_STACK, ["MF0201"])
    assert f.path == ("Resources", "Secret", "Properties", "KmsKeyId", "Fn::If", 2)
    assert "aws/secretsmanager when HasKmsKey is false" in f.message
    assert f.fix is None and "no key of its own" in f.message
    # Silent: a key in both branches; a secret not in the database-credentials structure.
    both = SECRET_STACK.replace("!Ref 'AWS::NoValue'", "!ImportValue other-KeyId")
    assert codes(both, ["MF0201"]) == []
    plain = SECRET_STACK.replace("GenerateStringKey: password", "GenerateStringKey: token")
    assert codes(plain, ["MF0201"]) == []


OWN_KEY = SECRET_STACK.replace(
    "Resources:\n",
    "Resources:\n"
    "  SecretsKey:\n"
    "    Type: AWS::KMS::Key\n"
    "    Properties:\n"
    "      EnableKeyRotation: true\n",
).replace("!ImportValue parent-KeyId", "!GetAtt SecretsKey.Arn")


def test_the_branch_on_the_aws_managed_key_takes_the_templates_key():
    (f,) = findings(OWN_KEY, ["MF0201"])
    assert f.fix is not None and f.fix.safe and "when HasKmsKey is false" in f.fix.title
    fixed = fix_text(OWN_KEY, ["MF0201"])
    assert fixed == OWN_KEY.replace(
        "!If [HasKmsKey, !GetAtt SecretsKey.Arn, !Ref 'AWS::NoValue']",
        "!If [HasKmsKey, !GetAtt SecretsKey.Arn, !GetAtt SecretsKey.Arn]",
    )
    conditional_key = OWN_KEY.replace(
        "    Type: AWS::KMS::Key\n", "    Type: AWS::KMS::Key\n    Condition: HasKmsKey\n"
    )
    (f,) = findings(conditional_key, ["MF0201"])
    assert f.fix is None  # the key does not exist in that branch


def test_the_branch_on_the_aws_managed_key_json():
    text = as_json(OWN_KEY)
    fixed = json.loads(fix_text(text, ["MF0201"]))
    assert fixed["Resources"]["Secret"]["Properties"]["KmsKeyId"] == {
        "Fn::If": [
            "HasKmsKey",
            {"Fn::GetAtt": ["SecretsKey", "Arn"]},
            {"Fn::GetAtt": ["SecretsKey", "Arn"]},
        ]
    }
    assert codes(json.dumps(fixed, indent=2) + "\n", ["MF0201"]) == []
