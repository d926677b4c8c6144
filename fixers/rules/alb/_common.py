"""What the load-balancer and monitoring rules ask of a template: application load balancers,
their listeners and rules, target groups, and resources made idempotently under a base name."""

from __future__ import annotations

from typing import Any

from fixers import cfn

LB = "AWS::ElasticLoadBalancingV2::LoadBalancer"
LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
LISTENER_RULE = "AWS::ElasticLoadBalancingV2::ListenerRule"
TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"


def application_lbs(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Load balancers of type application (the default when ``Type`` is absent)."""
    return [
        (lid, res)
        for lid, res in cfn.of_type(data, LB)
        if cfn.props(res).get("Type", "application") == "application"
    ]


def listeners_of(data: dict[str, Any], lb_id: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (lid, res)
        for lid, res in cfn.of_type(data, LISTENER)
        if cfn.ref_target(cfn.props(res).get("LoadBalancerArn")) == lb_id
    ]


def rules_of(data: dict[str, Any], listener_id: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (lid, res)
        for lid, res in cfn.of_type(data, LISTENER_RULE)
        if cfn.ref_target(cfn.props(res).get("ListenerArn")) == listener_id
    ]


def protocol(listener: dict[str, Any]) -> Any:
    return cfn.props(listener).get("Protocol")


def forward_targets(actions: Any) -> list[str]:
    """Target groups a list of listener actions forwards to (plain ``forward`` actions)."""
    found: list[str] = []
    for action in cfn.list_of(actions):
        if not isinstance(action, dict) or action.get("Type") != "forward":
            continue
        target = cfn.ref_target(action.get("TargetGroupArn"))
        if target:
            found.append(target)
        config = action.get("ForwardConfig")
        if isinstance(config, dict):
            for tg in cfn.list_of(config.get("TargetGroups")):
                if isinstance(tg, dict):
                    target = cfn.ref_target(tg.get("TargetGroupArn"))
                    if target:
                        found.append(target)
    return found


def attribute_entries(res: dict[str, Any]) -> list[dict[str, Any]] | None:
    """``LoadBalancerAttributes`` as a plain list, ``[]`` when absent, None when not readable."""
    attrs = cfn.props(res).get("LoadBalancerAttributes")
    if attrs is None:
        return []
    if not isinstance(attrs, list) or not all(isinstance(a, dict) for a in attrs):
        return None
    return attrs


def attribute(res: dict[str, Any], key: str) -> tuple[bool, Any]:
    """(present, value) of a load-balancer attribute."""
    for entry in attribute_entries(res) or []:
        if entry.get("Key") == key:
            return True, entry.get("Value")
    return False, None


def forwards_in_any_branch(actions: Any) -> list[str]:
    """Target groups forwarded to by listener actions, in either branch of an ``Fn::If``."""
    if isinstance(actions, dict) and list(actions) == ["Fn::If"]:
        args = actions["Fn::If"]
        found: list[str] = []
        if isinstance(args, list) and len(args) == 3:
            for branch in args[1:]:
                found += forwards_in_any_branch(branch)
        return found
    return forward_targets(actions)


def mirror_rule(rule: dict[str, Any], listener: str, condition: str | None) -> dict[str, Any]:
    """A listener rule's copy for another listener, under that listener's condition."""
    out: dict[str, Any] = {"Type": rule.get("Type")}
    if condition:
        out["Condition"] = condition
    for key, value in rule.items():
        if key in ("Type", "Condition"):
            continue
        if key == "Properties" and isinstance(value, dict):
            out[key] = {
                k: ({"Ref": listener} if k == "ListenerArn" else v) for k, v in value.items()
            }
        else:
            out[key] = value
    return out


def mirror_name(rule_id: str, protocol_name: str) -> str:
    return f"{rule_id}{protocol_name}"
