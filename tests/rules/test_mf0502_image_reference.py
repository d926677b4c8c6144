"""MF0502: the image is built from registry, name and tag (spec 5.2, 12.3)."""

from __future__ import annotations

import json

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
            }
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
            "S": data["Resources"]["S"],
        },
    }
    assert fixed == json.dumps(expected, indent=2) + "\n"
