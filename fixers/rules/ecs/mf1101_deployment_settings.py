"""MF1101: the service's health-check grace period and minimum healthy percent (spec 11.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common

GRACE = 180
MAX_PERCENT = 200


def rolling(data: dict[str, Any], service: dict[str, Any]) -> bool:
    """A replica service deployed by ECS itself (not CodeDeploy, not external, not daemon)."""
    p = cfn.props(service)
    controller = p.get("DeploymentController")
    kind = controller.get("Type", "ECS") if isinstance(controller, dict) else "ECS"
    return values.literal(data, kind) == "ECS" and (
        values.literal(data, p.get("SchedulingStrategy", "REPLICA")) == "REPLICA"
    )


def blocks(low: int, high: int, count: int) -> bool:
    """Whether a rolling deployment of ``count`` tasks can neither start a task (the maximum,
    rounded down, leaves no room above the count) nor stop one (the minimum, rounded up, keeps
    every task), so it never progresses."""
    if count <= 0:
        return False
    can_start = count * high // 100 > count
    can_stop = -(-count * low // 100) < count
    return not can_start and not can_stop


def start_period(data: dict[str, Any], service: dict[str, Any]) -> tuple[int, str] | None:
    """The longest start-up time the template shows for the service's containers: a container
    health check's ``StartPeriod``, with the container's name."""
    task = common.task_of(data, service)
    longest: tuple[int, str] | None = None
    for c in common.containers(data):
        if c.task != task:
            continue
        check = c.definition.get("HealthCheck")
        period = common.number(data, check.get("StartPeriod")) if isinstance(check, dict) else None
        if period is not None and (longest is None or period > longest[0]):
            longest = (period, c.label)
    return longest


class DeploymentSettings(Rule):
    code = "MF1101"
    spec = ("11.1",)
    title = "ECS service deployment settings: grace period below the convention, or a deployment that cannot progress"
    area = "ecs"
    kind = "convention"
    severity = "low"
    fix_applicability = "unsafe"
    deploy_impact = "update"
    why = """
        The grace period: ECS ignores load balancer health checks of a new task for
        `HealthCheckGracePeriodSeconds` (default 0). A task that starts slower than that (image
        pull, secrets, database pool, warm-up) fails its first checks and is replaced, in a loop.
        The platform's convention is 180 s; where a container's health check shows a longer
        `StartPeriod`, the grace period is shorter than the start-up the template itself allows.

        The deployment pair: a rolling deployment needs room to start a new task
        (`MaximumPercent` above 100 % of the desired count, rounded down) or to stop an old one
        (`MinimumHealthyPercent` below it, rounded up). A pair that allows neither, such as
        100/100, never progresses: the deployment stalls and the stack update with it.
    """
    bad = """
        ECSService:
          Type: AWS::ECS::Service
          Properties:
            DesiredCount: 2
            HealthCheckGracePeriodSeconds: 60
            DeploymentConfiguration:
              MinimumHealthyPercent: 100
              MaximumPercent: 100
    """
    good = """
        ECSService:
          Type: AWS::ECS::Service
          Properties:
            DesiredCount: 2
            HealthCheckGracePeriodSeconds: 180
            DeploymentConfiguration:
              MinimumHealthyPercent: 100
              MaximumPercent: 200
    """
    fix_safety = """
        Grace period: safe (update, applied in place to the service; nothing restarts).
        A blocking pair: unsafe (update). The fix sets `MaximumPercent` to 200, ECS's default:
        deployments start new tasks before stopping old ones, which needs room for the surge
        (EC2 capacity, static host ports, account task quotas).
    """
    notes = """
        Premises. Grace period: the service has load balancers (AWS rejects the setting
        otherwise) and its grace period is below the platform's convention of 180 s: kind
        `convention`, severity low, and the message names 180 s as the convention. Where a
        container's health check shows a longer `StartPeriod`, that start-up time is the
        template's own and the finding says so (kind `hardening`, severity low: the real start-up
        time is not in the template). Deployment pair: a replica service that ECS deploys
        (not CodeDeploy, external or daemon) whose pair leaves no room for the desired count
        (`DesiredCount`, default 1; a count from a parameter is read as its default): kind
        `defect`, severity medium.

        The spec says `MinimumHealthyPercent: 100` "prevents zero-downtime deployments" and
        asks for 50. That is wrong (aws-notes 2026-12-04): 100 with `MaximumPercent` 200, ECS's
        defaults, is ECS's zero-downtime rolling update; 75/200 works the same way. What 50
        buys is faster deployments at the cost of capacity during them: a valid choice, not a
        gap. No longer reported: `MinimumHealthyPercent` above 50 with room for a surge (100/200,
        75/200, ...); the grace period as "what container start-up needs" (a number the template
        did not show).
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for sid, svc in common.services(data):
            yield from self._grace(data, sid, svc)
            yield from self._pair(data, sid, svc)

    def _grace(self, data: dict[str, Any], sid: str, svc: dict[str, Any]) -> Iterator[Finding]:
        if not common.load_balancers(data, svc):
            return
        grace = cfn.props(svc).get("HealthCheckGracePeriodSeconds")
        value = 0 if grace is None else common.number(data, grace)
        shown = start_period(data, svc)
        wanted = max(GRACE, shown[0]) if shown else GRACE
        if value is None or value >= wanted:
            return
        now = f"{value} s" + (" (not set)" if grace is None else "")
        if shown and shown[0] > value:
            message = (
                f"ECS service {sid} gives new tasks {now} before load balancer health checks count, "
                f"less than the {shown[0]} s StartPeriod of container {shown[1]}'s health check"
                + ("." if wanted == shown[0] else f"; the platform's convention is {GRACE} s.")
            )
            kind = "hardening"
        else:
            message = (
                f"ECS service {sid} gives new tasks {now} before load balancer health checks count; "
                f"the platform's convention is {GRACE} s"
                + (
                    f" (the template shows a start-up time of {shown[0]} s, container {shown[1]}'s StartPeriod)."
                    if shown
                    else " (the template shows no start-up time)."
                )
            )
            kind = "convention"
        fixable = grace is None or common.written_number(grace) is not None
        yield self.finding(
            ("Resources", sid, "Properties", "HealthCheckGracePeriodSeconds"),
            message + ("" if fixable else " The value comes from a parameter: change it there."),
            Fix(
                title=f"Set HealthCheckGracePeriodSeconds to {wanted}",
                action="set_property",
                args=(sid, "HealthCheckGracePeriodSeconds", wanted),
                impact="update",
                impact_detail="service updated in place; running tasks untouched",
            )
            if fixable
            else None,
            kind=kind,
        )

    def _pair(self, data: dict[str, Any], sid: str, svc: dict[str, Any]) -> Iterator[Finding]:
        if not rolling(data, svc):
            return
        p = cfn.props(svc)
        conf = p.get("DeploymentConfiguration", {})
        if not isinstance(conf, dict):
            return
        raw_min, raw_max = conf.get("MinimumHealthyPercent"), conf.get("MaximumPercent")
        low = 100 if raw_min is None else common.number(data, raw_min)
        high = 200 if raw_max is None else common.number(data, raw_max)
        raw_count = p.get("DesiredCount")
        count = 1 if raw_count is None else common.number(data, raw_count)
        if low is None or high is None or count is None or not blocks(low, high, count):
            return
        counted = f"{count} task{'s' if count != 1 else ''}" + (
            " (default)" if raw_count is None else ""
        )
        path = ("Resources", sid, "Properties", "DeploymentConfiguration")
        fixable = raw_max is None or common.written_number(raw_max) is not None
        yield self.finding(
            path + ("MaximumPercent",) if raw_max is not None else path,
            f"ECS service {sid} deploys {counted} with MinimumHealthyPercent {low} and MaximumPercent "
            f"{high}: ECS can neither start a new task before stopping one nor stop one first, so "
            "a deployment never progresses.",
            Fix(
                title=f"Set MaximumPercent to {MAX_PERCENT}",
                action="set_property",
                args=(sid, ("DeploymentConfiguration", "MaximumPercent"), MAX_PERCENT),
                impact="update",
                impact_detail="in place; deployments then start new tasks before stopping old ones, "
                "which needs room for the surge",
                applicability="unsafe",
            )
            if fixable
            else None,
            kind="defect",
            severity="medium",
        )
