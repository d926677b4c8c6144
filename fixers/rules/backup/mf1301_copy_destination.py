"""MF1301: the copy action's destination is a vault ARN built from parameters (spec 13.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers.document import Document, EditError
from fixers.edits import set_value
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.backup import common as bk


def destination_arn(
    account: str, vault_param: str, region_param: str, region_condition: str
) -> dict[str, Any]:
    account_var = "${AWS::AccountId}" if account == "AWS::AccountId" else "${" + account + "}"
    return {
        "Fn::Sub": [
            "arn:${AWS::Partition}:backup:${DestinationRegion}:"
            + account_var
            + ":backup-vault:${"
            + vault_param
            + "}",
            {
                "DestinationRegion": {
                    "Fn::If": [region_condition, {"Ref": region_param}, {"Ref": "AWS::Region"}]
                }
            },
        ]
    }


def build_destination(doc: Document, item_path: tuple[Any, ...], literal: str) -> None:
    """Replace a literal copy destination with an ARN built from parameters (idempotent)."""
    parsed = bk.parse_destination(literal)
    if parsed is None:
        raise EditError(f"{literal!r} is neither a backup vault ARN nor a vault name")
    vault = bk.ensure_vault_name_parameter(
        doc,
        bk.DR_VAULT_PARAM,
        parsed["name"],
        "Name of the disaster-recovery backup vault that backups are copied to.",
    )
    region = bk.ensure_region_parameter(doc, parsed["region"])
    region_condition = bk.ensure_not_empty_condition(doc, region, bk.REGION_CONDITION)
    account = bk.account_parameter(doc.data)
    if account is None and parsed["account"]:
        account = bk.ensure_account_parameter(doc, parsed["account"])
    action_path = _action_path(doc, item_path)
    set_value(
        doc,
        action_path + ("DestinationBackupVaultArn",),
        destination_arn(account or "AWS::AccountId", vault, region, region_condition),
    )
    if account:
        condition = bk.ensure_not_empty_condition(doc, account, bk.ACCOUNT_CONDITION)
        if not (isinstance(doc.get(item_path), dict) and list(doc.get(item_path)) == ["Fn::If"]):
            bk.wrap(doc, item_path, condition)


def _action_path(doc: Document, item_path: tuple[Any, ...]) -> tuple[Any, ...]:
    item = doc.get(item_path)
    if isinstance(item, dict) and list(item) == ["Fn::If"]:
        return item_path + ("Fn::If", 1)
    return item_path


class CopyDestination(Rule):
    code = "MF1301"
    spec = ("13.1",)
    title = "Backup copy destination is a hard-coded vault name"
    area = "backup"
    severity = "high"
    fix_applicability = "unsafe"
    deploy_impact = "update"
    why = """
        `CopyActions[].DestinationBackupVaultArn` must be the ARN of the destination vault
        (`arn:<partition>:backup:<region>:<account>:backup-vault:<name>`). A bare name such as
        `meridian-dr-vault` is accepted by cfn-lint (the schema has no pattern) but not by AWS
        Backup, so the disaster-recovery copy the platform counts on never happens; a literal ARN
        ties the template to one account and Region. The fix builds the ARN from parameters:
        the backup account (the template's own backup account parameter, `BackupAccountId`),
        the Region (`BackupRegion`, empty for this stack's Region) and the vault name
        (`DRBackupVaultName`, whose default is today's literal name):
        `!Sub [arn:${AWS::Partition}:backup:${DestinationRegion}:${BackupAccountId}:backup-vault:${DRBackupVaultName},
        {DestinationRegion: !If [HasBackupRegion, !Ref BackupRegion, !Ref AWS::Region]}]`.
        The Region defaults to the stack's own because AWS Backup copies RDS and Aurora snapshots
        either across accounts or across Regions in one copy, not both at once: a cross-account
        copy stays in the Region (chain a second copy in the backup account for another Region).
    """
    bad = """
        CopyActions:
          - DestinationBackupVaultArn: meridian-dr-vault
    """
    good = """
        CopyActions:
          - !If
            - HasBackupAccount
            - DestinationBackupVaultArn: !Sub
                - arn:${AWS::Partition}:backup:${DestinationRegion}:${BackupAccountId}:backup-vault:${DRBackupVaultName}
                - DestinationRegion: !If [HasBackupRegion, !Ref BackupRegion, !Ref AWS::Region]
            - !Ref AWS::NoValue
    """
    fix_safety = """
        Unsafe (update): the plan is updated in place, nothing is replaced, but where the copies
        go changes and a reviewer must accept it. When the copy goes to the backup account (the
        template has a backup account parameter, or the literal was an ARN of an account), the
        copy action exists only under `HasBackupAccount` (`!Not [!Equals [!Ref BackupAccountId,
        '']]`): with the account left empty the stack deploys without the copy instead of with an
        invalid ARN. A bare name with no backup account parameter in the template is a copy into a
        vault of this account: the ARN uses `${AWS::AccountId}` and stays unconditional. A literal
        ARN keeps its Region and account as the parameters' defaults, so the deployed plan is
        unchanged.
    """
    notes = """
        Silent when the destination is already built with intrinsics (`!GetAtt Vault.BackupVaultArn`,
        `!Sub`, `!Ref`, an import).
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        for item_path, action, _ in bk.copy_actions(doc.data):
            literal = bk.literal_destination(action)
            if literal is None:
                continue
            parsed = bk.parse_destination(literal)
            inner = item_path + (("Fn::If", 1) if _is_if(doc.get(item_path)) else ())
            yield self.finding(
                inner + ("DestinationBackupVaultArn",),
                f"Copy destination {literal!r} is hard-coded"
                + (
                    ""
                    if parsed and parsed["account"]
                    else " and is not an ARN, which AWS Backup requires"
                )
                + "; build the vault ARN from account, Region and vault name parameters.",
                Fix(
                    title="Build the copy destination ARN from BackupAccountId, BackupRegion and DRBackupVaultName",
                    args=(item_path, literal),
                    impact="update",
                    impact_detail="the backup plan is updated in place; the copy destination changes",
                    applicability="unsafe",
                )
                if parsed
                else None,
            )

    @staticmethod
    def apply(doc: Document, item_path: tuple[Any, ...], literal: str) -> None:
        for path, action, _ in bk.copy_actions(doc.data):
            if bk.literal_destination(action) == literal:
                build_destination(doc, path, literal)
                return
        raise EditError(f"no copy action to {literal!r} left")


def _is_if(value: Any) -> bool:
    return isinstance(value, dict) and list(value) == ["Fn::If"]
