"""MF1437: a role may pass any role (iam:PassRole on ``*``)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document, EditError
from fixers.edits import set_value
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.beyond.mf1436_admin_policy import _wildcard, role_statements


def _actions(data: dict[str, Any], st: dict[str, Any]) -> list[str]:
    return [t.lower() for a in cfn.list_of(st.get("Action")) for t in values.texts(data, a)]


def passes_any_role(data: dict[str, Any], st: dict[str, Any]) -> bool:
    """An Allow of iam:PassRole (named or through a pattern narrower than ``iam:*``, which
    MF1436 reports) on ``*``, without an ``iam:PassedToService`` condition."""
    if st.get("Effect") != "Allow" or "NotResource" in st or "NotAction" in st:
        return False
    actions = _actions(data, st)
    if "*" in actions or "iam:*" in actions:
        return False
    if not any(fnmatch.fnmatchcase("iam:passrole", a) for a in actions):
        return False
    if "iam:passedtoservice" in str(st.get("Condition", "")).lower():
        return False
    return _wildcard(data, st.get("Resource"))


class PassAnyRole(Rule):
    code = "MF1437"
    spec = ()
    title = "Role may pass any role to a service (iam:PassRole on *)"
    area = "iam"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "unsafe"
    deploy_impact = "update"
    why = """
        `iam:PassRole` lets a principal hand a role to a service it configures: an ECS task
        definition, a Lambda function, an EC2 instance profile, a CloudFormation stack. On
        `Resource: '*'` it may hand over any role of the account, the administrator's included,
        and then act with it through that service: a privilege escalation path (checkov
        CKV_AWS_286, AWS IAM best practices: "grant least privilege", PassRole scoped to the
        roles and services it is for).
    """
    bad = """
        - Effect: Allow
          Action: iam:PassRole
          Resource: '*'
    """
    good = """
        - Effect: Allow
          Action: iam:PassRole
          Resource: !GetAtt TaskRole.Arn
          Condition:
            StringEquals: {iam:PassedToService: ecs-tasks.amazonaws.com}
    """
    fix_safety = """
        Unsafe (update). When the statement grants only `iam:PassRole` and the template defines
        other roles, the fix names them (`!GetAtt <Role>.Arn` each) instead of `*`: the policy
        changes in place, and passing a role defined outside the template (another stack's,
        one made by hand) is then denied. Where the statement also grants other actions, or the
        template defines no other role, there is no fix: name the roles (and add an
        `iam:PassedToService` condition) by hand.
    """
    notes = """
        Premise: an Allow statement of a template role's policy (inline, or a template policy
        attached to it) whose actions include `iam:PassRole` (named or through a pattern such
        as `iam:Pass*`) on `*`, without an `iam:PassedToService` condition. `*` and `iam:*` on
        `*` are MF1436's. Policies of users and groups are not read.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        roles = [lid for lid, _ in cfn.of_type(data, "AWS::IAM::Role")]
        for lid in roles:
            for path, st in role_statements(data, lid):
                if not passes_any_role(data, st):
                    continue
                others = [r for r in roles if r != lid]
                only_pass = all(fnmatch.fnmatchcase("iam:passrole", a) for a in _actions(data, st))
                fix = None
                if others and only_pass:
                    fix = Fix(
                        f"Let {lid} pass only the template's roles ({', '.join(others)})",
                        action="narrow",
                        args=(path, tuple(others)),
                        impact="update",
                        impact_detail=(
                            "the policy changes in place; passing a role defined outside the "
                            "template is denied"
                        ),
                        applicability="unsafe",
                    )
                yield self.finding(
                    path + ("Resource",),
                    f"Role {lid} may pass any role of the account (iam:PassRole on '*') to a "
                    "service it configures, an administrator role included.",
                    fix,
                )

    @staticmethod
    def narrow(doc: Document, path: tuple[Any, ...], roles: tuple[str, ...]) -> None:
        if not isinstance(doc.get(path), dict):
            raise EditError("the statement is gone")
        value = [{"Fn::GetAtt": [r, "Arn"]} for r in roles]
        set_value(doc, path + ("Resource",), value[0] if len(value) == 1 else value)
