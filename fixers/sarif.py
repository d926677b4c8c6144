"""SARIF 2.1.0 and GitHub workflow annotations of a run.

SARIF: one run; ``tool.driver`` lists the rules that ran with their help (the ``--explain``
text), cfn-lint is a ``tool.extensions`` entry with its version; one result per finding with its
physical location (file, line, column, relative to ``%SRCROOT%`` = the current directory when
the file is under it), its logical location (the template path), ``partialFingerprints`` from
`fixers.baseline.fingerprint` (code + template path + normalised message, no line, so alerts
survive lines moving), the fix as a SARIF ``fix`` whose ``artifactChanges`` replacements are
computed from the original text and the text after that fix alone (line regions from difflib,
given as ``charOffset``/``charLength`` of the original text, BOM excluded), suppressed findings
with ``suppressions`` (kind ``inSource``, the reason as justification), and ``baselineState``
when a baseline is in force. Unreadable files and internal errors are
``toolExecutionNotifications``.
"""

from __future__ import annotations

import difflib
import os
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fixers.baseline import FINGERPRINT_KEY, fingerprint
from fixers.model import Finding

if TYPE_CHECKING:
    from fixers.document import Document
    from fixers.engine import Engine
    from fixers.report import FileReport
    from fixers.rules import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
LEVELS = {"defect": "error", "hardening": "warning", "convention": "note"}
"""SARIF level by kind: a defect is an error, a missing control a warning, a convention of the
platform a note (severity goes to ``security-severity``)."""
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def level(kind: str) -> str:
    return LEVELS.get(kind, "warning")


# --------------------------------------------------------------------------- fixes as edits


def replacements(original: str, new: str) -> list[dict[str, Any]]:
    """SARIF replacements that turn ``original`` into ``new``: changed line runs (difflib),
    as character regions of the original text, in order."""
    a = original.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    starts = [0]
    for line in a:
        starts.append(starts[-1] + len(line))
    out: list[dict[str, Any]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        rep: dict[str, Any] = {
            "deletedRegion": {"charOffset": starts[i1], "charLength": starts[i2] - starts[i1]}
        }
        inserted = "".join(b[j1:j2])
        if inserted:
            rep["insertedContent"] = {"text": inserted}
        out.append(rep)
    return out


def apply_replacements(original: str, reps: list[dict[str, Any]]) -> str:
    """Apply SARIF replacements (as a consumer would) to ``original``."""
    out, pos = [], 0
    for rep in sorted(reps, key=lambda r: r["deletedRegion"]["charOffset"]):
        region = rep["deletedRegion"]
        out.append(original[pos : region["charOffset"]])
        out.append(rep.get("insertedContent", {}).get("text", ""))
        pos = region["charOffset"] + region["charLength"]
    out.append(original[pos:])
    return "".join(out)


def fix_edits(
    engine: Engine, doc: Document, findings: Iterable[Finding]
) -> dict[Any, list[dict[str, Any]]]:
    """Each finding's fix applied alone to ``doc`` (restored after): its SARIF replacements."""
    from fixers.engine import Status, apply_one

    by_code = {r.code: r for r in engine.rules}
    original = doc.text
    out: dict[Any, list[dict[str, Any]]] = {}
    for f in findings:
        rule = by_code.get(f.code)
        if f.fix is None or rule is None:
            continue
        point = doc.mark()
        try:
            status, _, _ = apply_one(doc, rule, f, [])
            if status == Status.APPLIED and doc.text != original:
                out[f.key] = replacements(original, doc.text)
        finally:
            doc.rollback(point)
    return out


# --------------------------------------------------------------------------- the log


def artifact_uri(path: str, base: str) -> tuple[str, str | None]:
    """(uri, uriBaseId): relative to ``base`` when the file is under it, else a file URI."""
    full = os.path.abspath(path)
    rel = (
        os.path.relpath(full, base)
        if os.path.splitdrive(full)[0] == os.path.splitdrive(base)[0]
        else full
    )
    if not rel.startswith(os.pardir) and not os.path.isabs(rel):
        return quote(rel.replace(os.sep, "/")), SRCROOT
    return Path(full).as_uri(), None


def _location(uri: str, base_id: str | None, index: int) -> dict[str, Any]:
    loc: dict[str, Any] = {"uri": uri, "index": index}
    if base_id:
        loc["uriBaseId"] = base_id
    return loc


def rule_descriptor(rule: Rule | None, code: str) -> dict[str, Any]:
    spec: tuple[str, ...]
    if rule is None:  # MF0001, the unused-suppression check
        from fixers import suppressions as s

        docs, title, area, severity, spec, name, kind = (
            s.DOCS,
            s.UNUSED_TITLE,
            s.UNUSED_AREA,
            s.UNUSED_SEVERITY,
            (),
            "UnusedSuppression",
            s.UNUSED_KIND,
        )
        why = "A suppression that matches no finding, or names no rule."
        fix = "none"
    else:
        docs, title, area, severity, spec, name, kind = (
            rule.docs(),
            rule.title,
            rule.area,
            rule.severity,
            rule.spec,
            type(rule).__name__,
            rule.kind,
        )
        why = textwrap.dedent(rule.why).strip() or title
        fix = (
            rule.fix_applicability
            if rule.fix_applicability == "none"
            else f"{rule.fix_applicability} ({rule.deploy_impact})"
        )
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": title},
        "fullDescription": {"text": " ".join(why.split())},
        "help": {"text": docs, "markdown": docs},
        "defaultConfiguration": {"level": level(kind)},
        "properties": {
            "tags": [
                "cloudformation",
                "production-readiness",
                kind,
                area,
                *(f"spec-{s}" for s in spec),
            ],
            "kind": kind,
            "precision": "high",
            "security-severity": SECURITY_SEVERITY.get(severity, "5.5"),
            "severity": severity,
            "area": area,
            "spec": list(spec),
            "fix": fix,
        },
    }


def sarif_log(
    reports: list[FileReport], rules: Iterable[Rule], errors: list[str], base: str | None = None
) -> dict[str, Any]:
    from fixers.report import cfn_lint_version, outcome_status, tool_version

    base = os.path.abspath(base or os.getcwd())
    rule_list = list(rules)
    by_code: dict[str, Rule | None] = {r.code: r for r in rule_list}
    for rep in reports:  # a finding of a rule outside the list still gets its descriptor
        for f in rep.all_findings():
            by_code.setdefault(f.code, None)
    from fixers.suppressions import UNUSED_CODE

    by_code.setdefault(UNUSED_CODE, None)
    codes = sorted(by_code)
    index = {c: i for i, c in enumerate(codes)}
    descriptors = []
    from fixers.rules import all_rules

    known = all_rules()
    for c in codes:
        descriptors.append(rule_descriptor(by_code[c] or known.get(c), c))

    artifacts: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for line in errors:
        notifications.append({"level": "error", "message": {"text": line}})
    for rep in reports:
        r = rep.result
        uri, base_id = artifact_uri(r.path, base)
        if r.error:
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": r.error},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {
                                    "uri": uri,
                                    **({"uriBaseId": base_id} if base_id else {}),
                                }
                            }
                        }
                    ],
                }
            )
            continue
        art_index = len(artifacts)
        artifact: dict[str, Any] = {"location": _location(uri, base_id, art_index)}
        artifact["location"].pop("index")
        lower = r.path.lower()
        artifact["sourceLanguage"] = "json" if lower.endswith(".json") else "yaml"
        artifact["roles"] = ["analysisTarget"] + (["modified"] if r.written else [])
        artifacts.append(artifact)
        for problem in r.rule_errors:
            notifications.append(
                {"level": "error", "message": {"text": f"{r.path}: {problem.splitlines()[0]}"}}
            )
        remaining = {f.key for f in r.remaining}
        for outcome, suppression in rep.entries():
            f = outcome.finding if outcome is not None else suppression.finding  # type: ignore[union-attr]
            result: dict[str, Any] = {
                "ruleId": f.code,
                "ruleIndex": index[f.code],
                "level": level(f.kind),
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": _location(uri, base_id, art_index),
                            "region": {
                                "startLine": max(f.line, 1),
                                "startColumn": max(f.column, 1),
                            },
                        },
                        "logicalLocations": [
                            {
                                "name": str(f.path[-1]) if f.path else "",
                                "fullyQualifiedName": "/".join(str(p) for p in f.path),
                                **(
                                    {"kind": "resource"}
                                    if len(f.path) == 2 and f.path[0] == "Resources"
                                    else {}
                                ),
                            }
                        ],
                    }
                ],
                "partialFingerprints": {FINGERPRINT_KEY: fingerprint(f)},
                "properties": {
                    "kind": f.kind,
                    "severity": f.severity,
                    "area": f.area,
                    "spec": list(f.spec),
                    "resource": f.resource,
                    "path": [str(p) for p in f.path],
                },
            }
            if f.fix is not None:
                props = result["properties"]
                props["fix"] = {
                    "title": f.fix.title,
                    "applicability": f.fix.applicability,
                    "impact": f.fix.impact,
                    "impact_detail": f.fix.impact_detail,
                }
                if outcome is not None:
                    props["fix"]["status"] = outcome_status(outcome, remaining)
                edits = rep.fixes.get(f.key)
                if edits:
                    unsafe = (
                        "" if f.fix.safe else f" [unsafe: {f.fix.impact}: {f.fix.impact_detail}]"
                    )
                    result["fixes"] = [
                        {
                            "description": {"text": f.fix.title + unsafe},
                            "artifactChanges": [
                                {
                                    "artifactLocation": _location(uri, base_id, art_index),
                                    "replacements": edits,
                                }
                            ],
                        }
                    ]
            if suppression is not None:
                s = suppression.suppression
                sup: dict[str, Any] = {"kind": "inSource", "status": "accepted"}
                sup["justification"] = (
                    s.reason or f"suppressed by {s.code} in the template Metadata"
                )
                sup["location"] = {
                    "physicalLocation": {
                        "artifactLocation": _location(uri, base_id, art_index),
                        "region": {"startLine": max(s.line, 1), "startColumn": max(s.column, 1)},
                    }
                }
                result["suppressions"] = [sup]
            if rep.baseline_in_force:
                result["baselineState"] = "unchanged" if f.key in rep.baselined else "new"
            results.append(result)

    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "meridian-fix",
                "version": tool_version(),
                "semanticVersion": tool_version(),
                "informationUri": "https://pypi.org/project/meridian-fix/",
                "rules": descriptors,
            },
            "extensions": [{"name": "cfn-lint", "version": cfn_lint_version()}],
        },
        "invocations": [
            {
                "executionSuccessful": not notifications,
                "toolExecutionNotifications": notifications,
                "workingDirectory": {"uri": Path(base).as_uri() + "/"},
            }
        ],
        "originalUriBaseIds": {SRCROOT: {"uri": Path(base).as_uri() + "/"}},
        "artifacts": artifacts,
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"cfnLintVersion": cfn_lint_version(), "toolVersion": tool_version()},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


# --------------------------------------------------------------------------- GitHub


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


GITHUB_COMMANDS = {"defect": "error", "hardening": "warning", "convention": "notice"}
"""The workflow command of each kind, as SARIF's levels: error, warning, notice."""


def github_annotations(reports: list[FileReport], errors: list[str]) -> list[str]:
    """GitHub workflow commands: one ``::error file=...,line=...,col=...,title=...::msg`` per
    open finding (not suppressed, not in the baseline, not fixed)."""
    lines = []
    for line in errors:
        lines.append(f"::error title=meridian-fix::{_gh_data(line)}")
    for rep in reports:
        r = rep.result
        path = os.path.relpath(r.path) if not os.path.isabs(r.path) else r.path
        if r.error:
            lines.append(f"::error file={_gh_prop(path)},title=meridian-fix::{_gh_data(r.error)}")
            continue
        for f in rep.open_findings():
            command = GITHUB_COMMANDS.get(f.kind, "warning")
            fix = ""
            if f.fix is not None:
                fix = f" Fix ({f.fix.applicability}, {f.fix.impact}): {f.fix.title}."
            title = f"{f.code} {f.title}"
            lines.append(
                f"::{command} file={_gh_prop(path)},line={max(f.line, 1)},col={max(f.column, 1)},"
                f"title={_gh_prop(title)}::{_gh_data(f.message + fix)}"
            )
        for e in r.lint_new or []:
            lines.append(
                f"::error file={_gh_prop(path)},line={max(e.line, 1)},col={max(e.column, 1)},"
                f"title={_gh_prop(e.rule + ' new cfn-lint error')}::{_gh_data(e.message)}"
            )
    return lines
