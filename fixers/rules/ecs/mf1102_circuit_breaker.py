"""MF1102: the deployment circuit breaker is on and rolls back (spec 11.2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document
from fixers.edits import set_property
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common
from fixers.rules.ecs.mf1101_deployment_settings import rolling


def _true(data: dict[str, Any], value: object) -> bool | None:
    """True/False for what the template deploys (a literal, a parameter's default, every branch
    agreeing), absent as False, None when it cannot be read."""
    if value is None:
        return False
    return values.as_bool(values.literal(data, value))


def _show(value: object) -> str:
    return (
        str(value).lower()
        if isinstance(value, bool)
        else "not set"
        if value is None
        else str(value)
    )


class CircuitBreaker(Rule):
    code = "MF1102"
    spec = ("11.2",)
    title = "Deployment circuit breaker off or without rollback"
    area = "ecs"
    kind = "hardening"
    severity = "low"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        Without the circuit breaker a deployment whose tasks never become healthy retries for
        hours and leaves the stack update hanging; with `Rollback: false` it stops the failed
        deployment but leaves the service on the broken revision. Enabled with rollback, ECS
        detects the failed deployment and returns to the last revision that worked.
    """
    bad = """
        DeploymentConfiguration:
          DeploymentCircuitBreaker:
            Enable: true
            Rollback: false
    """
    good = """
        DeploymentConfiguration:
          DeploymentCircuitBreaker:
            Enable: true
            Rollback: true
    """
    fix_safety = """
        Safe (update): the service's deployment configuration changes in place; it acts only on
        a failing deployment, which it rolls back to the last completed one.
    """
    notes = """
        Premise: a service that ECS deploys (rolling updates) without the breaker enabled with
        rollback, as the template writes it or its parameters default it. Kind `hardening`
        (AWS's deployment best practice), severity low: the harm is a failed deployment that
        lingers (a CloudFormation update waits for the service to stabilise, for up to hours,
        before it fails and rolls back itself), not lost or exposed data.

        The spec's "conditionally deployed": the circuit breaker is part of the service, so it is
        deployed exactly when the service is; once MF0503 has put the service under its deploy
        condition there is nothing more to condition. Only services deployed by ECS itself
        (rolling updates) are looked at: the circuit breaker does not apply to CodeDeploy or
        external controllers.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for sid, svc in common.services(data):
            if not rolling(data, svc):
                continue
            conf = cfn.props(svc).get("DeploymentConfiguration")
            if conf is not None and not isinstance(conf, dict):
                continue
            breaker = (conf or {}).get("DeploymentCircuitBreaker")
            if breaker is not None and not isinstance(breaker, dict):
                continue
            enable, rollback = (
                _true(data, (breaker or {}).get("Enable")),
                _true(data, (breaker or {}).get("Rollback")),
            )
            if None in (enable, rollback) or (enable and rollback):
                continue
            base = ("Resources", sid, "Properties", "DeploymentConfiguration")
            path = base + ("DeploymentCircuitBreaker",)
            state = (
                "absent"
                if breaker is None
                else f"Enable {_show(breaker.get('Enable'))}, Rollback {_show(breaker.get('Rollback'))}"
            )
            yield self.finding(
                path,
                f"ECS service {sid}'s deployment circuit breaker is {state}: "
                + (
                    "ECS stops a deployment whose tasks never become healthy but leaves the service on "
                    "that revision."
                    if enable
                    else "ECS keeps retrying a deployment whose tasks never become healthy instead of "
                    "stopping it and returning to the last working revision."
                ),
                Fix(
                    title="Set DeploymentCircuitBreaker Enable: true, Rollback: true",
                    args=(sid,),
                    impact="update",
                    impact_detail="service deployment configuration updated in place",
                ),
            )

    @staticmethod
    def apply(doc: Document, sid: str) -> None:
        path = ("DeploymentConfiguration", "DeploymentCircuitBreaker")
        for key in ("Enable", "Rollback"):
            set_property(doc, sid, path + (key,), True)
