"""MF0604: the load balancer's ARN is an output, exported like the template's others (spec 6.4)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document, EditError
from fixers.edits import add_output, register_names
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.alb._common import LB

OUTPUT = "LoadBalancerArn"

register_names(OUTPUT)


def _outputs(data: dict[str, Any]) -> dict[str, Any]:
    out = data.get("Outputs")
    return out if isinstance(out, dict) else {}


def arn_output_of(data: dict[str, Any], lb_id: str) -> str | None:
    """An output whose value is the load balancer's ARN (``Ref`` of the load balancer)."""
    for name, out in _outputs(data).items():
        if not isinstance(out, dict):
            continue
        value = out.get("Value")
        if isinstance(value, dict) and value.get("Ref") == lb_id:
            return name
        if isinstance(value, dict) and "Fn::GetAtt" in value and cfn.ref_target(value) == lb_id:
            arg = value["Fn::GetAtt"]
            attr = arg[1] if isinstance(arg, list) and len(arg) > 1 else str(arg).split(".", 1)[-1]
            if attr == "LoadBalancerArn":
                return name
    return None


def export_like_others(data: dict[str, Any], name: str) -> dict[str, Any] | None:
    """``Export`` for a new output, following the pattern of the template's exported outputs.

    ``!Sub '<prefix>${OutputName}<suffix>'`` patterns (the output's own name in the export
    name) are followed; other exports get ``${AWS::StackName}-<name>``; no export when no other
    output exports.
    """
    exported = [
        (n, o["Export"])
        for n, o in _outputs(data).items()
        if isinstance(o, dict) and isinstance(o.get("Export"), dict)
    ]
    if not exported:
        return None
    for other, export in exported:
        value = export.get("Name")
        if (
            isinstance(value, dict)
            and isinstance(value.get("Fn::Sub"), str)
            and other in value["Fn::Sub"]
        ):
            template = value["Fn::Sub"]
            if template.count(other) == 1 and not re.search(
                r"\$\{[^}]*" + re.escape(other), template
            ):
                return {"Name": {"Fn::Sub": template.replace(other, name)}}
    return {"Name": {"Fn::Sub": "${AWS::StackName}-" + name}}


class LoadBalancerArnOutput(Rule):
    code = "MF0604"
    spec = ("6.4",)
    title = "Load balancer ARN is not an output"
    area = "load balancer"
    kind = "convention"
    severity = "low"
    fix_applicability = "safe"
    deploy_impact = "none"
    why = """
        Integration tests, alarms and other stacks need the load balancer's ARN; the DNS name
        alone does not identify it to the API. For an Application Load Balancer, so does a WAF
        web ACL association made elsewhere (AWS WAF does not attach to Network or Gateway Load
        Balancers). Exporting the ARN like the stack's other outputs lets them import it instead
        of looking it up by hand.
    """
    bad = """
        Outputs:
          LoadBalancerDNS:
            Value: !GetAtt ApplicationLoadBalancer.DNSName
            Export: {Name: !Sub '${AWS::StackName}-LoadBalancerDNS'}
    """
    good = """
        Outputs:
          LoadBalancerArn:
            Description: ARN of the application load balancer
            Value: !Ref ApplicationLoadBalancer
            Export: {Name: !Sub '${AWS::StackName}-LoadBalancerArn'}
    """
    notes = """
        Premise: the platform's convention that a stack outputs its load balancer's ARN
        (`convention`, severity low): nothing fails without it. The WAF rationale is given only
        for Application Load Balancers (`Type` absent or `application`); a Network or Gateway
        Load Balancer's message names only what applies to it.
    """
    fix_safety = """
        Safe (none). The fix adds the `LoadBalancerArn` output (`<LoadBalancer>Arn` for a
        second load balancer), under the load balancer's condition if it has one, with an
        export named after the pattern the template's exported outputs follow. Outputs change
        no resource.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lb_id, lb in cfn.of_type(data, LB):
            if arn_output_of(data, lb_id):
                continue
            lb_types = values.texts(data, cfn.props(lb).get("Type", "application"))
            users = (
                "WAF associations, alarms and other stacks"
                if lb_types and all(t == "application" for t in lb_types)
                else "alarms and other stacks"
            )
            yield self.finding(
                ("Resources", lb_id),
                f"No output gives load balancer {lb_id}'s ARN, which {users} name it by; "
                "the platform's convention outputs it.",
                Fix(
                    title=f"Add an output with {lb_id}'s ARN",
                    args=(lb_id,),
                    impact="none",
                    impact_detail="a new stack output; no resource changes",
                ),
            )

    def apply(self, doc: Document, lb_id: str) -> None:
        data = doc.data
        if arn_output_of(data, lb_id):
            return
        lbs = [lid for lid, _ in cfn.of_type(data, LB)]
        name = OUTPUT if lbs and lbs[0] == lb_id else f"{lb_id}Arn"
        if name in _outputs(data):
            raise EditError(f"output {name} exists with another value")
        lb_type = cfn.props(cfn.resources(data)[lb_id]).get("Type", "application")
        kind = lb_type if lb_type in ("application", "network", "gateway") else ""
        output: dict[str, Any] = {}
        condition = cfn.condition_of(data, lb_id)
        if condition:
            output["Condition"] = condition
        output["Description"] = f"ARN of the {kind + ' ' if kind else ''}load balancer".replace(
            "  ", " "
        )
        output["Value"] = {"Ref": lb_id}
        export = export_like_others(data, name)
        if export:
            output["Export"] = export
        add_output(doc, name, output)
