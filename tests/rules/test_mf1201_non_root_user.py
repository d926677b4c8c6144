"""MF1201: containers run as a non-root user (spec 12.1)."""

from __future__ import annotations

import json

import pytest

from fixers.document import Document
from tests.conftest import CORPUS as CORPUS_ROOT
from tests.helpers import codes, findings, fix_text, fixture

BASE = fixture("ecs-service.yaml")

FIXED = BASE.replace(
    "            - ContainerPort: 80\n",
    "            - ContainerPort: 80\n          User: 1000:1000\n",
)


def test_fires_without_user() -> None:
    (finding,) = findings(BASE, ["MF1201"])
    assert finding.path == ("Resources", "Task", "Properties", "ContainerDefinitions", 0, "User")
    # Every change to a task definition is a new revision that the service rolls onto.
    assert finding.fix is not None and not finding.fix.safe and finding.fix.impact == "revision"


def test_fix_sets_an_unprivileged_user_read_as_a_string() -> None:
    fixed = fix_text(BASE, ["MF1201"])
    assert fixed == FIXED
    # '1000:1000' is no YAML 1.1 sexagesimal number: it stays a string for CloudFormation too.
    from cfnlint.decode.cfn_yaml import loads

    assert (
        loads(fixed)["Resources"]["Task"]["Properties"]["ContainerDefinitions"][0]["User"]
        == "1000:1000"
    )
    assert (
        Document.from_text(fixed).data["Resources"]["Task"]["Properties"]["ContainerDefinitions"][
            0
        ]["User"]
        == "1000:1000"
    )


def test_silent_for_a_non_root_user_and_windows() -> None:
    assert (
        codes(
            BASE.replace(
                "          Image: !Ref AppImage\n",
                "          Image: !Ref AppImage\n          User: app\n",
            ),
            ["MF1201"],
        )
        == []
    )
    windows = BASE.replace(
        "      ContainerDefinitions:\n",
        "      RuntimePlatform:\n        OperatingSystemFamily: WINDOWS_SERVER_2022_CORE\n      ContainerDefinitions:\n",
    )
    assert codes(windows, ["MF1201"]) == []


def test_json_root_user() -> None:
    data = {
        "Resources": {
            "T": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {
                    "ContainerDefinitions": [{"Name": "w", "Image": "x", "User": "root:root"}]
                },
            },
            "S": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "T"}}},
        }
    }
    text = json.dumps(data, indent=2) + "\n"
    assert "root" in findings(text, ["MF1201"])[0].message
    data["Resources"]["T"]["Properties"]["ContainerDefinitions"][0]["User"] = "1000:1000"
    assert fix_text(text, ["MF1201"]) == json.dumps(data, indent=2) + "\n"


@pytest.mark.corpus
def test_without_user_the_message_names_what_the_template_cannot_show() -> None:

    corpus = CORPUS_ROOT
    text = (corpus / "ECS/ECS_Schedule_Example.yaml").read_text()
    found = findings(text, ["MF1201"])
    assert len(found) == 2
    for f in found:
        assert (f.kind, f.severity) == ("hardening", "medium")  # at most medium: unseen image
        assert "the image's user is not in the template" in f.message


def test_root_from_a_parameter_default_is_read_and_not_overwritten() -> None:
    text = (
        "Parameters:\n  RunAs:\n    Type: String\n    Default: root\n"
        "Resources:\n  T:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n"
        "      ContainerDefinitions:\n        - Name: w\n          Image: nginx\n"
        "          User: !Ref RunAs\n"
        "  S:\n    Type: AWS::ECS::Service\n    Properties:\n      TaskDefinition: !Ref T\n"
    )
    (finding,) = findings(text, ["MF1201"])
    assert "default of parameter RunAs" in finding.message and finding.fix is None
