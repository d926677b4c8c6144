"""What the rotation rules (MF0401 to MF0404) share: finding a Secrets Manager rotation set-up
by relationship, reading its parts, and IAM statement checks.

A rotation set-up is an ``AWS::SecretsManager::RotationSchedule`` whose ``RotationLambdaARN``
names one ``AWS::Lambda::Function`` of the template (directly, or inside an ``Fn::If``), the
secret its ``SecretId`` names, the function's role, and the database the secret belongs to (a
``SecretTargetAttachment`` to an RDS cluster or instance, or an RDS resource that resolves the
secret in its master credentials).
"""

from __future__ import annotations

import ast
import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fixers import cfn, iam, values

SCHEDULE_TYPE = "AWS::SecretsManager::RotationSchedule"
SECRET_TYPE = "AWS::SecretsManager::Secret"
FUNCTION_TYPE = "AWS::Lambda::Function"
RDS_TYPES = ("AWS::RDS::DBCluster", "AWS::RDS::DBInstance")
ROTATION_STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
ROTATION_SOURCE_PATH = (
    Path(__file__).resolve().parent.parent.parent / "assets" / "postgres_single_user_rotation.py"
)
RDS_FORBIDDEN = '"/@'
"""Characters RDS refuses in a master password (besides the space, which
``GetRandomPassword`` leaves out unless asked)."""


def rotation_source() -> str:
    """The complete PostgreSQL single-user rotation function that MF0401 inlines."""
    return ROTATION_SOURCE_PATH.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Setup:
    schedule: str
    secret: str | None
    function: str | None
    role: str | None
    database: str | None


def _function_of(data: dict[str, Any], value: Any) -> str | None:
    res = cfn.resources(data)
    found = [r for r in sorted(cfn.refs(value)) if res.get(r, {}).get("Type") == FUNCTION_TYPE]
    return found[0] if len(found) == 1 else None


def database_of_secret(data: dict[str, Any], secret: str | None) -> str | None:
    if not secret:
        return None
    res = cfn.resources(data)
    for _, att in cfn.of_type(data, "AWS::SecretsManager::SecretTargetAttachment"):
        p = cfn.props(att)
        target = cfn.ref_target(p.get("TargetId"))
        if (
            cfn.ref_target(p.get("SecretId")) == secret
            and res.get(target or "", {}).get("Type") in RDS_TYPES
        ):
            return target
    for lid, db in cfn.of_type(data, *RDS_TYPES):
        p = cfn.props(db)
        if secret in cfn.refs([p.get("MasterUsername"), p.get("MasterUserPassword")]):
            return lid
    return None


def setups(data: dict[str, Any]) -> Iterator[Setup]:
    res = cfn.resources(data)
    for lid, schedule in cfn.of_type(data, SCHEDULE_TYPE):
        p = cfn.props(schedule)
        secret = cfn.ref_target(p.get("SecretId"))
        if res.get(secret or "", {}).get("Type") != SECRET_TYPE:
            secret = None
        function = _function_of(data, p.get("RotationLambdaARN"))
        role = None
        if function:
            role = cfn.ref_target(cfn.props(res[function]).get("Role"))
            if res.get(role or "", {}).get("Type") != "AWS::IAM::Role":
                role = None
        database = database_of_secret(data, secret)
        if database and rds_rotates(data, database):
            continue  # RDS manages and rotates the master password: no function of ours
        yield Setup(lid, secret, function, role, database)


def rds_rotates(data: dict[str, Any], database: str) -> bool:
    """RDS manages the master password (``ManageMasterUserPassword: true``): it keeps it in a
    secret of its own and rotates it, and a custom rotation function cannot be used with it."""
    db = cfn.resources(data).get(database) or {}
    value = cfn.props(db).get("ManageMasterUserPassword")
    return values.as_bool(values.literal(data, value)) is True


def engine_of(data: dict[str, Any], database: str | None) -> str | None:
    """The database engine as a literal (or a parameter's default), lower case."""
    if not database:
        return None
    db = cfn.resources(data).get(database) or {}
    engine = values.literal(data, cfn.props(db).get("Engine"))
    if db.get("Type") == "AWS::RDS::DBInstance" and engine is None:
        cluster = cfn.ref_target(cfn.props(db).get("DBClusterIdentifier"))
        return engine_of(data, cluster) if cluster else None
    return engine.lower() if isinstance(engine, str) else None


def is_postgres(data: dict[str, Any], database: str | None) -> bool:
    engine = engine_of(data, database)
    return bool(engine and "postgres" in engine)


def inline_code(function: dict[str, Any]) -> str | None:
    """The inline source of a function (``Code.ZipFile``), literal parts of a Join/Sub included."""
    code = cfn.props(function).get("Code")
    if not isinstance(code, dict) or "ZipFile" not in code:
        return None
    value = code["ZipFile"]
    if isinstance(value, str):
        return value
    return "\n".join(v for _, v in cfn.walk(value) if isinstance(v, str))


def has_rotation_steps(code: str) -> bool:
    """Whether code handles all four rotation steps: each step name is a string the code
    compares or dispatches on. Comments and docstrings do not count (a placeholder that says
    "implement createSecret, setSecret..." in a comment handles nothing)."""
    return all(step in _code_strings(code) for step in ROTATION_STEPS)


def _code_strings(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        # Not Python (Node.js inline code): drop comments, keep quoted strings.
        text = re.sub(r"//[^\n]*|/\*.*?\*/|#[^\n]*", "", code, flags=re.DOTALL)
        return set(re.findall(r"[\"'`]([A-Za-z]+)[\"'`]", text))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    }


_IMPORT = re.compile(
    r"^\s*(?:import|from)\s+(psycopg2|psycopg|pg8000|pymysql|mysql|asyncpg)\b", re.MULTILINE
)


def needs_driver(code: str) -> bool:
    """Whether inline code imports a database driver the Lambda runtime does not ship."""
    return bool(_IMPORT.search(code))


def exclude_characters(data: dict[str, Any], secret: str | None) -> str | None:
    res = cfn.resources(data).get(secret or "") or {}
    gen = cfn.props(res).get("GenerateSecretString")
    value = gen.get("ExcludeCharacters") if isinstance(gen, dict) else None
    return value if isinstance(value, str) else None


def password_exclusions(data: dict[str, Any], secret: str | None) -> str | None:
    """What new passwords leave out: the secret's ``ExcludeCharacters`` plus what RDS refuses."""
    value = exclude_characters(data, secret)
    if value is None:
        return None
    return value + "".join(c for c in RDS_FORBIDDEN if c not in value)


def secret_key(data: dict[str, Any], secret: str | None) -> str | None:
    """The template KMS key the secret is encrypted with, if any."""
    from fixers.kms import referenced_key

    res = cfn.resources(data).get(secret or "") or {}
    value = cfn.props(res).get("KmsKeyId")
    return referenced_key(data, value) if value is not None else None


# -- IAM ------------------------------------------------------------------------------------


AWS_MANAGED_GRANTS = {
    "AdministratorAccess": ["*"],
    "PowerUserAccess": ["*"],  # all but iam:*, organizations:*, account:* (none rotation needs)
    "SecretsManagerReadWrite": ["secretsmanager:*"],
}
"""What the AWS managed policies a rotation role is given grant of what rotation needs (their
published documents; every one on Resource ``*``)."""
AWS_MANAGED_IRRELEVANT = {
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaVPCAccessExecutionRole",
    "AWSXRayDaemonWriteAccess",
    "CloudWatchLambdaInsightsExecutionRolePolicy",
}
"""AWS managed policies a Lambda role commonly has that grant nothing rotation needs."""


def _aws_managed_names(data: dict[str, Any], role: str) -> list[str]:
    """The names of the AWS managed policies (``arn:...:iam::aws:policy/...``) a role has."""
    r = cfn.resources(data).get(role) or {}
    names = []
    for arn in cfn.list_of(cfn.props(r).get("ManagedPolicyArns")):
        for text in values.patterns(data, arn):
            if ":iam::aws:policy/" in text:
                names.append(text.rsplit("/", 1)[-1])
    return names


def unseen_policies(data: dict[str, Any], role: str) -> list[str]:
    """AWS managed policies of the role whose grants this module does not know: what they
    allow is not in the template, so a rule must not claim the role lacks a permission."""
    return [
        n
        for n in _aws_managed_names(data, role)
        if n not in AWS_MANAGED_GRANTS and n not in AWS_MANAGED_IRRELEVANT
    ]


def role_statements(data: dict[str, Any], role: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _, doc in iam.role_policy_documents(data, role, listed=True):
        # A statement added under a condition is Fn::If [C, statement, AWS::NoValue].
        statements = (cfn.unguarded(s) for s in cfn.list_of(doc.get("Statement")))
        out.extend(s for s in statements if isinstance(s, dict))
    for name in _aws_managed_names(data, role):
        actions = AWS_MANAGED_GRANTS.get(name)
        if actions:
            out.append({"Effect": "Allow", "Action": actions, "Resource": "*"})
    return out


def service_token_users(data: dict[str, Any], function: str) -> list[str]:
    """Custom resources whose ServiceToken is ``function``: it is their provider's handler."""
    return [
        lid
        for lid, res in cfn.resources(data).items()
        if isinstance(res.get("Type"), str)
        and (
            res["Type"] == "AWS::CloudFormation::CustomResource"
            or res["Type"].startswith("Custom::")
        )
        and function in cfn.refs(cfn.props(res).get("ServiceToken"))
    ]


def allows(statement: dict[str, Any], action: str) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    return any(
        isinstance(a, str) and fnmatch.fnmatchcase(action.lower(), a.lower())
        for a in cfn.list_of(statement.get("Action"))
    )


def on_resource(statement: dict[str, Any], target: str) -> bool:
    """Whether a statement's Resource covers a template resource (by reference, or ``*``)."""
    return any(r == "*" or target in cfn.refs(r) for r in cfn.list_of(statement.get("Resource")))


def role_allows(data: dict[str, Any], role: str, action: str, target: str | None = None) -> bool:
    return any(
        allows(s, action) and (target is None or on_resource(s, target))
        for s in role_statements(data, role)
    )


def secret_policy_path(
    data: dict[str, Any], role: str, secret: str | None
) -> tuple[Any, ...] | None:
    """The inline policy document of the role that grants the secret-scoped actions, if any."""
    first = None
    for path, doc in iam.role_policy_documents(data, role, listed=True):
        if path[3] != "Policies":
            continue
        first = first or path
        for s in cfn.list_of(doc.get("Statement")):
            if (
                isinstance(s, dict)
                and secret
                and allows(s, "secretsmanager:GetSecretValue")
                and on_resource(s, secret)
            ):
                return path
    return first


# -- conditions (MF0402 reads them in Layers and HostedRotationLambda) ----------------------

NO_VALUE = {"Ref": "AWS::NoValue"}


def if_parts(value: Any) -> tuple[str, Any, Any] | None:
    if isinstance(value, dict) and list(value) == ["Fn::If"]:
        args = value["Fn::If"]
        if isinstance(args, list) and len(args) == 3 and isinstance(args[0], str):
            return args[0], args[1], args[2]
    return None
