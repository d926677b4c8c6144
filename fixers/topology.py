"""The network shape of a template: subnets, their route tables and routes, and who runs where."""

from __future__ import annotations

import ipaddress
from typing import Any

from fixers import cfn, values

COMPUTE_SUBNET_PATHS: dict[str, tuple[tuple[Any, ...], ...]] = {
    "AWS::ECS::Service": (("NetworkConfiguration", "AwsvpcConfiguration", "Subnets"),),
    "AWS::Lambda::Function": (("VpcConfig", "SubnetIds"),),
    "AWS::AutoScaling::AutoScalingGroup": (("VPCZoneIdentifier",),),
    "AWS::EC2::Instance": (("SubnetId",),),
    "AWS::Batch::ComputeEnvironment": (("ComputeResources", "Subnets"),),
}
"""Where each kind of workload names the subnets it runs in."""


def subnet_ids(value: Any) -> list[str]:
    """Logical IDs of the template's subnets named in a subnet list (Refs only)."""
    return [t for t in (cfn.ref_target(v) for v in cfn.list_of(value)) if t]


def subnets(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(cfn.of_type(data, "AWS::EC2::Subnet"))


def workload_subnets(
    data: dict[str, Any], types: tuple[str, ...] | None = None
) -> dict[str, list[str]]:
    """For each workload resource (ECS service, function, ASG, instance), the subnets it uses."""
    found: dict[str, list[str]] = {}
    for rtype, paths in COMPUTE_SUBNET_PATHS.items():
        if types is not None and rtype not in types:
            continue
        for lid, res in cfn.of_type(data, rtype):
            p = cfn.props(res)
            for path in paths:
                value: Any = p
                for step in path:
                    value = value.get(step) if isinstance(value, dict) else None
                ids = subnet_ids(value)
                if ids:
                    found.setdefault(lid, []).extend(ids)
    return found


def route_tables_of(data: dict[str, Any]) -> dict[str, str]:
    """Subnet logical ID to the logical ID of its route table, from the associations."""
    result: dict[str, str] = {}
    for _, res in cfn.of_type(data, "AWS::EC2::SubnetRouteTableAssociation"):
        p = cfn.props(res)
        subnet, table = cfn.ref_target(p.get("SubnetId")), cfn.ref_target(p.get("RouteTableId"))
        if subnet and table:
            result[subnet] = table
    return result


def default_route_targets(data: dict[str, Any]) -> dict[str, set[str]]:
    """Route table logical ID to what its default route goes through ("nat", "igw", "other")."""
    res = cfn.resources(data)
    result: dict[str, set[str]] = {}
    for _, route in cfn.of_type(data, "AWS::EC2::Route"):
        p = cfn.props(route)
        if not (
            values.is_anywhere(p.get("DestinationCidrBlock"))
            or values.is_anywhere(p.get("DestinationIpv6CidrBlock"))
        ):
            continue
        table = cfn.ref_target(p.get("RouteTableId"))
        if not table:
            continue
        kind = "other"
        if "NatGatewayId" in p:
            kind = "nat"
        elif "GatewayId" in p:
            gw = cfn.ref_target(p.get("GatewayId"))
            kind = (
                "igw"
                if gw and res.get(gw, {}).get("Type") == "AWS::EC2::InternetGateway"
                else "other"
            )
        result.setdefault(table, set()).add(kind)
    return result


def vpc_of_subnets(data: dict[str, Any], ids: list[str]) -> str | None:
    all_subnets = subnets(data)
    vpcs = {cfn.ref_target(cfn.props(all_subnets[s]).get("VpcId")) for s in ids if s in all_subnets}
    vpcs.discard(None)
    return vpcs.pop() if len(vpcs) == 1 else None


def private_subnets(data: dict[str, Any]) -> list[str]:
    """Subnets whose default route goes through a NAT gateway (none through an internet gateway)."""
    tables = route_tables_of(data)
    targets = default_route_targets(data)
    return [s for s in subnets(data) if targets.get(tables.get(s, ""), set()) == {"nat"}]


def literal_cidrs(data: dict[str, Any]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for _, res in cfn.of_type(data, "AWS::EC2::Subnet"):
        cidr = cfn.props(res).get("CidrBlock")
        if isinstance(cidr, str):
            try:
                nets.append(ipaddress.ip_network(cidr, strict=False))
            except ValueError:
                continue
    return nets


def vpc_cidr(data: dict[str, Any], vpc: str) -> ipaddress.IPv4Network | None:
    """The VPC's CIDR when the template states it (literally or as a parameter default)."""
    res = cfn.resources(data).get(vpc)
    if not res:
        return None
    cidr = cfn.props(res).get("CidrBlock")
    param = cfn.ref_target(cidr) if isinstance(cidr, dict) and "Ref" in cidr else None
    if param:
        cidr = ((data.get("Parameters") or {}).get(param) or {}).get("Default")
    if not isinstance(cidr, str):
        return None
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None
    return net if isinstance(net, ipaddress.IPv4Network) else None


def free_subnets(
    vpc: ipaddress.IPv4Network,
    taken: list[ipaddress.IPv4Network | ipaddress.IPv6Network],
    preferred: list[str],
    count: int,
    prefix: int = 24,
) -> list[str] | None:
    """``preferred`` CIDRs if they fit and are free, else the first free /24s of the VPC."""
    wanted = [ipaddress.IPv4Network(c) for c in preferred[:count]]  # IPv4 only, as config checks
    if len(wanted) == count and all(
        w.subnet_of(vpc) and not any(w.overlaps(t) for t in taken) for w in wanted
    ):
        return [str(w) for w in wanted]
    if vpc.prefixlen > prefix:
        return None
    chosen: list[str] = []
    used = list(taken)
    for candidate in vpc.subnets(new_prefix=prefix):
        if not any(candidate.overlaps(t) for t in used):
            chosen.append(str(candidate))
            used.append(candidate)
            if len(chosen) == count:
                return chosen
    return None
