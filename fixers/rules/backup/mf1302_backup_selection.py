"""MF1302: a backup selection assigns the Aurora cluster to the backup plan (spec 13.2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document, EditError
from fixers.edits import add_list_item, add_resource, register_names, unique_id
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.backup import common as bk
from fixers.rules.database.common import aurora_clusters

SELECTION = "BackupSelection"
ROLE = "BackupRole"
SELECTION_NAME = "aurora-clusters"
register_names(ROLE, SELECTION)


def cluster_arn(cluster: str) -> dict[str, Any]:
    return {
        "Fn::Sub": "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:${"
        + cluster
        + "}"
    }


def _selections(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for lid, sel in cfn.of_type(data, "AWS::Backup::BackupSelection"):
        inner = cfn.props(sel).get("BackupSelection")
        if isinstance(inner, dict):
            out.append((lid, inner))
    return out


def covered(data: dict[str, Any], cluster: str) -> bool:
    """Whether a selection already picks the cluster: by reference, by a wildcard ARN, or by
    tags or conditions the rule cannot evaluate (counted as covering: say nothing)."""
    for _, inner in _selections(data):
        if inner.get("ListOfTags") or inner.get("Conditions"):
            return True
        for item in cfn.list_of(inner.get("Resources")):
            if cluster in cfn.refs(item):
                return True
            text = item if isinstance(item, str) else None
            if (
                isinstance(item, dict)
                and list(item) == ["Fn::Sub"]
                and isinstance(item["Fn::Sub"], str)
            ):
                text = item["Fn::Sub"]
            if text and (text == "*" or (":rds:" in text and text.endswith("cluster:*"))):
                return True
    return False


class BackupSelection(Rule):
    code = "MF1302"
    spec = ("13.2",)
    title = "The backup plan does not select the Aurora cluster"
    area = "backup"
    severity = "high"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        A backup plan backs up only what a backup selection assigns to it. With no
        `AWS::Backup::BackupSelection` the plan, its vault and its copy to the disaster-recovery
        account run on nothing: the Aurora cluster is covered only by its own 35-day automated
        backups, in the same account. The fix adds a selection that assigns the cluster to the
        plan by ARN (`arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:${Cluster}`)
        and runs with the template's backup role (a role AWS Backup may assume, preferably the
        one with the AWS Backup service policy).
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
        the plan's next window. When the template has no role AWS Backup may assume,
        `BackupRole` is added with only the AWS managed `AWSBackupServiceRolePolicyForBackup`.
        With a customer-managed database key the role also needs that key (spec 9.3, MF0903).
    """
    notes = """
        Silent where a selection already picks the cluster, by reference, by a wildcard cluster
        ARN or by tags or conditions (which the rule cannot evaluate). The cluster is assigned to
        the first backup plan of the template.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        plans = cfn.of_type(data, "AWS::Backup::BackupPlan")
        if not plans:
            return
        for lid, _ in aurora_clusters(data):
            if covered(data, lid):
                continue
            yield self.finding(
                ("Resources", lid),
                f"No backup selection assigns {lid} to backup plan {plans[0][0]}: the plan backs up nothing.",
                Fix(
                    title=f"Add a backup selection of {lid} to {plans[0][0]} with the backup role",
                    args=(lid,),
                    impact="update",
                    impact_detail="a new backup selection; the cluster is not modified",
                ),
            )

    @staticmethod
    def apply(doc: Document, cluster: str) -> None:
        plans = cfn.of_type(doc.data, "AWS::Backup::BackupPlan")
        if not plans:
            raise EditError("no backup plan")
        plan = plans[0][0]
        role = bk.backup_role(doc.data) or add_resource(
            doc,
            unique_id(doc, ROLE),
            {
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
                        {
                            "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
                        }
                    ],
                },
            },
        )
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
