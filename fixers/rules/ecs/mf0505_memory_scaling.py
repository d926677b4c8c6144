"""MF0505: the service also scales on memory (spec 5.5)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document
from fixers.edits import add_resource, register_names, unique_id
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common

POLICY = "ServiceScalingPolicyMemory"
MEMORY = "ECSServiceAverageMemoryUtilization"
CPU = "ECSServiceAverageCPUUtilization"
TARGET = 75
register_names(POLICY)


def _tracking(policy: dict[str, Any]) -> dict[str, Any]:
    conf = cfn.props(policy).get("TargetTrackingScalingPolicyConfiguration")
    return conf if isinstance(conf, dict) else {}


def _metric(policy: dict[str, Any]) -> str | None:
    conf = _tracking(policy)
    spec = conf.get("PredefinedMetricSpecification")
    if isinstance(spec, dict) and isinstance(spec.get("PredefinedMetricType"), str):
        return spec["PredefinedMetricType"]
    custom = conf.get("CustomizedMetricSpecification")
    if isinstance(custom, dict):
        name = custom.get("MetricName")
        return f"custom:{name}" if isinstance(name, str) else "custom:?"
    return None


def tracks_memory(policy: dict[str, Any]) -> bool:
    metric = _metric(policy) or ""
    return metric == MEMORY or (metric.lower().startswith("custom:") and "memory" in metric.lower())


def memory_policy(
    data: dict[str, Any], target_id: str, cpu: dict[str, Any] | None
) -> dict[str, Any]:
    conf: dict[str, Any] = {
        "PredefinedMetricSpecification": {"PredefinedMetricType": MEMORY},
        "TargetValue": TARGET,
    }
    source = _tracking(cpu) if cpu else {}
    for key, default in (("ScaleOutCooldown", 60), ("ScaleInCooldown", 300)):
        conf[key] = source.get(key, default)
    resource: dict[str, Any] = {"Type": common.SCALING_POLICY}
    condition = cfn.condition_of(data, target_id)
    if condition:
        resource["Condition"] = condition
    resource["Properties"] = {
        "PolicyName": {"Fn::Sub": f"${{AWS::StackName}}-{target_id}-memory-target-tracking"},
        "PolicyType": "TargetTrackingScaling",
        "ScalingTargetId": {"Ref": target_id},
        "TargetTrackingScalingPolicyConfiguration": conf,
    }
    return resource


class MemoryScaling(Rule):
    code = "MF0505"
    spec = ("5.5",)
    title = "ECS service does not scale on memory"
    area = "ecs"
    kind = "convention"
    severity = "low"
    fix_applicability = "safe"
    deploy_impact = "none"
    why = """
        Transaction processing holds batches and connection pools in memory: a task can run out
        of memory while its CPU is idle, and a service that scales only on CPU then loses tasks
        to OOM kills instead of adding capacity. A second target-tracking policy on the service's
        average memory utilization (75%) scales out on whichever runs short first.
    """
    bad = """
        ServiceScalingPolicyCPU:
          Type: AWS::ApplicationAutoScaling::ScalingPolicy
          Properties:
            PolicyType: TargetTrackingScaling
            ScalingTargetId: !Ref ServiceScalableTarget
            TargetTrackingScalingPolicyConfiguration:
              PredefinedMetricSpecification:
                PredefinedMetricType: ECSServiceAverageCPUUtilization
              TargetValue: 70
    """
    good = """
        ServiceScalingPolicyMemory:
          Type: AWS::ApplicationAutoScaling::ScalingPolicy
          Properties:
            PolicyName: !Sub ${AWS::StackName}-ServiceScalableTarget-memory-target-tracking
            PolicyType: TargetTrackingScaling
            ScalingTargetId: !Ref ServiceScalableTarget
            TargetTrackingScalingPolicyConfiguration:
              PredefinedMetricSpecification:
                PredefinedMetricType: ECSServiceAverageMemoryUtilization
              TargetValue: 75
              ScaleOutCooldown: 60
              ScaleInCooldown: 300
    """
    fix_safety = """
        Safe (none): a new scaling policy is created; nothing deployed changes until memory
        crosses 75%. Cooldowns are copied from the CPU target-tracking policy when there is one
        (60 s out, 300 s in otherwise). The policy carries the scalable target's condition.
    """
    notes = """
        Premise: a scalable target of an ECS service with no target-tracking policy on memory.
        Scaling on memory is the platform's standard for its memory-bound processor, not an AWS
        requirement: kind `convention`, severity low. A customized metric whose name mentions
        memory counts as memory scaling already.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for sid, _ in common.services(data):
            for tid in common.scalable_targets_of(data, sid):
                policies = common.policies_of(data, tid)
                if any(tracks_memory(p) for _, p in policies):
                    continue
                yield self.finding(
                    ("Resources", tid),
                    f"Scalable target {tid} of ECS service {sid} has no target-tracking policy on memory "
                    f"utilization ({', '.join(pid for pid, _ in policies) or 'no policy at all'}); the platform's "
                    f"convention tracks memory at {TARGET}% besides CPU.",
                    Fix(
                        title=f"Add {POLICY}: target tracking on {MEMORY} at {TARGET}%",
                        args=(tid,),
                        impact="none",
                        impact_detail="a new scaling policy; running tasks are untouched",
                    ),
                )

    def apply(self, doc: Document, target_id: str) -> None:
        data = doc.data
        policies = common.policies_of(data, target_id)
        if any(tracks_memory(p) for _, p in policies):
            return
        cpu = next((p for _, p in policies if _metric(p) == CPU), None)
        add_resource(doc, unique_id(doc, POLICY), memory_policy(data, target_id, cpu))
