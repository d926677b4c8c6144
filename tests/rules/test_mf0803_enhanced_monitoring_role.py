"""MF0803: RDS enhanced monitoring has its role (spec 8.3)."""

from __future__ import annotations

import json

from fixers.document import Document
from tests.helpers import codes, dedent, findings, fix_text

CODES = ["MF0803"]

FLAWED = dedent(
    """
    AWSTemplateFormatVersion: '2010-09-09'
    Resources:
      Writer:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: postgres
          DBInstanceClass: db.t4g.micro
          AllocatedStorage: '20'
          MasterUsername: app
          ManageMasterUserPassword: true
          # one-minute OS metrics
          MonitoringInterval: 60
          MonitoringRoleArn: !GetAtt OsMetricsRole.Arn  # never defined
    """
)

FLAWED_JSON = (
    json.dumps(
        {
            "Resources": {
                "Db": {
                    "Type": "AWS::RDS::DBInstance",
                    "Properties": {
                        "Engine": "postgres",
                        "DBInstanceClass": "db.t4g.micro",
                        "AllocatedStorage": "20",
                        "MasterUsername": "app",
                        "ManageMasterUserPassword": True,
                        "MonitoringInterval": 30,
                    },
                }
            }
        },
        indent=2,
    )
    + "\n"
)

FIXED = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Writer:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.t4g.micro
      AllocatedStorage: '20'
      MasterUsername: app
      ManageMasterUserPassword: true
      # one-minute OS metrics
      MonitoringInterval: 60
      MonitoringRoleArn: !GetAtt OsMetricsRole.Arn  # never defined
  OsMetricsRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              Service: monitoring.rds.amazonaws.com
            Action: sts:AssumeRole
            Condition:
              StringEquals:
                aws:SourceAccount: !Ref AWS::AccountId
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole
"""

FIXED_JSON = """\
{
  "Resources": {
    "Db": {
      "Type": "AWS::RDS::DBInstance",
      "Properties": {
        "Engine": "postgres",
        "DBInstanceClass": "db.t4g.micro",
        "AllocatedStorage": "20",
        "MasterUsername": "app",
        "ManageMasterUserPassword": true,
        "MonitoringInterval": 30,
        "MonitoringRoleArn": {
          "Fn::GetAtt": [
            "EnhancedMonitoringRole",
            "Arn"
          ]
        }
      }
    },
    "EnhancedMonitoringRole": {
      "Type": "AWS::IAM::Role",
      "Properties": {
        "AssumeRolePolicyDocument": {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Effect": "Allow",
              "Principal": {
                "Service": "monitoring.rds.amazonaws.com"
              },
              "Action": "sts:AssumeRole",
              "Condition": {
                "StringEquals": {
                  "aws:SourceAccount": {
                    "Ref": "AWS::AccountId"
                  }
                }
              }
            }
          ]
        },
        "ManagedPolicyArns": [
          {
            "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
          }
        ]
      }
    }
  }
}
"""


def test_fires_on_a_role_referenced_but_not_defined() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.resource == "Writer"
    assert finding.path == ("Resources", "Writer", "Properties", "MonitoringRoleArn")
    assert "OsMetricsRole" in finding.message
    assert finding.fix is not None and finding.fix.safe


def test_fix_yaml_defines_the_referenced_name() -> None:
    fixed = fix_text(FLAWED, CODES)
    assert fixed == FIXED
    assert "# never defined" in fixed and "# one-minute OS metrics" in fixed


def test_role_is_least_privilege() -> None:
    role = Document.from_text(fix_text(FLAWED, CODES)).data["Resources"]["OsMetricsRole"][
        "Properties"
    ]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }
    assert role["ManagedPolicyArns"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
        }
    ]
    assert "Policies" not in role


def test_fix_json_adds_the_role_and_sets_it_when_monitoring_has_none() -> None:
    (finding,) = findings(FLAWED_JSON, CODES)
    assert finding.path == ("Resources", "Db", "Properties", "MonitoringInterval")
    fixed = fix_text(FLAWED_JSON, CODES)
    assert fixed == FIXED_JSON
    assert json.loads(fixed)["Resources"]["Db"]["Properties"]["MonitoringRoleArn"] == {
        "Fn::GetAtt": ["EnhancedMonitoringRole", "Arn"]
    }


def test_silent_when_the_role_exists_or_monitoring_is_off() -> None:
    defined = fix_text(FLAWED, CODES)
    assert codes(defined, CODES) == []
    off = FLAWED.replace("MonitoringInterval: 60", "MonitoringInterval: 0").replace(
        "      MonitoringRoleArn: !GetAtt OsMetricsRole.Arn  # never defined\n", ""
    )
    assert codes(off, CODES) == []
    from_param = FLAWED.replace("!GetAtt OsMetricsRole.Arn", "!Ref MonitoringRole")
    assert codes(from_param, CODES) == []
