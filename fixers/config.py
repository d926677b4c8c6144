"""Project configuration: ``[tool.meridian-fix]`` in ``pyproject.toml`` or a ``.meridian-fix.toml``.

The file is found from the template's folder upwards, as ruff finds its own: in each folder a
``.meridian-fix.toml`` (keys at top level, or under ``[tool.meridian-fix]``) wins over a
``pyproject.toml`` that has a ``[tool.meridian-fix]`` table; a ``pyproject.toml`` without one
is passed over. The first folder that has either is the project's configuration, and the
command line overrides what it says.

Keys (``-`` or ``_`` alike):

====================== ======================================================= ==================
key                    meaning                                                 default
====================== ======================================================= ==================
select                 code prefixes and kinds to run                          all
ignore                 code prefixes and kinds to skip                         none
unsafe-fixes           --auto-fix also applies unsafe fixes                    false
fail-on                kinds and lowest severity that fail the run             defect, hardening
baseline               baseline file (relative to the configuration file)     none
production-condition   name of the condition that is true in production        IsProduction
environment-parameter  name of the parameter naming the environment            Environment
production-values      environment values that mean production                 production, prod, prd, live
database-subnet-cidrs  CIDRs the database subnets get when free                10.0.21-23.0/24
log-retention-years    default years of log retention                          7
====================== ======================================================= ==================

The engine activates the settings of each file before detecting (`activate`), and rules and
edit helpers read them through `current()`, so one process can run files of several projects.
UI-free and cheap to import: only the standard library.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from typing import Any

from fixers.model import KINDS, SEVERITIES, at_least

__all__ = [
    "SEVERITY_ORDER",
    "ConfigError",
    "Settings",
    "find_config",
    "for_file",
    "load_file",
]

CONFIG_NAMES = (".meridian-fix.toml", "pyproject.toml")
TABLE = "meridian-fix"
SEVERITY_ORDER = tuple(reversed(SEVERITIES))  # mildest first, as the option lists them
DEFAULT_FAILING_KINDS = ("defect", "hardening")
"""Kinds whose findings fail a run unless ``fail-on`` names others: the platform's own
conventions are reported, not enforced, by default."""
FAIL_ON_WORDS = (*SEVERITY_ORDER, *KINDS, "all")
RETENTION_YEARS = (1, 2, 3, 5, 6, 7, 8, 9, 10)  # years CloudWatch Logs has an exact retention for


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Settings:
    """What is in force for one template. Hashable, so engines can be shared by settings."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    fail_on: str = "low"
    baseline: str | None = None
    production_condition: str = "IsProduction"
    environment_parameter: str = "Environment"
    production_values: tuple[str, ...] = ("production", "prod", "prd", "live")
    database_subnet_cidrs: tuple[str, ...] = ("10.0.21.0/24", "10.0.22.0/24", "10.0.23.0/24")
    log_retention_years: int = 7
    source: str | None = field(default=None, compare=False)
    """The configuration file these came from (None: defaults and command line only)."""
    overridden: tuple[str, ...] = field(default=(), compare=False)
    """Keys the command line set."""

    def fails(self, severity: str, kind: str = "defect") -> bool:
        """Whether a finding of ``severity`` and ``kind`` fails the run under ``fail_on``: a
        comma list of kinds (``all`` for every kind; defect and hardening when none is named)
        and at most one severity, the lowest that fails (low when none is named)."""
        words = [w for w in self.fail_on.split(",") if w]
        kinds = [w for w in words if w in KINDS]
        threshold = next((w for w in words if w in SEVERITIES), "low")
        if "all" in words:
            kinds = list(KINDS)
        if kind not in (kinds or DEFAULT_FAILING_KINDS):
            return False
        return at_least(severity, threshold)

    def with_overrides(self, overrides: dict[str, Any]) -> Settings:
        """These settings with the command line's values on top (None means not given)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        if not given:
            return self
        checked = _check(given, "the command line")
        return replace(
            self, **checked, overridden=tuple(sorted(set(self.overridden) | set(checked)))
        )

    def as_toml(self) -> str:
        """The settings as a ``.meridian-fix.toml`` would state them."""
        lines = []
        for f in fields(self):
            if f.name in ("source", "overridden"):
                continue
            value = getattr(self, f.name)
            if value is None:
                continue
            note = "  # command line" if f.name in self.overridden else ""
            lines.append(f"{f.name.replace('_', '-')} = {_toml_value(value)}{note}")
        return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


_FIELDS = {f.name for f in fields(Settings)} - {"source", "overridden"}


def _codes(value: Any, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = list(value.split(","))
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of rule code prefixes or kinds")
    return tuple(
        v.strip().lower() if v.strip().lower() in KINDS else v.strip().upper()
        for v in value
        if v.strip()
    )


def fail_on_words(value: Any, key: str, where: str) -> str:
    """``fail-on`` as given (a string with commas, or a list) checked and normalised to a comma
    list of kinds and at most one severity."""
    words = value.split(",") if isinstance(value, str) else value
    if not isinstance(words, (list, tuple)) or not all(isinstance(w, str) for w in words):
        raise ConfigError(f"{where}: {key} must name kinds and/or a severity")
    clean = [w.strip().lower() for w in words if w.strip()]
    bad = [w for w in clean if w not in FAIL_ON_WORDS]
    if bad or not clean:
        raise ConfigError(
            f"{where}: {key}: {', '.join(bad) or 'nothing given'}: give kinds "
            f"({', '.join(KINDS)}, all) and/or a severity ({', '.join(SEVERITY_ORDER)})"
        )
    if len([w for w in clean if w in SEVERITIES]) > 1:
        raise ConfigError(f"{where}: {key}: name one severity (the lowest that fails)")
    return ",".join(dict.fromkeys(clean))


def _strings(value: Any, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if (
        not isinstance(value, (list, tuple))
        or not value
        or not all(isinstance(v, str) and v for v in value)
    ):
        raise ConfigError(f"{where}: {key} must be a non-empty list of strings")
    return tuple(value)


def _check(raw: dict[str, Any], where: str, base: str | None = None) -> dict[str, Any]:
    """Validate raw keys (``-`` or ``_``) into Settings fields; ConfigError names the key."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        shown = name.replace("_", "-")
        if name not in _FIELDS:
            known = ", ".join(sorted(n.replace("_", "-") for n in _FIELDS))
            raise ConfigError(f"{where}: unknown key {key!r} (known: {known})")
        if name in ("select", "ignore"):
            out[name] = _codes(value, shown, where)
        elif name == "unsafe_fixes":
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: {shown} must be true or false")
            out[name] = value
        elif name == "fail_on":
            out[name] = fail_on_words(value, shown, where)
        elif name == "baseline":
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{where}: {shown} must be a file name")
            out[name] = os.path.normpath(os.path.join(base, value)) if base else value
        elif name in ("production_condition", "environment_parameter"):
            if not isinstance(value, str) or not value.isalnum():
                raise ConfigError(f"{where}: {shown} must be an alphanumeric CloudFormation name")
            out[name] = value
        elif name == "production_values":
            out[name] = tuple(v for v in _strings(value, shown, where))
        elif name == "database_subnet_cidrs":
            cidrs = _strings(value, shown, where)
            for c in cidrs:
                try:
                    net = ipaddress.ip_network(c, strict=True)
                except ValueError as exc:
                    raise ConfigError(
                        f"{where}: {shown}: {c!r} is not a CIDR block ({exc})"
                    ) from None
                if net.version != 4:
                    raise ConfigError(f"{where}: {shown}: {c!r} is not an IPv4 CIDR block")
            out[name] = cidrs
        elif name == "log_retention_years":
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or value not in RETENTION_YEARS
            ):
                raise ConfigError(
                    f"{where}: {shown} must be one of {', '.join(map(str, RETENTION_YEARS))} "
                    "(the years CloudWatch Logs has a retention for)"
                )
            out[name] = value
    return out


def load_file(path: str) -> Settings | None:
    """The settings a configuration file states, or None for a pyproject.toml without our table."""
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"{path}: not readable: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    table = doc.get("tool", {}).get(TABLE) if isinstance(doc.get("tool"), dict) else None
    if os.path.basename(path) == "pyproject.toml":
        if table is None:
            return None
    elif table is None:
        table = {k: v for k, v in doc.items() if k != "tool"}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.{TABLE}] must be a table")
    where = f"{path}: [tool.{TABLE}]" if "tool" in doc else path
    return replace(
        Settings(**_check(table, where, os.path.dirname(os.path.abspath(path)))), source=path
    )


@lru_cache(maxsize=256)
def _settings_of_dir(directory: str) -> Settings:
    for name in CONFIG_NAMES:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            found = load_file(candidate)
            if found is not None:
                return found
    parent = os.path.dirname(directory)
    if parent == directory:
        return Settings()
    return _settings_of_dir(parent)


def find_config(path: str) -> str | None:
    """The configuration file in force for a template (or folder) path, if any."""
    return for_file(path).source


def for_file(path: str, overrides: dict[str, Any] | None = None) -> Settings:
    """The settings for a template: its project's file, found upwards, then ``overrides``."""
    start = os.path.abspath(path)
    if not os.path.isdir(start):
        start = os.path.dirname(start)
    settings = _settings_of_dir(start)
    return settings.with_overrides(overrides) if overrides else settings


def clear_cache() -> None:
    _settings_of_dir.cache_clear()


def sources(paths: Iterable[str]) -> list[str | None]:
    """The distinct configuration files in force for ``paths``, in first-seen order."""
    seen: list[str | None] = []
    for p in paths:
        s = for_file(p).source
        if s not in seen:
            seen.append(s)
    return seen
