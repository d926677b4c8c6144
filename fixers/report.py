"""Reports of a run: the JSON document scripts rely on, and plain data for the other renderers."""

from __future__ import annotations

import json
from importlib import metadata
from typing import Any

from fixers.engine import FileResult, Outcome
from fixers.model import Finding

SCHEMA_VERSION = 1


def tool_version() -> str:
    try:
        return metadata.version("meridian-fix")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def cfn_lint_version() -> str:
    try:
        return metadata.version("cfn-lint")
    except metadata.PackageNotFoundError:
        return "unknown"


def finding_dict(finding: Finding, outcome: Outcome | None = None) -> dict[str, Any]:
    fix = finding.fix
    return {
        "code": finding.code,
        "spec": list(finding.spec),
        "title": finding.title,
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


def file_dict(result: FileResult) -> dict[str, Any]:
    remaining = {f.key for f in result.remaining}
    findings = []
    for outcome in result.outcomes:
        entry = finding_dict(outcome.finding, outcome)
        entry["remaining"] = outcome.finding.key in remaining
        findings.append(entry)
    validation = None
    if result.lint_before is not None:
        validation = {
            "before": [lint_dict(e) for e in result.lint_before],
            "after": [lint_dict(e) for e in result.lint_after or []],
            "new": [lint_dict(e) for e in result.lint_new or []],
        }
    return {
        "path": result.path,
        "error": result.error,
        "findings": findings,
        "remaining": len(result.remaining),
        "validation": validation,
        "changed": result.changed if result.error is None else False,
        "written": result.written,
        "write_error": result.write_error,
        "rule_errors": result.rule_errors,
    }


def json_report(results: list[FileResult]) -> str:
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "meridian-fix", "version": tool_version()},
        "cfn_lint_version": cfn_lint_version(),
        "files": [file_dict(r) for r in results],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)
