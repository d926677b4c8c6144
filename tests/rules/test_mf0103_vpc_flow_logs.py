"""MF0103: VPC flow logs into an encrypted log group with retention (spec 1.3)."""

from __future__ import annotations

import json

from tests.helpers import codes, dedent, findings, fix_text

FLAWED = dedent(
    """
    Parameters:
      LogRetentionYears:
        Type: String
        Default: '7'
        AllowedValues: ['1', '2', '3', '5', '6', '7', '8', '9', '10']
    Mappings:
      LogRetentionDays:
        '1': {Days: 365}
        '2': {Days: 731}
        '3': {Days: 1096}
        '5': {Days: 1827}
        '6': {Days: 2192}
        '7': {Days: 2557}
        '8': {Days: 2922}
        '9': {Days: 3288}
        '10': {Days: 3653}
    Resources:
      Net:   # the only network
        Type: AWS::EC2::VPC
        Properties:
          CidrBlock: 10.1.0.0/16
      TrailKey:
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
    """
)

ADDED = """\
  VPCFlowLogs:
    Type: AWS::EC2::FlowLog
    Properties:
      ResourceId: !Ref Net
      ResourceType: VPC
      TrafficType: ALL
      LogDestinationType: cloud-watch-logs
      LogGroupName: !Ref VPCFlowLogsLogGroup
      DeliverLogsPermissionArn: !GetAtt VPCFlowLogsRole.Arn
      MaxAggregationInterval: 60
      Tags:
        - Key: Name
          Value: !Sub ${AWS::StackName}-vpc-flow-logs
  VPCFlowLogsLogGroup:
    Type: AWS::Logs::LogGroup
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      RetentionInDays: !FindInMap [LogRetentionDays, !Ref LogRetentionYears, Days]
      KmsKeyId: !GetAtt TrailKey.Arn
  VPCFlowLogsRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              Service: vpc-flow-logs.amazonaws.com
            Action: sts:AssumeRole
            Condition:
              StringEquals:
                aws:SourceAccount: !Ref AWS::AccountId
              ArnLike:
                aws:SourceArn: !Sub arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc-flow-log/*
      Policies:
        - PolicyName: DeliverFlowLogs
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action:
                  - logs:CreateLogStream
                  - logs:DescribeLogStreams
                  - logs:PutLogEvents
                Resource: !GetAtt VPCFlowLogsLogGroup.Arn
"""


def test_fires_on_the_vpc():
    (f,) = findings(FLAWED, ["MF0103"])
    assert f.path == ("Resources", "Net") and f.fix.safe and f.fix.impact == "none"


def test_fix_adds_group_role_and_flow_log_reusing_key_and_retention():
    out = fix_text(FLAWED, ["MF0103"])
    assert out == FLAWED + ADDED
    assert "# the only network" in out
    # Least privilege: the role's actions name the log group only; retention from the allowed list.
    assert "Resource: '*'" not in ADDED.split("  VPCFlowLogsRole:")[1].split("Policies:")[1]


def test_without_a_logs_key_or_retention_they_are_added():
    bare = "Resources:\n  Net:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.1.0.0/16\n"
    out = fix_text(bare, ["MF0103"])
    assert "LogRetentionYears:" in out and "  CloudWatchLogsKMSKey:\n" in out
    assert (
        "kms:EncryptionContext:aws:logs:arn: !Sub arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"
        in out
    )
    assert "KmsKeyId: !GetAtt CloudWatchLogsKMSKey.Arn" in out


def test_silent_with_a_flow_log_of_any_destination_or_one_for_an_unseen_vpc():
    logged = FLAWED + (
        "  Audit:\n    Type: AWS::EC2::FlowLog\n    Properties:\n      ResourceId: !Ref Net\n      ResourceType: VPC\n"
        "      TrafficType: ALL\n      LogDestinationType: s3\n      LogDestination: arn:aws:s3:::bucket\n"
    )
    assert codes(logged, ["MF0103"]) == []
    unseen = logged.replace("ResourceId: !Ref Net", "ResourceId: !Ref VpcIdParam")
    assert codes(unseen, ["MF0103"]) == []
    assert codes("Resources:\n  T:\n    Type: AWS::SNS::Topic\n", ["MF0103"]) == []


def test_json():
    data = json.loads(
        json.dumps(
            {
                "Resources": {
                    "V": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}
                }
            }
        )
    )
    text = json.dumps(data, indent=2) + "\n"
    out = fix_text(text, ["MF0103"])
    fixed = json.loads(out)
    assert out == json.dumps(fixed, indent=2) + "\n"
    assert list(fixed["Resources"]) == [
        "V",
        "CloudWatchLogsKMSKey",
        "CloudWatchLogsKMSKeyAlias",
        "VPCFlowLogs",
        "VPCFlowLogsLogGroup",
        "VPCFlowLogsRole",
    ]
    assert fixed["Resources"]["VPCFlowLogs"]["Properties"]["ResourceId"] == {"Ref": "V"}
    assert fixed["Resources"]["VPCFlowLogsLogGroup"]["Properties"]["RetentionInDays"] == {
        "Fn::FindInMap": ["LogRetentionDays", {"Ref": "LogRetentionYears"}, "Days"]
    }
    assert fixed["Mappings"]["LogRetentionDays"]["7"] == {"Days": 2557}
