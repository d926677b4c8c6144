"""MF1409: a database that keeps less than a week of backups (beyond the spec)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers import cfn, schema, values
from fixers.document import Document, EditError
from fixers.edits import set_property
from fixers.model import IMPACTS, Finding, Fix
from fixers.rules import Rule
from fixers.rules.beyond import common

MINIMUM = 7
DEFAULT = 1


class BackupRetention(Rule):
    code = "MF1409"
    spec = ()
    title = "Database keeps less than 7 days of backups"
    area = "database"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "unsafe"
    deploy_impact = "possible replacement"
    why = """
        `BackupRetentionPeriod` is how far back point-in-time recovery reaches. Left unset it is
        1 day: corruption or a bad migration noticed on Monday cannot be undone to Friday. `0`
        turns automated backups off altogether (no point-in-time recovery at all): a defect,
        since one bad write is then unrecoverable. A short window is a missing control: AWS
        Security Hub (RDS.11, severity medium) and CIS expect at least 7 days; a financial
        platform usually keeps more.
    """
    bad = """
        Database:
          Type: AWS::RDS::DBInstance
          Properties:
            Engine: postgres              # no BackupRetentionPeriod: 1 day
    """
    good = """
        Database:
          Type: AWS::RDS::DBInstance
          Properties:
            Engine: postgres
            BackupRetentionPeriod: 7
    """
    fix_safety = """
        The fix sets 7 days. On a cluster it is an update in place, without downtime (safe).
        On a DB instance it is labelled possible replacement (unsafe): the CloudFormation
        resource schema marks `AWS::RDS::DBInstance.BackupRetentionPeriod` conditionally
        create-only, and the label follows the schema; raising a retention that is already on
        is in practice applied in place. Turning backups on (from 0) also makes RDS restart the
        instance (an outage) and take a first backup. Longer retention costs backup storage
        beyond the size of the database.
    """
    notes = """
        RDS clusters (Aurora Serverless v1 included: it keeps 1 to 35 days, 1 by default) and
        standalone instances; instances of a cluster (the cluster's retention counts) and read
        replicas are not read. 1 to 6 days (or unset: 1) is hardening, medium (Security Hub
        RDS.11); 0, backups off, is a defect, high. A retention from a parameter or mapping is
        reported without a fix (its default or entries decide). AWS Backup plans are another
        layer, with their own retention; they do not replace point-in-time recovery.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid, res in common.data_holders(data):
            value = cfn.props(res).get("BackupRetentionPeriod")
            if value is None:
                yield self.finding(
                    ("Resources", lid),
                    f"{lid} sets no BackupRetentionPeriod: RDS keeps {DEFAULT} day of backups, so "
                    "point-in-time recovery cannot reach back past yesterday.",
                    self._fix(lid, res, DEFAULT),
                )
                continue
            days = [d for d, o in values.ints(data, value) if d is not None and not o.absent]
            short = [d for d in days if d < MINIMUM]
            if not short:
                continue
            least = min(short)
            literal = values.as_int(value)
            yield self.finding(
                ("Resources", lid, "Properties", "BackupRetentionPeriod"),
                (
                    f"{lid} turns automated backups off (BackupRetentionPeriod 0): no point-in-time recovery."
                    if least == 0
                    else f"{lid} keeps {least} day{'s' if least > 1 else ''} of backups, less than {MINIMUM}."
                ),
                self._fix(lid, res, literal) if literal is not None else None,
                kind="defect" if least == 0 else None,
                severity="high" if least == 0 else None,
            )

    @staticmethod
    def _fix(lid: str, res: dict, current: int) -> Fix:
        """The fix, with the impact the resource schema gives the property (possible
        replacement on a DB instance) and the restart turning backups on causes."""
        found = schema.property_change_impact(str(res.get("Type")), "BackupRetentionPeriod")
        impacts = {
            "update": "the retention is raised in place, without downtime; more backup storage"
        }
        if current == 0:
            impacts = {
                "interruption": "turning automated backups on restarts the instance (an outage)"
            }
        if found not in ("update", "none"):
            impacts[found] = (
                "the resource schema marks BackupRetentionPeriod of a DB instance conditionally "
                "create-only; raising a retention that is on is applied in place in practice"
            )
        impact = max(impacts, key=IMPACTS.index)
        return Fix(
            title=f"Keep {MINIMUM} days of backups of {lid}",
            args=(lid,),
            impact=impact,
            impact_detail="; ".join(
                impacts[i] for i in sorted(impacts, key=IMPACTS.index, reverse=True)
            ),
        )

    def apply(self, doc: Document, lid: str) -> None:
        value = doc.get(("Resources", lid, "Properties", "BackupRetentionPeriod"))
        if value is not None and values.as_int(value) is None:
            raise EditError(f"the retention of {lid} is not a literal")
        set_property(doc, lid, "BackupRetentionPeriod", MINIMUM)
