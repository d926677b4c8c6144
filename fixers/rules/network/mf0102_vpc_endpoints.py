"""MF0102: tasks and functions in private subnets reach AWS services through VPC endpoints (spec 1.2)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from fixers import cfn, key_users, topology, values
from fixers.document import Document, EditError
from fixers.edits import add_resource, guarded, register_names, set_property, unique_id
from fixers.model import Finding, Fix
from fixers.rules import Rule

# service suffix -> (logical ID base, endpoint type)
SERVICES: dict[str, tuple[str, str]] = {
    "ecr.api": ("ECRApiVPCEndpoint", "Interface"),
    "ecr.dkr": ("ECRDkrVPCEndpoint", "Interface"),
    "secretsmanager": ("SecretsManagerVPCEndpoint", "Interface"),
    "logs": ("CloudWatchLogsVPCEndpoint", "Interface"),
    "s3": ("S3VPCEndpoint", "Gateway"),
}
ORDER = list(SERVICES)
SG_BASE = "VPCEndpointSecurityGroup"
WORKLOAD_TYPES = ("AWS::ECS::Service", "AWS::Lambda::Function")
NO_EGRESS = {
    "IpProtocol": "icmp",
    "FromPort": 252,
    "ToPort": 86,
    "CidrIp": "255.255.255.255/32",
    "Description": "No outbound traffic: interface endpoints never open connections",
}

register_names(
    *[
        f"{name}{n}"
        for n in ("", "2", "3")
        for name in [SG_BASE] + [b for b, _ in SERVICES.values()]
    ]
)

_SERVICE_RE = re.compile(r"^com\.amazonaws\.(?:\$\{AWS::Region\}|[a-z0-9-]+)\.(.+)$")


def service_of(data: dict[str, Any], value: Any) -> str | None:
    """The service suffix of an endpoint's ServiceName (``ecr.api``, ``s3``...), None if unseen."""
    for text in values.patterns(data, value):
        m = _SERVICE_RE.match(text)
        if m:
            return m.group(1)
    return None


def _endpoint_type(props: dict[str, Any]) -> str:
    t = props.get("VpcEndpointType")
    return t if isinstance(t, str) else "Gateway"


def _private(data: dict[str, Any]) -> set[str]:
    """Subnets whose route table has no default route to an internet gateway."""
    tables = topology.route_tables_of(data)
    targets = topology.default_route_targets(data)
    return {
        s
        for s in topology.subnets(data)
        if s in tables and "igw" not in targets.get(tables[s], set())
    }


def _uses_ecr(data: dict[str, Any], service: dict[str, Any]) -> bool:
    td = cfn.resources(data).get(cfn.ref_target(cfn.props(service).get("TaskDefinition")) or "", {})
    images = [
        c.get("Image")
        for c in cfn.list_of(cfn.props(td).get("ContainerDefinitions"))
        if isinstance(c, dict)
    ]
    if not images:
        return True  # the task definition is elsewhere: assume the usual ECR image
    # A literal image from another registry (Docker Hub, public.ecr.aws) does not need ECR endpoints.
    return any(not (isinstance(i, str) and ".dkr.ecr." not in i) for i in images)


def _task_def(data: dict[str, Any], service: dict[str, Any]) -> dict[str, Any]:
    return cfn.resources(data).get(
        cfn.ref_target(cfn.props(service).get("TaskDefinition")) or "", {}
    )


def _injects_secrets(td: dict[str, Any]) -> bool:
    for c in cfn.list_of(cfn.props(td).get("ContainerDefinitions")):
        if not isinstance(c, dict):
            continue
        for s in cfn.list_of(c.get("Secrets")):
            if isinstance(s, dict):
                v = s.get("ValueFrom")
                text = json.dumps(v)
                if ":ssm:" in text or ":parameter/" in text:
                    continue
                return True
    return False


def _uses_awslogs(td: dict[str, Any]) -> bool:
    return any(
        isinstance(c, dict)
        and isinstance(c.get("LogConfiguration"), dict)
        and c["LogConfiguration"].get("LogDriver") == "awslogs"
        for c in cfn.list_of(cfn.props(td).get("ContainerDefinitions"))
    )


def _function_reads_secrets(data: dict[str, Any], fn: str) -> bool:
    for _, sched in cfn.of_type(data, "AWS::SecretsManager::RotationSchedule"):
        if cfn.ref_target(cfn.props(sched).get("RotationLambdaARN")) == fn:
            return True
    env = cfn.props(cfn.resources(data)[fn]).get("Environment")
    secrets = set(key_users.secrets_in_order(data))
    return bool(cfn.refs(env) & secrets)


def _security_groups(res: dict[str, Any]) -> list[Any]:
    p = cfn.props(res)
    if res.get("Type") == "AWS::ECS::Service":
        v = ((p.get("NetworkConfiguration") or {}).get("AwsvpcConfiguration") or {}).get(
            "SecurityGroups"
        )
    else:
        v = (p.get("VpcConfig") or {}).get("SecurityGroupIds")
    return [x for x in cfn.list_of(v) if isinstance(x, dict)]


class Plan:
    """What one VPC's workloads need and what the template has."""

    def __init__(self, vpc: str) -> None:
        self.vpc = vpc
        self.workloads: list[str] = []
        self.needed: list[str] = []
        self.endpoint_subnets: list[str] = []
        self.route_tables: list[str] = []
        self.sources: list[Any] = []
        self.existing: dict[str, list[str]] = {}


def plans(data: dict[str, Any]) -> list[Plan]:
    res = cfn.resources(data)
    private = _private(data)
    tables = topology.route_tables_of(data)
    by_vpc: dict[str, Plan] = {}
    workloads = topology.workload_subnets(data, WORKLOAD_TYPES)
    for lid in [k for k in res if k in workloads]:  # template order
        ids = workloads[lid]
        if not ids or not all(s in private for s in ids):
            continue
        vpc = topology.vpc_of_subnets(data, ids)
        if vpc is None:
            continue
        plan = by_vpc.setdefault(vpc, Plan(vpc))
        plan.workloads.append(lid)
        w = res[lid]
        if w["Type"] == "AWS::ECS::Service":
            td = _task_def(data, w)
            wanted = (
                (["ecr.api", "ecr.dkr", "s3"] if _uses_ecr(data, w) else [])
                + (["secretsmanager"] if _injects_secrets(td) else [])
                + (["logs"] if _uses_awslogs(td) else [])
            )
        else:
            wanted = ["secretsmanager"] if _function_reads_secrets(data, lid) else []
        for s in wanted:
            if s not in plan.needed:
                plan.needed.append(s)
        for sg in _security_groups(w):
            if sg not in plan.sources:
                plan.sources.append(sg)
        for s in ids if "s3" in wanted else []:
            t = tables.get(s)
            if t and t not in plan.route_tables:
                plan.route_tables.append(t)
    for plan in by_vpc.values():
        plan.needed.sort(key=ORDER.index)
        # Endpoint subnets: the ECS services' subnets (else the functions'), one per zone.
        services = [
            w for w in plan.workloads if res[w]["Type"] == "AWS::ECS::Service"
        ] or plan.workloads
        zones: set[str] = set()
        for workload in services:
            for s in workloads[workload]:
                p = cfn.props(res[s])
                zone = json.dumps(
                    p.get("AvailabilityZone", p.get("AvailabilityZoneId", s)), sort_keys=True
                )
                if zone not in zones and s not in plan.endpoint_subnets:
                    zones.add(zone)
                    plan.endpoint_subnets.append(s)
        order = list(res)
        plan.route_tables.sort(key=order.index)
    return [p for p in by_vpc.values() if p.needed]


def _source_name(value: Any) -> str:
    t = cfn.ref_target(value)
    return t or json.dumps(value, sort_keys=True)


def ingress_rule(source: Any) -> dict[str, Any]:
    return {
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "SourceSecurityGroupId": source,
        "Description": f"HTTPS from {_source_name(source)}",
    }


def _rank_ingress(item: Any) -> str | None:
    item = cfn.unguarded(item)
    return (
        item.get("Description")
        if isinstance(item, dict) and isinstance(item.get("Description"), str)
        else None
    )


class State:
    """The template's endpoints of one VPC, and what is wrong with them."""

    def __init__(self, data: dict[str, Any], plan: Plan) -> None:
        self.unseen = False
        self.by_service: dict[str, str] = {}
        self.no_dns: list[str] = []
        self.s3_missing_tables: list[str] = []
        self.sg_missing: dict[str, list[Any]] = {}
        for lid, ep in cfn.of_type(data, "AWS::EC2::VPCEndpoint"):
            p = cfn.props(ep)
            if cfn.ref_target(p.get("VpcId")) != plan.vpc:
                continue
            svc = service_of(data, p.get("ServiceName"))
            if svc is None:
                self.unseen = True
                continue
            if svc not in SERVICES or svc in self.by_service:
                continue
            self.by_service[svc] = lid
            if svc not in plan.needed:
                continue
            if _endpoint_type(p) == "Interface":
                if p.get("PrivateDnsEnabled") is not True and not isinstance(
                    p.get("PrivateDnsEnabled"), dict
                ):
                    self.no_dns.append(lid)
                for sg_value in cfn.list_of(p.get("SecurityGroupIds")):
                    sg = cfn.ref_target(sg_value)
                    if (
                        not sg
                        or cfn.resources(data).get(sg, {}).get("Type") != "AWS::EC2::SecurityGroup"
                    ):
                        continue
                    missing = [
                        s
                        for s in plan.sources
                        if not values.admits(data, sg, 443, sources=[s], any_cidr=True)
                    ]
                    if missing and sg not in self.sg_missing:
                        self.sg_missing[sg] = missing
            elif svc == "s3":
                have = {
                    cfn.ref_target(cfn.unguarded(t)) for t in cfn.list_of(p.get("RouteTableIds"))
                }
                self.s3_missing_tables = [t for t in plan.route_tables if t not in have]
        self.missing = [s for s in plan.needed if s not in self.by_service]

    @property
    def clean(self) -> bool:
        return not (self.missing or self.no_dns or self.s3_missing_tables or self.sg_missing)


def _dns_off(data: dict[str, Any], vpc: str) -> list[str]:
    p = cfn.props(cfn.resources(data)[vpc])
    out = []
    if p.get("EnableDnsHostnames") is not True and not isinstance(
        p.get("EnableDnsHostnames"), dict
    ):
        out.append("EnableDnsHostnames")
    if p.get("EnableDnsSupport") not in (True, None) and not isinstance(
        p.get("EnableDnsSupport"), dict
    ):
        out.append("EnableDnsSupport")
    return out


class VpcEndpoints(Rule):
    code = "MF0102"
    spec = ("1.2",)
    title = "Private workloads reach AWS services through the NAT gateways"
    area = "network"
    kind = "hardening"
    severity = "low"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        ECS tasks and functions in private subnets that pull images from ECR, read secrets from
        Secrets Manager and send logs to CloudWatch Logs without VPC endpoints do it through the
        NAT gateways: every image layer and log line is billed as NAT data processing, the calls
        leave the VPC's private address space, and a NAT gateway outage stops tasks from starting.
        Interface endpoints (ECR API, ECR Docker, Secrets Manager, CloudWatch Logs) with private
        DNS, and the S3 gateway endpoint (ECR stores image layers in S3) keep that traffic inside
        the VPC.
    """
    bad = """
        ECSService:
          Type: AWS::ECS::Service
          Properties:
            NetworkConfiguration:
              AwsvpcConfiguration:
                Subnets: [!Ref PrivateSubnet1, !Ref PrivateSubnet2]   # routed through NAT only
    """
    good = """
        VPCEndpointSecurityGroup:
          Type: AWS::EC2::SecurityGroup
          Properties:
            GroupDescription: HTTPS from the tasks and functions to the VPC interface endpoints
            VpcId: !Ref VPC
            SecurityGroupIngress:
              - IpProtocol: tcp
                FromPort: 443
                ToPort: 443
                SourceSecurityGroupId: !Ref ECSSecurityGroup
        ECRApiVPCEndpoint:
          Type: AWS::EC2::VPCEndpoint
          Properties:
            VpcId: !Ref VPC
            ServiceName: !Sub com.amazonaws.${AWS::Region}.ecr.api
            VpcEndpointType: Interface
            PrivateDnsEnabled: true
            SubnetIds: [!Ref PrivateSubnet1, !Ref PrivateSubnet2]
            SecurityGroupIds: [!Ref VPCEndpointSecurityGroup]
        S3VPCEndpoint:
          Type: AWS::EC2::VPCEndpoint
          Properties:
            VpcId: !Ref VPC
            ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
            VpcEndpointType: Gateway
            RouteTableIds: [!Ref PrivateRouteTable1, !Ref PrivateRouteTable2]
    """
    fix_safety = """
        Safe (update). New resources: `VPCEndpointSecurityGroup` (HTTPS from the security groups
        of the tasks and functions in private subnets of the VPC, no outbound rule), the missing
        interface endpoints `ECRApiVPCEndpoint`, `ECRDkrVPCEndpoint`, `SecretsManagerVPCEndpoint`,
        `CloudWatchLogsVPCEndpoint` (private DNS on, one subnet per Availability Zone, the ECS
        services' subnets) and `S3VPCEndpoint` (gateway, on the workloads' route tables). Private
        DNS needs `EnableDnsHostnames` and `EnableDnsSupport` on the VPC: the fix turns them on,
        an in-place VPC update. Existing endpoints get private DNS turned on, the S3 gateway the
        missing route tables, their security groups the missing HTTPS rules. When private DNS
        comes up, the service names resolve to the endpoints; with the security group admitting
        the workloads, calls keep working. Endpoints cost per hour and per GB.
    """
    notes = """
        Which endpoints a VPC needs is read from its workloads: an ECS service needs ECR API, ECR
        Docker and S3 (unless its images are literal non-ECR images), Secrets Manager if its task
        definition injects Secrets Manager secrets, CloudWatch Logs if it uses the awslogs driver;
        a function needs Secrets Manager if it rotates or names a secret (Lambda ships its own
        logs, outside the VPC). A workload is private when every subnet it uses has a route table
        without a default route to an internet gateway. A VPC with an endpoint whose service name
        is a parameter is left alone. No endpoint policy is added: the endpoints serve whatever
        the workloads are allowed by IAM. The endpoint security group has the
        `255.255.255.255/32` ICMP egress rule that stands for "no outbound traffic".
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for plan in plans(data):
            state = State(data, plan)
            if state.unseen or state.clean:
                continue
            parts = []
            if state.missing:
                parts.append(
                    f"no {', '.join(state.missing)} endpoint{'s' if len(state.missing) > 1 else ''}"
                )
            if state.no_dns:
                parts.append(f"private DNS off on {', '.join(state.no_dns)}")
            if state.s3_missing_tables:
                parts.append(
                    f"the S3 gateway endpoint is not on {', '.join(state.s3_missing_tables)}"
                )
            for sg, srcs in state.sg_missing.items():
                parts.append(
                    f"{sg} does not admit HTTPS from {', '.join(_source_name(s) for s in srcs)}"
                )
            yield self.finding(
                ("Resources", plan.vpc),
                f"Workloads in private subnets of {plan.vpc} ({', '.join(plan.workloads)}) reach AWS services "
                f"through NAT: {'; '.join(parts)}.",
                Fix(
                    title=f"Add the VPC endpoints {plan.vpc}'s private workloads need",
                    args=(plan.vpc,),
                    impact="update",
                    impact_detail="new endpoints and security group; DNS attributes of the VPC and endpoint settings are updated in place",
                ),
            )

    def apply(self, doc: Document, vpc: str) -> None:
        plan = next((p for p in plans(doc.data) if p.vpc == vpc), None)
        if plan is None:
            return
        state = State(doc.data, plan)
        if state.unseen:
            raise EditError(f"an endpoint of {vpc} names its service through a parameter")
        for lid in state.no_dns:
            set_property(doc, lid, "PrivateDnsEnabled", True)
        for sg, srcs in state.sg_missing.items():
            if not isinstance(
                doc.get(("Resources", sg, "Properties", "SecurityGroupIngress"), []), list
            ):
                raise EditError(f"the ingress rules of {sg} are not a list")
            for src in srcs:
                path = ("Resources", sg, "Properties", "SecurityGroupIngress")
                # Under the source group's condition when it has one the group lacks.
                doc.append(path, guarded(doc, path, ingress_rule(src)), rank=_rank_ingress)
        if state.s3_missing_tables:
            ep = state.by_service["s3"]
            for t in state.s3_missing_tables:
                path = ("Resources", ep, "Properties", "RouteTableIds")
                doc.append(path, guarded(doc, path, {"Ref": t}), rank=lambda v: None)
        interface = [s for s in state.missing if SERVICES[s][1] == "Interface"]
        if interface:
            for attr in _dns_off(doc.data, vpc):
                set_property(doc, vpc, attr, True)
            sg = self._security_group(doc, plan)
            for svc in interface:
                add_resource(
                    doc,
                    unique_id(doc, SERVICES[svc][0]),
                    {
                        "Type": "AWS::EC2::VPCEndpoint",
                        "Properties": {
                            "VpcId": {"Ref": vpc},
                            "ServiceName": {"Fn::Sub": f"com.amazonaws.${{AWS::Region}}.{svc}"},
                            "VpcEndpointType": "Interface",
                            "PrivateDnsEnabled": True,
                            "SubnetIds": [{"Ref": s} for s in plan.endpoint_subnets],
                            "SecurityGroupIds": [{"Ref": sg}],
                        },
                    },
                )
        if "s3" in state.missing:
            add_resource(
                doc,
                unique_id(doc, SERVICES["s3"][0]),
                {
                    "Type": "AWS::EC2::VPCEndpoint",
                    "Properties": {
                        "VpcId": {"Ref": vpc},
                        "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"},
                        "VpcEndpointType": "Gateway",
                        "RouteTableIds": [{"Ref": t} for t in plan.route_tables],
                    },
                },
            )

    @staticmethod
    def _security_group(doc: Document, plan: Plan) -> str:
        """The endpoints' security group of this VPC (the one other endpoints here use), or a new one."""
        data = doc.data
        for _, ep in cfn.of_type(data, "AWS::EC2::VPCEndpoint"):
            p = cfn.props(ep)
            if cfn.ref_target(p.get("VpcId")) == plan.vpc and _endpoint_type(p) == "Interface":
                for v in cfn.list_of(p.get("SecurityGroupIds")):
                    sg = cfn.ref_target(v)
                    if (
                        sg
                        and cfn.resources(data).get(sg, {}).get("Type") == "AWS::EC2::SecurityGroup"
                    ):
                        return sg
        rules = sorted((ingress_rule(s) for s in plan.sources), key=lambda r: r["Description"])
        if not rules:
            rules = [
                {
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "CidrIp": {"Fn::GetAtt": [plan.vpc, "CidrBlock"]},
                    "Description": "HTTPS from the VPC (the workloads use its default security group)",
                }
            ]
        return add_resource(
            doc,
            unique_id(doc, SG_BASE),
            {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {
                    "GroupDescription": "HTTPS from the tasks and functions to the VPC interface endpoints",
                    "VpcId": {"Ref": plan.vpc},
                    "SecurityGroupIngress": rules,
                    "SecurityGroupEgress": [NO_EGRESS],
                    "Tags": [
                        {"Key": "Name", "Value": {"Fn::Sub": "${AWS::StackName}-vpc-endpoints"}}
                    ],
                },
            },
        )
