"""MF0402: the rotation function's database driver comes from a Lambda layer that every deploy
supplies; no conditional fallback to an AWS-hosted function (spec 4.2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document, EditError
from fixers.edits import add_parameter, register_names, set_property, unique_id
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.rotation import common

PARAMETER = "PsycopgLayerArn"
register_names(PARAMETER)

LAYER_VERSION_ARN = r"arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+"
"""A Lambda layer version ARN, as the Lambda API defines ``LayerVersionArn``."""

PARAMETER_DEF = {
    "Type": "String",
    "Description": (
        "ARN of a Lambda layer version in this Region with psycopg2 (python/psycopg2) built for the "
        "rotation function's runtime and architecture; required: without it rotation cannot import "
        "its PostgreSQL driver."
    ),
    "AllowedPattern": LAYER_VERSION_ARN,
    "ConstraintDescription": (
        "must be a layer version ARN, arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>"
    ),
}


def _layerless_conditions(layers: Any) -> list[str]:
    """Conditions under which ``Layers`` (or an entry of it) resolves to nothing: an ``Fn::If``
    with a branch that is ``AWS::NoValue`` or an empty list."""
    found: list[str] = []
    for _, value in cfn.walk(layers):
        parts = common.if_parts(value)
        if parts is None:
            continue
        cond, yes, no = parts
        if no == common.NO_VALUE or no == []:
            found.append(cond)
        if yes == common.NO_VALUE or yes == []:
            found.append(f"not {cond}")
    return sorted(set(found))


class RotationDriverLayer(Rule):
    code = "MF0402"
    spec = ("4.2",)
    title = "Rotation function has no way to load its PostgreSQL driver"
    area = "rotation"
    kind = "defect"
    severity = "high"
    fix_applicability = "unsafe"
    deploy_impact = "unknown"
    why = """
        A PostgreSQL rotation function needs a driver (psycopg2) that the Lambda Python runtime
        does not ship. Inline code cannot bundle it, so it has to come from a Lambda layer; without
        one every rotation fails at `import psycopg2` and the password is never rotated. The layer
        must be there whatever the deploy passes: a template whose rotation works only when an
        optional parameter is given fails silently when it is not, and the AWS-hosted rotation
        function cannot stand in conditionally (the transform that creates it runs before
        conditions are evaluated, and a secret has exactly one rotation schedule).
    """
    bad = """
        RotationFunction:
          Type: AWS::Lambda::Function
          Properties:
            Code:
              ZipFile: |
                import psycopg2      # not in the Lambda runtime, and no layer
    """
    good = """
        Parameters:
          PsycopgLayerArn:
            Type: String
            Description: ARN of a Lambda layer version with psycopg2 (python/psycopg2)
            AllowedPattern: 'arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+'
        Resources:
          RotationFunction:
            Type: AWS::Lambda::Function
            Properties:
              Layers:
                - !Ref PsycopgLayerArn
          RotationSchedule:                 # the secret's one schedule, no transform
            Type: AWS::SecretsManager::RotationSchedule
            Properties:
              SecretId: !Ref DatabaseSecret
              RotationLambdaARN: !GetAtt RotationFunction.Arn
    """
    fix_safety = """
        Unsafe (unknown). The fix adds the parameter `PsycopgLayerArn` with no default (the ARN
        of a Lambda layer version with psycopg2 built for the function's runtime and
        architecture, checked against the layer version ARN pattern) and sets the function's
        `Layers` to it. Every deploy must then pass the value, an update of a running stack
        included (`--parameter-overrides PsycopgLayerArn=arn:...:layer:psycopg2:N`): a deploy
        that does not is refused before anything changes, rather than deploying a rotation that
        cannot run. With the value, the function is updated in place (`Layers`: no interruption)
        and the schedule keeps invoking it: one schedule per secret, no `Fn::If`, no transform,
        so no `CAPABILITY_AUTO_EXPAND`. The fix cannot check that the layer really holds
        psycopg2 for the function's runtime and architecture: a rotation does (CloudFormation
        rotates once when it configures the schedule; on a running stack, rotate the secret
        once by hand after the deploy to find out before the schedule does).

        A function whose layer exists only under a condition, and a schedule that sets
        `HostedRotationLambda` (inside `Fn::If`, or beside `RotationLambdaARN`), are reported
        without a fix: they need a decision the fix cannot make (which layer, and what to do
        with the parameters and condition that gate it).
    """
    notes = """
        No automatic fallback to the AWS-hosted rotation function, on purpose. The hosted
        function is created by the `AWS::SecretsManager` transform from the schedule's
        `HostedRotationLambda`; the transform is a macro, and CloudFormation resolves macros
        first and evaluates intrinsic functions (and so conditions) after them, so an `Fn::If`
        around `HostedRotationLambda` is not evaluated when the transform reads it. AWS
        documents `HostedRotationLambda` and `RotationLambdaARN` as alternatives (create a
        function, or use an existing one), and the transform is reported to fail with "Can
        only specify either HostedRotationLambda or RotationLambdaARN" when it sees both. Two
        schedules under opposite conditions are no way out: a secret has one rotation schedule,
        and deleting a schedule turns rotation off. The one remaining shape, one schedule whose
        `RotationLambdaARN` is an `Fn::If` between this function and another created only under
        the opposite condition, has no such function to offer without a transform: the AWS
        PostgreSQL rotation function comes only through the Secrets Manager transform or as a
        Serverless Application Repository application (the `AWS::Serverless-2016-10-31`
        transform, an application ID and pinned version per partition, and the capabilities
        the repository asks to acknowledge for it). Either way the fallback brings a transform
        back (`CAPABILITY_AUTO_EXPAND` on every deploy) and a second rotation code path that
        runs only when the layer is missing. A template that wants the hosted function instead
        should use it unconditionally: `HostedRotationLambda` with `RotationType:
        PostgreSQLSingleUser`, no `RotationLambdaARN`, `Transform: AWS::SecretsManager-2024-09-16`
        and deploys with `CAPABILITY_AUTO_EXPAND`; this rule is then silent.

        A function with unconditional `Layers` is left alone (the operator supplies the
        driver); so is code that imports no driver and is no PostgreSQL placeholder.

        AWS documentation relied on:
        - AWS::SecretsManager transform (a macro; the declaration must be a literal
          `AWS::SecretsManager-2020-07-23` or `AWS::SecretsManager-2024-09-16`; the function is
          placed in a nested stack):
          https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-secretsmanager.html
        - AWS::SecretsManager::RotationSchedule (choose one of `HostedRotationLambda` or
          `RotationLambdaARN`; only one rotation schedule per secret):
          https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-rotationschedule.html
        - HostedRotationLambda (requires the transform at the beginning of the template):
          https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-secretsmanager-rotationschedule-hostedrotationlambda.html
        - Macro considerations ("CloudFormation resolves macros first, and then processes the
          template"; "Intrinsic functions included in the template are evaluated after any
          macros"):
          https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-macros-author.html
        - CAPABILITY_AUTO_EXPAND for templates with macros (CreateStack, CreateChangeSet):
          https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
        - AWS::Lambda::Function `Layers` (layer version ARNs; update: no interruption):
          https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-function.html
        - Layer version ARN pattern (`LayerVersionArn`):
          https://docs.aws.amazon.com/lambda/latest/api/API_GetLayerVersion.html
        - Rotation function templates (the AWS PostgreSQL rotation functions):
          https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_available-rotation-templates.html
        - Serverless Application Repository capabilities (resource policies such as
          `AWS::Lambda::Permission` need `CAPABILITY_RESOURCE_POLICY`):
          https://docs.aws.amazon.com/serverlessrepo/latest/devguide/acknowledging-application-capabilities.html
        The transform's error for both properties is quoted from
        https://github.com/cloudtools/troposphere/pull/1783 (not AWS documentation).
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        res = cfn.resources(data)
        for setup in common.setups(data):
            fn = setup.function
            if not fn or not setup.secret:
                continue
            code = common.inline_code(res[fn])
            if code is None or not common.is_postgres(data, setup.database):
                continue
            if common.service_token_users(data, fn):
                continue  # a custom resource's handler, not a rotation function (MF0401)
            imports_driver = common.needs_driver(code)
            if not (imports_driver or not common.has_rotation_steps(code)):
                continue
            sched = cfn.props(res[setup.schedule])
            if "HostedRotationLambda" in sched:
                inside_if = common.if_parts(sched["HostedRotationLambda"]) is not None
                yield self.finding(
                    ("Resources", setup.schedule, "Properties", "HostedRotationLambda"),
                    f"{setup.schedule} sets HostedRotationLambda"
                    f"{' inside Fn::If' if inside_if else ''} beside RotationLambdaARN ({fn}): the "
                    "AWS::SecretsManager transform expands it before any condition is evaluated, and "
                    "AWS documents the two as alternatives. Remove HostedRotationLambda and rotate with "
                    f"{fn} given its driver layer on every deploy (or use the hosted function alone, "
                    "unconditionally).",
                )
            props = cfn.props(res[fn])
            if "Layers" not in props:
                yield self.finding(
                    ("Resources", fn, "Properties", "Layers"),
                    (
                        f"The rotation function {fn} of {setup.schedule} gets no PostgreSQL driver "
                        "(psycopg2): no layer provides it, so rotation fails at import."
                        if imports_driver
                        else f"The rotation function {fn} of {setup.schedule} has no layer with a "
                        "PostgreSQL driver: the rotation code MF0401 writes for it imports psycopg2, "
                        "so once that fix is in, rotation fails at import without this one."
                    ),
                    self._fix(fn),
                )
                continue
            conditions = _layerless_conditions(props["Layers"])
            if conditions:
                yield self.finding(
                    ("Resources", fn, "Properties", "Layers"),
                    f"{fn} gets its layers only when {' and '.join(conditions)}; otherwise "
                    f"{setup.schedule} invokes a function that cannot import psycopg2. Give it the "
                    "driver layer unconditionally (a layer version ARN every deploy passes): no "
                    "conditional fallback to the AWS-hosted function is one the Secrets Manager "
                    "transform is documented to accept.",
                )

    @staticmethod
    def _fix(fn: str) -> Fix:
        return Fix(
            title=f"Give {fn} psycopg2 from a Lambda layer whose ARN every deploy passes ({PARAMETER})",
            args=(fn,),
            impact="unknown",
            impact_detail=(
                f"adds parameter {PARAMETER} without a default: every deploy, an update of a running "
                "stack included, must pass the ARN of a layer version with psycopg2 for the function's "
                f"runtime, or is refused; then {fn} is updated in place (Layers: no interruption). "
                "No transform is added: no CAPABILITY_AUTO_EXPAND"
            ),
            applicability="unsafe",
        )

    def apply(self, doc: Document, fn: str) -> None:
        function = cfn.resources(doc.data).get(fn)
        if not function or function.get("Type") != common.FUNCTION_TYPE:
            raise EditError(f"{fn} is no longer a Lambda function")
        current = cfn.props(function).get("Layers")
        params = doc.data.get("Parameters") or {}
        if current is not None:
            if any(params.get(r) == PARAMETER_DEF for r in cfn.refs(current)):
                return  # already given the layer parameter
            raise EditError(f"{fn} has Layers the fix does not recognise")
        name = (
            PARAMETER
            if params.get(PARAMETER) in (None, PARAMETER_DEF)
            else unique_id(doc, PARAMETER)
        )
        name = add_parameter(doc, name, PARAMETER_DEF)
        set_property(doc, fn, "Layers", [{"Ref": name}])
