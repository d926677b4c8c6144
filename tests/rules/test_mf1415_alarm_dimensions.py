"""MF1415: a CloudWatch alarm watches a metric that does not exist (beyond the spec)."""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS as CORPUS_ROOT
from tests.helpers import as_json, codes, findings, fix_text

CODES = ["MF1415"]
CORPUS = CORPUS_ROOT / "ECS"
RESOURCES = """\
Resources:
  LoadBalancer:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Subnets: [subnet-1, subnet-2]
  TargetGroup:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      Port: 80
      Protocol: HTTP
      VpcId: vpc-1
  Cluster:
    Type: AWS::ECS::Cluster
  Service:
    Type: AWS::ECS::Service
    Properties:
      Cluster: !Ref Cluster
      TaskDefinition: arn:aws:ecs:us-east-1:111122223333:task-definition/app:1
  Queue:
    Type: AWS::SQS::Queue
"""
FLAWED = (
    RESOURCES
    + """\
  ErrorsAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/ApplicationELB
      MetricName: HTTPCode_Target_5XX_Count
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 10
      ComparisonOperator: GreaterThanThreshold
      Dimensions:
        - Name: LoadBalancer
          Value: !Ref LoadBalancer  # the ALB
        - Name: TargetGroup
          Value: !Ref TargetGroup
  CpuAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/ECS
      MetricName: CPUUtilization
      Statistic: Average
      Period: 60
      EvaluationPeriods: 1
      Threshold: 80
      ComparisonOperator: GreaterThanThreshold
      Dimensions:
        - Name: ClusterName
          Value: !GetAtt Cluster.Arn
        - Name: ServiceName
          Value: !Ref Service
  BacklogAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/SQS
      MetricName: ApproximateAgeOfOldestMessage
      Statistic: Maximum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 300
      ComparisonOperator: GreaterThanThreshold
      Dimensions:
        - Name: QueueName
          Value: !Ref Queue
"""
)
FIXED = (
    FLAWED.replace("Value: !Ref LoadBalancer", "Value: !GetAtt LoadBalancer.LoadBalancerFullName")
    .replace("Value: !Ref TargetGroup", "Value: !GetAtt TargetGroup.TargetGroupFullName")
    .replace("Value: !GetAtt Cluster.Arn", "Value: !Ref Cluster")
    .replace("Value: !Ref Service", "Value: !GetAtt Service.Name")
    .replace("Value: !Ref Queue", "Value: !GetAtt Queue.QueueName")
)


@pytest.mark.corpus
def test_corpus_alarm_on_a_dimension_the_namespace_does_not_publish() -> None:
    for name in ("ECS_Schedule_Example.yaml", "ECS_Schedule_Example.json"):
        (f,) = findings((CORPUS / name).read_text(encoding="utf-8"), CODES)
        assert f.path == (
            "Resources",
            "ALB500sAlarmScaleUp",
            "Properties",
            "Dimensions",
            0,
            "Name",
        )
        assert (f.kind, f.severity) == ("defect", "medium") and f.fix is None
        assert "ECSService" in f.message and "AWS/ApplicationELB" in f.message
        assert "ServiceScalingPolicy" in f.message and "INSUFFICIENT_DATA" in f.message


def test_wrong_attribute_wiring_is_reported_per_dimension_with_a_safe_fix() -> None:
    found = findings(FLAWED, CODES)
    assert [(f.resource, f.path[-2]) for f in found] == [
        ("ErrorsAlarm", 0),
        ("ErrorsAlarm", 1),
        ("CpuAlarm", 0),
        ("CpuAlarm", 1),
        ("BacklogAlarm", 0),
    ]
    assert all(f.fix is not None and f.fix.safe and f.fix.impact == "update" for f in found)
    assert "its ARN" in found[0].message and "LoadBalancerFullName" in found[0].message
    assert "its URL" in found[-1].message


@pytest.mark.parametrize("as_text", [lambda t: t, as_json], ids=["yaml", "json"])
def test_fix_byte_for_byte_and_a_second_pass_finds_nothing(as_text) -> None:
    assert fix_text(as_text(FLAWED), CODES) == as_text(FIXED)
    assert codes(as_text(FIXED), CODES) == []


def test_resource_of_the_wrong_kind_is_reported_without_a_fix() -> None:
    wrong = FLAWED.replace("Value: !Ref LoadBalancer", "Value: !Ref Queue")
    f = findings(wrong, CODES)[0]
    assert f.fix is None and "AWS::SQS::Queue" in f.message


def test_literal_arn_and_breaching_missing_data() -> None:
    text = FIXED.replace(
        "Value: !GetAtt Queue.QueueName",
        "Value: arn:aws:sqs:us-east-1:111122223333:jobs",
    ).replace(
        "      Namespace: AWS/SQS\n",
        "      Namespace: AWS/SQS\n      TreatMissingData: breaching\n",
    )
    (f,) = findings(text, CODES)
    assert f.fix is None and "an ARN" in f.message and "goes to ALARM" in f.message


def test_silent_where_the_template_does_not_show_a_wrong_metric() -> None:
    assert codes(FIXED, CODES) == []
    params = "Parameters:\n  QueueName:\n    Type: String\n    Default: jobs\n" + FIXED.replace(
        "Value: !GetAtt Queue.QueueName", "Value: !Ref QueueName"
    )
    assert codes(params, CODES) == []
    custom = FLAWED.replace("Namespace: AWS/ApplicationELB", "Namespace: Custom/App")
    custom = custom.replace("Namespace: AWS/ECS", "Namespace: ECS/ContainerInsights")
    custom = custom.replace("Namespace: AWS/SQS", "Namespace: Custom/Jobs")
    assert codes(custom, CODES) == []
