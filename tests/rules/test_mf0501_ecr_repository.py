"""MF0501: the service's image comes from an ECR repository of the template (spec 5.1).

``BASE`` (tests/fixtures/ecs-service.yaml) is the small ECS template the other ECS rule tests
share; ``FIXED`` is what MF0501 (and MF0502, see its tests) makes of it."""

from __future__ import annotations

import json

from fixers.ecs_deploy import PARAMETER_DEFINITION
from fixers.rules.ecs.image import LIFECYCLE_POLICY
from tests.helpers import codes, findings, fix_text, fixture, removed_lines

BASE = fixture("ecs-service.yaml")
FIXED = fixture("ecs-service-after-mf0501.yaml")

LIFECYCLE = json.dumps(LIFECYCLE_POLICY, separators=(",", ":"))


def test_fires_on_an_image_parameter_without_a_repository() -> None:
    (finding,) = findings(BASE, ["MF0501"])
    assert finding.path == ("Resources", "Task", "Properties", "ContainerDefinitions", 0, "Image")
    assert finding.line == 27
    assert finding.fix is not None and not finding.fix.safe
    # The image parameter's default changes (unknown: what deploys pass), besides the interruption.
    assert finding.fix.impact == "unknown" and "tasks fail to start" in finding.fix.impact_detail


def test_fix_adds_the_repository_and_builds_the_image_from_it() -> None:
    fixed = fix_text(BASE, ["MF0501"])
    assert fixed == FIXED
    assert "# the whole image path" in fixed and "# the application" in fixed
    # Besides what it adds, the fix rewrites two lines: the parameter's default and the image.
    assert removed_lines(BASE, FIXED) == [
        "    Default: registry.example.com/team/api:v1",
        "          Image: !Ref AppImage",
    ]


def test_repository_is_production_grade() -> None:
    from fixers.document import Document

    repo = Document.from_text(FIXED).data["Resources"]["ECRRepository"]
    assert repo["DeletionPolicy"] == repo["UpdateReplacePolicy"] == "Retain"
    p = repo["Properties"]
    assert p["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert p["EncryptionConfiguration"]["EncryptionType"] == "KMS"
    assert p["LifecyclePolicy"]["LifecyclePolicyText"] == LIFECYCLE  # the rule's policy, compact
    rules = json.loads(p["LifecyclePolicy"]["LifecyclePolicyText"])["rules"]
    # ECR: the rule with tagStatus "any" must have the highest priority number.
    assert rules[-1]["selection"]["tagStatus"] == "any"
    assert [r["rulePriority"] for r in rules] == sorted({r["rulePriority"] for r in rules})
    # `latest` (the spec's tag) stays movable, every other tag is immutable.
    assert p["ImageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert (
        p["ImageTagMutabilityExclusionFilters"][0]["ImageTagMutabilityExclusionFilterValue"]
        == "latest"
    )


def test_silent_with_a_repository_or_a_literal_image_or_without_service() -> None:
    assert codes(FIXED, ["MF0501"]) == []
    assert codes(BASE.replace("Image: !Ref AppImage", "Image: nginx:1.27"), ["MF0501"]) == []
    other_repo = BASE.replace("Outputs:\n", "  Repo:\n    Type: AWS::ECR::Repository\nOutputs:\n")
    assert codes(other_repo, ["MF0501"]) == []
    no_service = BASE.split("  Svc:\n")[0]
    assert codes(no_service, ["MF0501"]) == []


def test_json_template_is_fixed_in_json() -> None:
    data = {
        "Parameters": {"Image": {"Type": "String"}},
        "Resources": {
            "T": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {"ContainerDefinitions": [{"Name": "w", "Image": {"Ref": "Image"}}]},
            },
            "S": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "T"}}},
        },
    }
    fixed = fix_text(json.dumps(data, indent=2) + "\n", ["MF0501"])
    expected = {
        "Parameters": {
            "Image": {
                "Description": "Container image name only (repository path, no registry and no tag), used with ContainerRegistryURL.",
                "Type": "String",
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
                "Default": "latest",
                "AllowedPattern": "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$",
                "Description": "Tag of the container image to deploy; prefer an immutable release tag over latest.",
            },
        },
        "Conditions": {
            "HasContainerRegistryURL": {
                "Fn::Not": [{"Fn::Equals": [{"Ref": "ContainerRegistryURL"}, ""]}]
            },
            # The new repository starts empty: the service waits for DeployECSService (5.3).
            "ShouldDeployECS": {"Fn::Equals": [{"Ref": "DeployECSService"}, "true"]},
        },
        "Resources": {
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
                                    {"Fn::Sub": "${ECRRepository.RepositoryUri}:${ImageTag}"},
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
            "ECRRepository": {
                "Type": "AWS::ECR::Repository",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {
                    "ImageScanningConfiguration": {"ScanOnPush": True},
                    "ImageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                    "ImageTagMutabilityExclusionFilters": [
                        {
                            "ImageTagMutabilityExclusionFilterType": "WILDCARD",
                            "ImageTagMutabilityExclusionFilterValue": "latest",
                        }
                    ],
                    "EncryptionConfiguration": {"EncryptionType": "KMS"},
                    "LifecyclePolicy": {"LifecyclePolicyText": LIFECYCLE},
                    "Tags": [{"Key": "Name", "Value": {"Fn::Sub": "${AWS::StackName}-w"}}],
                },
            },
        },
        "Outputs": {
            "ECRRepositoryURI": {
                "Description": "URI of the ECR repository to push the container images to",
                "Value": {"Fn::GetAtt": ["ECRRepository", "RepositoryUri"]},
            }
        },
    }
    assert fixed == json.dumps(expected, indent=2) + "\n"


def test_answers_5_3_and_8_4_its_fix_gates_the_service_and_its_alarms() -> None:
    from pathlib import Path

    from fixers.document import Document

    sample = Path(__file__).resolve().parents[2] / "sample_templates/transaction-platform.yaml"
    text = sample.read_text()
    (finding,) = findings(text, ["MF0501"])
    assert finding.spec == ("5.1", "5.3", "8.4")
    assert (finding.kind, finding.severity) == ("convention", "low")
    assert "DeployECSService" in finding.fix.title and "deletes the running service" in (
        finding.fix.impact_detail
    )
    # Before the fix nothing is gated nor needs to be: the image is not the stack's yet.
    assert codes(text, ["MF0503", "MF0804"]) == []
    fixed = fix_text(text, ["MF0501"])
    res = Document.from_text(fixed).data["Resources"]
    # The service, what refers to it, and the alarm on its target group (RollbackAlarm).
    for lid in ("ECSService", "ServiceScalableTarget", "HighCPUAlarm", "RollbackAlarm"):
        assert res[lid]["Condition"] == "ShouldDeployECS", lid
    assert codes(fixed, ["MF0503", "MF0804"]) == []
