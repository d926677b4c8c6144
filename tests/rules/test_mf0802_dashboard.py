"""MF0802: a CloudWatch dashboard for the template's ECS, ALB and RDS resources (spec 8.2)."""

from __future__ import annotations

import json
import re

from fixers.document import Document
from tests.helpers import codes, dedent, findings, fix_text

CODES = ["MF0802"]

FLAWED = dedent(
    """
    AWSTemplateFormatVersion: '2010-09-09'
    Parameters:
      VpcId:
        Type: AWS::EC2::VPC::Id
      PublicSubnets:
        Type: List<AWS::EC2::Subnet::Id>
    Resources:
      Cluster:  # runs the shop
        Type: AWS::ECS::Cluster
      Shop:
        Type: AWS::ECS::Service
        Condition: Deploy
        Properties:
          Cluster: !Ref Cluster
          LoadBalancers:
            - TargetGroupArn: !Ref Pool
              ContainerName: shop
              ContainerPort: 8080
      Edge:
        Type: AWS::ElasticLoadBalancingV2::LoadBalancer
        Properties:
          Subnets: !Ref PublicSubnets
      Pool:
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
              TargetGroupArn: !Ref Pool
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
                "Db": {
                    "Type": "AWS::RDS::DBInstance",
                    "Properties": {
                        "Engine": "postgres",
                        "DBInstanceClass": "db.t4g.micro",
                        "AllocatedStorage": "20",
                    },
                },
            }
        },
        indent=2,
    )
    + "\n"
)

FIXED = 'AWSTemplateFormatVersion: \'2010-09-09\'\nParameters:\n  VpcId:\n    Type: AWS::EC2::VPC::Id\n  PublicSubnets:\n    Type: List<AWS::EC2::Subnet::Id>\nResources:\n  Cluster:  # runs the shop\n    Type: AWS::ECS::Cluster\n  Shop:\n    Type: AWS::ECS::Service\n    Condition: Deploy\n    Properties:\n      Cluster: !Ref Cluster\n      LoadBalancers:\n        - TargetGroupArn: !Ref Pool\n          ContainerName: shop\n          ContainerPort: 8080\n  Edge:\n    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n    Properties:\n      Subnets: !Ref PublicSubnets\n  Pool:\n    Type: AWS::ElasticLoadBalancingV2::TargetGroup\n    Properties: {VpcId: !Ref VpcId, Port: 8080, Protocol: HTTP, TargetType: ip}\n  Web:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n    Properties:\n      LoadBalancerArn: !Ref Edge\n      Port: 80\n      Protocol: HTTP\n      DefaultActions:\n        - Type: forward\n          TargetGroupArn: !Ref Pool\n  MonitoringDashboard:\n    Type: AWS::CloudWatch::Dashboard\n    Properties:\n      DashboardName: !Sub ${AWS::StackName}-monitoring\n      DashboardBody: !Sub \'{"widgets": [{"type": "metric", "x": 0, "y": 0, "width": 8, "height": 6, "properties": {"title": "ECS service CPU utilization (Cluster)", "region": "${AWS::Region}", "stat": "Average", "period": 300, "view": "timeSeries", "metrics": [[{"expression": "SEARCH(\'\'{AWS/ECS,ClusterName,ServiceName} MetricName=\\"CPUUtilization\\" ClusterName=\\"${Cluster}\\"\'\', \'\'Average\'\', 300)", "label": "CPU", "id": "cpu"}]]}}, {"type": "metric", "x": 8, "y": 0, "width": 8, "height": 6, "properties": {"title": "ECS service memory utilization (Cluster)", "region": "${AWS::Region}", "stat": "Average", "period": 300, "view": "timeSeries", "metrics": [[{"expression": "SEARCH(\'\'{AWS/ECS,ClusterName,ServiceName} MetricName=\\"MemoryUtilization\\" ClusterName=\\"${Cluster}\\"\'\', \'\'Average\'\', 300)", "label": "Memory", "id": "memory"}]]}}, {"type": "metric", "x": 0, "y": 6, "width": 8, "height": 6, "properties": {"title": "ALB requests and 5XX (Edge)", "region": "${AWS::Region}", "stat": "Sum", "period": 300, "view": "timeSeries", "metrics": [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", "${Edge.LoadBalancerFullName}", {"label": "Requests"}], ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", "${Edge.LoadBalancerFullName}", {"label": "Target 5XX"}], ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", "${Edge.LoadBalancerFullName}", {"label": "Load balancer 5XX"}]]}}, {"type": "metric", "x": 8, "y": 6, "width": 8, "height": 6, "properties": {"title": "ALB target response time (Edge)", "region": "${AWS::Region}", "stat": "Average", "period": 300, "view": "timeSeries", "metrics": [["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", "${Edge.LoadBalancerFullName}", {"stat": "p99", "label": "p99"}], ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", "${Edge.LoadBalancerFullName}", {"stat": "Average", "label": "Average"}]]}}, {"type": "metric", "x": 16, "y": 6, "width": 8, "height": 6, "properties": {"title": "ALB healthy hosts (Edge)", "region": "${AWS::Region}", "stat": "Minimum", "period": 300, "view": "timeSeries", "metrics": [["AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", "${Pool.TargetGroupFullName}", "LoadBalancer", "${Edge.LoadBalancerFullName}", {"label": "Pool healthy"}], ["AWS/ApplicationELB", "UnHealthyHostCount", "TargetGroup", "${Pool.TargetGroupFullName}", "LoadBalancer", "${Edge.LoadBalancerFullName}", {"label": "Pool unhealthy"}]]}}]}\'\n'

FIXED_JSON = '{\n  "Resources": {\n    "Lb": {\n      "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",\n      "Properties": {\n        "Subnets": [\n          "subnet-1",\n          "subnet-2"\n        ]\n      }\n    },\n    "Db": {\n      "Type": "AWS::RDS::DBInstance",\n      "Properties": {\n        "Engine": "postgres",\n        "DBInstanceClass": "db.t4g.micro",\n        "AllocatedStorage": "20"\n      }\n    },\n    "MonitoringDashboard": {\n      "Type": "AWS::CloudWatch::Dashboard",\n      "Properties": {\n        "DashboardName": {\n          "Fn::Sub": "${AWS::StackName}-monitoring"\n        },\n        "DashboardBody": {\n          "Fn::Sub": "{\\"widgets\\": [{\\"type\\": \\"metric\\", \\"x\\": 0, \\"y\\": 0, \\"width\\": 8, \\"height\\": 6, \\"properties\\": {\\"title\\": \\"ALB requests and 5XX (Lb)\\", \\"region\\": \\"${AWS::Region}\\", \\"stat\\": \\"Sum\\", \\"period\\": 300, \\"view\\": \\"timeSeries\\", \\"metrics\\": [[\\"AWS/ApplicationELB\\", \\"RequestCount\\", \\"LoadBalancer\\", \\"${Lb.LoadBalancerFullName}\\", {\\"label\\": \\"Requests\\"}], [\\"AWS/ApplicationELB\\", \\"HTTPCode_Target_5XX_Count\\", \\"LoadBalancer\\", \\"${Lb.LoadBalancerFullName}\\", {\\"label\\": \\"Target 5XX\\"}], [\\"AWS/ApplicationELB\\", \\"HTTPCode_ELB_5XX_Count\\", \\"LoadBalancer\\", \\"${Lb.LoadBalancerFullName}\\", {\\"label\\": \\"Load balancer 5XX\\"}]]}}, {\\"type\\": \\"metric\\", \\"x\\": 8, \\"y\\": 0, \\"width\\": 8, \\"height\\": 6, \\"properties\\": {\\"title\\": \\"ALB target response time (Lb)\\", \\"region\\": \\"${AWS::Region}\\", \\"stat\\": \\"Average\\", \\"period\\": 300, \\"view\\": \\"timeSeries\\", \\"metrics\\": [[\\"AWS/ApplicationELB\\", \\"TargetResponseTime\\", \\"LoadBalancer\\", \\"${Lb.LoadBalancerFullName}\\", {\\"stat\\": \\"p99\\", \\"label\\": \\"p99\\"}], [\\"AWS/ApplicationELB\\", \\"TargetResponseTime\\", \\"LoadBalancer\\", \\"${Lb.LoadBalancerFullName}\\", {\\"stat\\": \\"Average\\", \\"label\\": \\"Average\\"}]]}}, {\\"type\\": \\"metric\\", \\"x\\": 0, \\"y\\": 6, \\"width\\": 8, \\"height\\": 6, \\"properties\\": {\\"title\\": \\"RDS CPU utilization (Db)\\", \\"region\\": \\"${AWS::Region}\\", \\"stat\\": \\"Average\\", \\"period\\": 300, \\"view\\": \\"timeSeries\\", \\"metrics\\": [[\\"AWS/RDS\\", \\"CPUUtilization\\", \\"DBInstanceIdentifier\\", \\"${Db}\\"]]}}, {\\"type\\": \\"metric\\", \\"x\\": 8, \\"y\\": 6, \\"width\\": 8, \\"height\\": 6, \\"properties\\": {\\"title\\": \\"RDS connections (Db)\\", \\"region\\": \\"${AWS::Region}\\", \\"stat\\": \\"Maximum\\", \\"period\\": 300, \\"view\\": \\"timeSeries\\", \\"metrics\\": [[\\"AWS/RDS\\", \\"DatabaseConnections\\", \\"DBInstanceIdentifier\\", \\"${Db}\\"]]}}, {\\"type\\": \\"metric\\", \\"x\\": 16, \\"y\\": 6, \\"width\\": 8, \\"height\\": 6, \\"properties\\": {\\"title\\": \\"RDS freeable memory (Db)\\", \\"region\\": \\"${AWS::Region}\\", \\"stat\\": \\"Minimum\\", \\"period\\": 300, \\"view\\": \\"timeSeries\\", \\"metrics\\": [[\\"AWS/RDS\\", \\"FreeableMemory\\", \\"DBInstanceIdentifier\\", \\"${Db}\\"]]}}]}"\n        }\n      }\n    }\n  }\n}\n'


def _body(text: str) -> tuple[str, dict]:
    dash = Document.from_text(text).data["Resources"]["MonitoringDashboard"]["Properties"]
    body = dash["DashboardBody"]["Fn::Sub"]
    # Valid JSON once Fn::Sub has replaced every ${...}.
    return body, json.loads(re.sub(r"\$\{[^}]+\}", "x", body))


def test_fires_once_with_two_tiers_and_no_dashboard() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.path == ("Resources",)
    assert "ECS" in finding.message and "ALB" in finding.message
    assert finding.fix is not None and finding.fix.safe


def test_fix_yaml_byte_for_byte_keeps_comments() -> None:
    fixed = fix_text(FLAWED, CODES)
    assert fixed == FIXED
    assert "# runs the shop" in fixed


def test_body_is_valid_json_for_the_templates_own_resources() -> None:
    body, parsed = _body(fix_text(FLAWED, CODES))
    assert "${Edge.LoadBalancerFullName}" in body and "${Pool.TargetGroupFullName}" in body
    assert 'ClusterName=\\"${Cluster}\\"' in body
    # The conditional service is not referenced: the dashboard stays valid without it.
    assert "Shop" not in body
    metrics = json.dumps(parsed)
    for name in (
        "CPUUtilization",
        "MemoryUtilization",
        "RequestCount",
        "HTTPCode_Target_5XX_Count",
        "TargetResponseTime",
        "HealthyHostCount",
    ):
        assert name in metrics
    assert all(w["properties"]["region"] == "x" for w in parsed["widgets"])


def test_fix_json_byte_for_byte_with_rds_widgets() -> None:
    fixed = fix_text(FLAWED_JSON, CODES)
    assert fixed == FIXED_JSON
    body, parsed = _body(fixed)
    assert '"DBInstanceIdentifier", "${Db}"' in body
    metrics = json.dumps(parsed)
    for name in ("CPUUtilization", "DatabaseConnections", "FreeableMemory"):
        assert name in metrics


def test_silent_with_a_dashboard_or_a_single_tier() -> None:
    assert codes(fix_text(FLAWED, CODES), CODES) == []
    assert codes(FLAWED.split("  Edge:")[0], CODES) == []
