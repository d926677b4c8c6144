"""What the beyond-the-specification rules share: database passwords (where a template passes
them, which parameters hold them), the database resources that hold data, and the edit that
hands a master password over to RDS (``ManageMasterUserPassword``)."""

from __future__ import annotations

import re
from typing import Any

from fixers import cfn, kms, values
from fixers.document import Document, EditError
from fixers.edits import set_property

DB_TYPES = ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster")
RDS_MANAGED_TYPES = DB_TYPES
PASSWORD_PROPERTY = "MasterUserPassword"
DYNAMIC_SECRET = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure):")
INTERFACE = "AWS::CloudFormation::Interface"
WHOLE_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)\}")
JSON_PASSWORD = re.compile(r'"password"\s*:\s*"\$\{([A-Za-z0-9]+)\}"', re.IGNORECASE)


def password_holders(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Resources of any type that take a ``MasterUserPassword`` (RDS, DocumentDB, Redshift...)."""
    return [
        (lid, res)
        for lid, res in cfn.resources(data).items()
        if isinstance(res, dict) and PASSWORD_PROPERTY in cfn.props(res)
    ]


def whole_parameter(data: dict[str, Any], expr: Any) -> list[str]:
    """The parameters whose value *is* ``expr`` in some ``Fn::If`` branch: ``Ref P``, or a
    ``Fn::Sub`` whose whole text is ``${P}``. A parameter that is only part of a value (a stack
    name inside an import, a variable of a ``{{resolve:...}}`` dynamic reference) is not."""
    params = cfn.section(data, "Parameters")
    out: list[str] = []
    for _, value, _ in values.branches(expr, data=data):
        name = None
        if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("Ref"), str):
            name = value["Ref"]
        elif isinstance(value, dict) and len(value) == 1 and "Fn::Sub" in value:
            parsed = values.sub_parts(value["Fn::Sub"])
            m = WHOLE_VARIABLE.fullmatch(parsed[0]) if parsed else None
            if m and parsed is not None:
                bound = parsed[1].get(m.group(1), {"Ref": m.group(1)})
                name = bound.get("Ref") if isinstance(bound, dict) and len(bound) == 1 else None
        if isinstance(name, str) and name in params and name not in out:
            out.append(name)
    return out


def password_parameters(data: dict[str, Any]) -> dict[str, list[str]]:
    """Parameters whose value is a ``MasterUserPassword`` (``Ref``, a ``Fn::Sub`` of the
    parameter alone, a branch of ``Fn::If``), each with the resources that take it as their
    password, in template order."""
    out: dict[str, list[str]] = {}
    for lid, res in password_holders(data):
        for name in sorted(whole_parameter(data, cfn.props(res)[PASSWORD_PROPERTY])):
            out.setdefault(name, []).append(lid)
    return out


def secret_password_parameters(data: dict[str, Any]) -> dict[str, list[str]]:
    """Parameters written as the ``password`` of a Secrets Manager secret's JSON
    ``SecretString`` (``!Sub '{"username":"${User}","password":"${P}"}'``, in any ``Fn::If``
    branch), each with the secrets that hold them. A generated secret (``GenerateSecretString``)
    holds no parameter."""
    params = cfn.section(data, "Parameters")
    out: dict[str, list[str]] = {}
    for lid, res in cfn.of_type(data, "AWS::SecretsManager::Secret"):
        for _, value, _ in values.branches(cfn.props(res).get("SecretString"), data=data):
            if not (isinstance(value, dict) and len(value) == 1 and "Fn::Sub" in value):
                continue
            parsed = values.sub_parts(value["Fn::Sub"])
            if parsed is None:
                continue
            text, variables = parsed
            for m in JSON_PASSWORD.finditer(text):
                bound = variables.get(m.group(1), {"Ref": m.group(1)})
                name = bound.get("Ref") if isinstance(bound, dict) and len(bound) == 1 else None
                if isinstance(name, str) and name in params and lid not in out.get(name, []):
                    out.setdefault(name, []).append(lid)
    return out


def no_echo(param: Any) -> bool:
    return isinstance(param, dict) and values.as_bool(param.get("NoEcho")) is True


def has_default(param: Any) -> bool:
    return isinstance(param, dict) and "Default" in param and param["Default"] not in ("", None)


def secret_parameters(data: dict[str, Any]) -> set[str]:
    """Parameters that hold a secret: ``NoEcho`` ones, those passed as a master password, and
    those written as the password of a Secrets Manager secret."""
    params = cfn.section(data, "Parameters")
    return (
        {n for n, p in params.items() if no_echo(p)}
        | set(password_parameters(data))
        | set(secret_password_parameters(data))
    )


def is_member(resource: dict[str, Any]) -> bool:
    """A DB instance of a cluster: the cluster holds its data, backups and password. (A
    cluster's own ``DBClusterIdentifier`` is its name, not a membership.)"""
    return resource.get("Type") != "AWS::RDS::DBCluster" and "DBClusterIdentifier" in cfn.props(
        resource
    )


def is_replica(resource: dict[str, Any]) -> bool:
    """A read replica (or a cluster replicating another): its source holds the data."""
    p = cfn.props(resource)
    return any(
        k in p
        for k in (
            "SourceDBInstanceIdentifier",
            "SourceDBClusterIdentifier",
            "SourceDBInstanceAutomatedBackupsArn",
        )
    )


def data_holders(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """RDS clusters and standalone instances that are not replicas: where the data lives."""
    return [
        (lid, res)
        for lid, res in cfn.of_type(data, *DB_TYPES)
        if not is_member(res) and not is_replica(res)
    ]


def manages_password(data: dict[str, Any], resource: dict[str, Any]) -> bool:
    """RDS manages (generates, stores in Secrets Manager and rotates) the master password."""
    value = cfn.props(resource).get("ManageMasterUserPassword")
    return values.as_bool(values.literal(data, value)) is True


def can_manage_password(data: dict[str, Any], lid: str) -> str | None:
    """Why RDS cannot take over the master password of ``lid`` as the fix does, or None."""
    res = cfn.resources(data).get(lid) or {}
    if res.get("Type") not in RDS_MANAGED_TYPES:
        return f"{res.get('Type')} is not an RDS database"
    p = cfn.props(res)
    if values.can_be(data, p.get("EngineMode"), "serverless"):
        return "Aurora Serverless v1 does not support RDS-managed master passwords"
    if "MasterUsername" not in p:
        return "it has no MasterUsername"
    if "MasterUserSecret" in p and not isinstance(p["MasterUserSecret"], dict):
        return "its MasterUserSecret is not a plain mapping"
    return None


def secret_arn(db: str) -> dict[str, Any]:
    """The ARN of the secret RDS keeps the master credentials of ``db`` in."""
    return {"Fn::GetAtt": [db, "MasterUserSecret.SecretArn"]}


def manage_password(doc: Document, db: str) -> str | None:
    """Hand the master password of ``db`` over to RDS: ``ManageMasterUserPassword: true``, the
    secret encrypted with the template's Secrets Manager key if it has one, no
    ``MasterUserPassword``. Returns that key, if any. Idempotent."""
    why = can_manage_password(doc.data, db)
    if why is not None:
        raise EditError(f"RDS cannot manage the password of {db}: {why}")
    key = kms.find_secrets_key(doc)
    props = ("Resources", db, "Properties")
    if doc.exists(props + (PASSWORD_PROPERTY,)):
        doc.delete(props + (PASSWORD_PROPERTY,))
    set_property(doc, db, "ManageMasterUserPassword", True)
    if key is not None:
        set_property(doc, db, ("MasterUserSecret", "KmsKeyId"), kms.key_arn(key))
    return key


def remove_unused_parameter(doc: Document, name: str) -> None:
    """Delete a parameter nothing refers to any more (and its place in the console interface):
    an unused parameter is a cfn-lint warning, and a password left with a default would stay
    in the template."""
    data = doc.data
    if not doc.exists(("Parameters", name)):
        return
    for section in ("Resources", "Outputs", "Conditions"):
        if name in cfn.refs(data.get(section)):
            return
    for res in cfn.resources(data).values():  # references in resources' Metadata
        if isinstance(res, dict) and name in cfn.refs(res.get("Metadata")):
            return
    if name in cfn.refs(data.get("Rules")):
        return
    interface = ("Metadata", INTERFACE)
    groups = doc.get(interface + ("ParameterGroups",))
    for i, group in enumerate(groups if isinstance(groups, list) else []):
        names = group.get("Parameters") if isinstance(group, dict) else None
        if isinstance(names, list) and name in names:
            doc.delete(interface + ("ParameterGroups", i, "Parameters", names.index(name)))
    if doc.exists(interface + ("ParameterLabels", name)):
        doc.delete(interface + ("ParameterLabels", name))
    doc.delete(("Parameters", name))
    if not doc.data.get("Parameters"):
        doc.delete(("Parameters",))
