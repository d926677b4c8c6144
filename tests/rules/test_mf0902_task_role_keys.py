"""MF0902: the task role may use the Secrets Manager and CloudWatch Logs keys (spec 9.2)."""

from __future__ import annotations

import json

from tests.helpers import codes, findings, fix_text, fixture

APP = fixture("secret-readers.yaml")
SECRETS_KEY_YAML = fixture("secrets-manager-key.yaml")  # the key MF0201 adds

LOGS = """\
  LogsKey:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: !Sub 'logs.${AWS::Region}.amazonaws.com'}
            Action: kms:*
            Resource: '*'
  AppLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 365
      KmsKeyId: !GetAtt LogsKey.Arn
"""

FLAWED = (
    APP.replace(
        "              ValueFrom: !Sub '${Creds}:password::'\n",
        "              ValueFrom: !Sub '${Creds}:password::'\n"
        "          LogConfiguration:\n"
        "            LogDriver: awslogs\n"
        "            Options:\n"
        "              awslogs-group: !Ref AppLogs   # encrypted group\n"
        "              awslogs-region: !Ref AWS::Region\n"
        "              awslogs-stream-prefix: app\n",
    ).replace(
        "        GenerateStringKey: password\n",
        "        GenerateStringKey: password\n      KmsKeyId: !Ref CredsKey\n",
    )
    + LOGS
    + SECRETS_KEY_YAML.replace("SecretsManagerKMSKey", "CredsKey")
)

GRANT = """\
      Policies:
        - PolicyName: ApplicationKeyAccess
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Sid: UseSecretsAndLogsKeys
                Effect: Allow
                Action:
                  - kms:Decrypt
                  - kms:GenerateDataKey
                Resource:
                  - !GetAtt CredsKey.Arn
                  - !GetAtt LogsKey.Arn
                Condition:
                  StringEquals:
                    kms:ViaService:
                      - !Sub secretsmanager.${AWS::Region}.amazonaws.com
                      - !Sub logs.${AWS::Region}.amazonaws.com
"""

FIXED = FLAWED.replace(
    "            Action: sts:AssumeRole\n  Task:",
    "            Action: sts:AssumeRole\n" + GRANT + "  Task:",
)


def test_fires_on_the_task_role():
    (f,) = findings(FLAWED, ["MF0902"])
    assert f.path == ("Resources", "AppRole") and "CredsKey" in f.message and "LogsKey" in f.message
    assert f.fix.safe and f.fix.impact == "update"


def test_fix_grants_both_keys_through_their_services():
    out = fix_text(FLAWED, ["MF0902"])
    assert out == FIXED
    assert "# encrypted group" in out and "'*'" not in GRANT


def test_secret_without_key_gets_the_secrets_manager_key_granted():
    plain = APP  # no key on the secret, no log group
    out = fix_text(plain, ["MF0902"])
    assert "Resource: !GetAtt SecretsManagerKMSKey.Arn" in out and out.endswith(SECRETS_KEY_YAML)
    assert "kms:ViaService: !Sub secretsmanager.${AWS::Region}.amazonaws.com" in out


def test_grant_follows_a_new_key():
    # The statement exists (same Sid) but a log key appeared: it is updated, not duplicated.
    partial = FIXED.replace(
        "                  - !GetAtt CredsKey.Arn\n                  - !GetAtt LogsKey.Arn\n",
        "                  - !GetAtt CredsKey.Arn\n",
    )
    assert codes(partial, ["MF0902"]) == ["MF0902"]
    assert fix_text(partial, ["MF0902"]) == FIXED


def test_silent_when_granted_otherwise_or_nothing_to_read():
    wide = FLAWED.replace(
        "            Action: sts:AssumeRole\n  Task:",
        "            Action: sts:AssumeRole\n"
        "      Policies:\n"
        "        - PolicyName: Keys\n"
        "          PolicyDocument:\n"
        "            Version: '2012-10-17'\n"
        "            Statement:\n"
        "              - Effect: Allow\n"
        "                Action: ['kms:Decrypt*', 'kms:GenerateDataKey*']\n"
        "                Resource: [!GetAtt CredsKey.Arn, !GetAtt LogsKey.Arn]\n"
        "  Task:",
    )
    assert codes(wide, ["MF0902"]) == []
    nothing = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n  T:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      TaskRoleArn: !GetAtt R.Arn\n      ContainerDefinitions: [{Name: a, Image: a}]\n"
    assert codes(nothing, ["MF0902"]) == []


def test_json():
    data = {
        "Resources": {
            "K": {
                "Type": "AWS::KMS::Key",
                "Properties": {
                    "KeyPolicy": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "logs.amazonaws.com"},
                                "Action": "kms:*",
                                "Resource": "*",
                            }
                        ]
                    }
                },
            },
            "G": {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"KmsKeyId": {"Fn::GetAtt": ["K", "Arn"]}},
            },
            "R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
            "T": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {
                    "TaskRoleArn": {"Fn::GetAtt": ["R", "Arn"]},
                    "ContainerDefinitions": [
                        {
                            "Name": "a",
                            "Image": "a",
                            "LogConfiguration": {
                                "LogDriver": "awslogs",
                                "Options": {"awslogs-group": {"Ref": "G"}},
                            },
                        }
                    ],
                },
            },
        }
    }
    text = json.dumps(data, indent=2) + "\n"
    out = fix_text(text, ["MF0902"])
    data["Resources"]["R"]["Properties"]["Policies"] = [
        {
            "PolicyName": "ApplicationKeyAccess",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "UseSecretsAndLogsKeys",
                        "Effect": "Allow",
                        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                        "Resource": {"Fn::GetAtt": ["K", "Arn"]},
                        "Condition": {
                            "StringEquals": {
                                "kms:ViaService": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}
                            }
                        },
                    }
                ],
            },
        }
    ]
    assert out == json.dumps(data, indent=2) + "\n"
