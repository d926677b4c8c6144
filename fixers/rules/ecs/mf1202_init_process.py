"""MF1202: containers run an init process (spec 12.2)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers import values
from fixers.document import Document
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common


class InitProcess(Rule):
    code = "MF1202"
    spec = ("12.2",)
    title = "Container runs without an init process"
    area = "ecs"
    kind = "convention"
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
        Premise: a Linux container whose `InitProcessEnabled` is unset or false in every case the
        template can deploy (a parameter is read as its default; an `Fn::If` true in one branch
        counts as enabled). Kind `convention`: an init process matters only for an application
        that does not handle signals or reap children as PID 1, which the template cannot show
        (nginx and most language runtimes' servers do); the platform runs one everywhere so that
        no service depends on it. Linux containers only (Windows containers do not support `LinuxParameters`).
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for c in common.containers(data, linux_only=True):
            linux = c.definition.get("LinuxParameters")
            if linux is not None and not isinstance(linux, dict):
                continue
            value = (linux or {}).get("InitProcessEnabled")
            if value is not None and any(
                values.as_bool(o.value) is not False for o in values.options(data, value)
            ):
                continue  # true, or true in some case, or not readable: not reported
            path = c.path + ("LinuxParameters", "InitProcessEnabled")
            yield self.finding(
                path,
                f"Container {c.label} of {c.task} runs without an init process (InitProcessEnabled is "
                + (
                    "false): the application is PID 1, which the kernel gives no default signal handling."
                    if value is not None
                    else "not set): the application is PID 1, which the kernel gives no default signal handling."
                ),
                Fix(
                    title=f"Set LinuxParameters.InitProcessEnabled: true on {c.label}",
                    action="set_value",
                    args=((*c.path, "LinuxParameters", "InitProcessEnabled"), True),
                    impact="revision",
                    impact_detail="new task definition revision, rolled out by a service deployment",
                ),
            )
