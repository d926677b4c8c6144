"""MF0902: the task role may use the Secrets Manager and CloudWatch Logs keys (spec 9.2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, iam, kms, kms_edits
from fixers.document import Document, EditError
from fixers.model import Finding, Fix
from fixers.rules import Rule

POLICY_NAME = "ApplicationKeyAccess"
SID = "UseSecretsAndLogsKeys"
ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")


def task_roles(data: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for lid, td in cfn.of_type(data, "AWS::ECS::TaskDefinition"):
        role = iam.role_of(data, cfn.props(td).get("TaskRoleArn"))
        if role:
            out.setdefault(role, []).append(lid)
    return out


def needed_keys(
    data: dict[str, Any], task_defs: list[str]
) -> tuple[list[str | None], list[str], list[str]]:
    """(Secrets Manager keys, None standing for the key to ensure), logs keys, secrets whose
    key is outside the template."""
    secret_keys, unknown = kms.task_secret_keys(data, task_defs)
    log_keys = kms.task_log_keys(data, task_defs)
    return secret_keys, log_keys, unknown


def statement(secret_keys: list[str], log_keys: list[str]) -> dict[str, Any]:
    named = list(dict.fromkeys(secret_keys + log_keys))
    services = []
    if secret_keys:
        services.append({"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"})
    if log_keys:
        services.append({"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"})
    arns = [kms.key_arn(k) for k in named]
    return {
        "Sid": SID,
        "Effect": "Allow",
        "Action": list(ACTIONS),
        "Resource": arns[0] if len(arns) == 1 else arns,
        "Condition": {
            "StringEquals": {"kms:ViaService": services[0] if len(services) == 1 else services}
        },
    }


class TaskRoleKeys(Rule):
    code = "MF0902"
    spec = ("9.2",)
    title = "Task role cannot use the keys of the application's secrets and logs"
    area = "iam"
    kind = "defect"
    severity = "medium"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        The application reads and refreshes its credentials and works with its log data at run
        time under the task role. Once the secrets and log groups are encrypted with
        customer-managed keys whose policies delegate to IAM, the task role needs `kms:Decrypt`
        and `kms:GenerateDataKey` on those keys, or those calls fail with AccessDenied in
        production only.
    """
    bad = """
        ECSTaskRole:
          Type: AWS::IAM::Role
          Properties:
            Policies:
              - PolicyName: ApplicationMetrics     # no KMS permissions
    """
    good = """
        - Sid: UseSecretsAndLogsKeys
          Effect: Allow
          Action: [kms:Decrypt, kms:GenerateDataKey]
          Resource: [!GetAtt SecretsManagerKMSKey.Arn, !GetAtt CloudWatchLogsKMSKey.Arn]
          Condition:
            StringEquals:
              kms:ViaService:
                - !Sub secretsmanager.${AWS::Region}.amazonaws.com
                - !Sub logs.${AWS::Region}.amazonaws.com
    """
    fix_safety = """
        Safe (update): an inline policy `ApplicationKeyAccess` is added to the task role (or its
        statement updated) with `kms:Decrypt` and `kms:GenerateDataKey` on the keys of the
        secrets the task definitions inject (the template's Secrets Manager key,
        `SecretsManagerKMSKey` added if the secrets have none yet) and of the log groups their
        awslogs driver writes to, usable only through Secrets Manager and CloudWatch Logs
        (`kms:ViaService`). It only adds permissions; nothing is interrupted.
    """
    notes = """
        The `kms:ViaService` condition is not in the spec; it keeps the grant to the two services
        the keys are for, so the role cannot use the keys directly. A log group without a
        customer-managed key needs no grant; when another fix gives it one, this rule asks for it
        again. Secrets whose key is a parameter, an import or an ARN are reported without a fix.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for role, task_defs in task_roles(data).items():
            secret_keys, log_keys, unknown = needed_keys(data, task_defs)
            missing = [
                k or "the Secrets Manager key"
                for k in secret_keys + log_keys
                if k is None or not all(iam.role_grants(data, role, a, k) for a in ACTIONS)
            ]
            if unknown:
                yield self.finding(
                    ("Resources", role),
                    f"Task role {role}: the keys of {', '.join(unknown)} are outside the template; grant them by hand.",
                )
                continue
            if not missing:
                continue
            yield self.finding(
                ("Resources", role),
                f"Task role {role} (of {', '.join(task_defs)}) has no kms:Decrypt and kms:GenerateDataKey on "
                f"{', '.join(missing)}: the application's calls that read those secrets or that "
                "log data fail with AccessDenied (whether it makes them at run time is in its "
                "code, not in the template).",
                Fix(
                    title=f"Grant {role} kms:Decrypt and kms:GenerateDataKey on the secrets and logs keys",
                    args=(role,),
                    impact="update",
                    impact_detail="IAM policy update",
                ),
            )

    def apply(self, doc: Document, role: str) -> None:
        task_defs = task_roles(doc.data).get(role)
        if not task_defs:
            raise EditError(f"{role} is no longer a task role")
        secret_keys, log_keys, unknown = needed_keys(doc.data, task_defs)
        if unknown:
            raise EditError(f"the keys of {', '.join(unknown)} are not in the template")
        if None in secret_keys:
            ensured = kms_edits.ensure_secrets_key(doc)
            secret_keys = [ensured if k is None else k for k in secret_keys]
        # No None is left: the key to ensure, if any was wanted, now stands in for it.
        named = list(dict.fromkeys(k for k in secret_keys if k is not None))
        if not named and not log_keys:
            return
        iam.add_role_statement(doc, role, POLICY_NAME, statement(named, log_keys))
