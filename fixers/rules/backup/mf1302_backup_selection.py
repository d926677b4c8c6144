"""MF1302: a backup selection assigns the Aurora cluster to the backup plan (spec 13.2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, iam, values
from fixers.document import Document, EditError
from fixers.edits import (
    add_list_item,
    add_resource,
    condition_for,
    conditions_needed,
    held_conditions,
    register_name_pattern,
    unique_id,
)
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.backup import common as bk
from fixers.rules.database.common import aurora_clusters

SELECTION = "BackupSelection"
ROLE = "BackupRole"
SELECTION_NAME = "aurora-clusters"
# BackupRole2... when the template has a BackupRole AWS Backup cannot back Aurora up with.
register_name_pattern(ROLE + r"\d*")
register_name_pattern(SELECTION + r"\d*")

MANAGED_POLICY = "arn:${AWS::Partition}:iam::aws:policy/service-role/"
BACKUP_POLICY = "AWSBackupServiceRolePolicyForBackup"
RESTORE_POLICY = "AWSBackupServiceRolePolicyForRestores"
SNAPSHOT_ACTION = "rds:CreateDBClusterSnapshot"


def cluster_arn(cluster: str) -> dict[str, Any]:
    return {
        "Fn::Sub": "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:${"
        + cluster
        + "}"
    }


def backs_up_aurora(data: dict[str, Any], role: str) -> bool:
    """Whether AWS Backup can back an Aurora cluster up with a template role: it trusts
    backup.amazonaws.com, and has the AWS Backup service policy or a statement allowing
    ``rds:CreateDBClusterSnapshot`` (``rds:*`` and other patterns that cover it count)."""
    res = cfn.resources(data).get(role, {})
    if res.get("Type") != "AWS::IAM::Role" or not bk.trusts_backup(res):
        return False
    managed = cfn.props(res).get("ManagedPolicyArns")
    if any(isinstance(v, str) and BACKUP_POLICY in v for _, v in cfn.walk(managed)):
        return True
    documents = [d for _, d in iam.role_policy_documents(data, role, listed=True)]
    return any(
        iam.grants_action(st, SNAPSHOT_ACTION)
        for document in documents
        for st in iam.all_statements(document)
    )


def selection_role(data: dict[str, Any], plan: str) -> str | None:
    """The template role a selection of Aurora clusters for ``plan`` may run with: one AWS Backup
    can back Aurora up with (``backs_up_aurora``) that exists wherever the plan does; the role
    of an existing selection first, then one with the AWS Backup service policy. None: the fix
    makes its own."""
    roles = [lid for lid, r in cfn.of_type(data, "AWS::IAM::Role") if bk.trusts_backup(r)]
    preferred = bk.backup_role(data)
    if preferred in roles:
        roles.remove(preferred)
        roles.insert(0, preferred)
    held = held_conditions(data, ("Resources", plan))
    for role in roles:
        if backs_up_aurora(data, role) and not conditions_needed(data, {"Ref": role}, held):
            return role
    return None


def backup_role_definition() -> dict[str, Any]:
    """A least-privilege role for AWS Backup: trusted by backup.amazonaws.com only, with the AWS
    managed service policies for backups and restores (the documented default service role)."""
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "backup.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "ManagedPolicyArns": [
                {"Fn::Sub": MANAGED_POLICY + BACKUP_POLICY},
                {"Fn::Sub": MANAGED_POLICY + RESTORE_POLICY},
            ],
        },
    }


def _selections(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for lid, sel in cfn.of_type(data, "AWS::Backup::BackupSelection"):
        inner = cfn.props(sel).get("BackupSelection")
        if isinstance(inner, dict):
            out.append((lid, inner))
    return out


_TYPE_NAMES = {
    "AWS::EFS::FileSystem": "EFS file system",
    "AWS::DynamoDB::Table": "DynamoDB table",
    "AWS::RDS::DBInstance": "DB instance",
    "AWS::RDS::DBCluster": "DB cluster",
    "AWS::EC2::Volume": "EBS volume",
    "AWS::EC2::Instance": "EC2 instance",
    "AWS::S3::Bucket": "S3 bucket",
    "AWS::FSx::FileSystem": "FSx file system",
}


def selected_by(data: dict[str, Any], plan: str) -> list[str]:
    """What the plan's selections pick, in words: the template's resources they name (with
    their type), ARN patterns as written (fixers.values), tag and condition selections."""
    res = cfn.resources(data)
    out: list[str] = []
    for lid, inner in _selections(data):
        if plan not in cfn.refs(cfn.props(res[lid]).get("BackupPlanId")):
            continue
        if inner.get("ListOfTags") or inner.get("Conditions"):
            out.append(f"resources by tag ({lid})")
        for item in cfn.list_of(inner.get("Resources")):
            names = [n for n in cfn.refs(item) if n in res]
            if names:
                out.extend(
                    f"{_TYPE_NAMES.get(res[n].get('Type', ''), res[n].get('Type', 'resource'))} {n}"
                    for n in sorted(names)
                )
            else:
                out.extend(values.patterns(data, item)[:1] or ["a resource it names"])
    return list(dict.fromkeys(out))


def covered(data: dict[str, Any], cluster: str) -> bool:
    """Whether a selection already picks the cluster: by reference, by a wildcard ARN, or by
    tags or conditions the rule cannot evaluate (counted as covering: say nothing)."""
    for _, inner in _selections(data):
        if inner.get("ListOfTags") or inner.get("Conditions"):
            return True
        for item in cfn.list_of(inner.get("Resources")):
            if cluster in cfn.refs(item):
                return True
            found = values.options(data, item)
            if any(
                isinstance(o.value, values.Unknown)
                and o.value.pattern is None
                and o.value.ref is None
                for o in found
            ):
                return True  # an import or a parameter: what it selects is not in the template
            for text in values.patterns(data, item):
                if text == "*" or (":rds:" in text and text.endswith("cluster:*")):
                    return True
    return False


class BackupSelection(Rule):
    code = "MF1302"
    spec = ("13.2",)
    title = "The backup plan does not select the Aurora cluster"
    area = "backup"
    kind = "defect"
    severity = "medium"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        A backup plan backs up only what a backup selection assigns to it. With no
        `AWS::Backup::BackupSelection` the plan, its vault and its copy to the disaster-recovery
        account run on nothing: the Aurora cluster is covered only by its own 35-day automated
        backups, in the same account. The fix adds a selection that assigns the cluster to the
        plan by ARN (`arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:${Cluster}`)
        and runs with a role that can back Aurora up: the template's role that AWS Backup may
        assume and that has the AWS Backup service policy (or allows
        `rds:CreateDBClusterSnapshot`), else a role of its own. A role AWS Backup may assume but
        with no RDS permissions (one made for EFS, say) would make every backup job fail.
    """
    bad = """
        BackupPlan:
          Type: AWS::Backup::BackupPlan
          ...        # no BackupSelection refers to it
    """
    good = """
        BackupSelection:
          Type: AWS::Backup::BackupSelection
          Properties:
            BackupPlanId: !Ref BackupPlan
            BackupSelection:
              SelectionName: aurora-clusters
              IamRoleArn: !GetAtt BackupRole.Arn
              Resources:
                - !Sub arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:${AuroraCluster}
    """
    fix_safety = """
        Safe (update): a new resource; the cluster is untouched and the first backup job runs in
        the plan's next window. When the template has no role AWS Backup may assume that can back
        Aurora up, `BackupRole` is added, trusted by backup.amazonaws.com only, with the AWS
        managed `AWSBackupServiceRolePolicyForBackup` and `AWSBackupServiceRolePolicyForRestores`
        (the AWS Backup default service role's policies). With a customer-managed database key
        the role also needs that key (spec 9.3, MF0903).
    """
    notes = """
        Premise: the template has a backup plan and an Aurora cluster no selection assigns to
        it. A plan with no selection at all backs up nothing (`defect`, medium); a plan whose
        selections pick other resources (an EFS file system, say) leaves the cluster with only
        its automated backups (`hardening`, medium: the AWS Config rule
        `aurora-resources-protected-by-backup-plan`), and the message names what the plan does
        select. No longer reported: "the plan backs up nothing" for a plan that selects
        something else.

        Silent where a selection already picks the cluster, by reference, by a wildcard cluster
        ARN (also inside an `Fn::Sub`), or by tags, conditions, an import or a parameter (which
        the rule cannot evaluate). The cluster is assigned to
        the first backup plan of the template. A plan (or cluster) under a `Condition`: the
        selection gets that condition, and so does a role the fix makes for it; an existing role
        is used only if it exists wherever the plan does.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        plans = cfn.of_type(data, "AWS::Backup::BackupPlan")
        if not plans:
            return
        plan = plans[0][0]
        selected = selected_by(data, plan)
        for lid, _ in aurora_clusters(data):
            if covered(data, lid):
                continue
            if selected:
                message = (
                    f"No backup selection assigns {lid} to backup plan {plan}, whose selections "
                    f"pick {', '.join(selected)}: the cluster has only its own automated backups."
                )
                kind = "hardening"
            else:
                message = (
                    f"No backup selection assigns {lid} to backup plan {plan}: the plan has no "
                    "selection and backs up nothing."
                )
                kind = "defect"
            yield self.finding(
                ("Resources", lid),
                message,
                Fix(
                    title=f"Add a backup selection of {lid} to {plan} with the backup role",
                    args=(lid,),
                    impact="update",
                    impact_detail="a new backup selection; the cluster is not modified",
                ),
                kind=kind,
            )

    @staticmethod
    def apply(doc: Document, cluster: str) -> None:
        plans = cfn.of_type(doc.data, "AWS::Backup::BackupPlan")
        if not plans:
            raise EditError("no backup plan")
        plan = plans[0][0]
        for lid, inner in _selections(doc.data):
            props = cfn.props(cfn.resources(doc.data)[lid])
            if (
                inner.get("SelectionName") == SELECTION_NAME
                and props.get("BackupPlanId") == {"Ref": plan}
                and isinstance(inner.get("Resources"), list)
            ):
                add_list_item(
                    doc,
                    ("Resources", lid, "Properties", "BackupSelection", "Resources"),
                    cluster_arn(cluster),
                )
                return
        role = selection_role(doc.data, plan)
        if role is None:
            role = unique_id(doc, ROLE)
            definition = backup_role_definition()
            # The role exists for the selection: wherever the selection may not, neither may it.
            condition = condition_for(doc, [{"Ref": plan}, cluster_arn(cluster)])
            if condition is not None:
                definition = {"Type": definition["Type"], "Condition": condition} | {
                    k: v for k, v in definition.items() if k != "Type"
                }
            add_resource(doc, role, definition)
        # The selection gets the condition of a plan (or cluster) under one: fixers.edits.
        add_resource(
            doc,
            unique_id(doc, SELECTION),
            {
                "Type": "AWS::Backup::BackupSelection",
                "Properties": {
                    "BackupPlanId": {"Ref": plan},
                    "BackupSelection": {
                        "SelectionName": SELECTION_NAME,
                        "IamRoleArn": {"Fn::GetAtt": [role, "Arn"]},
                        "Resources": [cluster_arn(cluster)],
                    },
                },
            },
        )
