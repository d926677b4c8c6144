"""MF0503: DeployECSService gates the service and what depends on it (spec 5.3)."""

from __future__ import annotations

import json

import pytest

from fixers.document import Document
from fixers.ecs_deploy import ensure_deploy_condition, service_condition
from tests.conftest import CORPUS as CORPUS_ROOT
from tests.helpers import codes, findings, fix_text, fixture

CORPUS = CORPUS_ROOT
# The premise: the service's image comes from a repository this stack creates (empty at first).
BASE = (
    fixture("ecs-service.yaml")
    .replace("Image: !Ref AppImage", "Image: !Sub '${Repo.RepositoryUri}:v1'")
    .replace("Outputs:\n", "  Repo:\n    Type: AWS::ECR::Repository\nOutputs:\n")
)

PARAM = (
    "  DeployECSService:\n"
    "    Type: String\n"
    "    Default: 'false'\n"
    "    AllowedValues:\n"
    "      - 'true'\n"
    "      - 'false'\n"
    "    Description: Deploy the ECS service. Set to true once the container images are pushed to the registry;"
    " while false, the service and what depends on it are not created.\n"
)
FIXED = (
    BASE.replace("Conditions:\n", PARAM + "Conditions:\n")
    .replace(
        "  InProd: !Equals [prod, !Ref Stage]\n",
        "  InProd: !Equals [prod, !Ref Stage]\n  ShouldDeployECS: !Equals [!Ref DeployECSService, 'true']\n",
    )
    .replace(
        "    Type: AWS::ECS::Service\n",
        "    Type: AWS::ECS::Service\n    Condition: ShouldDeployECS\n",
    )
    .replace("ScalableTarget\n", "ScalableTarget\n    Condition: ShouldDeployECS\n")
    .replace("ScalingPolicy\n", "ScalingPolicy\n    Condition: ShouldDeployECS\n")
    .replace("  ServiceName:\n", "  ServiceName:\n    Condition: ShouldDeployECS\n")
)


def test_fires_on_an_unconditional_service_fed_by_the_stacks_repository() -> None:
    (finding,) = findings(BASE, ["MF0503"])
    assert finding.path == ("Resources", "Svc")
    assert (finding.kind, finding.severity) == ("defect", "medium")
    assert "runs images from Repo, which this stack creates empty" in finding.message
    assert finding.fix is not None and finding.fix.impact == "deletion" and not finding.fix.safe
    assert "deletes the running service" in finding.fix.impact_detail


def test_fix_conditions_the_service_and_its_dependents() -> None:
    fixed = fix_text(BASE, ["MF0503"])
    assert fixed == FIXED
    assert "# the whole image path" in fixed


def test_silent_when_the_service_is_gated_under_another_name() -> None:
    text = (
        BASE.replace(
            "Conditions:\n", "  RunApp:\n    Type: String\n    Default: 'yes'\nConditions:\n"
        )
        .replace(
            "  InProd: !Equals [prod, !Ref Stage]\n",
            "  InProd: !Equals [prod, !Ref Stage]\n  AppOn: !Equals [!Ref RunApp, 'yes']\n",
        )
        .replace(
            "    Type: AWS::ECS::Service\n", "    Type: AWS::ECS::Service\n    Condition: AppOn\n"
        )
    )
    assert codes(text, ["MF0503"]) == []
    doc = Document.from_text(text)
    assert ensure_deploy_condition(doc) == "AppOn" and not doc.changed
    assert service_condition(doc, "Svc") == "AppOn"
    assert codes(BASE.split("  Svc:\n")[0], ["MF0503"]) == []


def test_shared_api_is_idempotent() -> None:
    doc = Document.from_text(BASE)
    assert ensure_deploy_condition(doc) == "ShouldDeployECS"
    text = doc.text
    assert ensure_deploy_condition(doc) == "ShouldDeployECS" and doc.text == text
    assert service_condition(doc, "Svc") is None


def test_a_dependent_with_its_own_condition_gets_both_json() -> None:
    data = {
        "Parameters": {"Env": {"Type": "String", "AllowedValues": ["prod", "dev"]}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
        "Resources": {
            "T": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {
                    "ContainerDefinitions": [
                        {"Name": "w", "Image": {"Fn::GetAtt": ["R", "RepositoryUri"]}}
                    ]
                },
            },
            "R": {"Type": "AWS::ECR::Repository"},
            "S": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "T"}}},
            "A": {
                "Type": "AWS::CloudWatch::Alarm",
                "Condition": "IsProd",
                "Properties": {
                    "Dimensions": [{"Name": "ServiceName", "Value": {"Fn::GetAtt": ["S", "Name"]}}]
                },
            },
        },
    }
    fixed = fix_text(json.dumps(data, indent=2) + "\n", ["MF0503"])
    expected = {
        "Parameters": {
            "Env": data["Parameters"]["Env"],
            "DeployECSService": {
                "Type": "String",
                "Default": "false",
                "AllowedValues": ["true", "false"],
                "Description": "Deploy the ECS service. Set to true once the container images are pushed to the registry; "
                "while false, the service and what depends on it are not created.",
            },
        },
        "Conditions": {
            "IsProd": data["Conditions"]["IsProd"],
            "IsProdAndShouldDeployECS": {
                "Fn::And": [{"Condition": "IsProd"}, {"Condition": "ShouldDeployECS"}]
            },
            "ShouldDeployECS": {"Fn::Equals": [{"Ref": "DeployECSService"}, "true"]},
        },
        "Resources": {
            "T": data["Resources"]["T"],
            "R": data["Resources"]["R"],
            "S": {
                "Type": "AWS::ECS::Service",
                "Condition": "ShouldDeployECS",
                "Properties": {"TaskDefinition": {"Ref": "T"}},
            },
            "A": dict(data["Resources"]["A"], Condition="IsProdAndShouldDeployECS"),
        },
    }
    assert fixed == json.dumps(expected, indent=2) + "\n"


@pytest.mark.corpus
def test_silent_where_the_images_come_from_elsewhere() -> None:
    # Published images (a parameter defaulting to nginx, a literal httpd:2.4): they exist before
    # the stack does, and gating the service would delete it on a running stack.
    for name in (
        "ECS/FargateLaunchType/services/public-service.yaml",
        "ECS/ECS_Schedule_Example.yaml",
    ):
        assert codes((CORPUS / name).read_text(), ["MF0503"]) == [], name
    assert codes(fixture("ecs-service.yaml"), ["MF0503"]) == []
    # A repository in the template that the service does not pull from.
    unused = fixture("ecs-service.yaml").replace(
        "Outputs:\n", "  Other:\n    Type: AWS::ECR::Repository\nOutputs:\n"
    )
    assert codes(unused, ["MF0503"]) == []


def test_fires_where_the_ecr_path_is_built_from_the_repositorys_name_parameter() -> None:
    text = (
        fixture("ecs-service.yaml")
        .replace(
            "Image: !Ref AppImage",
            "Image: !Sub '${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/${AppImage}:v1'",
        )
        .replace(
            "Outputs:\n",
            "  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n"
            "      RepositoryName: !Ref AppImage\nOutputs:\n",
        )
    )
    assert codes(text, ["MF0503"]) == ["MF0503"]
