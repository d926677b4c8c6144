"""MF1406: a database that CloudFormation deletes without a snapshot (beyond the spec)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document, EditError
from fixers.edits import set_value
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.beyond import common


def _production(doc: Document) -> str | None:
    found = cfn.production_condition(doc.data, doc.settings)
    return found[0] if found else None


def deleting_branches(doc: Document, lid: str, attribute: str) -> list[tuple[Any, ...]]:
    """Paths (from the attribute) of the literal ``Delete`` values of a resource attribute that
    can hold outside non-production (a plain value, or a branch of ``Fn::If``)."""
    res = cfn.resources(doc.data).get(lid) or {}
    prod = _production(doc)
    out = []
    for path, value, when in values.branches(res.get(attribute)):
        if prod is not None and (prod, False) in when:
            continue  # deleted outside production only: the template's own choice
        if value == "Delete":
            out.append(path)
    return out


def delete_by_parameter(doc: Document, lid: str, attribute: str) -> bool:
    """Whether the attribute can be ``Delete`` through a parameter or mapping (no fix)."""
    res = cfn.resources(doc.data).get(lid) or {}
    return any(
        o.value == "Delete" and o.source != "literal"
        for o in values.options(doc.data, res.get(attribute))
    )


class DeletionPolicyDelete(Rule):
    code = "MF1406"
    spec = ()
    title = "Database deleted without a final snapshot"
    area = "database"
    kind = "defect"
    severity = "high"
    fix_applicability = "safe"
    deploy_impact = "none"
    why = """
        `DeletionPolicy: Delete` on an RDS cluster or standalone instance tells CloudFormation
        to delete the database and its automated backups, without a final snapshot, when the
        resource leaves the template or the stack is deleted: one wrong change set, a renamed
        logical ID or a stack deletion loses every record. Without a policy CloudFormation
        would have taken a snapshot (its default for these resources); `Delete` switches that
        off.
    """
    bad = """
        Database:
          Type: AWS::RDS::DBCluster
          DeletionPolicy: Delete
    """
    good = """
        Database:
          Type: AWS::RDS::DBCluster
          DeletionPolicy: Snapshot
          UpdateReplacePolicy: Snapshot
    """
    fix_safety = """
        Safe (no deploy impact). `DeletionPolicy: Snapshot` changes nothing on the deployed
        database; it only takes effect when CloudFormation deletes it, and then keeps a final
        snapshot (which costs storage until someone deletes it). An `Fn::If` keeps its
        non-production branch.
    """
    notes = """
        Instances of a cluster (their data is the cluster's) and read replicas (their source
        holds it) are not reported. A `Delete` chosen for non-production only (the false branch
        of the template's production condition) is the template's choice and is not reported;
        a `Delete` that comes from a parameter is reported without a fix.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        for lid, res in common.data_holders(doc.data):
            if "DeletionPolicy" not in res:
                continue
            branches = deleting_branches(doc, lid, "DeletionPolicy")
            by_param = delete_by_parameter(doc, lid, "DeletionPolicy")
            if not branches and not by_param:
                continue
            fix = (
                Fix(
                    title=f"Snapshot {lid} when CloudFormation deletes it",
                    args=(lid,),
                    impact="none",
                    impact_detail="a stack policy attribute: nothing changes on the deployed database",
                )
                if branches and not by_param
                else None
            )
            yield self.finding(
                ("Resources", lid, "DeletionPolicy"),
                f"{lid} has DeletionPolicy Delete: removing it from the template or deleting the "
                "stack deletes the database and its automated backups without a final snapshot.",
                fix,
            )

    def apply(self, doc: Document, lid: str) -> None:
        branches = deleting_branches(doc, lid, "DeletionPolicy")
        if not branches:
            raise EditError(f"{lid} no longer has DeletionPolicy Delete")
        for path in branches:
            set_value(doc, ("Resources", lid, "DeletionPolicy") + path, "Snapshot")
