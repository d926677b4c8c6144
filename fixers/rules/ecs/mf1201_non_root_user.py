"""MF1201: containers run as a non-root user (spec 12.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import values
from fixers.document import Document
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common

USER = "1000:1000"


def runs_as_root(user: Any) -> bool | None:
    """True for no user or root, False for another user, None when it cannot be seen."""
    if user is None:
        return True
    if not isinstance(user, (str, int)) or isinstance(user, bool):
        return None
    name = str(user).split(":", 1)[0].strip()
    return name in ("root", "0", "")


class NonRootUser(Rule):
    code = "MF1201"
    spec = ("12.1",)
    title = "Container runs as root"
    area = "ecs"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "unsafe"
    deploy_impact = "revision"
    why = """
        A container without `User` runs as whatever the image says, usually root. A compromised
        processor running as root can read and change everything in the container, and any
        runtime escape starts with root's rights. The platform's requirements ask for non-root
        containers; the analysed template already has `User: '1000:1000'`, which the spec
        confirms is right, so this rule is silent there.
    """
    bad = """
        ContainerDefinitions:
          - Name: transaction-processor
            Image: !Ref ContainerImage
    """
    good = """
        ContainerDefinitions:
          - Name: transaction-processor
            Image: !Ref ContainerImage
            User: '1000:1000'
    """
    fix_safety = """
        Unsafe (update): it changes who the process runs as. An image that writes to
        root-owned paths, binds a port below 1024 or expects a named user fails at start; the
        new task definition revision is rolled out by a deployment (the circuit breaker rolls it
        back). Build the image with a matching unprivileged user (or set the one it defines).
    """
    notes = """
        Premise: a Linux container that sets no `User`, or whose `User` is `root`/`0` (with any
        group) as written, as a parameter defaults it, or in a branch of an `Fn::If`. Kind
        `hardening` (AWS Security Hub ECS.20, medium). Without `User` the truth depends on the
        image, which the template does not show: the finding stays at medium and says so. A
        `User` from a parameter or condition gets no automatic fix (change the parameter). Windows
        containers are not looked at.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for c in common.containers(data, linux_only=True):
            user = c.definition.get("User")
            path = c.path + ("User",)
            if user is None:
                message = (
                    f"Container {c.label} of {c.task} sets no User, so it runs as the user its image "
                    "defines, root unless the image says otherwise (the image's user is not in the "
                    "template)."
                )
            else:
                root = [
                    o
                    for o in values.options(data, user)
                    if o.known and not o.absent and runs_as_root(o.value)
                ]
                if not root:
                    continue
                source = "" if root[0].source == "literal" else f", the {root[0].source}"
                message = f"Container {c.label} of {c.task} runs as root (User {root[0].value!r}{source})."
            fixable = user is None or not isinstance(user, dict)
            yield self.finding(
                path,
                message,
                Fix(
                    title=f"Run {c.label} as {USER}",
                    action="set_value",
                    args=(path, USER),
                    impact="revision",
                    impact_detail="new task definition revision; the image must work as an unprivileged user",
                    applicability="unsafe",
                )
                if fixable
                else None,
            )
