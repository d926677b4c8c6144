"""IAM roles and their policies as the key fixes see them.

Questions: the template role a role ARN value names, the policy documents and statements that
apply to a role, whether a role's policies grant an action on a KMS key. Edits: putting
statements in a role's inline policy.
"""

from __future__ import annotations

from typing import Any

from fixers import cfn
from fixers.document import Document, EditError
from fixers.edits import add_statement

# -- questions ------------------------------------------------------------------------------


def role_of(data: dict[str, Any], value: Any) -> str | None:
    """The template ``AWS::IAM::Role`` a role ARN value (``Fn::GetAtt [Role, Arn]``, ``Ref``) names."""
    target = cfn.ref_target(value)
    if target and cfn.resources(data).get(target, {}).get("Type") == "AWS::IAM::Role":
        return target
    return None


def role_policy_documents(
    data: dict[str, Any], role: str, *, listed: bool = False
) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(path, policy document) of a role's inline policies and of the template policies attached
    to it (their ``Roles`` name it). ``listed`` adds the template's managed policies the role
    names in its ``ManagedPolicyArns``: what the role may do, for a rule that reads grants; a
    rule that edits what it reads leaves them out, since other roles may share them."""
    res = cfn.resources(data)
    out: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    arns = cfn.list_of(cfn.props(res.get(role, {})).get("ManagedPolicyArns"))
    named = {cfn.ref_target(cfn.unguarded(a)) for a in arns} if listed else set()
    for i, pol in enumerate(cfn.list_of(cfn.props(res.get(role, {})).get("Policies"))):
        if isinstance(pol, dict) and isinstance(pol.get("PolicyDocument"), dict):
            out.append(
                (
                    ("Resources", role, "Properties", "Policies", i, "PolicyDocument"),
                    pol["PolicyDocument"],
                )
            )
    for lid, pol in cfn.of_type(data, "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        p = cfn.props(pol)
        attached = lid in named or any(
            cfn.ref_target(r) == role for r in cfn.list_of(p.get("Roles"))
        )
        if attached and isinstance(p.get("PolicyDocument"), dict):
            out.append((("Resources", lid, "Properties", "PolicyDocument"), p["PolicyDocument"]))
    return out


def statements_of(policy: dict[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    """(index or None for a lone statement, statement) of a policy document."""
    st = policy.get("Statement")
    if isinstance(st, dict):
        return [(None, st)]
    return [(i, s) for i, s in enumerate(cfn.list_of(st)) if isinstance(s, dict)]


def all_statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements of a policy document, those under a condition
    (``Fn::If [condition, statement, AWS::NoValue]``) included: what it may grant."""
    st = policy.get("Statement")
    items = [st] if isinstance(st, dict) else cfn.list_of(st)
    return [
        s for s in (cfn.unguarded(x) for x in items) if isinstance(s, dict) and "Fn::If" not in s
    ]


def _action_matches(pattern: Any, action: str) -> bool:
    import fnmatch

    return isinstance(pattern, str) and fnmatch.fnmatchcase(action.lower(), pattern.lower())


def grants_action(statement: dict[str, Any], action: str) -> bool:
    return statement.get("Effect") == "Allow" and any(
        _action_matches(a, action) for a in cfn.list_of(statement.get("Action"))
    )


def resource_covers_key(resource: Any, key_id: str) -> bool:
    """Whether a statement's Resource names a key: ``*``, a ``key/*`` pattern, or the key itself."""
    for r in cfn.list_of(resource):
        if r == "*" or (isinstance(r, str) and r.endswith(":key/*")):
            return True
        if key_id in cfn.refs(r):
            return True
        if isinstance(r, dict) and "Fn::Sub" in r:
            t = r["Fn::Sub"][0] if isinstance(r["Fn::Sub"], list) else r["Fn::Sub"]
            if isinstance(t, str) and t.endswith(":key/*"):
                return True
    return False


def role_grants(data: dict[str, Any], role: str, action: str, key_id: str) -> bool:
    """Whether a role's policies in the template allow ``action`` on a key (conditions aside:
    a statement under the condition of a conditional key counts)."""
    for _, policy in role_policy_documents(data, role):
        for st in all_statements(policy):
            if grants_action(st, action) and resource_covers_key(st.get("Resource"), key_id):
                return True
    return False


# -- edits ----------------------------------------------------------------------------------


def add_role_statement(
    doc: Document, role: str, policy_name: str, statement: dict[str, Any]
) -> None:
    """Put a statement in the role's inline policy ``policy_name`` (made if missing).

    A statement with the same ``Sid`` in any inline policy of the role is replaced by this one
    (so a grant that must name one more key converges), under the condition it is under, if
    any; an equal one is left as it is.
    """
    for i, pol in enumerate(cfn.list_of(doc.get(("Resources", role, "Properties", "Policies")))):
        if not isinstance(pol, dict) or not isinstance(pol.get("PolicyDocument"), dict):
            continue
        for j, outer in statements_of(pol["PolicyDocument"]):
            st = cfn.unguarded(outer)
            if statement.get("Sid") is not None and st.get("Sid") == statement.get("Sid"):
                path: tuple[Any, ...] = (
                    "Resources",
                    role,
                    "Properties",
                    "Policies",
                    i,
                    "PolicyDocument",
                    "Statement",
                )
                if j is not None:
                    path += (j,)
                if st is not outer:
                    path += ("Fn::If", 1)
                from fixers.edits import set_value

                for k, v in statement.items():
                    if st.get(k) != v:
                        set_value(doc, path + (k,), v)
                return
    add_role_statements(doc, role, policy_name, [statement], replace_same_sid=False)


def add_role_statements(
    doc: Document,
    role: str,
    policy_name: str,
    statements: list[dict[str, Any]],
    replace_same_sid: bool = True,
) -> None:
    """``add_role_statement`` for several statements; a policy made for them gets them all in
    one edit."""
    if replace_same_sid:
        rest = []
        for statement in statements:
            if _has_same_sid(doc, role, statement):
                add_role_statement(doc, role, policy_name, statement)
            else:
                rest.append(statement)
        statements = rest
    if not statements:
        return
    policies = doc.get(("Resources", role, "Properties", "Policies"))
    from fixers.edits import _canonical_position

    ordered: list[dict[str, Any]] = []
    for st in statements:  # the order appending them one by one would give
        ordered.insert(_canonical_position(ordered, st), st)
    new_policy = {
        "PolicyName": policy_name,
        "PolicyDocument": {"Version": "2012-10-17", "Statement": ordered},
    }
    if policies is None:
        from fixers.edits import set_property

        set_property(doc, role, "Policies", [new_policy])
        return
    if not isinstance(policies, list):
        raise EditError(f"the Policies of {role} are not a list the fix can edit")
    for i, pol in enumerate(policies):
        if isinstance(pol, dict) and pol.get("PolicyName") == policy_name:
            path = ("Resources", role, "Properties", "Policies", i, "PolicyDocument")
            document = doc.get(path)
            if not isinstance(document, dict):
                raise EditError(
                    f"policy {policy_name} of {role} has no policy document the fix can edit"
                )
            for st in statements:
                add_statement(doc, path, st)
            return
    from fixers.edits import add_list_item

    add_list_item(doc, ("Resources", role, "Properties", "Policies"), new_policy)


def _has_same_sid(doc: Document, role: str, statement: dict[str, Any]) -> bool:
    sid = statement.get("Sid")
    if sid is None:
        return False
    for pol in cfn.list_of(doc.get(("Resources", role, "Properties", "Policies"))):
        if (
            isinstance(pol, dict)
            and isinstance(pol.get("PolicyDocument"), dict)
            and any(st.get("Sid") == sid for st in all_statements(pol["PolicyDocument"]))
        ):
            return True
    return False
