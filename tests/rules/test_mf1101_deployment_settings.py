"""MF1101: grace period 180 s, minimum healthy 50% (spec 11.1)."""

from __future__ import annotations

import json

from tests.helpers import codes, findings, fix_text, fixture

BASE = fixture("ecs-service.yaml")

FIXED = BASE.replace(
    "      TaskDefinition: !Ref Task\n      HealthCheckGracePeriodSeconds: 30  # too short\n",
    "      DeploymentConfiguration:\n        MinimumHealthyPercent: 50\n"
    "      TaskDefinition: !Ref Task\n      HealthCheckGracePeriodSeconds: 180  # too short\n",
)


def test_fires_on_short_grace_and_default_minimum_healthy() -> None:
    grace, minimum = sorted(findings(BASE, ["MF1101"]), key=lambda f: f.path[-1])
    assert grace.path[-1] == "HealthCheckGracePeriodSeconds" and grace.fix.safe
    assert minimum.path[-1] == "MinimumHealthyPercent" and not minimum.fix.safe
    assert "rolling updates work" in minimum.message  # MaximumPercent 200 (default) leaves room


def test_fix() -> None:
    assert fix_text(BASE, ["MF1101"]) == FIXED


def test_silent_when_right_or_without_load_balancer_or_with_codedeploy() -> None:
    assert codes(FIXED, ["MF1101"]) == []
    code_deploy = FIXED.replace(
        "      DeploymentConfiguration:\n        MinimumHealthyPercent: 50\n",
        "      DeploymentController:\n        Type: CODE_DEPLOY\n",
    )
    assert codes(code_deploy, ["MF1101"]) == []


def test_json_stalling_configuration() -> None:
    data = {
        "Resources": {
            "S": {
                "Type": "AWS::ECS::Service",
                "Properties": {
                    "DeploymentConfiguration": {"MinimumHealthyPercent": 100, "MaximumPercent": 100}
                },
            }
        }
    }
    text = json.dumps(data, indent=2) + "\n"
    (finding,) = findings(text, ["MF1101"])  # no load balancer: no grace period finding
    assert "stall" in finding.message
    fixed = fix_text(text, ["MF1101"])
    data["Resources"]["S"]["Properties"]["DeploymentConfiguration"]["MinimumHealthyPercent"] = 50
    assert fixed == json.dumps(data, indent=2) + "\n"
