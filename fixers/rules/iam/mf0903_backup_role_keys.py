"""MF0903: the AWS Backup role may use the keys of what it backs up and of the vault (spec 9.3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, iam, kms, kms_edits
from fixers.document import Document, EditError
from fixers.model import Finding, Fix
from fixers.rules import Rule

POLICY_NAME = "BackupKeyAccess"
USE_SID = "UseBackupKeys"
GRANT_SID = "CreateGrantsForBackup"
USE_ACTIONS = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
]
CHECKED = ("kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant")

# Resource type -> (property holding its key, service that uses the key on AWS Backup's behalf)
KEYED: dict[str, tuple[tuple[str, ...], str]] = {
    "AWS::RDS::DBCluster": (("KmsKeyId",), "rds"),
    "AWS::RDS::DBInstance": (("KmsKeyId",), "rds"),
    "AWS::DynamoDB::Table": (("SSESpecification", "KMSMasterKeyId"), "dynamodb"),
    "AWS::EFS::FileSystem": (("KmsKeyId",), "elasticfilesystem"),
    "AWS::EC2::Volume": (("KmsKeyId",), "ec2"),
}
MANAGED_POLICY = "AWSBackupServiceRolePolicyForBackup"


def _trusts_backup(role: dict[str, Any]) -> bool:
    trust = cfn.props(role).get("AssumeRolePolicyDocument")
    if not isinstance(trust, dict):
        return False
    return any(kms.admits_service(st, "backup") for _, st in iam.statements_of(trust))


def backup_roles(data: dict[str, Any]) -> dict[str, list[str]]:
    """Backup roles (used by a BackupSelection, or trusted by AWS Backup with its backup managed
    policy) and the selections that use them."""
    res = cfn.resources(data)
    out: dict[str, list[str]] = {}
    for lid, sel in cfn.of_type(data, "AWS::Backup::BackupSelection"):
        body = cfn.props(sel).get("BackupSelection")
        role = iam.role_of(data, body.get("IamRoleArn")) if isinstance(body, dict) else None
        if role:
            out.setdefault(role, []).append(lid)
    for lid, role_res in cfn.of_type(data, "AWS::IAM::Role"):
        if lid in out or not _trusts_backup(role_res):
            continue
        managed = cfn.props(role_res).get("ManagedPolicyArns")
        if any(MANAGED_POLICY in s for _, s in cfn.walk(managed) if isinstance(s, str)):
            out[lid] = []
    return {r: out[r] for r in res if r in out}


def _backed_up(data: dict[str, Any], selections: list[str]) -> list[str] | None:
    """Template resources the selections name; with no selection, the template's databases.
    None when the selections name nothing the template shows (tags, ARNs, parameters)."""
    res = cfn.resources(data)
    if not selections:
        return [
            lid
            for lid, r in cfn.of_type(data, "AWS::RDS::DBCluster", "AWS::RDS::DBInstance")
            if not (r["Type"] == "AWS::RDS::DBInstance" and "DBClusterIdentifier" in cfn.props(r))
        ]
    found: list[str] = []
    for sel in selections:
        body = cfn.props(res[sel]).get("BackupSelection") or {}
        for item in cfn.list_of(body.get("Resources") if isinstance(body, dict) else None):
            for target in sorted(cfn.refs(item)):
                if res.get(target, {}).get("Type") in KEYED and target not in found:
                    found.append(target)
    return found or None


def _vault_keys(data: dict[str, Any]) -> list[str]:
    """Template keys of the vaults the backup plans write to."""
    res = cfn.resources(data)
    out: list[str] = []
    for _, plan in cfn.of_type(data, "AWS::Backup::BackupPlan"):
        for _, v in cfn.walk(cfn.props(plan).get("BackupPlan")):
            if isinstance(v, dict) and "TargetBackupVault" in v:
                vault = cfn.ref_target(v["TargetBackupVault"])
                if vault and res.get(vault, {}).get("Type") == "AWS::Backup::BackupVault":
                    key = kms.referenced_key(data, cfn.props(res[vault]).get("EncryptionKeyArn"))
                    if key and key not in out:
                        out.append(key)
    return out


def needed(
    data: dict[str, Any], selections: list[str]
) -> tuple[list[str | None], list[str]] | None:
    """(keys, None standing for the database key to ensure; services) or None if unseen."""
    res = cfn.resources(data)
    targets = _backed_up(data, selections)
    if targets is None:
        return None
    found: list[str | None] = []
    services: list[str] = []
    for lid in targets:
        path, service = KEYED[res[lid]["Type"]]
        value: Any = cfn.props(res[lid])
        for step in path:
            value = value.get(step) if isinstance(value, dict) else None
        key = kms.referenced_key(data, value)
        if (
            key is None
            and res[lid]["Type"].startswith("AWS::RDS::")
            and (value is None or (isinstance(value, str) and value.endswith("alias/aws/rds")))
        ):
            key = kms.find_database_key(data)  # the database key MF0202 adds (None: not yet there)
            if key not in found:
                found.append(key)
        elif key is not None and key not in found:
            found.append(key)
        else:
            continue
        if service not in services:
            services.append(service)
    for key in _vault_keys(data):
        if key not in found:
            found.append(key)
    if found and "backup" not in services:
        services.append("backup")
    return found, services


def statements(key_ids: list[str], services: list[str]) -> list[dict[str, Any]]:
    arns = [kms.key_arn(k) for k in key_ids]
    resource: Any = arns[0] if len(arns) == 1 else arns
    via = [{"Fn::Sub": f"{s}.${{AWS::Region}}.amazonaws.com"} for s in services]
    return [
        {
            "Sid": USE_SID,
            "Effect": "Allow",
            "Action": USE_ACTIONS,
            "Resource": resource,
            "Condition": {"StringEquals": {"kms:ViaService": via[0] if len(via) == 1 else via}},
        },
        {
            "Sid": GRANT_SID,
            "Effect": "Allow",
            "Action": "kms:CreateGrant",
            "Resource": resource,
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": True}},
        },
    ]


class BackupRoleKeys(Rule):
    code = "MF0903"
    spec = ("9.3",)
    title = "Backup role cannot use the keys of what it backs up"
    area = "iam"
    kind = "defect"
    severity = "medium"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        AWS Backup runs backup and restore jobs as the backup role. For a resource encrypted
        with a customer-managed key whose policy delegates to IAM (the Aurora cluster under
        `DatabaseKMSKey`), the managed `AWSBackupServiceRolePolicyForBackup` does not grant the
        role the key: the jobs fail with an access error, discovered only when a backup or a
        restore is needed. The role needs the KMS permissions on the keys of the resources it
        backs up and of the vault it writes to.
    """
    bad = """
        BackupRole:
          Type: AWS::IAM::Role
          Properties:
            ManagedPolicyArns:
              - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup
    """
    good = """
        BackupRole:
          Type: AWS::IAM::Role
          Properties:
            Policies:
              - PolicyName: BackupKeyAccess
                PolicyDocument:
                  Statement:
                    - Sid: UseBackupKeys
                      Effect: Allow
                      Action: [kms:Decrypt, kms:DescribeKey, kms:Encrypt, kms:GenerateDataKey*, kms:ReEncrypt*]
                      Resource: !GetAtt DatabaseKMSKey.Arn
                      Condition:
                        StringEquals:
                          kms:ViaService: [!Sub 'rds.${AWS::Region}.amazonaws.com', !Sub 'backup.${AWS::Region}.amazonaws.com']
                    - Sid: CreateGrantsForBackup
                      Effect: Allow
                      Action: kms:CreateGrant
                      Resource: !GetAtt DatabaseKMSKey.Arn
                      Condition:
                        Bool:
                          kms:GrantIsForAWSResource: true
    """
    fix_safety = """
        Safe (update): an inline policy `BackupKeyAccess` is added to the backup role (or its
        statements updated). Keys: those of the resources its backup selections name (with no
        selection in the template, its databases), and of the vaults its plans write to. A
        database still on `aws/rds` is about to get `DatabaseKMSKey` (MF0202), so that key is
        ensured and granted; a vault on the AWS managed `aws/backup` key needs no grant. Use is
        bound to the services that act for AWS Backup (`kms:ViaService`), grants to AWS resources
        (`kms:GrantIsForAWSResource`). Only adds permissions.
    """
    notes = """
        The backup role is found by relationship: the `IamRoleArn` of a `BackupSelection`, or a
        role trusted by `backup.amazonaws.com` with the AWS Backup backup managed policy. A
        cross-account copy role that has neither is not this rule's. Selections by tags or ARNs
        outside the template are reported as not visible rather than guessed.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for role, selections in backup_roles(data).items():
            got = needed(data, selections)
            if got is None:
                continue
            key_ids, _ = got
            missing = [
                k or "the database key"
                for k in key_ids
                if k is None or not all(iam.role_grants(data, role, a, k) for a in CHECKED)
            ]
            if not missing:
                continue
            yield self.finding(
                ("Resources", role),
                f"Backup role {role} has no KMS permissions on {', '.join(missing)}, which encrypt"
                f"{'s' if len(missing) == 1 else ''} what it backs up.",
                Fix(
                    title=f"Grant {role} the KMS permissions AWS Backup needs on {', '.join(missing)}",
                    args=(role,),
                    impact="update",
                    impact_detail="IAM policy update",
                ),
            )

    def apply(self, doc: Document, role: str) -> None:
        selections = backup_roles(doc.data).get(role)
        if selections is None:
            raise EditError(f"{role} is no longer a backup role")
        got = needed(doc.data, selections)
        if got is None:
            raise EditError("what the role backs up is not in the template")
        key_ids, services = got
        if None in key_ids:
            ensured = kms_edits.ensure_database_key(doc)
            key_ids = [ensured if k is None else k for k in key_ids]
        named = [k for k in dict.fromkeys(key_ids) if k]
        iam.add_role_statements(doc, role, POLICY_NAME, list(statements(named, services)))
