"""Deploy impact derived from what a fix's edits change on the template as it is deployed.

A rule declares the impact of its fix; the engine does not take that on trust. After a fix is
applied, the edits it made are read against the original template (the deployed stack) and the
resource schemas (``fixers.schema``): a create-only property changed is a replacement, a
conditionally create-only one a possible replacement, a resource or a property removed is a
deletion, a resource put under a condition may be deleted, and whatever cannot be read (a
schema, an exported output, a parameter a deploy must now pass) is unknown. A rule may raise
this impact, never lower it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from fixers import schema
from fixers.model import IMPACTS, worst_impact

if TYPE_CHECKING:
    from fixers.document import Document, Edit

VERSIONED = {
    "AWS::ECS::TaskDefinition": "a new revision of task definition {lid}; services that use it roll "
    "their tasks onto it (a rolling deployment, as their deployment configuration allows)",
}
"""Types whose every change is a new version, not a replacement of something running."""

NO_DEPLOY_EFFECT = {
    "DependsOn",
    "Metadata",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "UpdatePolicy",
    "CreationPolicy",
}
"""Resource attributes whose change alters no deployed resource (they govern later operations)."""

PARAMETER_TEXT = {"Description", "ConstraintDescription"}

NO_EFFECT_SECTIONS = {"Description", "Metadata", "AWSTemplateFormatVersion"}
"""Template sections whose change alters nothing deployed."""


class Impact(NamedTuple):
    impact: str
    detail: str


NONE = Impact("none", "no change to deployed resources")


def worse(a: Impact, b: Impact) -> Impact:
    """The worse of two impacts (the first on a tie)."""
    return b if IMPACTS.index(b.impact) > IMPACTS.index(a.impact) else a


def derive(doc: Document, edits: Iterable[Edit]) -> Impact:
    """The worst deploy impact of these edits on the deployed template, with what causes it."""
    regions = schema.regions_for(doc.path)
    found: dict[str, list[str]] = {}
    for edit in edits:
        impact, detail = _one(doc.deployed, doc.data, edit.kind, tuple(edit.path), regions)
        if impact != "none" and detail not in found.setdefault(impact, []):
            found[impact].append(detail)
    if not found:
        return NONE
    impact = worst_impact(*found)
    return Impact(impact, "; ".join(found[impact]))


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


_ABSENT = object()


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        if (isinstance(data, dict) and step in data) or (
            isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data)
        ):
            data = data[step]
        else:
            return _ABSENT
    return data


def _as_deployed(value: Any, deployed: dict[str, Any], now: dict[str, Any]) -> Any:
    """``value`` as a deploy that passes no new parameter resolves it: a ``Ref`` to a parameter
    the deployed template does not have becomes that parameter's default."""
    if isinstance(value, dict):
        if len(value) == 1 and "Ref" in value and isinstance(value["Ref"], str):
            name = value["Ref"]
            new = _section(now, "Parameters").get(name)
            if (
                name not in _section(deployed, "Parameters")
                and isinstance(new, dict)
                and "Default" in new
            ):
                return new["Default"]
        return {k: _as_deployed(v, deployed, now) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_deployed(v, deployed, now) for v in value]
    return value


def _same(old: Any, new: Any) -> bool:
    """Equal as CloudFormation passes them on: scalars compare as the strings it sends."""
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(_same(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new, strict=False))
    if old is _ABSENT or new is _ABSENT:
        return old is new
    if isinstance(old, (dict, list)) or isinstance(new, (dict, list)):
        return False
    if isinstance(old, bool) or isinstance(new, bool):
        return str(old).lower() == str(new).lower()
    return str(old) == str(new)


def _one(
    deployed: dict[str, Any],
    now: dict[str, Any],
    kind: str,
    path: tuple[Any, ...],
    regions: tuple[str, ...],
) -> Impact:
    if not path:
        return Impact("unknown", "rewrites the whole template")
    if kind == "set" and _same(_get(deployed, path), _as_deployed(_get(now, path), deployed, now)):
        return NONE  # the value a deploy resolves is the one deployed (a literal moved to a parameter's default)
    section = path[0]
    if section in NO_EFFECT_SECTIONS:
        return NONE
    if section == "Transform":
        return Impact(
            "unknown",
            "changes the template's transforms: a deploy then needs CAPABILITY_AUTO_EXPAND",
        )
    if len(path) == 1:
        if (
            section in ("Parameters", "Outputs", "Conditions", "Mappings")
            and kind == "set"
            and section not in deployed
        ):
            return NONE  # a section a fix adds, created with its first entry
        return Impact("unknown", f"rewrites the {section} section")
    name = path[1]
    if section == "Resources":
        return _resource(deployed, now, kind, path, regions)
    existing = _section(deployed, section)
    if name not in existing:
        if section == "Parameters" and kind == "set" and len(path) == 2:
            value = _section(now, "Parameters").get(name)
            if isinstance(value, dict) and "Default" not in value:
                return Impact(
                    "unknown",
                    f"adds parameter {name} without a default: every deploy must now pass a value",
                )
        return NONE  # a new entry changes nothing deployed
    if section == "Outputs":
        if len(path) == 2 and kind == "delete":
            return Impact("deletion", f"removes output {name}")
        if isinstance(existing[name], dict) and "Export" in existing[name]:
            return Impact(
                "unknown",
                f"changes exported output {name}: CloudFormation refuses that while another stack imports it",
            )
        return Impact("update", f"changes the value of output {name}")
    if section == "Parameters":
        if len(path) >= 3 and path[2] in PARAMETER_TEXT:
            return NONE
        return Impact(
            "unknown", f"changes parameter {name}: what deploys pass or get by default may change"
        )
    if section == "Conditions":
        return Impact(
            "unknown", f"changes condition {name}: resources it gates may be created or deleted"
        )
    if section == "Mappings":
        if len(path) == 3 and kind == "set" and path[2] not in _section(existing, name):
            return NONE  # a new key of a mapping
        return Impact(
            "unknown", f"changes mapping {name}: values that resources read from it may change"
        )
    return Impact("unknown", f"changes {section}")


def _resource(
    deployed: dict[str, Any],
    now: dict[str, Any],
    kind: str,
    path: tuple[Any, ...],
    regions: tuple[str, ...],
) -> Impact:
    lid = path[1]
    old = _section(deployed, "Resources").get(lid)
    if not isinstance(old, dict):
        return (
            NONE  # a resource the deployed stack does not have: creating it changes nothing there
        )
    rtype = str(old.get("Type"))
    if len(path) == 2:
        if kind == "delete":
            return Impact("deletion", f"removes {lid} ({rtype}): the deployed resource is deleted")
        return Impact("unknown", f"rewrites {lid} ({rtype}) whole")
    attribute = path[2]
    if attribute in NO_DEPLOY_EFFECT:
        return NONE
    if attribute == "Condition":
        if kind == "delete":
            return Impact("update", f"{lid} no longer depends on a condition")
        return Impact(
            "deletion",
            f"{lid} ({rtype}) now exists only when its condition holds: where it does not, the deployed resource is deleted",
        )
    if attribute == "Type":
        return Impact("replacement", f"changes the type of {lid}")
    if attribute != "Properties":
        return Impact("unknown", f"changes {attribute} of {lid}")
    if len(path) == 3:
        # The whole Properties mapping: judge each top-level property that differs.
        before = _get(deployed, path)
        after = _get(now, path)
        before = before if isinstance(before, dict) else {}
        after = after if isinstance(after, dict) else {}
        result = NONE
        for prop in sorted(set(before) | set(after)):
            if not _same(
                before.get(prop, _ABSENT), _as_deployed(after.get(prop, _ABSENT), deployed, now)
            ):
                gone = prop not in after
                result = worse(
                    result, _property(lid, rtype, (prop,), "delete" if gone else "set", regions)
                )
        return result
    return _property(lid, rtype, path[3:], kind, regions)


def _property(
    lid: str, rtype: str, prop_path: tuple[Any, ...], kind: str, regions: tuple[str, ...]
) -> Impact:
    name = ".".join(str(p) for p in prop_path)
    impact = schema.change_impact(rtype, prop_path, regions)
    if impact == schema.UNKNOWN:
        return Impact(
            "unknown",
            f"the resource schema of {rtype} cannot be read: changing {name} of {lid} has an unknown impact",
        )
    if rtype in VERSIONED and impact in (schema.REPLACEMENT, schema.POSSIBLE_REPLACEMENT):
        return Impact("revision", VERSIONED[rtype].format(lid=lid))
    if impact == schema.REPLACEMENT:
        return Impact(
            "replacement", f"{name} is create-only on {rtype}: the deployed {lid} is replaced"
        )
    if impact == schema.POSSIBLE_REPLACEMENT:
        return Impact(
            "possible replacement",
            f"{name} is conditionally create-only on {rtype}: the deployed {lid} may be replaced",
        )
    if kind == "delete":
        return Impact(
            "deletion",
            f"removes {name} from {lid}: what it configured on the deployed resource is gone",
        )
    return Impact("update", f"updates {name} of {lid} in place")
