"""MF0603: the blue-green target group is reachable through a header rule (spec 6.3)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document, EditError
from fixers.edits import add_resource, register_names
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.alb._common import (
    LISTENER,
    TARGET_GROUP,
    forwards_in_any_branch,
    mirror_name,
    mirror_rule,
    protocol,
    rules_of,
)

RULE = "ALBListenerRuleBlueGreen"
HEADER = "X-Deployment-Color"
VALUE = "green"

register_names(RULE, mirror_name(RULE, "HTTPS"), mirror_name(RULE, "HTTP"))


def serving_listeners(data: dict[str, Any]) -> dict[str, list[str]]:
    """Target group -> listeners whose default actions forward to it (either Fn::If branch)."""
    found: dict[str, list[str]] = {}
    for lid, res in cfn.of_type(data, LISTENER):
        for tg in forwards_in_any_branch(cfn.props(res).get("DefaultActions")):
            found.setdefault(tg, []).append(lid)
    return found


def orphans(data: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(unreferenced target group, a served target group of the same VPC, its listeners)."""
    serving = serving_listeners(data)
    groups = dict(cfn.of_type(data, TARGET_GROUP))
    outputs = cfn.section(data, "Outputs")
    out = []
    for tg_id, tg in groups.items():
        if cfn.referrers(data, tg_id) or tg_id in cfn.refs(outputs):
            continue
        props = cfn.props(tg)
        if props.get("TargetType") == "lambda" or props.get("Protocol") not in (
            None,
            "HTTP",
            "HTTPS",
        ):
            continue
        for blue, listeners in serving.items():
            if blue == tg_id or blue not in groups:
                continue
            if cfn.props(groups[blue]).get("VpcId") != props.get("VpcId"):
                continue
            out.append((tg_id, blue, listeners))
            break
    return out


def rule_definition(
    listener: str, priority: int, target_group: str, condition: str | None
) -> dict[str, Any]:
    rule: dict[str, Any] = {"Type": "AWS::ElasticLoadBalancingV2::ListenerRule"}
    if condition:
        rule["Condition"] = condition
    rule["Properties"] = {
        "ListenerArn": {"Ref": listener},
        "Priority": priority,
        "Conditions": [
            {
                "Field": "http-header",
                "HttpHeaderConfig": {"HttpHeaderName": HEADER, "Values": [VALUE]},
            }
        ],
        "Actions": [{"Type": "forward", "TargetGroupArn": {"Ref": target_group}}],
    }
    return rule


class BlueGreenListenerRule(Rule):
    code = "MF0603"
    spec = ("6.3",)
    title = "Blue-green target group is not reachable"
    area = "load balancer"
    kind = "convention"
    severity = "low"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        A second target group that no listener or rule forwards to receives no traffic: the
        new version cannot be tested behind the production load balancer before the switch,
        which is the point of blue-green. A header rule lets testers reach the green stack
        (`X-Deployment-Color: green`) while everybody else stays on blue.
    """
    bad = """
        ALBTargetGroupBlueGreen:          # nothing forwards here
          Type: AWS::ElasticLoadBalancingV2::TargetGroup
          Properties: {VpcId: !Ref VPC, Port: 8080, Protocol: HTTP, TargetType: ip}
    """
    good = """
        ALBListenerRuleBlueGreen:
          Type: AWS::ElasticLoadBalancingV2::ListenerRule
          Properties:
            ListenerArn: !Ref ALBListener
            Priority: 1
            Conditions:
              - Field: http-header
                HttpHeaderConfig: {HttpHeaderName: X-Deployment-Color, Values: [green]}
            Actions:
              - Type: forward
                TargetGroupArn: !Ref ALBTargetGroupBlueGreen
    """
    fix_safety = """
        Safe (update). The fix adds `ALBListenerRuleBlueGreen` on the listener that forwards to
        the other target group of the same VPC, at the lowest priority free on it, and a copy
        (`ALBListenerRuleBlueGreenHTTPS`) under the listener's condition for every further
        listener (such as a conditional HTTPS one) that serves the same target group. Only
        requests that carry the header change route; adding a listener rule does not interrupt
        the listener.
    """
    notes = """
        The rule is on every listener that serves the blue target group, so with a certificate
        the header works over HTTPS too (the HTTP listener's rules are evaluated before its
        redirect, as for any rule an HTTP listener has). A target group whose protocol is not
        HTTP(S), or that targets Lambda, is left alone.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        for tg_id, blue, listeners in orphans(doc.data):
            yield self.finding(
                ("Resources", tg_id),
                f"Target group {tg_id} is referenced by no listener or rule: only {blue} "
                f"(through {', '.join(listeners)}) receives traffic.",
                Fix(
                    title=f"Route requests with {HEADER}: {VALUE} to {tg_id}",
                    args=(tg_id,),
                    impact="update",
                    impact_detail="a new listener rule; only requests with the header change route",
                ),
            )

    def apply(self, doc: Document, tg_id: str) -> None:
        data = doc.data
        match = next((o for o in orphans(data) if o[0] == tg_id), None)
        if match is None:
            raise EditError(f"{tg_id} is referenced already")
        _, _, listeners = match
        resources = cfn.resources(data)
        tg_condition = cfn.condition_of(data, tg_id)
        unconditional = [x for x in listeners if cfn.condition_of(data, x) is None]
        primary = unconditional[0] if unconditional else listeners[0]
        primary_condition = cfn.condition_of(data, primary) or tg_condition
        if (
            cfn.condition_of(data, primary)
            and tg_condition
            and cfn.condition_of(data, primary) != tg_condition
        ):
            raise EditError(f"{primary} and {tg_id} are under different conditions")
        priority = self._free_priority(data, listeners)
        base = rule_definition(primary, priority, tg_id, primary_condition)
        self._add(doc, RULE, base)
        for other in listeners:
            if other == primary:
                continue
            cond = cfn.condition_of(data, other)
            if tg_condition and cond and cond != tg_condition:
                continue
            name = mirror_name(
                RULE,
                str(protocol(resources[other]))
                if protocol(resources[other]) in ("HTTP", "HTTPS")
                else other,
            )
            self._add(doc, name, mirror_rule(base, other, cond or tg_condition))

    @staticmethod
    def _add(doc: Document, name: str, definition: dict[str, Any]) -> None:
        current = doc.get(("Resources", name))
        if current is not None and current != definition:
            raise EditError(f"{name} exists with another definition")
        add_resource(doc, name, definition)

    @staticmethod
    def _free_priority(data: dict[str, Any], listeners: list[str]) -> int:
        used: set[int] = set()
        for listener in listeners:
            for _, rule in rules_of(data, listener):
                p = cfn.props(rule).get("Priority")
                if p is None:  # no priority: nothing to skip over (int(None) would fail too)
                    continue
                with contextlib.suppress(TypeError, ValueError):
                    used.add(int(p))
        priority = 1
        while priority in used:
            priority += 1
        return priority
