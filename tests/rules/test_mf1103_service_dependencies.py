"""MF1103: the service waits for its interface endpoints and the database writer (spec 11.3)."""

from __future__ import annotations

import json

from tests.helpers import codes, dedent, findings, fix_text

FLAWED = dedent(
    """
    Resources:
      Net:
        Type: AWS::EC2::VPC
        Properties:
          CidrBlock: 10.0.0.0/16
      A:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref Net
          CidrBlock: 10.0.1.0/24
      Dkr:
        Type: AWS::EC2::VPCEndpoint
        Properties:
          VpcEndpointType: Interface
          VpcId: !Ref Net
          ServiceName: !Sub com.amazonaws.${AWS::Region}.ecr.dkr
      Logs:
        Type: AWS::EC2::VPCEndpoint
        Properties:
          VpcEndpointType: Interface
          VpcId: !Ref Net
          ServiceName: !Join ['', [com.amazonaws., !Ref AWS::Region, .logs]]
      S3:
        Type: AWS::EC2::VPCEndpoint   # gateway: not waited for
        Properties:
          VpcId: !Ref Net
          ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
      Db:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
      Reader:
        Type: AWS::RDS::DBInstance
        DependsOn: Writer
        Properties:
          DBClusterIdentifier: !Ref Db
          DBInstanceClass: db.r6g.large
          Engine: aurora-postgresql
      Writer:
        Type: AWS::RDS::DBInstance
        Properties:
          DBClusterIdentifier: !Ref Db
          DBInstanceClass: db.r6g.large
          Engine: aurora-postgresql
      Task:
        Type: AWS::ECS::TaskDefinition
        Properties:
          ContainerDefinitions:
            - Name: app
              Image: app
              Environment:
                - Name: DB
                  Value: !GetAtt Db.Endpoint.Address
      Svc:
        Type: AWS::ECS::Service
        DependsOn: Logs   # already waits for the logs endpoint
        Properties:
          TaskDefinition: !Ref Task
          NetworkConfiguration:
            AwsvpcConfiguration:
              Subnets: [!Ref A]
    """
)
FIXED = FLAWED.replace(
    "    DependsOn: Logs   # already waits for the logs endpoint\n",
    "    DependsOn:\n      - Dkr\n      - Logs   # already waits for the logs endpoint\n      - Writer\n",
)


def test_fires_per_missing_dependency() -> None:
    found = findings(FLAWED, ["MF1103"])
    assert [f.path for f in found] == [
        ("Resources", "Svc", "DependsOn", "Dkr"),
        ("Resources", "Svc", "DependsOn", "Writer"),
    ]
    assert all(f.resource == "Svc" and f.fix.safe and f.fix.impact == "none" for f in found)


def test_fix_adds_the_endpoint_and_the_writer() -> None:
    assert fix_text(FLAWED, ["MF1103"]) == FIXED


def test_silent_when_waiting_already_or_without_them() -> None:
    fixed = fix_text(FLAWED, ["MF1103"])
    assert codes(fixed, ["MF1103"]) == []
    assert (
        codes(
            FLAWED.split("  Dkr:\n")[0] + FLAWED.split("  Task:\n")[1].join(["  Task:\n", ""]),
            ["MF1103"],
        )
        == []
    )


def test_json_transitive_dependency_counts() -> None:
    data = {
        "Resources": {
            "C": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-mysql"}},
            "W": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {"DBClusterIdentifier": {"Ref": "C"}},
            },
            "Gate": {"Type": "AWS::CloudFormation::WaitConditionHandle", "DependsOn": "W"},
            "S": {"Type": "AWS::ECS::Service", "Properties": {}},
        }
    }
    text = json.dumps(data, indent=2) + "\n"
    fixed = fix_text(text, ["MF1103"])
    data["Resources"]["S"] = {"Type": "AWS::ECS::Service", "DependsOn": "W", "Properties": {}}
    assert fixed == json.dumps(data, indent=2) + "\n"
    chained = json.loads(text)
    chained["Resources"]["S"]["DependsOn"] = "Gate"
    assert codes(json.dumps(chained), ["MF1103"]) == []
