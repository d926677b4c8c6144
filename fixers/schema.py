"""Which property changes replace a resource, read from the resource schemas cfn-lint ships.

The schemas are read as JSON files from cfn-lint's package folder without importing cfn-lint,
so asking costs a file read, not cfn-lint's start-up.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
from typing import Any


@functools.lru_cache(maxsize=1)
def _schema_folder() -> str | None:
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.join(list(spec.submodule_search_locations)[0], "data", "schemas")


@functools.lru_cache(maxsize=1)
def _type_map() -> dict[str, str]:
    folder = _schema_folder()
    if folder is None:
        return {}
    try:
        with open(os.path.join(folder, "providers", "us_east_1.py"), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return {}
    return dict(re.findall(r'"([A-Za-z0-9:]+)": "([0-9a-f]+)"', text))


@functools.lru_cache(maxsize=None)
def resource_schema(resource_type: str) -> dict[str, Any] | None:
    folder = _schema_folder()
    name = _type_map().get(resource_type)
    if folder is None or name is None:
        return None
    try:
        with open(os.path.join(folder, "resources", f"{name}.json"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _names(pointers: list[str]) -> set[str]:
    return {p.split("/")[2] for p in pointers if p.startswith("/properties/")}


def create_only(resource_type: str) -> set[str]:
    """Top-level properties whose change replaces the resource."""
    schema = resource_schema(resource_type) or {}
    return _names(schema.get("createOnlyProperties", []))


def conditionally_create_only(resource_type: str) -> set[str]:
    schema = resource_schema(resource_type) or {}
    return _names(schema.get("conditionalCreateOnlyProperties", []))


def property_change_impact(resource_type: str, prop: str) -> str:
    """'replacement' when the schema says a change to ``prop`` replaces the resource."""
    if prop in create_only(resource_type):
        return "replacement"
    if prop in conditionally_create_only(resource_type):
        return "replacement"
    return "update"
