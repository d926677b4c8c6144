"""MF1101: the grace period against the platform's 180 s convention, and a deployment pair that
cannot progress (spec 11.1, weighed against ECS's documented behaviour)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import CORPUS as CORPUS_ROOT
from tests.helpers import codes, findings, fix_text, fixture

BASE = fixture("ecs-service.yaml")
CORPUS = CORPUS_ROOT

FIXED = BASE.replace(
    "      HealthCheckGracePeriodSeconds: 30  # too short\n",
    "      HealthCheckGracePeriodSeconds: 180  # too short\n",
)


def test_short_grace_period_is_the_platforms_convention() -> None:
    (grace,) = findings(BASE, ["MF1101"])
    assert grace.path[-1] == "HealthCheckGracePeriodSeconds" and grace.fix.safe
    assert (grace.kind, grace.severity) == ("convention", "low")
    assert "the platform's convention is 180 s" in grace.message
    assert "the template shows no start-up time" in grace.message


def test_fix() -> None:
    assert fix_text(BASE, ["MF1101"]) == FIXED


def test_a_start_period_the_template_shows_is_named() -> None:
    text = BASE.replace(
        "          Environment:\n",
        "          HealthCheck:\n            Command: [CMD-SHELL, 'true']\n"
        "            StartPeriod: 240\n          Environment:\n",
    )
    (grace,) = findings(text, ["MF1101"])
    assert grace.kind == "hardening" and grace.severity in ("low", "medium")
    assert "240 s StartPeriod of container api" in grace.message
    assert "HealthCheckGracePeriodSeconds: 240" in fix_text(text, ["MF1101"])


@pytest.mark.corpus
def test_zero_downtime_rolling_updates_are_never_reported() -> None:
    # 100/200 (ECS's defaults) and 75/200 start new tasks before stopping old ones.
    for pair in ("100, 200", "75, 200", "50, 200"):
        low, high = pair.split(", ")
        text = FIXED.replace(
            "      TaskDefinition: !Ref Task\n",
            "      TaskDefinition: !Ref Task\n      DeploymentConfiguration:\n"
            f"        MinimumHealthyPercent: {low}\n        MaximumPercent: {high}\n",
        )
        assert codes(text, ["MF1101"]) == [], pair
    # ECS/FargateLaunchType/services/public-service.yaml: 75/200, no grace period set.
    text = (CORPUS / "ECS/FargateLaunchType/services/public-service.yaml").read_text()
    (grace,) = findings(text, ["MF1101"])
    assert grace.path[-1] == "HealthCheckGracePeriodSeconds" and grace.kind == "convention"
    assert "MinimumHealthyPercent" not in grace.message


def test_silent_when_right_or_without_load_balancer_or_with_codedeploy() -> None:
    assert codes(FIXED, ["MF1101"]) == []
    code_deploy = BASE.replace(
        "      TaskDefinition: !Ref Task\n",
        "      TaskDefinition: !Ref Task\n      DeploymentController:\n        Type: CODE_DEPLOY\n"
        "      DeploymentConfiguration:\n        MinimumHealthyPercent: 100\n"
        "        MaximumPercent: 100\n",
    ).replace("HealthCheckGracePeriodSeconds: 30", "HealthCheckGracePeriodSeconds: 300")
    assert codes(code_deploy, ["MF1101"]) == []


def test_a_pair_that_cannot_progress_is_a_defect_json() -> None:
    data = {
        "Resources": {
            "S": {
                "Type": "AWS::ECS::Service",
                "Properties": {
                    "DesiredCount": 2,
                    "DeploymentConfiguration": {
                        "MinimumHealthyPercent": 100,
                        "MaximumPercent": 100,
                    },
                },
            }
        }
    }
    text = json.dumps(data, indent=2) + "\n"
    (finding,) = findings(text, ["MF1101"])  # no load balancer: no grace period finding
    assert (finding.kind, finding.severity) == ("defect", "medium")
    assert "never progresses" in finding.message and not finding.fix.safe
    fixed = fix_text(text, ["MF1101"])
    data["Resources"]["S"]["Properties"]["DeploymentConfiguration"]["MaximumPercent"] = 200
    assert fixed == json.dumps(data, indent=2) + "\n"


def test_rounding_decides_for_small_counts() -> None:
    # One task, 75/150: the minimum rounds up to 1 and the maximum down to 1; four tasks can
    # stop one first.
    one = {
        "Resources": {
            "S": {
                "Type": "AWS::ECS::Service",
                "Properties": {
                    "DeploymentConfiguration": {"MinimumHealthyPercent": 75, "MaximumPercent": 150}
                },
            }
        }
    }
    assert codes(json.dumps(one), ["MF1101"]) == ["MF1101"]
    one["Resources"]["S"]["Properties"]["DesiredCount"] = 4
    assert codes(json.dumps(one), ["MF1101"]) == []
