"""MF0101: the database gets subnets of its own (spec 1.1 and 3.3)."""

from __future__ import annotations

import json

from tests.helpers import codes, dedent, findings, fix_text

FLAWED = dedent(
    """
    AWSTemplateFormatVersion: '2010-09-09'
    Resources:
      Network:   # the VPC
        Type: AWS::EC2::VPC
        Properties:
          CidrBlock: 10.0.0.0/16
      AppSubnetA:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref Network
          CidrBlock: 10.0.21.0/24   # takes the spec's first database CIDR
          AvailabilityZone: !Select [0, !GetAZs '']
      AppSubnetB:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref Network
          CidrBlock: 10.0.11.0/24
          AvailabilityZone: !Select [1, !GetAZs '']
      Service:
        Type: AWS::ECS::Service
        Properties:
          NetworkConfiguration:
            AwsvpcConfiguration:
              Subnets: [!Ref AppSubnetA, !Ref AppSubnetB]
      Subnets:
        Type: AWS::RDS::DBSubnetGroup
        Properties:
          DBSubnetGroupDescription: db
          SubnetIds: [!Ref AppSubnetA, !Ref AppSubnetB]  # shared with the service
      Db:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
          DBSubnetGroupName: !Ref Subnets
    """
)

FIXED = (
    FLAWED.replace(
        "SubnetIds: [!Ref AppSubnetA, !Ref AppSubnetB]  # shared with the service",
        "SubnetIds: [!Ref DatabaseSubnet1, !Ref DatabaseSubnet2]  # shared with the service",
    )
    + """\
  DatabaseRouteTable:
    Type: AWS::EC2::RouteTable
    Properties:
      VpcId: !Ref Network
      Tags:
        - Key: Name
          Value: !Sub ${AWS::StackName}-database-routes
  DatabaseSubnet1:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Network
      CidrBlock: 10.0.0.0/24
      AvailabilityZone: !Select [0, !GetAZs '']
      MapPublicIpOnLaunch: false
      Tags:
        - Key: Name
          Value: !Sub ${AWS::StackName}-database-subnet-1
  DatabaseSubnet1RouteTableAssociation:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties:
      SubnetId: !Ref DatabaseSubnet1
      RouteTableId: !Ref DatabaseRouteTable
  DatabaseSubnet2:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Network
      CidrBlock: 10.0.1.0/24
      AvailabilityZone: !Select [1, !GetAZs '']
      MapPublicIpOnLaunch: false
      Tags:
        - Key: Name
          Value: !Sub ${AWS::StackName}-database-subnet-2
  DatabaseSubnet2RouteTableAssociation:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties:
      SubnetId: !Ref DatabaseSubnet2
      RouteTableId: !Ref DatabaseRouteTable
"""
)


def test_fires_on_a_subnet_group_shared_with_the_ecs_service() -> None:
    (finding,) = findings(FLAWED, ["MF0101"])
    assert finding.resource == "Subnets"
    assert finding.path == ("Resources", "Subnets", "Properties", "SubnetIds")
    assert finding.line == 29
    assert "Service" in finding.message
    assert finding.fix is not None and not finding.fix.safe
    assert finding.fix.impact == "replacement"


def test_fix_adds_isolated_subnets_in_free_cidrs_and_converges() -> None:
    # The spec's 10.0.21.0/24 is taken, so the first free /24s of the VPC are used.
    assert fix_text(FLAWED, ["MF0101"]) == FIXED


def test_silent_when_the_database_has_its_own_subnets() -> None:
    fixed = fix_text(FLAWED, ["MF0101"])
    assert codes(fixed, ["MF0101"]) == []


def test_silent_without_a_database() -> None:
    text = FLAWED.split("  Subnets:\n")[0]
    assert codes(text, ["MF0101"]) == []


def test_json_twin_is_fixed_in_json_with_its_indentation() -> None:
    from tests.helpers import run_fix

    data = {
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "A": {
                "Type": "AWS::EC2::Subnet",
                "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.1.0/24"},
            },
            "B": {
                "Type": "AWS::EC2::Subnet",
                "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.2.0/24"},
            },
            "Svc": {
                "Type": "AWS::ECS::Service",
                "Properties": {
                    "NetworkConfiguration": {
                        "AwsvpcConfiguration": {"Subnets": [{"Ref": "A"}, {"Ref": "B"}]}
                    }
                },
            },
            "Group": {
                "Type": "AWS::RDS::DBSubnetGroup",
                "Properties": {
                    "DBSubnetGroupDescription": "d",
                    "SubnetIds": [{"Ref": "A"}, {"Ref": "B"}],
                },
            },
            "Db": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {"DBSubnetGroupName": {"Ref": "Group"}},
            },
        }
    }
    text = json.dumps(data, indent=4) + "\n"
    fixed = fix_text(text, ["MF0101"])
    result = json.loads(fixed)
    assert result["Resources"]["Group"]["Properties"]["SubnetIds"] == [
        {"Ref": "DatabaseSubnet1"},
        {"Ref": "DatabaseSubnet2"},
    ]
    assert result["Resources"]["DatabaseSubnet1"]["Properties"]["CidrBlock"] == "10.0.21.0/24"
    assert result["Resources"]["DatabaseSubnet2"]["Properties"]["CidrBlock"] == "10.0.22.0/24"
    # Only the edited node and the line before each insertion change; the rest keeps 4 spaces.
    assert fixed.startswith(text.split('"SubnetIds"')[0].replace("[\n", "[\n"))
    assert '\n                    "Ref": "DatabaseSubnet1"' in fixed
    assert run_fix(fixed, ["MF0101"]).new_text == fixed
