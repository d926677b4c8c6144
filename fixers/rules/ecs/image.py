"""The container image, built from a registry, a name and a tag, with the template's own ECR
repository as the default registry (spec 5.1, 5.2, 12.3). Shared by MF0501 and MF0502, whose
fixes both end in the same text: the repository, used by the task's image, and the service (with
its alarms) gated until images are pushed (5.3, 8.4), since the new repository starts empty.
"""

from __future__ import annotations

import json
from typing import Any

from fixers import cfn, values
from fixers.document import Document, EditError
from fixers.edits import (
    add_condition,
    add_list_item,
    add_output,
    add_parameter,
    add_resource,
    register_names,
    set_value,
    unique_id,
)
from fixers.rules.ecs import common

REPOSITORY = "ECRRepository"
REPOSITORY_OUTPUT = "ECRRepositoryURI"
REGISTRY_PARAMETER = "ContainerRegistryURL"
TAG_PARAMETER = "ImageTag"
REGISTRY_CONDITION = "HasContainerRegistryURL"
EXCLUDED_TAG = "latest"

register_names(REGISTRY_PARAMETER, TAG_PARAMETER, REGISTRY_CONDITION, REPOSITORY, REPOSITORY_OUTPUT)

LIFECYCLE_POLICY = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "Expire untagged images after 14 days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "description": "Keep the 50 most recent images",
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 50},
            "action": {"type": "expire"},
        },
    ]
}


def image_parameter(data: dict[str, Any], image: Any) -> str | None:
    """The String parameter when a container image is exactly ``Ref`` of one (a full path in one
    parameter). SSM-typed parameters resolve elsewhere and are not looked at."""
    if not (isinstance(image, dict) and list(image) == ["Ref"]):
        return None
    name = image["Ref"]
    params = cfn.section(data, "Parameters")
    param = params.get(name)
    if not isinstance(param, dict) or param.get("Type") != "String":
        return None
    return name


def parameter_users(data: dict[str, Any], param: str) -> tuple[list[tuple[Any, ...]], bool]:
    """Container Image paths that are ``Ref param``, and whether the parameter is used anywhere else."""
    images: list[tuple[Any, ...]] = []
    for c in common.containers(data):
        if image_parameter(data, c.definition.get("Image")) == param:
            images.append(c.path + ("Image",))
    elsewhere = any(path not in images for path in cfn.direct_uses(data, param))
    return images, elsewhere


def repositories(data: dict[str, Any]) -> list[str]:
    return [rid for rid, _ in cfn.of_type(data, "AWS::ECR::Repository")]


def feeding_repositories(data: dict[str, Any], task: str) -> list[str]:
    """The template's ECR repositories a task's container images come from: an image that
    refers to one (``${Repo.RepositoryUri}``, ``!GetAtt Repo.RepositoryUri``, ``!Ref Repo``), or
    an ECR image path built from the same parameter that names a repository."""
    repos = repositories(data)
    if not repos:
        return []
    res = cfn.resources(data)
    names = {rid: cfn.refs(cfn.props(res[rid]).get("RepositoryName")) - set(res) for rid in repos}
    found: list[str] = []
    for c in common.containers(data):
        if c.task != task:
            continue
        img = c.definition.get("Image")
        used = cfn.refs(img) | {n.split(".")[0] for n in values.sub_names(img)}
        ecr_path = any(".dkr.ecr." in t for t in values.patterns(data, img))
        for rid in repos:
            if (rid in used or (ecr_path and names[rid] & used)) and rid not in found:
                found.append(rid)
    return found


def split_image(image: str) -> tuple[str, str]:
    """(name without registry host, tag) of an image reference; tag ``latest`` when absent."""
    rest = image.split("@", 1)[0]
    first, _, after = rest.partition("/")
    if after and ("." in first or ":" in first or first == "localhost"):
        rest = after
    name, _, tag = rest.rpartition(":") if ":" in rest.rsplit("/", 1)[-1] else (rest, "", "")
    return name, tag or EXCLUDED_TAG


def ensure_repository(doc: Document, container_name: Any = None) -> str:
    """The template's ECR repository: the only one it has, or ``ECRRepository`` made now."""
    found = repositories(doc.data)
    if len(found) == 1:
        return found[0]
    if found:
        raise EditError(
            f"the template has {len(found)} ECR repositories: which one the image uses is not clear"
        )
    name = unique_id(doc, REPOSITORY)
    label = container_name if isinstance(container_name, str) and container_name else "app"
    add_resource(
        doc,
        name,
        {
            "Type": "AWS::ECR::Repository",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "ImageScanningConfiguration": {"ScanOnPush": True},
                "ImageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                "ImageTagMutabilityExclusionFilters": [
                    {
                        "ImageTagMutabilityExclusionFilterType": "WILDCARD",
                        "ImageTagMutabilityExclusionFilterValue": EXCLUDED_TAG,
                    }
                ],
                "EncryptionConfiguration": {"EncryptionType": "KMS"},
                "LifecyclePolicy": {
                    "LifecyclePolicyText": json.dumps(LIFECYCLE_POLICY, separators=(",", ":"))
                },
                "Tags": [{"Key": "Name", "Value": {"Fn::Sub": f"${{AWS::StackName}}-{label}"}}],
            },
        },
    )
    add_output(
        doc,
        unique_id(doc, REPOSITORY_OUTPUT),
        {
            "Description": "URI of the ECR repository to push the container images to",
            "Value": {"Fn::GetAtt": [name, "RepositoryUri"]},
        },
    )
    return name


def _ensure_parameter(doc: Document, name: str, definition: dict[str, Any]) -> str:
    existing = doc.get(("Parameters", name))
    if isinstance(existing, dict) and existing.get("Type") == "String":
        return name  # the template's own, reused as it is
    return add_parameter(doc, name if existing is None else unique_id(doc, name), definition)


def wire_image(doc: Document, param: str) -> None:
    """Make every container image that is ``Ref param`` the image built from registry, name and
    tag, defaulting to the template's ECR repository; idempotent."""
    data = doc.data
    images, elsewhere = parameter_users(data, param)
    if elsewhere:
        raise EditError(f"parameter {param} is used outside container images")
    if not images:
        return
    first = doc.get(images[0][:-1]) or {}
    repo = ensure_repository(doc, first.get("Name"))
    registry = _ensure_parameter(
        doc,
        REGISTRY_PARAMETER,
        {
            "Type": "String",
            "Default": "",
            "Description": (
                "Registry that holds the container image (e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com "
                "or docker.io). Empty: the stack's own ECR repository."
            ),
        },
    )
    default = doc.get(("Parameters", param, "Default"))
    name, tag = (
        split_image(default) if isinstance(default, str) and default else (None, EXCLUDED_TAG)
    )
    tag_param = _ensure_parameter(
        doc,
        TAG_PARAMETER,
        {
            "Type": "String",
            "Default": tag,
            "AllowedPattern": "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$",
            "Description": "Tag of the container image to deploy; prefer an immutable release tag over latest.",
        },
    )
    if name is not None:
        set_value(doc, ("Parameters", param, "Default"), name)
    set_value(
        doc,
        ("Parameters", param, "Description"),
        f"Container image name only (repository path, no registry and no tag), used with {registry}.",
    )
    conditions = cfn.section(doc.data, "Conditions")
    wanted = {"Fn::Not": [{"Fn::Equals": [{"Ref": registry}, ""]}]}
    condition = next((n for n, c in conditions.items() if c == wanted), None)
    if condition is None:
        condition = add_condition(doc, unique_id(doc, REGISTRY_CONDITION), wanted)
    image = {
        "Fn::If": [
            condition,
            {"Fn::Sub": f"${{{registry}}}/${{{param}}}:${{{tag_param}}}"},
            {"Fn::Sub": f"${{{repo}.RepositoryUri}}:${{{tag_param}}}"},
        ]
    }
    for path in images:
        set_value(doc, path, image)
    _group_parameters(doc, param, [registry, tag_param])
    # The image now defaults to a repository this stack creates empty: the service must wait
    # for its images (spec 5.3), and its alarms with it (spec 8.4).
    from fixers.rules.monitoring.mf0804_conditional_alarms import gate

    tasks = {path[1] for path in images}
    for sid, svc in common.services(doc.data):
        if common.task_of(doc.data, svc) in tasks:
            gate(doc, sid)


def _group_parameters(doc: Document, param: str, new: list[str]) -> None:
    """List new parameters in the console's parameter group of ``param``, if it has one."""
    groups = doc.get(("Metadata", "AWS::CloudFormation::Interface", "ParameterGroups"))
    if not isinstance(groups, list):
        return
    for i, group in enumerate(groups):
        names = group.get("Parameters") if isinstance(group, dict) else None
        if isinstance(names, list) and param in names:
            for n in new:
                if not any(
                    isinstance(g, dict) and n in (g.get("Parameters") or []) for g in groups
                ):
                    add_list_item(
                        doc,
                        (
                            "Metadata",
                            "AWS::CloudFormation::Interface",
                            "ParameterGroups",
                            i,
                            "Parameters",
                        ),
                        n,
                    )
            return
