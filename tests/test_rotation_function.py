"""The PostgreSQL single-user rotation Lambda, run against a real PostgreSQL.

Secrets Manager is played by moto. Rotation is started the way Secrets Manager
starts it: `rotate_secret` with a rotation Lambda and a 30-day schedule, which
turns RotationEnabled on and creates the empty AWSPENDING version for the
ClientRequestToken. moto runs with `lambda.use_docker = False`, so its own
invocations of the Lambda are stubs that do nothing; the tests then call
`lambda_handler` for each step themselves, in process, against the real server.

`load_rotation_module` takes source text so the same checks can later run on
the ZipFile code of a fixed template.
"""

from __future__ import annotations

import ast
import io
import json
import logging
import os
import secrets
import types
import uuid
import zipfile
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from tests.pg_server import postgres_server  # noqa: F401

REPO = Path(__file__).resolve().parent.parent
ROTATION_SOURCE = REPO / "fixers" / "assets" / "postgres_single_user_rotation.py"
REGION = "us-east-1"
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
EXCLUDED = "/@\"'\\"


def load_rotation_module(source_text: str) -> types.ModuleType:
    """Execute rotation Lambda source as the module `index` (as Lambda names it)."""
    module = types.ModuleType("index")
    module.__file__ = "index.py"
    exec(compile(source_text, "index.py", "exec"), module.__dict__)
    return module


# --- static checks: the source is inlined as a YAML literal block ------------


def test_source_is_fit_for_inlining():
    text = ROTATION_SOURCE.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) < 300
    assert "\t" not in text
    assert not [n for n, line in enumerate(lines, 1) if line != line.rstrip()]
    assert text.endswith("\n") and not text.endswith("\n\n")
    tree = ast.parse(text)
    assert ast.get_docstring(tree)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported <= {"json", "logging", "os", "boto3", "psycopg2"}
    module = load_rotation_module(text)
    assert callable(module.lambda_handler)


# --- fixtures ------------------------------------------------------------------


def fixed_sample_code() -> tuple[str, dict]:
    """The ZipFile code and environment of the rotation function in the sample template as the
    MF0401 fix leaves it (the engine run on the sample with the rotation codes)."""
    from fixers.document import Document
    from fixers.rules.rotation import common
    from tests.helpers import run_fix

    sample = (REPO / "sample_templates" / "transaction-platform.yaml").read_text(encoding="utf-8")
    result = run_fix(sample, ["MF0401", "MF0402", "MF0403", "MF0404"])
    data = Document.from_text(result.new_text).data
    schedules = [s for s in common.setups(data) if s.function]
    assert len(schedules) == 1
    props = data["Resources"][schedules[0].function]["Properties"]
    assert props["Handler"] == "index.lambda_handler"
    return props["Code"]["ZipFile"], props["Environment"]["Variables"]


@pytest.fixture
def rotation(postgres_server, monkeypatch):  # noqa: F811
    """The rotation module with moto Secrets Manager and the real server."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "SECRETS_MANAGER_ENDPOINT": f"https://secretsmanager.{REGION}.amazonaws.com",
        "DB_SSLMODE": postgres_server.sslmode,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "EXCLUDE_CHARACTERS"):
        monkeypatch.delenv(name, raising=False)
    root = logging.getLogger()
    level = root.level
    try:
        with mock_aws(config={"lambda": {"use_docker": False}}):
            yield Rotation(postgres_server, load_rotation_module(ROTATION_SOURCE.read_text()))
    finally:
        root.setLevel(level)


@pytest.fixture
def template_rotation(rotation, monkeypatch):
    """The same driver, running the code exactly as the fixed sample template inlines it, with
    the EXCLUDE_CHARACTERS the template gives the function."""
    code, variables = fixed_sample_code()
    monkeypatch.setenv("EXCLUDE_CHARACTERS", variables["EXCLUDE_CHARACTERS"])
    rotation.module = load_rotation_module(code)
    rotation.code = code
    return rotation


class Rotation:
    """Test driver: a login role, its secret, and the steps of one rotation."""

    def __init__(self, server, module):
        self.server = server
        self.module = module
        self.sm = boto3.client("secretsmanager", region_name=REGION)
        self._lambda_arn = None

    def new_login(self, username=None):
        username = username or f"app_{uuid.uuid4().hex[:10]}"
        password = secrets.token_urlsafe(24)
        self.server.create_login_role(username, password)
        return username, password

    def create_secret(self, username, password, **extra):
        value = {
            "engine": "postgres",
            "host": self.server.host,
            "port": self.server.port,
            "dbname": self.server.dbname,
            "username": username,
            "password": password,
            **extra,
        }
        response = self.sm.create_secret(
            Name=f"meridian/db/{uuid.uuid4().hex[:8]}", SecretString=json.dumps(value)
        )
        return response["ARN"], response["VersionId"]

    def lambda_arn(self):
        """A moto Lambda holding the rotation code (moto never runs it)."""
        if self._lambda_arn is None:
            role = boto3.client("iam", region_name=REGION).create_role(
                RoleName="rotation-lambda",
                AssumeRolePolicyDocument=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "sts:AssumeRole",
                                "Principal": {"Service": "lambda.amazonaws.com"},
                            }
                        ],
                    }
                ),
            )["Role"]["Arn"]
            archive = io.BytesIO()
            with zipfile.ZipFile(archive, "w") as zf:
                zf.writestr("index.py", ROTATION_SOURCE.read_text())
            self._lambda_arn = boto3.client("lambda", region_name=REGION).create_function(
                FunctionName="SecretRotation",
                Runtime="python3.12",
                Role=role,
                Handler="index.lambda_handler",
                Code={"ZipFile": archive.getvalue()},
            )["FunctionArn"]
        return self._lambda_arn

    def start_rotation(self, arn):
        """What Secrets Manager does before invoking createSecret."""
        token = str(uuid.uuid4())
        self.sm.rotate_secret(
            SecretId=arn,
            ClientRequestToken=token,
            RotationLambdaARN=self.lambda_arn(),
            RotationRules={"AutomaticallyAfterDays": 30},
        )
        return token

    def step(self, arn, token, step):
        event = {"SecretId": arn, "ClientRequestToken": token, "Step": step}
        return self.module.lambda_handler(event, None)

    def stages(self, arn):
        return self.sm.describe_secret(SecretId=arn)["VersionIdsToStages"]

    def value(self, arn, **kwargs):
        return json.loads(self.sm.get_secret_value(SecretId=arn, **kwargs)["SecretString"])


# --- tests ----------------------------------------------------------------------


@pytest.mark.slow
def test_full_rotation_each_step_twice(rotation, caplog):
    caplog.set_level(logging.DEBUG)
    username, old_password = rotation.new_login('Rotate-Me "quoted" user')
    arn, old_version = rotation.create_secret(username, old_password)
    token = rotation.start_rotation(arn)

    described = rotation.sm.describe_secret(SecretId=arn)
    assert described["RotationEnabled"] is True
    assert described["VersionIdsToStages"][token] == ["AWSPENDING"]
    with pytest.raises(rotation.sm.exceptions.ResourceNotFoundException):
        rotation.sm.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")

    pending = None
    for step in STEPS:
        rotation.step(arn, token, step)
        if step == "createSecret":
            pending = rotation.value(arn, VersionId=token, VersionStage="AWSPENDING")
        rotation.step(arn, token, step)  # a rerun of each step is harmless
        if step == "createSecret":
            assert rotation.value(arn, VersionId=token, VersionStage="AWSPENDING") == pending
        if step == "setSecret":
            assert rotation.server.can_login(username, pending["password"])
            assert not rotation.server.can_login(username, old_password)

    new_password = pending["password"]
    assert new_password != old_password
    assert len(new_password) == 32
    assert not set(new_password) & set(EXCLUDED)
    assert not rotation.server.can_login(username, old_password)
    assert rotation.server.can_login(username, new_password)

    stages = rotation.stages(arn)
    assert stages[token] == ["AWSCURRENT"]
    assert stages[old_version] == ["AWSPREVIOUS"]
    current = rotation.value(arn, VersionStage="AWSCURRENT")
    old = rotation.value(arn, VersionStage="AWSPREVIOUS")
    assert current == dict(old, password=new_password)
    assert old["password"] == old_password

    for step in STEPS:  # the whole rotation again with the finished token: no-ops
        rotation.step(arn, token, step)
    assert rotation.stages(arn) == stages
    assert rotation.server.can_login(username, new_password)

    # What reaches the Lambda's log: the function's own records at any level and
    # anything at INFO or above (botocore's DEBUG request dumps stay below it).
    logged = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name == "root" or record.levelno >= logging.INFO
    )
    assert "createSecret" in logged and "finishSecret" in logged
    assert old_password not in logged and new_password not in logged


@pytest.mark.slow
def test_finish_secret_completes_a_half_finished_finish(rotation):
    username, password = rotation.new_login()
    arn, old_version = rotation.create_secret(username, password)
    token = rotation.start_rotation(arn)
    for step in ("createSecret", "setSecret", "testSecret"):
        rotation.step(arn, token, step)
    # AWSCURRENT moved, but the run stopped before AWSPENDING was taken off.
    rotation.sm.update_secret_version_stage(
        SecretId=arn,
        VersionStage="AWSCURRENT",
        MoveToVersionId=token,
        RemoveFromVersionId=old_version,
    )
    assert sorted(rotation.stages(arn)[token]) == ["AWSCURRENT", "AWSPENDING"]
    rotation.step(arn, token, "finishSecret")
    assert rotation.stages(arn) == {old_version: ["AWSPREVIOUS"], token: ["AWSCURRENT"]}


@pytest.mark.slow
def test_second_rotation_recovers_through_awsprevious(rotation):
    username, password0 = rotation.new_login()
    arn, _ = rotation.create_secret(username, password0)
    first = rotation.start_rotation(arn)
    for step in STEPS:
        rotation.step(arn, first, step)
    # The database went back to the old password (e.g. a snapshot restore):
    # AWSCURRENT no longer logs in, AWSPREVIOUS does.
    with rotation.server.connect() as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'ALTER ROLE "{username}" WITH PASSWORD %s', (password0,))
    conn.close()

    second = rotation.start_rotation(arn)
    for step in STEPS:
        rotation.step(arn, second, step)
    password2 = rotation.value(arn, VersionStage="AWSCURRENT")["password"]
    assert rotation.stages(arn)[second] == ["AWSCURRENT"]
    assert rotation.server.can_login(username, password2)
    assert not rotation.server.can_login(username, password0)


@pytest.mark.slow
def test_failed_test_secret_raises_and_keeps_current(rotation):
    username, old_password = rotation.new_login()
    arn, old_version = rotation.create_secret(username, old_password)
    token = rotation.start_rotation(arn)
    rotation.step(arn, token, "createSecret")
    pending = rotation.value(arn, VersionId=token, VersionStage="AWSPENDING")

    # The pending password never reached the database (setSecret not applied,
    # or a pending value that is wrong): testSecret must refuse it.
    with pytest.raises(ValueError, match="AWSPENDING"):
        rotation.step(arn, token, "testSecret")
    assert rotation.stages(arn) == {old_version: ["AWSCURRENT"], token: ["AWSPENDING"]}
    assert rotation.server.can_login(username, old_password)
    assert rotation.value(arn, VersionStage="AWSCURRENT")["password"] == old_password

    # A wrong pending value put over it fails the same way.
    rotation.sm.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        VersionStages=["AWSPENDING"],
        SecretString=json.dumps(dict(pending, password="not-the-password")),
    )
    with pytest.raises(ValueError, match="AWSPENDING"):
        rotation.step(arn, token, "testSecret")
    assert rotation.server.can_login(username, old_password)
    assert "AWSCURRENT" in rotation.stages(arn)[old_version]

    # Secrets Manager retries the rotation from setSecret; it then completes.
    for step in ("setSecret", "testSecret", "finishSecret"):
        rotation.step(arn, token, step)
    assert rotation.server.can_login(username, "not-the-password")
    assert not rotation.server.can_login(username, old_password)
    assert rotation.stages(arn)[token] == ["AWSCURRENT"]


@pytest.mark.slow
def test_set_secret_refuses_another_user(rotation):
    username, password = rotation.new_login()
    other, other_password = rotation.new_login()
    arn, _ = rotation.create_secret(username, password)
    token = rotation.start_rotation(arn)
    pending = rotation.value(arn, VersionStage="AWSCURRENT")
    rotation.sm.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        VersionStages=["AWSPENDING"],
        SecretString=json.dumps(dict(pending, username=other, password="x" * 32)),
    )
    with pytest.raises(ValueError, match="username"):
        rotation.step(arn, token, "setSecret")
    assert rotation.server.can_login(other, other_password)
    assert rotation.server.can_login(username, password)


@pytest.mark.slow
def test_unknown_token_raises(rotation):
    username, password = rotation.new_login()
    arn, old_version = rotation.create_secret(username, password)
    rotation.start_rotation(arn)
    with pytest.raises(ValueError, match="not a version"):
        rotation.step(arn, str(uuid.uuid4()), "createSecret")
    # A version that is neither AWSPENDING nor AWSCURRENT is refused too.
    token = rotation.start_rotation(arn)  # moves AWSPENDING to a new version
    for step in STEPS:
        rotation.step(arn, token, step)
    assert rotation.stages(arn)[old_version] == ["AWSPREVIOUS"]
    with pytest.raises(ValueError, match="not AWSPENDING"):
        rotation.step(arn, old_version, "setSecret")
    assert rotation.server.can_login(
        username, rotation.value(arn, VersionStage="AWSCURRENT")["password"]
    )


@pytest.mark.slow
def test_rotation_not_enabled_raises(rotation):
    username, password = rotation.new_login()

    # Rotation was configured, then cancelled.
    arn, _ = rotation.create_secret(username, password)
    token = rotation.start_rotation(arn)
    rotation.sm.cancel_rotate_secret(SecretId=arn)
    assert rotation.sm.describe_secret(SecretId=arn)["RotationEnabled"] is False
    with pytest.raises(ValueError, match="not enabled for rotation"):
        rotation.step(arn, token, "createSecret")

    # Rotation never configured, though an AWSPENDING version exists.
    arn, _ = rotation.create_secret(username, password)
    token = str(uuid.uuid4())
    rotation.sm.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        VersionStages=["AWSPENDING"],
        SecretString=json.dumps(rotation.value(arn)),
    )
    for step in STEPS:
        with pytest.raises(ValueError, match="not enabled for rotation"):
            rotation.step(arn, token, step)
    assert rotation.server.can_login(username, password)


@pytest.mark.slow
@pytest.mark.parametrize(
    "event",
    [
        {},
        {"SecretId": "x", "ClientRequestToken": "y"},
        {"SecretId": "x", "ClientRequestToken": "y", "Step": "dropDatabase"},
        "createSecret",
        {"SecretId": "x", "ClientRequestToken": "y", "Step": ["createSecret"]},
    ],
)
def test_malformed_event_raises(rotation, event):
    with pytest.raises(ValueError):
        rotation.module.lambda_handler(event, None)


@pytest.mark.slow
def test_code_inlined_by_the_fix_rotates_end_to_end(template_rotation):
    rotation = template_rotation
    assert rotation.code == ROTATION_SOURCE.read_text(encoding="utf-8")
    excluded = os.environ["EXCLUDE_CHARACTERS"]
    username, old_password = rotation.new_login()
    arn, old_version = rotation.create_secret(username, old_password)
    token = rotation.start_rotation(arn)
    for step in STEPS:
        rotation.step(arn, token, step)
        rotation.step(arn, token, step)  # a rerun of each step is harmless
    new_password = rotation.value(arn, VersionStage="AWSCURRENT")["password"]
    assert new_password != old_password and not set(new_password) & set(excluded)
    assert rotation.server.can_login(username, new_password)
    assert not rotation.server.can_login(username, old_password)
    assert rotation.stages(arn) == {old_version: ["AWSPREVIOUS"], token: ["AWSCURRENT"]}


@pytest.mark.slow
def test_code_inlined_by_the_fix_keeps_awscurrent_when_test_secret_fails(template_rotation):
    rotation = template_rotation
    username, old_password = rotation.new_login()
    arn, old_version = rotation.create_secret(username, old_password)
    token = rotation.start_rotation(arn)
    rotation.step(arn, token, "createSecret")
    with pytest.raises(ValueError, match="AWSPENDING"):
        rotation.step(arn, token, "testSecret")  # setSecret never ran
    assert rotation.server.can_login(username, old_password)
    assert rotation.stages(arn) == {old_version: ["AWSCURRENT"], token: ["AWSPENDING"]}
