"""MF1301: the copy action's destination is a vault ARN built from parameters (spec 13.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
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


def _variable(part: str) -> str | None:
    """``X`` for a part written ``${X}``, else None."""
    return (
        part[2:-1]
        if part.startswith("${") and part.endswith("}") and part.count("${") == 1
        else None
    )


def fixable(data: dict[str, Any], parsed: dict[str, str]) -> bool:
    """Whether the fix can rebuild the destination from parameters: each part literal, the
    matching pseudo parameter, or (name, account) a parameter of the template."""
    params = cfn.section(data, "Parameters")
    name, region, account = parsed["name"], parsed["region"], parsed["account"]
    if _variable(name) is not None and _variable(name) not in params:
        return False
    if "${" in region and region != "${AWS::Region}":
        return False
    account_var = _variable(account)
    return not ("${" in account and account_var != "AWS::AccountId" and account_var not in params)


def _action_path(doc: Document, item_path: tuple[Any, ...], text: str) -> tuple[Any, ...] | None:
    """The path of the copy action (in its ``Fn::If`` branch) whose destination hard-codes
    ``text``."""
    for at, action, _ in values.branches(doc.get(item_path)):
        if isinstance(action, dict) and text in bk.destination_texts(doc.data, action):
            return item_path + at
    return None


def build_destination(doc: Document, item_path: tuple[Any, ...], text: str) -> None:
    """Replace a hard-coded copy destination with an ARN built from parameters (idempotent)."""
    parsed = bk.parse_destination(text)
    if parsed is None or not fixable(doc.data, parsed):
        raise EditError(f"{text!r} is not a backup vault ARN or name the fix can rebuild")
    action_path = _action_path(doc, item_path, text)
    if action_path is None:
        raise EditError(f"no copy action to {text!r} left")
    vault = _variable(parsed["name"]) or bk.ensure_vault_name_parameter(
        doc,
        bk.DR_VAULT_PARAM,
        parsed["name"],
        "Name of the disaster-recovery backup vault that backups are copied to.",
    )
    region = bk.ensure_region_parameter(doc, bk.literal_part(parsed["region"]))
    region_condition = bk.ensure_not_empty_condition(doc, region, bk.REGION_CONDITION)
    written = parsed["account"]
    if _variable(written) == "AWS::AccountId":
        account: str | None = None
    elif _variable(written):
        account = _variable(written)
    else:
        account = bk.account_parameter(doc.data)
        if account is None and written:
            account = bk.ensure_account_parameter(doc, written)
    set_value(
        doc,
        action_path + ("DestinationBackupVaultArn",),
        destination_arn(account or "AWS::AccountId", vault, region, region_condition),
    )
    if account:
        condition = bk.ensure_not_empty_condition(doc, account, bk.ACCOUNT_CONDITION)
        if not (isinstance(doc.get(item_path), dict) and list(doc.get(item_path)) == ["Fn::If"]):
            bk.wrap(doc, item_path, condition)


def _hard_coded_parts(parsed: dict[str, str]) -> list[str]:
    """The parts of a destination the template writes as text, in words."""
    out = []
    if bk.literal_part(parsed["name"]):
        out.append(f"the vault name {parsed['name']!r}")
    if bk.literal_part(parsed["account"]):
        out.append(f"the account {parsed['account']}")
    if bk.literal_part(parsed["region"]):
        out.append(f"the Region {parsed['region']}")
    if out and bk.literal_part(parsed["partition"]):
        out.append(f"the partition {parsed['partition']!r}")
    return out


class CopyDestination(Rule):
    code = "MF1301"
    spec = ("13.1",)
    title = "Backup copy destination is a hard-coded vault name"
    area = "backup"
    kind = "convention"
    severity = "low"
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
        Premise: the destination's text, as the template writes it, names a vault, an account or
        a Region (read through fixers.values: a literal, or the literal parts of an `Fn::Sub`,
        e.g. `!Sub 'arn:aws:backup:${AWS::Region}:${AWS::AccountId}:backup-vault:my-dr-vault'`
        hard-codes the vault name, and with it the partition `aws`). A hard-coded part of an ARN
        is the platform's convention (`convention`, low); a bare vault name where AWS Backup
        needs an ARN is a `defect` (medium): the copy cannot happen. Silent when the destination
        is built from parameters and pseudo parameters only (`!GetAtt Vault.BackupVaultArn`,
        `!Ref`, an import, a `!Sub` of parameters); a hard-coded partition alone is not reported.
        No longer missed: hard-coded text inside an `Fn::Sub` string.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        seen: set[tuple[Any, ...]] = set()
        for item_path, action, _ in bk.copy_actions(data):
            for text in dict.fromkeys(bk.destination_texts(data, action)):
                parsed = bk.parse_destination(text)
                if parsed is None:
                    continue  # not a vault ARN the rule can read
                arn = bool(parsed["partition"] or parsed["account"] or parsed["region"])
                parts = _hard_coded_parts(parsed)
                if arn and not parts:
                    continue  # built from parameters and pseudo parameters
                action_path = _action_path(doc, item_path, text)
                path = (action_path or item_path) + ("DestinationBackupVaultArn",)
                if path in seen:
                    continue
                seen.add(path)
                if arn:
                    message = (
                        f"Copy destination {text!r} hard-codes {', '.join(parts)}; the platform "
                        "builds the vault ARN from account, Region and vault name parameters."
                    )
                    kind, severity = "convention", "low"
                else:
                    message = (
                        f"Copy destination {text!r} is a vault name, not an ARN, which "
                        "DestinationBackupVaultArn must be: AWS Backup cannot copy to it."
                    )
                    kind, severity = "defect", "medium"
                yield self.finding(
                    path,
                    message,
                    Fix(
                        title="Build the copy destination ARN from BackupAccountId, BackupRegion and DRBackupVaultName",
                        args=(item_path, text),
                        impact="update",
                        impact_detail="the backup plan is updated in place; the copy destination changes",
                        applicability="unsafe",
                    )
                    if fixable(data, parsed)
                    else None,
                    kind=kind,
                    severity=severity,
                )

    @staticmethod
    def apply(doc: Document, item_path: tuple[Any, ...], text: str) -> None:
        for path, action, _ in bk.copy_actions(doc.data):
            if text in bk.destination_texts(doc.data, action):
                build_destination(doc, path, text)
                return
        raise EditError(f"no copy action to {text!r} left")


def _is_if(value: Any) -> bool:
    return isinstance(value, dict) and list(value) == ["Fn::If"]
