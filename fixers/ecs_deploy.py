"""The condition that gates the ECS service's deployment (spec 5.3), shared by the rules that
put the service, and what depends on it, under that condition.

``ensure_deploy_condition`` reuses a condition the template's ECS service already carries when
it tests a parameter (whatever both are called); otherwise it adds the spec's
``DeployECSService`` parameter and ``ShouldDeployECS`` condition. ``service_condition`` says
which condition a service carries now.
"""

from __future__ import annotations

from typing import Any

from fixers import cfn
from fixers.document import Document, EditError
from fixers.edits import add_condition, add_parameter, register_names

PARAMETER = "DeployECSService"
CONDITION = "ShouldDeployECS"

PARAMETER_DEFINITION: dict[str, Any] = {
    "Type": "String",
    "Default": "false",
    "AllowedValues": ["true", "false"],
    "Description": (
        "Deploy the ECS service. Set to true once the container images are pushed to the "
        "registry; while false, the service and what depends on it are not created."
    ),
}

register_names(PARAMETER, CONDITION)


def service_condition(doc: Document | dict[str, Any], service_id: str) -> str | None:
    """The Condition the service has now, or None."""
    data = doc.data if isinstance(doc, Document) else doc
    return cfn.condition_of(data, service_id)


def _tests_parameter(data: dict[str, Any], condition: str, seen: set[str] | None = None) -> bool:
    """True when a condition (through nested ``Condition`` references) tests a parameter."""
    seen = set() if seen is None else seen
    if condition in seen:
        return False
    seen.add(condition)
    conditions = cfn.section(data, "Conditions")
    params = cfn.section(data, "Parameters")
    body = conditions.get(condition)
    if body is None:
        return False
    for _, value in cfn.walk(body):
        if isinstance(value, dict) and len(value) == 1:
            ((k, arg),) = value.items()
            if k == "Ref" and isinstance(arg, str) and arg in params:
                return True
            if k == "Condition" and isinstance(arg, str) and _tests_parameter(data, arg, seen):
                return True
    return False


def existing_deploy_condition(data: dict[str, Any]) -> str | None:
    """A condition an ECS service of the template already carries and that tests a parameter."""
    for service_id, _ in cfn.of_type(data, "AWS::ECS::Service"):
        cond = cfn.condition_of(data, service_id)
        if cond and _tests_parameter(data, cond):
            return cond
    return None


def _equals_true_of(data: dict[str, Any], parameter: str) -> str | None:
    """An existing condition that is exactly ``Fn::Equals [Ref parameter, 'true']``."""
    conditions = cfn.section(data, "Conditions")
    for name, body in conditions.items():
        if isinstance(body, dict) and list(body) == ["Fn::Equals"]:
            args = body["Fn::Equals"]
            if isinstance(args, list) and len(args) == 2:
                for a, b in (args, args[::-1]):
                    if cfn.ref_target(a) == parameter and "Ref" in a and str(b).lower() == "true":
                        return name
    return None


def ensure_deploy_condition(doc: Document) -> str:
    """The condition that deploys the ECS service, created if missing; idempotent."""
    data = doc.data
    found = existing_deploy_condition(data)
    if found:
        return found
    params = cfn.section(data, "Parameters")
    existing = params.get(PARAMETER)
    if existing is None:
        add_parameter(doc, PARAMETER, dict(PARAMETER_DEFINITION))
    elif not isinstance(existing, dict):
        raise EditError(f"parameter {PARAMETER} is not a mapping")
    # A user-made DeployECSService parameter is reused as it is.
    name = _equals_true_of(doc.data, PARAMETER)
    if name:
        return name
    conditions = cfn.section(doc.data, "Conditions")
    if CONDITION in conditions:
        raise EditError(f"condition {CONDITION} exists with another definition")
    add_condition(doc, CONDITION, {"Fn::Equals": [{"Ref": PARAMETER}, "true"]})
    return CONDITION
