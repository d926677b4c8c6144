"""MF0502: the image is built from registry, name and tag (spec 5.2 and 12.3)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fixers import values
from fixers.document import Document
from fixers.ecs_deploy import PARAMETER
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common, image

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def tag_of(text: str) -> str | None:
    """``latest`` for an image written without a tag or with ``:latest``, ``pinned`` for a
    literal tag or digest, None where a parameter or value the template does not show decides."""
    last = text.rsplit("/", 1)[-1]
    if "@" in last:
        return "pinned"
    if ":" in _PLACEHOLDER.sub("", last):
        tag = last.rsplit(":", 1)[1]
        if "${" in tag or "}" in tag:
            return None
        return "latest" if tag == "latest" else "pinned"
    if last.endswith("}"):
        # ``${Repo.RepositoryUri}`` is a repository without a tag; ``${Parameter}`` may hold one.
        name = last[last.rfind("${") + 2 : -1]
        return "latest" if name.endswith(".RepositoryUri") else None
    return "latest"


class ImageReference(Rule):
    code = "MF0502"
    spec = ("5.2", "12.3")
    title = "Container image is a full path in one parameter"
    area = "ecs"
    kind = "convention"
    severity = "low"
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
        Premises and kinds. A String parameter holding the whole image (`registry/name:tag`):
        the platform's convention wants the parts separately, kind `convention`, low; the fix
        rewires it (and, since the image then defaults to the stack's new, empty repository,
        gates the service and its alarms on `DeployECSService` as MF0501's fix does). When that
        parameter's default has no tag or the tag `latest`, a deployment that keeps the default
        runs a mutable tag, the same gap as a hard-coded `latest` below: kind `hardening`, low
        (spec 12.3), with the same fix (the tag becomes `ImageTag`, still `latest` by default:
        pin it there). A parameter without a default shows no tag: convention only. An image
        the template writes itself (a literal, a mapping entry, the literal text of a `Fn::Sub`
        or `Fn::Join`) without a tag or with `:latest`: ECS pulls whatever `latest` is at each
        task start, a widely accepted hardening gap (spec 12.3), kind `hardening`, low, no
        automatic fix. A pinned image written in the template (`httpd:2.4`, an entry per Region
        in a mapping): kind `convention`, low, no automatic fix.

        Silent when the image is built from parameters (`${ImageTag}` and the like, the spec's
        own shape), comes from an SSM parameter type or `Fn::ImportValue`, or its tag is in a
        value the template does not show. When the parameter is used elsewhere than container
        images the finding has no automatic fix. Newly reported (recall): literal and mapping
        images, hard-coded untagged or `latest` images.
    """

    def wire_image(self, doc: Document, param: str) -> None:
        image.wire_image(doc, param)

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for c in common.containers(data):
            param = image.image_parameter(data, c.definition.get("Image"))
            if param is None:
                yield from self._written(data, c)
                continue
            _, elsewhere = image.parameter_users(data, param)
            repos = image.repositories(data)
            default = values.literal(data, {"Ref": param}, defaults_only=True)
            shown, mutable = "", False
            if isinstance(default, str) and default:
                mutable = tag_of(default) == "latest"
                untagged = ":" not in default.rsplit("/", 1)[-1] and "@" not in default
                shown = f" (default {default!r}" + (", no tag" if untagged else "") + ")"
            fix = None
            if not elsewhere and len(repos) <= 1:
                fix = Fix(
                    title=f"Build {c.label}'s image from {image.REGISTRY_PARAMETER}, {param} and {image.TAG_PARAMETER}, "
                    f"defaulting to the stack's ECR repository, and deploy {c.service} only when {PARAMETER} is true",
                    action="wire_image",
                    args=(param,),
                    impact="unknown",
                    impact_detail=(
                        "the image parameter changes, so what a deploy passes for it may no longer fit; "
                        "new task definition revision; with ContainerRegistryURL empty it pulls from the stack's ECR "
                        f"repository, which must hold the image first; on a deployed stack the default {PARAMETER}=false "
                        f"deletes the running service and its alarms: update it with {PARAMETER}=true"
                        + (
                            f"; {image.TAG_PARAMETER} defaults to latest still: pass a release tag"
                            if mutable
                            else ""
                        )
                    ),
                )
            why_not = ""
            if elsewhere:
                why_not = f" {param} is used elsewhere too: split it by hand."
            elif len(repos) > 1:
                why_not = " The template has several ECR repositories: which one is the image's is not clear."
            yield self.finding(
                c.path + ("Image",),
                f"Container {c.label} of {c.task} takes its whole image reference from parameter {param}{shown}"
                + (
                    ": deployed with its default it runs the mutable tag latest, which ECS pulls "
                    "again at each task start, so tasks of one service can run different images and "
                    "a deployment cannot be reproduced. Besides, the platform's convention takes "
                    "registry, name and tag separately, with the stack's ECR repository as default."
                    if mutable
                    else ": the platform's convention takes registry, name and tag separately, "
                    "with the stack's ECR repository as default."
                )
                + why_not,
                fix,
                **({"kind": "hardening", "severity": "low"} if mutable else {}),
            )

    def _written(self, data: dict[str, Any], c: common.Container) -> Iterator[Finding]:
        """An image the template writes itself (a literal, a mapping entry, the literal parts of
        a Sub): untagged or ``latest`` is hardening; a pinned image written in the template is
        the convention's gap only when nothing in it is a parameter."""
        texts = sorted(set(values.hard_coded(data, c.definition.get("Image"))))
        if not texts:
            return
        latest = [t for t in texts if tag_of(t) == "latest"]
        shown = ", ".join(repr(t) for t in (latest or texts)[:3]) + (
            " ..." if len(latest or texts) > 3 else ""
        )
        where = "comes from a mapping" if len(texts) > 1 else "is written in the template"
        if latest:
            yield self.finding(
                c.path + ("Image",),
                f"Container {c.label} of {c.task} runs image {shown}, which {where} "
                + (
                    "without a tag"
                    if all(":" not in t.rsplit("/", 1)[-1] for t in latest)
                    else "with tag latest"
                )
                + ": ECS pulls whatever latest is when each task starts, so tasks of one service can run "
                "different images and a deployment cannot be reproduced.",
                kind="hardening",
                severity="low",
            )
        elif all("${" not in t for t in texts) and all(tag_of(t) == "pinned" for t in texts):
            yield self.finding(
                c.path + ("Image",),
                f"Container {c.label} of {c.task} runs image {shown}, which {where}: changing it means "
                "editing the template (the platform's convention takes registry, name and tag as "
                "parameters, with the stack's ECR repository as default).",
            )
