"""Reports of a run: the JSON document scripts rely on, and plain data for the other renderers."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from fixers.baseline import fingerprint
from fixers.config import Settings
from fixers.engine import FileResult, Outcome
from fixers.model import KINDS, Finding
from fixers.suppressions import Suppressed
from fixers.validate import cfn_lint_version

SCHEMA_VERSION = 2


@dataclass
class FileReport:
    """A file's result with what the command adds: settings, baseline matches, fix edits."""

    result: FileResult
    settings: Settings = field(default_factory=Settings)
    fixes: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)  # SARIF replacements
    baselined: set[Any] = field(default_factory=set)  # keys of remaining findings in the baseline
    baseline_in_force: bool = False

    def all_findings(self) -> list[Finding]:
        return [o.finding for o in self.result.outcomes] + [
            s.finding for s in self.result.suppressed
        ]

    def entries(self) -> Iterator[tuple[Outcome | None, Suppressed | None]]:
        for o in self.result.outcomes:
            yield o, None
        for s in self.result.suppressed:
            yield None, s

    def open_findings(self) -> list[Finding]:
        """Findings still there and not accepted by the baseline."""
        return [f for f in self.result.remaining if f.key not in self.baselined]

    def failing(self) -> list[Finding]:
        """Open findings of the kinds and at or above the severity ``fail-on`` names."""
        return [f for f in self.open_findings() if self.settings.fails(f.severity, f.kind)]


def outcome_status(outcome: Outcome, remaining: set[Any]) -> str:
    if outcome.applied and outcome.finding.key not in remaining:
        return "fixed"
    return outcome.status


def tool_version() -> str:
    try:
        return metadata.version("meridian-fix")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def finding_dict(finding: Finding, outcome: Outcome | None = None) -> dict[str, Any]:
    fix = finding.fix
    return {
        "fingerprint": fingerprint(finding),
        "code": finding.code,
        "spec": list(finding.spec),
        "title": finding.title,
        "kind": finding.kind,
        "severity": finding.severity,
        "area": finding.area,
        "resource": finding.resource,
        "path": list(finding.path),
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
        "fix": None
        if fix is None
        else {
            "title": fix.title,
            "applicability": fix.applicability,
            "impact": fix.impact,
            "impact_detail": fix.impact_detail,
            "applied": bool(outcome and outcome.applied),
            "status": outcome.status if outcome else "open",
            "reason": outcome.reason if outcome else None,
        },
    }


def lint_dict(err: Any) -> dict[str, Any]:
    return {
        "rule": err.rule,
        "level": err.level,
        "path": list(err.path),
        "line": err.line,
        "column": err.column,
        "message": err.message,
    }


def file_dict(report: FileReport | FileResult) -> dict[str, Any]:
    if isinstance(report, FileResult):
        report = FileReport(report)
    result = report.result
    remaining = {f.key for f in result.remaining}
    findings = []
    for outcome in result.outcomes:
        entry = finding_dict(outcome.finding, outcome)
        entry["remaining"] = outcome.finding.key in remaining
        entry["baselined"] = outcome.finding.key in report.baselined
        findings.append(entry)
    suppressed = []
    for s in result.suppressed:
        entry = finding_dict(s.finding)
        entry["suppression"] = s.suppression.as_dict()
        suppressed.append(entry)
    validation = None
    if result.lint_after is not None:
        validation = {
            # null when the result has no cfn-lint error or warning: then none can be new, and
            # the original is not linted (it would double the cost of every clean run)
            "before": None
            if result.lint_before is None
            else [lint_dict(e) for e in result.lint_before],
            "after": [lint_dict(e) for e in result.lint_after or []],
            "new": [lint_dict(e) for e in result.lint_new or []],
            # warnings the fixes add that a correct fix may cause (validate.EXEMPT_WARNINGS)
            "notes": [lint_dict(e) for e in result.lint_notes or []],
        }
    return {
        "path": result.path,
        "error": result.error,
        "findings": findings,
        "remaining": len(result.remaining),
        "suppressed": suppressed,
        "baselined": len(report.baselined),
        "failing": len(report.failing()),
        "config": report.settings.source,
        "validation": validation,
        "changed": result.changed if result.error is None else False,
        "written": result.written,
        "write_error": result.write_error,
        "rule_errors": result.rule_errors,
    }


def summary(reports: list[FileReport], errors: list[str] | None = None) -> dict[str, Any]:
    """Totals of a run, and the findings of each kind (``by_kind``)."""
    totals: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    totals["files"] = len(reports)
    totals["unreadable"] = len(errors or []) + sum(1 for r in reports if r.result.error)
    for rep in reports:
        r = rep.result
        remaining = {f.key for f in r.remaining}
        totals["findings"] += len(r.outcomes)
        by_kind.update(o.finding.kind for o in r.outcomes)
        totals["fixed"] += sum(1 for o in r.outcomes if outcome_status(o, remaining) == "fixed")
        totals["remaining"] += len(r.remaining)
        totals["suppressed"] += len(r.suppressed)
        totals["baselined"] += len(rep.baselined)
        totals["failing"] += len(rep.failing())
        totals["written"] += int(r.written)
    keys = (
        "files",
        "findings",
        "fixed",
        "remaining",
        "suppressed",
        "baselined",
        "failing",
        "written",
        "unreadable",
    )
    out: dict[str, Any] = {k: totals[k] for k in keys}
    out["by_kind"] = {kind: by_kind[kind] for kind in KINDS}
    return out


def json_report(
    results: list[FileResult] | list[FileReport], errors: list[str] | None = None
) -> str:
    reports = [r if isinstance(r, FileReport) else FileReport(r) for r in results]
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "meridian-fix", "version": tool_version()},
        "cfn_lint_version": cfn_lint_version(),
        "summary": summary(reports, errors),
        "errors": list(errors or []),
        "files": [file_dict(r) for r in reports],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)
