"""MF0704: cross-account backup replication exists only when a backup account is given (spec 7.4)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, kms, kms_edits
from fixers.document import Document, EditError
from fixers.edits import set_resource_attribute
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.backup import common as bk

IAM_TYPES = ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
KEY_SIDS = ("AllowBackupAccountUseOfDatabaseKey", "AllowBackupAccountGrantsOnDatabaseKey")


def key_statements(param: str, condition: str) -> list[dict[str, Any]]:
    principal = {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${" + param + "}:root"}}
    use = {
        "Sid": KEY_SIDS[0],
        "Effect": "Allow",
        "Principal": principal,
        "Action": ["kms:Decrypt", "kms:DescribeKey"],
        "Resource": "*",
    }
    grants = {
        "Sid": KEY_SIDS[1],
        "Effect": "Allow",
        "Principal": principal,
        "Action": "kms:CreateGrant",
        "Resource": "*",
        "Condition": {"Bool": {"kms:GrantIsForAWSResource": True}},
    }
    return [{"Fn::If": [condition, s, bk.NO_VALUE]} for s in (use, grants)]


def _sid(item: Any) -> Any:
    """Rank of a statement by its Sid, looking inside an Fn::If wrapper."""
    if isinstance(item, dict) and list(item) == ["Fn::If"]:
        args = item["Fn::If"]
        item = args[1] if isinstance(args, list) and len(args) == 3 else None
    sid = item.get("Sid") if isinstance(item, dict) else None
    return sid if isinstance(sid, str) else None


def _own_rank(item: Any) -> Any:
    """Rank among this rule's key statements only: they go after the policy's own, in Sid order."""
    sid = _sid(item)
    return sid if sid in KEY_SIDS else None


def _policy_docs(
    res_id: str, res: dict[str, Any]
) -> Iterator[tuple[tuple[Any, ...], Any, tuple[Any, ...] | None]]:
    """(policy document path, document, path of the Policies item that holds it or None)."""
    p = cfn.props(res)
    base = ("Resources", res_id, "Properties")
    if res.get("Type") == "AWS::IAM::Role":
        for i, item in enumerate(
            cfn.list_of(p.get("Policies")) if isinstance(p.get("Policies"), list) else []
        ):
            if isinstance(item, dict) and isinstance(item.get("PolicyDocument"), dict):
                yield (
                    base + ("Policies", i, "PolicyDocument"),
                    item["PolicyDocument"],
                    base + ("Policies", i),
                )
    elif isinstance(p.get("PolicyDocument"), dict):
        yield base + ("PolicyDocument",), p["PolicyDocument"], None


def _policy_name(res: dict[str, Any], index: int) -> str:
    name = cfn.props(res)["Policies"][index].get("PolicyName")
    return name if isinstance(name, str) else str(index)


def _statement_gaps(
    data: dict[str, Any], param: str, condition: str | None
) -> list[tuple[str, tuple[Any, ...], bool, str]]:
    """Policies or statements that speak of the backup account outside the condition:
    (resource, path to wrap, whole policy?, what)."""
    gaps = []
    for lid, res in cfn.of_type(data, *IAM_TYPES):
        if condition and res.get("Condition") == condition:
            continue
        for doc_path, pdoc, item_path in _policy_docs(lid, res):
            statements = pdoc.get("Statement")
            if not isinstance(statements, list):
                statements = [statements] if isinstance(statements, dict) else []
            crossing = [
                i
                for i, st in enumerate(statements)
                if isinstance(st, dict)
                and param in cfn.refs(st)
                and not (condition and bk.under_condition(st, condition) is not None)
                and list(st) != ["Fn::If"]
            ]
            if not crossing:
                continue
            plain = [st for st in statements if isinstance(st, dict) and list(st) != ["Fn::If"]]
            if len(crossing) == len(plain) == len(statements):
                if item_path is not None:
                    gaps.append(
                        (
                            lid,
                            item_path,
                            True,
                            f"policy {_policy_name(res, item_path[-1])} of {lid}",
                        )
                    )
                elif not cfn.referrers(data, lid):
                    gaps.append((lid, ("Resources", lid), True, f"policy {lid}"))
                continue
            if not isinstance(pdoc.get("Statement"), list):
                continue
            for i in crossing:
                gaps.append((lid, doc_path + ("Statement", i), False, f"a statement of {lid}"))
    return gaps


def _copy_gaps(data: dict[str, Any], param: str, condition: str | None) -> list[tuple[Any, ...]]:
    return [
        path
        for path, action, cond in bk.copy_actions(data)
        if param in cfn.refs(action) and cond is None
    ]


def _database_key(data: dict[str, Any]) -> tuple[bool, str | None]:
    """(the template has a database whose key the backup account needs, the template key or None).
    A database whose key comes from outside the template needs nothing here."""
    dbs = cfn.of_type(data, "AWS::RDS::DBCluster") or [
        (lid, r)
        for lid, r in cfn.of_type(data, "AWS::RDS::DBInstance")
        if "DBClusterIdentifier" not in cfn.props(r)
    ]
    if not dbs or not cfn.of_type(data, "AWS::Backup::BackupPlan"):
        return False, None
    for _, db in dbs:
        value = cfn.props(db).get("KmsKeyId")
        if value is not None:
            key = kms.referenced_key(data, value)
            return (True, key) if key else (False, None)
    found = kms._keys_used_via(data, "rds")
    return True, (found[0] if found else None)


def _key_gap(data: dict[str, Any], param: str, condition: str | None) -> bool:
    needed, key = _database_key(data)
    if not needed:
        return False
    if key is None:
        return True
    sids = {
        _sid(s)
        for s in cfn.list_of(
            (cfn.props(cfn.resources(data)[key]).get("KeyPolicy") or {}).get("Statement")
        )
    }
    return not set(KEY_SIDS) <= sids


class CrossAccountCondition(Rule):
    code = "MF0704"
    spec = ("7.4",)
    title = "Cross-account backup replication does not depend on a backup account being given"
    area = "backup"
    severity = "medium"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        The backup account parameter may be left empty (no disaster-recovery account yet, a test
        stack), but the template grants and copies as if it were always set: IAM statements on
        `arn:...:${BackupAccountId}:...` with an empty account, a copy action into a vault of no
        account. The fix adds `HasBackupAccount: !Not [!Equals [!Ref BackupAccountId, '']]`
        (or reuses the template's condition of the same meaning, whatever its name) and puts under
        it, with `!If [HasBackupAccount, ..., !Ref AWS::NoValue]`:

        - the cross-account IAM statements: a policy whose every statement is cross-account is
          made conditional as a whole (a policy left with an empty `Statement` list is invalid
          in IAM); mixed policies get each cross-account statement wrapped;
        - the copy actions into the backup account's vault (a copy into a vault of this account
          stays unconditional);
        - two statements in the database key's policy that let the backup account use the key:
          `kms:Decrypt` and `kms:DescribeKey`, and `kms:CreateGrant` only for AWS resources
          (`kms:GrantIsForAWSResource`). AWS Backup cannot copy RDS or Aurora recovery points
          encrypted with the AWS managed `aws/rds` key to another account at all; with a
          customer-managed key, the destination account must be allowed to use it.
    """
    bad = """
        Parameters:
          BackupAccountId: {Type: String, Default: ''}
        Resources:
          BackupReplicationRole:
            Properties:
              Policies:
                - PolicyName: CrossAccountBackupCopy
                  PolicyDocument:
                    Statement:
                      - Effect: Allow
                        Action: backup:CopyIntoBackupVault
                        Resource: !Sub arn:${AWS::Partition}:backup:${AWS::Region}:${BackupAccountId}:backup-vault:*
    """
    good = """
        Conditions:
          HasBackupAccount: !Not [!Equals [!Ref BackupAccountId, '']]
        Resources:
          BackupReplicationRole:
            Properties:
              Policies:
                - !If
                  - HasBackupAccount
                  - PolicyName: CrossAccountBackupCopy
                    PolicyDocument: ...
                  - !Ref AWS::NoValue
    """
    fix_safety = """
        Safe (update). With the account given, the deployed permissions and copies are what they
        were, plus the key statements; with it empty, statements that named no account and copies
        into no vault disappear. The key policy statements grant the backup account only what a
        cross-account copy needs, and only when the account is given. When the database has no
        customer-managed key yet, `DatabaseKMSKey` is added for it (MF0202 then points the
        cluster at it). A database key from outside the template (a parameter, an import) is not
        edited: its policy lives elsewhere.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        param = bk.account_parameter(data)
        if param is None:
            return
        condition = bk.not_empty_condition(data, param)
        what = [g[3] for g in _statement_gaps(data, param, condition)]
        copies = _copy_gaps(data, param, condition)
        if copies:
            what.append(f"{len(copies)} copy action{'s' if len(copies) > 1 else ''}")
        if _key_gap(data, param, condition):
            what.append("the database key's policy")
        if not what:
            return
        yield self.finding(
            ("Parameters", param),
            f"{param} may be empty, but {', '.join(what)} assume a backup account: "
            f"put them under a condition that {param} is set.",
            Fix(
                title="Add HasBackupAccount and put the cross-account statements, copies and key access under it",
                args=(param,),
                impact="update",
                impact_detail="IAM policies, the backup plan and the key policy are updated in place",
            ),
        )

    @staticmethod
    def apply(doc: Document, param: str) -> None:
        condition = bk.ensure_not_empty_condition(doc, param, bk.ACCOUNT_CONDITION)
        # Innermost first, from the end: wrapping changes no earlier index.
        for lid, path, _whole, _ in reversed(_statement_gaps(doc.data, param, condition)):
            if path == ("Resources", lid):
                set_resource_attribute(doc, lid, "Condition", condition)
            else:
                bk.wrap(doc, path, condition)
        for path in _copy_gaps(doc.data, param, condition):
            bk.wrap(doc, path, condition)
        needed, key = _database_key(doc.data)
        if not needed:
            return
        if key is None:
            key = kms_edits.ensure_database_key(doc)
        path = ("Resources", key, "Properties", "KeyPolicy", "Statement")
        if not isinstance(doc.get(path), list):
            raise EditError(f"the key policy of {key} is not a statement list the fix can edit")
        for statement in key_statements(param, condition):
            current = doc.get(path)
            if _sid(statement) in {_sid(s) for s in current}:
                continue
            doc.append(path, statement, rank=_own_rank)
