"""The template's customer-managed KMS keys: which key a value names, what a key policy admits,
and which key the secrets, the database, the log groups and the task definitions use.

Keys are found by type and relationship (what a ``KmsKeyId`` points at, what a key policy
admits), never by logical ID. Questions only: ``fixers.kms_edits`` adds the keys fixes need
when the template has none.
"""

from __future__ import annotations

from typing import Any

from fixers import cfn
from fixers.key_users import _data, database_secrets, task_log_groups, task_secrets

KEY_TYPE = "AWS::KMS::Key"
ALIAS_TYPE = "AWS::KMS::Alias"


def key_arn(key_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [key_id, "Arn"]}


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


# -- the keys -------------------------------------------------------------------------------


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


# -- the keys of what task definitions read -------------------------------------------------


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
