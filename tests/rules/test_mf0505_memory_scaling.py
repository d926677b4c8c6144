"""MF0505: target tracking on memory (spec 5.5)."""

from __future__ import annotations

import json

from tests.helpers import codes, findings, fix_text, fixture

BASE = fixture("ecs-service.yaml")

POLICY = """\
  ServiceScalingPolicyMemory:
    Type: AWS::ApplicationAutoScaling::ScalingPolicy
    Properties:
      PolicyName: !Sub ${AWS::StackName}-Scaling-memory-target-tracking
      PolicyType: TargetTrackingScaling
      ScalingTargetId: !Ref Scaling
      TargetTrackingScalingPolicyConfiguration:
        PredefinedMetricSpecification:
          PredefinedMetricType: ECSServiceAverageMemoryUtilization
        TargetValue: 75
        ScaleOutCooldown: 30
        ScaleInCooldown: 120
"""
FIXED = BASE.replace("Outputs:\n", POLICY + "Outputs:\n")


def test_fires_on_cpu_only_scaling() -> None:
    (finding,) = findings(BASE, ["MF0505"])
    assert finding.path == ("Resources", "Scaling") and "CpuPolicy" in finding.message
    assert finding.fix is not None and finding.fix.safe


def test_fix_adds_the_memory_policy_with_the_cpu_cooldowns() -> None:
    assert fix_text(BASE, ["MF0505"]) == FIXED


def test_silent_with_a_memory_policy_under_another_name_or_without_scaling() -> None:
    other = BASE.replace("ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization")
    assert codes(other, ["MF0505"]) == []
    assert codes(BASE.split("  Scaling:\n")[0] + "Outputs: {}\n", ["MF0505"]) == []


def test_new_policy_takes_the_targets_condition_json() -> None:
    data = {
        "Parameters": {"On": {"Type": "String"}},
        "Conditions": {"Run": {"Fn::Equals": [{"Ref": "On"}, "yes"]}},
        "Resources": {
            "S": {"Type": "AWS::ECS::Service", "Condition": "Run", "Properties": {}},
            "St": {
                "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
                "Condition": "Run",
                "Properties": {
                    "ServiceNamespace": "ecs",
                    "ResourceId": {"Fn::Sub": "service/c/${S.Name}"},
                },
            },
        },
    }
    fixed = fix_text(json.dumps(data, indent=2) + "\n", ["MF0505"])
    expected = dict(data)
    expected["Resources"] = dict(
        data["Resources"],
        ServiceScalingPolicyMemory={
            "Type": "AWS::ApplicationAutoScaling::ScalingPolicy",
            "Condition": "Run",
            "Properties": {
                "PolicyName": {"Fn::Sub": "${AWS::StackName}-St-memory-target-tracking"},
                "PolicyType": "TargetTrackingScaling",
                "ScalingTargetId": {"Ref": "St"},
                "TargetTrackingScalingPolicyConfiguration": {
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": "ECSServiceAverageMemoryUtilization"
                    },
                    "TargetValue": 75,
                    "ScaleOutCooldown": 60,
                    "ScaleInCooldown": 300,
                },
            },
        },
    )
    assert fixed == json.dumps(expected, indent=2) + "\n"
