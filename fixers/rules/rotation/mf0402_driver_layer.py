"""MF0402: the rotation function's database driver comes from a layer, or rotation falls back to
the AWS-hosted PostgreSQL rotation function (spec 4.2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document, EditError
from fixers.edits import (
    add_condition,
    add_parameter,
    add_resource,
    register_names,
    set_property,
    unique_id,
)
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.rotation import common

BUCKET = "PsycopgLayerS3Bucket"
KEY = "PsycopgLayerS3Key"
CONDITION = "HasPsycopgLayer"
LAYER = "PsycopgLayer"
register_names(BUCKET, KEY, CONDITION, LAYER)

GOOD_RUNTIMES = ("python3.12", "python3.13")


def has_secrets_transform(data: dict[str, Any]) -> bool:
    return any(t in common.SECRETS_TRANSFORMS for t in common.transforms(data))


class RotationDriverLayer(Rule):
    code = "MF0402"
    spec = ("4.2",)
    title = "Rotation function has no way to load its PostgreSQL driver"
    area = "rotation"
    severity = "high"
    fix_applicability = "unsafe"
    deploy_impact = "unknown"
    why = """
        A PostgreSQL rotation function needs a driver (psycopg2) that the Lambda Python runtime
        does not ship. Inline code cannot bundle it, so it has to come from a Lambda layer; without
        one every rotation fails at `import psycopg2` and the password is never rotated. The
        template should let operators supply the layer, and must still rotate when they do not.
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
        Transform: AWS::SecretsManager-2024-09-16
        Parameters:
          PsycopgLayerS3Bucket: {Type: String, Default: ''}
          PsycopgLayerS3Key: {Type: String, Default: ''}
        Conditions:
          HasPsycopgLayer: !And
            - !Not [!Equals [!Ref PsycopgLayerS3Bucket, '']]
            - !Not [!Equals [!Ref PsycopgLayerS3Key, '']]
        Resources:
          PsycopgLayer:
            Type: AWS::Lambda::LayerVersion
            Condition: HasPsycopgLayer
            Properties:
              Content: {S3Bucket: !Ref PsycopgLayerS3Bucket, S3Key: !Ref PsycopgLayerS3Key}
              CompatibleRuntimes: [python3.12]
          RotationFunction:
            Type: AWS::Lambda::Function
            Properties:
              Layers: !If [HasPsycopgLayer, [!Ref PsycopgLayer], !Ref AWS::NoValue]
          RotationSchedule:
            Type: AWS::SecretsManager::RotationSchedule
            Properties:
              RotationLambdaARN: !If [HasPsycopgLayer, !GetAtt RotationFunction.Arn, !Ref AWS::NoValue]
              HostedRotationLambda: !If
                - HasPsycopgLayer
                - !Ref AWS::NoValue
                - RotationType: PostgreSQLSingleUser
                  VpcSubnetIds: !Join [',', [!Ref PrivateSubnet1, !Ref PrivateSubnet2]]
                  VpcSecurityGroupIds: !Join [',', [!Ref LambdaSecurityGroup]]
    """
    fix_safety = """
        Unsafe (update). The fix adds the parameters `PsycopgLayerS3Bucket` and `PsycopgLayerS3Key`
        (default empty), the condition `HasPsycopgLayer` (both given), an `AWS::Lambda::LayerVersion`
        `PsycopgLayer` under it, and sets the function's `Layers` only then. So that no setting of
        the parameters leaves the schedule invoking a function that cannot import psycopg2, the
        rotation schedule chooses with the same condition: the template's function with the layer
        (`RotationLambdaARN`), otherwise the AWS-hosted PostgreSQL single-user rotation function
        (`HostedRotationLambda`, `RotationType: PostgreSQLSingleUser`) in the function's own
        subnets and security groups (`VpcSubnetIds` / `VpcSecurityGroupIds`, comma-joined strings,
        as the property requires), with the secret's `ExcludeCharacters` and KMS key. The hosted
        function needs `Transform: AWS::SecretsManager-2024-09-16`, which the fix adds: from then
        on the stack must be deployed through a change set with `CAPABILITY_AUTO_EXPAND` (`aws
        cloudformation deploy --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND`), and the
        transform creates a nested stack holding the hosted function. With the default parameters
        a deployed stack's rotation moves to that hosted function: the schedule is updated in
        place (only `SecretId` is create-only).
    """
    notes = """
        Why `!If` inside one schedule rather than two schedules under opposite conditions: a
        secret has one rotation configuration, and flipping the parameters would create one
        schedule and delete the other, and deleting a schedule turns rotation off. With one
        schedule, the update changes the function in place. cfn-lint accepts the shape; AWS's
        transform documentation does not say whether it evaluates `Fn::If` around
        `HostedRotationLambda` (CloudFormation's own docs only show plain values), so review
        the first change set: it must contain the nested rotation stack when the layer
        parameters are empty. An existing `Layers: !If [<condition>, ...]` is reused with its
        condition. A function with unconditional `Layers` is left alone (the operator supplies
        the driver); so is code that imports no driver and is no PostgreSQL placeholder.
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
            if not (common.needs_driver(code) or not common.has_rotation_steps(code)):
                continue
            props = cfn.props(res[fn])
            fix = self._fix(fn, setup.schedule)
            if "Layers" not in props:
                yield self.finding(
                    ("Resources", fn, "Properties", "Layers"),
                    f"The rotation function {fn} of {setup.schedule} gets no PostgreSQL driver (psycopg2): "
                    "no layer provides it, so rotation fails at import.",
                    fix,
                )
                continue
            cond = common.layer_condition(res[fn])
            if cond is None:
                continue  # unconditional layers: the operator provides the driver
            sched = cfn.props(res[setup.schedule])
            arn = common.if_parts(sched.get("RotationLambdaARN"))
            hosted = common.if_parts(sched.get("HostedRotationLambda"))
            if not (arn and arn[0] == cond and arn[2] == common.NO_VALUE) or not (
                hosted
                and hosted[0] == cond
                and hosted[1] == common.NO_VALUE
                and isinstance(hosted[2], dict)
            ):
                yield self.finding(
                    ("Resources", setup.schedule, "Properties", "RotationLambdaARN"),
                    f"{fn} has a layer only when {cond} is true, but {setup.schedule} invokes it either "
                    "way: without the layer it cannot import psycopg2.",
                    fix,
                )
                continue
            expected = common.expected_hosted(data, setup)
            for field in sorted(set(expected) | set(hosted[2])):
                if expected.get(field) != hosted[2].get(field):
                    yield self.finding(
                        ("Resources", setup.schedule, "Properties", "HostedRotationLambda", field),
                        f"The hosted rotation of {setup.schedule} (used when {cond} is false) "
                        f"{'lacks' if field not in hosted[2] else 'has a stale'} {field}: it must match "
                        "the rotation function's network and the secret.",
                        fix,
                    )
            if not has_secrets_transform(data):
                yield self.finding(
                    ("Resources", setup.schedule, "Properties", "HostedRotationLambda"),
                    f"{setup.schedule} uses HostedRotationLambda, which needs Transform: {common.TRANSFORM}.",
                    fix,
                )

    def _fix(self, fn: str, schedule: str) -> Fix:
        return Fix(
            title=f"Give {fn} a psycopg2 layer when one is supplied, else rotate with the AWS-hosted function",
            args=(fn, schedule),
            impact="unknown",
            impact_detail=(
                "adds the AWS::SecretsManager-2020-07-23 transform: deploys fail unless they pass "
                "CAPABILITY_AUTO_EXPAND; the schedule is updated in place, and with the default (no layer) "
                "rotation moves to the AWS-hosted function"
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
        cond = common.layer_condition(cfn.resources(data)[fn])
        if cond is None:
            if "Layers" in props:
                raise EditError(f"{fn} has Layers the fix does not recognise")
            cond, layer = self._ensure_layer(doc, props.get("Runtime"))
            set_property(doc, fn, "Layers", {"Fn::If": [cond, [{"Ref": layer}], common.NO_VALUE]})
        arn_value = cfn.props(cfn.resources(doc.data)[schedule]).get("RotationLambdaARN")
        parts = common.if_parts(arn_value)
        if not (parts and parts[0] == cond and parts[2] == common.NO_VALUE):
            set_property(
                doc, schedule, "RotationLambdaARN", {"Fn::If": [cond, arn_value, common.NO_VALUE]}
            )
        common.write_hosted(doc, schedule, cond, common.expected_hosted(doc.data, setup))
        ensure_transform(doc)

    @staticmethod
    def _ensure_layer(doc: Document, runtime: Any) -> tuple[str, str]:
        params = doc.data.get("Parameters") or {}
        conds = doc.data.get("Conditions") or {}
        bucket_def = {
            "Type": "String",
            "Default": "",
            "Description": (
                "S3 bucket of a Lambda layer zip with psycopg2 (python/psycopg2) built for the rotation "
                "function's runtime; leave empty to rotate with the AWS-hosted function instead."
            ),
        }
        key_def = {
            "Type": "String",
            "Default": "",
            "Description": "S3 key of the psycopg2 layer zip in PsycopgLayerS3Bucket; leave empty with it.",
        }
        bucket = BUCKET if params.get(BUCKET) in (None, bucket_def) else unique_id(doc, BUCKET)
        bucket = add_parameter(doc, bucket, bucket_def)
        key = (
            KEY
            if (doc.data.get("Parameters") or {}).get(KEY) in (None, key_def)
            else unique_id(doc, KEY)
        )
        key = add_parameter(doc, key, key_def)
        cond_def = {
            "Fn::And": [
                {"Fn::Not": [{"Fn::Equals": [{"Ref": bucket}, ""]}]},
                {"Fn::Not": [{"Fn::Equals": [{"Ref": key}, ""]}]},
            ]
        }
        cond = CONDITION if conds.get(CONDITION) in (None, cond_def) else unique_id(doc, CONDITION)
        cond = add_condition(doc, cond, cond_def)
        layer_def = {
            "Type": "AWS::Lambda::LayerVersion",
            "Condition": cond,
            "Properties": {
                "Description": "psycopg2 for the PostgreSQL secret rotation function",
                "Content": {"S3Bucket": {"Ref": bucket}, "S3Key": {"Ref": key}},
                "CompatibleRuntimes": [runtime if runtime in GOOD_RUNTIMES else GOOD_RUNTIMES[0]],
            },
        }
        existing = cfn.resources(doc.data).get(LAYER)
        layer = add_resource(
            doc, LAYER if existing in (None, layer_def) else unique_id(doc, LAYER), layer_def
        )
        return cond, layer


def ensure_transform(doc: Document) -> None:
    current = doc.data.get("Transform")
    if current is None:
        doc.set(("Transform",), common.TRANSFORM)
    elif isinstance(current, str):
        if current not in common.SECRETS_TRANSFORMS:
            doc.set(("Transform",), [current, common.TRANSFORM])
    elif isinstance(current, list):
        if not any(t in common.SECRETS_TRANSFORMS for t in current):
            doc.append(("Transform",), common.TRANSFORM)
    else:
        raise EditError("the template's Transform is not a name or a list the fix can extend")
