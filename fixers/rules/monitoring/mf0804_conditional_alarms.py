"""MF0804: alarms on the ECS service exist only when the service does (spec 8.4)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document, EditError
from fixers.ecs_deploy import service_condition
from fixers.edits import set_resource_attribute
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common
from fixers.rules.ecs.mf0503_deploy_ecs_service import DeployECSService, dependents

ALARM = "AWS::CloudWatch::Alarm"


def alarms_on(data: dict[str, Any], service_id: str) -> list[str]:
    """Alarms that watch the service: they refer to it, or to a target group only it registers in."""
    resources = cfn.resources(data)
    service = resources[service_id]
    groups = set(common.service_target_groups(data, service))
    for other_id, other in common.services(data):
        if other_id != service_id:
            groups -= set(common.service_target_groups(data, other))
    found = []
    for lid, alarm in cfn.of_type(data, ALARM):
        refs = cfn.refs(cfn.props(alarm))
        if service_id in refs or refs & groups:
            found.append(lid)
    return found


def covered(data: dict[str, Any], alarm_condition: str | None, service_cond: str) -> bool:
    """Whether an alarm's condition implies the service's."""
    if alarm_condition == service_cond:
        return True
    conditions = cfn.section(data, "Conditions")
    body = conditions.get(alarm_condition) if alarm_condition else None
    return (
        isinstance(body, dict)
        and list(body) == ["Fn::And"]
        and {"Condition": service_cond} in (body["Fn::And"] or [])
    )


class ConditionalServiceAlarms(Rule):
    code = "MF0804"
    spec = ("8.4",)
    title = "Alarms on the ECS service outlive its deploy condition"
    area = "monitoring"
    kind = "defect"
    severity = "medium"
    fix_applicability = "unsafe"
    deploy_impact = "unknown"
    why = """
        When the service is deployed only under a condition (`DeployECSService`, spec 5.3), an
        alarm that names the service (`!GetAtt ECSService.Name`) breaks the stack whenever the
        condition is false, and an alarm on the service's target group watches nothing and
        alerts on-call for a service that is not there. The alarms must follow the service.
    """
    bad = """
        ECSService:
          Type: AWS::ECS::Service
          Condition: ShouldDeployECS
        HighCPUAlarm:
          Type: AWS::CloudWatch::Alarm          # no condition
          Properties:
            Dimensions:
              - Name: ServiceName
                Value: !GetAtt ECSService.Name
    """
    good = """
        HighCPUAlarm:
          Type: AWS::CloudWatch::Alarm
          Condition: ShouldDeployECS
        RollbackAlarm:                          # 5XX of the service's target group
          Type: AWS::CloudWatch::Alarm
          Condition: ShouldDeployECS
    """
    fix_safety = """
        Unsafe (deletion). The alarms that watch the service (they refer to it, or to a target
        group only this service registers in) and what refers to them get the service's
        condition (combined with `Fn::And` when they have one of their own); wherever the
        service exists the condition is true and nothing changes, but where it is false a
        deployed alarm (which watches no service there) is deleted: a resource put under a
        condition is a deletion wherever the condition does not hold.
    """
    notes = """
        Premise: the service is conditional and an alarm on it is not (or under another
        condition). An alarm that refers to the service itself then breaks the stack wherever
        the condition is false: kind `defect`, medium. An alarm on the service's target group
        only watches an empty target group there: kind `convention`, low. The spec names the CPU
        alarm and the rollback alarm: the rollback alarm watches the service's target group
        (5XX of its tasks), not the service by name, so target-group alarms count when no other
        service registers in that group.

        No longer reported: alarms of a service that is itself unconditional (nothing outlives
        anything; the old finding repeated MF0503). Where the stack gets its own image
        repository, MF0501's fix gates the service and its alarms together (spec 5.3 and 8.4).
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for sid, _ in common.services(data):
            cond = service_condition(doc, sid)
            if cond is None:
                continue  # nothing to outlive: MF0501's fix gates the service and its alarms
            for alarm in alarms_on(data, sid):
                alarm_cond = cfn.condition_of(data, alarm)
                if covered(data, alarm_cond, cond):
                    continue
                direct = sid in cfn.refs(cfn.props(cfn.resources(data)[alarm]))
                state = f"has {alarm_cond}" if alarm_cond else "has no condition"
                if direct:
                    message = (
                        f"Alarm {alarm} refers to ECS service {sid}, which exists only under {cond}, "
                        f"but the alarm {state}: where {cond} is false the stack cannot be created or "
                        "updated (the reference does not resolve)."
                    )
                    kind, severity = "defect", "medium"
                else:
                    message = (
                        f"Alarm {alarm} watches the target group of ECS service {sid}, which exists only "
                        f"under {cond}, but the alarm {state}: where {cond} is false it watches a target "
                        "group no task registers in."
                    )
                    kind, severity = "convention", "low"
                yield self.finding(
                    ("Resources", alarm),
                    message,
                    Fix(
                        title=f"Put {alarm} under {cond}",
                        args=(sid,),
                        impact="deletion",
                        impact_detail=(
                            f"where {cond} is false the deployed alarm is deleted (it watches no service there); "
                            f"wherever {sid} exists nothing changes"
                        ),
                    ),
                    kind=kind,
                    severity=severity,
                )

    def apply(self, doc: Document, service_id: str) -> None:
        if service_condition(doc, service_id) is None:
            raise EditError(f"{service_id} has no condition to follow")
        gate(doc, service_id)


def gate(doc: Document, service_id: str) -> None:
    """Put the service under its deploy condition (MF0503's, made when it has none) and the
    alarms that watch it, with what refers to them, under the same condition; idempotent."""
    if service_id not in cfn.resources(doc.data):
        raise EditError(f"{service_id} is gone")
    if service_condition(doc, service_id) is None:
        DeployECSService().apply(doc, service_id)
    cond = service_condition(doc, service_id)
    if cond is None:
        raise EditError(f"{service_id} has no condition to follow")
    for alarm in alarms_on(doc.data, service_id):
        current = cfn.condition_of(doc.data, alarm)
        if covered(doc.data, current, cond):
            continue
        set_resource_attribute(doc, alarm, "Condition", DeployECSService._under(doc, current, cond))
        deps, outs = dependents(doc.data, alarm)
        for lid in deps:
            set_resource_attribute(
                doc,
                lid,
                "Condition",
                DeployECSService._under(doc, cfn.condition_of(doc.data, lid), cond),
            )
        for name in outs:
            other = doc.get(("Outputs", name, "Condition"))
            wanted = DeployECSService._under(doc, other if isinstance(other, str) else None, cond)
            if other is None:
                DeployECSService._output_condition(doc, name, wanted)
            elif other != wanted:
                doc.set(("Outputs", name, "Condition"), wanted)
