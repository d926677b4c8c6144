"""MF0508: STARTUP_DELAY_SECONDS in the application's environment (spec 5.8)."""

from __future__ import annotations

import json

from tests.helpers import codes, findings, fix_text, fixture

BASE = fixture("ecs-service.yaml")

FIXED = BASE.replace(
    "              Value: web\n",
    "              Value: web\n            - Name: STARTUP_DELAY_SECONDS\n              Value: '30'\n",
)


def test_fires_on_the_application_container() -> None:
    (finding,) = findings(BASE, ["MF0508"])
    assert finding.path == (
        "Resources",
        "Task",
        "Properties",
        "ContainerDefinitions",
        0,
        "Environment",
    )
    assert finding.fix is not None and finding.fix.safe


def test_fix_adds_the_variable_as_a_string() -> None:
    assert fix_text(BASE, ["MF0508"]) == FIXED


def test_silent_with_the_variable_or_without_load_balancer() -> None:
    assert codes(FIXED.replace("'30'", "'45'"), ["MF0508"]) == []
    no_lb = BASE.replace("        - ContainerName: api\n", "        - ContainerName: other\n")
    assert no_lb != BASE
    assert codes(no_lb, ["MF0508"]) == []


def test_json() -> None:
    data = {
        "Resources": {
            "T": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {
                    "ContainerDefinitions": [
                        {"Name": "w", "Image": "app", "Environment": [{"Name": "A", "Value": "1"}]}
                    ]
                },
            },
            "S": {
                "Type": "AWS::ECS::Service",
                "Properties": {
                    "TaskDefinition": {"Ref": "T"},
                    "LoadBalancers": [
                        {"ContainerName": "w", "ContainerPort": 80, "TargetGroupArn": "arn:x"}
                    ],
                },
            },
        }
    }
    fixed = fix_text(json.dumps(data, indent=2) + "\n", ["MF0508"])
    expected = json.loads(json.dumps(data))
    expected["Resources"]["T"]["Properties"]["ContainerDefinitions"][0]["Environment"].append(
        {"Name": "STARTUP_DELAY_SECONDS", "Value": "30"}
    )
    assert fixed == json.dumps(expected, indent=2) + "\n"


def test_is_the_platforms_convention() -> None:
    (f,) = findings(BASE, ["MF0508"])
    assert (f.kind, f.severity) == ("convention", "low")
    assert "platform's" in f.message
