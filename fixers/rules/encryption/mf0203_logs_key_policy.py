"""MF0203: the CloudWatch Logs statement of a key policy is bound to this account's log groups (spec 2.3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, iam, kms, kms_edits
from fixers.document import Document, EditError
from fixers.edits import set_value
from fixers.model import Finding, Fix
from fixers.rules import Rule

CONTEXT_KEY = "kms:EncryptionContext:aws:logs:arn"


def _has_context_condition(statement: dict[str, Any]) -> bool:
    cond = statement.get("Condition")
    if not isinstance(cond, dict):
        return False
    return any(
        isinstance(op, dict)
        and any(isinstance(k, str) and k.lower() == CONTEXT_KEY.lower() for k in op)
        for op in cond.values()
    )


def open_logs_statements(
    data: dict[str, Any], key_id: str
) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(path, statement) of the statements admitting CloudWatch Logs without the context condition."""
    policy = cfn.props(cfn.resources(data).get(key_id, {})).get("KeyPolicy")
    if not isinstance(policy, dict):
        return []
    base = ("Resources", key_id, "Properties", "KeyPolicy", "Statement")
    out = []
    for i, st in iam.statements_of(policy):
        if kms.admits_service(st, "logs") and not _has_context_condition(st):
            out.append((base if i is None else base + (i,), st))
    return out


class CloudWatchLogsKeyPolicy(Rule):
    code = "MF0203"
    spec = ("2.3",)
    title = "Key policy lets CloudWatch Logs use the key for any log group"
    area = "encryption"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        A key policy statement that admits the CloudWatch Logs service principal without a
        condition on `kms:EncryptionContext:aws:logs:arn` lets the service use the key for any
        log group, in any account, that names it: the key can be made to encrypt (and so to
        decrypt for) log groups the platform does not own (a confused deputy). CloudWatch Logs
        sends the log group's ARN as encryption context; binding it to this account and Region
        closes that.
    """
    bad = """
        - Sid: AllowCloudWatchLogsUse
          Effect: Allow
          Principal:
            Service: !Sub logs.${AWS::Region}.amazonaws.com
          Action: [kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey*, kms:Describe*]
          Resource: '*'
    """
    good = """
        - Sid: AllowCloudWatchLogsUse
          Effect: Allow
          Principal:
            Service: !Sub logs.${AWS::Region}.amazonaws.com
          Action: [kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey*, kms:Describe*]
          Resource: '*'
          Condition:
            ArnLike:
              kms:EncryptionContext:aws:logs:arn: !Sub arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*
    """
    fix_safety = """
        Safe (update). A key policy is updated in place. The condition admits every log group of
        this account and Region, so the log groups of the stack keep working; log groups of other
        accounts or Regions that used the key stop being able to (which is the point).
    """
    notes = """
        The condition is the one the CloudWatch Logs guide gives for a key used by the log groups
        of a whole account (`ArnLike`, `arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*`).
        A statement that already tests the encryption context (any operator, for example
        `ArnEquals` on one log group) is left alone.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for key_id, _ in cfn.of_type(data, kms.KEY_TYPE):
            found = open_logs_statements(data, key_id)
            if not found:
                continue
            sids = [
                st.get("Sid") or f"statement {p[-1] if isinstance(p[-1], int) else 0}"
                for p, st in found
            ]
            yield self.finding(
                ("Resources", key_id, "Properties", "KeyPolicy"),
                f"Key {key_id} lets CloudWatch Logs use it ({', '.join(map(str, sids))}) without the ArnLike "
                "condition on kms:EncryptionContext:aws:logs:arn that binds it to this account's log groups.",
                Fix(
                    title=f"Restrict the CloudWatch Logs statement of {key_id} to this account's log groups",
                    args=(key_id,),
                    impact="update",
                    impact_detail="key policy update in place",
                ),
            )

    def apply(self, doc: Document, key_id: str) -> None:
        found = open_logs_statements(doc.data, key_id)
        if not found:
            return
        value = kms_edits.LOGS_ARN_CONDITION["ArnLike"][CONTEXT_KEY]
        for path, st in found:
            cond = st.get("Condition")
            if cond is None:
                doc.set(
                    path + ("Condition",), {"ArnLike": {CONTEXT_KEY: value}}
                )  # last, as statements have it
            elif not isinstance(cond, dict):
                raise EditError(f"the condition of {'/'.join(map(str, path))} is not a mapping")
            elif isinstance(cond.get("ArnLike"), dict):
                set_value(doc, path + ("Condition", "ArnLike", CONTEXT_KEY), value)
            elif "ArnLike" in cond:
                raise EditError(
                    f"the ArnLike condition of {'/'.join(map(str, path))} is not a mapping"
                )
            else:
                set_value(doc, path + ("Condition", "ArnLike"), {CONTEXT_KEY: value})
