"""Edit primitives that fixes are built from: add a resource, parameter, condition or output,
set a property, wrap a value in ``Fn::If`` on the production condition, add to ``DependsOn``,
add an IAM statement.

Each primitive is idempotent and places what it adds at a canonical position (new logical IDs
in the order rules register them, list items by their ``Sid`` or value), so that fixes applied
in any order and any subset give the same text.

Conditions travel with references: whatever a primitive adds that refers (``Ref``,
``Fn::GetAtt``, ``Fn::Sub``) to a resource under a ``Condition`` is put under an equivalent
condition where it stands (``condition_for``): a new resource or output gets a ``Condition``
attribute, a part of something unconditional (a list item, a statement, a property) is wrapped
in ``Fn::If [condition, part, !Ref AWS::NoValue]`` (or the value it replaces), and a dependency
on a conditional resource becomes a conditional reference in ``Metadata``, never a ``DependsOn``
(see "Conditions travel with references" below). Rules get this without asking for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
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
    """Add a resource; one that refers to resources under a condition gets that condition."""
    return _add_entry(doc, "Resources", logical_id, conditioned_entry(doc, "Resources", resource))


def add_parameter(doc: Document, name: str, parameter: dict[str, Any]) -> str:
    return _add_entry(doc, "Parameters", name, parameter)


def add_condition(doc: Document, name: str, condition: Any) -> str:
    return _add_entry(doc, "Conditions", name, condition)


def add_mapping(doc: Document, name: str, mapping: dict[str, Any]) -> str:
    return _add_entry(doc, "Mappings", name, mapping)


def add_output(doc: Document, name: str, output: dict[str, Any]) -> str:
    """Add an output; one whose value refers to resources under a condition gets that condition."""
    return _add_entry(doc, "Outputs", name, conditioned_entry(doc, "Outputs", output))


def set_property(doc: Document, logical_id: str, path: tuple[Any, ...] | str, value: Any) -> None:
    """Set ``Properties/<path>`` of a resource, adding the key in alphabetical place if new.

    A value that refers to a resource under a condition the resource does not share is set as
    ``Fn::If [condition, value, <what was there, or AWS::NoValue>]``, or, where the references
    are in list items of the value, with those items under the condition (``guarded``)."""
    if isinstance(path, str):
        path = (path,)
    full = ("Resources", logical_id, "Properties") + tuple(path)
    current = doc.get(full, _ABSENT)
    if current == value:
        return
    value = _guarded_value(doc, full, value, current)
    if current == value:
        return
    if not doc.exists(("Resources", logical_id, "Properties")):
        doc.set(("Resources", logical_id, "Properties"), {}, rank=_rank_resource_attr)
    doc.set(full, value, rank=_rank_key)


def set_value(doc: Document, path: tuple[Any, ...], value: Any) -> None:
    """Set any value, a new key going to its alphabetical place among the keys after it.

    Conditions travel with the value as in ``set_property``; a whole resource or output gets a
    ``Condition`` attribute instead (``conditioned_entry``)."""
    path = tuple(path)
    current = doc.get(path, _ABSENT)
    if current == value:
        return
    if len(path) == 2 and path[0] in _ENTRY_SECTIONS:
        value = conditioned_entry(doc, path[0], value)
    else:
        value = _guarded_value(doc, path, value, current)
    if current == value:
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
    """Make a resource depend on targets, turning a single ``DependsOn`` into a list if needed.

    A target under a condition the resource does not share is never put in ``DependsOn``
    (CloudFormation cannot depend on a resource that may not exist): the resource gets a
    conditional reference to it in its ``Metadata`` instead (``ConditionalDependsOn``), which
    orders the creation whenever the target exists; nothing, if it refers to the target already.
    """
    resource = cfn.resources(doc.data).get(logical_id) or {}
    plain, conditional = _split_dependencies(
        doc.data, resource, held_conditions(doc.data, ("Resources", logical_id)), targets
    )
    for target, condition in conditional:
        _add_conditional_dependency(doc, logical_id, target, condition)
    current = doc.get(("Resources", logical_id, "DependsOn"))
    existing = cfn.depends_on({"DependsOn": current}) if current is not None else []
    missing = [t for t in plain if t not in existing]
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


def add_list_item(
    doc: Document,
    path: tuple[Any, ...],
    item: Any,
    rank: Callable[[Any], Any] | None = _rank_item,
) -> None:
    """Append an item to a list unless an equal item is there, at its canonical place.

    An item that refers to a resource under a condition the list does not share is added as
    ``Fn::If [condition, item, AWS::NoValue]`` (or, when it refers to it only in list items of
    its own, with those items so: ``guarded``). A list that is itself
    ``Fn::If [condition, [...], AWS::NoValue]`` takes the item in its first branch when the
    item needs that condition, else it becomes a plain list of items each under the condition
    (an item that needs none must not vanish with the list). A value whose lists would have
    every item under a condition is put under it whole instead: an empty list is not an absent
    one (IAM rejects a statement with no Resource)."""
    path = tuple(path)
    current = doc.get(path)
    if isinstance(current, list) and item in current:
        return
    if current is None:
        set_value(doc, path, [item])
        return
    inner = cfn.unguarded(current)
    if isinstance(inner, list) and inner is not current:
        condition = current["Fn::If"][0]
        if item in inner:
            return
        outer = held_conditions(doc.data, path)
        if conditions_needed(doc.data, item, outer) and not conditions_needed(
            doc.data, item, outer | {condition}
        ):
            # The item needs a condition, and the list's covers it: it joins the list there.
            doc.append(path + ("Fn::If", 1), item, rank=rank)
            return
        # The item is not under the list's condition: each item takes the condition instead.
        current = [{"Fn::If": [condition, x, NO_VALUE]} for x in inner]
        doc.set(path, current)
    wanted = guarded(doc, path, item)
    if isinstance(current, list) and wanted in current:
        return
    doc.append(path, wanted, rank=rank)


def add_statement(
    doc: Document, policy_document_path: tuple[Any, ...], statement: dict[str, Any]
) -> None:
    """Add an IAM statement to a policy document (a ``Statement`` dict becomes a list).

    A statement that refers to a resource under a condition the policy does not share is added
    as ``Fn::If [condition, statement, AWS::NoValue]``, or with just the items of its lists that
    do (a ``Resource`` among others) so (``guarded``)."""
    path = tuple(policy_document_path) + ("Statement",)
    current = doc.get(path)
    if isinstance(current, dict):
        if current == statement:
            return
        wanted = guarded(doc, path, statement)
        if current == wanted:
            return
        items = [current]
        items.insert(_canonical_position(items, wanted), wanted)
        doc.set(path, items)  # one edit: the statement becomes a list with the new one in place
        return
    add_list_item(doc, path, statement)


# -- conditions travel with references -----------------------------------------------------
#
# What a fix adds must exist only where everything it refers to exists: a Ref, Fn::GetAtt or
# Fn::Sub of a resource under a Condition, from a place that condition does not cover, is
# W1001 to cfn-lint and fails the stack when the condition is false. ``condition_for`` says what
# condition a value needs where it stands; the edit primitives above apply it.

NO_VALUE: dict[str, str] = {"Ref": "AWS::NoValue"}
DEPENDS_KEY = "ConditionalDependsOn"
"""The ``Metadata`` key holding a resource's conditional references that stand for
``DependsOn`` on resources under a condition."""

_ENTRY_SECTIONS = ("Resources", "Outputs")
_ABSENT: Any = object()


def implies(data: dict[str, Any], a: str, b: str) -> bool:
    """Whether condition ``a`` holding means that ``b`` holds: the same name, or ``a`` is an
    ``Fn::And`` one of whose ``Condition`` operands implies ``b``."""
    conditions = cfn.section(data, "Conditions")
    seen: set[str] = set()
    stack = [a]
    while stack:
        name = stack.pop()
        if name == b:
            return True
        if name in seen:
            continue
        seen.add(name)
        stack.extend(_and_operands(conditions.get(name)) or ())
    return False


def _and_operands(body: Any) -> list[str] | None:
    """The condition names of ``Fn::And [{Condition: A}, ...]`` (inline operands left out)."""
    if not (isinstance(body, dict) and list(body) == ["Fn::And"]):
        return None
    args = body["Fn::And"]
    if not isinstance(args, list):
        return None
    return [
        x["Condition"]
        for x in args
        if isinstance(x, dict) and list(x) == ["Condition"] and isinstance(x["Condition"], str)
    ]


def held_conditions(data: dict[str, Any], path: tuple[Any, ...]) -> frozenset[str]:
    """The conditions that hold wherever the node at ``path`` is in effect: the ``Condition`` of
    the resource or output it is in, and those of the ``Fn::If`` first branches it is under."""
    held: set[str] = set()
    if len(path) >= 2 and path[0] in _ENTRY_SECTIONS:
        entry = cfn.section(data, path[0]).get(path[1])
        if isinstance(entry, dict) and isinstance(entry.get("Condition"), str):
            held.add(entry["Condition"])
    node: Any = data
    for i, step in enumerate(path):
        if (
            step == "Fn::If"
            and isinstance(node, dict)
            and list(node) == ["Fn::If"]
            and i + 1 < len(path)
            and path[i + 1] == 1
        ):
            args = node["Fn::If"]
            if isinstance(args, list) and args and isinstance(args[0], str):
                held.add(args[0])
        if (isinstance(node, dict) and step in node) or (
            isinstance(node, list) and isinstance(step, int) and -len(node) <= step < len(node)
        ):
            node = node[step]
        else:
            break
    return frozenset(held)


def _references(value: Any, held: frozenset[str]) -> Iterator[tuple[str, frozenset[str]]]:
    """(name, conditions held there) for every name ``value`` refers to, an ``Fn::If`` first
    branch holding its condition. The second branch holds the negation, which this vocabulary
    cannot state: its references are the template author's choice and are left alone (were one
    wrong, revalidation would see cfn-lint's W1001 and roll the fix back)."""
    stack: list[tuple[Any, frozenset[str]]] = [(value, held)]
    while stack:
        v, h = stack.pop()
        if isinstance(v, list):
            stack.extend((x, h) for x in v)
            continue
        if not isinstance(v, dict):
            continue
        if len(v) == 1:
            ((k, arg),) = v.items()
            if k == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
                if isinstance(arg[0], str):
                    stack.append((arg[1], h | {arg[0]}))
                    continue
            elif k in ("Ref", "Fn::GetAtt"):
                yield from ((name, h) for name in cfn.refs(v))
                continue
            elif k == "Fn::Sub":
                if isinstance(arg, list) and len(arg) > 1 and isinstance(arg[1], dict):
                    own = {"Fn::Sub": [arg[0], dict.fromkeys(arg[1], "")]}
                    yield from ((name, h) for name in cfn.refs(own))
                    stack.extend((x, h) for x in arg[1].values())
                else:
                    yield from ((name, h) for name in cfn.refs(v))
                continue
        stack.extend((x, h) for x in v.values())


def conditions_needed(
    data: dict[str, Any], value: Any, held: frozenset[str] | set[str] = frozenset()
) -> list[str]:
    """The conditions of the resources ``value`` refers to that the conditions ``held`` where it
    stands do not imply: none implied by another, sorted. Empty: it may stand there as it is."""
    found: set[str] = set()
    for name, here in _references(value, frozenset(held)):
        condition = cfn.condition_of(data, name)
        if condition is not None and not any(implies(data, h, condition) for h in here):
            found.add(condition)
    return sorted(c for c in found if not any(d != c and implies(data, d, c) for d in found))


def combined_condition(doc: Document, names: list[str] | tuple[str, ...]) -> str:
    """A condition that holds exactly when all the conditions ``names`` hold: the one name, an
    existing ``Fn::And`` of them (whatever it is called), or ``<A>And<B>...`` made now."""
    data = doc.data
    wanted = sorted(set(names))
    wanted = [c for c in wanted if not any(d != c and implies(data, d, c) for d in wanted)]
    if not wanted:
        raise ValueError("no condition to combine")
    if len(wanted) == 1:
        return wanted[0]
    for name, body in cfn.section(data, "Conditions").items():
        operands = _and_operands(body)
        if (
            operands is not None
            and len(operands) == len(body["Fn::And"])
            and sorted(set(operands)) == wanted
        ):
            return name
    if len(wanted) > 10:
        raise EditError(f"{len(wanted)} conditions to combine: Fn::And takes at most 10")
    name = unique_id(doc, "And".join(wanted))
    return add_condition(doc, name, {"Fn::And": [{"Condition": c} for c in wanted]})


def condition_for(
    doc: Document,
    value: Any,
    at: tuple[Any, ...] = (),
    held: frozenset[str] | set[str] = frozenset(),
) -> str | None:
    """The condition ``value`` must be under to stand at ``at`` (a path into the template):
    None when every resource it refers to exists wherever ``at`` is in effect (the conditions
    of ``held_conditions(at)`` and ``held`` cover them), else the one condition they need, or a
    condition made once that is the ``Fn::And`` of several (``combined_condition``)."""
    needed = conditions_needed(doc.data, value, held_conditions(doc.data, at) | frozenset(held))
    return combined_condition(doc, needed) if needed else None


def guarded(doc: Document, path: tuple[Any, ...], value: Any, otherwise: Any = NO_VALUE) -> Any:
    """``value`` as it may stand at ``path``: itself when every resource it refers to exists
    wherever ``path`` is in effect; else with each list item in it that refers to one that may
    not wrapped in ``Fn::If [condition, item, AWS::NoValue]`` (the rest of it stays
    unconditional); else, when such a reference is not inside a list item of it (a mapping key,
    an intrinsic function, the value itself), ``Fn::If [condition, value, otherwise]``."""
    held = held_conditions(doc.data, tuple(path))
    parts = _guard_parts(doc, value, held)
    if parts is not _WHOLE:
        return parts
    return {"Fn::If": [_condition_of_all(doc, value, held), value, otherwise]}


def _guarded_value(doc: Document, path: tuple[Any, ...], value: Any, current: Any) -> Any:
    """``guarded`` for a value set in place of ``current``: what was there is what stays where
    the condition does not hold (AWS::NoValue if nothing was), and an ``Fn::If`` made for the
    same condition before is reused."""
    held = held_conditions(doc.data, path)
    parts = _guard_parts(doc, value, held)
    if parts is not _WHOLE:
        return parts
    condition = _condition_of_all(doc, value, held)
    otherwise = NO_VALUE if current is _ABSENT else current
    if isinstance(current, dict) and list(current) == ["Fn::If"]:
        args = current["Fn::If"]
        if isinstance(args, list) and len(args) == 3 and args[0] == condition:
            otherwise = args[2]  # set before under the same condition: replace what it sets
    return {"Fn::If": [condition, value, otherwise]}


_WHOLE: Any = object()


def _condition_of_all(doc: Document, value: Any, held: frozenset[str]) -> str:
    return combined_condition(doc, conditions_needed(doc.data, value, held))


def _is_intrinsic(value: dict[str, Any]) -> bool:
    if len(value) != 1:
        return False
    ((key, _),) = value.items()
    return isinstance(key, str) and (key in ("Ref", "Condition") or key.startswith("Fn::"))


def _in_list_items(data: dict[str, Any], value: Any, held: frozenset[str]) -> bool:
    """Whether every reference in ``value`` that needs a condition ``held`` does not imply is
    inside a list item of it (which can be put under the condition alone)."""
    if not conditions_needed(data, value, held) or isinstance(value, list):
        return True
    if isinstance(value, dict) and not _is_intrinsic(value):
        return all(_in_list_items(data, v, held) for v in value.values())
    return False


def _guard_parts(doc: Document, value: Any, held: frozenset[str]) -> Any:
    """``value`` with every list item in it that needs a condition ``held`` does not imply put
    under that condition (``Fn::If [condition, item, AWS::NoValue]``); ``_WHOLE`` when a
    reference that needs one is not inside a list item (only the value as a whole can be put
    under the condition: a mapping never loses a key)."""
    if not _in_list_items(doc.data, value, held):
        return _WHOLE
    if not conditions_needed(doc.data, value, held):
        return value
    if isinstance(value, list):
        parts = [_guard_parts(doc, item, held) for item in value]
        if parts and all(part is _WHOLE for part in parts):
            # Every item would be under a condition: when they are all false the list would be
            # empty, which is not "absent" (an IAM statement with no Resource is rejected), so
            # the list's owner is put under the condition instead.
            return _WHOLE
        return [
            {"Fn::If": [_condition_of_all(doc, item, held), item, NO_VALUE]}
            if part is _WHOLE
            else part
            for item, part in zip(value, parts, strict=True)
        ]
    members = {k: _guard_parts(doc, v, held) for k, v in value.items()}
    if any(member is _WHOLE for member in members.values()):
        return _WHOLE
    return members


def conditioned_entry(doc: Document, section: str, entry: Any) -> Any:
    """A new resource or output as it may be added: with the ``Condition`` attribute its
    references need (combined with the one it has, if any), and, for a resource, with no
    ``DependsOn`` on a resource under a condition it does not share (a conditional reference in
    its ``Metadata`` instead)."""
    if not isinstance(entry, dict):
        return entry
    own = entry.get("Condition")
    own = own if isinstance(own, str) else None
    held = frozenset({own}) if own else frozenset()
    body = {k: v for k, v in entry.items() if k != "Condition"}
    needed = conditions_needed(doc.data, body, held)
    condition = combined_condition(doc, ([own] if own else []) + needed) if needed else own
    if condition != own:
        entry = _with_attribute(entry, section, "Condition", condition)
    if section == "Resources" and "DependsOn" in entry:
        entry = _conditional_depends_on(doc, entry, condition)
    return entry


def _with_attribute(entry: dict[str, Any], section: str, key: str, value: Any) -> dict[str, Any]:
    """``entry`` with ``key`` set: in a resource in the attributes' order (``Condition`` after
    ``Type``), in an output first."""
    if key in entry:
        return {k: (value if k == key else v) for k, v in entry.items()}
    items = list(entry.items())
    index = 0
    if section == "Resources":
        mine = _RESOURCE_ATTR_ORDER[key]
        index = next(
            (i for i, (k, _) in enumerate(items) if _RESOURCE_ATTR_ORDER.get(k, -1) > mine),
            len(items),
        )
    items.insert(index, (key, value))
    return dict(items)


def _split_dependencies(
    data: dict[str, Any], resource: dict[str, Any], held: frozenset[str], targets: Any
) -> tuple[list[str], list[tuple[str, str]]]:
    """The targets a resource may name in ``DependsOn`` (none under a condition it lacks), and
    (target, condition) of those it may only refer to conditionally; a target it refers to
    already is left out of both (that reference orders the creation)."""
    refs = cfn.refs({k: v for k, v in resource.items() if k != "DependsOn"})
    plain: list[str] = []
    conditional: list[tuple[str, str]] = []
    for target in targets:
        needed = conditions_needed(data, {"Ref": target}, held)
        if not needed:
            plain.append(target)
        elif target not in refs:
            conditional.append((target, needed[0]))
    return plain, conditional


def _conditional_depends_on(
    doc: Document, entry: dict[str, Any], condition: str | None
) -> dict[str, Any]:
    held = frozenset({condition}) if condition else frozenset()
    targets = cfn.depends_on(entry)
    plain, conditional = _split_dependencies(doc.data, entry, held, targets)
    if plain == targets:
        return entry
    entry = dict(entry)
    if plain:
        entry["DependsOn"] = plain if isinstance(entry["DependsOn"], list) else plain[0]
    else:
        del entry["DependsOn"]
    if not conditional:
        return entry
    metadata = entry.get("Metadata", {})
    if not isinstance(metadata, dict) or not isinstance(metadata.get(DEPENDS_KEY, []), list):
        raise EditError(f"the Metadata of the new resource cannot take {DEPENDS_KEY}")
    items = list(metadata.get(DEPENDS_KEY, []))
    for target, cond in conditional:
        item = {"Fn::If": [cond, {"Ref": target}, NO_VALUE]}
        if item not in items:
            items.append(item)
    return _with_attribute(entry, "Resources", "Metadata", {**metadata, DEPENDS_KEY: items})


def _add_conditional_dependency(doc: Document, logical_id: str, target: str, cond: str) -> None:
    """Order ``logical_id`` after ``target`` where ``target`` exists: a reference to it under
    its condition in the resource's ``Metadata``."""
    item = {"Fn::If": [cond, {"Ref": target}, NO_VALUE]}
    metadata = doc.get(("Resources", logical_id, "Metadata"))
    path = ("Resources", logical_id, "Metadata", DEPENDS_KEY)
    if metadata is None:
        set_resource_attribute(doc, logical_id, "Metadata", {DEPENDS_KEY: [item]})
    elif not isinstance(metadata, dict):
        raise EditError(f"the Metadata of {logical_id} is not a mapping")
    elif metadata.get(DEPENDS_KEY) is None:
        doc.set(path, [item], rank=_rank_key)
    elif not isinstance(metadata[DEPENDS_KEY], list):
        raise EditError(f"Metadata/{DEPENDS_KEY} of {logical_id} is not a list")
    elif item not in metadata[DEPENDS_KEY]:
        doc.append(path, item, rank=_rank_item)


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
# Conditions combined for references to resources under different conditions (<A>And<B>).
register_name_pattern(r"[A-Za-z0-9]+And[A-Za-z0-9]+")
