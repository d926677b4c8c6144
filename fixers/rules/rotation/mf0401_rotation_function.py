"""MF0401: the rotation function is a placeholder that rotates nothing (spec 4.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document, EditError
from fixers.edits import add_depends_on, add_resource, register_names, set_property, unique_id
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.rotation import common

PERMISSION = "SecretRotationLambdaPermission"
register_names(PERMISSION)

HANDLER = "index.lambda_handler"
RUNTIME = "python3.12"
GOOD_RUNTIMES = ("python3.12", "python3.13")
TIMEOUT = 60
MIN_TIMEOUT = 30
ENDPOINT = {"Fn::Sub": "https://secretsmanager.${AWS::Region}.${AWS::URLSuffix}"}
SECRETS_MANAGER = "secretsmanager.amazonaws.com"


def expected_variables(data: dict[str, Any], secret: str | None) -> dict[str, Any]:
    variables: dict[str, Any] = {"SECRETS_MANAGER_ENDPOINT": ENDPOINT}
    exclude = common.password_exclusions(data, secret)
    if exclude is not None:
        variables["EXCLUDE_CHARACTERS"] = exclude
    return variables


def invoke_permissions(data: dict[str, Any], function: str) -> list[str]:
    """Lambda permissions that let Secrets Manager invoke the function."""
    found = []
    for lid, perm in cfn.of_type(data, "AWS::Lambda::Permission"):
        p = cfn.props(perm)
        if function in cfn.refs(p.get("FunctionName")) and p.get("Principal") == SECRETS_MANAGER:
            found.append(lid)
    return found


class PlaceholderRotationFunction(Rule):
    code = "MF0401"
    spec = ("4.1",)
    title = "Rotation function is a placeholder that rotates nothing"
    area = "rotation"
    kind = "defect"
    severity = "high"
    fix_applicability = "unsafe"
    deploy_impact = "update"
    why = """
        Secrets Manager rotates a secret by invoking its rotation function four times, with the
        steps createSecret, setSecret, testSecret and finishSecret. A function that handles none
        of them (it logs the event and returns `{'statusCode': 200}`) lets every scheduled
        rotation "succeed" while the database password never changes: the 30-day rotation the
        platform's compliance requires does not happen, and nobody is told. The rule finds a
        function named by a `RotationSchedule`'s `RotationLambdaARN` whose inline code has no
        handling of the four steps, whatever its text says.
    """
    bad = """
        RotationFunction:
          Type: AWS::Lambda::Function
          Properties:
            Handler: index.lambda_handler
            Runtime: python3.12
            Code:
              ZipFile: |
                def lambda_handler(event, context):
                    return {'statusCode': 200}   # rotation logic goes here
    """
    good = """
        RotationFunction:
          Type: AWS::Lambda::Function
          Properties:
            Handler: index.lambda_handler
            Runtime: python3.12
            Timeout: 60
            Environment:
              Variables:
                SECRETS_MANAGER_ENDPOINT: !Sub https://secretsmanager.${AWS::Region}.${AWS::URLSuffix}
                EXCLUDE_CHARACTERS: '"@/\\'
            Code:
              ZipFile: |
                # createSecret, setSecret (ALTER USER), testSecret, finishSecret with psycopg2
                ...
        RotationFunctionPermission:
          Type: AWS::Lambda::Permission
          Properties:
            FunctionName: !GetAtt RotationFunction.Arn
            Action: lambda:InvokeFunction
            Principal: secretsmanager.amazonaws.com
            SourceAccount: !Ref AWS::AccountId
    """
    fix_safety = """
        Unsafe (update). The function's code is replaced by a complete single-user rotation
        function for PostgreSQL and Aurora PostgreSQL (`fixers/assets/postgres_single_user_rotation.py`,
        tested end to end against a real PostgreSQL): it logs in with the current credentials and
        runs `ALTER USER ... WITH PASSWORD` for the user of the secret, with the token and stage
        checks of the rotation protocol, and refuses to change another user's or host's password.
        Handler `index.lambda_handler`, runtime python3.12 (unless already 3.12 or 3.13), timeout
        60 s when it was below 30 s, the environment variables the code reads
        (`SECRETS_MANAGER_ENDPOINT` in the stack's partition, `EXCLUDE_CHARACTERS` from the secret's
        `GenerateSecretString.ExcludeCharacters` plus what RDS refuses in a password), a
        30-day `RotationRules` if the schedule has none, and an `AWS::Lambda::Permission` for
        `secretsmanager.amazonaws.com` limited to this account (`SourceAccount`), which the
        schedule depends on. The function is updated in place, but what runs changes: the next
        rotation really changes the database password, so applications must read it from the
        secret. The code imports psycopg2, which the Lambda runtime lacks: MF0402 adds the layer
        (a layer version ARN every deploy passes), MF0404 the network path, MF0403 the permissions.
    """
    notes = """
        Only a function used by a rotation schedule is checked, and only inline code (`ZipFile`):
        code from S3 or an image cannot be seen. The fix is offered when the secret belongs to a
        PostgreSQL or Aurora PostgreSQL database of the template; for another engine the finding
        has no fix. A function that handles all four steps is left alone.

        checkov on the function: CKV_AWS_116 (no dead-letter queue) is expected, since Secrets
        Manager invokes rotation synchronously and retries itself, so a DLQ would never receive
        anything. CKV_AWS_115 (reserved concurrency) and CKV_AWS_173 (environment variables
        encrypted with a customer-managed key) are left to the template's owner: the variables
        hold no secret (an endpoint URL and the characters to exclude), Lambda encrypts them at
        rest with its AWS-managed key, and reserving concurrency takes capacity from the
        account's shared pool, a decision for the account, not for a fix.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        res = cfn.resources(data)
        seen: set[str] = set()
        for setup in common.setups(data):
            fn = setup.function
            if not fn or fn in seen:
                continue
            seen.add(fn)
            users = common.service_token_users(data, fn)
            if users:
                yield self.finding(
                    ("Resources", setup.schedule, "Properties", "RotationLambdaARN"),
                    f"{setup.schedule} rotates with {fn}, which {', '.join(users)} "
                    f"use{'s' if len(users) == 1 else ''} as {'its' if len(users) == 1 else 'their'} "
                    "ServiceToken: a custom resource's handler, not a rotation function, so "
                    "Secrets Manager invokes code that does not implement the rotation steps. Point "
                    "RotationLambdaARN at the rotation function (the template's own code is not "
                    "replaced: the custom resource needs it).",
                )
                continue
            code = common.inline_code(res[fn])
            judged_elsewhere = code is not None and (
                not common.has_rotation_steps(code) or code == common.rotation_source()
            )  # a placeholder, or the code MF0401 writes: their fix brings the permission
            if not judged_elsewhere and not invoke_permissions(data, fn):
                yield self.finding(
                    ("Resources", fn, "Properties"),
                    f"No AWS::Lambda::Permission lets Secrets Manager "
                    f"({SECRETS_MANAGER}) invoke {fn}, the rotation function of "
                    f"{setup.schedule}: Secrets Manager refuses the rotation ('cannot invoke "
                    "the specified Lambda function'), so creating or updating the schedule "
                    "fails and the secret is never rotated.",
                )
            if code is None:
                continue
            postgres = common.is_postgres(data, setup.database)
            fix = self._fix(fn, setup) if postgres and setup.secret else None
            if not common.has_rotation_steps(code):
                yield self.finding(
                    ("Resources", fn, "Properties", "Code", "ZipFile"),
                    f"{fn} is the rotation function of {setup.schedule} but its code handles none of the "
                    "rotation steps (createSecret, setSecret, testSecret, finishSecret): no rotation "
                    "changes the password.",
                    fix,
                )
                continue
            if code != common.rotation_source() or fix is None:
                continue
            gaps = self._config_gaps(data, fn, setup)
            if gaps:
                yield self.finding(
                    ("Resources", fn, "Properties"),
                    f"The rotation function {fn} is not set up as its code needs: {'; '.join(gaps)}.",
                    fix,
                )

    @staticmethod
    def _config_gaps(data: dict[str, Any], fn: str, setup: common.Setup) -> list[str]:
        p = cfn.props(cfn.resources(data)[fn])
        gaps = []
        if p.get("Handler") != HANDLER:
            gaps.append(f"Handler is not {HANDLER}")
        if p.get("Runtime") not in GOOD_RUNTIMES:
            gaps.append(f"Runtime is not {RUNTIME}")
        timeout = p.get("Timeout")
        if timeout is None or (isinstance(timeout, int) and timeout < MIN_TIMEOUT):
            gaps.append(f"Timeout is below {MIN_TIMEOUT} s")
        env = p.get("Environment")
        variables = env.get("Variables") if isinstance(env, dict) else None
        for k, v in expected_variables(data, setup.secret).items():
            if not isinstance(variables, dict) or variables.get(k) != v:
                gaps.append(f"environment variable {k} is not set")
        perms = invoke_permissions(data, fn)
        if not perms:
            gaps.append("Secrets Manager may not invoke it")
        elif not any("SourceAccount" in cfn.props(cfn.resources(data)[x]) for x in perms):
            gaps.append("its invoke permission is not limited to this account")
        schedule = cfn.resources(data)[setup.schedule]
        if "RotationRules" not in cfn.props(schedule):
            gaps.append(f"{setup.schedule} has no RotationRules")
        return gaps

    def _fix(self, fn: str, setup: common.Setup) -> Fix:
        return Fix(
            title=f"Replace the code of {fn} with a complete PostgreSQL single-user rotation function",
            args=(fn, setup.schedule),
            impact="update",
            impact_detail=(
                f"{fn} is updated in place, but the code that runs changes: rotations start changing "
                "the database password for real"
            ),
            applicability="unsafe",
        )

    def apply(self, doc: Document, fn: str, schedule: str) -> None:
        data = doc.data
        setup = next(
            (s for s in common.setups(data) if s.schedule == schedule and s.function == fn), None
        )
        if setup is None:
            raise EditError(f"{schedule} no longer rotates with {fn}")
        props = cfn.props(cfn.resources(data)[fn])
        set_property(doc, fn, ("Code", "ZipFile"), common.rotation_source())
        set_property(doc, fn, "Handler", HANDLER)
        if props.get("Runtime") not in GOOD_RUNTIMES:
            set_property(doc, fn, "Runtime", RUNTIME)
        timeout = props.get("Timeout")
        if timeout is None or (isinstance(timeout, int) and timeout < MIN_TIMEOUT):
            set_property(doc, fn, "Timeout", TIMEOUT)
        env = props.get("Environment")
        if env is not None and not (
            isinstance(env, dict) and isinstance(env.get("Variables", {}), dict)
        ):
            raise EditError(f"the Environment of {fn} is not a plain mapping the fix can edit")
        for k, v in expected_variables(data, setup.secret).items():
            set_property(doc, fn, ("Environment", "Variables", k), v)
        perms = invoke_permissions(doc.data, fn)
        if perms:
            if not any("SourceAccount" in cfn.props(cfn.resources(doc.data)[x]) for x in perms):
                set_property(doc, perms[0], "SourceAccount", {"Ref": "AWS::AccountId"})
            permission = perms[0]
        else:
            permission = add_resource(
                doc,
                unique_id(doc, PERMISSION),
                {
                    "Type": "AWS::Lambda::Permission",
                    "Properties": {
                        "FunctionName": {"Fn::GetAtt": [fn, "Arn"]},
                        "Action": "lambda:InvokeFunction",
                        "Principal": SECRETS_MANAGER,
                        "SourceAccount": {"Ref": "AWS::AccountId"},
                    },
                },
            )
        add_depends_on(doc, schedule, permission)
        if "RotationRules" not in cfn.props(cfn.resources(doc.data)[schedule]):
            set_property(doc, schedule, "RotationRules", {"AutomaticallyAfterDays": 30})
