"""Edit primitives that fixes are built from: add a resource, parameter, condition or output,
set a property, wrap a value in ``Fn::If`` on the production condition, add to ``DependsOn``,
add an IAM statement.

Each primitive is idempotent and places what it adds at a canonical position (new logical IDs
in the order rules register them, list items by their ``Sid`` or value), so that fixes applied
in any order and any subset give the same text.
"""

from __future__ import annotations

import re
from typing import Any

from fixers import cfn
from fixers.document import Document, EditError
from fixers.patches import canonical_index

# The names rules may add, declared by their modules as they are imported (like the rule
# registry, written only at import); _rank_name imports every rule module first, so the answer
# never depends on which rules a caller happened to import.
_NAMES: set[str] = set()
_NAME_PATTERNS: list[re.Pattern[str]] = []


def register_names(*names: str) -> None:
    """Declare, at import, the logical IDs (resources, parameters, conditions, outputs) a rule
    may add.

    New entries go after the template's own entries, in alphabetical order among themselves.
    That order depends on nothing but the names, so the text the fixes write does not depend
    on the order in which they run.
    """
    _NAMES.update(names)


def register_name_pattern(pattern: str) -> None:
    """Declare, at import, a family of names a rule derives from the template's own IDs."""
    _NAME_PATTERNS.append(re.compile(pattern))


def _rank_name(name: Any) -> str | None:
    if not isinstance(name, str):
        return None
    from fixers.rules import all_rules

    all_rules()  # every rule module imported: every name declared
    if name in _NAMES or any(p.fullmatch(name) for p in _NAME_PATTERNS):
        return name
    return None


_CONVENTIONAL_ORDER = {
    k: i
    for i, k in enumerate(
        (
            "Sid",
            "Effect",
            "Principal",
            "NotPrincipal",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Condition",
        )
    )
}
"""IAM statement keys in the order people write them; other keys go alphabetically after them."""


def _rank_key(name: Any) -> tuple[int, str] | None:
    if not isinstance(name, str):
        return None
    return (_CONVENTIONAL_ORDER.get(name, len(_CONVENTIONAL_ORDER)), name)


def _rank_item(item: Any) -> str | None:
    if isinstance(item, dict) and list(item) == ["Fn::If"] and isinstance(item["Fn::If"], list):
        # A statement that exists under a condition ranks as the statement itself.
        branches = [
            b
            for b in item["Fn::If"][1:]
            if not (isinstance(b, dict) and b.get("Ref") == "AWS::NoValue")
        ]
        return _rank_item(branches[0]) if branches else None
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        sid = item.get("Sid")
        if isinstance(sid, str):
            return sid
        key = item.get("Key")
        if isinstance(key, str):
            return key
        name = item.get("Name")
        if isinstance(name, str):
            return name
    return None


def unique_id(doc: Document, base: str) -> str:
    """``base``, or ``base2``, ``base3``... when the name is taken in any section."""
    taken: set[str] = set()
    for sec in ("Resources", "Parameters", "Conditions", "Outputs", "Mappings"):
        value = doc.data.get(sec)
        if isinstance(value, dict):
            taken.update(value)
    if base not in taken:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def _add_entry(doc: Document, section: str, name: str, value: Any) -> str:
    current = doc.get((section, name))
    if current == value:
        return name
    if current is not None:
        raise EditError(f"{section}/{name} exists with another definition")
    if not isinstance(doc.data.get(section), dict):
        doc.set((section,), {name: value})
    else:
        doc.set((section, name), value, rank=_rank_name)
    return name


def add_resource(doc: Document, logical_id: str, resource: dict[str, Any]) -> str:
    return _add_entry(doc, "Resources", logical_id, resource)


def add_parameter(doc: Document, name: str, parameter: dict[str, Any]) -> str:
    return _add_entry(doc, "Parameters", name, parameter)


def add_condition(doc: Document, name: str, condition: Any) -> str:
    return _add_entry(doc, "Conditions", name, condition)


def add_mapping(doc: Document, name: str, mapping: dict[str, Any]) -> str:
    return _add_entry(doc, "Mappings", name, mapping)


def add_output(doc: Document, name: str, output: dict[str, Any]) -> str:
    return _add_entry(doc, "Outputs", name, output)


def set_property(doc: Document, logical_id: str, path: tuple[Any, ...] | str, value: Any) -> None:
    """Set ``Properties/<path>`` of a resource, adding the key in alphabetical place if new."""
    if isinstance(path, str):
        path = (path,)
    full = ("Resources", logical_id, "Properties") + tuple(path)
    if doc.get(full, object()) == value:
        return
    if not doc.exists(("Resources", logical_id, "Properties")):
        doc.set(("Resources", logical_id, "Properties"), {}, rank=_rank_resource_attr)
    doc.set(full, value, rank=_rank_key)


def set_value(doc: Document, path: tuple[Any, ...], value: Any) -> None:
    """Set any value, a new key going to its alphabetical place among the keys after it."""
    if doc.get(path, object()) == value:
        return
    doc.set(path, value, rank=_rank_key)


_RESOURCE_ATTR_ORDER = {
    k: i
    for i, k in enumerate(
        (
            "Type",
            "Condition",
            "DependsOn",
            "DeletionPolicy",
            "UpdateReplacePolicy",
            "Metadata",
            "Properties",
        )
    )
}


def _rank_resource_attr(name: Any) -> int | None:
    return _RESOURCE_ATTR_ORDER.get(name)


def set_resource_attribute(doc: Document, logical_id: str, attribute: str, value: Any) -> None:
    """Set ``Condition``, ``DependsOn``, ``DeletionPolicy`` ... next to ``Type``."""
    mine = _RESOURCE_ATTR_ORDER[attribute]
    # A new attribute goes before the first one that comes later in the canonical order
    # (``doc.set`` replaces an existing one in place and does nothing if it is equal).
    doc.set(
        ("Resources", logical_id, attribute),
        value,
        rank=lambda k: _RESOURCE_ATTR_ORDER.get(k, -1) if k != attribute else mine,
    )


def add_depends_on(doc: Document, logical_id: str, *targets: str) -> None:
    """Make a resource depend on targets, turning a single ``DependsOn`` into a list if needed."""
    current = doc.get(("Resources", logical_id, "DependsOn"))
    existing = cfn.depends_on({"DependsOn": current}) if current is not None else []
    missing = [t for t in targets if t not in existing]
    if not missing:
        return
    if current is None:
        set_resource_attribute(
            doc, logical_id, "DependsOn", sorted(missing) if len(missing) > 1 else missing[0]
        )
        return
    if isinstance(current, str):
        # One edit for the new list, in the order the appends below would give it.
        items = [current]
        for target in sorted(missing):
            items.insert(_canonical_position(items, target), target)
        doc.set(("Resources", logical_id, "DependsOn"), items)
        return
    for target in sorted(missing):
        doc.append(("Resources", logical_id, "DependsOn"), target, rank=_rank_item)


def _canonical_position(items: list[Any], item: Any) -> int:
    """Where ``Document.append`` puts an item ranked by ``_rank_item``."""
    return canonical_index(items, item, _rank_item)


def add_list_item(doc: Document, path: tuple[Any, ...], item: Any) -> None:
    """Append an item to a list unless an equal item is there, at its canonical place."""
    current = doc.get(path)
    if isinstance(current, list) and item in current:
        return
    if current is None:
        set_value(doc, path, [item])
        return
    doc.append(path, item, rank=_rank_item)


def add_statement(
    doc: Document, policy_document_path: tuple[Any, ...], statement: dict[str, Any]
) -> None:
    """Add an IAM statement to a policy document (a ``Statement`` dict becomes a list)."""
    path = tuple(policy_document_path) + ("Statement",)
    current = doc.get(path)
    if isinstance(current, dict):
        if current == statement:
            return
        items = [current]
        items.insert(_canonical_position(items, statement), statement)
        doc.set(path, items)  # one edit: the statement becomes a list with the new one in place
        return
    add_list_item(doc, path, statement)


def ensure_production_condition(doc: Document) -> str:
    """The condition that is true in production: an existing one, or ``IsProduction`` made now.

    An existing condition that tests the environment parameter for production is reused,
    whatever its name. Otherwise an ``Environment`` parameter (reusing one the template has) and
    ``IsProduction: !Equals [!Ref Environment, production]`` are added.
    """
    found = cfn.production_condition(doc.data, doc.settings)
    if found:
        return found[0]
    settings = doc.settings
    param = cfn.environment_parameter(doc.data, settings)
    value = settings.production_values[0] if settings.production_values else "production"
    if param is None:
        param = add_parameter(
            doc,
            unique_id(doc, settings.environment_parameter),
            {
                "Type": "String",
                "Default": "development",
                "AllowedValues": [value, "staging", "development"],
                "Description": "Deployment environment; production gets production sizing.",
            },
        )
    else:
        allowed = doc.get(("Parameters", param, "AllowedValues"))
        if isinstance(allowed, list):
            value = next(
                (
                    v
                    for v in allowed
                    if isinstance(v, str) and v.lower() in cfn.production_values(settings)
                ),
                value,
            )
    wanted = settings.production_condition
    name = wanted if wanted not in (doc.data.get("Conditions") or {}) else unique_id(doc, wanted)
    add_condition(doc, name, {"Fn::Equals": [{"Ref": param}, value]})
    return name


def wrap_if_production(doc: Document, path: tuple[Any, ...], production: Any, other: Any) -> str:
    """Set ``path`` to ``Fn::If [<production condition>, production, other]``."""
    condition = ensure_production_condition(doc)
    set_value(doc, path, {"Fn::If": [condition, production, other]})
    return condition


register_names("Environment", "IsProduction")
