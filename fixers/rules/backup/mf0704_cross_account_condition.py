"""MF0704: cross-account backup replication exists only when a backup account is given (spec 7.4)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from fixers import cfn, kms, kms_edits, values
from fixers.document import Document, EditError
from fixers.edits import set_resource_attribute
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.backup import common as bk

IAM_TYPES = ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
KEY_SIDS = ("AllowBackupAccountUseOfDatabaseKey", "AllowBackupAccountGrantsOnDatabaseKey")
KEY_USE_ACTIONS = ("kms:Decrypt", "kms:DescribeKey")
KEY_GRANT_ACTIONS = ("kms:CreateGrant",)


def _guards(data: dict[str, Any], param: str) -> tuple[set[str], set[str]]:
    """Conditions that hold only when ``param`` is set (``!Not [!Equals [!Ref param, '']]``)
    and those that hold only when it is empty (``!Equals [!Ref param, '']``)."""
    set_when, empty_when = set(), set()
    for name, body in cfn.section(data, "Conditions").items():
        if bk._is_not_empty(body, param):
            set_when.add(name)
        elif isinstance(body, dict) and list(body) == ["Fn::Equals"]:
            args = body["Fn::Equals"]
            if (
                isinstance(args, list)
                and len(args) == 2
                and (args == [{"Ref": param}, ""] or args == ["", {"Ref": param}])
            ):
                empty_when.add(name)
    return set_when, empty_when


def unguarded(data: dict[str, Any], value: Any, param: str) -> bool:
    """Whether ``value`` uses ``param`` where it may be empty: a ``Ref`` or an ``Fn::Sub``
    variable outside an ``Fn::If`` branch taken only when ``param`` is set. A destination
    ``!Sub [arn:...:${TargetAccount}:..., {TargetAccount: !If [HasDrAccount, !Ref DrAccount,
    !Ref AWS::AccountId]}]`` falls back to this account when the parameter is empty: guarded."""
    set_when, empty_when = _guards(data, param)

    def walk(v: Any) -> bool:
        if isinstance(v, list):
            return any(walk(x) for x in v)
        if not isinstance(v, dict):
            return False
        if len(v) == 1:
            ((key, arg),) = v.items()
            if key == "Ref":
                return arg == param
            if key == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
                condition, when_true, when_false = arg
                if condition in set_when:
                    return walk(when_false)
                if condition in empty_when:
                    return walk(when_true)
                return walk(when_true) or walk(when_false)
            if key == "Fn::Sub":
                parsed = values.sub_parts(arg)
                variables = parsed[1] if parsed else {}
                used = {n.split(".", 1)[0] for n in values.sub_names(v)}
                if param in used and param not in variables:
                    return True
                return walk(variables)
        return any(walk(x) for x in v.values())

    return walk(value)


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
                and unguarded(data, st, param)
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
        if cond is None and unguarded(data, action, param)
    ]


def _copy_words(data: dict[str, Any], path: tuple[Any, ...]) -> str:
    """A copy action in words: its plan, its rule and its destination."""
    plan = path[1]
    rule_path = path[: path.index("CopyActions")]
    rule = data
    for step in rule_path:
        rule = rule[step]
    name = rule.get("RuleName") if isinstance(rule, dict) else None
    action = data
    for step in path:
        action = action[step]
    dest = action.get("DestinationBackupVaultArn") if isinstance(action, dict) else None
    if isinstance(dest, dict) and list(dest) == ["Fn::Sub"]:
        arg = dest["Fn::Sub"]
        dest = arg[0] if isinstance(arg, list) and arg else arg
    where = f" into {dest}" if isinstance(dest, str) else ""
    return f"the copy{where} of {plan}" + (f" (rule {name})" if isinstance(name, str) else "")


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


def _default_text(data: dict[str, Any], param: str) -> str:
    definition = cfn.section(data, "Parameters").get(param)
    default = definition.get("Default") if isinstance(definition, dict) else None
    return "none" if default is None else repr(default)


def _statements(value: Any) -> Iterator[dict[str, Any]]:
    """The statements of a statement list, looking inside ``Fn::If`` wrappers (either branch)."""
    for item in cfn.list_of(value):
        if isinstance(item, dict) and list(item) == ["Fn::If"]:
            args = item["Fn::If"]
            if isinstance(args, list) and len(args) == 3:
                yield from (b for b in args[1:] if isinstance(b, dict) and b != bk.NO_VALUE)
        elif isinstance(item, dict):
            yield item


def key_grants(data: dict[str, Any], key: str, param: str) -> set[str]:
    """The actions a cross-account copy needs that the key's policy already allows the backup
    account, under whatever Sid (or none), conditional or not: statements that allow a
    principal built from ``param`` actions matching ``kms:Decrypt``, ``kms:DescribeKey`` or
    ``kms:CreateGrant`` (``kms:*`` and other wildcards included)."""
    policy = cfn.props(cfn.resources(data).get(key) or {}).get("KeyPolicy")
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    granted: set[str] = set()
    for st in _statements(statements):
        if st.get("Effect") != "Allow" or param not in cfn.refs(st.get("Principal")):
            continue
        patterns = [a.lower() for a in cfn.list_of(st.get("Action")) if isinstance(a, str)]
        for needed in KEY_USE_ACTIONS + KEY_GRANT_ACTIONS:
            if any(fnmatch.fnmatchcase(needed.lower(), p) for p in patterns):
                granted.add(needed)
    return granted


def _key_statement_gaps(
    data: dict[str, Any], param: str, condition: str | None
) -> list[tuple[str, tuple[Any, ...]]]:
    """Key policy statements that name the backup account outside the condition (a principal
    of an empty account is refused): (key, path of the statement) to wrap."""
    gaps: list[tuple[str, tuple[Any, ...]]] = []
    for lid, res in cfn.of_type(data, "AWS::KMS::Key"):
        policy = cfn.props(res).get("KeyPolicy")
        statements = policy.get("Statement") if isinstance(policy, dict) else None
        if not isinstance(statements, list):
            continue
        crossing = [
            i
            for i, st in enumerate(statements)
            if isinstance(st, dict) and list(st) != ["Fn::If"] and unguarded(data, st, param)
        ]
        if crossing and len(crossing) < len(statements):  # a policy needs a statement left
            path = ("Resources", lid, "Properties", "KeyPolicy", "Statement")
            gaps.extend((lid, path + (i,)) for i in crossing)
    return gaps


def _key_gap(data: dict[str, Any], param: str, condition: str | None) -> bool:
    needed, key = _database_key(data)
    if not needed:
        return False
    if key is None:
        return True
    return not set(KEY_USE_ACTIONS + KEY_GRANT_ACTIONS) <= key_grants(data, key, param)


class CrossAccountCondition(Rule):
    code = "MF0704"
    spec = ("7.4",)
    title = "Cross-account backup replication does not depend on a backup account being given"
    area = "backup"
    kind = "defect"
    severity = "medium"
    fix_applicability = "unsafe"
    deploy_impact = "deletion"
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
        Safe (update) when the fix puts only IAM statements and key-policy statements under the
        condition: with the account given, the deployed permissions are what they were, plus the
        key statements; with it empty, the statements that named no account (and so granted
        nothing; a key policy refuses such a principal) are left out. The key policy statements
        grant the backup account only what a cross-account copy needs, and only when the account
        is given. When the database has no customer-managed key yet, `DatabaseKMSKey` is added
        for it (MF0202 then points the cluster at it). A database key from outside the template
        (a parameter, an import) is not edited: its policy lives elsewhere.

        Unsafe (deletion) when it puts a copy action (or a whole `AWS::IAM::Policy`) under the
        condition: with the account empty the copy is removed from the plan and no copy is
        made; the fix names each copy (plan, rule, destination) it removes that way.
    """
    notes = """
        Not reported, because nothing in them assumes the account is set:

        - a reference to the account inside an `Fn::If` branch that is taken only when the
          account is given, under any name of that condition, including inside an `Fn::Sub`
          variable map: a destination `!Sub [arn:...:${TargetAccount}:backup-vault:...,
          {TargetAccount: !If [HasDrAccount, !Ref DrAccount, !Ref AWS::AccountId]}]` falls back
          to a copy in this account (a same-account cross-Region copy) and stays as it is,
          instead of being put under the condition, which removed that copy and left an
          `Fn::If` whose other branch cannot be reached (cfn-lint W1028);
        - key-policy grants to the backup account under any Sid (or none), conditional or not,
          whose actions cover `kms:Decrypt`, `kms:DescribeKey` and `kms:CreateGrant`
          (wildcards such as `kms:*` count): the fix adds only the statements for what is not
          granted yet, instead of a duplicate grant under its own Sid. An unconditional grant to
          the backup account is a gap like an IAM statement: it is put under the condition.

        Why a wrapped copy is a deletion: "You can use the AWS::NoValue pseudo parameter as a
        return value to remove the corresponding property" (CloudFormation User Guide, condition
        functions, `Fn::If`); with the account empty the copy action is not in the plan at all.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        param = bk.account_parameter(data)
        if param is None:
            return
        condition = bk.not_empty_condition(data, param)
        statement_gaps = _statement_gaps(data, param, condition)
        what = [g[3] for g in statement_gaps]
        key_statements_gaps = _key_statement_gaps(data, param, condition)
        what += [f"a statement of the key policy of {lid}" for lid, _ in key_statements_gaps]
        copies = _copy_gaps(data, param, condition)
        if copies:
            what.append(f"{len(copies)} copy action{'s' if len(copies) > 1 else ''}")
        if _key_gap(data, param, condition):
            what.append("the database key's policy")
        if not what:
            return
        removed = [f"{_copy_words(data, path)} is removed: no copy is made" for path in copies]
        removed += [
            f"{lid} ({cfn.resources(data)[lid].get('Type')}) is deleted"
            for lid, path, _, _ in statement_gaps
            if path == ("Resources", lid)
        ]
        if removed:
            fix = Fix(
                title="Add HasBackupAccount and put the cross-account statements, copies and key access under it",
                args=(param,),
                impact="deletion",
                impact_detail=(
                    f"with {param} empty (its default is {_default_text(data, param)}), "
                    f"{'; '.join(removed)}"
                ),
            )
        else:
            fix = Fix(
                title="Add HasBackupAccount and put the cross-account statements, copies and key access under it",
                args=(param,),
                impact="update",
                impact_detail=(
                    "IAM policies and the key policy are updated in place: the statements that "
                    "name the backup account apply only when it is given (with it empty they "
                    "named no account, and granted nothing)"
                ),
            )
        yield self.finding(
            ("Parameters", param),
            f"{param} may be empty, but {', '.join(what)} assume a backup account: "
            f"put them under a condition that {param} is set.",
            fix,
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
        for _, path in reversed(_key_statement_gaps(doc.data, param, condition)):
            bk.wrap(doc, path, condition)
        needed, key = _database_key(doc.data)
        if not needed:
            return
        if key is None:
            key = kms_edits.ensure_database_key(doc)
        path = ("Resources", key, "Properties", "KeyPolicy", "Statement")
        if not isinstance(doc.get(path), list):
            raise EditError(f"the key policy of {key} is not a statement list the fix can edit")
        granted = key_grants(doc.data, key, param)
        for statement, actions in zip(
            key_statements(param, condition), (KEY_USE_ACTIONS, KEY_GRANT_ACTIONS), strict=True
        ):
            if set(actions) <= granted:
                continue  # granted already, under whatever Sid
            current = doc.get(path)
            if _sid(statement) in {_sid(s) for s in current}:
                raise EditError(
                    f"the key policy of {key} has a statement {_sid(statement)} that does not "
                    f"grant {', '.join(actions)} to the backup account"
                )
            doc.append(path, statement, rank=_own_rank)
