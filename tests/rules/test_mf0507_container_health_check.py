"""MF0507: the container's own curl health check (spec 5.7)."""

from __future__ import annotations

import json

import pytest

from fixers.document import Document
from tests.conftest import CORPUS as CORPUS_ROOT
from tests.helpers import codes, findings, fix_text, fixture

BASE = fixture("ecs-service.yaml")

CHECK = """\
          HealthCheck:
            Command:
              - CMD-SHELL
              - curl -f http://localhost:80/ready || exit 1
            Interval: 30
            Timeout: 5
            Retries: 3
            StartPeriod: 60
"""
FIXED = BASE.replace("              Value: web\n", "              Value: web\n" + CHECK)


def test_fires_on_a_container_without_health_check() -> None:
    (finding,) = findings(BASE, ["MF0507"])
    assert finding.path == ("Resources", "Task", "Properties", "ContainerDefinitions", 0)
    # Every change to a task definition is a new revision that the service rolls onto.
    assert finding.fix is not None and not finding.fix.safe and finding.fix.impact == "revision"


def test_fix_probes_the_target_groups_path_within_ecs_limits() -> None:
    fixed = fix_text(BASE, ["MF0507"])
    assert fixed == FIXED
    hc = Document.from_text(fixed).data["Resources"]["Task"]["Properties"]["ContainerDefinitions"][
        0
    ]["HealthCheck"]
    assert (
        5 <= hc["Interval"] <= 300
        and 2 <= hc["Timeout"] <= 60
        and 1 <= hc["Retries"] <= 10
        and 0 <= hc["StartPeriod"] <= 300
    )
    assert hc["Timeout"] < hc["Interval"]


def test_silent_with_a_health_check_or_for_sidecars() -> None:
    assert codes(FIXED, ["MF0507"]) == []
    sidecar = BASE.replace(
        "          Image: !Ref AppImage\n",
        "          Image: !Ref AppImage\n          Essential: false\n",
    )
    assert codes(sidecar, ["MF0507"]) == []


def test_json_without_load_balancer_has_no_automatic_fix() -> None:
    data = {
        "Resources": {
            "T": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {"ContainerDefinitions": [{"Name": "w", "Image": "worker"}]},
            },
            "S": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "T"}}},
        }
    }
    text = json.dumps(data, indent=2) + "\n"
    (finding,) = findings(text, ["MF0507"])
    assert finding.fix is None
    assert fix_text(text, ["MF0507"]) == text


def test_json_port_from_a_parameter() -> None:
    data = {
        "Parameters": {"Port": {"Type": "Number"}},
        "Resources": {
            "Tg": {
                "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
                "Properties": {"Protocol": "HTTP", "HealthCheckPath": "/health"},
            },
            "T": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {"ContainerDefinitions": [{"Name": "w", "Image": "app"}]},
            },
            "S": {
                "Type": "AWS::ECS::Service",
                "Properties": {
                    "TaskDefinition": {"Ref": "T"},
                    "LoadBalancers": [
                        {
                            "ContainerName": "w",
                            "ContainerPort": {"Ref": "Port"},
                            "TargetGroupArn": {"Ref": "Tg"},
                        }
                    ],
                },
            },
        },
    }
    fixed = fix_text(json.dumps(data, indent=2) + "\n", ["MF0507"])
    container = {
        "HealthCheck": {
            "Command": [
                "CMD-SHELL",
                {"Fn::Sub": "curl -f http://localhost:${Port}/health || exit 1"},
            ],
            "Interval": 30,
            "Timeout": 5,
            "Retries": 3,
            "StartPeriod": 60,
        },
        "Name": "w",
        "Image": "app",
    }
    expected = json.loads(json.dumps(data))
    expected["Resources"]["T"]["Properties"]["ContainerDefinitions"] = [container]
    assert fixed == json.dumps(expected, indent=2) + "\n"


def test_container_behind_the_target_group_through_an_if_of_names() -> None:
    # The service names its container with `ContainerName: !If [...]`: it is behind the HTTP
    # target group, so the check command is known.
    text = BASE.replace(
        "        - ContainerName: api\n", "        - ContainerName: !If [InProd, api, api]\n"
    )
    (finding,) = findings(text, ["MF0507"])
    assert "not guessed" not in finding.message and finding.fix is not None
    assert fix_text(text, ["MF0507"]).count("curl -f http://localhost:80/ready") == 1


def test_containers_inside_an_if_are_named_and_fixed_in_their_branch() -> None:
    text = BASE.replace(
        "        - Name: api  # the application\n",
        "        - !If\n          - InProd\n          - Name: api  # the application\n",
    )
    text = text.replace(
        "          Image: !Ref AppImage\n          Environment:\n            - Name: MODE\n"
        "              Value: web\n          PortMappings:\n            - ContainerPort: 80\n",
        "            Image: !Ref AppImage\n            Environment:\n              - Name: MODE\n"
        "                Value: web\n            PortMappings:\n              - ContainerPort: 80\n"
        "          - !Ref AWS::NoValue\n",
    )
    (finding,) = findings(text, ["MF0507"])
    assert finding.message.startswith("Container api of Task")
    assert finding.path[-3:] == (0, "Fn::If", 1)
    data = Document.from_text(fix_text(text, ["MF0507"])).data
    branch = data["Resources"]["Task"]["Properties"]["ContainerDefinitions"][0]["Fn::If"][1]
    assert branch["HealthCheck"]["Command"][1] == "curl -f http://localhost:80/ready || exit 1"


@pytest.mark.corpus
def test_a_container_named_by_a_parameter_is_called_by_its_default() -> None:
    # ECS/FargateLaunchType/services/public-service.yaml: `Name: !Ref ServiceName` (nginx).
    corpus = CORPUS_ROOT
    text = (corpus / "ECS/FargateLaunchType/services/public-service.yaml").read_text()
    (finding,) = findings(text, ["MF0507"])
    assert finding.message.startswith("Container nginx (parameter ServiceName) of TaskDefinition")
    assert finding.fix is not None
