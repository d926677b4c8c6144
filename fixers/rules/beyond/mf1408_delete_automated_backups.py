"""MF1408: a database whose automated backups go with it (beyond the spec)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers import cfn, values
from fixers.document import Document
from fixers.model import Finding, Fix
from fixers.rules import Rule


class DeleteAutomatedBackups(Rule):
    code = "MF1408"
    spec = ()
    title = "Automated backups deleted with the database"
    area = "database"
    kind = "defect"
    severity = "medium"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        `DeleteAutomatedBackups: true` makes RDS delete an instance's automated backups, and
        with them every point in time it could be restored to, the moment the instance is
        deleted. Retained automated backups are what recovers an instance deleted by mistake
        (they stay for their retention period); deleting them with it leaves only manual
        snapshots.
    """
    bad = """
        Database:
          Type: AWS::RDS::DBInstance
          Properties:
            DeleteAutomatedBackups: true
    """
    good = """
        Database:
          Type: AWS::RDS::DBInstance
          Properties:
            DeleteAutomatedBackups: false
    """
    fix_safety = """
        Safe (update in place). The setting only acts when the instance is deleted; the
        retained backups cost storage until their retention period ends.
    """
    notes = """
        RDS DB instances only (`AWS::RDS::DBCluster` has no such property). Left unset, RDS also
        deletes the automated backups with the instance, but CloudFormation's default deletion
        policy for a standalone instance then keeps a final snapshot (MF1406 reports a policy
        that does not): the rule reports what the template says, not the default.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        for lid, res in cfn.of_type(doc.data, "AWS::RDS::DBInstance"):
            value = cfn.props(res).get("DeleteAutomatedBackups")
            if value is None or not values.can_be(doc.data, value, True):
                continue
            literal = values.as_bool(value) is True
            yield self.finding(
                ("Resources", lid, "Properties", "DeleteAutomatedBackups"),
                f"{lid} deletes its automated backups when it is deleted: an instance deleted by "
                "mistake cannot be restored to any point in time.",
                Fix(
                    title=f"Keep the automated backups of {lid} when it is deleted",
                    action="set_property",
                    args=(lid, "DeleteAutomatedBackups", False),
                    impact="update",
                    impact_detail="updated in place; no effect until the instance goes",
                )
                if literal
                else None,
            )
