"""Customer-managed KMS keys that fixes reference: find the template's own, or add one.

Keys are found by type and relationship (what a ``KmsKeyId`` points at, what a key policy
admits), never by logical ID. Keys this module adds share one least-privilege shape:

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

from fixers import cfn
from fixers.document import Document, EditError
from fixers.edits import add_resource, add_statement, register_names, unique_id

KEY_TYPE = "AWS::KMS::Key"
ALIAS_TYPE = "AWS::KMS::Alias"

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


def key_arn(key_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [key_id, "Arn"]}


def _data(doc: Any) -> dict[str, Any]:
    return doc.data if isinstance(doc, Document) else doc


def referenced_key(doc: Any, value: Any) -> str | None:
    """The logical ID of the template's ``AWS::KMS::Key`` a ``KmsKeyId``-like value names.

    ``Ref`` or ``Fn::GetAtt`` of the key, or of an ``AWS::KMS::Alias`` whose ``TargetKeyId``
    names a key of the template (an ``Fn::Sub`` of exactly one such name counts too). ``None``
    for anything else: a literal ARN, a parameter, an import, an AWS managed key.
    """
    data = _data(doc)
    res = cfn.resources(data)
    target = cfn.ref_target(value)
    if target is None and isinstance(value, dict) and list(value) == ["Fn::Sub"]:
        names = cfn.refs(value)
        if len(names) == 1:
            target = next(iter(names))
    if target is None or target not in res:
        return None
    rtype = res[target].get("Type")
    if rtype == KEY_TYPE:
        return target
    if rtype == ALIAS_TYPE:
        inner = cfn.ref_target(cfn.props(res[target]).get("TargetKeyId"))
        if inner and res.get(inner, {}).get("Type") == KEY_TYPE:
            return inner
    return None


# -- key policies ---------------------------------------------------------------------------


def key_statements(doc: Any, key_id: str) -> list[dict[str, Any]]:
    """The statements of a template key's policy (empty if the policy is not plain data)."""
    res = cfn.resources(_data(doc)).get(key_id) or {}
    policy = cfn.props(res).get("KeyPolicy")
    if not isinstance(policy, dict):
        return []
    return [s for s in cfn.list_of(policy.get("Statement")) if isinstance(s, dict)]


def _strings(value: Any) -> list[str]:
    """Literal strings and ``Fn::Sub`` templates inside a value (conditions, principals)."""
    out: list[str] = []
    for _, v in cfn.walk(value):
        if isinstance(v, str):
            out.append(v)
    return out


def _condition_values(statement: dict[str, Any], key: str) -> list[str]:
    cond = statement.get("Condition")
    if not isinstance(cond, dict):
        return []
    out: list[str] = []
    for op in cond.values():
        if isinstance(op, dict):
            for k, v in op.items():
                if isinstance(k, str) and k.lower() == key.lower():
                    out.extend(_strings(v))
    return out


def via_services(statement: dict[str, Any]) -> list[str]:
    """Service prefixes a statement's ``kms:ViaService`` condition names (``secretsmanager``...)."""
    return [v.split(".", 1)[0] for v in _condition_values(statement, "kms:ViaService")]


def admits_service(statement: dict[str, Any], service: str) -> bool:
    """Whether an Allow statement names the service principal ``service``.amazonaws.com or
    ``service``.<region>.amazonaws.com."""
    if statement.get("Effect") != "Allow":
        return False
    principal = statement.get("Principal")
    if not isinstance(principal, dict):
        return False
    for s in _strings(principal.get("Service")):
        if s.split(".", 1)[0] == service and s.endswith(".amazonaws.com"):
            return True
    return False


def _keys_used_via(doc: Any, service: str) -> list[str]:
    """Template keys whose policy admits use through ``service`` (ViaService or principal)."""
    found = []
    for lid, _ in cfn.of_type(_data(doc), KEY_TYPE):
        for st in key_statements(doc, lid):
            if st.get("Effect") == "Allow" and (
                service in via_services(st) or admits_service(st, service)
            ):
                found.append(lid)
                break
    return found


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


# -- the keys -------------------------------------------------------------------------------

RDS_TYPES = ("AWS::RDS::DBCluster", "AWS::RDS::DBInstance")


def database_secrets(doc: Any) -> list[str]:
    """Secrets that hold database credentials: attached to, or resolved by, an RDS resource."""
    data = _data(doc)
    res = cfn.resources(data)
    secrets = {lid for lid, _ in cfn.of_type(data, "AWS::SecretsManager::Secret")}
    found: set[str] = set()
    for _, att in cfn.of_type(data, "AWS::SecretsManager::SecretTargetAttachment"):
        p = cfn.props(att)
        secret, target = cfn.ref_target(p.get("SecretId")), cfn.ref_target(p.get("TargetId"))
        if secret in secrets and target and res.get(target, {}).get("Type") in RDS_TYPES:
            found.add(secret)
    for _, db in cfn.of_type(data, *RDS_TYPES):
        p = cfn.props(db)
        for prop in ("MasterUsername", "MasterUserPassword"):
            found |= cfn.refs(p.get(prop)) & secrets
    return [lid for lid in secrets_in_order(data) if lid in found]


def secrets_in_order(data: dict[str, Any]) -> list[str]:
    return [lid for lid, _ in cfn.of_type(data, "AWS::SecretsManager::Secret")]


def find_secrets_key(doc: Any) -> str | None:
    """The key ``ensure_secrets_key`` returns, without adding one (None if it would add one)."""
    data = _data(doc)
    for secret in database_secrets(data):
        key = referenced_key(data, cfn.props(cfn.resources(data)[secret]).get("KmsKeyId"))
        if key:
            return key
    existing = _keys_used_via(data, "secretsmanager")
    return existing[0] if existing else None


def find_database_key(doc: Any) -> str | None:
    """The key ``ensure_database_key`` returns, without adding one (None if it would add one)."""
    data = _data(doc)
    for _, db in cfn.of_type(data, "AWS::RDS::DBCluster"):
        key = referenced_key(data, cfn.props(db).get("KmsKeyId"))
        if key:
            return key
    existing = _keys_used_via(data, "rds")
    return existing[0] if existing else None


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


def logs_keys(doc: Any) -> list[str]:
    """Template keys used by log groups, then keys whose policy admits CloudWatch Logs."""
    data = _data(doc)
    found: list[str] = []
    for _, group in cfn.of_type(data, "AWS::Logs::LogGroup"):
        key = referenced_key(data, cfn.props(group).get("KmsKeyId"))
        if key and key not in found:
            found.append(key)
    for lid, _ in cfn.of_type(data, KEY_TYPE):
        if lid not in found and any(admits_service(s, "logs") for s in key_statements(data, lid)):
            found.append(lid)
    return found


def ensure_logs_key(doc: Document) -> str:
    """The key for CloudWatch Logs, added as ``CloudWatchLogsKMSKey`` if the template has none."""
    found = logs_keys(doc)
    if found:
        return found[0]
    return _new_key(
        doc, LOGS_KEY, "Encrypts the CloudWatch Logs log groups of this stack", LOGS_USE, "logs"
    )


# -- who uses the keys: roles, task definitions, rotation functions -------------------------


def role_of(data: dict[str, Any], value: Any) -> str | None:
    """The template ``AWS::IAM::Role`` a role ARN value (``Fn::GetAtt [Role, Arn]``, ``Ref``) names."""
    target = cfn.ref_target(value)
    if target and cfn.resources(data).get(target, {}).get("Type") == "AWS::IAM::Role":
        return target
    return None


def task_secrets(data: dict[str, Any], task_def: dict[str, Any]) -> list[str]:
    """Secrets Manager secrets of the template that a task definition injects."""
    secrets = secrets_in_order(data)
    found: set[str] = set()
    for container in cfn.list_of(cfn.props(task_def).get("ContainerDefinitions")):
        if not isinstance(container, dict):
            continue
        for item in cfn.list_of(container.get("Secrets")):
            if isinstance(item, dict):
                found |= cfn.refs(item.get("ValueFrom"))
        creds = container.get("RepositoryCredentials")
        if isinstance(creds, dict):
            found |= cfn.refs(creds.get("CredentialsParameter"))
    return [s for s in secrets if s in found]


def task_log_groups(data: dict[str, Any], task_def: dict[str, Any]) -> list[str]:
    """Log groups of the template that a task definition's awslogs driver writes to."""
    groups = [lid for lid, _ in cfn.of_type(data, "AWS::Logs::LogGroup")]
    found: set[str] = set()
    for container in cfn.list_of(cfn.props(task_def).get("ContainerDefinitions")):
        if not isinstance(container, dict):
            continue
        log = container.get("LogConfiguration")
        if (
            isinstance(log, dict)
            and log.get("LogDriver") == "awslogs"
            and isinstance(log.get("Options"), dict)
        ):
            found |= cfn.refs(log["Options"].get("awslogs-group"))
    return [g for g in groups if g in found]


def rotation_roles(data: dict[str, Any], secret: str) -> list[str]:
    """Roles of the functions that rotate a secret (RotationSchedule -> function -> Role)."""
    res = cfn.resources(data)
    roles: list[str] = []
    for _, sched in cfn.of_type(data, "AWS::SecretsManager::RotationSchedule"):
        p = cfn.props(sched)
        if cfn.ref_target(p.get("SecretId")) != secret:
            continue
        # A function ARN, or an Fn::If between one and AWS::NoValue (a hosted function instead).
        for fn in sorted(cfn.refs(p.get("RotationLambdaARN"))):
            if res.get(fn, {}).get("Type") != "AWS::Lambda::Function":
                continue
            role = role_of(data, cfn.props(res[fn]).get("Role"))
            if role and role not in roles:
                roles.append(role)
    return roles


def execution_roles_reading(data: dict[str, Any], secret: str) -> list[str]:
    """Execution roles of the task definitions that inject a secret."""
    roles: list[str] = []
    for _, td in cfn.of_type(data, "AWS::ECS::TaskDefinition"):
        if secret in task_secrets(data, td):
            role = role_of(data, cfn.props(td).get("ExecutionRoleArn"))
            if role and role not in roles:
                roles.append(role)
    return roles


def role_policy_documents(
    data: dict[str, Any], role: str
) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(path, policy document) of a role's inline policies and of the template policies attached to it."""
    res = cfn.resources(data)
    out: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for i, pol in enumerate(cfn.list_of(cfn.props(res.get(role, {})).get("Policies"))):
        if isinstance(pol, dict) and isinstance(pol.get("PolicyDocument"), dict):
            out.append(
                (
                    ("Resources", role, "Properties", "Policies", i, "PolicyDocument"),
                    pol["PolicyDocument"],
                )
            )
    for lid, pol in cfn.of_type(data, "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        p = cfn.props(pol)
        if any(cfn.ref_target(r) == role for r in cfn.list_of(p.get("Roles"))) and isinstance(
            p.get("PolicyDocument"), dict
        ):
            out.append((("Resources", lid, "Properties", "PolicyDocument"), p["PolicyDocument"]))
    return out


def statements_of(policy: dict[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    """(index or None for a lone statement, statement) of a policy document."""
    st = policy.get("Statement")
    if isinstance(st, dict):
        return [(None, st)]
    return [(i, s) for i, s in enumerate(cfn.list_of(st)) if isinstance(s, dict)]


def _action_matches(pattern: Any, action: str) -> bool:
    import fnmatch

    return isinstance(pattern, str) and fnmatch.fnmatchcase(action.lower(), pattern.lower())


def grants_action(statement: dict[str, Any], action: str) -> bool:
    return statement.get("Effect") == "Allow" and any(
        _action_matches(a, action) for a in cfn.list_of(statement.get("Action"))
    )


def resource_covers_key(resource: Any, key_id: str) -> bool:
    """Whether a statement's Resource names a key: ``*``, a ``key/*`` pattern, or the key itself."""
    for r in cfn.list_of(resource):
        if r == "*" or (isinstance(r, str) and r.endswith(":key/*")):
            return True
        if key_id in cfn.refs(r):
            return True
        if isinstance(r, dict) and "Fn::Sub" in r:
            t = r["Fn::Sub"][0] if isinstance(r["Fn::Sub"], list) else r["Fn::Sub"]
            if isinstance(t, str) and t.endswith(":key/*"):
                return True
    return False


def role_grants(data: dict[str, Any], role: str, action: str, key_id: str) -> bool:
    """Whether a role's policies in the template allow ``action`` on a key (conditions aside)."""
    for _, policy in role_policy_documents(data, role):
        for _, st in statements_of(policy):
            if grants_action(st, action) and resource_covers_key(st.get("Resource"), key_id):
                return True
    return False


def add_role_statement(
    doc: Document, role: str, policy_name: str, statement: dict[str, Any]
) -> None:
    """Put a statement in the role's inline policy ``policy_name`` (made if missing).

    A statement with the same ``Sid`` in any inline policy of the role is replaced by this one
    (so a grant that must name one more key converges); an equal one is left as it is.
    """
    for i, pol in enumerate(cfn.list_of(doc.get(("Resources", role, "Properties", "Policies")))):
        if not isinstance(pol, dict) or not isinstance(pol.get("PolicyDocument"), dict):
            continue
        for j, st in statements_of(pol["PolicyDocument"]):
            if statement.get("Sid") is not None and st.get("Sid") == statement.get("Sid"):
                path: tuple[Any, ...] = (
                    "Resources",
                    role,
                    "Properties",
                    "Policies",
                    i,
                    "PolicyDocument",
                    "Statement",
                )
                if j is not None:
                    path += (j,)
                from fixers.edits import set_value

                for k, v in statement.items():
                    if st.get(k) != v:
                        set_value(doc, path + (k,), v)
                return
    add_role_statements(doc, role, policy_name, [statement], replace_same_sid=False)


def add_role_statements(
    doc: Document,
    role: str,
    policy_name: str,
    statements: list[dict[str, Any]],
    replace_same_sid: bool = True,
) -> None:
    """``add_role_statement`` for several statements; a policy made for them gets them all in
    one edit."""
    if replace_same_sid:
        rest = []
        for statement in statements:
            if _has_same_sid(doc, role, statement):
                add_role_statement(doc, role, policy_name, statement)
            else:
                rest.append(statement)
        statements = rest
    if not statements:
        return
    policies = doc.get(("Resources", role, "Properties", "Policies"))
    from fixers.edits import _canonical_position

    ordered: list[dict[str, Any]] = []
    for st in statements:  # the order appending them one by one would give
        ordered.insert(_canonical_position(ordered, st), st)
    new_policy = {
        "PolicyName": policy_name,
        "PolicyDocument": {"Version": "2012-10-17", "Statement": ordered},
    }
    if policies is None:
        from fixers.edits import set_property

        set_property(doc, role, "Policies", [new_policy])
        return
    if not isinstance(policies, list):
        raise EditError(f"the Policies of {role} are not a list the fix can edit")
    for i, pol in enumerate(policies):
        if isinstance(pol, dict) and pol.get("PolicyName") == policy_name:
            path = ("Resources", role, "Properties", "Policies", i, "PolicyDocument")
            document = doc.get(path)
            if not isinstance(document, dict):
                raise EditError(
                    f"policy {policy_name} of {role} has no policy document the fix can edit"
                )
            for st in statements:
                add_statement(doc, path, st)
            return
    from fixers.edits import add_list_item

    add_list_item(doc, ("Resources", role, "Properties", "Policies"), new_policy)


def _has_same_sid(doc: Document, role: str, statement: dict[str, Any]) -> bool:
    sid = statement.get("Sid")
    if sid is None:
        return False
    for pol in cfn.list_of(doc.get(("Resources", role, "Properties", "Policies"))):
        if (
            isinstance(pol, dict)
            and isinstance(pol.get("PolicyDocument"), dict)
            and any(st.get("Sid") == sid for _, st in statements_of(pol["PolicyDocument"]))
        ):
            return True
    return False


def task_secret_keys(
    data: dict[str, Any], task_defs: list[str]
) -> tuple[list[str | None], list[str]]:
    """For the secrets the task definitions inject: the template key of each (None: the
    Secrets Manager key to ensure), and the secrets whose key the template cannot show."""
    res = cfn.resources(data)
    found: list[str | None] = []
    unknown: list[str] = []
    for td in task_defs:
        for secret in task_secrets(data, res[td]):
            value = cfn.props(res[secret]).get("KmsKeyId")
            key = referenced_key(data, value)
            if (
                key is None
                and value is not None
                and not (isinstance(value, str) and value.endswith("alias/aws/secretsmanager"))
            ):
                unknown.append(secret)
            else:
                key = key or find_secrets_key(data)
                if key not in found:
                    found.append(key)
    return found, unknown


def task_log_keys(data: dict[str, Any], task_defs: list[str]) -> list[str]:
    res = cfn.resources(data)
    out: list[str] = []
    for td in task_defs:
        for group in task_log_groups(data, res[td]):
            key = referenced_key(data, cfn.props(res[group]).get("KmsKeyId"))
            if key and key not in out:
                out.append(key)
    return out
