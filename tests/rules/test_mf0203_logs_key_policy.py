"""MF0203: the CloudWatch Logs statement of a key policy carries the ArnLike condition (spec 2.3)."""

from __future__ import annotations

import json

from tests.helpers import codes, dedent, findings, fix_text

FLAWED = dedent(
    """
    Resources:
      AuditKey:   # encrypts the audit log groups
        Type: AWS::KMS::Key
        Properties:
          EnableKeyRotation: true
          KeyPolicy:
            Version: '2012-10-17'
            Statement:
              - Sid: Root
                Effect: Allow
                Principal:
                  AWS: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root
                Action: kms:*
                Resource: '*'
              - Sid: Logs   # the service itself
                Effect: Allow
                Principal:
                  Service: logs.amazonaws.com
                Action: [kms:Encrypt*, kms:Decrypt*, kms:GenerateDataKey*]
                Resource: '*'
                Condition:
                  StringEquals:
                    aws:SourceAccount: !Ref AWS::AccountId
    """
)

FIXED = FLAWED.replace(
    "            Condition:\n              StringEquals:\n",
    "            Condition:\n"
    "              ArnLike:\n"
    "                kms:EncryptionContext:aws:logs:arn: !Sub arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*\n"
    "              StringEquals:\n",
)


def test_fires_on_the_logs_statement_without_context_condition():
    (f,) = findings(FLAWED, ["MF0203"])
    assert f.path == ("Resources", "AuditKey", "Properties", "KeyPolicy")
    assert "Logs" in f.message and f.fix.safe and f.fix.impact == "update"


def test_fix_adds_arnlike_next_to_the_existing_condition_and_keeps_comments():
    out = fix_text(FLAWED, ["MF0203"])
    assert out == FIXED
    assert "# encrypts the audit log groups" in out and "# the service itself" in out


def test_silent_without_a_logs_statement_or_when_the_context_is_already_tested():
    assert codes(FLAWED.replace("logs.amazonaws.com", "sns.amazonaws.com"), ["MF0203"]) == []
    bound = FIXED.replace("ArnLike:", "ArnEquals:")  # one log group: another operator, still right
    assert codes(bound, ["MF0203"]) == []
    assert codes("Resources:\n  T:\n    Type: AWS::SNS::Topic\n", ["MF0203"]) == []


def test_json_statement_without_condition_gets_one():
    template = {
        "Resources": {
            "K": {
                "Type": "AWS::KMS::Key",
                "Properties": {
                    "EnableKeyRotation": True,
                    "KeyPolicy": {
                        "Version": "2012-10-17",
                        "Statement": {
                            "Effect": "Allow",
                            "Principal": {
                                "Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}
                            },
                            "Action": "kms:*",
                            "Resource": "*",
                        },
                    },
                },
            }
        }
    }
    text = json.dumps(template, indent=2) + "\n"
    out = fix_text(text, ["MF0203"])
    expected = text.replace(
        '            "Resource": "*"\n',
        '            "Resource": "*",\n'
        '            "Condition": {\n'
        '              "ArnLike": {\n'
        '                "kms:EncryptionContext:aws:logs:arn": {\n'
        '                  "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"\n'
        "                }\n"
        "              }\n"
        "            }\n",
    )
    assert out == expected
