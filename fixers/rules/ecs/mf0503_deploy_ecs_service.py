"""MF0503: the ECS service deploys only once its images exist (spec 5.3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document, EditError
from fixers.ecs_deploy import PARAMETER, ensure_deploy_condition, existing_deploy_condition
from fixers.edits import add_condition, register_names, set_resource_attribute, set_value
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common, image


def dependents(data: dict[str, Any], service_id: str) -> tuple[list[str], list[str]]:
    """Resources that refer to or depend on the service, transitively, and the outputs that
    refer to any of them (or to the service)."""
    res = cfn.resources(data)
    found: list[str] = []
    seen = {service_id}
    frontier = [service_id]
    while frontier:
        target = frontier.pop(0)
        for lid in cfn.dependents(data, target):
            if lid not in seen:
                seen.add(lid)
                found.append(lid)
                frontier.append(lid)
    outputs = cfn.section(data, "Outputs")
    outs = [name for name, o in outputs.items() if isinstance(o, dict) and cfn.refs(o) & seen]
    order = list(res)
    return sorted(found, key=order.index), outs


def combined_name(other: str, deploy: str) -> str:
    return f"{other}And{deploy}"


def exported_outputs(data: dict[str, Any], names: list[str]) -> list[str]:
    """Those of the outputs ``names`` that export a value other stacks may import."""
    outputs = cfn.section(data, "Outputs")
    return [n for n in names if isinstance(outputs.get(n), dict) and "Export" in outputs[n]]


def exported_note(exported: list[str]) -> str:
    """What gating exported outputs does, for a fix's deploy impact."""
    if not exported:
        return ""
    return (
        f"; exported output{'s' if len(exported) > 1 else ''} {', '.join(exported)} get{'' if len(exported) > 1 else 's'} "
        "the condition too: CloudFormation refuses to remove an export another stack imports, so the "
        "impact on importing stacks is unknown"
    )


class DeployECSService(Rule):
    code = "MF0503"
    spec = ("5.3",)
    title = "ECS service deploys unconditionally, before its images exist"
    area = "ecs"
    kind = "defect"
    severity = "medium"
    fix_applicability = "unsafe"
    deploy_impact = "unknown"
    why = """
        On a first deployment the ECR repository is created empty in the same stack: a service
        that starts at once cannot pull its image, its tasks fail, and the stack creation hangs
        until the ECS deployment times out and rolls everything back. A `DeployECSService`
        parameter (default `false`, as the spec asks) lets the stack create the network, the
        database and the repository first; images are pushed; an update with `true` then
        creates the service with what depends on it (scaling, alarms, outputs).
    """
    bad = """
        ECSService:
          Type: AWS::ECS::Service
          Properties: ...
    """
    good = """
        Parameters:
          DeployECSService:
            Type: String
            Default: 'false'
            AllowedValues: ['true', 'false']
        Conditions:
          ShouldDeployECS: !Equals [!Ref DeployECSService, 'true']
        Resources:
          ECSService:
            Type: AWS::ECS::Service
            Condition: ShouldDeployECS
          ServiceScalableTarget:
            Type: AWS::ApplicationAutoScaling::ScalableTarget
            Condition: ShouldDeployECS
        Outputs:
          ECSServiceName:
            Condition: ShouldDeployECS
            Value: !GetAtt ECSService.Name
    """
    fix_safety = """
        Unsafe (deletion). The fix adds the parameter and condition (or reuses a condition that
        the service already carries) and puts the service, every resource that refers to or
        depends on it (scalable targets, scaling policies, alarms, transitively) and the outputs
        that refer to them under it. A resource that already has another condition gets a new
        condition that is both. On a deployed stack the default `false` DELETES the running
        service and its scaling and alarms on the next update: deploy running stacks with
        `DeployECSService=true`.
    """
    notes = """
        Premise: the service's images come from an ECR repository the same stack creates (an
        image that refers to it, or an ECR path built from the parameter that names it), and
        the service is not conditional. On a first deployment that repository is empty.

        No longer reported: services whose images come from elsewhere (a published image such
        as `nginx` or `httpd:2.4`, a parameter, another stack's repository): they can exist
        before the stack does, and the old finding's fix deleted the running service. Where
        the stack has no repository of its own yet, MF0501 reports it and its fix, which makes
        the repository, gates the service and its alarms as this rule would.

        A service that already carries a condition testing a parameter (whatever its name) is
        taken as gated already. Other rules that add resources referring to the service put them
        under the same condition (`fixers.ecs_deploy`).
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        if existing_deploy_condition(data):
            return
        for sid, svc in common.services(data):
            if cfn.condition_of(data, sid):
                continue  # conditioned on something else already: not second-guessed
            task = common.task_of(data, svc)
            repos = image.feeding_repositories(data, task) if task else []
            if not repos:
                continue  # its images come from elsewhere: they can exist before the stack does
            deps, outs = dependents(data, sid)
            listed = ", ".join(deps + [f"output {o}" for o in outs])
            exported = exported_outputs(data, outs)
            yield self.finding(
                ("Resources", sid),
                f"ECS service {sid} runs images from {', '.join(repos)}, which this stack creates empty, "
                f"and deploys with the stack: on a first deployment its tasks cannot pull an image. No "
                f"{PARAMETER} parameter gates it"
                + (f" (nor {listed}, which depend on it)." if listed else "."),
                Fix(
                    title=f"Add {PARAMETER} (default 'false') and deploy {sid}"
                    + (" and what depends on it" if listed else "")
                    + " only when it is true",
                    args=(sid,),
                    impact="unknown" if exported else "deletion",
                    impact_detail=(
                        f"on a deployed stack the default {PARAMETER}=false deletes the running service"
                        + (f" and {listed}" if listed else "")
                        + f"; update running stacks with {PARAMETER}=true"
                        + exported_note(exported)
                    ),
                ),
            )

    def apply(self, doc: Document, service_id: str) -> None:
        condition = ensure_deploy_condition(doc)
        data = doc.data
        current = cfn.condition_of(data, service_id)
        if current not in (None, condition):
            raise EditError(f"{service_id} carries condition {current} already")
        set_resource_attribute(doc, service_id, "Condition", condition)
        deps, outs = dependents(doc.data, service_id)
        for lid in deps:
            set_resource_attribute(
                doc, lid, "Condition", self._under(doc, cfn.condition_of(doc.data, lid), condition)
            )
        for name in outs:
            other = doc.get(("Outputs", name, "Condition"))
            wanted = self._under(doc, other if isinstance(other, str) else None, condition)
            if other != wanted:
                set_value(
                    doc, ("Outputs", name, "Condition"), wanted
                ) if other is not None else self._output_condition(doc, name, wanted)

    @staticmethod
    def _output_condition(doc: Document, name: str, condition: str) -> None:
        # Condition goes first in an output, before Description and Value.
        doc.set(
            ("Outputs", name, "Condition"), condition, rank=lambda k: {"Condition": 0}.get(k, 1)
        )

    @staticmethod
    def _under(doc: Document, other: str | None, condition: str) -> str:
        """``condition``, or a condition that is both ``other`` and ``condition``."""
        if other is None or other == condition:
            return condition
        conditions = doc.data.get("Conditions") or {}
        body = conditions.get(other)
        if (
            isinstance(body, dict)
            and list(body) == ["Fn::And"]
            and {"Condition": condition} in (body["Fn::And"] or [])
        ):
            return other  # already both
        name = combined_name(other, condition)
        register_names(name)
        add_condition(doc, name, {"Fn::And": [{"Condition": other}, {"Condition": condition}]})
        return name
