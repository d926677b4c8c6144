"""Suppressions in template Metadata, the convention of cfn-lint, checkov and cfn_nag.

At template level (every finding of the template) or per resource (the findings on it)::

    Metadata:
      meridian-fix:
        ignore:
          - code: MF0202
            reason: the key is managed by the platform team's stack
          - MF0101            # a bare code is accepted too

A code may be a prefix (``MF02`` is all of section 2). A suppression that suppresses nothing
while its rules ran is reported itself, as ruff's unused-noqa (RUF100) does: code ``MF0001``,
no fix (remove the entry). ``MF0001`` is on unless ``--select``/``--ignore`` leave it out, and
it is never suppressed itself.

UI-free; reads only the document's plain data and node positions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fixers.model import Finding

if TYPE_CHECKING:
    from fixers.document import Document

KEY = "meridian-fix"
UNUSED_CODE = "MF0001"
UNUSED_TITLE = "Unused or invalid suppression"
UNUSED_AREA = "suppressions"
UNUSED_SEVERITY = "low"
UNUSED_KIND = "convention"

DOCS = f"""# {UNUSED_CODE}: {UNUSED_TITLE}

Area: {UNUSED_AREA} · kind: {UNUSED_KIND} · severity: {UNUSED_SEVERITY} · fix: none

## Why it matters

A suppression in the template's `Metadata: meridian-fix: ignore` that matches no finding hides
nothing today, but it will silently hide the gap if it ever comes back, and it tells a reviewer
something about the template that is no longer true. Like ruff's unused-noqa, it is reported
so that suppressions stay few and meant. A suppression whose code names no rule is reported
the same way.

## Example: flawed

```yaml
Resources:
  Database:
    Type: AWS::RDS::DBCluster
    Metadata:
      meridian-fix:
        ignore:
          - code: MF0303          # nothing of MF0303 is found on this resource
            reason: sized by the DBA team
```

## Fix

Remove the entry (or the whole `meridian-fix` key when it is the last one). Suppressions of
rules that did not run (left out by `--select`/`--ignore`) are not reported.
"""


@dataclass
class Suppression:
    """One entry of a ``meridian-fix: ignore`` list."""

    code: str
    reason: str | None
    scope: str  # "template" or the logical ID of the resource
    path: tuple[Any, ...]  # where the entry is in the template
    line: int = 0
    column: int = 0
    used: int = 0
    problem: str | None = None  # why the entry is unusable (bad shape, unknown code)

    def covers(self, finding: Finding) -> bool:
        if self.problem or not self.code or finding.code == UNUSED_CODE:
            return False
        if not finding.code.startswith(self.code):
            return False
        return self.scope == "template" or finding.resource == self.scope

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "reason": self.reason,
            "scope": self.scope,
            "line": self.line,
            "column": self.column,
        }


@dataclass
class Suppressed:
    """A finding left out by a suppression."""

    finding: Finding
    suppression: Suppression


@dataclass
class Filtered:
    kept: list[Finding] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    unused: list[Suppression] = field(default_factory=list)


def _entries(block: Any, base: tuple[Any, ...], scope: str) -> list[Suppression]:
    if not isinstance(block, dict) or KEY not in block:
        return []
    conf = block[KEY]
    path = base + (KEY,)
    if not isinstance(conf, dict) or not isinstance(conf.get("ignore"), list):
        return [
            Suppression(
                "", None, scope, path, problem=f"{KEY} must be a mapping with an 'ignore' list"
            )
        ]
    found = []
    for i, item in enumerate(conf["ignore"]):
        where = path + ("ignore", i)
        if isinstance(item, str):
            found.append(Suppression(item.strip().upper(), None, scope, where))
        elif isinstance(item, dict) and isinstance(item.get("code"), str):
            reason = item.get("reason")
            found.append(
                Suppression(
                    item["code"].strip().upper(),
                    reason if isinstance(reason, str) else None,
                    scope,
                    where,
                )
            )
        else:
            found.append(
                Suppression(
                    "",
                    None,
                    scope,
                    where,
                    problem="an ignore entry is a code or {code: ..., reason: ...}",
                )
            )
    return found


def read(doc: Document) -> list[Suppression]:
    """Every suppression of the template, located, template level first."""
    data = doc.data
    found = _entries(data.get("Metadata"), ("Metadata",), "template")
    resources = data.get("Resources")
    if isinstance(resources, dict):
        for lid, res in resources.items():
            if isinstance(res, dict):
                found += _entries(res.get("Metadata"), ("Resources", lid, "Metadata"), str(lid))
    for s in found:
        s.line, s.column = doc.line_of(s.path)
    return found


def apply(
    doc: Document,
    findings: Iterable[Finding],
    ran: Iterable[str],
    known: Iterable[str],
    report_unused: bool = True,
) -> Filtered:
    """Split ``findings`` into kept and suppressed; add an MF0001 finding per unused entry.

    ``ran`` are the codes of the rules that ran (an entry for a rule that did not run is not
    unused), ``known`` every rule code (an entry for no rule at all is reported).
    """
    findings = list(findings)
    entries = read(doc)
    out = Filtered()
    if not entries:
        out.kept = findings
        return out
    for f in findings:
        match = next((s for s in entries if s.scope != "template" and s.covers(f)), None)
        match = match or next((s for s in entries if s.covers(f)), None)
        if match is None:
            out.kept.append(f)
        else:
            match.used += 1
            out.suppressed.append(Suppressed(f, match))
    ran, known = list(ran), list(known)
    for s in entries:
        if s.used:
            continue
        if s.problem is None and not any(c.startswith(s.code) for c in known):
            s.problem = f"no rule code starts with {s.code}"
        if s.problem is None and not any(c.startswith(s.code) for c in ran):
            continue  # its rules did not run: nothing to say
        out.unused.append(s)
    if report_unused:
        for s in out.unused:
            out.kept.append(unused_finding(s))
        out.kept.sort(key=lambda f: (f.line, f.code, [str(p) for p in f.path]))
    return out


def unused_finding(s: Suppression) -> Finding:
    where = "the template" if s.scope == "template" else s.scope
    if s.problem:
        message = f"Suppression in {where} is invalid: {s.problem}."
    else:
        message = f"Suppression of {s.code} in {where} matches no finding; remove it."
    return Finding(
        UNUSED_CODE,
        (),
        UNUSED_TITLE,
        UNUSED_SEVERITY,
        UNUSED_AREA,
        s.path,
        message,
        None if s.scope == "template" else s.scope,
        None,
        s.line,
        s.column,
        UNUSED_KIND,
    )


def add_suppression(doc: Document, resource: str | None, code: str, reason: str) -> None:
    """Record a suppression of ``code``, with ``reason``, in the Metadata of ``resource`` (of
    the template when None), as the app's ``x`` does.

    A resource without Metadata gets it in one place whatever the order of its attributes:
    right before its ``Properties``, or last when it has none. Metadata without a
    ``meridian-fix`` key gets it last; one with it takes the entry at the end of its ``ignore``
    list. The template's Metadata goes where CloudFormation's order of sections puts it."""
    from fixers.edits import add_list_item

    entry = {"code": code, "reason": reason}
    base: tuple[Any, ...] = ("Resources", resource) if resource is not None else ()
    body = doc.get(base) if resource is not None else None
    if isinstance(body, dict) and "Metadata" not in body:
        keys = list(body)
        later = set(keys[keys.index("Properties") :]) if "Properties" in keys else set()
        doc.set(
            base + ("Metadata",),
            {"meridian-fix": {"ignore": [entry]}},
            rank=lambda key: 1 if key in later else 0,
        )
        return
    metadata = doc.get(base + ("Metadata",))
    if isinstance(metadata, dict) and "meridian-fix" not in metadata:
        doc.set(base + ("Metadata", "meridian-fix"), {"ignore": [entry]})  # last
        return
    add_list_item(doc, base + ("Metadata", "meridian-fix", "ignore"), entry)
