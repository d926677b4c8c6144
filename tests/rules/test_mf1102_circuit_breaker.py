"""MF1102: circuit breaker enabled with rollback (spec 11.2)."""

from __future__ import annotations

import json

from tests.helpers import codes, findings, fix_text, fixture

BASE = fixture("ecs-service.yaml")

FIXED = BASE.replace(
    "      TaskDefinition: !Ref Task\n",
    "      DeploymentConfiguration:\n        DeploymentCircuitBreaker:\n          Enable: true\n          Rollback: true\n"
    "      TaskDefinition: !Ref Task\n",
)


def test_fires_without_circuit_breaker() -> None:
    (finding,) = findings(BASE, ["MF1102"])
    assert finding.path == (
        "Resources",
        "Svc",
        "Properties",
        "DeploymentConfiguration",
        "DeploymentCircuitBreaker",
    )
    assert "absent" in finding.message and finding.fix.safe


def test_fix() -> None:
    assert fix_text(BASE, ["MF1102"]) == FIXED


def test_silent_when_on_or_not_an_ecs_deployment() -> None:
    assert codes(FIXED, ["MF1102"]) == []
    external = BASE.replace(
        "      TaskDefinition: !Ref Task\n",
        "      TaskDefinition: !Ref Task\n      DeploymentController:\n        Type: EXTERNAL\n",
    )
    assert external != BASE and codes(external, ["MF1102"]) == []


def test_json_rollback_false_is_turned_on() -> None:
    data = {
        "Resources": {
            "S": {
                "Type": "AWS::ECS::Service",
                "Properties": {
                    "DeploymentConfiguration": {
                        "DeploymentCircuitBreaker": {"Enable": True, "Rollback": False}
                    }
                },
            }
        }
    }
    text = json.dumps(data, indent=2) + "\n"
    (finding,) = findings(text, ["MF1102"])
    assert "Enable true, Rollback false" in finding.message
    data["Resources"]["S"]["Properties"]["DeploymentConfiguration"]["DeploymentCircuitBreaker"][
        "Rollback"
    ] = True
    assert fix_text(text, ["MF1102"]) == json.dumps(data, indent=2) + "\n"
