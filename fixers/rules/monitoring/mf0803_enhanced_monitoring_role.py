"""MF0803: RDS enhanced monitoring has its role (spec 8.3)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document, EditError
from fixers.edits import add_resource, register_names, set_property
from fixers.model import Finding, Fix
from fixers.rules import Rule

ROLE = "EnhancedMonitoringRole"
PRINCIPAL = "monitoring.rds.amazonaws.com"
POLICY_ARN = "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
DB_TYPES = ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster")

register_names(ROLE)


def role_definition() -> dict[str, Any]:
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": PRINCIPAL},
                        "Action": "sts:AssumeRole",
                        # Confused-deputy protection: only RDS acting for this account.
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
                        },
                    }
                ],
            },
            "ManagedPolicyArns": [{"Fn::Sub": POLICY_ARN}],
        },
    }


def _referenced_role(value: Any) -> str | None:
    """The logical ID a MonitoringRoleArn takes the ``Arn`` of (GetAtt or Sub)."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return cfn.ref_target(value)
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        m = re.fullmatch(r"\$\{([A-Za-z0-9]+)\.Arn\}", value["Fn::Sub"])
        return m.group(1) if m else None
    return None


def _monitoring_on(value: Any) -> bool | None:
    """Whether a MonitoringInterval turns monitoring on; None when it cannot be told."""
    if value is None:
        return False
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, str)) and str(value).strip().isdigit():
        return int(value) > 0
    if isinstance(value, dict) and list(value) == ["Fn::If"]:
        args = value["Fn::If"]
        if isinstance(args, list) and len(args) == 3:
            branches = [_monitoring_on(b) for b in args[1:]]
            if True in branches:
                return True
            if all(b is False for b in branches):
                return False
    return None


def existing_monitoring_role(data: dict[str, Any]) -> str | None:
    """A role of the template that RDS monitoring can assume."""
    for lid, res in cfn.of_type(data, "AWS::IAM::Role"):
        doc = cfn.props(res).get("AssumeRolePolicyDocument")
        for _, value in cfn.walk(doc):
            if value == PRINCIPAL or (isinstance(value, list) and PRINCIPAL in value):
                return lid
    return None


class EnhancedMonitoringRole(Rule):
    code = "MF0803"
    spec = ("8.3",)
    title = "Enhanced monitoring without its role"
    area = "monitoring"
    severity = "high"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        RDS Enhanced Monitoring publishes OS metrics (per-process CPU, memory, I/O) through a
        role that `monitoring.rds.amazonaws.com` assumes. A `MonitoringRoleArn` that points at a
        role the template never defines makes the stack fail to create; a
        `MonitoringInterval` above 0 without a role is rejected by the RDS API.
    """
    bad = """
        AuroraPrimaryInstance:
          Type: AWS::RDS::DBInstance
          Properties:
            MonitoringInterval: 60
            MonitoringRoleArn: !GetAtt EnhancedMonitoringRole.Arn   # not defined anywhere
    """
    good = """
        EnhancedMonitoringRole:
          Type: AWS::IAM::Role
          Properties:
            AssumeRolePolicyDocument:
              Version: '2012-10-17'
              Statement:
                - Effect: Allow
                  Principal: {Service: monitoring.rds.amazonaws.com}
                  Action: sts:AssumeRole
                  Condition: {StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}}
            ManagedPolicyArns:
              - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole
    """
    fix_safety = """
        Safe. When the role is referenced but missing, the fix defines it under the referenced
        name: the template could not be deployed before, so no deployed resource changes. When
        monitoring is on without a role, the fix reuses a role of the template that RDS
        monitoring can assume, or adds `EnhancedMonitoringRole`, and sets `MonitoringRoleArn`:
        an in-place update of the database, without reboot.
    """
    notes = """
        The trust policy names the monitoring service and, as the RDS guide's confused-deputy
        section recommends, limits it to this account with `aws:SourceAccount`. The managed
        policy only lets RDS write to `RDS*` log groups.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        resources = cfn.resources(data)
        params = cfn.section(data, "Parameters")
        for lid, res in cfn.of_type(data, *DB_TYPES):
            props = cfn.props(res)
            if "MonitoringRoleArn" in props:
                role = _referenced_role(props["MonitoringRoleArn"])
                if role is None or role in resources or role in params:
                    continue
                yield self.finding(
                    ("Resources", lid, "Properties", "MonitoringRoleArn"),
                    f"{lid} uses the enhanced-monitoring role {role}, which the template does not define.",
                    Fix(
                        title=f"Define {role} for RDS enhanced monitoring",
                        action="apply_missing",
                        args=(role,),
                        impact="update",
                        impact_detail="a new role; the template could not be deployed without it",
                    ),
                )
            elif _monitoring_on(props.get("MonitoringInterval")):
                yield self.finding(
                    ("Resources", lid, "Properties", "MonitoringInterval"),
                    f"{lid} turns enhanced monitoring on without a MonitoringRoleArn.",
                    Fix(
                        title=f"Give {lid} an enhanced-monitoring role",
                        action="apply_interval",
                        args=(lid,),
                        impact="update",
                        impact_detail="MonitoringRoleArn is set in place, without reboot",
                    ),
                )

    @staticmethod
    def apply_missing(doc: Document, role: str) -> None:
        current = doc.get(("Resources", role))
        if current is not None and current != role_definition():
            raise EditError(f"{role} exists already")
        add_resource(doc, role, role_definition())

    @staticmethod
    def apply_interval(doc: Document, lid: str) -> None:
        role = existing_monitoring_role(doc.data)
        if role is None:
            if doc.exists(("Resources", ROLE)) or doc.exists(("Parameters", ROLE)):
                raise EditError(f"{ROLE} is taken by something that is not an RDS monitoring role")
            role = add_resource(doc, ROLE, role_definition())
        set_property(doc, lid, "MonitoringRoleArn", {"Fn::GetAtt": [role, "Arn"]})
