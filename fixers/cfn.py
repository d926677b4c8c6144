"""Questions about a template's architecture, asked of its plain data by type and relationship.

Nothing here knows the spec's logical IDs: resources are found by their ``Type`` and tied
together through ``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` and ``DependsOn``.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from fixers import config

PSEUDO_PREFIX = "AWS::"
SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")
"""A ``${Name}`` or ``${Name.Attribute}`` of a ``Fn::Sub`` string (``${!Literal}`` is not one)."""


def production_values(settings: config.Settings) -> tuple[str, ...]:
    """Environment values that mean production (configurable: ``production-values``)."""
    return tuple(v.lower() for v in settings.production_values)


# -- the index of a tracked template ---------------------------------------------------------
#
# Rules ask the same questions of the same data many times (every resource's references, who
# refers to a resource, the resources of a type). A Document registers the data it edits with
# ``track`` and reports every change with ``changed``; for tracked data the answers are computed
# once and kept until the next change. Data nobody tracks (a test's dict, a value a fix builds)
# is answered afresh each time, so a caller can never see a stale answer.

_TRACKED_MAX = 8
_tracked: OrderedDict[int, list[Any]] = OrderedDict()  # id(data) -> [data, _Index | None]
_lock = threading.Lock()  # the app fixes a copy in a worker thread while the screen reads


class _Index:
    """What the rules ask of one state of a template, computed when first asked."""

    def __init__(self, data: dict[str, Any]) -> None:
        res = data.get("Resources")
        self.data = data
        self.resources: dict[str, dict[str, Any]] = (
            {k: v for k, v in res.items() if isinstance(v, dict)} if isinstance(res, dict) else {}
        )
        self.ids = {id(v): k for k, v in self.resources.items()}
        self.refs: dict[str, frozenset[str]] = {}
        self._by_type: dict[str, list[tuple[str, dict[str, Any]]]] | None = None
        self._referrers: dict[str, list[str]] | None = None
        self._dependents: dict[str, list[str]] | None = None
        self._direct: dict[str, list[tuple[Any, ...]]] | None = None

    def refs_of(self, lid: str) -> frozenset[str]:
        found = self.refs.get(lid)
        if found is None:
            collected: set[str] = set()
            _collect_refs(self.resources[lid], collected)
            found = self.refs[lid] = frozenset(collected)
        return found

    def by_type(self) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        if self._by_type is None:
            self._by_type = {}
            for k, v in self.resources.items():
                t = v.get("Type")
                if isinstance(t, str):
                    self._by_type.setdefault(t, []).append((k, v))
        return self._by_type

    def referrers(self) -> dict[str, list[str]]:
        """Target name to the resources whose definition refers to it, in template order."""
        if self._referrers is None:
            self._referrers = {}
            for lid in self.resources:
                for name in self.refs_of(lid):
                    self._referrers.setdefault(name, []).append(lid)
        return self._referrers

    def dependents(self) -> dict[str, list[str]]:
        """Target name to the resources that refer to it or name it in ``DependsOn``."""
        if self._dependents is None:
            self._dependents = {}
            for lid, r in self.resources.items():
                for name in self.refs_of(lid) | set(depends_on(r)):
                    self._dependents.setdefault(name, []).append(lid)
        return self._dependents

    def direct_uses(self) -> dict[str, list[tuple[Any, ...]]]:
        """Name to the paths (in Resources, Outputs, Conditions) of the nodes that refer to it
        themselves: a ``Ref`` of it, or an ``Fn::Sub`` naming it."""
        if self._direct is None:
            self._direct = {}
            for section in ("Resources", "Outputs", "Conditions"):
                for path, value in walk(self.data.get(section) or {}, (section,)):
                    if isinstance(value, dict):
                        for name in _own_refs(value):
                            self._direct.setdefault(name, []).append(path)
        return self._direct


def track(data: dict[str, Any]) -> None:
    """Keep an index of ``data``, whose owner promises to call ``changed`` on every change."""
    with _lock:
        _tracked[id(data)] = [data, None]
        _tracked.move_to_end(id(data))
        while len(_tracked) > _TRACKED_MAX:
            _tracked.popitem(last=False)


def changed(data: dict[str, Any]) -> None:
    """``data`` (tracked) changed: forget what was computed from it."""
    with _lock:
        entry = _tracked.get(id(data))
        if entry is not None and entry[0] is data:
            entry[1] = None


def saved_index(data: dict[str, Any]) -> Any:
    """The index kept for ``data`` now (None if none), to give back with ``restore_index``."""
    with _lock:
        entry = _tracked.get(id(data))
        return entry[1] if entry is not None and entry[0] is data else None


def restore_index(data: dict[str, Any], index: Any) -> None:
    """``data`` is back in the very state ``index`` was computed from (its edits were undone,
    every container holding the same objects again): keep that index instead of building anew."""
    if index is None or index.data is not data:
        return
    with _lock:
        entry = _tracked.get(id(data))
        if entry is not None and entry[0] is data:
            entry[1] = index


def _index(data: Any) -> _Index:
    """The kept index of tracked data; for other data a fresh one, answered afresh each time."""
    with _lock:
        entry = _tracked.get(id(data))
    if entry is None or entry[0] is not data:
        return _Index(data)
    idx = entry[1]
    if idx is None:
        idx = _Index(data)  # built outside the lock: only this document's thread asks of it
        entry[1] = idx
    return idx


def _resource_index(value: Any) -> tuple[_Index, str] | None:
    """The index and logical ID when ``value`` is a resource definition of tracked data."""
    with _lock:
        entries = list(_tracked.values())
    for _data, idx in entries:
        if idx is not None:
            lid = idx.ids.get(id(value))
            if lid is not None and idx.resources[lid] is value:
                return idx, lid
    return None


def resources(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The template's resources (entries that are mappings), in template order. Read only."""
    return _index(data).resources


def of_type(data: dict[str, Any], *types: str) -> list[tuple[str, dict[str, Any]]]:
    """Resources of the given types, in template order."""
    idx = _index(data)
    by_type = idx.by_type()
    if len(types) == 1:
        return list(by_type.get(types[0], ()))
    wanted = {id(v) for t in types for _, v in by_type.get(t, ())}
    return [(k, v) for k, v in idx.resources.items() if id(v) in wanted]


def section(data: dict[str, Any], name: str) -> dict[str, Any]:
    """A top-level section of the template (``Parameters``, ``Conditions``...) when it is a
    mapping, else a new empty dict."""
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def props(resource: dict[str, Any]) -> dict[str, Any]:
    p = resource.get("Properties")
    return p if isinstance(p, dict) else {}


def refs(value: Any) -> set[str]:
    """Logical names a value refers to through Ref, Fn::GetAtt and Fn::Sub (no pseudo params)."""
    if isinstance(value, dict) and _tracked:
        hit = _resource_index(value)
        if hit is not None:
            return set(hit[0].refs_of(hit[1]))
    found: set[str] = set()
    _collect_refs(value, found)
    return found


def _own_refs(value: dict[str, Any]) -> set[str]:
    """Names a node itself refers to (not its children): Ref, or the variables of a Fn::Sub."""
    if len(value) != 1:
        return set()
    ((k, arg),) = value.items()
    if k == "Ref":
        return {arg} if isinstance(arg, str) else set()
    if k == "Fn::Sub":
        found: set[str] = set()
        _collect_refs(value, found)
        return found
    return set()


def _collect_refs(value: Any, found: set[str]) -> None:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if len(v) == 1:
                ((k, arg),) = v.items()
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
                    names = (
                        set(arg[1])
                        if isinstance(arg, list) and len(arg) > 1 and isinstance(arg[1], dict)
                        else set()
                    )
                    if isinstance(template, str):
                        for var in SUB_VARIABLE.findall(template):
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
        ((k, arg),) = value.items()
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
    return list(_index(data).referrers().get(target, ()))


def dependents(data: dict[str, Any], target: str) -> list[str]:
    """Resources that refer to ``target`` or name it in ``DependsOn``, in template order."""
    return list(_index(data).dependents().get(target, ()))


def direct_uses(data: dict[str, Any], name: str) -> list[tuple[Any, ...]]:
    """Paths of the nodes in Resources, Outputs and Conditions that are themselves a ``Ref``
    of ``name`` or an ``Fn::Sub`` naming it."""
    return list(_index(data).direct_uses().get(name, ()))


def list_of(value: Any) -> list[Any]:
    """A property that holds a list, or a one-item list for a single value."""
    if isinstance(value, list):
        return value
    if value is None:
        return []
    return [value]


def production_condition(data: dict[str, Any], settings: config.Settings) -> tuple[str, str] | None:
    """An existing condition that tests an environment parameter for production.

    Returns (condition name, parameter name). ``Fn::Equals`` of a ``Ref`` to a parameter and a
    production-like literal, in either order, counts, whatever the condition is called.
    """
    conditions = data.get("Conditions")
    params = section(data, "Parameters")
    if not isinstance(conditions, dict):
        return None
    values = production_values(settings)
    preferred = settings.production_condition
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


def environment_parameter(data: dict[str, Any], settings: config.Settings) -> str | None:
    """A parameter that names the environment (its allowed values include a production one)."""
    params = data.get("Parameters")
    if not isinstance(params, dict):
        return None
    configured = settings.environment_parameter
    if isinstance(params.get(configured), dict):
        return configured
    values = production_values(settings)
    for name, p in params.items():
        if not isinstance(p, dict):
            continue
        allowed = p.get("AllowedValues")
        if isinstance(allowed, list) and any(
            isinstance(v, str) and v.lower() in values for v in allowed
        ):
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


def condition_of(data: dict[str, Any], logical_id: str) -> str | None:
    res = resources(data).get(logical_id)
    cond = res.get("Condition") if res else None
    return cond if isinstance(cond, str) else None


def unguarded(value: Any) -> Any:
    """The value inside ``Fn::If [condition, value, !Ref AWS::NoValue]`` (how a part that
    exists only under a condition is written), else ``value`` itself."""
    if isinstance(value, dict) and len(value) == 1 and "Fn::If" in value:
        args = value["Fn::If"]
        if (
            isinstance(args, list)
            and len(args) == 3
            and isinstance(args[0], str)
            and args[2] == {"Ref": "AWS::NoValue"}
        ):
            return args[1]
    return value
