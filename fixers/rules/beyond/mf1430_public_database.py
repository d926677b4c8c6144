"""MF1430: a database that RDS makes reachable from the internet (PubliclyAccessible)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, schema, topology, values
from fixers.document import Document, EditError
from fixers.edits import set_property, set_value
from fixers.model import Finding, Fix
from fixers.rules import Rule


def _group_of(data: dict[str, Any], lid: str, seen: frozenset[str] = frozenset()) -> Any:
    """The DBSubnetGroupName that places a database: its own, its Aurora cluster's, or (a
    same-Region read replica) its source instance's. None when it has none."""
    res = cfn.resources(data).get(lid, {})
    p = cfn.props(res)
    if p.get("DBSubnetGroupName") is not None:
        return p["DBSubnetGroupName"]
    for key in ("DBClusterIdentifier", "SourceDBInstanceIdentifier"):
        target = cfn.ref_target(p.get(key))
        if target in cfn.resources(data) and target not in seen:
            return _group_of(data, target, seen | {lid})
        if p.get(key) is not None:
            return {"Fn::ImportValue": "outside the template"}  # placed by something not here
    return None


def placement(data: dict[str, Any], lid: str) -> tuple[str, list[str]] | None:
    """Where RDS puts an instance whose flag is unset, as (words, the subnets that route to an
    internet gateway): None when the template does not show (a subnet group or subnets from
    parameters or another stack), or when its VPC has no internet gateway attached."""
    group = _group_of(data, lid)
    if group is None:
        return (
            "no DB subnet group: RDS places it in the Region's default VPC, which has an "
            "internet gateway attached unless it was removed",
            [],
        )
    group_id = cfn.ref_target(group)
    res = cfn.resources(data).get(group_id or "")
    if not res or res.get("Type") != "AWS::RDS::DBSubnetGroup":
        return None
    ids = topology.subnet_ids(cfn.props(res).get("SubnetIds"))
    if not ids or any(s not in topology.subnets(data) for s in ids):
        return None
    vpc = topology.vpc_of_subnets(data, ids)
    if vpc is None:
        return None
    attached = [
        lid
        for lid, a in cfn.of_type(data, "AWS::EC2::VPCGatewayAttachment")
        if cfn.ref_target(cfn.props(a).get("VpcId")) == vpc
        and cfn.props(a).get("InternetGatewayId") is not None
    ]
    if not attached:
        return None
    tables = topology.route_tables_of(data)
    routes = topology.default_route_targets(data)
    public = [s for s in ids if "igw" in routes.get(tables.get(s, ""), set())]
    return (
        f"its subnet group {group_id} is in {vpc}, which has an internet gateway attached",
        public,
    )


def _is_multi_az_cluster(res: dict[str, Any]) -> bool:
    """A Multi-AZ DB cluster (not Aurora): the only kind whose cluster-level PubliclyAccessible
    counts; an Aurora cluster's instances carry the flag."""
    return "DBClusterInstanceClass" in cfn.props(res)


class PublicDatabase(Rule):
    code = "MF1430"
    spec = ()
    title = "Database reachable from the internet (PubliclyAccessible)"
    area = "database"
    kind = "defect"
    severity = "high"
    fix_applicability = "unsafe"
    deploy_impact = "replacement"
    why = """
        A publicly accessible RDS database gets a DNS name that resolves to a public address
        outside its VPC: with a route to an internet gateway, every scanner of the internet can
        try its login, and the database's security group is the only thing left between the card
        data and the world (AWS Security Hub RDS.2, critical; CIS; PCI DSS 1.4). RDS makes an
        instance public when `PubliclyAccessible` is true, and also when it is not set and the
        instance's subnets belong to a VPC with an internet gateway attached (without a subnet
        group: when the Region's default VPC has one, as default VPCs do). Every case the
        template allows counts: a parameter's default, an `Fn::If` branch.
    """
    bad = """
        Database:
          Type: AWS::RDS::DBInstance
          Properties:
            Engine: postgres
            DBSubnetGroupName: !Ref PublicSubnetGroup   # VPC with an internet gateway
            # PubliclyAccessible not set: RDS makes it public
    """
    good = """
        Database:
          Type: AWS::RDS::DBInstance
          Properties:
            Engine: postgres
            DBSubnetGroupName: !Ref DatabaseSubnetGroup
            PubliclyAccessible: false
    """
    fix_safety = """
        Unsafe. On an instance the fix sets `PubliclyAccessible: false` (in the `Fn::If` branch
        that makes it public; for a parameter, its default becomes `false`): RDS applies the
        change immediately, without a reboot, and the endpoint then resolves to a private
        address: clients outside the VPC lose their way in (impact: update). On a Multi-AZ DB
        cluster `PubliclyAccessible` is create-only: the cluster is replaced (plan a
        snapshot-restore). Give the clients outside the VPC a reviewed path (VPN, bastion, RDS
        Proxy, PrivateLink) before applying it.
    """
    notes = """
        Premise: the RDS API reference (CreateDBInstance, `PubliclyAccessible`): when the flag
        is not set, an instance in a VPC with an internet gateway attached is public; without a
        subnet group, the default VPC decides. Aurora: the instances' flag counts (the cluster's
        applies to Multi-AZ DB clusters only). Silent when the flag is false in every case, and
        when it is unset but the template does not show the VPC (a subnet group or subnets from
        parameters or another stack). A private database in subnets that route to an internet
        gateway is not reported here: MF0101 reports it (it moves the database into isolated
        subnets, and says what that does to a public database's reachability), so the same gap is
        not reported twice.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid, res in cfn.of_type(data, "AWS::RDS::DBInstance", "AWS::RDS::DBCluster"):
            cluster = res.get("Type") == "AWS::RDS::DBCluster"
            if cluster and not _is_multi_az_cluster(res):
                continue
            value = cfn.props(res).get("PubliclyAccessible")
            found = self._public(data, lid, value)
            if found is None:
                continue
            message, fix_branches = found
            kind = "the Multi-AZ DB cluster" if cluster else "database"
            impact = (
                schema.property_change_impact("AWS::RDS::DBCluster", "PubliclyAccessible")
                if cluster
                else "update"
            )
            detail = (
                "PubliclyAccessible is create-only on a DB cluster: the cluster is replaced"
                if cluster
                else "applied immediately, no reboot"
            ) + "; clients outside the VPC lose access: the endpoint resolves to a private address"
            fix = (
                Fix(
                    f"Set PubliclyAccessible to false on {lid}",
                    action="private",
                    args=(lid, fix_branches),
                    impact=impact,
                    impact_detail=detail,
                    applicability="unsafe",
                )
                if fix_branches is not None
                else None
            )
            path: tuple[str, ...] = ("Resources", lid, "Properties", "PubliclyAccessible")
            if value is None:
                path = ("Resources", lid)
            yield self.finding(path, f"The {kind} {lid} {message}", fix)

    @staticmethod
    def _public(
        data: dict[str, Any], lid: str, value: Any
    ) -> tuple[str, tuple[Any, ...] | None] | None:
        """(what makes it public, the fix's edits) or None when it is private in every case.
        The edits: ("set",) for the property, ("branch", path) per branch, ("parameter", name)."""
        unset_words = None
        reasons: list[str] = []
        edits: list[tuple[Any, ...]] = []
        for sub, written, when in values.branches(value) or [((), None, frozenset())]:
            opts = (
                values.options(data, written, when, defaults_only=True)
                if written is not None
                else []
            )
            if written is None or any(o.absent for o in opts):
                place = placement(data, lid)
                if place is not None:
                    unset_words, public = place
                    reasons.append(
                        "has PubliclyAccessible unset"
                        + (f" {values.when_text(when)}" if when else "")
                        + f" and {unset_words}"
                        + (
                            f"; {', '.join(public)} route{'s' if len(public) == 1 else ''} to it"
                            if public
                            else ""
                        )
                        + ": RDS makes it publicly accessible"
                    )
                    edits.append(("set",) if written is None else ("branch", sub))
                continue
            hits = [o for o in opts if values.as_bool(o.value) is True]
            if not hits:
                continue
            o = hits[0]
            source = "" if o.source == "literal" else f" ({o.source})"
            cond = f" {values.when_text(o.when)}" if o.when else ""
            reasons.append(f"is publicly accessible{source}{cond}")
            param = written.get("Ref") if isinstance(written, dict) else None
            if isinstance(written, (bool, str)):
                edits.append(("set",) if sub == () else ("branch", sub))
            elif isinstance(param, str) and param in cfn.section(data, "Parameters"):
                edits.append(("parameter", param))
            else:
                edits.append(("none",))
        if not reasons:
            return None
        message = "; ".join(dict.fromkeys(reasons)) + "."
        if any(e[0] == "none" for e in edits):
            return message, None
        return message, tuple(dict.fromkeys(edits))

    @staticmethod
    def private(doc: Document, lid: str, edits: tuple[tuple[Any, ...], ...]) -> None:
        base = ("Resources", lid, "Properties", "PubliclyAccessible")
        if not doc.exists(("Resources", lid)):
            raise EditError(f"{lid} is gone")
        for edit in edits:
            if edit[0] == "set":
                set_property(doc, lid, "PubliclyAccessible", False)
            elif edit[0] == "branch":
                set_value(doc, base + tuple(edit[1]), False)
            elif edit[0] == "parameter":
                param = ("Parameters", edit[1])
                allowed = doc.get(param + ("AllowedValues",))
                if isinstance(allowed, list) and not any(
                    values.as_bool(v) is False for v in allowed
                ):
                    raise EditError(f"parameter {edit[1]} does not allow false")
                set_value(doc, param + ("Default",), "false")
