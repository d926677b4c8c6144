"""MF0101: the database gets subnets of its own, and its subnet group uses them (spec 1.1, 3.3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, topology, values
from fixers.document import Document, EditError
from fixers.edits import add_resource, register_names, set_property, unique_id
from fixers.model import Finding, Fix
from fixers.rules import Rule

MAX_SUBNETS = 6


def _what(value: Any) -> str:
    """Where a non-literal value comes from, in words."""
    if isinstance(value, dict) and len(value) == 1:
        key, arg = next(iter(value.items()))
        if key == "Ref":
            return f"parameter {arg}"
        if key == "Fn::If" and isinstance(arg, list) and arg:
            return f"condition {arg[0]}"
        return key
    return repr(value)


register_names(
    *[f"DatabaseSubnet{i}" for i in range(1, MAX_SUBNETS + 1)],
    "DatabaseRouteTable",
    *[f"DatabaseSubnet{i}RouteTableAssociation" for i in range(1, MAX_SUBNETS + 1)],
)


class DatabaseSubnetIsolation(Rule):
    code = "MF0101"
    spec = ("1.1", "3.3")
    title = "Database shares subnets with the application tier"
    area = "network"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "unsafe"
    deploy_impact = "replacement"
    why = """
        A DB subnet group that uses the subnets the ECS tasks (or other workloads) run in, or
        subnets with a default route to a NAT or internet gateway, puts the database in the
        application tier's network. A financial-services platform needs the database tier
        segmented: its own subnets, one per Availability Zone, with a route table that has no
        route out of the VPC, so that only what security groups admit inside the VPC reaches it.
    """
    bad = """
        DBSubnetGroup:
          Type: AWS::RDS::DBSubnetGroup
          Properties:
            SubnetIds: [!Ref PrivateSubnet1, !Ref PrivateSubnet2]   # the ECS service's subnets
    """
    good = """
        DatabaseSubnet1:
          Type: AWS::EC2::Subnet
          Properties:
            VpcId: !Ref VPC
            CidrBlock: 10.0.21.0/24
            AvailabilityZone: !Select [0, !GetAZs '']
        DatabaseRouteTable:
          Type: AWS::EC2::RouteTable        # local routes only: no NAT, no internet gateway
          Properties:
            VpcId: !Ref VPC
        DBSubnetGroup:
          Type: AWS::RDS::DBSubnetGroup
          Properties:
            SubnetIds: [!Ref DatabaseSubnet1, !Ref DatabaseSubnet2, !Ref DatabaseSubnet3]
    """
    fix_safety = """
        Unsafe (replacement). The fix adds one database subnet per subnet of the group, in the
        same Availability Zones (subnets that name none get the Region's first, second, third
        zone: a DB subnet group needs two zones at least) (the spec's 10.0.21.0/24, 10.0.22.0/24
        and 10.0.23.0/24, or the first free /24s of the VPC when those are taken or outside
        it), a route table with no
        routes beyond the VPC, its associations, and points the subnet group at the new subnets.
        On a deployed stack RDS refuses to remove subnets that a running cluster uses from its
        subnet group, so the update fails; moving the cluster needs a new subnet group, and
        `DBSubnetGroupName` is create-only on `AWS::RDS::DBCluster`: the cluster is replaced.
        Plan it as a snapshot-restore migration. On a new stack it is harmless.

        A database that is publicly accessible (`PubliclyAccessible: true`, or from a parameter
        or condition, or not set on an instance in a VPC with an internet gateway, which RDS
        then makes public) in a subnet of the group that routes to an internet gateway can be
        reached from outside the VPC today. In the new subnets, which have no route out of the
        VPC, it keeps the flag but nobody outside reaches it: the fix states that it removes
        that reachability, by name, in its impact and in the finding.
    """
    notes = """
        Public reachability follows the RDS API reference (CreateDBInstance and
        ModifyDBInstance, `PubliclyAccessible`): a publicly accessible database resolves to a
        public address from outside its VPC, "the DB instance must be part of a public subnet and
        PubliclyAccessible must be enabled for it to be publicly accessible", and when the flag is
        not set and the subnets' VPC has an internet gateway attached, the instance is public.
        The fix does not turn the flag off: whether the clients outside the VPC should keep a way
        in (a VPN, a bastion, a proxy) is the reviewer's decision.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        workloads = topology.workload_subnets(
            data,
            (
                "AWS::ECS::Service",
                "AWS::AutoScaling::AutoScalingGroup",
                "AWS::EC2::Instance",
                "AWS::Batch::ComputeEnvironment",
            ),
        )
        shared_by: dict[str, list[str]] = {}
        for workload, ids in workloads.items():
            for s in ids:
                shared_by.setdefault(s, []).append(workload)
        tables = topology.route_tables_of(data)
        routes = topology.default_route_targets(data)
        all_subnets = topology.subnets(data)
        used_groups = self._used_groups(data)
        for group_id, group in cfn.of_type(data, "AWS::RDS::DBSubnetGroup"):
            if group_id not in used_groups:
                continue
            ids = topology.subnet_ids(cfn.props(group).get("SubnetIds"))
            if not ids or any(s not in all_subnets for s in ids):
                continue  # subnets from parameters or other stacks: nothing to see here
            sharing = sorted({w for s in ids for w in shared_by.get(s, [])})
            routed = sorted(
                {s for s in ids if routes.get(tables.get(s, ""), set()) & {"nat", "igw"}}
            )
            if not sharing and not routed:
                continue
            reasons = []
            if sharing:
                reasons.append(f"also used by {', '.join(sharing)}")
            for gateway, words in (("igw", "an internet gateway"), ("nat", "a NAT gateway")):
                through = [s for s in routed if gateway in routes.get(tables.get(s, ""), set())]
                if through:
                    verb = "routes" if len(through) == 1 else "route"
                    reasons.append(f"{', '.join(through)} {verb} to the internet through {words}")
            public = self._public_reach(data, group_id, ids, tables, routes)
            message = (
                f"DB subnet group {group_id} uses {', '.join(ids)}: {'; '.join(reasons)}. "
                "The database needs subnets of its own with no route out of the VPC."
            )
            if public:
                message += f" {public}: moving it ends that."
            yield self.finding(
                ("Resources", group_id, "Properties", "SubnetIds"),
                message,
                self._fix(data, group_id, ids, public),
            )

    @staticmethod
    def _used_groups(data: dict[str, Any]) -> set[str]:
        used = set()
        for _, res in cfn.of_type(data, "AWS::RDS::DBCluster", "AWS::RDS::DBInstance"):
            target = cfn.ref_target(cfn.props(res).get("DBSubnetGroupName"))
            if target:
                used.add(target)
        return used

    @staticmethod
    def _public_reach(
        data: dict[str, Any],
        group_id: str,
        ids: list[str],
        tables: dict[str, str],
        routes: dict[str, set[str]],
    ) -> str:
        """What of the group's databases the internet reaches today, in words ('' if none): a
        database that is (or may be) publicly accessible in a subnet that routes to an internet
        gateway. RDS makes a database public only with PubliclyAccessible and a public subnet."""
        public_subnets = [s for s in ids if "igw" in routes.get(tables.get(s, ""), set())]
        if not public_subnets:
            return ""
        vpc = topology.vpc_of_subnets(data, ids)
        igw_attached = any(
            cfn.ref_target(cfn.props(a).get("VpcId")) == vpc
            and cfn.props(a).get("InternetGatewayId") is not None
            for _, a in cfn.of_type(data, "AWS::EC2::VPCGatewayAttachment")
        )
        clusters = {
            lid
            for lid, res in cfn.of_type(data, "AWS::RDS::DBCluster")
            if cfn.ref_target(cfn.props(res).get("DBSubnetGroupName")) == group_id
        }
        public: list[str] = []
        maybe: list[str] = []
        for lid, res in cfn.of_type(data, "AWS::RDS::DBCluster", "AWS::RDS::DBInstance"):
            p = cfn.props(res)
            if not (
                lid in clusters
                or cfn.ref_target(p.get("DBSubnetGroupName")) == group_id
                or cfn.ref_target(p.get("DBClusterIdentifier")) in clusters
            ):
                continue
            value = p.get("PubliclyAccessible")
            if value is None:
                # Not set: an instance in a VPC with an internet gateway is public (RDS API,
                # CreateDBInstance, PubliclyAccessible). Aurora clusters take it from instances.
                if res.get("Type") == "AWS::RDS::DBInstance" and igw_attached:
                    maybe.append(
                        f"{lid} (PubliclyAccessible not set, the VPC has an internet gateway)"
                    )
                continue
            flags = {values.as_bool(o.value) for o in values.options(data, value)}
            if flags == {True}:
                public.append(lid)
            elif flags != {False}:
                maybe.append(f"{lid} (PubliclyAccessible from {_what(value)})")
        if not public and not maybe:
            return ""
        parts = []
        if public:
            parts.append(
                f"{', '.join(public)} {'is' if len(public) == 1 else 'are'} publicly accessible"
            )
        if maybe:
            parts.append(f"{', '.join(maybe)} may be publicly accessible")
        return (
            f"{' and '.join(parts)} in {', '.join(public_subnets)}, which "
            f"route{'s' if len(public_subnets) == 1 else ''} to an internet gateway: clients "
            "outside the VPC can reach it today"
        )

    def _fix(
        self, data: dict[str, Any], group_id: str, ids: list[str], public: str = ""
    ) -> Fix | None:
        vpc = topology.vpc_of_subnets(data, ids)
        if vpc is None or topology.vpc_cidr(data, vpc) is None:
            return None
        detail = (
            "RDS refuses to drop in-use subnets from a subnet group; moving a deployed cluster "
            "needs a new subnet group, which replaces the cluster (DBSubnetGroupName is create-only)"
        )
        if public:
            detail = (
                f"removes the database's reachability from outside the VPC: {public}; in the new "
                "subnets (no route out of the VPC) it stays 'publicly accessible' but no client "
                f"outside the VPC reaches it. And {detail}"
            )
        return Fix(
            title=f"Add {max(len(ids), 2)} database subnets with a route table of their own and use them in {group_id}",
            args=(group_id,),
            impact="replacement",
            impact_detail=detail,
        )

    def apply(self, doc: Document, group_id: str) -> None:
        data = doc.data
        ids = topology.subnet_ids(cfn.props(cfn.resources(data)[group_id]).get("SubnetIds"))
        vpc = topology.vpc_of_subnets(data, ids)
        cidr = topology.vpc_cidr(data, vpc) if vpc else None
        if vpc is None or cidr is None:
            raise EditError("the VPC or its CIDR is not in the template")
        all_subnets = topology.subnets(data)
        count = min(max(len(ids), 2), MAX_SUBNETS)
        preferred = list(doc.settings.database_subnet_cidrs)  # the spec's, unless configured
        cidrs = None
        for prefix in range(max(24, cidr.prefixlen + 2), 29):  # /24s, or smaller in a small VPC
            cidrs = topology.free_subnets(
                cidr, topology.literal_cidrs(data), preferred, count, prefix
            )
            if cidrs is not None:
                break
        if cidrs is None:
            raise EditError(f"no {count} free blocks of /28 or larger left in {cidr}")
        table = add_resource(
            doc,
            unique_id(doc, "DatabaseRouteTable"),
            {
                "Type": "AWS::EC2::RouteTable",
                "Properties": {
                    "VpcId": {"Ref": vpc},
                    "Tags": [
                        {"Key": "Name", "Value": {"Fn::Sub": "${AWS::StackName}-database-routes"}}
                    ],
                },
            },
        )
        new_ids = []
        for i in range(count):
            source = cfn.props(all_subnets[ids[i % len(ids)]])
            subnet: dict[str, Any] = {"VpcId": {"Ref": vpc}, "CidrBlock": cidrs[i]}
            for key in ("AvailabilityZone", "AvailabilityZoneId"):
                if key in source:
                    subnet[key] = _without_null_region(source[key])
            if "AvailabilityZone" not in subnet and "AvailabilityZoneId" not in subnet:
                # A DB subnet group needs subnets in two Availability Zones at least: without a
                # zone to copy, each new subnet takes the Region's next one.
                subnet["AvailabilityZone"] = {"Fn::Select": [i, {"Fn::GetAZs": ""}]}
            subnet["MapPublicIpOnLaunch"] = False
            subnet["Tags"] = [
                {
                    "Key": "Name",
                    "Value": {"Fn::Sub": f"${{AWS::StackName}}-database-subnet-{i + 1}"},
                }
            ]
            subnet_id = add_resource(
                doc,
                unique_id(doc, f"DatabaseSubnet{i + 1}"),
                {"Type": "AWS::EC2::Subnet", "Properties": subnet},
            )
            add_resource(
                doc,
                unique_id(doc, f"{subnet_id}RouteTableAssociation"),
                {
                    "Type": "AWS::EC2::SubnetRouteTableAssociation",
                    "Properties": {"SubnetId": {"Ref": subnet_id}, "RouteTableId": {"Ref": table}},
                },
            )
            new_ids.append(subnet_id)
        set_property(doc, group_id, "SubnetIds", [{"Ref": s} for s in new_ids])


def _without_null_region(value: Any) -> Any:
    """The zone expression with ``Fn::GetAZs: null`` written as ``''`` (the stack's Region, as
    documented; cfn-lint rejects null)."""
    if isinstance(value, dict):
        if list(value) == ["Fn::GetAZs"] and value["Fn::GetAZs"] is None:
            return {"Fn::GetAZs": ""}
        return {k: _without_null_region(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_null_region(v) for v in value]
    return value
