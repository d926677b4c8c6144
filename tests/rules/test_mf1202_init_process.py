"""MF1202: InitProcessEnabled (spec 12.2)."""

from __future__ import annotations

import json

from tests.helpers import codes, findings, fix_text, fixture

BASE = fixture("ecs-service.yaml")

FIXED = BASE.replace(
    "              Value: web\n",
    "              Value: web\n          LinuxParameters:\n            InitProcessEnabled: true\n",
)


def test_fires_without_init_process() -> None:
    (finding,) = findings(BASE, ["MF1202"])
    assert finding.path[-2:] == ("LinuxParameters", "InitProcessEnabled") and finding.fix.safe


def test_fix() -> None:
    assert fix_text(BASE, ["MF1202"]) == FIXED


def test_silent_when_enabled_or_without_service() -> None:
    assert codes(FIXED, ["MF1202"]) == []
    assert codes(BASE.split("  Svc:\n")[0], ["MF1202"]) == []


def test_json_false_is_turned_on_and_other_linux_parameters_kept() -> None:
    data = {
        "Resources": {
            "T": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {
                    "ContainerDefinitions": [
                        {
                            "Name": "w",
                            "Image": "x",
                            "LinuxParameters": {
                                "InitProcessEnabled": False,
                                "SharedMemorySize": 64,
                            },
                        }
                    ]
                },
            },
            "S": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "T"}}},
        }
    }
    text = json.dumps(data, indent=2) + "\n"
    data["Resources"]["T"]["Properties"]["ContainerDefinitions"][0]["LinuxParameters"][
        "InitProcessEnabled"
    ] = True
    assert fix_text(text, ["MF1202"]) == json.dumps(data, indent=2) + "\n"
