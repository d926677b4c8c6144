"""MF0703: the backup plan ID is an output (spec 7.3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document
from fixers.edits import register_names
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.database.common import ensure_output, output_with_value

OUTPUT = "BackupPlanId"
register_names(OUTPUT)


class BackupPlanOutput(Rule):
    code = "MF0703"
    spec = ("7.3",)
    title = "Backup plan ID is not an output"
    area = "backup"
    kind = "convention"
    severity = "low"
    fix_applicability = "safe"
    deploy_impact = "none"
    why = """
        Backup management (on-demand jobs, restore testing, AWS Backup Audit Manager controls,
        integration tests that check the plan's rules) starts from the plan's ID. `!Ref` of an
        `AWS::Backup::BackupPlan` returns it; the fix outputs it, exported like the template's
        other outputs.
    """
    bad = """
        Outputs:
          DatabaseEndpoint: ...
    """
    good = """
        Outputs:
          BackupPlanId:
            Value: !Ref BackupPlan
            Export:
              Name: !Sub '${AWS::StackName}-BackupPlanId'
    """
    fix_safety = "Safe (none): an output changes no resource."

    def add_output(self, doc: Document, name: str, description: str, value: Any) -> None:
        ensure_output(doc, name, description, value)

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid, _ in cfn.of_type(data, "AWS::Backup::BackupPlan"):
            if output_with_value(data, {"Ref": lid}) or output_with_value(
                data, {"Fn::GetAtt": [lid, "BackupPlanId"]}
            ):
                continue
            yield self.finding(
                ("Resources", lid),
                f"No output carries the ID of backup plan {lid}.",
                Fix(
                    title=f"Add the output {OUTPUT}",
                    action="add_output",
                    args=(OUTPUT, "ID of the backup plan", {"Ref": lid}),
                    impact="none",
                    impact_detail="a new output; no resource changes",
                ),
            )
