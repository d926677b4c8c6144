"""MF1432: the database shares a security group with the application."""

from __future__ import annotations

import pytest

from tests.helpers import as_json, codes, dedent, findings, fix_text

CODES = ["MF1432"]
FLAWED = dedent(
    """
    Resources:
      AppGroup:
        Type: AWS::EC2::SecurityGroup
        Properties:
          GroupDescription: application
          VpcId: vpc-1
          SecurityGroupIngress:
            - {IpProtocol: tcp, FromPort: 8080, ToPort: 8080, CidrIp: 10.0.0.0/16}
      Service:
        Type: AWS::ECS::Service
        Properties:
          Cluster: ledger
          TaskDefinition: arn:aws:ecs:us-east-1:111122223333:task-definition/ledger:1
          NetworkConfiguration:
            AwsvpcConfiguration:
              Subnets: [subnet-1]
              SecurityGroups: [!Ref AppGroup]
      Database:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: postgres
          DBInstanceClass: db.t3.micro
          AllocatedStorage: '20'
          MasterUsername: ledger
          ManageMasterUserPassword: true
          VPCSecurityGroups:
            - !Ref AppGroup  # one group for the whole stack
    """
)
FIXED = FLAWED.replace(
    "        - !Ref AppGroup  # one group",
    "        - !GetAtt DatabaseDBSecurityGroup.GroupId  # one group",
) + (
    "  DatabaseDBSecurityGroup:\n"
    "    Type: AWS::EC2::SecurityGroup\n"
    "    Properties:\n"
    "      GroupDescription: 'Database: the database port, from the application group only'\n"
    "      VpcId: vpc-1\n"
    "      SecurityGroupIngress:\n"
    "        - IpProtocol: tcp\n"
    "          FromPort: 5432\n"
    "          ToPort: 5432\n"
    "          SourceSecurityGroupId: !GetAtt AppGroup.GroupId\n"
)


def test_fires_on_a_database_in_the_services_group() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.path == ("Resources", "Database", "Properties", "VPCSecurityGroups", 0)
    assert "Service also uses" in finding.message
    assert finding.kind == "hardening"
    assert finding.fix is not None and not finding.fix.safe and finding.fix.impact == "update"


def test_fix_byte_for_byte_and_a_second_pass_finds_nothing_yaml() -> None:
    assert fix_text(FLAWED, CODES) == FIXED
    assert codes(FIXED, CODES) == []


def test_fix_json() -> None:
    fixed = fix_text(as_json(FLAWED), CODES)
    assert '"Fn::GetAtt": [\n' in fixed or '"DatabaseDBSecurityGroup"' in fixed
    assert codes(fixed, CODES) == []
    assert fix_text(fixed, CODES) == fixed


@pytest.mark.parametrize("as_text", [lambda t: t, as_json], ids=["yaml", "json"])
def test_silent_when_the_database_has_its_own_group(as_text) -> None:
    assert codes(as_text(FIXED), CODES) == []
