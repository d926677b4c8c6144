"""MF0901: the task execution role's KMS decrypt names the keys, not '*' (spec 9.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, iam, kms, kms_edits
from fixers.document import Document, EditError
from fixers.edits import set_value
from fixers.model import Finding, Fix
from fixers.rules import Rule


def execution_roles(data: dict[str, Any]) -> dict[str, list[str]]:
    """Template execution roles and the task definitions that use them."""
    out: dict[str, list[str]] = {}
    for lid, td in cfn.of_type(data, "AWS::ECS::TaskDefinition"):
        role = iam.role_of(data, cfn.props(td).get("ExecutionRoleArn"))
        if role:
            out.setdefault(role, []).append(lid)
    return out


def wildcard_kms_statements(
    data: dict[str, Any], role: str
) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(path, statement) of Allow statements with a KMS action on Resource '*'."""
    out = []
    for path, policy in iam.role_policy_documents(data, role):
        for j, st in iam.statements_of(policy):
            if st.get("Effect") != "Allow":
                continue
            actions = [a for a in cfn.list_of(st.get("Action")) if isinstance(a, str)]
            if not any(a.lower().startswith("kms:") or a == "*" for a in actions):
                continue
            if "*" in cfn.list_of(st.get("Resource")):
                out.append((path + ("Statement",) + (() if j is None else (j,)), st))
    return out


def _services(statement: dict[str, Any]) -> set[str]:
    return set(kms.via_services(statement))


class ExecutionRoleKeys(Rule):
    code = "MF0901"
    spec = ("9.1",)
    title = "Task execution role may decrypt with any KMS key"
    area = "iam"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        The ECS agent uses the task execution role to inject secrets into containers. A
        `kms:Decrypt` on `Resource: '*'` lets it decrypt with every key in the account that
        delegates to IAM, not only the key that protects the application's secrets; a
        `kms:ViaService` condition narrows the path, not the keys. Least privilege names the key.
    """
    bad = """
        - Effect: Allow
          Action: kms:Decrypt
          Resource: '*'
          Condition:
            StringEquals:
              kms:ViaService: !Sub secretsmanager.${AWS::Region}.amazonaws.com
    """
    good = """
        - Effect: Allow
          Action: kms:Decrypt
          Resource: !GetAtt SecretsManagerKMSKey.Arn
          Condition:
            StringEquals:
              kms:ViaService: !Sub secretsmanager.${AWS::Region}.amazonaws.com
    """
    fix_safety = """
        Safe (update) when the statement is bound to Secrets Manager (or CloudWatch Logs) by
        `kms:ViaService`: its `Resource` becomes the keys of the secrets the role's task
        definitions inject (the template's Secrets Manager key, `SecretsManagerKMSKey` added if
        the secrets have none yet; a secret still on `aws/secretsmanager` needs no IAM grant,
        its key policy admits the account through Secrets Manager). An IAM policy update, no
        interruption. A statement without `kms:ViaService` may serve uses the template does not
        show (an ECR repository or environment files encrypted with a key), so narrowing it is
        offered as unsafe for a reviewer to accept; it then names the Secrets Manager keys and the
        keys of the task definitions' log groups.
    """
    notes = """
        The spec's ideal lists the CloudWatch Logs key here as well. AWS does not need it: the
        awslogs driver sends events with `logs:PutLogEvents` and CloudWatch Logs encrypts them as
        the `logs.<region>.amazonaws.com` service principal under the key policy; the execution
        role never calls KMS for the log group. A statement bound to Secrets Manager by
        `kms:ViaService` could not use the logs key anyway, so naming it would only widen the
        grant on paper. The fix therefore names the logs key only in a statement that is bound
        to CloudWatch Logs or not bound to a service. A secret whose key is a parameter, an
        import or an ARN cannot be named from the template: the finding then has no fix.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for role, task_defs in execution_roles(data).items():
            found = wildcard_kms_statements(data, role)
            if not found:
                continue
            _, unknown = kms.task_secret_keys(data, task_defs)
            unbound = any(not (_services(st) & {"secretsmanager", "logs"}) for _, st in found)
            message = (
                f"Execution role {role} (of {', '.join(task_defs)}) allows KMS on Resource '*'"
            )
            if unknown:
                yield self.finding(
                    ("Resources", role),
                    message
                    + f"; the keys of {', '.join(unknown)} are outside the template, name them by hand.",
                )
                continue
            yield self.finding(
                ("Resources", role),
                message + "; it should name the keys that protect what it reads.",
                Fix(
                    title=f"Name the keys in the KMS statements of {role}",
                    args=(role,),
                    impact="update",
                    impact_detail="IAM policy update",
                    applicability="unsafe" if unbound else "",
                ),
            )

    def apply(self, doc: Document, role: str) -> None:
        task_defs = execution_roles(doc.data).get(role)
        if not task_defs:
            raise EditError(f"{role} is no longer an execution role")
        secret_keys, unknown = kms.task_secret_keys(doc.data, task_defs)
        if unknown:
            raise EditError(f"the keys of {', '.join(unknown)} are not in the template")
        if None in secret_keys:
            ensured = kms_edits.ensure_secrets_key(doc)
            secret_keys = [ensured if k is None else k for k in secret_keys]
        # No None is left: the key to ensure, if any was wanted, now stands in for it.
        secret_key_ids = list(dict.fromkeys(k for k in secret_keys if k is not None))
        log_keys = kms.task_log_keys(doc.data, task_defs)
        for path, st in wildcard_kms_statements(doc.data, role):
            services = _services(st)
            named: list[str] = []
            if "secretsmanager" in services or not services & {"secretsmanager", "logs"}:
                named += secret_key_ids
            if "logs" in services or not services & {"secretsmanager", "logs"}:
                named += log_keys
            named = list(dict.fromkeys(named))
            if not named:
                raise EditError(
                    f"{role} reads nothing a key in the template protects; remove the statement instead"
                )
            arns = [kms.key_arn(k) for k in named]
            set_value(doc, path + ("Resource",), arns[0] if len(arns) == 1 else arns)
