"""MF0803: RDS enhanced monitoring has its role (spec 8.3)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document, EditError
from fixers.edits import (
    add_resource,
    register_name_pattern,
    register_names,
    set_property,
    unique_id,
)
from fixers.model import Finding, Fix
from fixers.rules import Rule

ROLE = "EnhancedMonitoringRole"
PRINCIPAL = "monitoring.rds.amazonaws.com"
POLICY_SUFFIX = ":iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
POLICY_ARN = "arn:${AWS::Partition}" + POLICY_SUFFIX
DB_TYPES = ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster")

register_names(ROLE)
register_name_pattern(ROLE + r"[0-9]+")  # when a role of the template holds the name


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


def _names_principal(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    services = principal.get("Service") if isinstance(principal, dict) else None
    return PRINCIPAL in cfn.list_of(services)


def _this_account_only(condition: Any) -> bool:
    """A trust condition that lets RDS assume the role for this account's databases: none, or
    only ``aws:SourceAccount`` equal to ``AWS::AccountId``."""
    if condition is None:
        return True
    if not isinstance(condition, dict) or not condition:
        return False
    for operator, tests in condition.items():
        if operator not in ("StringEquals", "StringLike") or not isinstance(tests, dict):
            return False
        for key, value in tests.items():
            if key.lower() != "aws:sourceaccount" or value != {"Ref": "AWS::AccountId"}:
                return False
    return True


def trusts_monitoring(role: dict[str, Any]) -> bool:
    """The role's trust policy lets monitoring.rds.amazonaws.com assume it for this account."""
    document = cfn.props(role).get("AssumeRolePolicyDocument")
    statements = document.get("Statement") if isinstance(document, dict) else None
    allowed = False
    for st in cfn.list_of(statements):
        if not isinstance(st, dict) or not _names_principal(st):
            continue
        if st.get("Effect") == "Deny":
            return False
        actions = [a for a in cfn.list_of(st.get("Action")) if isinstance(a, str)]
        if (
            st.get("Effect") == "Allow"
            and any(fnmatch.fnmatchcase("sts:assumerole", a.lower()) for a in actions)
            and _this_account_only(st.get("Condition"))
        ):
            allowed = True
    return allowed


def has_monitoring_policy(role: dict[str, Any]) -> bool:
    """The role has the AWS managed policy AmazonRDSEnhancedMonitoringRole (any partition)."""
    return any(
        isinstance(v, str) and v.endswith(POLICY_SUFFIX)
        for arn in cfn.list_of(cfn.props(role).get("ManagedPolicyArns"))
        for _, v in cfn.walk(arn)
    )


def unfit_reason(role: dict[str, Any]) -> str | None:
    """Why a role cannot be handed to RDS enhanced monitoring as it is, or None if it can."""
    if "Condition" in role:
        return "exists only under a condition"
    if not trusts_monitoring(role):
        return f"is not trusted by {PRINCIPAL} for this account alone"
    if not has_monitoring_policy(role):
        return "lacks the managed policy AmazonRDSEnhancedMonitoringRole"
    if "PermissionsBoundary" in cfn.props(role):
        return "has a permissions boundary whose limits the template does not show"
    return None


def existing_monitoring_role(data: dict[str, Any]) -> str | None:
    """A role of the template that RDS enhanced monitoring can use as it is: trusted by the
    monitoring service (for this account) and with the AmazonRDSEnhancedMonitoringRole policy."""
    for lid, res in cfn.of_type(data, "AWS::IAM::Role"):
        if unfit_reason(res) is None:
            return lid
    return None


def unfit_monitoring_roles(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Roles the monitoring service may assume that the fix does not reuse, and why."""
    return [
        (lid, reason)
        for lid, res in cfn.of_type(data, "AWS::IAM::Role")
        if any(
            isinstance(st, dict) and _names_principal(st)
            for st in cfn.list_of(
                (cfn.props(res).get("AssumeRolePolicyDocument") or {}).get("Statement")
            )
        )
        and (reason := unfit_reason(res)) is not None
    ]


class EnhancedMonitoringRole(Rule):
    code = "MF0803"
    spec = ("8.3",)
    title = "Enhanced monitoring without its role"
    area = "monitoring"
    kind = "defect"
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
        monitoring is on without a role, the fix sets `MonitoringRoleArn` (an in-place update of
        the database, without reboot) to a role that can do the job: a role of the template is
        reused only when its trust policy lets `monitoring.rds.amazonaws.com` assume it (an
        `Allow` of `sts:AssumeRole`, with no condition or only `aws:SourceAccount` equal to this
        account, and no `Deny` of the service), it has the AWS managed policy
        `AmazonRDSEnhancedMonitoringRole`, it is not conditional and has no permissions
        boundary (whose limits the template does not show). Otherwise the fix adds
        `EnhancedMonitoringRole` (or `EnhancedMonitoringRole2`... when a role that cannot do the
        job holds the name), least privilege, and leaves the other roles as they are; its
        impact names each role it did not reuse and why.
    """
    notes = """
        The trust policy names the monitoring service and, as the RDS guide's confused-deputy
        section recommends, limits it to this account with `aws:SourceAccount`. The managed
        policy only lets RDS write to `RDS*` log groups. Before, any role whose trust policy
        mentioned the monitoring service anywhere was reused, whether or not it could publish
        the metrics. What a monitoring role needs is the RDS User Guide's "Setting up and
        enabling Enhanced Monitoring": a role that `monitoring.rds.amazonaws.com` may assume,
        with the `AmazonRDSEnhancedMonitoringRole` managed policy attached.
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
                role = existing_monitoring_role(data)
                if role is not None:
                    detail = (
                        f"MonitoringRoleArn is set to {role} (trusted by {PRINCIPAL}, with "
                        "AmazonRDSEnhancedMonitoringRole) in place, without reboot"
                    )
                else:
                    skipped = "".join(
                        f"; {r} is not reused: it {why}" for r, why in unfit_monitoring_roles(data)
                    )
                    detail = (
                        "a new role trusted by the monitoring service with "
                        "AmazonRDSEnhancedMonitoringRole; MonitoringRoleArn is set in place, "
                        f"without reboot{skipped}"
                    )
                yield self.finding(
                    ("Resources", lid, "Properties", "MonitoringInterval"),
                    f"{lid} turns enhanced monitoring on without a MonitoringRoleArn.",
                    Fix(
                        title=f"Give {lid} an enhanced-monitoring role",
                        action="apply_interval",
                        args=(lid,),
                        impact="update",
                        impact_detail=detail,
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
            # No role of the template can do the job as it is: a least-privilege one of its own
            # (under the next free name when a role that cannot holds EnhancedMonitoringRole).
            role = add_resource(doc, unique_id(doc, ROLE), role_definition())
        set_property(doc, lid, "MonitoringRoleArn", {"Fn::GetAtt": [role, "Arn"]})
