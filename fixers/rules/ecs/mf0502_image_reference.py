"""MF0502: the image is built from registry, name and tag (spec 5.2 and 12.3)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers.document import Document
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common, image


class ImageReference(Rule):
    code = "MF0502"
    spec = ("5.2", "12.3")
    title = "Container image is a full path in one parameter"
    area = "ecs"
    severity = "medium"
    fix_applicability = "unsafe"
    deploy_impact = "unknown"
    why = """
        A single parameter holding `registry/name:tag` ties the stack to one registry and hides
        the tag inside a free-form string: the platform cannot default to its own ECR repository,
        and which tag runs is not visible as a parameter of its own. The spec wants a name-only
        `ContainerImage`, a `ContainerRegistryURL` and the tag, with a condition that builds the
        image from the stack's ECR repository when no registry is given.
    """
    bad = """
        ContainerImage:
          Type: String
          Default: meridian/transaction-processor:latest
        ...
              Image: !Ref ContainerImage
    """
    good = """
        ContainerImage:
          Type: String
          Default: meridian/transaction-processor      # name only
        ContainerRegistryURL:
          Type: String
          Default: ''
        ImageTag:
          Type: String
          Default: latest
        Conditions:
          HasContainerRegistryURL: !Not [!Equals [!Ref ContainerRegistryURL, '']]
        ...
              Image: !If
                - HasContainerRegistryURL
                - !Sub ${ContainerRegistryURL}/${ContainerImage}:${ImageTag}
                - !Sub ${ECRRepository.RepositoryUri}:${ImageTag}
    """
    fix_safety = """
        Unsafe (interruption). The parameter keeps its name and becomes name-only (its default
        loses registry and tag; the tag becomes `ImageTag`'s default, `latest` when it had none),
        `ContainerRegistryURL` (default empty) and `ImageTag` are added with the
        `HasContainerRegistryURL` condition, and every container image that was the parameter
        becomes the `Fn::If` above. The else branch needs a repository: the template's only ECR
        repository, or the one MF0501 adds (created here when MF0501 has not run, so the result
        is the same in any order). With the default empty registry a deployed service switches to
        that repository on the next update: an empty repository means tasks that cannot start.
        Stacks that pass a full image path as the parameter value must pass the name, the
        registry and the tag separately afterwards.
    """
    notes = """
        Silent when the image is already built from parts (`Fn::Sub`, `Fn::Join`), is a literal,
        or comes from an SSM parameter type or `Fn::ImportValue`. When the parameter is used
        elsewhere than container images the finding has no automatic fix.
    """

    def wire_image(self, doc: Document, param: str) -> None:
        image.wire_image(doc, param)

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for c in common.containers(data):
            param = image.image_parameter(data, c.definition.get("Image"))
            if param is None:
                continue
            _, elsewhere = image.parameter_users(data, param)
            repos = image.repositories(data)
            fix = None
            if not elsewhere and len(repos) <= 1:
                fix = Fix(
                    title=f"Build {c.label}'s image from {image.REGISTRY_PARAMETER}, {param} and {image.TAG_PARAMETER}, "
                    "defaulting to the stack's ECR repository",
                    action="wire_image",
                    args=(param,),
                    impact="unknown",
                    impact_detail=(
                        "the image parameter changes, so what a deploy passes for it may no longer fit; "
                        "new task definition revision; with ContainerRegistryURL empty it pulls from the stack's ECR "
                        "repository, which must hold the image first"
                    ),
                )
            why_not = ""
            if elsewhere:
                why_not = f" {param} is used elsewhere too: split it by hand."
            elif len(repos) > 1:
                why_not = " The template has several ECR repositories: which one is the image's is not clear."
            default = data.get("Parameters", {}).get(param, {}).get("Default")
            yield self.finding(
                c.path + ("Image",),
                f"Container {c.label} of {c.task} takes its whole image reference from parameter {param}"
                + (f" (default {default!r})" if isinstance(default, str) else "")
                + ": registry, name and tag should be separate, with the stack's ECR repository as default."
                + why_not,
                fix,
            )
