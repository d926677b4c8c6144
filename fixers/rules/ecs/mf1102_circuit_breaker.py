"""MF1102: the deployment circuit breaker is on and rolls back (spec 11.2)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers import cfn
from fixers.document import Document
from fixers.edits import set_property
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common
from fixers.rules.ecs.mf1101_deployment_settings import rolling


def _true(value: object) -> bool | None:
    if value is True or value == "true":
        return True
    if value is None or value is False or value == "false":
        return False
    return None  # not a literal: not guessed at


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
    severity = "medium"
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
        The spec's "conditionally deployed": the circuit breaker is part of the service, so it is
        deployed exactly when the service is; once MF0503 has put the service under its deploy
        condition there is nothing more to condition. Only services deployed by ECS itself
        (rolling updates) are looked at: the circuit breaker does not apply to CodeDeploy or
        external controllers.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for sid, svc in common.services(data):
            if not rolling(svc):
                continue
            conf = cfn.props(svc).get("DeploymentConfiguration")
            if conf is not None and not isinstance(conf, dict):
                continue
            breaker = (conf or {}).get("DeploymentCircuitBreaker")
            if breaker is not None and not isinstance(breaker, dict):
                continue
            enable, rollback = (
                _true((breaker or {}).get("Enable")),
                _true((breaker or {}).get("Rollback")),
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
                f"ECS service {sid}'s deployment circuit breaker is {state}: a failed deployment is not rolled back.",
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
