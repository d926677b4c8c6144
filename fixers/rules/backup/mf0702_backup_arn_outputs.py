"""MF0702: the backup vault ARN and the backup role ARN are outputs (spec 7.2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document
from fixers.edits import register_names
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.backup import common as bk
from fixers.rules.database.common import ensure_output, output_with_value

VAULT_OUTPUT = "BackupVaultArn"
ROLE_OUTPUT = "BackupRoleArn"
register_names(VAULT_OUTPUT, ROLE_OUTPUT)


class BackupArnOutputs(Rule):
    code = "MF0702"
    spec = ("7.2",)
    title = "Backup vault and backup role ARNs are not outputs"
    area = "backup"
    kind = "convention"
    severity = "low"
    fix_applicability = "safe"
    deploy_impact = "none"
    why = """
        Cross-account backup needs the source vault's ARN (the disaster-recovery account's vault
        access policy and copy-back rules name it) and the backup role's ARN (the destination
        vault policy and the key policies of the backup account admit it), and integration tests
        and on-demand restores need both. Without outputs they are looked up by hand. The spec
        names both `BackupRoleArn` and (in its text) `BackupVaultArn`; the fix adds both, exported
        like the template's other outputs.
    """
    bad = """
        Outputs:
          DatabaseEndpoint: ...
    """
    good = """
        Outputs:
          BackupVaultArn:
            Value: !GetAtt BackupVault.BackupVaultArn
            Export:
              Name: !Sub '${AWS::StackName}-BackupVaultArn'
          BackupRoleArn:
            Value: !GetAtt BackupRole.Arn
            Export:
              Name: !Sub '${AWS::StackName}-BackupRoleArn'
    """
    fix_safety = "Safe (none): outputs change no resource."
    notes = """
        The backup role is the role a backup selection runs with, else the role AWS Backup may
        assume that has the AWS Backup service policy, else the first role AWS Backup may assume.
    """

    def add_output(self, doc: Document, name: str, description: str, value: Any) -> None:
        ensure_output(doc, name, description, value)

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid, _ in cfn.of_type(data, "AWS::Backup::BackupVault"):
            value = {"Fn::GetAtt": [lid, "BackupVaultArn"]}
            if output_with_value(data, value):
                continue
            yield self.finding(
                ("Resources", lid),
                f"No output carries the ARN of backup vault {lid}.",
                Fix(
                    title=f"Add the output {VAULT_OUTPUT}",
                    action="add_output",
                    args=(VAULT_OUTPUT, "ARN of the backup vault", value),
                    impact="none",
                    impact_detail="a new output; no resource changes",
                ),
            )
        role = bk.backup_role(data) if cfn.of_type(data, "AWS::Backup::BackupPlan") else None
        if role:
            value = {"Fn::GetAtt": [role, "Arn"]}
            if not output_with_value(data, value):
                yield self.finding(
                    ("Resources", role),
                    f"No output carries the ARN of the backup role {role}.",
                    Fix(
                        title=f"Add the output {ROLE_OUTPUT}",
                        action="add_output",
                        args=(ROLE_OUTPUT, "ARN of the IAM role AWS Backup runs jobs with", value),
                        impact="none",
                        impact_detail="a new output; no resource changes",
                    ),
                )
