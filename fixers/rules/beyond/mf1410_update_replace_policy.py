"""MF1410: a database that a replacement deletes without a snapshot (beyond the spec)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers import values
from fixers.document import Document
from fixers.edits import set_resource_attribute
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.beyond import common


def wanted_policy(resource: dict) -> str:
    """``Retain`` when the database is retained on deletion, else ``Snapshot``."""
    return "Retain" if resource.get("DeletionPolicy") == "Retain" else "Snapshot"


class UpdateReplacePolicy(Rule):
    code = "MF1410"
    spec = ()
    title = "Database replaced without a snapshot"
    area = "database"
    kind = "defect"
    severity = "medium"
    fix_applicability = "safe"
    deploy_impact = "none"
    why = """
        When an update changes a property RDS cannot change in place (`KmsKeyId`,
        `StorageEncrypted`, `DBSubnetGroupName`, `EngineMode`...), CloudFormation creates a new,
        empty database and deletes the old one according to `UpdateReplacePolicy`, not
        `DeletionPolicy`. Without one, or with `Delete`, the old database and its automated
        backups are deleted without a snapshot: the data is gone after an update that looked
        like a configuration change.
    """
    bad = """
        Database:
          Type: AWS::RDS::DBCluster
          DeletionPolicy: Snapshot            # protects deletion only
    """
    good = """
        Database:
          Type: AWS::RDS::DBCluster
          DeletionPolicy: Snapshot
          UpdateReplacePolicy: Snapshot
    """
    fix_safety = """
        Safe (no deploy impact). `UpdateReplacePolicy` acts only when CloudFormation replaces
        the database, and then keeps a snapshot (or the old database, `Retain`, when the
        template retains it on deletion too). A database without a `DeletionPolicy` gets
        `DeletionPolicy: Snapshot` written out too: it is CloudFormation's default for it, so
        nothing changes, and cfn-lint (W3011) expects both policies once one is set.
    """
    notes = """
        The default of CloudFormation for a replaced resource is `Delete`, for RDS too: this is a
        rule about a default, because the default is the risk. RDS clusters and standalone
        instances; instances of a cluster and read replicas hold no data of their own. A policy
        from an `Fn::If` or parameter that can be `Delete` is reported without a fix.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid, res in common.data_holders(data):
            value = res.get("UpdateReplacePolicy")
            if value is not None and not values.can_be(data, value, "Delete"):
                continue
            want = wanted_policy(res)
            fixable = value is None or value == "Delete"
            yield self.finding(
                ("Resources", lid) if value is None else ("Resources", lid, "UpdateReplacePolicy"),
                f"{lid} has {'no UpdateReplacePolicy' if value is None else 'UpdateReplacePolicy Delete'}: "
                "an update that replaces it deletes the old database without a snapshot.",
                Fix(
                    title=f"Keep a snapshot of {lid} when an update replaces it"
                    if want == "Snapshot"
                    else f"Retain {lid} when an update replaces it",
                    args=(lid,),
                    impact="none",
                    impact_detail="UpdateReplacePolicy only acts when the database is replaced",
                )
                if fixable
                else None,
            )

    def apply(self, doc: Document, lid: str) -> None:
        res = doc.get(("Resources", lid)) or {}
        if "DeletionPolicy" not in res:
            # CloudFormation's default for the database, written out: cfn-lint (W3011) wants
            # both policies once one is set.
            set_resource_attribute(doc, lid, "DeletionPolicy", "Snapshot")
        set_resource_attribute(doc, lid, "UpdateReplacePolicy", wanted_policy(res))
