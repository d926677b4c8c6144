"""MF0507: the container has a health check of its own (spec 5.7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common

# ECS limits: Interval 5-300, Timeout 2-60, Retries 1-10, StartPeriod 0-300 (aws-notes §11).
INTERVAL, TIMEOUT, RETRIES, START_PERIOD = 30, 5, 3, 60


def health_check(
    data: dict[str, Any], container: common.Container
) -> tuple[dict[str, Any] | None, str]:
    """The curl health check for a load-balanced container, from its target group's path, or
    None and why the command cannot be known."""
    entry = common.balanced_entry(data, container)
    if entry is None:
        return None, "no load balancer of its service sends traffic to it"
    arn = entry.get("TargetGroupArn")
    tg = cfn.resources(data).get(cfn.ref_target(arn) or "")
    if tg is None or tg.get("Type") != common.TARGET_GROUP:
        return None, "its target group is not in this template"
    p = cfn.props(tg)
    protocol = values.literal(data, p.get("HealthCheckProtocol", p.get("Protocol", "HTTP")))
    if protocol not in ("HTTP", "HTTPS"):
        return None, "its target group does not check it over HTTP"
    path = values.literal(data, p.get("HealthCheckPath", "/"))
    if not isinstance(path, str) or not path.startswith("/"):
        return None, "the target group's health-check path cannot be read"
    raw_port = p.get("HealthCheckPort", "traffic-port")
    port: Any = common.number(data, raw_port)
    if port is None:
        if values.literal(data, raw_port) != "traffic-port":
            return None, "the target group's health-check port cannot be read"
        port = entry.get("ContainerPort")
    scheme, flags = ("https", "-fsk") if protocol == "HTTPS" else ("http", "-f")
    command: Any
    if common.written_number(port) is not None:
        command = f"curl {flags} {scheme}://localhost:{common.written_number(port)}{path} || exit 1"
    elif isinstance(port, dict) and list(port) == ["Ref"] and isinstance(port["Ref"], str):
        command = {
            "Fn::Sub": f"curl {flags} {scheme}://localhost:${{{port['Ref']}}}{path} || exit 1"
        }
    else:
        return None, "the container port cannot be read"
    check = {
        "Command": ["CMD-SHELL", command],
        "Interval": INTERVAL,
        "Timeout": TIMEOUT,
        "Retries": RETRIES,
        "StartPeriod": START_PERIOD,
    }
    return check, ""


class ContainerHealthCheck(Rule):
    code = "MF0507"
    spec = ("5.7",)
    title = "Container has no health check"
    area = "ecs"
    kind = "hardening"
    severity = "low"
    fix_applicability = "unsafe"
    deploy_impact = "revision"
    why = """
        Without a container health check ECS knows only whether the process runs. A processor
        that is up but wedged (deadlocked, lost its database pool) keeps running until the load
        balancer notices, and not at all where no load balancer looks. A `HealthCheck` lets ECS
        replace the task itself, and lets the deployment circuit breaker judge new tasks.
    """
    bad = """
        ContainerDefinitions:
          - Name: transaction-processor
            PortMappings:
              - ContainerPort: 8080
    """
    good = """
        ContainerDefinitions:
          - Name: transaction-processor
            HealthCheck:
              Command: [CMD-SHELL, curl -f http://localhost:8080/health || exit 1]
              Interval: 30
              Timeout: 5
              Retries: 3
              StartPeriod: 60
    """
    fix_safety = """
        Unsafe (update). The command probes the load balancer's health-check path on the port
        the target group checks, with the spec's curl. It assumes `curl` is in the image and the
        application answers that path on localhost: a distroless or Alpine image without curl
        fails every check and ECS kills healthy tasks. The new task definition revision rolls out
        as a normal deployment. Values stay inside ECS's limits (interval 5-300, timeout 2-60,
        retries 1-10, start period 0-300).
    """
    notes = """
        Premise: an essential container of a service has no `HealthCheck`. Essential
        containers only (a sidecar's failure does not stop the task). The container behind the
        service's target group is found by its `ContainerName`, written as a literal, a
        parameter or an `Fn::If` of names; containers inside `Fn::If` are named by their name.
        Where the container is not behind an HTTP target group of the template the path cannot
        be known: the finding has no automatic fix and its message says why.

        No longer reported: a container said to be "not behind an HTTP target group" when its
        service names it through `ContainerName: !If [...]` (it is, and now gets the fix).
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for c in common.containers(data):
            if not common.essential(data, c) or "HealthCheck" in c.definition:
                continue
            check, why_not = health_check(data, c)
            fix = None
            if check is not None:
                command = check["Command"][1]
                fix = Fix(
                    title=f"Add a HealthCheck: {command if isinstance(command, str) else command['Fn::Sub']}",
                    action="set_value",
                    args=((*c.path, "HealthCheck"), check),
                    impact="revision",
                    impact_detail="new task definition revision, rolled out by a service deployment; needs curl in the image",
                    applicability="unsafe",
                )
            yield self.finding(
                c.path,
                f"Container {c.label} of {c.task} (service {c.service}) has no HealthCheck: ECS sees only "
                "whether its process runs."
                + ("" if fix else f" The check command is not guessed: {why_not}."),
                fix,
            )
