"""What the ECS rules ask of a template: services, their task definitions and containers, the
load-balanced container and its target group, the scalable targets of a service.

Everything is found by type and relationship (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``), never by
logical ID, and values are read through ``fixers.values``: a container list or container built
with ``Fn::If`` gives each branch, a name from a parameter is read as its default.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fixers import cfn, values

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
    path: tuple[Any, ...]
    """Where the definition is written: inside its ``Fn::If`` branch when it has one."""
    label: str
    """The container's name for messages: its literal name, a parameter's default, else its
    position."""

    @property
    def name(self) -> Any:
        return self.definition.get("Name")


def _label(data: dict[str, Any], name: Any, index: int) -> str:
    if isinstance(name, str):
        return name
    found = values.literal(data, name)
    param = cfn.ref_target(name) if isinstance(name, dict) and "Ref" in name else None
    if isinstance(found, str) and found:
        return f"{found} (parameter {param})" if param else found
    return f"{param} (parameter)" if param else f"#{index + 1}"


def essential(data: dict[str, Any], container: Container) -> bool:
    """Whether ECS stops the task when the container stops: ``Essential`` is true by default,
    and counts as true unless every value it can take is false."""
    if "Essential" not in container.definition:
        return True
    found = values.options(data, container.definition["Essential"])
    return not all(values.as_bool(o.value) is False for o in found)


def number(data: dict[str, Any], expr: Any) -> int | None:
    """The one integer ``expr`` has wherever the template deploys as written (a literal, a
    parameter's default, a mapping entry every key agrees on), else None."""
    return values.as_int(values.literal(data, expr))


def written_number(expr: Any) -> int | None:
    """An integer the template writes itself (``30`` or ``'30'``), not one it takes from a
    parameter, mapping or condition, else None."""
    return None if isinstance(expr, (dict, list)) else values.as_int(expr)


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
    """The container definitions of the task definitions an ECS service runs, each branch of an
    ``Fn::If`` (around the list or an item) as a container of its own."""
    res = cfn.resources(data)
    for task, service in served_tasks(data).items():
        if linux_only and is_windows(res[task]):
            continue
        base = ("Resources", task, "Properties", "ContainerDefinitions")
        written = cfn.props(res[task]).get("ContainerDefinitions")
        for list_path, defs, when in values.branches(written, frozenset(), data):
            if not isinstance(defs, list):
                continue
            for i, item in enumerate(defs):
                for item_path, d, _ in values.branches(item, when, data):
                    if isinstance(d, dict):
                        yield Container(
                            service,
                            task,
                            i,
                            d,
                            (*base, *list_path, i, *item_path),
                            _label(data, d.get("Name"), i),
                        )


def load_balancers(data: dict[str, Any], service: dict[str, Any]) -> list[dict[str, Any]]:
    """The service's ``LoadBalancers`` entries, those of every ``Fn::If`` branch included."""
    found: list[dict[str, Any]] = []
    for _, lbs, when in values.branches(cfn.props(service).get("LoadBalancers"), frozenset(), data):
        for lb in lbs if isinstance(lbs, list) else []:
            found.extend(e for _, e, _ in values.branches(lb, when, data) if isinstance(e, dict))
    return found


def service_target_groups(data: dict[str, Any], service: dict[str, Any]) -> list[str]:
    res = cfn.resources(data)
    found = []
    for lb in load_balancers(data, service):
        for _, arn, _ in values.branches(lb.get("TargetGroupArn"), frozenset(), data):
            tg = cfn.ref_target(arn)
            if tg and res.get(tg, {}).get("Type") == TARGET_GROUP and tg not in found:
                found.append(tg)
    return found


def _names(data: dict[str, Any], expr: Any) -> set[str]:
    return set(values.texts(data, expr))


def balanced_entry(data: dict[str, Any], container: Container) -> dict[str, Any] | None:
    """The service's LoadBalancers entry that sends traffic to this container: its
    ``ContainerName`` is the container's name, written the same way or taking the same value
    (an ``Fn::If`` of names counts for each of them)."""
    service = cfn.resources(data)[container.service]
    name = container.name
    if name is None:
        return None
    own = _names(data, name)
    for lb in load_balancers(data, service):
        target = lb.get("ContainerName")
        if target == name or (own and own & _names(data, target)):
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
