"""MF1431: a security group admits the whole internet on SSH, RDP, a database port or every port."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document, EditError
from fixers.edits import add_parameter, register_names, set_value
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.database.common import default_port, engines

ADMIN_PORTS = {22: "SSH", 3389: "RDP"}
DATABASE_PORTS = {
    1433: "SQL Server",
    1521: "Oracle",
    3306: "MySQL",
    5432: "PostgreSQL",
    5439: "Redshift",
    6379: "Redis",
    8182: "Neptune",
    9042: "Cassandra",
    9200: "OpenSearch",
    11211: "Memcached",
    27017: "MongoDB",
}
IPV4_PATTERN = r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/([89]|[12]\d|3[0-2])$"
IPV6_PATTERN = r"^[0-9a-fA-F:]+/([89]|[1-9]\d|1[01]\d|12[0-8])$"
LABELS = ("SSH", "RDP", "Database", "AllTraffic")
register_names(*[f"{label}IngressCidr{v6}" for label in LABELS for v6 in ("", "Ipv6")])
MEMBER_KEYS = ("SecurityGroups", "SecurityGroupIds", "VPCSecurityGroups", "VpcSecurityGroupIds")
SOURCE_TYPES = (
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
)


def _protocol(data: dict[str, Any], rule: dict[str, Any]) -> str | None:
    value = values.literal(data, rule.get("IpProtocol"))
    if value is None:
        return None
    text = str(value).lower()
    return "all" if text in ("-1", "all") else "tcp" if text in ("tcp", "6") else text


def database_ports(data: dict[str, Any], group: str) -> dict[int, str]:
    """The ports of the template's databases that are members of ``group``."""
    out: dict[int, str] = {}
    for lid, res in cfn.of_type(
        data, "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::Redshift::Cluster"
    ):
        p = cfn.props(res)
        members = p.get("VPCSecurityGroups") or p.get("VpcSecurityGroupIds")
        if group not in cfn.refs(members):
            continue
        port = values.as_int(values.literal(data, p.get("Port")))
        if port is None:
            port = next((q for e in engines(data, res) if (q := default_port(e)) is not None), None)
        if port is not None:
            out[port] = f"{lid}'s port"
    return out


def members(data: dict[str, Any], group: str) -> list[tuple[str, str]]:
    """The resources that put their network interfaces in ``group`` (logical ID, type): not
    the groups and rules that name it as a source."""
    out = []
    for lid in cfn.referrers(data, group):
        res = cfn.resources(data)[lid]
        if res.get("Type") in SOURCE_TYPES:
            continue
        out.append((lid, str(res.get("Type"))))
    return out


def listener_ports(data: dict[str, Any], lbs: list[str]) -> list[int] | None:
    ports: set[int] = set()
    for _, res in cfn.of_type(data, "AWS::ElasticLoadBalancingV2::Listener"):
        p = cfn.props(res)
        if cfn.ref_target(p.get("LoadBalancerArn")) not in lbs:
            continue
        port = values.as_int(values.literal(data, p.get("Port")))
        if port is None:
            return None
        ports.add(port)
    return sorted(ports) or None


def exposed(data: dict[str, Any], group: str | None, rule: dict[str, Any]) -> list[str] | None:
    """What an ingress rule exposes among the sensitive ports, in words (None if nothing)."""
    protocol = _protocol(data, rule)
    if protocol == "all":
        return ["every protocol and port"]
    if protocol != "tcp":
        return None
    low = values.as_int(values.literal(data, rule.get("FromPort")))
    high = values.as_int(values.literal(data, rule.get("ToPort")))
    if low is None or high is None:
        return None
    if low <= 0 and high >= 65535:
        return ["every TCP port"]
    ports = {p: f"{name} ({p})" for p, name in {**ADMIN_PORTS, **DATABASE_PORTS}.items()}
    if group:
        for p, what in database_ports(data, group).items():
            ports.setdefault(p, f"{what} {p}")
    found = [name for p, name in sorted(ports.items()) if low <= p <= high]
    if len(found) > 4:
        return [f"ports {low}-{high}, which include {', '.join(found)}"]
    return found or None


def _label(data: dict[str, Any], rule: dict[str, Any]) -> str:
    if _protocol(data, rule) == "all":
        return "AllTraffic"
    low = values.as_int(values.literal(data, rule.get("FromPort")))
    high = values.as_int(values.literal(data, rule.get("ToPort")))
    if low is not None and high is not None:
        if low <= 0 and high >= 65535:
            return "AllTraffic"
        if low <= 22 <= high and not low <= 3389 <= high:
            return "SSH"
        if low <= 3389 <= high and not low <= 22 <= high:
            return "RDP"
        if not (low <= 22 <= high or low <= 3389 <= high):
            return "Database"
    return "AllTraffic"


def open_sources(
    data: dict[str, Any], rule: dict[str, Any]
) -> list[tuple[str, tuple[Any, ...], Any, str]]:
    """Where the whole internet comes into a rule: (key, path below the key, value written
    there, in words) for each ``Fn::If`` branch of ``CidrIp``/``CidrIpv6`` that can be /0."""
    out: list[tuple[str, tuple[Any, ...], Any, str]] = []
    for key in ("CidrIp", "CidrIpv6"):
        if key not in rule:
            continue
        for sub, value, when in values.branches(rule[key]):
            hits = [
                o for o in values.options(data, value) if o.known and values.is_anywhere(o.value)
            ]
            if not hits:
                continue
            o = hits[0]
            words = f"{key} {o.value}"
            if o.source != "literal":
                words += f" ({o.source})"
            if when:
                words += f" {values.when_text(when)}"
            out.append((key, sub, value, words))
    return out


def pattern_for(v6: bool) -> dict[str, str]:
    return {
        "AllowedPattern": IPV6_PATTERN if v6 else IPV4_PATTERN,
        "ConstraintDescription": (
            f"must be an {'IPv6' if v6 else 'IPv4'} CIDR range of /8 or narrower: not the whole internet."
        ),
    }


class OpenSecurityGroup(Rule):
    code = "MF1431"
    spec = ()
    title = "Security group open to the internet on SSH, RDP, a database port or every port"
    area = "network"
    kind = "defect"
    severity = "high"
    fix_applicability = "unsafe"
    deploy_impact = "unknown"
    why = """
        An ingress rule from `0.0.0.0/0` or `::/0` on SSH (22), RDP (3389), a database port
        (PostgreSQL 5432, MySQL 3306, SQL Server 1433, Oracle 1521, Redis 6379, ..., or the port
        of a database the group is attached to) or on every protocol puts a login or a data
        service in front of every scanner of the internet: brute force, credential stuffing and
        the next pre-authentication vulnerability reach it directly (CIS AWS Foundations 5.2 and
        5.3, AWS Security Hub EC2.13, EC2.14, EC2.18, EC2.19). The range is read as a network,
        whatever the template writes: `192.168.1.0/0` is the whole internet too, and so is a
        parameter whose default or allowed value is one, or a branch of an `Fn::If`.
    """
    bad = """
        Parameters:
          SSHLocation:
            Type: String
            Default: 0.0.0.0/0
        Resources:
          InstanceSecurityGroup:
            Type: AWS::EC2::SecurityGroup
            Properties:
              SecurityGroupIngress:
                - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref SSHLocation}
    """
    good = """
        Parameters:
          SSHLocation:
            Type: String          # no default: the deployer names the admin network
            AllowedPattern: ^(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/([89]|[12]\\d|3[0-2])$
        Resources:
          InstanceSecurityGroup:
            Type: AWS::EC2::SecurityGroup
            Properties:
              SecurityGroupIngress:
                - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref SSHLocation}
    """
    fix_safety = """
        Unsafe (unknown: a deploy must now pass a parameter): clients outside the range the
        deployer then gives lose access; security group rules change in place. Where the range comes from a parameter, the fix removes the
        parameter's whole-internet default (and such allowed values) and gives it a pattern that
        accepts /8 or narrower, so that creating the stack asks for the admin network and an
        update that keeps a whole-internet value fails validation until one is given. Where the
        template writes the range itself, that value (in its `Fn::If` branch) becomes a
        reference to a new parameter (`SSHIngressCidr`, `RDPIngressCidr`, `DatabaseIngressCidr`,
        `AllTrafficIngressCidr`, `...Ipv6`) of the same kind. A group only Application Load
        Balancers use, open on every protocol, gets one TCP rule per listener port instead: the
        load balancer answers on its listeners only, so nothing reachable changes, but a listener
        added later on another port needs its own rule. A range from a mapping or a built string
        is left to the reviewer (no fix).
    """
    notes = """
        Premise: the rule admits, in some case the template allows (a parameter's default or
        allowed value, an `Fn::If` branch, a mapping entry), a range of prefix length 0. Web
        ports (80, 443, ...) open to the internet are what a public service is: not reported. ICMP
        and UDP rules are not reported. A group whose only members are load balancers is
        reported as hardening (low): a load balancer serves only its listeners' ports.
        Another stack's group (a standalone ingress rule naming a group ID from a parameter or an
        import) is still read: the rule itself is in this template. Not reported: egress rules,
        network ACLs, prefix lists.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for group, path, rule in values.located_ingress(data):
            what = exposed(data, group, rule)
            if not what:
                continue
            sources = open_sources(data, rule)
            if not sources:
                continue
            member_list = members(data, group) if group else []
            lbs = [
                lid for lid, t in member_list if t == "AWS::ElasticLoadBalancingV2::LoadBalancer"
            ]
            lb_only = bool(member_list) and len(lbs) == len(member_list)
            where = f"security group {group}" if group else f"ingress rule {path[1]}"
            message = (
                f"The {where} admits the whole internet ({'; '.join(s[3] for s in sources)}) on "
                f"{', '.join(what)}."
            )
            fix = None
            if lb_only:
                ports = listener_ports(data, lbs)
                message += (
                    f" Only load balancer{'s' if len(lbs) > 1 else ''} {', '.join(lbs)} "
                    f"use{'' if len(lbs) > 1 else 's'} it, which answer"
                    f"{'' if len(lbs) > 1 else 's'} on "
                    f"{'listener ports ' + ', '.join(map(str, ports)) if ports else 'their listener ports'} only"
                    "; a listener added later is open too."
                )
                if (
                    ports
                    and _protocol(data, rule) == "all"
                    and path[-2] == "SecurityGroupIngress"
                    and isinstance(path[-1], int)
                    and all(s[1] == () for s in sources)
                ):
                    fix = Fix(
                        f"Admit the internet on the listener ports ({', '.join(map(str, ports))}) only",
                        action="listener_ports",
                        args=(path, tuple(ports)),
                        impact="update",
                        impact_detail=(
                            "the load balancer answers on its listener ports only, so nothing "
                            "reachable changes; a listener added later on another port needs a rule"
                        ),
                        applicability="unsafe",
                    )
                yield self.finding(
                    path,
                    message,
                    fix or self._fix(data, path, rule),
                    kind="hardening",
                    severity="low",
                )
                continue
            yield self.finding(path, message, self._fix(data, path, rule))

    def _fix(self, data: dict[str, Any], path: tuple[Any, ...], rule: dict[str, Any]) -> Fix | None:
        steps: list[tuple[Any, ...]] = []
        label = _label(data, rule)
        params: list[str] = []
        for key, sub, value, _ in open_sources(data, rule):
            v6 = key == "CidrIpv6"
            param = value.get("Ref") if isinstance(value, dict) and list(value) == ["Ref"] else None
            if isinstance(param, str) and param in cfn.section(data, "Parameters"):
                steps.append(("parameter", param, v6))
                params.append(f"parameter {param}")
            elif isinstance(value, str):
                name = f"{label}IngressCidr{'Ipv6' if v6 else ''}"
                steps.append(("literal", path + (key,) + sub, name, v6))
                params.append(f"new parameter {name}")
            else:
                return None  # a mapping entry or a built string: the reviewer's to change
        if not steps:
            return None
        return Fix(
            f"Take the allowed range from {', '.join(dict.fromkeys(params))}, which refuses the whole internet",
            action="restrict",
            args=tuple(steps),
            impact="unknown",
            impact_detail=(
                "deploys must now pass the allowed range (on create, and on update while the "
                "value is /0); clients outside it lose access (the rules change in place)"
            ),
        )

    def restrict(self, doc: Document, *steps: tuple[Any, ...]) -> None:
        for step in steps:
            if step[0] == "parameter":
                _, param, v6 = step
                self._restrict_parameter(doc, param, v6)
            else:
                _, where, name, v6 = step
                definition = {
                    "Type": "String",
                    "Description": (
                        f"{'IPv6' if v6 else 'IPv4'} range allowed in by the security group "
                        "rule that used to admit the whole internet"
                    ),
                    **pattern_for(v6),
                }
                current = doc.get(("Parameters", name))
                if current is None:
                    add_parameter(doc, name, definition)
                if values.is_anywhere(doc.get(where)):
                    set_value(doc, where, {"Ref": name})

    @staticmethod
    def _restrict_parameter(doc: Document, param: str, v6: bool) -> None:
        base = ("Parameters", param)
        definition = doc.get(base)
        if not isinstance(definition, dict):
            raise EditError(f"parameter {param} is gone")
        allowed = definition.get("AllowedValues")
        if isinstance(allowed, list):
            kept = [v for v in allowed if not values.is_anywhere(v)]
            if not kept:
                raise EditError(f"every allowed value of {param} is the whole internet")
            if kept != allowed:
                set_value(doc, base + ("AllowedValues",), kept)
        if values.is_anywhere(definition.get("Default")):
            doc.delete(base + ("Default",))
        if not isinstance(allowed, list):
            for key, value in pattern_for(v6).items():
                set_value(doc, base + (key,), value)

    @staticmethod
    def listener_ports(doc: Document, path: tuple[Any, ...], ports: tuple[int, ...]) -> None:
        rule = doc.get(path)
        if not isinstance(rule, dict):
            raise EditError("the ingress rule is gone")
        items = []
        for port in ports:
            item: dict[str, Any] = {}
            for key, value in rule.items():
                if key == "IpProtocol":
                    item.update({"IpProtocol": "tcp", "FromPort": port, "ToPort": port})
                elif key not in ("FromPort", "ToPort"):
                    item[key] = value
            items.append(item)
        if len(items) == 1:
            doc.set(path, items[0])
            return
        seq = doc.get(path[:-1])
        doc.set(path[:-1], seq[: path[-1]] + items + seq[path[-1] + 1 :])
