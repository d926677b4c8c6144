"""Terminal output of the batch command, through rich: findings, summaries, rule tables."""

from __future__ import annotations

import os
import sys
from collections import Counter
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fixers.engine import Status
from fixers.validate import EXEMPT_WARNINGS

if TYPE_CHECKING:
    from fixers.report import FileReport
    from fixers.rules import Rule


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    no_color = bool(os.environ.get("NO_COLOR")) or not stream.isatty()
    return Console(file=stream, no_color=no_color, highlight=False, soft_wrap=True, emoji=False)


def fix_label(finding) -> str:  # type: ignore[no-untyped-def]
    fix = finding.fix
    if fix is None:
        return "[dim]no fix[/]"
    if fix.safe:
        return "[green]fix: safe[/]"
    return f"[yellow]fix: unsafe, {fix.impact}[/]"


KIND_STYLE = {
    "defect": "[red]defect[/]",
    "hardening": "[yellow]hardening[/]",
    "convention": "[cyan]convention[/]",
}

STATUS_STYLE = {
    Status.APPLIED: "[green]fixed[/]",
    Status.ALREADY_FIXED: "[green]fixed[/]",
    Status.FAILED: "[red]fix failed[/]",
    Status.ROLLED_BACK: "[red]rolled back[/]",
    Status.DECLINED: "[yellow]not applied (unsafe)[/]",
    Status.GENERATED: "[yellow]not applied (generated template)[/]",
}


def print_results(
    reports: list[FileReport],
    errors: list[str],
    fixing: bool,
    diff: bool,
    show_suppressed: bool = False,
) -> None:
    out = console()
    err = console(stderr=True)
    for line in errors:
        err.print(f"[red]error[/] {escape(line)}")
    for rep in reports:
        result = rep.result
        if result.error:
            err.print(f"[red]error[/] {escape(result.error)}")
            continue
        if diff and result.changed:
            out.print(escape(result.diff()), end="", markup=True)
        remaining = {f.key for f in result.remaining}
        # A rule that finds several things on one resource: its title would repeat; say each one.
        repeated = Counter((o.finding.code, o.finding.resource) for o in result.outcomes)
        for outcome in result.outcomes:
            f = outcome.finding
            if f.key in rep.baselined:
                continue
            where = f"{result.path}:{f.line}:{f.column}"
            state = ""
            if fixing:
                if outcome.applied and f.key not in remaining:
                    state = " " + STATUS_STYLE[Status.APPLIED]
                elif outcome.status in STATUS_STYLE:
                    state = " " + STATUS_STYLE[outcome.status]
                    if outcome.reason and outcome.status != Status.DECLINED:
                        state += f" [dim]({escape(outcome.reason)})[/]"
            what = f.message if repeated[(f.code, f.resource)] > 1 else f.title
            out.print(
                f"{escape(where)} [bold]{f.code}[/] {KIND_STYLE.get(f.kind, f.kind)} {escape(what)} "
                f"[dim]·[/] {escape(f.resource or '')} {fix_label(f)}{state}"
            )
        if show_suppressed:
            for s in result.suppressed:
                f, sup = s.finding, s.suppression
                reason = f": {escape(sup.reason)}" if sup.reason else ""
                out.print(
                    f"{escape(f'{result.path}:{f.line}:{f.column}')} [dim]{f.code} {escape(f.title)} · "
                    f"{escape(f.resource or '')} suppressed by {escape(sup.code)} "
                    f"({'template' if sup.scope == 'template' else 'resource'} Metadata, line {sup.line}){reason}[/]"
                )
        for problem in result.rule_errors:
            err.print(
                f"[red]internal error[/] {escape(result.path)}: {escape(problem.splitlines()[0])}"
            )
        for e in result.lint_new or []:
            out.print(
                f"{escape(result.path)}:{e.line}:{e.column} [red]{e.rule}[/] new cfn-lint {e.level}: {escape(e.message)}"
            )
        for e in result.lint_notes or []:
            out.print(
                f"[dim]{escape(result.path)}:{e.line}:{e.column} {e.rule} note: {escape(e.message)} "
                f"({escape(EXEMPT_WARNINGS.get(e.rule, ''))})[/]"
            )
        if result.write_error:
            err.print(f"[red]error[/] {escape(result.write_error)}")
    if len(reports) > 1:
        print_area_table(reports, fixing, err)
    print_summary(reports, errors, fixing, err)


def print_summary(
    reports: list[FileReport], errors: list[str], fixing: bool, err: Console | None = None
) -> None:
    """The closing line, on stderr: files, findings, and what became of them."""
    from fixers.report import summary

    err = err or console(stderr=True)
    t = summary(reports, errors)
    plural = lambda n, word: f"{n} {word}{'s' if n != 1 else ''}"  # noqa: E731
    parts = [plural(t["files"], "file"), plural(t["findings"], "finding")]
    if t["findings"]:
        kinds = ", ".join(f"{n} {kind}" for kind, n in t["by_kind"].items() if n)
        parts[-1] += f" ({kinds})"
    if fixing:
        parts += [f"{t['fixed']} fixed", f"{t['remaining']} remaining", f"{t['written']} written"]
    if t["suppressed"]:
        parts.append(f"{t['suppressed']} suppressed")
    if t["baselined"]:
        parts.append(f"{t['baselined']} in baseline")
    if t["failing"] != t["remaining"] - t["baselined"]:
        parts.append(f"{t['failing']} failing (--fail-on)")
    if t["unreadable"]:
        parts.append(f"{t['unreadable']} unreadable")
    err.print("[bold]" + ", ".join(parts) + "[/]")


def print_area_table(reports: list[FileReport], fixing: bool, err: Console) -> None:
    """Findings by area: how many, how many have a fix, fixed, suppressed, in the baseline."""
    rows: dict[str, Counter[str]] = {}
    for rep in reports:
        remaining = {f.key for f in rep.result.remaining}
        for o in rep.result.outcomes:
            c = rows.setdefault(o.finding.area, Counter())
            c["found"] += 1
            c["fixable"] += o.finding.fix is not None
            c["fixed"] += o.applied and o.finding.key not in remaining
            c["baselined"] += o.finding.key in rep.baselined
        for s in rep.result.suppressed:
            rows.setdefault(s.finding.area, Counter())["suppressed"] += 1
    if not rows:
        return
    table = Table(title="Findings by area", show_lines=False)
    columns = (
        ["Area", "Findings", "With a fix"]
        + (["Fixed"] if fixing else [])
        + ["Suppressed", "In baseline"]
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "Area" else "right")
    total: Counter[str] = Counter()
    for area in sorted(rows):
        c = rows[area]
        total.update(c)
        table.add_row(
            area,
            *(
                str(c[k])
                for k in (
                    ["found", "fixable"]
                    + (["fixed"] if fixing else [])
                    + ["suppressed", "baselined"]
                )
            ),
        )
    table.add_row(
        "[bold]total[/]",
        *(
            f"[bold]{total[k]}[/]"
            for k in (
                ["found", "fixable"] + (["fixed"] if fixing else []) + ["suppressed", "baselined"]
            )
        ),
    )
    err.print(table)


def print_rules(rules: dict[str, Rule]) -> None:
    """One line per rule: code, kind, severity, fix label, spec items, title (the area and the
    reasoning are in ``--explain``)."""
    table = Table(title="meridian-fix rules", box=None, show_lines=False, pad_edge=False)
    for column in ("Code", "Kind", "Severity", "Fix", "Spec", "Title"):
        table.add_column(column, no_wrap=column != "Title", overflow="fold")
    from fixers import suppressions

    table.add_row(
        suppressions.UNUSED_CODE,
        suppressions.UNUSED_KIND,
        suppressions.UNUSED_SEVERITY,
        "none",
        "",
        suppressions.UNUSED_TITLE,
    )
    for code, rule in rules.items():
        fix = (
            rule.fix_applicability
            if rule.fix_applicability == "none"
            else f"{rule.fix_applicability} ({rule.deploy_impact})"
        )
        table.add_row(
            code, rule.kind, rule.severity, fix, ", ".join(rule.spec) or "beyond", rule.title
        )
    out = console()
    if not out.is_terminal:
        out.width = 200  # piped: one line per rule, for grep
    out.print(table)


def print_markdown(text: str) -> None:
    out = console()
    if out.is_terminal:
        from rich.markdown import Markdown

        out.print(Markdown(text))
    else:
        out.print(escape(text), end="")
