"""MF0201: the database secret is encrypted with a customer-managed key its readers may use (spec 2.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, iam, key_users, kms, kms_edits, values
from fixers.document import Document, EditError
from fixers.edits import set_property, set_value
from fixers.model import Finding, Fix
from fixers.rules import Rule

AWS_MANAGED = "alias/aws/secretsmanager"
VIA_SECRETS = {
    "StringEquals": {"kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}}
}
READ_STATEMENT_SID = "DecryptSecretsManagerKey"
ROTATE_STATEMENT_SID = "UseSecretsManagerKey"
DEFAULT_POLICY = "SecretsManagerKeyAccess"


def reader_statement(key_id: str) -> dict[str, Any]:
    return {
        "Sid": READ_STATEMENT_SID,
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": kms.key_arn(key_id),
        "Condition": VIA_SECRETS,
    }


def rotator_statement(key_id: str) -> dict[str, Any]:
    return {
        "Sid": ROTATE_STATEMENT_SID,
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": kms.key_arn(key_id),
        "Condition": VIA_SECRETS,
    }


def _policy_name_for(data: dict[str, Any], role: str, secret: str) -> str:
    """The role's inline policy that already speaks about the secret, else a new one."""
    for pol in cfn.list_of(cfn.props(cfn.resources(data).get(role, {})).get("Policies")):
        if (
            isinstance(pol, dict)
            and isinstance(pol.get("PolicyName"), str)
            and secret in cfn.refs(pol.get("PolicyDocument"))
        ):
            return pol["PolicyName"]
    return DEFAULT_POLICY


def _is_aws_managed(value: Any) -> bool:
    return isinstance(value, str) and value.endswith(AWS_MANAGED)


def _managed(value: Any) -> bool:
    """Whether a written ``KmsKeyId`` branch leaves the secret on aws/secretsmanager: unset
    (``AWS::NoValue``) or the alias."""
    return value is values.ABSENT or _is_aws_managed(value)


def _managed_branches(
    data: dict[str, Any], value: Any
) -> tuple[list[tuple[tuple[Any, ...], Any]], list[Any]]:
    """(path and conditions of each branch of an ``Fn::If`` ``KmsKeyId`` that uses the AWS
    managed key, the values of the other branches)."""
    managed, others = [], []
    for path, branch, when in values.branches(value, frozenset(), data, absent=True):
        if _managed(branch):
            managed.append((path, when))
        else:
            others.append(branch)
    return managed, others


def _credential_shape(data: dict[str, Any], secret: dict[str, Any]) -> bool:
    """A secret in the JSON structure Secrets Manager documents for database credentials: the
    password generated as ``password`` beside a ``username`` in ``SecretStringTemplate`` (in
    some branch), with no database of the template attached (a secret stack others import)."""
    p = cfn.props(secret)
    for _, gen, _ in values.branches(p.get("GenerateSecretString"), frozenset(), data):
        if not isinstance(gen, dict):
            continue
        if "password" in values.texts(data, gen.get("GenerateStringKey")) and any(
            '"username"' in t for t in values.patterns(data, gen.get("SecretStringTemplate"))
        ):
            return True
    return False


def database_secrets(data: dict[str, Any]) -> list[str]:
    """The secrets an RDS resource of the template uses (key_users), then those in the
    database-credentials structure."""
    found = key_users.database_secrets(data)
    shaped = [
        lid
        for lid, res in cfn.of_type(data, "AWS::SecretsManager::Secret")
        if lid not in found and _credential_shape(data, res)
    ]
    return found + shaped


def _branch_key(data: dict[str, Any], others: list[Any]) -> str | None:
    """A customer-managed key of the template that a branch on aws/secretsmanager can take:
    the key another branch names, else the template's key for Secrets Manager; only a key that
    exists in every case (no ``Condition``)."""
    candidates = [kms.referenced_key(data, o) for o in others] + [kms.find_secrets_key(data)]
    for key in candidates:
        if key and cfn.condition_of(data, key) is None:
            return key
    return None


def _missing_grants(data: dict[str, Any], secret: str, key: str) -> list[tuple[str, str]]:
    """(role, "rotate"|"read") for readers of the secret that the template does not grant the key."""
    missing: list[tuple[str, str]] = []
    for role in key_users.rotation_roles(data, secret):
        if not (
            iam.role_grants(data, role, "kms:Decrypt", key)
            and iam.role_grants(data, role, "kms:GenerateDataKey", key)
        ):
            missing.append((role, "rotate"))
    for role in key_users.execution_roles_reading(data, secret):
        if not iam.role_grants(data, role, "kms:Decrypt", key) and (role, "rotate") not in missing:
            missing.append((role, "read"))
    return missing


def _hosted_schedules(data: dict[str, Any], secret: str, key: str) -> list[tuple[Any, ...]]:
    """Paths of the hosted rotation functions of the secret (plain, or a branch of an ``Fn::If``)
    whose ``KmsKeyArn`` does not name the secret's key."""
    out: list[tuple[Any, ...]] = []
    for lid, sched in cfn.of_type(data, "AWS::SecretsManager::RotationSchedule"):
        p = cfn.props(sched)
        if cfn.ref_target(p.get("SecretId")) != secret:
            continue
        base = ("Resources", lid, "Properties", "HostedRotationLambda")
        hosted = p.get("HostedRotationLambda")
        branches: list[tuple[tuple[Any, ...], Any]] = [(base, hosted)]
        if (
            isinstance(hosted, dict)
            and list(hosted) == ["Fn::If"]
            and isinstance(hosted["Fn::If"], list)
        ):
            branches = [
                (base + ("Fn::If", i), b) for i, b in enumerate(hosted["Fn::If"]) if i in (1, 2)
            ]
        for path, branch in branches:
            if not isinstance(branch, dict) or any(
                str(k).startswith("Fn::") or k == "Ref" for k in branch
            ):
                continue
            if kms.referenced_key(data, branch.get("KmsKeyArn")) != key:
                out.append(path)
    return out


class SecretsManagerKey(Rule):
    code = "MF0201"
    spec = ("2.1",)
    title = "Database secret is not encrypted with a customer-managed key"
    area = "encryption"
    kind = "hardening"
    severity = "low"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        Without `KmsKeyId` the database credentials are encrypted with the AWS managed key
        `aws/secretsmanager`, whose policy the account cannot change: anyone in the account with
        `secretsmanager:GetSecretValue` can read them, key use cannot be separated from secret
        access, and the key cannot be disabled or audited as the platform's own. A financial
        platform encrypts its credentials with a customer-managed key whose policy says who may
        use it, and grants that key to exactly the principals that read or rotate the secret.
    """
    bad = """
        DatabaseSecret:
          Type: AWS::SecretsManager::Secret
          Properties:
            GenerateSecretString: {...}          # no KmsKeyId: aws/secretsmanager
    """
    good = """
        SecretsManagerKMSKey:
          Type: AWS::KMS::Key
          DeletionPolicy: Retain
          UpdateReplacePolicy: Retain
          Properties:
            EnableKeyRotation: true
            KeyPolicy:                            # account administration, use only via Secrets Manager
              ...
        DatabaseSecret:
          Type: AWS::SecretsManager::Secret
          Properties:
            KmsKeyId: !GetAtt SecretsManagerKMSKey.Arn
        RotationRole:                             # and the task execution role (kms:Decrypt)
          Properties:
            Policies:
              - PolicyDocument:
                  Statement:
                    - Sid: UseSecretsManagerKey
                      Effect: Allow
                      Action: [kms:Decrypt, kms:GenerateDataKey]
                      Resource: !GetAtt SecretsManagerKMSKey.Arn
                      Condition:
                        StringEquals:
                          kms:ViaService: !Sub secretsmanager.${AWS::Region}.amazonaws.com
    """
    fix_safety = """
        Safe (update). `KmsKeyId` of `AWS::SecretsManager::Secret` is updatable in place. The fix
        reuses the key the template already has for Secrets Manager, or adds
        `SecretsManagerKMSKey` (rotation on, retained, a key policy with no `*` principal: the
        account administers it and may use it only through Secrets Manager in this account and
        Region) and its alias, points the secret at it, and in the same change grants the key to
        every reader found by relationship: the role of the function a `RotationSchedule` rotates
        the secret with (`kms:Decrypt`, `kms:GenerateDataKey`), the execution roles of the task
        definitions whose `Secrets` inject it (`kms:Decrypt`), each through Secrets Manager only.
        A hosted rotation function gets the key as `KmsKeyArn`. Readers outside the template
        (other stacks, people) are not visible to the fix and need the key granted too.
    """
    notes = """
        The grants go in the readers' IAM policies, not the key policy: a key policy naming the
        roles would close the dependency cycle role -> secret -> key -> role. Because the key
        policy delegates to IAM only through `kms:ViaService`, the IAM grant alone is not enough
        to use the key outside Secrets Manager. During the stack update there is a short window
        in which the secret uses the new key before a reader's policy has the grant (CloudFormation
        cannot order them: the roles already depend on the secret); deploy outside peak hours.
        A secret whose `KmsKeyId` is a parameter, an import or an ARN is left alone.

        Database secrets: a secret an RDS resource of the template uses (attached, or resolved
        into its master credentials), and a secret in the JSON structure Secrets Manager
        documents for database credentials (`GenerateStringKey: password` beside a `username` in
        `SecretStringTemplate`) even with no database in the template: a secret stack other
        stacks import. A secret without that structure is not recognisably a database's and is
        left alone.

        A `KmsKeyId` that is an `Fn::If` with a branch on the AWS managed key (`AWS::NoValue` or
        `alias/aws/secretsmanager`) and a key in the other (`!If [HasKmsKey, <import>,
        !Ref AWS::NoValue]`): the finding is that branch, its conditions named in the message
        (often the parameters' defaults take it). The fix sets that branch to the template's own
        key (the other branch's, else its Secrets Manager key) when one exists whatever the
        conditions (no `Condition`), and grants it as above; otherwise there is no fix: which key
        that case should use (another stack's, a new one) is the author's choice.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        res = cfn.resources(data)
        for secret in database_secrets(data):
            value = cfn.props(res[secret]).get("KmsKeyId")
            managed, others = _managed_branches(data, value)
            if managed and others:
                yield from self._branches(data, secret, value, managed, others)
                continue
            if value is None or _is_aws_managed(value) or (managed and not others):
                where = (
                    ("Resources", secret)
                    if value is None
                    else ("Resources", secret, "Properties", "KmsKeyId")
                )
                yield self.finding(
                    where,
                    f"Database secret {secret} is encrypted with the AWS managed key aws/secretsmanager; "
                    "any principal of the account with secretsmanager:GetSecretValue can read it; a "
                    "customer-managed key's policy would limit decryption to the roles that read "
                    "and rotate it.",
                    Fix(
                        title=f"Encrypt {secret} with a customer-managed key and grant it to its readers",
                        args=(secret,),
                        impact="update",
                        impact_detail="KmsKeyId is updatable; the readers' policies get the key in the same update",
                    ),
                )
                continue
            key = kms.referenced_key(data, value)
            if key is None:
                continue  # a parameter, an import or an ARN: the key is not in the template
            missing = _missing_grants(data, secret, key)
            hosted = _hosted_schedules(data, secret, key)
            if not missing and not hosted:
                continue
            who = [r for r, _ in missing] + sorted({p[1] for p in hosted})
            yield self.finding(
                ("Resources", secret, "Properties", "KmsKeyId"),
                f"{', '.join(who)} read{'s' if len(who) == 1 else ''} or rotate{'s' if len(who) == 1 else ''} "
                f"{secret} but {'is' if len(who) == 1 else 'are'} not granted its key {key}.",
                Fix(
                    title=f"Grant {key} to the readers of {secret}",
                    args=(secret,),
                    impact="update",
                    impact_detail="IAM policy update",
                ),
            )

    def apply(self, doc: Document, secret: str) -> None:
        data = doc.data
        if secret not in cfn.resources(data):
            raise EditError(f"{secret} is gone")
        value = cfn.props(cfn.resources(data)[secret]).get("KmsKeyId")
        key = kms.referenced_key(data, value)
        managed, others = _managed_branches(data, value)
        if key is None:
            if value is not None and not (managed and not others):
                raise EditError(f"the key of {secret} is not in the template")
            key = kms_edits.ensure_secrets_key(doc)
            set_property(doc, secret, "KmsKeyId", kms.key_arn(key))
        for role, kind in _missing_grants(doc.data, secret, key):
            statement = rotator_statement(key) if kind == "rotate" else reader_statement(key)
            iam.add_role_statement(doc, role, _policy_name_for(doc.data, role, secret), statement)
        for path in _hosted_schedules(doc.data, secret, key):
            set_value(doc, path + ("KmsKeyArn",), kms.key_arn(key))

    def _branches(
        self,
        data: dict[str, Any],
        secret: str,
        value: Any,
        managed: list[tuple[tuple[Any, ...], Any]],
        others: list[Any],
    ) -> Iterator[Finding]:
        """A ``KmsKeyId`` that is an ``Fn::If`` with a branch on aws/secretsmanager: that
        branch, fixed to the template's key when one exists in every case."""
        key = _branch_key(data, others)
        for path, when in managed:
            fix = None
            if key:
                fix = Fix(
                    title=f"Encrypt {secret} with {key} {values.when_text(when)}, and grant it to the secret's readers",
                    action="apply_branch",
                    args=(secret, path, key),
                    impact="update",
                    impact_detail="KmsKeyId is updatable; the readers' policies get the key in the same update",
                )
            yield self.finding(
                ("Resources", secret, "Properties", "KmsKeyId", *path),
                f"Database secret {secret} is encrypted with the AWS managed key aws/secretsmanager "
                f"{values.when_text(when)} (its KmsKeyId names a key only in the other branch of "
                "its Fn::If): then any principal of the account with secretsmanager:GetSecretValue "
                "can read it; a customer-managed key's policy would limit decryption to the roles "
                "that read and rotate it."
                + (
                    ""
                    if key
                    else " The template has no key of its own for that case (one that exists "
                    "whatever the conditions): pass a key, or add one."
                ),
                fix,
            )

    def apply_branch(self, doc: Document, secret: str, path: tuple[Any, ...], key: str) -> None:
        data = doc.data
        if secret not in cfn.resources(data) or key not in cfn.resources(data):
            raise EditError(f"{secret} or {key} is gone")
        value = cfn.props(cfn.resources(data)[secret]).get("KmsKeyId")
        managed, _ = _managed_branches(data, value)
        if tuple(path) not in [p for p, _ in managed]:
            return  # already fixed
        set_value(doc, ("Resources", secret, "Properties", "KmsKeyId", *path), kms.key_arn(key))
        for role, kind in _missing_grants(doc.data, secret, key):
            statement = rotator_statement(key) if kind == "rotate" else reader_statement(key)
            iam.add_role_statement(doc, role, _policy_name_for(doc.data, role, secret), statement)
