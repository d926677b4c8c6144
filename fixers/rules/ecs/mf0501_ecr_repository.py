"""MF0501: the task's image comes from a repository the template creates (spec 5.1)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers import cfn
from fixers.document import Document
from fixers.ecs_deploy import PARAMETER
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common, image


class ECRRepository(Rule):
    code = "MF0501"
    spec = ("5.1", "5.3", "8.4")
    title = "No ECR repository for the service's container image"
    area = "ecs"
    kind = "convention"
    severity = "low"
    fix_applicability = "unsafe"
    deploy_impact = "unknown"
    why = """
        The ECS service runs an image given as a full path in a parameter, from a registry the
        stack does not manage (here Docker Hub). Nothing scans the images for vulnerabilities, no
        lifecycle policy bounds their number, and pulls go over the internet. A financial
        platform keeps its images in an ECR repository of its own: encrypted, scanned on push,
        with a lifecycle policy and tags.
    """
    bad = """
        Parameters:
          ContainerImage:
            Type: String
            Default: meridian/transaction-processor:latest
        Resources:
          TaskDefinition:
            Type: AWS::ECS::TaskDefinition
            Properties:
              ContainerDefinitions:
                - Name: transaction-processor
                  Image: !Ref ContainerImage
    """
    good = """
        ECRRepository:
          Type: AWS::ECR::Repository
          DeletionPolicy: Retain
          UpdateReplacePolicy: Retain
          Properties:
            ImageScanningConfiguration:
              ScanOnPush: true
            ImageTagMutability: IMMUTABLE_WITH_EXCLUSION
            ImageTagMutabilityExclusionFilters:
              - ImageTagMutabilityExclusionFilterType: WILDCARD
                ImageTagMutabilityExclusionFilterValue: latest
            EncryptionConfiguration:
              EncryptionType: KMS
            LifecyclePolicy:
              LifecyclePolicyText: '{"rules":[...]}'   # untagged after 14 days, keep 50
            Tags:
              - Key: Name
                Value: !Sub ${AWS::StackName}-transaction-processor
        TaskDefinition:
          ...
                  Image: !If
                    - HasContainerRegistryURL
                    - !Sub ${ContainerRegistryURL}/${ContainerImage}:${ImageTag}
                    - !Sub ${ECRRepository.RepositoryUri}:${ImageTag}
    """
    fix_safety = """
        Unsafe (interruption). The fix adds the repository (retained on stack deletion and
        replacement), an `ECRRepositoryURI` output, and makes the task's image use it, as MF0502
        does (the two fixes give the same text): with `ContainerRegistryURL` left empty the new
        task definition revision pulls `<repository>:<ImageTag>`. On a running stack the
        repository is created empty in the same update, so the new tasks cannot pull their image
        and the deployment fails (the circuit breaker rolls it back, but the service runs below
        its capacity meanwhile). Push the image first, or deploy with `ContainerRegistryURL` set
        to the registry in use until then.

        Because the new repository starts empty, the fix also gates the service on
        `DeployECSService` (default `false`, spec 5.3, as MF0503 does) and puts the alarms that
        watch it under the same condition (spec 8.4, as MF0804 does): unsafe (deletion). On a
        deployed stack the default deletes the running service, its scaling and its alarms on
        the next update: update running stacks with `DeployECSService=true`. On a new stack,
        deploy with `false`, push the image, then set it to `true`.
    """
    notes = """
        Tag immutability: the spec deploys the `latest` tag, which a fully `IMMUTABLE` repository
        refuses to overwrite after the first push, and a `MUTABLE` one lets anybody silently
        replace any release. The repository is `IMMUTABLE_WITH_EXCLUSION` with `latest` excluded:
        release tags (`1.4.2`, a commit hash) can never be rewritten, `latest` can move. Prefer
        deploying an immutable release tag through `ImageTag`. checkov's CKV_AWS_51 ("ECR image
        tags are immutable") only accepts `IMMUTABLE` and so reports this repository: that is
        the one checkov exception this fix keeps, for the reason above.

        Encryption is `KMS` with the AWS-managed `aws/ecr` key: ECR decrypts for pulls through its
        own grants, so no task role needs key permissions; a customer-managed key can be set in
        `EncryptionConfiguration.KmsKey` (a create-only property: set it before the first deploy).
        The task execution role needs the ECR pull permissions (`AmazonECSTaskExecutionRolePolicy`
        has them). The rule speaks only where the image is a template parameter holding a full
        path and the template has no ECR repository; a literal public image (a sample such as
        `nginx`) or an image from `Fn::ImportValue`/SSM is left alone.

        Premise and kind: the platform keeps its images in a repository of its own; a template
        that pulls from another registry is a valid choice elsewhere, so the finding is a
        `convention` (low). It answers spec items 5.1, 5.3 and 8.4 together: the service only
        needs a deploy condition (5.3), and its alarms only need to follow it (8.4), once its
        image comes from a repository the stack creates, which is what this fix makes. MF0503
        and MF0804 report on their own only where that premise already holds.
    """

    def wire_image(self, doc: Document, param: str) -> None:
        image.wire_image(doc, param)

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        if image.repositories(data):
            return
        for c in common.containers(data):
            param = image.image_parameter(data, c.definition.get("Image"))
            if param is None:
                continue
            _, elsewhere = image.parameter_users(data, param)
            default = cfn.section(data, "Parameters").get(param, {}).get("Default")
            fix = None
            if not elsewhere:
                fix = Fix(
                    title=f"Add an ECR repository (scan on push, lifecycle policy, KMS), build {c.label}'s image "
                    f"from it, and deploy {c.service} and its alarms only when {PARAMETER} is true",
                    action="wire_image",
                    args=(param,),
                    impact="unknown",
                    impact_detail=(
                        "the image parameter changes, so what a deploy passes for it may no longer fit; "
                        "new task definition revision pulling from the new, empty repository: tasks fail to start "
                        f"until the image is pushed (or ContainerRegistryURL is set); on a deployed stack the default "
                        f"{PARAMETER}=false deletes the running service and its alarms: update it with {PARAMETER}=true"
                    ),
                )
            yield self.finding(
                c.path + ("Image",),
                f"Container {c.label} of {c.task} runs the image given by parameter {param}"
                + (f" (default {default!r})" if isinstance(default, str) else "")
                + "; the stack creates no ECR repository for it (the platform's convention: a repository of "
                "its own, scanned on push, with a lifecycle policy and encryption)."
                + (
                    ""
                    if fix
                    else f" {param} is used elsewhere too, so the image is not rewired automatically."
                ),
                fix,
            )
