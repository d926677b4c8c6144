"""MF1403: a secret (a database password, a signing or encryption key) in a container's
Environment (beyond the spec)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fixers import cfn, iam, values
from fixers.document import Document, EditError
from fixers.edits import add_list_item
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.beyond import common
from fixers.rules.encryption.mf0201_secrets_manager_key import reader_statement

POLICY = "DatabaseSecretAccess"
PASSWORD_NAME = re.compile(r"(PASSWORD|PASSWD|PWD)$", re.IGNORECASE)
# {{resolve:secretsmanager:${Secret}[:SecretString[:json-key[:stage[:version]]]]}}
DYNAMIC_REFERENCE = re.compile(
    r"\{\{resolve:(secretsmanager|ssm-secure):((?:\$\{[^}]*\}|[^}])*)\}\}"
)
NOT_SECRET_KEYS = frozenset(
    {
        "username",
        "user",
        "host",
        "port",
        "dbname",
        "engine",
        "dbclusteridentifier",
        "dbinstanceidentifier",
    }
)
"""JSON keys of a database secret (the RDS/Secrets Manager structure) that hold no credential."""
SECRET_NAME = re.compile(
    r"secret|password|passwd|token|(access|api|private|signing|encryption|admin|auth|master)_?key",
    re.IGNORECASE,
)
NOT_A_VALUE = re.compile(r"(arn|id|name|stack|length|path|parameter|version)$", re.IGNORECASE)
TEMPLATE_SECRET = re.compile(
    r"\{\{resolve:secretsmanager:\$\{([A-Za-z0-9]+)\}(?::SecretString(?::([^:}]*))?)?(?::[^}]*)?\}\}"
)


def _entries(data: dict[str, Any]) -> Iterator[tuple[str, int, int, dict[str, Any]]]:
    for lid, td in cfn.of_type(data, "AWS::ECS::TaskDefinition"):
        for i, container in enumerate(cfn.list_of(cfn.props(td).get("ContainerDefinitions"))):
            if not isinstance(container, dict):
                continue
            for j, entry in enumerate(cfn.list_of(container.get("Environment"))):
                if isinstance(entry, dict) and "Value" in entry:
                    yield lid, i, j, entry


def secret_key(reference: str) -> str | None:
    """The JSON key a ``{{resolve:...}}`` reference reads (``""`` for the whole secret string
    or an SSM SecureString), from the text inside the braces."""
    m = DYNAMIC_REFERENCE.search(reference)
    if m is None:
        return None
    if m.group(1) == "ssm-secure":
        return ""
    _, found, rest = m.group(2).partition(":SecretString:")
    return rest.split(":", 1)[0] if found else ""


def reads_a_secret(text: str) -> bool:
    """Whether a text holds a dynamic reference that resolves to a credential: an SSM
    SecureString, a whole Secrets Manager secret, or a key of it other than the user name,
    host, port, database name or engine."""
    for m in DYNAMIC_REFERENCE.finditer(text):
        key = secret_key(m.group(0))
        if key is not None and key.lower() not in NOT_SECRET_KEYS:
            return True
    return False


def named_secret_parameters(data: dict[str, Any]) -> set[str]:
    """Text parameters without ``NoEcho`` whose name says they hold a secret (a secret,
    password, token, access/API/signing/encryption key), not where one is (an ARN, an id, a
    name, a stack)."""
    out = set()
    for name, param in cfn.section(data, "Parameters").items():
        if not isinstance(param, dict) or common.no_echo(param):
            continue
        if str(param.get("Type", "String")) != "String":
            continue
        if SECRET_NAME.search(name) and not NOT_A_VALUE.search(name):
            out.add(name)
    return out


def classify(data: dict[str, Any], entry: dict[str, Any]) -> tuple[str, Any] | None:
    """What secret an environment entry holds: ("parameter", P) for a secret parameter,
    ("named", P) for a parameter only its name marks as a secret, ("reference", text) for a
    dynamic reference to a credential, ("literal", name) for a literal under a password's name;
    None when it holds none."""
    value = entry.get("Value")
    refs = cfn.refs(value)
    used = refs & common.secret_parameters(data)
    if used:
        return "parameter", min(used)
    for text in values.patterns(data, value):
        if common.DYNAMIC_SECRET.search(text):
            return ("reference", text) if reads_a_secret(text) else None
    named = refs & named_secret_parameters(data)
    if named:
        return "named", min(named)
    name = entry.get("Name")
    if isinstance(name, str) and PASSWORD_NAME.search(name):
        literal = values.hard_coded(data, value)
        if any(t and "${" not in t and not t.startswith("arn:") for t in literal):
            return "literal", name
    return None


def target(data: dict[str, Any], entry: dict[str, Any]) -> tuple[Any, Any, str | None] | None:
    """(ValueFrom, the secret's ARN for IAM, the RDS database to manage) of the ``Secrets``
    entry that replaces a password entry, or None when the fix cannot tell the secret."""
    kind, what = classify(data, entry) or (None, None)
    value = entry.get("Value")
    if kind == "parameter" and isinstance(what, str) and value == {"Ref": what}:
        dbs = common.password_parameters(data).get(what) or []
        if len(dbs) == 1 and common.can_manage_password(data, dbs[0]) is None:
            db = dbs[0]
            return (
                {"Fn::Sub": "${" + db + ".MasterUserSecret.SecretArn}:password::"},
                common.secret_arn(db),
                db,
            )
        return None
    if kind == "reference":
        sub = value.get("Fn::Sub") if isinstance(value, dict) and len(value) == 1 else None
        m = TEMPLATE_SECRET.fullmatch(sub) if isinstance(sub, str) else None
        if not m:
            return None
        secret = m.group(1)
        res = cfn.resources(data).get(secret) or {}
        if res.get("Type") != "AWS::SecretsManager::Secret":
            return None
        key = m.group(2) or ""
        value_from = {"Fn::Sub": "${" + secret + "}:" + key + "::"} if key else {"Ref": secret}
        return value_from, {"Ref": secret}, None
    return None


def execution_role(data: dict[str, Any], task_def: str) -> str | None:
    td = cfn.resources(data).get(task_def) or {}
    role = iam.role_of(data, cfn.props(td).get("ExecutionRoleArn"))
    return (
        role
        if (cfn.resources(data).get(role or "") or {}).get("Type") == "AWS::IAM::Role"
        else None
    )


class ContainerPassword(Rule):
    code = "MF1403"
    spec = ()
    title = "Secret in a container's environment"
    area = "ecs"
    kind = "defect"
    severity = "high"
    fix_applicability = "unsafe"
    deploy_impact = "revision"
    why = """
        A container's `Environment` is stored in the task definition in clear: anyone with
        `ecs:DescribeTaskDefinition` (read-only roles, the console, every tool that inventories
        the account) reads it, and every revision keeps it. A `{{resolve:secretsmanager:...}}`
        there does not help: CloudFormation resolves it and writes the value into the task
        definition. That holds for a database password and as much for any other secret an
        application takes from its environment (a JWT signing secret, an encryption key, an
        API token): whoever reads it can forge sessions or decrypt what the key protects. ECS's `Secrets` instead gives the container the value at start from Secrets
        Manager, with the execution role's permission, and the task definition holds only the
        secret's ARN.
    """
    bad = """
        ContainerDefinitions:
          - Name: app
            Environment:
              - Name: DB_PASSWORD
                Value: !Sub '{{resolve:secretsmanager:${DatabaseSecret}:SecretString:password}}'
    """
    good = """
        ContainerDefinitions:
          - Name: app
            Secrets:
              - Name: DB_PASSWORD
                ValueFrom: !Sub '${DatabaseSecret}:password::'
        # and the execution role:
        - Effect: Allow
          Action: secretsmanager:GetSecretValue
          Resource: !Ref DatabaseSecret
    """
    fix_safety = """
        Unsafe (a new task definition revision). The entry moves from `Environment` to
        `Secrets`, under the same name, with `ValueFrom` the secret's ARN and JSON key
        (`<arn>:password::`), and the task's execution role gets `secretsmanager:GetSecretValue`
        on that secret alone (and `kms:Decrypt` through Secrets Manager on the template key the
        fix encrypts an RDS-managed secret with). For a password parameter passed as it is, the
        database's password is first handed to RDS (`ManageMasterUserPassword`, as MF1401), so
        the password changes and the container reads the secret RDS rotates; the parameter goes
        once nothing uses it. Tasks started from the new revision read the secret at start: they
        need a network path to Secrets Manager (MF0102's endpoint) and pick up a rotated
        password only when they restart.
    """
    notes = """
        An entry is a secret when its value refers to a `NoEcho` parameter or to one a
        `MasterUserPassword` (or a secret's `password`) takes, holds an SSM SecureString or a
        Secrets Manager dynamic reference to a credential, or is literal text under a name
        ending in PASSWORD/PASSWD/PWD. A Secrets Manager reference to the whole secret or to
        any key counts (a password, a JWT signing secret, an encryption key), except the keys
        of a database secret that hold no credential: `username`, `user`, `host`, `port`,
        `dbname`, `engine` (and the cluster or instance identifier): POSTGRES_USER read from
        the secret is not reported. A text parameter without `NoEcho` whose name says it holds
        a secret (secret, password, token, access/API/signing/encryption key; not an ARN, id,
        name or stack) is reported at medium severity: only its name tells. A value built
        around a password (a connection string) or a literal has no fix: the application must
        be changed to read the secret. Where the secret is outside the template, or the task
        definition's execution role is, the finding has no fix either.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid, i, j, entry in _entries(data):
            found = classify(data, entry)
            if found is None:
                continue
            kind, what = found
            name = entry.get("Name")
            path = ("Resources", lid, "Properties", "ContainerDefinitions", i, "Environment", j)
            if kind == "parameter":
                said = f"the secret parameter {what}"
            elif kind == "named":
                said = f"parameter {what}, whose name says it is a secret and which has no NoEcho"
            elif kind == "reference":
                said = "a dynamic reference that CloudFormation resolves into the task definition"
            else:
                said = "a literal password"
            fix = None
            if target(data, entry) is not None and execution_role(data, lid) is not None:
                fix = Fix(
                    title=f"Inject {name} from Secrets Manager through Secrets",
                    args=(lid, i, name),
                    impact="revision",
                    impact_detail=(
                        "a new task definition revision whose tasks read the password from "
                        "Secrets Manager at start; the execution role gets GetSecretValue on "
                        "that secret"
                        + (
                            "; RDS takes over the master password (ManageMasterUserPassword), "
                            "so it changes"
                            if kind == "parameter"
                            else ""
                        )
                    ),
                    applicability="unsafe",
                )
            yield self.finding(
                path,
                f"{lid} gives its container the environment variable {name} from {said}: task "
                "definitions store Environment in clear for anyone who can describe them."
                + (
                    "" if fix else " Read it through Secrets from a Secrets Manager secret instead."
                ),
                fix,
                severity="medium" if kind == "named" else None,
            )

    def apply(self, doc: Document, lid: str, i: int, name: str) -> None:
        data = doc.data
        container = ("Resources", lid, "Properties", "ContainerDefinitions", i)
        env = doc.get(container + ("Environment",))
        j = next(
            (
                k
                for k, e in enumerate(cfn.list_of(env))
                if isinstance(e, dict) and e.get("Name") == name
            ),
            None,
        )
        if j is None:
            raise EditError(f"{lid} no longer sets {name}")
        entry = env[j]
        found = target(data, entry)
        role = execution_role(data, lid)
        if found is None or role is None:
            raise EditError(
                f"the secret of {name} or the execution role of {lid} is not in the template"
            )
        value_from, arn, db = found
        param = entry["Value"].get("Ref") if db else None
        key = common.manage_password(doc, db) if db else None
        if len(env) == 1:
            doc.delete(container + ("Environment",))
        else:
            doc.delete(container + ("Environment", j))
        add_list_item(doc, container + ("Secrets",), {"Name": name, "ValueFrom": value_from})
        statement = {
            "Sid": "ReadDatabaseSecret",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": arn,
        }
        if not any(
            iam.grants_action(s, "secretsmanager:GetSecretValue")
            and arn in cfn.list_of(s.get("Resource"))
            for _, d in iam.role_policy_documents(doc.data, role)
            for s in iam.all_statements(d)
        ):
            iam.add_role_statement(doc, role, POLICY, _unique_sid(doc, role, statement))
        if key is not None and not iam.role_grants(doc.data, role, "kms:Decrypt", key):
            iam.add_role_statement(doc, role, POLICY, reader_statement(key))
        if param:
            common.remove_unused_parameter(doc, param)


def _unique_sid(doc: Document, role: str, statement: dict[str, Any]) -> dict[str, Any]:
    """The statement with a Sid no statement of the role has yet (add_role_statement replaces
    a statement with the same Sid)."""
    taken = {
        s.get("Sid")
        for _, d in iam.role_policy_documents(doc.data, role)
        for s in iam.all_statements(d)
    }
    sid, n = statement["Sid"], 2
    while sid in taken:
        sid, n = f"{statement['Sid']}{n}", n + 1
    return {**statement, "Sid": sid}
