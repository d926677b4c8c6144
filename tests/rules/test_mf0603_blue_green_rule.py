"""MF0603: the second target group is reachable through a header rule (spec 6.3)."""

from __future__ import annotations

import json

from fixers.document import Document
from tests.helpers import codes, dedent, findings, fix_text

CODES = ["MF0603"]

FLAWED = dedent(
    """
    AWSTemplateFormatVersion: '2010-09-09'
    Parameters:
      VpcId:
        Type: AWS::EC2::VPC::Id
      PublicSubnets:
        Type: List<AWS::EC2::Subnet::Id>
    Resources:
      Edge:
        Type: AWS::ElasticLoadBalancingV2::LoadBalancer
        Properties:
          Subnets: !Ref PublicSubnets
      Blue:
        Type: AWS::ElasticLoadBalancingV2::TargetGroup
        Properties: {VpcId: !Ref VpcId, Port: 8080, Protocol: HTTP, TargetType: ip}
      Green:  # the next release, unreachable
        Type: AWS::ElasticLoadBalancingV2::TargetGroup
        Properties: {VpcId: !Ref VpcId, Port: 8080, Protocol: HTTP, TargetType: ip}
      Web:
        Type: AWS::ElasticLoadBalancingV2::Listener
        Properties:
          LoadBalancerArn: !Ref Edge
          Port: 80
          Protocol: HTTP
          DefaultActions:
            - Type: forward
              TargetGroupArn: !Ref Blue
      Maintenance:  # priority 1 is taken
        Type: AWS::ElasticLoadBalancingV2::ListenerRule
        Properties:
          ListenerArn: !Ref Web
          Priority: 1
          Conditions:
            - Field: path-pattern
              Values: [/maintenance]
          Actions:
            - Type: fixed-response
              FixedResponseConfig: {StatusCode: '503'}
    """
)

FLAWED_JSON = (
    json.dumps(
        {
            "Resources": {
                "Lb": {
                    "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                    "Properties": {"Subnets": ["subnet-1", "subnet-2"]},
                },
                "TgA": {
                    "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
                    "Properties": {"VpcId": "vpc-1", "Port": 80, "Protocol": "HTTP"},
                },
                "TgB": {
                    "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
                    "Properties": {"VpcId": "vpc-1", "Port": 80, "Protocol": "HTTP"},
                },
                "Http": {
                    "Type": "AWS::ElasticLoadBalancingV2::Listener",
                    "Properties": {
                        "LoadBalancerArn": {"Ref": "Lb"},
                        "Port": 80,
                        "Protocol": "HTTP",
                        "DefaultActions": [{"Type": "forward", "TargetGroupArn": {"Ref": "TgA"}}],
                    },
                },
            }
        },
        indent=2,
    )
    + "\n"
)

FIXED = """\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  VpcId:
    Type: AWS::EC2::VPC::Id
  PublicSubnets:
    Type: List<AWS::EC2::Subnet::Id>
Resources:
  Edge:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Subnets: !Ref PublicSubnets
  Blue:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {VpcId: !Ref VpcId, Port: 8080, Protocol: HTTP, TargetType: ip}
  Green:  # the next release, unreachable
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {VpcId: !Ref VpcId, Port: 8080, Protocol: HTTP, TargetType: ip}
  Web:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Edge
      Port: 80
      Protocol: HTTP
      DefaultActions:
        - Type: forward
          TargetGroupArn: !Ref Blue
  Maintenance:  # priority 1 is taken
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: !Ref Web
      Priority: 1
      Conditions:
        - Field: path-pattern
          Values: [/maintenance]
      Actions:
        - Type: fixed-response
          FixedResponseConfig: {StatusCode: '503'}
  ALBListenerRuleBlueGreen:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: !Ref Web
      Priority: 2
      Conditions:
        - Field: http-header
          HttpHeaderConfig:
            HttpHeaderName: X-Deployment-Color
            Values:
              - green
      Actions:
        - Type: forward
          TargetGroupArn: !Ref Green
"""

FIXED_JSON = """\
{
  "Resources": {
    "Lb": {
      "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
      "Properties": {
        "Subnets": [
          "subnet-1",
          "subnet-2"
        ]
      }
    },
    "TgA": {
      "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
      "Properties": {
        "VpcId": "vpc-1",
        "Port": 80,
        "Protocol": "HTTP"
      }
    },
    "TgB": {
      "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
      "Properties": {
        "VpcId": "vpc-1",
        "Port": 80,
        "Protocol": "HTTP"
      }
    },
    "Http": {
      "Type": "AWS::ElasticLoadBalancingV2::Listener",
      "Properties": {
        "LoadBalancerArn": {
          "Ref": "Lb"
        },
        "Port": 80,
        "Protocol": "HTTP",
        "DefaultActions": [
          {
            "Type": "forward",
            "TargetGroupArn": {
              "Ref": "TgA"
            }
          }
        ]
      }
    },
    "ALBListenerRuleBlueGreen": {
      "Type": "AWS::ElasticLoadBalancingV2::ListenerRule",
      "Properties": {
        "ListenerArn": {
          "Ref": "Http"
        },
        "Priority": 1,
        "Conditions": [
          {
            "Field": "http-header",
            "HttpHeaderConfig": {
              "HttpHeaderName": "X-Deployment-Color",
              "Values": [
                "green"
              ]
            }
          }
        ],
        "Actions": [
          {
            "Type": "forward",
            "TargetGroupArn": {
              "Ref": "TgB"
            }
          }
        ]
      }
    }
  }
}
"""


def test_fires_on_the_unreferenced_target_group() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.resource == "Green"
    assert "Blue" in finding.message
    assert finding.fix is not None and finding.fix.safe


def test_fix_yaml_byte_for_byte_keeps_comments() -> None:
    fixed = fix_text(FLAWED, CODES)
    assert fixed == FIXED
    assert "# the next release, unreachable" in fixed


def test_fix_json_byte_for_byte() -> None:
    assert fix_text(FLAWED_JSON, CODES) == FIXED_JSON


def test_rule_takes_a_free_priority_and_routes_on_the_header() -> None:
    rule = Document.from_text(fix_text(FLAWED, CODES)).data["Resources"][
        "ALBListenerRuleBlueGreen"
    ]["Properties"]
    assert rule["Priority"] == 2
    assert rule["Conditions"] == [
        {
            "Field": "http-header",
            "HttpHeaderConfig": {"HttpHeaderName": "X-Deployment-Color", "Values": ["green"]},
        }
    ]
    assert rule["Actions"] == [{"Type": "forward", "TargetGroupArn": {"Ref": "Green"}}]


def test_conditional_https_listener_gets_its_own_copy() -> None:
    text = fix_text(FLAWED, ["MF0602"])
    data = Document.from_text(fix_text(text, CODES)).data
    copy = data["Resources"]["ALBListenerRuleBlueGreenHTTPS"]
    assert copy["Condition"] == "HasCertificate"
    assert copy["Properties"]["ListenerArn"] == {"Ref": "ALBListenerHTTPS"}
    # Same result the other way round.
    assert fix_text(fix_text(FLAWED, CODES), ["MF0602"]) == fix_text(text, CODES)


def test_silent_when_the_group_is_used_or_alone() -> None:
    used = (
        FLAWED
        + "  Svc:\n    Type: AWS::ECS::Service\n    Properties:\n      LoadBalancers:\n        - TargetGroupArn: !Ref Green\n"
    )
    assert codes(used, CODES) == []
    alone = FLAWED.replace("TargetGroupArn: !Ref Blue", "TargetGroupArn: !Ref Green")
    assert [f.resource for f in findings(alone, CODES)] == ["Blue"]
    assert codes(FLAWED.split("  Web:")[0], CODES) == []  # no listener: nothing is served
