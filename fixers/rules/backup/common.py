"""Helpers shared by the backup rules: the backup role, the backup account parameter and its
condition, copy actions (plain or under ``Fn::If``), and the copy destination parameters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document
from fixers.edits import add_condition, add_parameter, register_names, set_value, unique_id

ACCOUNT_PARAM = "BackupAccountId"
ACCOUNT_CONDITION = "HasBackupAccount"
REGION_PARAM = "BackupRegion"
REGION_CONDITION = "HasBackupRegion"
DR_VAULT_PARAM = "DRBackupVaultName"
NO_VALUE = {"Ref": "AWS::NoValue"}

register_names(ACCOUNT_PARAM, REGION_PARAM, DR_VAULT_PARAM, ACCOUNT_CONDITION, REGION_CONDITION)

# an ARN whose account field is ${Param}: arn:<partition>:<service>:<region>:${Param}:...
_SEG = r"(?:\$\{[^}]*\}|[^:$])*"
_ACCOUNT_IN_ARN = re.compile(r"arn:" + _SEG + ":" + _SEG + ":" + _SEG + r":\$\{([A-Za-z0-9]+)\}:")
VAULT_NAME = re.compile(r"[A-Za-z0-9_.-]{2,50}")


# -- the backup role ------------------------------------------------------------------------------


def trusts_backup(role: dict[str, Any]) -> bool:
    doc = cfn.props(role).get("AssumeRolePolicyDocument")
    if not isinstance(doc, dict):
        return False
    for st in cfn.list_of(doc.get("Statement")):
        if isinstance(st, dict) and st.get("Effect") == "Allow":
            principal = st.get("Principal")
            services = cfn.list_of(principal.get("Service")) if isinstance(principal, dict) else []
            if any(isinstance(s, str) and s.startswith("backup.") for s in services):
                return True
    return False


def backup_role(data: dict[str, Any]) -> str | None:
    """The role AWS Backup runs jobs with: the one a selection names, else the role trusted by
    AWS Backup with the AWS Backup service policy, else the first role trusted by AWS Backup."""
    res = cfn.resources(data)
    for _, sel in cfn.of_type(data, "AWS::Backup::BackupSelection"):
        inner = cfn.props(sel).get("BackupSelection")
        role = cfn.ref_target(inner.get("IamRoleArn")) if isinstance(inner, dict) else None
        if role and res.get(role, {}).get("Type") == "AWS::IAM::Role":
            return role
    trusted = [lid for lid, r in cfn.of_type(data, "AWS::IAM::Role") if trusts_backup(r)]
    for lid in trusted:
        managed = cfn.props(res[lid]).get("ManagedPolicyArns")
        if any("AWSBackupServiceRolePolicyForBackup" in s for s in _strings(managed)):
            return lid
    return trusted[0] if trusted else None


def _strings(value: Any) -> list[str]:
    return [v for _, v in cfn.walk(value) if isinstance(v, str)]


# -- the backup account ---------------------------------------------------------------------------


def _backup_contexts(data: dict[str, Any]) -> Iterator[Any]:
    """What speaks about the backup account: roles trusted by AWS Backup, backup plans, vaults."""
    for _, r in cfn.of_type(data, "AWS::IAM::Role"):
        if trusts_backup(r):
            yield r
    for _, r in cfn.of_type(data, "AWS::Backup::BackupPlan", "AWS::Backup::BackupVault"):
        yield r


def account_parameter(data: dict[str, Any]) -> str | None:
    """The parameter that holds the backup (disaster-recovery) account ID: the parameter in the
    account field of an ARN a backup role or plan builds with ``Fn::Sub``."""
    params = cfn.section(data, "Parameters")
    for ctx in _backup_contexts(data):
        for _, v in cfn.walk(ctx):
            parsed = (
                values.sub_parts(v["Fn::Sub"])
                if isinstance(v, dict) and list(v) == ["Fn::Sub"]
                else None
            )
            if parsed is not None:
                for name in _ACCOUNT_IN_ARN.findall(parsed[0]):
                    if name in params:
                        return name
    return None


def _is_not_empty(cond: Any, param: str) -> bool:
    """``Fn::Not [Fn::Equals [Ref param, '']]`` in either order."""
    if not (isinstance(cond, dict) and list(cond) == ["Fn::Not"]):
        return False
    inner = cond["Fn::Not"]
    inner = inner[0] if isinstance(inner, list) and len(inner) == 1 else None
    if not (isinstance(inner, dict) and list(inner) == ["Fn::Equals"]):
        return False
    args = inner["Fn::Equals"]
    return (
        isinstance(args, list)
        and len(args) == 2
        and (
            (args[0] == {"Ref": param} and args[1] == "")
            or (args[1] == {"Ref": param} and args[0] == "")
        )
    )


def not_empty_condition(data: dict[str, Any], param: str) -> str | None:
    conditions = data.get("Conditions")
    if isinstance(conditions, dict):
        for name, cond in conditions.items():
            if _is_not_empty(cond, param):
                return name
    return None


def ensure_not_empty_condition(doc: Document, param: str, base: str) -> str:
    found = not_empty_condition(doc.data, param)
    if found:
        return found
    name = base if not doc.exists(("Conditions", base)) else unique_id(doc, base)
    return add_condition(doc, name, {"Fn::Not": [{"Fn::Equals": [{"Ref": param}, ""]}]})


def under_condition(value: Any, condition: str) -> Any:
    """The value inside ``Fn::If [condition, value, AWS::NoValue]``, or None if not so wrapped."""
    if isinstance(value, dict) and list(value) == ["Fn::If"]:
        args = value["Fn::If"]
        if (
            isinstance(args, list)
            and len(args) == 3
            and args[0] == condition
            and args[2] == NO_VALUE
        ):
            return args[1]
    return None


def wrap(doc: Document, path: tuple[Any, ...], condition: str) -> None:
    value = doc.get(path)
    if under_condition(value, condition) is not None:
        return
    set_value(doc, path, {"Fn::If": [condition, value, NO_VALUE]})


# -- copy actions -----------------------------------------------------------------------------------


def copy_actions(
    data: dict[str, Any],
) -> Iterator[tuple[tuple[Any, ...], dict[str, Any], str | None]]:
    """(path of the CopyActions item, the action, the condition it is under or None): every
    branch of a rule or an item written under ``Fn::If`` (fixers.values.branches)."""
    for plan_id, plan in cfn.of_type(data, "AWS::Backup::BackupPlan"):
        body = cfn.props(plan).get("BackupPlan")
        rules = body.get("BackupPlanRule") if isinstance(body, dict) else None
        if not isinstance(rules, list):
            continue
        for i, entry in enumerate(rules):
            base = ("Resources", plan_id, "Properties", "BackupPlan", "BackupPlanRule", i)
            for at, rule, _ in values.branches(entry):
                if not isinstance(rule, dict) or not isinstance(rule.get("CopyActions"), list):
                    continue
                for j, item in enumerate(rule["CopyActions"]):
                    path = base + at + ("CopyActions", j)
                    for inner, action, when in values.branches(item):
                        if isinstance(action, dict):
                            yield path, action, (min(when)[0] if inner else None)


def destination_texts(data: dict[str, Any], action: dict[str, Any]) -> list[str]:
    """What a copy destination hard-codes (fixers.values.hard_coded): the literal, or the
    literal text of an ``Fn::Sub`` with parameters and pseudo parameters left as ``${X}``;
    nothing for ``!GetAtt Vault.BackupVaultArn``, a bare parameter or an import."""
    return values.hard_coded(data, action.get("DestinationBackupVaultArn"))


_PART = r"(\$\{[^}]*\}|[^:$]*)"
_VAULT_PATTERN = re.compile(
    r"arn:" + _PART + r":backup:" + _PART + r":" + _PART + r":backup-vault:" + _PART
)


def parse_destination(text: str) -> dict[str, str] | None:
    """Partition, Region, account and vault name of a destination as the template writes it (an
    ARN, a ``Fn::Sub`` pattern with ``${X}`` parts, or a bare vault name); None when it is
    neither."""
    m = _VAULT_PATTERN.fullmatch(text)
    if m:
        return {
            "partition": m.group(1),
            "region": m.group(2),
            "account": m.group(3),
            "name": m.group(4),
        }
    if VAULT_NAME.fullmatch(text):
        return {"partition": "", "region": "", "account": "", "name": text}
    return None


def literal_part(part: str) -> str:
    """A part of a destination that the template writes as text ('' when it is a ``${X}``)."""
    return "" if "${" in part else part


def ensure_vault_name_parameter(doc: Document, base: str, default: str, description: str) -> str:
    """A parameter holding a backup vault name whose default is ``default`` (reused if present)."""
    params = cfn.section(doc.data, "Parameters")
    for name in [base] + [f"{base}{n}" for n in range(2, 10)]:
        p = params.get(name)
        if isinstance(p, dict) and p.get("Default") == default:
            return name
    name = base if base not in params else unique_id(doc, base)
    return add_parameter(
        doc,
        name,
        {
            "Type": "String",
            "Default": default,
            "AllowedPattern": "^[a-zA-Z0-9\\-\\_\\.]{2,50}$",
            "ConstraintDescription": "2 to 50 letters, digits, hyphens, underscores or periods.",
            "Description": description,
        },
    )


def ensure_account_parameter(doc: Document, default: str) -> str:
    found = account_parameter(doc.data)
    if found:
        return found
    name = (
        ACCOUNT_PARAM
        if not doc.exists(("Parameters", ACCOUNT_PARAM))
        else unique_id(doc, ACCOUNT_PARAM)
    )
    return add_parameter(
        doc,
        name,
        {
            "Type": "String",
            "Default": default,
            "AllowedPattern": "^(\\d{12})?$",
            "ConstraintDescription": "A 12-digit AWS account ID, or empty for no cross-account copy.",
            "Description": "AWS account ID that hosts the disaster-recovery backup vault; empty: no cross-account copy.",
        },
    )


def ensure_region_parameter(doc: Document, default: str) -> str:
    params = cfn.section(doc.data, "Parameters")
    p = params.get(REGION_PARAM)
    if isinstance(p, dict) and p.get("Default", "") == default:
        return REGION_PARAM
    name = REGION_PARAM if p is None else unique_id(doc, REGION_PARAM)
    return add_parameter(
        doc,
        name,
        {
            "Type": "String",
            "Default": default,
            "AllowedPattern": "^([a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\\d)?$",
            "ConstraintDescription": "An AWS Region code such as eu-west-1, or empty for this stack's Region.",
            "Description": (
                "Region of the disaster-recovery backup vault; empty: this stack's Region. AWS Backup copies "
                "Aurora snapshots across accounts or across Regions in one copy, not both at once."
            ),
        },
    )
