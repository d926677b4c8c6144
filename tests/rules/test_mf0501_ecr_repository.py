"""MF0501: the service's image comes from an ECR repository of the template (spec 5.1).

``BASE`` is the small ECS template the other ECS rule tests share."""

from __future__ import annotations

import json

from fixers.rules.ecs.image import LIFECYCLE_POLICY
from tests.helpers import codes, dedent, findings, fix_text

BASE = dedent(
    """
    AWSTemplateFormatVersion: '2010-09-09'
    Parameters:
      Stage:
        Type: String
        AllowedValues: [prod, dev]
        Default: dev
      AppImage:   # the whole image path
        Type: String
        Default: registry.example.com/team/api:v1
    Conditions:
      InProd: !Equals [prod, !Ref Stage]
    Resources:
      Tg:
        Type: AWS::ElasticLoadBalancingV2::TargetGroup
        Properties:
          Port: 80
          Protocol: HTTP
          TargetType: ip
          VpcId: vpc-0123456789abcdef0
          HealthCheckPath: /ready
          HealthCheckIntervalSeconds: 10   # fast checks
      Task:
        Type: AWS::ECS::TaskDefinition
        Properties:
          ContainerDefinitions:
            - Name: api  # the application
              Image: !Ref AppImage
              Environment:
                - Name: MODE
                  Value: web
              PortMappings:
                - ContainerPort: 80
      Svc:
        Type: AWS::ECS::Service
        Properties:
          TaskDefinition: !Ref Task
          HealthCheckGracePeriodSeconds: 30  # too short
          LoadBalancers:
            - ContainerName: api
              ContainerPort: 80
              TargetGroupArn: !Ref Tg
      Scaling:
        Type: AWS::ApplicationAutoScaling::ScalableTarget
        Properties:
          ServiceNamespace: ecs
          ScalableDimension: ecs:service:DesiredCount
          ResourceId: !Sub service/default/${Svc.Name}
          MinCapacity: 1
          MaxCapacity: 4
      CpuPolicy:
        Type: AWS::ApplicationAutoScaling::ScalingPolicy
        Properties:
          PolicyName: cpu
          PolicyType: TargetTrackingScaling
          ScalingTargetId: !Ref Scaling
          TargetTrackingScalingPolicyConfiguration:
            PredefinedMetricSpecification:
              PredefinedMetricType: ECSServiceAverageCPUUtilization
            TargetValue: 60
            ScaleOutCooldown: 30
            ScaleInCooldown: 120
    Outputs:
      ServiceName:
        Value: !GetAtt Svc.Name
    """
)

LIFECYCLE = json.dumps(LIFECYCLE_POLICY, separators=(",", ":"))

FIXED = (
    BASE.replace(
        "    Default: registry.example.com/team/api:v1\n",
        "    Default: team/api\n"
        "    Description: Container image name only (repository path, no registry and no tag), used with ContainerRegistryURL.\n"
        "  ContainerRegistryURL:\n"
        "    Type: String\n"
        "    Default: ''\n"
        "    Description: 'Registry that holds the container image (e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com"
        " or docker.io). Empty: the stack''s own ECR repository.'\n"
        "  ImageTag:\n"
        "    Type: String\n"
        "    Default: v1\n"
        "    AllowedPattern: ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$\n"
        "    Description: Tag of the container image to deploy; prefer an immutable release tag over latest.\n",
    )
    .replace(
        "  InProd: !Equals [prod, !Ref Stage]\n",
        "  InProd: !Equals [prod, !Ref Stage]\n  HasContainerRegistryURL: !Not [!Equals [!Ref ContainerRegistryURL, '']]\n",
    )
    .replace(
        "          Image: !Ref AppImage\n",
        "          Image: !If\n"
        "            - HasContainerRegistryURL\n"
        "            - !Sub ${ContainerRegistryURL}/${AppImage}:${ImageTag}\n"
        "            - !Sub ${ECRRepository.RepositoryUri}:${ImageTag}\n",
    )
    .replace(
        "        ScaleInCooldown: 120\n",
        "        ScaleInCooldown: 120\n"
        "  ECRRepository:\n"
        "    Type: AWS::ECR::Repository\n"
        "    DeletionPolicy: Retain\n"
        "    UpdateReplacePolicy: Retain\n"
        "    Properties:\n"
        "      ImageScanningConfiguration:\n"
        "        ScanOnPush: true\n"
        "      ImageTagMutability: IMMUTABLE_WITH_EXCLUSION\n"
        "      ImageTagMutabilityExclusionFilters:\n"
        "        - ImageTagMutabilityExclusionFilterType: WILDCARD\n"
        "          ImageTagMutabilityExclusionFilterValue: latest\n"
        "      EncryptionConfiguration:\n"
        "        EncryptionType: KMS\n"
        "      LifecyclePolicy:\n"
        f"        LifecyclePolicyText: '{LIFECYCLE}'\n"
        "      Tags:\n"
        "        - Key: Name\n"
        "          Value: !Sub ${AWS::StackName}-api\n",
    )
    + "  ECRRepositoryURI:\n"
    "    Description: URI of the ECR repository to push the container images to\n"
    "    Value: !GetAtt ECRRepository.RepositoryUri\n"
)


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


def test_repository_is_production_grade() -> None:
    from fixers.document import Document

    repo = Document.from_text(FIXED).data["Resources"]["ECRRepository"]
    assert repo["DeletionPolicy"] == repo["UpdateReplacePolicy"] == "Retain"
    p = repo["Properties"]
    assert p["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert p["EncryptionConfiguration"]["EncryptionType"] == "KMS"
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
            }
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
            "S": data["Resources"]["S"],
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
