"""Which property changes replace a resource, from the resource schemas cfn-lint ships.

The schemas are read only through cfn-lint's public interface,
``cfnlint.schema.PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, type).schema``, for the
regions of the user's cfn-lint configuration. Importing cfn-lint costs most of a second, so the
facts this module needs (each type's ``createOnlyProperties`` and
``conditionalCreateOnlyProperties``) are derived once per installed cfn-lint version and region
and kept in the user's cache folder; later runs read a small JSON file.

It fails closed: where the schemas cannot be read (cfn-lint missing or changed, a type it does
not know, a table that comes back empty), the answer is ``unknown``, and unknown is unsafe.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_REGIONS = ("us-east-1",)
"""cfn-lint's own default when its configuration names no region."""

REPLACEMENT = "replacement"
POSSIBLE_REPLACEMENT = "possible replacement"
UPDATE = "update"
UNKNOWN = "unknown"

_FORMAT = 1
"""Version of the cached table's layout; a change here invalidates every cached file."""


@dataclass(frozen=True)
class TypeFacts:
    """What a resource type's schema says about replacement: JSON pointers below
    ``/properties``, split into their parts (``*`` stands for any list item)."""

    create_only: tuple[tuple[str, ...], ...]
    conditional: tuple[tuple[str, ...], ...]


class SchemaUnavailable(Exception):
    """The schemas could not be read through cfn-lint's interface."""


def cfn_lint_version() -> str | None:
    """The installed cfn-lint's version (``fixers.validate``'s answer), None without cfn-lint."""
    from fixers.validate import cfn_lint_version

    try:
        return cfn_lint_version()
    except ImportError:
        return None


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "meridian-fix" / "schema-facts"


def _parts(pointer: str) -> tuple[str, ...] | None:
    if not pointer.startswith("/properties/"):
        return None
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[2:])


def derive_table(region: str) -> dict[str, dict[str, list[str]]]:
    """Every resource type of ``region`` with its create-only pointers, through cfn-lint's public
    schema interface. Raises SchemaUnavailable when that interface does not answer."""
    try:
        from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
    except Exception as exc:  # noqa: BLE001 - not installed, or its interface moved
        raise SchemaUnavailable(
            f"cfn-lint's schema interface cannot be imported: {exc!r}"
        ) from None
    try:
        types = list(PROVIDER_SCHEMA_MANAGER.get_resource_types(region))
        table: dict[str, dict[str, list[str]]] = {}
        for rtype in types:
            schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, rtype).schema
            table[rtype] = {
                "createOnly": list(schema.get("createOnlyProperties", [])),
                "conditionalCreateOnly": list(schema.get("conditionalCreateOnlyProperties", [])),
            }
    except Exception as exc:  # noqa: BLE001 - ResourceNotFoundError, a changed schema layout
        raise SchemaUnavailable(
            f"cfn-lint's schemas for {region} cannot be read: {exc!r}"
        ) from None
    if not table:
        raise SchemaUnavailable(f"cfn-lint knows no resource type in {region}")
    return table


def _read_cached(path: Path, version: str, region: str) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as f:
            cached = json.load(f)
    except (OSError, ValueError):
        return None
    if (
        isinstance(cached, dict)
        and cached.get("format") == _FORMAT
        and cached.get("cfn-lint") == version
        and cached.get("region") == region
        and isinstance(cached.get("types"), dict)
        and cached["types"]
    ):
        return cached["types"]
    return None


def _write_cached(path: Path, version: str, region: str, table: dict[str, Any]) -> None:
    """Atomically, and quietly: a read-only home only means deriving the table again next run."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".facts-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"format": _FORMAT, "cfn-lint": version, "region": region, "types": table}, f)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(tmp)


@functools.cache
def type_table(region: str) -> dict[str, TypeFacts] | None:
    """The create-only facts of every type in ``region``; None when they cannot be read."""
    version = cfn_lint_version()
    if version is None:
        return None
    path = cache_folder() / f"{version}-{region}.json"
    raw = _read_cached(path, version, region)
    if raw is None:
        try:
            raw = derive_table(region)
        except SchemaUnavailable:
            return None
        _write_cached(path, version, region, raw)
    table: dict[str, TypeFacts] = {}
    for rtype, entry in raw.items():
        table[rtype] = TypeFacts(
            tuple(p for p in map(_parts, entry.get("createOnly", [])) if p),
            tuple(p for p in map(_parts, entry.get("conditionalCreateOnly", [])) if p),
        )
    return table or None


@functools.lru_cache(maxsize=256)
def _regions_in(folder: str) -> tuple[str, ...]:
    """The regions of the cfn-lint configuration honoured for templates in ``folder``: the
    project file (that folder's, else the current directory's) over the user's, as cfn-lint
    merges them; cfn-lint's default where neither names any."""
    from fixers.validate import Validator

    regions: tuple[str, ...] = ()
    for rc in Validator.config_files(os.path.join(folder, "template")):
        if rc is None:
            continue
        try:
            with open(rc, encoding="utf-8") as f:
                found = (yaml.safe_load(f) or {}).get("regions")
        except (OSError, yaml.YAMLError, AttributeError):
            continue
        if isinstance(found, str):
            found = [found]
        if isinstance(found, list) and found:
            regions = tuple(str(r) for r in found)
    return regions or DEFAULT_REGIONS


def regions_for(template_path: str | None) -> tuple[str, ...]:
    folder = os.path.dirname(os.path.abspath(template_path)) if template_path else os.getcwd()
    regions = _regions_in(folder)
    if "ALL_REGIONS" in regions:
        return _all_regions()
    return regions


@functools.lru_cache(maxsize=1)
def _all_regions() -> tuple[str, ...]:
    """cfn-lint's list for ``ALL_REGIONS``; empty (so every answer is unknown) if unreadable."""
    try:
        from cfnlint.helpers import REGIONS

        return tuple(REGIONS)
    except Exception:  # noqa: BLE001 - unreadable: every answer is unknown
        return ()


def facts(resource_type: str, regions: tuple[str, ...] = DEFAULT_REGIONS) -> TypeFacts | None:
    """The type's replacement facts across ``regions`` (the union: a property create-only in
    any of them is create-only); None when any region's schemas are unreadable or the type is
    unknown in all of them."""
    create_only: set[tuple[str, ...]] = set()
    conditional: set[tuple[str, ...]] = set()
    known = False
    for region in regions:
        table = type_table(region)
        if table is None:
            return None
        found = table.get(resource_type)
        if found is None:
            continue
        known = True
        create_only.update(found.create_only)
        conditional.update(found.conditional)
    if not known:
        return None
    return TypeFacts(tuple(sorted(create_only)), tuple(sorted(conditional)))


def _overlaps(pointer: tuple[str, ...], path: tuple[Any, ...]) -> bool:
    """Whether a change at ``path`` (below Properties) can change what ``pointer`` names: one
    is a prefix of the other, ``*`` matching any list index."""
    for want, got in zip(pointer, path, strict=False):
        if want == "*":
            if not isinstance(got, int):
                return False
        elif want != str(got):
            return False
    return True


def change_impact(
    resource_type: str, prop_path: tuple[Any, ...], regions: tuple[str, ...] = DEFAULT_REGIONS
) -> str:
    """What changing the value at ``prop_path`` (below ``Properties``) does to a deployed
    resource of this type: replacement, possible replacement, update, or unknown."""
    found = facts(resource_type, regions)
    if found is None:
        return UNKNOWN
    if any(_overlaps(p, prop_path) for p in found.create_only):
        return REPLACEMENT
    if any(_overlaps(p, prop_path) for p in found.conditional):
        return POSSIBLE_REPLACEMENT
    return UPDATE


def property_change_impact(
    resource_type: str, prop: str, regions: tuple[str, ...] = DEFAULT_REGIONS
) -> str:
    """``change_impact`` of a top-level property."""
    return change_impact(resource_type, (prop,), regions)


def create_only(resource_type: str, regions: tuple[str, ...] = DEFAULT_REGIONS) -> set[str]:
    """Top-level properties whose change replaces the resource (empty when unreadable)."""
    found = facts(resource_type, regions)
    return {p[0] for p in found.create_only} if found else set()
