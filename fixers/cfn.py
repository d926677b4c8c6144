"""Questions about a template's architecture, asked of its plain data by type and relationship.

Nothing here knows the spec's logical IDs: resources are found by their ``Type`` and tied
together through ``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` and ``DependsOn``.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from fixers import config

PSEUDO_PREFIX = "AWS::"
_SUB_VAR = re.compile(r"\$\{(?!!)([^}]+)\}")


def production_values() -> tuple[str, ...]:
    """Environment values that mean production (configurable: ``production-values``)."""
    return tuple(v.lower() for v in config.current().production_values)


def resources(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    res = data.get("Resources")
    if not isinstance(res, dict):
        return {}
    return {k: v for k, v in res.items() if isinstance(v, dict)}


def of_type(data: dict[str, Any], *types: str) -> list[tuple[str, dict[str, Any]]]:
    """Resources of the given types, in template order."""
    return [(k, v) for k, v in resources(data).items() if v.get("Type") in types]


def props(resource: dict[str, Any]) -> dict[str, Any]:
    p = resource.get("Properties")
    return p if isinstance(p, dict) else {}


def refs(value: Any) -> set[str]:
    """Logical names a value refers to through Ref, Fn::GetAtt and Fn::Sub (no pseudo params)."""
    found: set[str] = set()
    _collect_refs(value, found)
    return found


def _collect_refs(value: Any, found: set[str]) -> None:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if len(v) == 1:
                (k, arg), = v.items()
                if k == "Ref" and isinstance(arg, str):
                    if not arg.startswith(PSEUDO_PREFIX):
                        found.add(arg)
                    continue
                if k == "Fn::GetAtt":
                    if isinstance(arg, list) and arg and isinstance(arg[0], str):
                        found.add(arg[0])
                    elif isinstance(arg, str):
                        found.add(arg.split(".", 1)[0])
                    continue
                if k == "Fn::Sub":
                    template = arg[0] if isinstance(arg, list) and arg else arg
                    names = set(arg[1]) if isinstance(arg, list) and len(arg) > 1 and isinstance(arg[1], dict) else set()
                    if isinstance(template, str):
                        for var in _SUB_VAR.findall(template):
                            name = var.split(".", 1)[0]
                            if not name.startswith(PSEUDO_PREFIX) and name not in names:
                                found.add(name)
                    if isinstance(arg, list):
                        stack.extend(arg[1:])
                    continue
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def ref_target(value: Any) -> str | None:
    """The logical ID when a value is exactly a Ref or Fn::GetAtt of one resource."""
    if isinstance(value, dict) and len(value) == 1:
        (k, arg), = value.items()
        if k == "Ref" and isinstance(arg, str):
            return arg
        if k == "Fn::GetAtt":
            if isinstance(arg, list) and arg and isinstance(arg[0], str):
                return arg[0]
            if isinstance(arg, str):
                return arg.split(".", 1)[0]
    return None


def depends_on(resource: dict[str, Any]) -> list[str]:
    d = resource.get("DependsOn")
    if isinstance(d, str):
        return [d]
    if isinstance(d, list):
        return [x for x in d if isinstance(x, str)]
    return []


def referrers(data: dict[str, Any], target: str) -> list[str]:
    """Resources whose definition refers to ``target``."""
    return [k for k, v in resources(data).items() if target in refs(v)]


def list_of(value: Any) -> list[Any]:
    """A property that holds a list, or a one-item list for a single value."""
    if isinstance(value, list):
        return value
    if value is None:
        return []
    return [value]


def production_condition(data: dict[str, Any]) -> tuple[str, str] | None:
    """An existing condition that tests an environment parameter for production.

    Returns (condition name, parameter name). ``Fn::Equals`` of a ``Ref`` to a parameter and a
    production-like literal, in either order, counts, whatever the condition is called.
    """
    conditions = data.get("Conditions")
    params = data.get("Parameters") if isinstance(data.get("Parameters"), dict) else {}
    if not isinstance(conditions, dict):
        return None
    values = production_values()
    preferred = config.current().production_condition
    names = sorted(conditions, key=lambda n: n != preferred)  # the configured name first
    for name in names:
        cond = conditions[name]
        if not (isinstance(cond, dict) and list(cond) == ["Fn::Equals"]):
            continue
        args = cond["Fn::Equals"]
        if not (isinstance(args, list) and len(args) == 2):
            continue
        for a, b in (args, args[::-1]):
            param = ref_target(a) if isinstance(a, dict) and "Ref" in a else None
            if param and param in params and isinstance(b, str) and b.lower() in values:
                return name, param
    return None


def environment_parameter(data: dict[str, Any]) -> str | None:
    """A parameter that names the environment (its allowed values include a production one)."""
    params = data.get("Parameters")
    if not isinstance(params, dict):
        return None
    configured = config.current().environment_parameter
    if isinstance(params.get(configured), dict):
        return configured
    values = production_values()
    for name, p in params.items():
        if not isinstance(p, dict):
            continue
        allowed = p.get("AllowedValues")
        if isinstance(allowed, list) and any(isinstance(v, str) and v.lower() in values for v in allowed):
            return name
    for name in params:
        if name.lower() in ("environment", "env", "environmentname", "environmenttype", "stage"):
            return name
    return None


def walk(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) under a value, depth first."""
    stack = [(path, value)]
    while stack:
        p, v = stack.pop()
        yield p, v
        if isinstance(v, dict):
            stack.extend((p + (k,), x) for k, x in reversed(list(v.items())))
        elif isinstance(v, list):
            stack.extend((p + (i,), x) for i, x in reversed(list(enumerate(v))))


def is_literal(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def condition_of(data: dict[str, Any], logical_id: str) -> str | None:
    res = resources(data).get(logical_id)
    cond = res.get("Condition") if res else None
    return cond if isinstance(cond, str) else None
