"""MF0602: an HTTPS listener under a certificate condition, and HTTP redirecting to it (spec 6.2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document, EditError
from fixers.edits import (
    add_condition,
    add_parameter,
    add_resource,
    register_name_pattern,
    register_names,
    set_property,
)
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.alb._common import (
    application_lbs,
    forward_targets,
    listeners_of,
    mirror_name,
    mirror_rule,
    protocol,
    rules_of,
)

PARAMETER = "CertificateArn"
CONDITION = "HasCertificate"
LISTENER = "ALBListenerHTTPS"
SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"

PARAMETER_DEFINITION: dict[str, Any] = {
    "Type": "String",
    "Default": "",
    "AllowedPattern": "^$|^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$",
    "ConstraintDescription": "Must be empty or the ARN of an ACM certificate.",
    "Description": "ARN of the ACM certificate for the HTTPS listener; empty serves HTTP only.",
}
REDIRECT = {
    "Type": "redirect",
    "RedirectConfig": {
        "Protocol": "HTTPS",
        "Port": "443",
        "Host": "#{host}",
        "Path": "/#{path}",
        "Query": "#{query}",
        "StatusCode": "HTTP_301",
    },
}

register_names(PARAMETER, CONDITION, LISTENER)
register_name_pattern(r"[A-Za-z0-9]+HTTPS[0-9]*")  # the HTTPS copies of the HTTP listener's rules


def certificate_condition(data: dict[str, Any]) -> tuple[str, str] | None:
    """An existing condition ``!Not [!Equals [!Ref <certificate parameter>, '']]``."""
    conditions = cfn.section(data, "Conditions")
    params = cfn.section(data, "Parameters")
    for name, body in conditions.items():
        if not (isinstance(body, dict) and list(body) == ["Fn::Not"]):
            continue
        inner = body["Fn::Not"]
        inner = inner[0] if isinstance(inner, list) and len(inner) == 1 else None
        if not (isinstance(inner, dict) and list(inner) == ["Fn::Equals"]):
            continue
        args = inner["Fn::Equals"]
        if not (isinstance(args, list) and len(args) == 2):
            continue
        for a, b in (args, args[::-1]):
            if isinstance(a, dict) and "Ref" in a and b == "":
                param = a["Ref"]
                if param in params and "cert" in param.lower():
                    return name, param
    return None


def ensure_certificate_condition(doc: Document) -> tuple[str, str]:
    found = certificate_condition(doc.data)
    if found:
        return found
    params = cfn.section(doc.data, "Parameters")
    if PARAMETER not in params:
        add_parameter(doc, PARAMETER, PARAMETER_DEFINITION)
    add_condition(doc, CONDITION, {"Fn::Not": [{"Fn::Equals": [{"Ref": PARAMETER}, ""]}]})
    return CONDITION, PARAMETER


def https_listener(data: dict[str, Any], lb_id: str) -> tuple[str, dict[str, Any]] | None:
    for lid, res in listeners_of(data, lb_id):
        if protocol(res) == "HTTPS":
            return lid, res
    return None


def http_listener(data: dict[str, Any], lb_id: str) -> tuple[str, dict[str, Any]] | None:
    http = [(lid, res) for lid, res in listeners_of(data, lb_id) if protocol(res) == "HTTP"]
    for lid, res in http:
        if cfn.props(res).get("Port") in (80, "80"):
            return lid, res
    return http[0] if http else None


def _describe_rule(rule_id: str, rule: dict[str, Any]) -> str:
    """A listener rule in words: its priority and what it matches."""
    p = cfn.props(rule)
    matches = []
    for cond in cfn.list_of(p.get("Conditions")):
        if not isinstance(cond, dict):
            continue
        field = cond.get("Field")
        values = cond.get("Values")
        for key, config in cond.items():
            if key.endswith("Config") and isinstance(config, dict):
                if isinstance(config.get("HttpHeaderName"), str):
                    field = f"{field} {config['HttpHeaderName']}"
                if values is None:
                    values = config.get("Values")
        if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
            matches.append(f"{field} {', '.join(values)}")
        elif isinstance(field, str):
            matches.append(field)
    priority = p.get("Priority")
    if priority is not None:
        matches.append(f"priority {priority}")
    return f"{rule_id} ({'; '.join(matches)})" if matches else rule_id


def arn_leaves_template(data: dict[str, Any], listener_id: str) -> list[str]:
    """Where the listener's ARN leaves the template, so that other stacks may attach rules to it:
    outputs (exported or read by a parent stack) and SSM parameters."""
    found = []
    for name, output in cfn.section(data, "Outputs").items():
        if isinstance(output, dict) and listener_id in cfn.refs(output.get("Value")):
            found.append(f"exported as output {name}" if "Export" in output else f"output {name}")
    for lid, res in cfn.of_type(data, "AWS::SSM::Parameter"):
        if listener_id in cfn.refs(cfn.props(res).get("Value")):
            found.append(f"stored in SSM parameter {lid}")
    return found


def rerouting(data: dict[str, Any], http_id: str, actions: Any) -> list[str]:
    """What the fix leaves on plain HTTP or sends elsewhere once a certificate is given, in
    words: the HTTP listener's rules, evaluated before its default action, keep forwarding over
    HTTP (they are not redirected); a rule under a condition of its own is not copied to the
    HTTPS listener, whose default action then serves its requests; and rules other stacks attach
    to an ARN that leaves the template are neither redirected nor copied. Empty when the HTTP
    listener has no rules and its ARN stays in the template."""
    out = []
    rules = rules_of(data, http_id)
    plain = [(rid, r) for rid, r in rules if "Condition" not in r]
    conditional = [(rid, r) for rid, r in rules if "Condition" in r]
    forwards = forward_targets(actions)
    targets = f"forward to {', '.join(forwards)}" if forwards else "as HTTP's default"
    if plain:
        out.append(
            f"requests matching {', '.join(_describe_rule(rid, r) for rid, r in plain)} keep "
            f"being served over plain HTTP by {http_id} (not redirected), and over HTTPS by "
            f"{'its copy' if len(plain) == 1 else 'their copies'} "
            f"{', '.join(mirror_name(rid, 'HTTPS') for rid, _ in plain)}"
        )
    if conditional:
        out.append(
            f"requests matching {', '.join(_describe_rule(rid, r) for rid, r in conditional)}, "
            f"under a condition of {'its' if len(conditional) == 1 else 'their'} own and not "
            f"copied, keep being served over HTTP by {http_id}, but over HTTPS go to the default "
            f"action ({targets}) instead"
        )
    for where in arn_leaves_template(data, http_id):
        out.append(
            f"{http_id}'s ARN is {where}: listener rules other stacks attach to it keep serving "
            f"HTTP, and their requests over HTTPS go to the default action ({targets})"
        )
    return out


class HTTPSListener(Rule):
    code = "MF0602"
    spec = ("6.2",)
    title = "Load balancer serves HTTP only"
    area = "load balancer"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "unsafe"
    deploy_impact = "update"
    why = """
        Card and account data crossing the internet in clear text on port 80 fails PCI DSS and
        every reasonable security review. The platform needs an HTTPS listener with a TLS 1.2+
        policy and HTTP redirected to it, while still deploying in environments that have no
        certificate yet.
    """
    bad = """
        ALBListener:
          Type: AWS::ElasticLoadBalancingV2::Listener
          Properties:
            LoadBalancerArn: !Ref ApplicationLoadBalancer
            Port: 80
            Protocol: HTTP
            DefaultActions:
              - Type: forward
                TargetGroupArn: !Ref ALBTargetGroup
    """
    good = """
        Parameters:
          CertificateArn: {Type: String, Default: ''}
        Conditions:
          HasCertificate: !Not [!Equals [!Ref CertificateArn, '']]
        Resources:
          ALBListener:
            Properties:
              DefaultActions: !If
                - HasCertificate
                - - Type: redirect
                    RedirectConfig: {Protocol: HTTPS, Port: '443', StatusCode: HTTP_301, ...}
                - - Type: forward
                    TargetGroupArn: !Ref ALBTargetGroup
          ALBListenerHTTPS:
            Type: AWS::ElasticLoadBalancingV2::Listener
            Condition: HasCertificate
            Properties:
              LoadBalancerArn: !Ref ApplicationLoadBalancer
              Port: 443
              Protocol: HTTPS
              SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06
              Certificates: [{CertificateArn: !Ref CertificateArn}]
              DefaultActions: [{Type: forward, TargetGroupArn: !Ref ALBTargetGroup}]
    """
    fix_safety = """
        The fix adds the `CertificateArn` parameter (default empty, an ACM certificate ARN
        pattern) and `HasCertificate` condition, reusing a template's own certificate parameter
        and condition when it has them; the `ALBListenerHTTPS` listener on 443 under that
        condition with the HTTP listener's default actions; a copy, under the same condition, of
        every listener rule of the HTTP listener (named `<rule>HTTPS`), so the HTTPS listener
        routes as HTTP did; and wraps the HTTP listener's default actions in
        `!If [HasCertificate, <redirect to HTTPS, 301>, <as before>]`. With the default empty
        certificate nothing changes on a deployed stack; once a certificate is given, HTTP
        requests that match no listener rule are redirected (listener updates are in place, no
        interruption).

        Safe (update) when the HTTP listener has no listener rules and its ARN stays in the
        template. Unsafe (update) otherwise, with what is left on HTTP or re-routed named rule by
        rule, because a listener evaluates its rules before its default action and only the
        default action redirects:

        - requests matching a rule of the HTTP listener keep being served over plain HTTP (not
          redirected); over HTTPS its copy serves them;
        - a rule under a condition of its own is not copied (the copy would need `Fn::And`):
          over HTTPS its requests go to the default action instead: re-routed;
        - when the HTTP listener's ARN leaves the template (an output, exported or read by a
          parent stack, or an SSM parameter), rules other stacks attach to it are neither
          redirected nor copied: over HTTP they keep serving plain HTTP, over HTTPS their
          requests go to the default action.

        Move those rules (or their stacks) to the HTTPS listener, or give them redirect actions,
        before giving the certificate.
    """
    notes = """
        TLS policy: `ELBSecurityPolicy-TLS13-1-2-2021-06` (TLS 1.3 and 1.2), as the spec asks.
        AWS's console default is now `ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09` (restricted
        TLS 1.2 ciphers, post-quantum key exchange); it is newer and its availability in every
        partition is unverified, so the fix keeps the widely available policy; switching later
        is an in-place listener update. CloudFormation cannot make a resource depend on a
        conditional one, so an ECS service that `DependsOn` the HTTP listener does not wait for
        the HTTPS listener; on a new stack with a certificate, give the service a dependency on
        it if its creation races the listener. Internal load balancers (`Scheme: internal`) are
        left alone: the gap is clear text across the internet; TLS inside the VPC is a separate
        decision (and needs a private certificate). Rule order: "Rules are evaluated in priority
        order, from the lowest value to the highest value. The default rule is evaluated last"
        (Elastic Load Balancing, Application Load Balancers guide, "Listener rules for your
        Application Load Balancer"): redirecting the default action leaves every rule's requests
        where they were.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lb_id, lb in application_lbs(data):
            if cfn.props(lb).get("Scheme") == "internal":
                continue  # not reachable from the internet: TLS inside the VPC is another decision
            listeners = listeners_of(data, lb_id)
            if not listeners or any(not isinstance(protocol(res), str) for _, res in listeners):
                continue
            if https_listener(data, lb_id):
                continue
            http = http_listener(data, lb_id)
            if http is None:
                continue
            http_id, http_res = http
            actions = cfn.props(http_res).get("DefaultActions")
            if not isinstance(actions, list) or any(
                isinstance(a, dict) and a.get("Type") == "redirect" for a in actions
            ):
                continue  # redirects already (the HTTPS side lives elsewhere) or not readable
            rerouted = rerouting(data, http_id, actions)
            message = f"Load balancer {lb_id} has no HTTPS listener: {http_id} serves plain HTTP."
            if rerouted:
                message += f" Once a certificate is given, {'; '.join(rerouted)}."
            yield self.finding(
                ("Resources", http_id, "Properties", "Protocol"),
                message,
                Fix(
                    title=f"Add an HTTPS listener ({SSL_POLICY}) under a certificate condition and redirect {http_id} to it",
                    args=(lb_id,),
                    impact="update",
                    impact_detail=(
                        "none while no certificate is given; once one is, requests that match no "
                        f"listener rule of {http_id} are redirected to HTTPS, and: "
                        + "; ".join(rerouted)
                        if rerouted
                        else "none while no certificate is given; then HTTP redirects to HTTPS (in-place listener update)"
                    ),
                    applicability="unsafe" if rerouted else "",
                ),
            )

    def apply(self, doc: Document, lb_id: str) -> None:
        http = http_listener(doc.data, lb_id)
        if http is None:
            raise EditError(f"{lb_id} has no HTTP listener any more")
        http_id, http_res = http
        actions = cfn.props(http_res).get("DefaultActions")
        if not isinstance(actions, list):
            raise EditError(f"{http_id}'s default actions are not a plain list")
        condition, parameter = ensure_certificate_condition(doc)
        listener = add_resource(
            doc,
            LISTENER if not doc.exists(("Resources", LISTENER)) else _free(doc, LISTENER),
            {
                "Type": "AWS::ElasticLoadBalancingV2::Listener",
                "Condition": condition,
                "Properties": {
                    "LoadBalancerArn": cfn.props(http_res)["LoadBalancerArn"],
                    "Port": 443,
                    "Protocol": "HTTPS",
                    "SslPolicy": SSL_POLICY,
                    "Certificates": [{"CertificateArn": {"Ref": parameter}}],
                    "DefaultActions": actions,
                },
            },
        )
        for rule_id, rule in rules_of(doc.data, http_id):
            if "Condition" in rule:
                continue  # a rule under a condition of its own: copying it needs Fn::And
            name = mirror_name(rule_id, "HTTPS")
            definition = mirror_rule(rule, listener, condition)
            if doc.get(("Resources", name)) not in (None, definition):
                raise EditError(f"{name} exists with another definition")
            add_resource(doc, name, definition)
        set_property(doc, http_id, "DefaultActions", {"Fn::If": [condition, [REDIRECT], actions]})


def _free(doc: Document, base: str) -> str:
    from fixers.edits import unique_id

    return unique_id(doc, base)
