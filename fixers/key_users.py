"""Who uses the keys: the secrets, the task definitions that inject secrets and write to log
groups, the functions that rotate secrets, and the roles that act for them.

Plain relationships between resources of the template, found by type and reference; which KMS
key protects each of them is for ``fixers.kms``.
"""

from __future__ import annotations

from typing import Any

from fixers import cfn
from fixers.document import Document
from fixers.iam import role_of

RDS_TYPES = ("AWS::RDS::DBCluster", "AWS::RDS::DBInstance")


def _data(doc: Any) -> dict[str, Any]:
    return doc.data if isinstance(doc, Document) else doc


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
