"""MF1436: a workload role holds administrator or IAM-administrator permissions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document
from fixers.model import Finding
from fixers.rules import Rule

BROAD = {
    "AdministratorAccess": ("every action on every resource", "defect", "high"),
    "IAMFullAccess": (
        "every IAM action: it can grant itself (or a role it creates) anything",
        "defect",
        "high",
    ),
    "PowerUserAccess": ("every action outside IAM and Organizations", "hardening", "medium"),
}
POLICY_HOLDERS = ("AWS::IAM::Role",)


def trusted_services(data: dict[str, Any], role: dict[str, Any]) -> list[str]:
    """The AWS services a role's trust policy lets assume it (empty for a role people or
    accounts assume)."""
    trust = cfn.props(role).get("AssumeRolePolicyDocument")
    out: list[str] = []
    if not isinstance(trust, dict):
        return out
    statements = trust.get("Statement")
    for st in [statements] if isinstance(statements, dict) else cfn.list_of(statements):
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        principal = st.get("Principal")
        if isinstance(principal, dict):
            for service in cfn.list_of(principal.get("Service")):
                out.extend(values.texts(data, service) or ["a service"])
    return out


def statement_locations(
    data: dict[str, Any], policy_path: tuple[Any, ...], policy: Any
) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(path, statement) of each statement of a policy document (each ``Fn::If`` branch)."""
    out: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    if not isinstance(policy, dict):
        return out
    st = policy.get("Statement")
    base = policy_path + ("Statement",)
    if isinstance(st, dict) and "Fn::If" not in st:
        return [(base, st)]
    for i, item in enumerate(st if isinstance(st, list) else []):
        for sub, value, _ in values.branches(item):
            if isinstance(value, dict):
                out.append((base + (i,) + sub, value))
    return out


def role_statements(
    data: dict[str, Any], role: str
) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every statement of the policies a template role holds: inline and attached template
    policies (``AWS::IAM::Policy``, ``AWS::IAM::ManagedPolicy`` naming it)."""
    out = []
    res = cfn.resources(data).get(role, {})
    for i, pol in enumerate(cfn.list_of(cfn.props(res).get("Policies"))):
        if isinstance(pol, dict):
            out += statement_locations(
                data,
                ("Resources", role, "Properties", "Policies", i, "PolicyDocument"),
                pol.get("PolicyDocument"),
            )
    for lid, pol in cfn.of_type(data, "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        p = cfn.props(pol)
        if role in cfn.refs(p.get("Roles")):
            out += statement_locations(
                data, ("Resources", lid, "Properties", "PolicyDocument"), p.get("PolicyDocument")
            )
    return out


def _wildcard(data: dict[str, Any], value: Any) -> bool:
    """Whether a statement's Action or Resource can be (or include) exactly ``*``."""
    for o in values.items(data, value) if isinstance(value, list) else values.options(data, value):
        seq = o.value if isinstance(o.value, list) else [o.value]
        for item in seq:
            if "*" in values.texts(data, item):
                return True
    return False


def admin_statement(data: dict[str, Any], st: dict[str, Any]) -> str | None:
    """``*`` or ``iam:*`` allowed on every resource, in words; None otherwise."""
    if st.get("Effect") != "Allow" or "NotResource" in st or "Condition" in st:
        return None
    if not _wildcard(data, st.get("Resource")):
        return None
    actions = [t.lower() for a in cfn.list_of(st.get("Action")) for t in values.texts(data, a)]
    if "*" in actions:
        return "Action '*' on Resource '*' (administrator)"
    if "iam:*" in actions:
        return "Action 'iam:*' on Resource '*' (IAM administrator)"
    return None


class AdministratorWorkloadRole(Rule):
    code = "MF1436"
    spec = ()
    title = "Workload role holds administrator or IAM-administrator permissions"
    area = "iam"
    kind = "defect"
    severity = "high"
    fix_applicability = "none"
    deploy_impact = "none"
    why = """
        A role that an AWS service assumes for a workload (an ECS task, a Lambda function, an EC2
        instance) acts with the workload's code: whoever compromises the code (a dependency, an
        injection, a stolen instance credential from the metadata service) acts with the role.
        `AdministratorAccess` (or `Action: '*'` on `*`) hands that person the account;
        `IAMFullAccess` (or `iam:*` on `*`) lets them grant themselves anything, which is the
        same. AWS Security Hub IAM.1, CIS 1.16, checkov CKV_AWS_274 and the Well-Architected
        least-privilege practice all ask for workload permissions scoped to what the workload
        does. `PowerUserAccess` (everything but IAM) is reported as hardening.
    """
    bad = """
        TaskRole:
          Type: AWS::IAM::Role
          Properties:
            AssumeRolePolicyDocument:
              Statement:
                - {Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}
            ManagedPolicyArns:
              - arn:aws:iam::aws:policy/AdministratorAccess
    """
    good = """
        TaskRole:
          Type: AWS::IAM::Role
          Properties:
            AssumeRolePolicyDocument:
              Statement:
                - {Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}
            Policies:
              - PolicyName: ledger-queue
                PolicyDocument:
                  Statement:
                    - {Effect: Allow, Action: [sqs:SendMessage], Resource: !GetAtt LedgerQueue.Arn}
    """
    fix_safety = """
        No fix: what the workload needs is in its code, not in the template, and removing the
        policy breaks whatever it does with it. Replace it with statements for the actions and
        resources the workload uses (IAM Access Analyzer can generate them from CloudTrail).
    """
    notes = """
        Premise: a template `AWS::IAM::Role` that an AWS service may assume (its trust policy
        names a service principal) and that holds the AWS managed `AdministratorAccess`,
        `IAMFullAccess` or `PowerUserAccess` (any value its `ManagedPolicyArns` can take, any
        partition), or an inline or attached template policy allowing `*` or `iam:*` on `*`
        without a condition. Roles that people or accounts assume (administrators through SSO,
        break-glass roles) are not workload roles and are not reported.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid, role in cfn.of_type(data, *POLICY_HOLDERS):
            services = trusted_services(data, role)
            if not services:
                continue
            who = f"assumed by {', '.join(dict.fromkeys(services))}"
            arns = cfn.props(role).get("ManagedPolicyArns")
            for i, item in enumerate(arns if isinstance(arns, list) else []):
                for text in values.patterns(data, item):
                    name = text.rsplit(":policy/", 1)[-1] if ":policy/" in text else None
                    if name not in BROAD or not text.split(":policy/")[0].endswith(":iam::aws"):
                        continue
                    grants, kind, severity = BROAD[name]
                    yield self.finding(
                        ("Resources", lid, "Properties", "ManagedPolicyArns", i),
                        f"Role {lid} ({who}) holds the AWS managed {name}: {grants}. Whoever "
                        "runs code as the workload holds it too.",
                        kind=kind,
                        severity=severity,
                    )
                    break
            for path, st in role_statements(data, lid):
                words = admin_statement(data, st)
                if words:
                    yield self.finding(
                        path,
                        f"Role {lid} ({who}) is allowed {words}. Whoever runs code as the workload "
                        "holds it too.",
                    )
