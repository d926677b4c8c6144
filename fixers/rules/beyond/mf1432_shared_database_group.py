"""MF1432: the database shares a security group with the application."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document, EditError
from fixers.edits import add_resource, register_name_pattern, set_property
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.database.common import default_port, engines

register_name_pattern(r"[A-Za-z0-9]+DBSecurityGroup")

WORKLOADS = (
    "AWS::ECS::Service",
    "AWS::EC2::Instance",
    "AWS::EC2::LaunchTemplate",
    "AWS::AutoScaling::LaunchConfiguration",
    "AWS::Lambda::Function",
)
MEMBERS = {
    "AWS::RDS::DBInstance": "VPCSecurityGroups",
    "AWS::RDS::DBCluster": "VpcSecurityGroupIds",
}


def _port(data: dict[str, Any], res: dict[str, Any]) -> int | None:
    p = cfn.props(res)
    port = values.as_int(values.literal(data, p.get("Port")))
    if port is not None:
        return port
    ports = {q for e in engines(data, res) if (q := default_port(e)) is not None}
    return ports.pop() if len(ports) == 1 else None


class SharedDatabaseGroup(Rule):
    code = "MF1432"
    spec = ()
    title = "Database shares a security group with the application"
    area = "network"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "unsafe"
    deploy_impact = "update"
    why = """
        A security group is a set of rules for its members: a database in the application's
        group admits whatever the application admits (the load balancer on the application's
        port, an admin range on SSH, the internet on 443) and on every port those rules open.
        The database tier needs a group of its own that admits the application's group on the
        database port only (AWS Well-Architected SEC05, "control traffic at all layers"; the RDS
        user guide's "Controlling access with security groups").
    """
    bad = """
        AppSecurityGroup:
          Type: AWS::EC2::SecurityGroup
        Service:
          Type: AWS::ECS::Service
          Properties:
            NetworkConfiguration:
              AwsvpcConfiguration: {SecurityGroups: [!Ref AppSecurityGroup]}
        Database:
          Type: AWS::RDS::DBInstance
          Properties:
            VPCSecurityGroups: [!Ref AppSecurityGroup]
    """
    good = """
        DatabaseDBSecurityGroup:
          Type: AWS::EC2::SecurityGroup
          Properties:
            VpcId: !Ref Vpc
            SecurityGroupIngress:
              - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: !GetAtt AppSecurityGroup.GroupId}
        Database:
          Type: AWS::RDS::DBInstance
          Properties:
            VPCSecurityGroups: [!GetAtt DatabaseDBSecurityGroup.GroupId]
    """
    fix_safety = """
        Unsafe (update). The fix adds `<database>DBSecurityGroup` in the shared group's VPC,
        admitting the shared group on the database port only, and puts it in the database's list
        in place of the shared group: RDS changes security groups in place, without a reboot.
        Clients that reached the database through the shared group's other rules (a CIDR, another
        group, another port) lose that path: check them first. No fix when the database's port
        or the group's VPC is not in the template.
    """
    notes = """
        Premise: a template security group that is both in an RDS instance's or cluster's
        security groups and in a workload's (an ECS service, an EC2 instance, a launch template
        or configuration, a Lambda function). Groups from parameters or other stacks cannot be
        compared and are not reported.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        groups = {lid for lid, _ in cfn.of_type(data, "AWS::EC2::SecurityGroup")}
        users: dict[str, list[str]] = {}
        for lid, res in cfn.of_type(data, *WORKLOADS):
            for g in cfn.refs(cfn.props(res)) & groups:
                users.setdefault(g, []).append(lid)
        for lid, res in cfn.of_type(data, *MEMBERS):
            key = MEMBERS[str(res.get("Type"))]
            listed = cfn.props(res).get(key)
            if not isinstance(listed, list):
                continue
            for i, item in enumerate(listed):
                group = cfn.ref_target(item)
                if group not in users:
                    continue
                port = _port(data, res)
                vpc = cfn.props(cfn.resources(data)[group]).get("VpcId")
                fix = None
                if port is not None and vpc is not None:
                    fix = Fix(
                        f"Give {lid} a security group of its own that admits {group} on {port}",
                        action="separate",
                        args=(lid, key, i, group, port),
                        impact="update",
                        impact_detail=(
                            "security groups change in place, no reboot; clients that reached the "
                            f"database through {group}'s other rules lose that path"
                        ),
                        applicability="unsafe",
                    )
                yield self.finding(
                    ("Resources", lid, "Properties", key, i),
                    f"Database {lid} is in security group {group}, which "
                    f"{', '.join(sorted(users[group]))} also use"
                    f"{'s' if len(users[group]) == 1 else ''}: whatever {group} admits reaches the "
                    "database too, on every port its rules open.",
                    fix,
                )

    @staticmethod
    def separate(doc: Document, lid: str, key: str, index: int, group: str, port: int) -> None:
        data = doc.data
        shared = cfn.resources(data).get(group)
        if shared is None:
            raise EditError(f"{group} is gone")
        name = f"{lid}DBSecurityGroup"
        add_resource(
            doc,
            name,
            {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {
                    "GroupDescription": f"{lid}: the database port, from the application group only",
                    "VpcId": cfn.props(shared).get("VpcId"),
                    "SecurityGroupIngress": [
                        {
                            "IpProtocol": "tcp",
                            "FromPort": port,
                            "ToPort": port,
                            "SourceSecurityGroupId": {"Fn::GetAtt": [group, "GroupId"]},
                        }
                    ],
                },
            },
        )
        path = ("Resources", lid, "Properties", key, index)
        if cfn.ref_target(doc.get(path)) == group:
            set_property(doc, lid, (key, index), {"Fn::GetAtt": [name, "GroupId"]})
