"""Secrets Manager single-user rotation for PostgreSQL and Aurora PostgreSQL.

The function logs in as the user stored in the secret and changes that
user's own password, following the four rotation steps Secrets Manager
invokes (createSecret, setSecret, testSecret, finishSecret). The secret is a
JSON object: engine, host, port, dbname, username, password.

Environment:
    SECRETS_MANAGER_ENDPOINT  optional, e.g. https://secretsmanager.<region>.amazonaws.com
    EXCLUDE_CHARACTERS        characters left out of new passwords (default /@"'\\)
    DB_SSLMODE                libpq sslmode for database connections (default require)

Needs boto3 (Lambda runtime) and psycopg2 (from a Lambda layer).
"""

import json
import logging
import os

import boto3
import psycopg2
from psycopg2 import sql

logger = logging.getLogger()
logger.setLevel(logging.INFO)

DEFAULT_EXCLUDE_CHARACTERS = "/@\"'\\"
PASSWORD_LENGTH = 32
CONNECT_TIMEOUT = 5
SUPPORTED_ENGINES = ("postgres", "aurora-postgresql")
REQUIRED_KEYS = ("host", "username", "password")


def lambda_handler(event, context):
    """Run one rotation step for the secret version named by the event."""
    if not isinstance(event, dict):
        raise ValueError("Rotation event must be a JSON object")
    missing = [key for key in ("SecretId", "ClientRequestToken", "Step") if not event.get(key)]
    if missing:
        raise ValueError(f"Rotation event lacks {', '.join(missing)}")
    arn = event["SecretId"]
    token = event["ClientRequestToken"]
    step = event["Step"]
    steps = {
        "createSecret": create_secret,
        "setSecret": set_secret,
        "testSecret": test_secret,
        "finishSecret": finish_secret,
    }
    if not isinstance(step, str) or step not in steps:
        raise ValueError(f"Invalid step {step!r} for secret {arn}")

    client = get_client()
    metadata = client.describe_secret(SecretId=arn)
    if not metadata.get("RotationEnabled"):
        raise ValueError(f"Secret {arn} is not enabled for rotation")
    versions = metadata.get("VersionIdsToStages", {})
    if token not in versions:
        raise ValueError(f"Version {token} is not a version of secret {arn}")
    if "AWSCURRENT" in versions[token]:
        logger.info("%s: version %s of %s is already AWSCURRENT", step, token, arn)
        if step == "finishSecret" and "AWSPENDING" in versions[token]:
            clear_pending(client, arn, token)
        return
    if "AWSPENDING" not in versions[token]:
        raise ValueError(f"Version {token} of secret {arn} is not AWSPENDING")

    logger.info("%s: rotating secret %s, version %s", step, arn, token)
    steps[step](client, arn, token)


def get_client():
    """Secrets Manager client, at SECRETS_MANAGER_ENDPOINT when that is set."""
    endpoint = os.environ.get("SECRETS_MANAGER_ENDPOINT") or None
    return boto3.client("secretsmanager", endpoint_url=endpoint)


def create_secret(client, arn, token):
    """Store a new random password as the AWSPENDING version for the token."""
    current = get_secret_dict(client, arn, "AWSCURRENT")
    try:
        get_secret_dict(client, arn, "AWSPENDING", token)
        logger.info("createSecret: version %s of %s already has a value", token, arn)
        return
    except client.exceptions.ResourceNotFoundException:
        pass
    exclude = os.environ.get("EXCLUDE_CHARACTERS", DEFAULT_EXCLUDE_CHARACTERS)
    generated = client.get_random_password(
        ExcludeCharacters=exclude, PasswordLength=PASSWORD_LENGTH
    )
    pending = dict(current, password=generated["RandomPassword"])
    client.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        SecretString=json.dumps(pending),
        VersionStages=["AWSPENDING"],
    )
    logger.info("createSecret: stored a new password in version %s of %s", token, arn)


def set_secret(client, arn, token):
    """Make the AWSPENDING password the user's password in the database."""
    current = get_secret_dict(client, arn, "AWSCURRENT")
    pending = get_secret_dict(client, arn, "AWSPENDING", token)
    check_same_login(current, pending, "AWSCURRENT")

    conn = get_connection(pending)
    if conn:
        conn.close()
        logger.info("setSecret: the AWSPENDING password of %s already works", arn)
        return

    conn = get_connection(current)
    if not conn:
        previous = get_previous_dict(client, arn)
        if previous:
            check_same_login(previous, pending, "AWSPREVIOUS")
            conn = get_connection(previous)
    if not conn:
        raise ValueError(
            "setSecret: cannot log in to the database with the AWSPENDING, "
            f"AWSCURRENT or AWSPREVIOUS credentials of {arn}"
        )

    statement = sql.SQL("ALTER USER {} WITH PASSWORD %s").format(
        sql.Identifier(pending["username"])
    )
    try:
        with conn.cursor() as cur:
            cur.execute(statement, (pending["password"],))
        conn.commit()
    finally:
        conn.close()
    logger.info("setSecret: changed the password of user %s for %s", pending["username"], arn)


def test_secret(client, arn, token):
    """Log in with the AWSPENDING credentials and run a query."""
    conn = get_connection(get_secret_dict(client, arn, "AWSPENDING", token))
    if not conn:
        raise ValueError(f"testSecret: cannot log in with the AWSPENDING secret of {arn}")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
        conn.rollback()
    finally:
        conn.close()
    logger.info("testSecret: logged in with the AWSPENDING secret of %s", arn)


def finish_secret(client, arn, token):
    """Move AWSCURRENT to the token's version; AWSPREVIOUS follows the old one."""
    metadata = client.describe_secret(SecretId=arn)
    current_version = None
    for version, stages in metadata.get("VersionIdsToStages", {}).items():
        if "AWSCURRENT" in stages:
            if version == token:
                logger.info("finishSecret: version %s of %s is already AWSCURRENT", token, arn)
                return
            current_version = version
            break
    client.update_secret_version_stage(
        SecretId=arn,
        VersionStage="AWSCURRENT",
        MoveToVersionId=token,
        RemoveFromVersionId=current_version,
    )
    logger.info("finishSecret: version %s of %s is now AWSCURRENT", token, arn)
    clear_pending(client, arn, token)


def clear_pending(client, arn, token):
    """Take AWSPENDING off a version that has become AWSCURRENT."""
    client.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=token
    )
    logger.info("finishSecret: removed AWSPENDING from version %s of %s", token, arn)


def get_previous_dict(client, arn):
    """The AWSPREVIOUS secret, or None when there is no usable one."""
    try:
        return get_secret_dict(client, arn, "AWSPREVIOUS")
    except (client.exceptions.ResourceNotFoundException, KeyError, ValueError):
        return None


def check_same_login(known, pending, stage):
    """Refuse to change the password of another user or on another host."""
    for key in ("username", "host"):
        if known[key] != pending[key]:
            raise ValueError(
                f"setSecret: AWSPENDING {key} {pending[key]!r} differs from "
                f"the {stage} one {known[key]!r}"
            )


def get_secret_dict(client, arn, stage, token=None):
    """Fetch and parse one version of the secret; check the required keys."""
    kwargs = {"SecretId": arn, "VersionStage": stage}
    if token:
        kwargs["VersionId"] = token
    response = client.get_secret_value(**kwargs)
    try:
        secret = json.loads(response["SecretString"])
    except (KeyError, TypeError, json.JSONDecodeError):
        raise ValueError(f"The {stage} secret of {arn} is not a JSON string") from None
    if not isinstance(secret, dict):
        raise ValueError(f"The {stage} secret of {arn} is not a JSON object")
    for key in REQUIRED_KEYS:
        if key not in secret:
            raise KeyError(f"The {stage} secret of {arn} lacks {key!r}")
    engine = secret.get("engine", "postgres")
    if engine not in SUPPORTED_ENGINES:
        raise ValueError(f"The {stage} secret of {arn} has engine {engine!r}")
    return secret


def get_connection(secret):
    """Open a connection with the secret's credentials, or None if that fails."""
    password = str(secret["password"])
    try:
        return psycopg2.connect(
            host=secret["host"],
            port=int(secret.get("port") or 5432),
            dbname=secret.get("dbname") or "postgres",
            user=secret["username"],
            password=password,
            sslmode=os.environ.get("DB_SSLMODE", "require"),
            connect_timeout=CONNECT_TIMEOUT,
        )
    except psycopg2.Error as exc:
        message = " ".join(str(exc).split())
        if password:
            message = message.replace(password, "********")
        logger.warning(
            "Cannot connect to %s:%s as %s: %s",
            secret["host"],
            secret.get("port") or 5432,
            secret["username"],
            message,
        )
        return None
