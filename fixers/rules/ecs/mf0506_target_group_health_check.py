"""MF0506: the ECS service's target group health check gives containers time (spec 5.6)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document, EditError
from fixers.edits import set_property
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common

TIMEOUT = 10
UNHEALTHY = 5
INTERVAL = 30
KEYS = ("HealthCheckTimeoutSeconds", "UnhealthyThresholdCount", "HealthCheckIntervalSeconds")
NLB_PROTOCOLS = {"TCP", "TLS", "UDP", "TCP_UDP", "QUIC", "TCP_QUIC"}
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


def defaults(data: dict[str, Any], tg: dict[str, Any]) -> dict[str, int] | None:
    """What ELBv2 uses for an absent property of this target group (aws-notes, 2026-12-04):
    interval 30 s and unhealthy threshold 2 everywhere; timeout 5 s on Application Load
    Balancer target groups, 30 s for Lambda targets, and on Network Load Balancer ones 6 s for
    HTTP checks and 10 s for TCP and HTTPS checks. None when the protocol cannot be read."""
    p = cfn.props(tg)
    if values.literal(data, p.get("TargetType")) == "lambda":
        timeout = 30
    else:
        protocol = values.literal(data, p.get("Protocol"))
        if not isinstance(protocol, str):
            return None
        if protocol.upper() in NLB_PROTOCOLS:
            check = (
                values.literal(data, p.get("HealthCheckProtocol"))
                if "HealthCheckProtocol" in p
                else "TCP"
            )
            if not isinstance(check, str):
                return None
            timeout = 6 if check.upper() == "HTTP" else 10
        else:
            timeout = 5
    return {
        "HealthCheckTimeoutSeconds": timeout,
        "UnhealthyThresholdCount": 2,
        "HealthCheckIntervalSeconds": 30,
    }


def current(data: dict[str, Any], tg: dict[str, Any]) -> dict[str, tuple[int, str]] | None:
    """Each health-check value and where it comes from (``written``, ``default``, or the
    parameter's default), None when one cannot be read or the check does not apply."""
    p = cfn.props(tg)
    if values.as_bool(values.literal(data, p.get("HealthCheckEnabled"))) is False:
        return None
    if values.literal(data, p.get("TargetType")) == "lambda":
        return None  # ECS tasks never register in a Lambda target group
    absent = defaults(data, tg)
    found: dict[str, tuple[int, str]] = {}
    for key in KEYS:
        if key in p:
            v = common.number(data, p[key])
            if v is None:
                return None
            found[key] = (
                v,
                "written" if common.written_number(p[key]) is not None else "parameter",
            )
        elif absent is None:
            return None
        else:
            found[key] = (absent[key], "default")
    return found


def plan(data: dict[str, Any], tg: dict[str, Any]) -> dict[str, int] | None:
    """The property values to write ({} when nothing is short), None when it cannot be seen."""
    now = current(data, tg)
    if now is None:
        return None
    timeout, unhealthy, interval = (now[k][0] for k in KEYS)
    changes: dict[str, int] = {}
    if timeout < TIMEOUT:
        changes["HealthCheckTimeoutSeconds"] = TIMEOUT
    if unhealthy < UNHEALTHY:
        changes["UnhealthyThresholdCount"] = UNHEALTHY
    timeout = changes.get("HealthCheckTimeoutSeconds", timeout)
    if changes and interval <= timeout:
        changes["HealthCheckIntervalSeconds"] = max(INTERVAL, timeout + 5)
    return changes


class TargetGroupHealthCheck(Rule):
    code = "MF0506"
    spec = ("5.6",)
    title = "Target group health check too aggressive for container start-up"
    area = "ecs"
    kind = "convention"
    severity = "low"
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
        Premise: the target group's check, as the template writes it or as ELBv2 defaults it,
        allows less than the platform's convention (a 10 s timeout, 5 failures). The numbers are
        the spec's tuning, not an AWS requirement: kind `convention`, severity low. Absent values
        count as ELBv2's defaults for the load balancer type and health-check protocol (aws-notes
        2026-12-04): timeout 5 s on Application Load Balancer target groups, 6 s (HTTP checks)
        or 10 s (TCP and HTTPS checks) on Network Load Balancer ones; interval 30 s; unhealthy
        threshold 2. AWS rejects a timeout that is not below the interval ("Health check
        interval must be greater than the timeout"), which cfn-lint does not check: when the
        interval is 10 s or less the fix raises it to 30 s. Target groups the ECS service
        registers in are checked, and an unattached twin of one (the blue/green standby, same
        VPC, port, protocol and target type), so that a traffic switch does not bring the
        aggressive check back. Values from parameters are read as their defaults; the finding
        then has no fix (the parameter is the place to change them).

        No longer reported: a Network Load Balancer target group whose defaults already meet
        the convention (the old rule assumed the ALB's 5 s timeout for every target group);
        target groups whose protocol cannot be read (its default timeout depends on it).
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        res = cfn.resources(data)
        for tid, sid in ecs_target_groups(data).items():
            changes = plan(data, res[tid])
            if not changes:
                continue
            now = current(data, res[tid]) or {}
            shown = ", ".join(
                f"{k} {v}" + (" (default)" if how == "default" else "")
                for k, (v, how) in now.items()
            )
            from_parameters = [k for k in changes if now.get(k, (0, ""))[1] == "parameter"]
            fix = None
            if not from_parameters:
                fix = Fix(
                    title="Set " + ", ".join(f"{k} {v}" for k, v in changes.items()),
                    args=(tid,),
                    impact="update",
                    impact_detail="health-check settings updated in place; targets stay registered",
                )
            yield self.finding(
                ("Resources", tid, "Properties"),
                f"Target group {tid} of ECS service {sid} health-checks with {shown}; the platform's "
                f"convention gives containers a {TIMEOUT} s timeout and {UNHEALTHY} failures before removal."
                + (
                    f" {', '.join(from_parameters)} come{'s' if len(from_parameters) == 1 else ''} from "
                    "parameters: change their values rather than the template."
                    if from_parameters
                    else ""
                ),
                fix,
            )

    def apply(self, doc: Document, tid: str) -> None:
        changes = plan(doc.data, cfn.resources(doc.data)[tid])
        if changes is None:
            raise EditError(f"{tid}'s health-check values cannot be read")
        for key, value in changes.items():
            set_property(doc, tid, key, value)
