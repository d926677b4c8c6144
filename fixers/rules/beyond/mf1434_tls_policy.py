"""MF1434: an HTTPS or TLS listener accepts TLS 1.0 or 1.1 (an outdated security policy)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document, EditError
from fixers.edits import set_property
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.alb.mf0602_https_listener import SSL_POLICY

DEFAULT_POLICY = "ELBSecurityPolicy-2016-08"
_VERSIONED = re.compile(r"^ELBSecurityPolicy-(?:TLS13|TLS|FS)-1-(\d)-")


def minimum_tls(policy: Any) -> str | None:
    """The lowest TLS version an Elastic Load Balancing policy accepts (``1.0`` ... ``1.3``);
    None for a name that is not a predefined ``ELBSecurityPolicy-`` one. Predefined policies
    without a version in their name (``2016-08``, ``2015-05``, ``FS-2018-06``) accept TLS 1.0."""
    if not isinstance(policy, str) or not policy.startswith("ELBSecurityPolicy-"):
        return None
    m = _VERSIONED.match(policy)
    return f"1.{m.group(1)}" if m else "1.0"


class OutdatedTLSPolicy(Rule):
    code = "MF1434"
    spec = ()
    title = "Listener accepts TLS 1.0 or 1.1 (outdated security policy)"
    area = "load balancer"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "unsafe"
    deploy_impact = "update"
    why = f"""
        TLS 1.0 and 1.1 are deprecated (RFC 8996): their cipher suites and handshakes have known
        weaknesses, and PCI DSS does not allow "early TLS" for cardholder data. An HTTPS or TLS
        listener's `SslPolicy` decides the versions it accepts; without one, CloudFormation
        gives `{DEFAULT_POLICY}`, which accepts TLS 1.0. AWS Security Hub ELB.17 asks for a
        recommended TLS 1.2+ policy; the one MF0602 gives new listeners, `{SSL_POLICY}`
        (TLS 1.3 and 1.2), is the reference here.
    """
    bad = """
        HTTPSListener:
          Type: AWS::ElasticLoadBalancingV2::Listener
          Properties:
            Protocol: HTTPS
            Port: 443
            SslPolicy: ELBSecurityPolicy-2016-08
    """
    good = f"""
        HTTPSListener:
          Type: AWS::ElasticLoadBalancingV2::Listener
          Properties:
            Protocol: HTTPS
            Port: 443
            SslPolicy: {SSL_POLICY}
    """
    fix_safety = """
        Unsafe (update). The listener's policy changes in place (no interruption), and from then
        on clients that speak only TLS 1.0 or 1.1 (old Android and Windows versions, old Java
        and OpenSSL builds, some payment terminals) fail the handshake. Check the load
        balancer's client TLS versions first (the access logs' `ssl_protocol` field).
    """
    notes = """
        Premise: an `HTTPS` (Application) or `TLS` (Network Load Balancer) listener whose policy,
        in some case the template allows (a literal, a parameter's default, an `Fn::If` branch,
        or the default when absent), accepts TLS below 1.2. Internet-facing listeners are
        medium severity (Security Hub ELB.17 is medium; a listener without TLS at all, MF0602,
        is medium too and is worse), internal ones low. A policy from a parameter is reported
        without a fix (the deployer chooses it). Classic Load Balancers and CloudFront viewer
        policies are not read.
        The newer `ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09` is also fine: every TLS 1.2+
        predefined policy is accepted.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        lbs = cfn.resources(data)
        for lid, res in cfn.of_type(data, "AWS::ElasticLoadBalancingV2::Listener"):
            p = cfn.props(res)
            if not any(t in ("HTTPS", "TLS") for t in values.texts(data, p.get("Protocol"))):
                continue
            policy = p.get("SslPolicy")
            weak: list[str] = []
            for o in values.options(data, policy, defaults_only=True) if policy is not None else []:
                if o.absent:
                    weak.append(f"no policy {values.when_text(o.when)}: {DEFAULT_POLICY}, TLS 1.0")
                    continue
                version = minimum_tls(o.value) if o.known else None
                if version in ("1.0", "1.1"):
                    source = "" if o.source == "literal" else f" ({o.source})"
                    cond = f" {values.when_text(o.when)}" if o.when else ""
                    weak.append(f"{o.value}{source}{cond}: TLS {version}")
            if policy is None:
                weak.append(f"no SslPolicy: CloudFormation gives {DEFAULT_POLICY}, TLS 1.0")
            if not weak:
                continue
            lb = cfn.ref_target(p.get("LoadBalancerArn"))
            scheme = values.literal(data, cfn.props(lbs.get(lb or "", {})).get("Scheme"))
            internal = scheme == "internal"
            fixable = policy is None or isinstance(policy, str)
            yield self.finding(
                ("Resources", lid, "Properties", "SslPolicy" if policy is not None else "Protocol"),
                f"Listener {lid} accepts outdated TLS ({'; '.join(weak)}).",
                Fix(
                    f"Use {SSL_POLICY} on {lid}",
                    action="modern",
                    args=(lid,),
                    impact="update",
                    impact_detail=(
                        "the listener changes in place; clients limited to TLS 1.0/1.1 fail the handshake"
                    ),
                    applicability="unsafe",
                )
                if fixable
                else None,
                severity="low" if internal else None,
            )

    @staticmethod
    def modern(doc: Document, lid: str) -> None:
        if not doc.exists(("Resources", lid)):
            raise EditError(f"{lid} is gone")
        set_property(doc, lid, "SslPolicy", SSL_POLICY)
