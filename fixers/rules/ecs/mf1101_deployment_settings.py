"""MF1101: the service's health-check grace period and minimum healthy percent (spec 11.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common

GRACE = 180
MIN_HEALTHY = 50


def rolling(service: dict[str, Any]) -> bool:
    """A replica service deployed by ECS itself (not CodeDeploy, not external, not daemon)."""
    p = cfn.props(service)
    controller = p.get("DeploymentController")
    kind = controller.get("Type", "ECS") if isinstance(controller, dict) else "ECS"
    return kind == "ECS" and p.get("SchedulingStrategy", "REPLICA") == "REPLICA"


class DeploymentSettings(Rule):
    code = "MF1101"
    spec = ("11.1",)
    title = "ECS service deployment settings: grace period too short, minimum healthy too high"
    area = "ecs"
    severity = "medium"
    fix_applicability = "unsafe"
    deploy_impact = "update"
    why = """
        A 60-second health-check grace period is shorter than the processor's start-up (image
        pull, secrets, database pool, warm-up): the load balancer's first failed checks count
        against new tasks, which ECS then kills and replaces in a loop. The spec gives 180 s.
        It also asks for `MinimumHealthyPercent: 50` instead of 100, "to allow rolling updates".
    """
    bad = """
        ECSService:
          Type: AWS::ECS::Service
          Properties:
            HealthCheckGracePeriodSeconds: 60
            DeploymentConfiguration:
              MinimumHealthyPercent: 100
              MaximumPercent: 200
    """
    good = """
        ECSService:
          Type: AWS::ECS::Service
          Properties:
            HealthCheckGracePeriodSeconds: 180
            DeploymentConfiguration:
              MinimumHealthyPercent: 50
              MaximumPercent: 200
    """
    fix_safety = """
        Grace period: safe (update, applied in place to the service; nothing restarts).
        Minimum healthy percent: unsafe (update). In place too, but on the next deployment ECS
        may stop up to half of the running tasks before their replacements are healthy: the
        service runs on reduced capacity during every deployment. Accept that only if the
        remaining tasks carry the load (or keep 100 with `MaximumPercent` 200).
    """
    notes = """
        The spec's claim weighed against `MaximumPercent`: with `MinimumHealthyPercent: 100` and
        `MaximumPercent: 200` (the sample, and ECS's defaults) rolling updates do work without
        downtime: ECS starts the new tasks first, up to twice the desired count, and stops old
        ones only as new ones become healthy. 100 blocks a deployment only when `MaximumPercent`
        leaves no room above it (100/100), or where the surge cannot be placed (EC2 capacity,
        account task quotas). What 50 buys is faster deployments and progress when no surge is
        possible; what it costs is capacity during deployments. The rule reports it as the spec
        asks, with the stronger wording where `MaximumPercent` leaves no room, and its fix is
        unsafe. The grace period is checked only where the service has load balancers (AWS
        rejects it otherwise); minimum healthy only on replica services that ECS deploys.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for sid, svc in common.services(data):
            p = cfn.props(svc)
            if common.load_balancers(svc):
                grace = p.get("HealthCheckGracePeriodSeconds")
                value = 0 if grace is None else common.literal_int(grace)
                if value is not None and value < GRACE:
                    yield self.finding(
                        ("Resources", sid, "Properties", "HealthCheckGracePeriodSeconds"),
                        f"ECS service {sid} gives new tasks {value} s before load balancer health checks count"
                        + (" (not set)" if grace is None else "")
                        + f"; container start-up needs {GRACE} s.",
                        Fix(
                            title=f"Set HealthCheckGracePeriodSeconds to {GRACE}",
                            action="set_property",
                            args=(sid, "HealthCheckGracePeriodSeconds", GRACE),
                            impact="update",
                            impact_detail="service updated in place; running tasks untouched",
                        ),
                    )
            if not rolling(svc):
                continue
            conf = p.get("DeploymentConfiguration", {})
            if not isinstance(conf, dict):
                continue
            raw_min, raw_max = conf.get("MinimumHealthyPercent"), conf.get("MaximumPercent")
            low = 100 if raw_min is None else common.literal_int(raw_min)
            high = 200 if raw_max is None else common.literal_int(raw_max)
            if low is None or low <= MIN_HEALTHY:
                continue
            if high is not None and high <= low:
                detail = f"with MaximumPercent {high}, ECS cannot start a replacement before stopping a task: deployments stall"
            else:
                detail = (
                    f"with MaximumPercent {high if high is not None else raw_max}, rolling updates work, but each waits for the "
                    "full surge; the spec asks for 50"
                )
            path = ("Resources", sid, "Properties", "DeploymentConfiguration")
            yield self.finding(
                path + ("MinimumHealthyPercent",),
                f"ECS service {sid} keeps MinimumHealthyPercent {low}{' (default)' if raw_min is None else ''}: {detail}.",
                Fix(
                    title=f"Set MinimumHealthyPercent to {MIN_HEALTHY}",
                    action="set_property",
                    args=(sid, ("DeploymentConfiguration", "MinimumHealthyPercent"), MIN_HEALTHY),
                    impact="update",
                    impact_detail="in place; later deployments may stop half the running tasks before replacements are healthy",
                    applicability="unsafe",
                ),
            )
