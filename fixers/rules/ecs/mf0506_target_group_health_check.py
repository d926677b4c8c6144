"""MF0506: the ECS service's target group health check gives containers time (spec 5.6)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document, EditError
from fixers.edits import set_property
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common

TIMEOUT = 10
UNHEALTHY = 5
INTERVAL = 30
# What the ELBv2 API uses when the property is absent (ALB HTTP/HTTPS target groups; NLB ones
# time out after 10 s on TCP but also count 2 failures).
DEFAULTS = {
    "HealthCheckTimeoutSeconds": 5,
    "UnhealthyThresholdCount": 2,
    "HealthCheckIntervalSeconds": 30,
}
ATTACHERS = {
    "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::ListenerRule",
    "AWS::CodeDeploy::DeploymentGroup",
}


def ecs_target_groups(data: dict[str, Any]) -> dict[str, str]:
    """Target groups that ECS tasks register in -> the service: the service's own, and an
    unattached twin of one (same VPC, port, protocol and target type: the blue/green standby)."""
    res = cfn.resources(data)
    found: dict[str, str] = {}
    for sid, svc in common.services(data):
        for tg in common.service_target_groups(data, svc):
            found.setdefault(tg, sid)

    def shape(tg):
        return tuple(
            repr(cfn.props(res[tg]).get(k)) for k in ("VpcId", "Port", "Protocol", "TargetType")
        )

    shapes = {shape(tg): sid for tg, sid in found.items()}
    for tid, group in cfn.of_type(data, common.TARGET_GROUP):
        if tid in found or "Targets" in cfn.props(group) or shape(tid) not in shapes:
            continue
        users = [r for r in cfn.referrers(data, tid) if res[r].get("Type") not in ATTACHERS]
        if not users:
            found[tid] = shapes[shape(tid)]
    return found


def plan(tg: dict[str, Any]) -> dict[str, int] | None:
    """The property values to write, {} when nothing is short, None when it cannot be seen."""
    p = cfn.props(tg)
    if p.get("HealthCheckEnabled") in (False, "false") or p.get("TargetType") == "lambda":
        return {}
    values: dict[str, int] = {}
    for key in DEFAULTS:
        if key in p:
            v = common.literal_int(p[key])
            if v is None:
                return None
            values[key] = v
        else:
            values[key] = DEFAULTS[key]
    changes: dict[str, int] = {}
    if values["HealthCheckTimeoutSeconds"] < TIMEOUT:
        changes["HealthCheckTimeoutSeconds"] = TIMEOUT
    if values["UnhealthyThresholdCount"] < UNHEALTHY:
        changes["UnhealthyThresholdCount"] = UNHEALTHY
    timeout = changes.get("HealthCheckTimeoutSeconds", values["HealthCheckTimeoutSeconds"])
    if changes and values["HealthCheckIntervalSeconds"] <= timeout:
        changes["HealthCheckIntervalSeconds"] = max(INTERVAL, timeout + 5)
    return changes


class TargetGroupHealthCheck(Rule):
    code = "MF0506"
    spec = ("5.6",)
    title = "Target group health check too aggressive for container start-up"
    area = "ecs"
    severity = "medium"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        With a 5-second timeout and 3 failures, a task that answers slowly while it warms up
        (JVM start, connection pools to Aurora, cache loading) is deregistered and replaced, and
        under load the replacements fail the same way: the service flaps instead of serving. The
        spec gives each check 10 seconds and tolerates 5 consecutive failures.
    """
    bad = """
        TargetGroup:
          Type: AWS::ElasticLoadBalancingV2::TargetGroup
          Properties:
            HealthCheckIntervalSeconds: 30
            HealthCheckTimeoutSeconds: 5
            UnhealthyThresholdCount: 3
    """
    good = """
        TargetGroup:
          Type: AWS::ElasticLoadBalancingV2::TargetGroup
          Properties:
            HealthCheckIntervalSeconds: 30
            HealthCheckTimeoutSeconds: 10
            UnhealthyThresholdCount: 5
    """
    fix_safety = """
        Safe (update): target group health-check settings change in place, without
        re-registering targets. A failing task is now taken out after about 5 x 30 s instead of
        3 x 30 s: slower detection, traded for stability during start-up.
    """
    notes = """
        AWS rejects a timeout that is not below the interval ("Health check interval must be
        greater than the timeout"), which cfn-lint does not check: when the interval is 10 s or
        less the fix raises it to 30 s. Absent values count as the ELBv2 defaults (timeout 5 s,
        unhealthy threshold 2, interval 30 s). Target groups the ECS service registers in are
        checked, and an unattached twin of one (the blue/green standby, same VPC, port, protocol
        and target type), so that a traffic switch does not bring the aggressive check back.
        Values from parameters or mappings are not guessed at.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        res = cfn.resources(data)
        for tid, sid in ecs_target_groups(data).items():
            changes = plan(res[tid])
            if not changes:
                continue
            p = cfn.props(res[tid])
            now = ", ".join(f"{k} {p.get(k, f'{DEFAULTS[k]} (default)')}" for k in DEFAULTS)
            yield self.finding(
                ("Resources", tid, "Properties"),
                f"Target group {tid} of ECS service {sid} health-checks with {now}: "
                f"containers need a {TIMEOUT} s timeout and {UNHEALTHY} failures before removal.",
                Fix(
                    title="Set " + ", ".join(f"{k} {v}" for k, v in changes.items()),
                    args=(tid,),
                    impact="update",
                    impact_detail="health-check settings updated in place; targets stay registered",
                ),
            )

    def apply(self, doc: Document, tid: str) -> None:
        changes = plan(cfn.resources(doc.data)[tid])
        if changes is None:
            raise EditError(f"{tid}'s health-check values are not literals")
        for key, value in changes.items():
            set_property(doc, tid, key, value)
