"""MF1202: containers run an init process (spec 12.2)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers.document import Document
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common


class InitProcess(Rule):
    code = "MF1202"
    spec = ("12.2",)
    title = "Container runs without an init process"
    area = "ecs"
    severity = "low"
    fix_applicability = "safe"
    deploy_impact = "revision"
    why = """
        Without an init process the application is PID 1: the kernel does not apply default
        signal handlers to it, so the SIGTERM that ECS sends on scale-in and deployments may be
        ignored until SIGKILL 30 seconds later, cutting in-flight transactions, and zombie
        processes are never reaped. `InitProcessEnabled` runs a small init (tini) that forwards
        signals and reaps children.
    """
    bad = """
        ContainerDefinitions:
          - Name: transaction-processor
    """
    good = """
        ContainerDefinitions:
          - Name: transaction-processor
            LinuxParameters:
              InitProcessEnabled: true
    """
    fix_safety = """
        Safe (update): a new task definition revision, rolled out as a normal deployment; the
        application runs unchanged under the init process (supported by Fargate platform 1.4.0
        and the EC2 launch type).
    """
    notes = """
        Linux containers only (Windows containers do not support `LinuxParameters`). A value
        from a parameter or `Fn::If` is not guessed at.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for c in common.containers(data, linux_only=True):
            linux = c.definition.get("LinuxParameters")
            if linux is not None and not isinstance(linux, dict):
                continue
            value = (linux or {}).get("InitProcessEnabled")
            if (
                value is True
                or value == "true"
                or (value is not None and value is not False and value != "false")
            ):
                continue
            path = c.path + ("LinuxParameters", "InitProcessEnabled")
            yield self.finding(
                path,
                f"Container {c.label} of {c.task} runs without an init process (InitProcessEnabled is "
                + ("false)." if value is not None else "not set)."),
                Fix(
                    title=f"Set LinuxParameters.InitProcessEnabled: true on {c.label}",
                    action="set_value",
                    args=((*c.path, "LinuxParameters", "InitProcessEnabled"), True),
                    impact="revision",
                    impact_detail="new task definition revision, rolled out by a service deployment",
                ),
            )
