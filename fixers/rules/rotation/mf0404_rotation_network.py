"""MF0404: the rotation function runs in the VPC with a security group the database admits
(spec 2.4 and 4.4)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fixers import cfn, topology, values
from fixers.document import Document, EditError
from fixers.edits import add_list_item, add_resource, register_names, set_property, unique_id
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.database.common import default_port
from fixers.rules.rotation import common

LAMBDA_SG = "LambdaSecurityGroup"
DB_INGRESS = "DatabaseIngressFromRotationLambda"
ENDPOINT_INGRESS = "SecretsManagerEndpointIngressFromRotationLambda"
register_names(LAMBDA_SG, DB_INGRESS, ENDPOINT_INGRESS)

SG_TYPE = "AWS::EC2::SecurityGroup"
VPC_ACCESS_POLICY = {
    "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}
ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
)


@dataclass
class Network:
    database: str
    db_groups: list[str]
    port: Any
    vpc: str


def _cluster_of(data: dict[str, Any], database: str) -> dict[str, Any]:
    """An Aurora instance's cluster (which holds the security groups and port), else the database."""
    res = cfn.resources(data)
    db = res[database]
    if db.get("Type") == "AWS::RDS::DBInstance":
        cluster = cfn.ref_target(cfn.props(db).get("DBClusterIdentifier"))
        if cluster is not None and res.get(cluster, {}).get("Type") == "AWS::RDS::DBCluster":
            return res[cluster]
    return db


def network_of(data: dict[str, Any], database: str | None) -> Network | None:
    """The database's security groups, port and VPC, when the template shows them."""
    if not database:
        return None
    res = cfn.resources(data)
    db = _cluster_of(data, database)
    prop = (
        "VPCSecurityGroups" if db.get("Type") == "AWS::RDS::DBInstance" else "VpcSecurityGroupIds"
    )
    groups = [
        g
        for g in (cfn.ref_target(x) for x in cfn.list_of(cfn.props(db).get(prop)))
        if g is not None and res.get(g, {}).get("Type") == SG_TYPE
    ]
    if not groups:
        return None
    vpcs = {cfn.ref_target(cfn.props(res[g]).get("VpcId")) for g in groups}
    vpc = vpcs.pop() if len(vpcs) == 1 else None
    if not vpc or res.get(vpc, {}).get("Type") != "AWS::EC2::VPC":
        return None
    port = cfn.props(db).get("Port")
    if port is None:
        port = default_port(common.engine_of(data, database) or "")
    if port is None:
        return None
    return Network(database, groups, port, vpc)


def admits(data: dict[str, Any], group: str, sources: list[str], port: Any) -> bool:
    """Whether a group admits one of the source groups, or any CIDR, on the port."""
    return values.admits(data, group, port, sources=sources, any_cidr=True)


def secretsmanager_endpoints(data: dict[str, Any], vpc: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for lid, ep in cfn.of_type(data, "AWS::EC2::VPCEndpoint"):
        p = cfn.props(ep)
        if cfn.ref_target(p.get("VpcId")) != vpc or p.get("VpcEndpointType") != "Interface":
            continue
        if any(
            isinstance(s, str) and "secretsmanager" in s for _, s in cfn.walk(p.get("ServiceName"))
        ):
            found.append((lid, p))
    return found


def endpoint_groups(data: dict[str, Any], vpc: str) -> list[str]:
    res = cfn.resources(data)
    groups: list[str] = []
    for _, p in secretsmanager_endpoints(data, vpc):
        for g in (cfn.ref_target(x) for x in cfn.list_of(p.get("SecurityGroupIds"))):
            if g and res.get(g, {}).get("Type") == SG_TYPE and g not in groups:
                groups.append(g)
    return groups


def has_private_dns_endpoint(data: dict[str, Any], vpc: str) -> bool:
    return any(
        values.as_bool(values.literal(data, p.get("PrivateDnsEnabled"))) is True
        for _, p in secretsmanager_endpoints(data, vpc)
    )


def subnets_in(data: dict[str, Any], vpc: str, ids: list[str]) -> list[str]:
    all_subnets = topology.subnets(data)
    return [
        s
        for s in ids
        if s in all_subnets and cfn.ref_target(cfn.props(all_subnets[s]).get("VpcId")) == vpc
    ]


def nat_subnets(data: dict[str, Any], vpc: str) -> list[str]:
    return subnets_in(data, vpc, topology.private_subnets(data))


def role_has_vpc_access(data: dict[str, Any], role: str) -> bool:
    for arn in cfn.list_of(cfn.props(cfn.resources(data)[role]).get("ManagedPolicyArns")):
        if any(
            isinstance(s, str) and "AWSLambdaVPCAccessExecutionRole" in s for _, s in cfn.walk(arn)
        ):
            return True
    return all(common.role_allows(data, role, a) for a in ENI_ACTIONS)


def function_groups(data: dict[str, Any], fn: str) -> tuple[list[str], bool]:
    """The function's template security groups, and whether it names any at all."""
    vpc = cfn.props(cfn.resources(data)[fn]).get("VpcConfig")
    values = cfn.list_of(vpc.get("SecurityGroupIds")) if isinstance(vpc, dict) else []
    res = cfn.resources(data)
    return [
        g
        for g in (cfn.ref_target(v) for v in values)
        if g is not None and res.get(g, {}).get("Type") == SG_TYPE
    ], bool(values)


class RotationNetwork(Rule):
    code = "MF0404"
    spec = ("2.4", "4.4")
    title = "Rotation function cannot reach the database"
    area = "rotation"
    kind = "defect"
    severity = "high"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        The rotation function logs in to the database to change the password. A function with no
        `VpcConfig` runs outside the VPC and cannot open a connection to a cluster in private
        subnets; one in the VPC needs a security group of its own that the database's security
        group admits on the database port, a role that may manage its network interfaces, and a
        way to Secrets Manager (a NAT route, or the Secrets Manager interface endpoint, whose
        security group must admit it on 443). Otherwise every rotation times out at setSecret.
    """
    bad = """
        RotationFunction:
          Type: AWS::Lambda::Function
          Properties:
            Role: !GetAtt RotationRole.Arn    # no VpcConfig: cannot reach the cluster
    """
    good = """
        LambdaSecurityGroup:
          Type: AWS::EC2::SecurityGroup
          Properties:
            GroupDescription: Secrets Manager rotation function
            VpcId: !Ref VPC
            SecurityGroupEgress:
              - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
              - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, DestinationSecurityGroupId: !Ref DatabaseSecurityGroup}
        DatabaseIngressFromRotationLambda:
          Type: AWS::EC2::SecurityGroupIngress
          Properties:
            GroupId: !Ref DatabaseSecurityGroup
            IpProtocol: tcp
            FromPort: 5432
            ToPort: 5432
            SourceSecurityGroupId: !Ref LambdaSecurityGroup
        RotationFunction:
          Type: AWS::Lambda::Function
          Properties:
            VpcConfig:
              SecurityGroupIds: [!Ref LambdaSecurityGroup]
              SubnetIds: [!Ref PrivateSubnet1, !Ref PrivateSubnet2, !Ref PrivateSubnet3]
        RotationRole:          # ManagedPolicyArns gains AWSLambdaVPCAccessExecutionRole
    """
    fix_safety = """
        Safe (update). The fix adds `LambdaSecurityGroup` in the database's VPC (egress only to
        the database group on the database port and HTTPS for Secrets Manager), an
        `AWS::EC2::SecurityGroupIngress` on the database security group from it on the database
        port, and, when the VPC has a Secrets Manager interface endpoint whose security group is
        in the template, an ingress on 443 to that group from it. The function gets `VpcConfig`
        with that group, in the VPC's subnets that route out through a NAT gateway; its role gets
        the AWS managed policy `AWSLambdaVPCAccessExecutionRole` (ARN with `${AWS::Partition}`).
        `VpcConfig` is updatable on a function: it is updated in place (Lambda creates its network
        interfaces, which takes a minute or two); the security groups and the role update in place.
    """
    notes = """
        Subnets: the NAT-routed (private) subnets of the database's VPC, not the dedicated
        database subnets. The database subnets that MF0101 adds have no route out of the VPC, so a
        function there reaches Secrets Manager only through an interface endpoint; the private
        subnets reach both the cluster (local route, admitted by the security group) and Secrets
        Manager (NAT, or the endpoint when there is one), so the placement is valid whichever of
        MF0101 and MF0102 ran first, and the result does not depend on their order. When the VPC
        has no NAT-routed subnet, the database subnet group's subnets are used if a Secrets Manager
        endpoint with private DNS exists; otherwise there is no fix (add the endpoint, MF0102).
        Database security groups, subnets or the VPC from parameters or imports cannot be seen:
        the rule is silent there. Only the schedule's template function is placed: a
        `HostedRotationLambda` on the schedule (its `VpcSubnetIds`, `VpcSecurityGroupIds`) is
        neither checked nor edited here (MF0402 reports one beside the template function, inside
        `Fn::If` or not).
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        res = cfn.resources(data)
        seen: set[str] = set()
        for setup in common.setups(data):
            fn = setup.function
            if not fn or fn in seen or common.service_token_users(data, fn):
                continue  # (a custom resource's handler is not a rotation function: MF0401)
            seen.add(fn)
            net = network_of(data, setup.database)
            if net is None:
                continue
            fix = Fix(
                title=f"Place {fn} in the VPC with a security group that {', '.join(net.db_groups)} admits",
                args=(setup.schedule,),
                impact="update",
                impact_detail=f"{fn} is updated in place (VpcConfig); security groups and the role update in place",
            )
            props = cfn.props(res[fn])
            if not isinstance(props.get("VpcConfig"), dict):
                yield self.finding(
                    ("Resources", fn, "Properties", "VpcConfig"),
                    f"The rotation function {fn} has no VpcConfig: it runs outside {net.vpc} and cannot "
                    f"reach {net.database} in its private subnets.",
                    fix if self._can_place(data, net) else None,
                )
                continue
            groups, named = function_groups(data, fn)
            if named and not groups:
                continue  # groups from parameters or imports: nothing to see
            if not groups:
                yield self.finding(
                    ("Resources", fn, "Properties", "VpcConfig", "SecurityGroupIds"),
                    f"The rotation function {fn} has no security group of its own.",
                    fix,
                )
                continue
            if not any(admits(data, g, groups, net.port) for g in net.db_groups):
                yield self.finding(
                    ("Resources", net.db_groups[0]),
                    f"{net.db_groups[0]} does not admit the rotation function {fn} ({', '.join(groups)}) "
                    f"on the database port.",
                    fix,
                )
            for g in endpoint_groups(data, net.vpc):
                if not admits(data, g, groups, 443):
                    yield self.finding(
                        ("Resources", g),
                        f"{g}, the security group of the Secrets Manager endpoint, does not admit the "
                        f"rotation function {fn} on 443.",
                        fix,
                    )
            if setup.role and not role_has_vpc_access(data, setup.role):
                yield self.finding(
                    ("Resources", setup.role, "Properties", "ManagedPolicyArns"),
                    f"The role {setup.role} of the VPC function {fn} may not manage its network interfaces.",
                    fix,
                )
            subnet_values = cfn.list_of(props["VpcConfig"].get("SubnetIds"))
            ids = topology.subnet_ids(subnet_values)
            if (
                ids
                and len(ids) == len(subnet_values)
                and len(subnets_in(data, net.vpc, ids)) == len(ids)
            ):
                routed = set(nat_subnets(data, net.vpc))
                if not set(ids) <= routed and not has_private_dns_endpoint(data, net.vpc):
                    yield self.finding(
                        ("Resources", fn, "Properties", "VpcConfig", "SubnetIds"),
                        f"The subnets of {fn} have no NAT route and the VPC has no Secrets Manager "
                        "endpoint: the function cannot reach Secrets Manager.",
                        fix if nat_subnets(data, net.vpc) else None,
                    )

    @staticmethod
    def _can_place(data: dict[str, Any], net: Network) -> bool:
        return bool(nat_subnets(data, net.vpc)) or bool(
            _db_subnets(data, net) and has_private_dns_endpoint(data, net.vpc)
        )

    def apply(self, doc: Document, schedule: str) -> None:
        data = doc.data
        setup = next((s for s in common.setups(data) if s.schedule == schedule), None)
        net = network_of(data, setup.database) if setup else None
        if setup is None or net is None or not setup.function:
            raise EditError(f"the database network of {schedule} is no longer visible")
        fn = setup.function
        groups, _ = function_groups(data, fn)
        if groups:
            sg = groups[0]
        else:
            sg = add_resource(doc, unique_id(doc, LAMBDA_SG), self._security_group(net))
        vpc_config = cfn.props(cfn.resources(doc.data)[fn]).get("VpcConfig")
        routed = nat_subnets(doc.data, net.vpc)
        if not isinstance(vpc_config, dict):
            subnets = routed or (
                _db_subnets(doc.data, net) if has_private_dns_endpoint(doc.data, net.vpc) else []
            )
            if not subnets:
                raise EditError(
                    f"{net.vpc} has no subnet from which the function reaches Secrets Manager"
                )
            set_property(
                doc,
                fn,
                "VpcConfig",
                {
                    "SecurityGroupIds": [{"Ref": sg}],
                    "SubnetIds": [{"Ref": s} for s in subnets],
                },
            )
        else:
            if not groups:
                set_property(doc, fn, ("VpcConfig", "SecurityGroupIds"), [{"Ref": sg}])
            ids = topology.subnet_ids(vpc_config.get("SubnetIds"))
            if (
                ids
                and not set(ids) <= set(routed)
                and routed
                and not has_private_dns_endpoint(doc.data, net.vpc)
            ):
                set_property(doc, fn, ("VpcConfig", "SubnetIds"), [{"Ref": s} for s in routed])
        groups = groups or [sg]
        if not any(admits(doc.data, g, groups, net.port) for g in net.db_groups):
            add_resource(
                doc,
                unique_id(doc, DB_INGRESS),
                {
                    "Type": "AWS::EC2::SecurityGroupIngress",
                    "Properties": {
                        "GroupId": {"Ref": net.db_groups[0]},
                        "Description": "Database port from the secret rotation function",
                        "IpProtocol": "tcp",
                        "FromPort": net.port,
                        "ToPort": net.port,
                        "SourceSecurityGroupId": {"Ref": sg},
                    },
                },
            )
        for g in endpoint_groups(doc.data, net.vpc):
            if not admits(doc.data, g, groups, 443):
                add_resource(
                    doc,
                    unique_id(doc, ENDPOINT_INGRESS),
                    {
                        "Type": "AWS::EC2::SecurityGroupIngress",
                        "Properties": {
                            "GroupId": {"Ref": g},
                            "Description": "HTTPS to Secrets Manager from the secret rotation function",
                            "IpProtocol": "tcp",
                            "FromPort": 443,
                            "ToPort": 443,
                            "SourceSecurityGroupId": {"Ref": sg},
                        },
                    },
                )
        if setup.role and not role_has_vpc_access(doc.data, setup.role):
            add_list_item(
                doc, ("Resources", setup.role, "Properties", "ManagedPolicyArns"), VPC_ACCESS_POLICY
            )

    @staticmethod
    def _security_group(net: Network) -> dict[str, Any]:
        return {
            "Type": SG_TYPE,
            "Properties": {
                "GroupDescription": "Secrets Manager rotation function of the database credentials",
                "VpcId": {"Ref": net.vpc},
                "SecurityGroupEgress": [
                    {
                        "IpProtocol": "tcp",
                        "FromPort": net.port,
                        "ToPort": net.port,
                        "DestinationSecurityGroupId": {"Ref": net.db_groups[0]},
                        "Description": "Database port to the database",
                    },
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 443,
                        "ToPort": 443,
                        "CidrIp": "0.0.0.0/0",
                        "Description": "HTTPS to Secrets Manager (NAT gateway or interface endpoint)",
                    },
                ],
                "Tags": [
                    {"Key": "Name", "Value": {"Fn::Sub": "${AWS::StackName}-rotation-lambda"}}
                ],
            },
        }


def _db_subnets(data: dict[str, Any], net: Network) -> list[str]:
    db = _cluster_of(data, net.database)
    group = cfn.ref_target(cfn.props(db).get("DBSubnetGroupName"))
    res = cfn.resources(data).get(group or "") or {}
    return subnets_in(data, net.vpc, topology.subnet_ids(cfn.props(res).get("SubnetIds")))
