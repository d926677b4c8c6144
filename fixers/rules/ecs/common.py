"""What the ECS rules ask of a template: services, their task definitions and containers, the
load-balanced container and its target group, the scalable targets of a service.

Everything is found by type and relationship (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``), never by
logical ID. Only literal container definitions are looked at: a container list built with
``Fn::If`` or coming from elsewhere is not guessed at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fixers import cfn

SERVICE = "AWS::ECS::Service"
TASK_DEFINITION = "AWS::ECS::TaskDefinition"
TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"
SCALABLE_TARGET = "AWS::ApplicationAutoScaling::ScalableTarget"
SCALING_POLICY = "AWS::ApplicationAutoScaling::ScalingPolicy"


@dataclass(frozen=True)
class Container:
    service: str  # the first service (template order) that runs the task definition
    task: str
    index: int
    definition: dict[str, Any]

    @property
    def name(self) -> Any:
        return self.definition.get("Name")

    @property
    def label(self) -> str:
        """The container's name for messages: its literal name, else its position."""
        name = self.name
        return name if isinstance(name, str) else f"#{self.index + 1}"

    @property
    def path(self) -> tuple[Any, ...]:
        return ("Resources", self.task, "Properties", "ContainerDefinitions", self.index)

    @property
    def essential(self) -> bool:
        return self.definition.get("Essential", True) not in (False, "false", "False")


def services(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return cfn.of_type(data, SERVICE)


def task_of(data: dict[str, Any], service: dict[str, Any]) -> str | None:
    """The task definition of the template that a service runs."""
    target = cfn.ref_target(cfn.props(service).get("TaskDefinition"))
    res = cfn.resources(data).get(target or "")
    return target if res is not None and res.get("Type") == TASK_DEFINITION else None


def served_tasks(data: dict[str, Any]) -> dict[str, str]:
    """Task definition -> the first service that runs it."""
    found: dict[str, str] = {}
    for sid, svc in services(data):
        task = task_of(data, svc)
        if task and task not in found:
            found[task] = sid
    return found


def is_windows(task: dict[str, Any]) -> bool:
    platform = cfn.props(task).get("RuntimePlatform")
    family = platform.get("OperatingSystemFamily") if isinstance(platform, dict) else None
    return isinstance(family, str) and family.upper().startswith("WINDOWS")


def containers(data: dict[str, Any], linux_only: bool = False) -> Iterator[Container]:
    """The literal container definitions of the task definitions an ECS service runs."""
    res = cfn.resources(data)
    for task, service in served_tasks(data).items():
        if linux_only and is_windows(res[task]):
            continue
        defs = cfn.props(res[task]).get("ContainerDefinitions")
        if not isinstance(defs, list):
            continue
        for i, d in enumerate(defs):
            if isinstance(d, dict):
                yield Container(service, task, i, d)


def load_balancers(service: dict[str, Any]) -> list[dict[str, Any]]:
    lbs = cfn.props(service).get("LoadBalancers")
    return [lb for lb in lbs if isinstance(lb, dict)] if isinstance(lbs, list) else []


def service_target_groups(data: dict[str, Any], service: dict[str, Any]) -> list[str]:
    res = cfn.resources(data)
    found = []
    for lb in load_balancers(service):
        tg = cfn.ref_target(lb.get("TargetGroupArn"))
        if tg and res.get(tg, {}).get("Type") == TARGET_GROUP and tg not in found:
            found.append(tg)
    return found


def balanced_entry(data: dict[str, Any], container: Container) -> dict[str, Any] | None:
    """The service's LoadBalancers entry that sends traffic to this container."""
    service = cfn.resources(data)[container.service]
    for lb in load_balancers(service):
        if lb.get("ContainerName") == container.name and container.name is not None:
            return lb
    return None


def scalable_targets_of(data: dict[str, Any], service_id: str) -> list[str]:
    """Scalable targets whose ResourceId names the service (``service/${Cluster}/${Svc.Name}``)."""
    found = []
    for tid, target in cfn.of_type(data, SCALABLE_TARGET):
        p = cfn.props(target)
        if p.get("ServiceNamespace") != "ecs":
            continue
        if service_id in cfn.refs(p.get("ResourceId")):
            found.append(tid)
    return found


def policies_of(data: dict[str, Any], target_id: str) -> list[tuple[str, dict[str, Any]]]:
    """Scaling policies attached to a scalable target (by ScalingTargetId, or by the same ResourceId)."""
    res = cfn.resources(data)
    target_rid = cfn.props(res[target_id]).get("ResourceId")
    found = []
    for pid, policy in cfn.of_type(data, SCALING_POLICY):
        p = cfn.props(policy)
        if cfn.ref_target(p.get("ScalingTargetId")) == target_id or (
            "ScalingTargetId" not in p
            and p.get("ResourceId") == target_rid
            and target_rid is not None
        ):
            found.append((pid, policy))
    return found


def literal_int(value: Any) -> int | None:
    """An integer written literally (``30`` or ``'30'``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def dependency_closure(data: dict[str, Any], logical_id: str) -> set[str]:
    """Every resource a resource waits for, through DependsOn and references, transitively."""
    res = cfn.resources(data)
    seen: set[str] = set()
    stack = [logical_id]
    while stack:
        current = res.get(stack.pop())
        if current is None:
            continue
        direct = set(cfn.depends_on(current)) | cfn.refs(
            {k: v for k, v in current.items() if k != "DependsOn"}
        )
        for name in direct:
            if name in res and name not in seen:
                seen.add(name)
                stack.append(name)
    return seen
