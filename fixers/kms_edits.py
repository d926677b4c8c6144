"""Add the customer-managed KMS keys that fixes reference, when the template has none of its own
(``fixers.kms`` finds those).

Keys this module adds share one least-privilege shape:

- ``EnableKeyRotation: true``; ``DeletionPolicy`` and ``UpdateReplacePolicy: Retain`` (deleting a
  key makes everything it encrypted unreadable);
- a key policy with no ``*`` principal:

  * ``EnableRootAccountAdministration``: the account (``arn:${AWS::Partition}:iam::
    ${AWS::AccountId}:root``) may administer the key (describe, list, get, enable, disable, put
    policy, update, revoke, delete, alias, tag, schedule deletion, rotate), which delegates
    administration to IAM policies in the account and satisfies CloudFormation's key-policy
    lockout check. It does NOT get ``kms:*``: no cryptographic use and no ``kms:CreateGrant``
    outside the next statement.
  * ``Allow<Service>Use`` (Secrets Manager and RDS keys): principals of this account may use the
    key for cryptography only through that service (``kms:ViaService
    <service>.${AWS::Region}.amazonaws.com`` and ``kms:CallerAccount ${AWS::AccountId}``). As the
    principal is the account, an IAM principal still needs an IAM policy granting it the key:
    the fixes that add readers grant the key's ARN in the readers' own policies (a key policy
    naming the roles would close a dependency cycle role -> secret -> key -> role).
  * ``AllowCloudWatchLogsUse`` (logs key): the regional CloudWatch Logs service principal, with
    the ``ArnLike`` condition on ``kms:EncryptionContext:aws:logs:arn`` restricted to log groups
    of this account and Region, as the CloudWatch Logs guide gives it.
"""

from __future__ import annotations

from typing import Any

from fixers.document import Document
from fixers.edits import add_resource, register_names, unique_id
from fixers.kms import ALIAS_TYPE, KEY_TYPE, find_database_key, find_secrets_key, logs_keys

SECRETS_KEY = "SecretsManagerKMSKey"
DATABASE_KEY = "DatabaseKMSKey"
LOGS_KEY = "CloudWatchLogsKMSKey"

register_names(
    SECRETS_KEY,
    f"{SECRETS_KEY}Alias",
    DATABASE_KEY,
    f"{DATABASE_KEY}Alias",
    LOGS_KEY,
    f"{LOGS_KEY}Alias",
)

ROOT_PRINCIPAL = {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
ADMIN_ACTIONS = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:Delete*",
    "kms:Describe*",
    "kms:Disable*",
    "kms:Enable*",
    "kms:Get*",
    "kms:List*",
    "kms:Put*",
    "kms:Revoke*",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:Update*",
]
ADMIN_STATEMENT = {
    "Sid": "EnableRootAccountAdministration",
    "Effect": "Allow",
    "Principal": ROOT_PRINCIPAL,
    "Action": ADMIN_ACTIONS,
    "Resource": "*",
}
LOGS_ARN_CONDITION = {
    "ArnLike": {
        "kms:EncryptionContext:aws:logs:arn": {
            "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"
        }
    }
}
LOGS_ACTIONS = [
    "kms:Encrypt*",
    "kms:Decrypt*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:Describe*",
]


def _new_key(
    doc: Document, base: str, description: str, service_statement: dict[str, Any], alias_suffix: str
) -> str:
    key_id = unique_id(doc, base)
    add_resource(
        doc,
        key_id,
        {
            "Type": KEY_TYPE,
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": description,
                "EnableKeyRotation": True,
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [ADMIN_STATEMENT, service_statement],
                },
            },
        },
    )
    add_resource(
        doc,
        unique_id(doc, f"{key_id}Alias"),
        {
            "Type": ALIAS_TYPE,
            "Properties": {
                "AliasName": {"Fn::Sub": f"alias/${{AWS::StackName}}/{alias_suffix}"},
                "TargetKeyId": {"Ref": key_id},
            },
        },
    )
    return key_id


def service_use_statement(sid: str, service: str, actions: list[str]) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": ROOT_PRINCIPAL,
        "Action": actions,
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "kms:CallerAccount": {"Ref": "AWS::AccountId"},
                "kms:ViaService": {"Fn::Sub": f"{service}.${{AWS::Region}}.amazonaws.com"},
            }
        },
    }


SECRETS_USE = service_use_statement(
    "AllowSecretsManagerUse",
    "secretsmanager",
    ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
)
DATABASE_USE = service_use_statement(
    "AllowRDSUse",
    "rds",
    [
        "kms:CreateGrant",
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:Encrypt",
        "kms:GenerateDataKey*",
        "kms:ListGrants",
        "kms:ReEncrypt*",
    ],
)
LOGS_USE = {
    "Sid": "AllowCloudWatchLogsUse",
    "Effect": "Allow",
    "Principal": {"Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}},
    "Action": LOGS_ACTIONS,
    "Resource": "*",
    "Condition": LOGS_ARN_CONDITION,
}


def ensure_secrets_key(doc: Document) -> str:
    """The customer-managed key for Secrets Manager, added as ``SecretsManagerKMSKey`` if missing.

    The key a database secret already uses when it is a key of the template; else a template key
    whose policy admits use through Secrets Manager; else a new key.
    """
    found = find_secrets_key(doc)
    if found:
        return found
    return _new_key(
        doc,
        SECRETS_KEY,
        "Encrypts the Secrets Manager secrets of this stack",
        SECRETS_USE,
        "secretsmanager",
    )


def ensure_database_key(doc: Document) -> str:
    """The customer-managed key for the database, added as ``DatabaseKMSKey`` if missing."""
    found = find_database_key(doc)
    if found:
        return found
    return _new_key(
        doc,
        DATABASE_KEY,
        "Encrypts the Aurora database storage, snapshots and backups",
        DATABASE_USE,
        "database",
    )


def ensure_logs_key(doc: Document) -> str:
    """The key for CloudWatch Logs, added as ``CloudWatchLogsKMSKey`` if the template has none."""
    found = logs_keys(doc)
    if found:
        return found[0]
    return _new_key(
        doc, LOGS_KEY, "Encrypts the CloudWatch Logs log groups of this stack", LOGS_USE, "logs"
    )
