"""MF0701: the backup vault's name comes from a BackupVaultName parameter (spec 7.1)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers import cfn
from fixers.document import Document, EditError
from fixers.edits import register_names, set_property
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.backup import common as bk

PARAM = "BackupVaultName"
register_names(PARAM)


class VaultNameParameter(Rule):
    code = "MF0701"
    spec = ("7.1",)
    title = "Backup vault name is hard-coded"
    area = "backup"
    kind = "convention"
    severity = "low"
    fix_applicability = "safe"
    deploy_impact = "none"
    why = """
        A literal `BackupVaultName` can exist once per account and Region: a second stack of the
        template (staging beside production, a disaster-recovery rehearsal) fails to create its
        vault, and the name cannot be chosen to fit an account's naming scheme. The fix adds a
        `BackupVaultName` parameter whose default is the name the template has today and points
        the vault at it.
    """
    bad = """
        BackupVault:
          Type: AWS::Backup::BackupVault
          Properties:
            BackupVaultName: meridian-backup-vault
    """
    good = """
        Parameters:
          BackupVaultName:
            Type: String
            Default: meridian-backup-vault
            AllowedPattern: '^[a-zA-Z0-9\\-\\_\\.]{2,50}$'
        Resources:
          BackupVault:
            Type: AWS::Backup::BackupVault
            Properties:
              BackupVaultName: !Ref BackupVaultName
    """
    fix_safety = """
        Safe (none). `BackupVaultName` is create-only on `AWS::Backup::BackupVault`: a new name
        replaces the vault (and a vault holding recovery points cannot be deleted, so the update
        would fail). The parameter's default is today's literal name, so a stack updated with
        the default resolves to the same name and nothing is replaced; only choosing another
        value later replaces the vault, which is that later decision's impact.
    """
    notes = """
        Silent where the name is already built with intrinsics (`!Ref`, `!Sub`) or is absent
        (CloudFormation then generates a unique name).
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        for lid, vault in cfn.of_type(doc.data, "AWS::Backup::BackupVault"):
            name = cfn.props(vault).get("BackupVaultName")
            if not isinstance(name, str) or not bk.VAULT_NAME.fullmatch(name):
                continue
            yield self.finding(
                ("Resources", lid, "Properties", "BackupVaultName"),
                f"{lid} is named {name!r} in every stack; take the name from a parameter.",
                Fix(
                    title=f"Add the parameter {PARAM} (default {name!r}) and name the vault with it",
                    args=(lid, name),
                    impact="none",
                    impact_detail="the default is today's name: the vault keeps its name and is not replaced",
                ),
            )

    @staticmethod
    def apply(doc: Document, lid: str, name: str) -> None:
        if doc.get(("Resources", lid, "Properties", "BackupVaultName")) != name:
            raise EditError(f"{lid}'s name changed")
        param = bk.ensure_vault_name_parameter(
            doc, PARAM, name, "Name of the backup vault that holds this stack's recovery points."
        )
        set_property(doc, lid, "BackupVaultName", {"Ref": param})
