"""MF0502: the image is built from registry, name and tag (spec 5.2, 12.3)."""

from __future__ import annotations

import json

import pytest

from fixers.ecs_deploy import PARAMETER_DEFINITION
from tests.conftest import CORPUS as CORPUS_ROOT
from tests.helpers import codes, findings, fix_text, fixture

BASE = fixture("ecs-service.yaml")
FIXED = fixture("ecs-service-after-mf0501.yaml")  # what MF0501 makes of BASE


def test_fires_on_a_full_image_path_in_one_parameter() -> None:
    (finding,) = findings(BASE, ["MF0502"])
    assert finding.spec == ("5.2", "12.3")
    assert finding.path == ("Resources", "Task", "Properties", "ContainerDefinitions", 0, "Image")
    assert "registry.example.com/team/api:v1" in finding.message
    assert finding.fix is not None and not finding.fix.safe


def test_fix_gives_the_same_text_as_mf0501_in_any_order() -> None:
    # Without MF0501 there is no repository for the else branch: the fix creates it.
    assert fix_text(BASE, ["MF0502"]) == FIXED
    assert fix_text(BASE, ["MF0501", "MF0502"]) == FIXED
    assert fix_text(fix_text(BASE, ["MF0502"]), ["MF0501"]) == FIXED


def test_reuses_the_templates_only_repository() -> None:
    text = BASE.replace("Outputs:\n", "  Images:\n    Type: AWS::ECR::Repository\nOutputs:\n")
    fixed = fix_text(text, ["MF0502"])
    assert "!Sub ${Images.RepositoryUri}:${ImageTag}" in fixed
    assert "ECRRepository" not in fixed


def test_silent_when_the_image_is_built_from_parts_or_from_ssm() -> None:
    parts = BASE.replace(
        "Image: !Ref AppImage",
        "Image: !Sub '${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/${AppImage}'",
    )
    assert codes(parts, ["MF0502"]) == []
    ssm = BASE.replace(
        "    Type: String\n    Default: registry",
        "    Type: AWS::SSM::Parameter::Value<String>\n    Default: registry",
    )
    assert codes(ssm, ["MF0502"]) == []
    assert codes(FIXED, ["MF0502"]) == []


def test_no_automatic_fix_when_the_parameter_is_used_elsewhere_json() -> None:
    data = {
        "Parameters": {"Image": {"Type": "String", "Default": "nginx:1.27"}},
        "Resources": {
            "T": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {"ContainerDefinitions": [{"Name": "w", "Image": {"Ref": "Image"}}]},
            },
            "S": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "T"}}},
        },
        "Outputs": {"Img": {"Value": {"Fn::Sub": "running ${Image}"}}},
    }
    text = json.dumps(data, indent=2) + "\n"
    (finding,) = findings(text, ["MF0502"])
    assert finding.fix is None and "used elsewhere" in finding.message
    assert fix_text(text, ["MF0502"]) == text


def test_json_name_and_tag_split_from_the_default() -> None:
    data = {
        "Parameters": {"Image": {"Type": "String", "Default": "public.ecr.aws/acme/worker:2.1"}},
        "Resources": {
            "Repo": {"Type": "AWS::ECR::Repository"},
            "T": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {"ContainerDefinitions": [{"Name": "w", "Image": {"Ref": "Image"}}]},
            },
            "S": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "T"}}},
        },
    }
    fixed = fix_text(json.dumps(data, indent=2) + "\n", ["MF0502"])
    expected = {
        "Parameters": {
            "Image": {
                "Type": "String",
                "Default": "acme/worker",
                "Description": "Container image name only (repository path, no registry and no tag), used with ContainerRegistryURL.",
            },
            "ContainerRegistryURL": {
                "Type": "String",
                "Default": "",
                "Description": "Registry that holds the container image (e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com "
                "or docker.io). Empty: the stack's own ECR repository.",
            },
            "DeployECSService": PARAMETER_DEFINITION,
            "ImageTag": {
                "Type": "String",
                "Default": "2.1",
                "AllowedPattern": "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$",
                "Description": "Tag of the container image to deploy; prefer an immutable release tag over latest.",
            },
        },
        "Conditions": {
            "HasContainerRegistryURL": {
                "Fn::Not": [{"Fn::Equals": [{"Ref": "ContainerRegistryURL"}, ""]}]
            },
            # The image now defaults to the stack's repository: the service waits for it (5.3).
            "ShouldDeployECS": {"Fn::Equals": [{"Ref": "DeployECSService"}, "true"]},
        },
        "Resources": {
            "Repo": {"Type": "AWS::ECR::Repository"},
            "T": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {
                    "ContainerDefinitions": [
                        {
                            "Name": "w",
                            "Image": {
                                "Fn::If": [
                                    "HasContainerRegistryURL",
                                    {"Fn::Sub": "${ContainerRegistryURL}/${Image}:${ImageTag}"},
                                    {"Fn::Sub": "${Repo.RepositoryUri}:${ImageTag}"},
                                ]
                            },
                        }
                    ]
                },
            },
            "S": {
                "Type": "AWS::ECS::Service",
                "Condition": "ShouldDeployECS",
                **data["Resources"]["S"],
            },
        },
    }
    assert fixed == json.dumps(expected, indent=2) + "\n"


CORPUS = CORPUS_ROOT


@pytest.mark.corpus
def test_hard_coded_untagged_image_is_hardening_and_pinned_one_a_convention() -> None:
    # ECS/ECS_Schedule_Example.yaml: busybox (no tag) and httpd:2.4, both written in the template.
    text = (CORPUS / "ECS/ECS_Schedule_Example.yaml").read_text()
    found = {f.message.split(" of ")[0]: f for f in findings(text, ["MF0502"])}
    busybox, httpd = found["Container busybox"], found["Container simple-app"]
    assert (busybox.kind, busybox.severity, busybox.fix) == ("hardening", "low", None)
    assert "'busybox'" in busybox.message and "without a tag" in busybox.message
    assert (httpd.kind, httpd.severity, httpd.fix) == ("convention", "low", None)
    assert "'httpd:2.4'" in httpd.message and "platform's convention" in httpd.message


def test_image_from_a_mapping_with_latest_is_reported() -> None:
    text = BASE.replace(
        "Conditions:\n",
        "Mappings:\n  Images:\n    dev: {Uri: 'acme/api:latest'}\n    prod: {Uri: 'acme/api:3.1'}\nConditions:\n",
    ).replace("Image: !Ref AppImage", "Image: !FindInMap [Images, !Ref Stage, Uri]")
    (finding,) = findings(text, ["MF0502"])
    assert finding.kind == "hardening" and "'acme/api:latest'" in finding.message
    assert "with tag latest" in finding.message and "comes from a mapping" in finding.message


def test_silent_where_the_tag_is_a_parameter_or_the_image_another_stacks() -> None:
    tagged = BASE.replace("Image: !Ref AppImage", "Image: !Sub 'acme/api:${Stage}'")
    assert codes(tagged, ["MF0502"]) == []
    imported = BASE.replace("Image: !Ref AppImage", "Image: !ImportValue shared-image")
    assert codes(imported, ["MF0502"]) == []
    literal_latest = BASE.replace(
        "Image: !Ref AppImage",
        "Image: !Sub '${AWS::AccountId}.dkr.ecr.eu-west-1.amazonaws.com/api:latest'",
    )
    assert [f.kind for f in findings(literal_latest, ["MF0502"])] == ["hardening"]


def test_a_full_path_in_one_parameter_is_a_convention() -> None:
    (finding,) = findings(BASE, ["MF0502"])
    assert (finding.kind, finding.severity) == ("convention", "low")
    assert "platform's convention" in finding.message


def test_a_parameter_default_without_a_tag_or_with_latest_is_hardening() -> None:
    # hasura template: DockerImage defaults to 'hasura/graphql-engine' (no tag: latest).
    for default, shown in (
        ("hasura/graphql-engine", "(default 'hasura/graphql-engine', no tag)"),
        (
            "registry.example.com/team/api:latest",
            "(default 'registry.example.com/team/api:latest')",
        ),
    ):
        text = BASE.replace("registry.example.com/team/api:v1", default)
        (finding,) = findings(text, ["MF0502"])
        assert (finding.kind, finding.severity) == ("hardening", "low")
        assert shown in finding.message
        assert "deployed with its default it runs the mutable tag latest" in finding.message
        assert "platform's convention takes registry, name and tag separately" in finding.message
        assert "ImageTag defaults to latest still" in finding.fix.impact_detail
        fixed = fix_text(text, ["MF0502"])
        assert "  ImageTag:\n    Type: String\n    Default: latest\n" in fixed
    # No default: nothing shows which tag runs; a pinned default: the convention only.
    no_default = BASE.replace("    Default: registry.example.com/team/api:v1\n", "")
    (finding,) = findings(no_default, ["MF0502"])
    assert finding.kind == "convention" and "mutable" not in finding.message
    assert "(default" not in finding.message
    (finding,) = findings(BASE, ["MF0502"])
    assert finding.kind == "convention" and "mutable" not in finding.message


def test_a_parameter_default_with_latest_json() -> None:
    data = {
        "Parameters": {"Image": {"Type": "String", "Default": "nginx"}},
        "Resources": {
            "T": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {"ContainerDefinitions": [{"Name": "w", "Image": {"Ref": "Image"}}]},
            },
            "S": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "T"}}},
        },
    }
    text = json.dumps(data, indent=2) + "\n"
    (finding,) = findings(text, ["MF0502"])
    assert (finding.kind, finding.severity) == ("hardening", "low")
    fixed = json.loads(fix_text(text, ["MF0502"]))
    assert fixed["Parameters"]["Image"]["Default"] == "nginx"
    assert fixed["Parameters"]["ImageTag"]["Default"] == "latest"
