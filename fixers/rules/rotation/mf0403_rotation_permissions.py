"""MF0403: the rotation role may generate passwords and use the secret's KMS key (spec 4.3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document, EditError
from fixers.edits import add_list_item, add_statement
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.rotation import common

SECRET_ACTIONS = [
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
]
RANDOM_PASSWORD = "secretsmanager:GetRandomPassword"
KMS_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"]
POLICY_NAME = "SecretRotation"


def random_password_statement() -> dict[str, Any]:
    # GetRandomPassword acts on no resource: IAM accepts only "*" for it.
    return {
        "Sid": "GenerateRotatedPasswords",
        "Effect": "Allow",
        "Action": RANDOM_PASSWORD,
        "Resource": "*",
    }


def secret_statement(secret: str) -> dict[str, Any]:
    return {
        "Sid": "RotateTheSecret",
        "Effect": "Allow",
        "Action": list(SECRET_ACTIONS),
        "Resource": {"Ref": secret},
    }


def key_statement(key: str) -> dict[str, Any]:
    return {
        "Sid": f"Use{key}",
        "Effect": "Allow",
        "Action": list(KMS_ACTIONS),
        "Resource": {"Fn::GetAtt": [key, "Arn"]},
    }


def generates_passwords(data: dict[str, Any], setup: common.Setup) -> bool:
    """The function calls GetRandomPassword, or is a PostgreSQL placeholder MF0401 makes do so."""
    code = common.inline_code(cfn.resources(data)[setup.function]) if setup.function else None
    if code is None:
        return False
    if any(s in code for s in ("get_random_password", "GetRandomPassword", "getRandomPassword")):
        return True
    return not common.has_rotation_steps(code) and common.is_postgres(data, setup.database)


class RotationPermissions(Rule):
    code = "MF0403"
    spec = ("4.3",)
    title = "Rotation role cannot generate a password or use the secret's key"
    area = "rotation"
    kind = "defect"
    severity = "high"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        The rotation function's createSecret step asks Secrets Manager for a new password
        (`secretsmanager:GetRandomPassword`) and stores it as `AWSPENDING`; every step reads and
        writes the secret, which Secrets Manager encrypts with the secret's KMS key on the
        caller's behalf. A role that may do the secret-scoped calls but not GetRandomPassword, or
        not use a customer-managed key, fails the first rotation with AccessDenied.
    """
    bad = """
        Statement:
          - Effect: Allow
            Action: [secretsmanager:GetSecretValue, secretsmanager:PutSecretValue]
            Resource: !Ref DatabaseSecret
    """
    good = """
        Statement:
          - Effect: Allow
            Action: [secretsmanager:GetSecretValue, secretsmanager:PutSecretValue]
            Resource: !Ref DatabaseSecret
          - Sid: GenerateRotatedPasswords
            Effect: Allow
            Action: secretsmanager:GetRandomPassword
            Resource: '*'               # the action has no resource: IAM allows only '*'
          - Sid: UseSecretsManagerKMSKey
            Effect: Allow
            Action: [kms:Decrypt, kms:GenerateDataKey]
            Resource: !GetAtt SecretsManagerKMSKey.Arn
    """
    fix_safety = """
        Safe (update): statements are added to the role's inline policy that already grants the
        secret (or to a new inline policy `SecretRotation`), and the role is updated in place.
        `GetRandomPassword` gets `Resource: '*'` because it acts on no resource (the IAM service
        authorization reference lists no resource type for it). `kms:Decrypt` and
        `kms:GenerateDataKey` are granted on the ARN of the key the secret names, only when that
        key is a key of this template: with the AWS managed key `aws/secretsmanager` no grant is
        needed. When a key is added to the secret later (MF0201), the rule fires again. Missing
        secret-scoped actions (DescribeSecret, GetSecretValue, PutSecretValue,
        UpdateSecretVersionStage) are added on the secret alone.
    """
    notes = """
        Checked only where the function's inline code asks for passwords (or is the PostgreSQL
        placeholder MF0401 replaces). Statements in `AWS::IAM::Policy` or `AWS::IAM::ManagedPolicy`
        resources attached to the role count; a key named by a parameter or an import cannot be
        seen and is not granted. Only the role of the schedule's template function is checked: a
        `HostedRotationLambda` on the schedule is neither checked nor edited here (MF0402 reports
        one beside the template function, inside `Fn::If` or not).
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        seen: set[str] = set()
        for setup in common.setups(data):
            role = setup.role
            if not role or not setup.secret or role in seen or not generates_passwords(data, setup):
                continue
            if common.service_token_users(data, setup.function or "") or common.unseen_policies(
                data, role
            ):
                continue  # not a rotation function (MF0401 says so), or grants not in sight
            seen.add(role)
            missing = []
            if not common.role_allows(data, role, RANDOM_PASSWORD):
                missing.append(RANDOM_PASSWORD)
            missing += [
                a for a in SECRET_ACTIONS if not common.role_allows(data, role, a, setup.secret)
            ]
            key = common.secret_key(data, setup.secret)
            key_missing = bool(key) and not all(
                common.role_allows(data, role, a, key) for a in KMS_ACTIONS
            )
            fix = Fix(
                title=f"Let {role} generate passwords and use the secret's key",
                args=(setup.schedule,),
                impact="update",
                impact_detail=f"{role} gains permissions; it is updated in place",
            )
            if missing:
                extra = f", and {', '.join(KMS_ACTIONS)} on {key}" if key_missing else ""
                yield self.finding(
                    ("Resources", role, "Properties", "Policies"),
                    f"The rotation role {role} of {setup.function} may not call {', '.join(missing)}{extra}: "
                    "rotation fails with AccessDenied.",
                    fix,
                )
            elif key_missing:
                yield self.finding(
                    ("Resources", role, "Properties", "Policies", f"kms:{key}"),
                    f"The rotation role {role} may not use {key}, the KMS key of {setup.secret} "
                    f"({', '.join(KMS_ACTIONS)}): rotation fails with AccessDenied.",
                    fix,
                )

    def apply(self, doc: Document, schedule: str) -> None:
        data = doc.data
        setup = next((s for s in common.setups(data) if s.schedule == schedule), None)
        if setup is None or not setup.role or not setup.secret:
            raise EditError(f"{schedule} no longer has a rotation role")
        role, secret = setup.role, setup.secret
        wanted = []
        if not common.role_allows(data, role, RANDOM_PASSWORD):
            wanted.append(random_password_statement())
        if not all(common.role_allows(data, role, a, secret) for a in SECRET_ACTIONS):
            wanted.append(secret_statement(secret))
        key = common.secret_key(data, secret)
        if key and not all(common.role_allows(data, role, a, key) for a in KMS_ACTIONS):
            wanted.append(key_statement(key))
        if not wanted:
            return
        path = common.secret_policy_path(data, role, secret)
        if path is None:
            add_list_item(
                doc,
                ("Resources", role, "Properties", "Policies"),
                {
                    "PolicyName": POLICY_NAME,
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": wanted},
                },
            )
            return
        for statement in wanted:
            add_statement(doc, path, statement)
