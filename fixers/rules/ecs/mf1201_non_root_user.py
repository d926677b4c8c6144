"""MF1201: containers run as a non-root user (spec 12.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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
    severity = "high"
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
        Fires when a Linux container has no `User`, or `root`/`0` (with any group). A `User` from
        a parameter is not guessed at. Windows containers are not looked at.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for c in common.containers(data, linux_only=True):
            user = c.definition.get("User")
            if not runs_as_root(user):
                continue
            path = c.path + ("User",)
            yield self.finding(
                path,
                f"Container {c.label} of {c.task} runs as "
                + (
                    f"root (User {user!r})."
                    if user is not None
                    else "the image's default user, usually root (no User)."
                ),
                Fix(
                    title=f"Run {c.label} as {USER}",
                    action="set_value",
                    args=((*c.path, "User"), USER),
                    impact="revision",
                    impact_detail="new task definition revision; the image must work as an unprivileged user",
                    applicability="unsafe",
                ),
            )
