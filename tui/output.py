"""Terminal output of the batch command, through rich: findings, summaries, rule tables."""

from __future__ import annotations

import os
import sys
from collections import Counter
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from fixers.engine import FileResult
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


STATUS_STYLE = {
    "applied": "[green]fixed[/]",
    "failed": "[red]fix failed[/]",
    "rolled back": "[red]rolled back[/]",
    "unsafe": "[yellow]not applied (unsafe)[/]",
}


def print_results(results: "list[FileResult]", errors: list[str], fixing: bool, diff: bool) -> None:
    out = console()
    err = console(stderr=True)
    for line in errors:
        err.print(f"[red]error[/] {escape(line)}")
    totals: Counter[str] = Counter()
    for result in results:
        if result.error:
            err.print(f"[red]error[/] {escape(result.error)}")
            totals["errors"] += 1
            continue
        if diff and result.changed:
            out.print(escape(result.diff()), end="", markup=True)
        remaining = {f.key for f in result.remaining}
        for outcome in result.outcomes:
            f = outcome.finding
            where = f"{result.path}:{f.line}:{f.column}"
            state = ""
            if fixing:
                if outcome.status == "applied" and f.key not in remaining:
                    state = " " + STATUS_STYLE["applied"]
                elif outcome.status in STATUS_STYLE:
                    state = " " + STATUS_STYLE[outcome.status]
                    if outcome.reason and outcome.status != "unsafe":
                        state += f" [dim]({escape(outcome.reason)})[/]"
            out.print(f"{escape(where)} [bold]{f.code}[/] {escape(f.title)} [dim]·[/] {escape(f.resource or '')} {fix_label(f)}{state}")
            totals["found"] += 1
            if fixing and outcome.status == "applied" and f.key not in remaining:
                totals["fixed"] += 1
        totals["remaining"] += len(result.remaining)
        for problem in result.rule_errors:
            err.print(f"[red]internal error[/] {escape(result.path)}: {escape(problem.splitlines()[0])}")
        if result.lint_new:
            for e in result.lint_new:
                out.print(f"{escape(result.path)}:{e.line}:{e.column} [red]{e.rule}[/] new cfn-lint error: {escape(e.message)}")
        if result.write_error:
            err.print(f"[red]error[/] {escape(result.write_error)}")
        elif result.written:
            totals["written"] += 1
    files = len(results)
    parts = [f"{files} file{'s' if files != 1 else ''}", f"{totals['found']} finding{'s' if totals['found'] != 1 else ''}"]
    if fixing:
        parts.append(f"{totals['fixed']} fixed")
        parts.append(f"{totals['remaining']} remaining")
        parts.append(f"{totals['written']} written")
    if totals["errors"] or errors:
        parts.append(f"{totals['errors'] + len(errors)} unreadable")
    err.print("[bold]" + ", ".join(parts) + "[/]")


def print_rules(rules: "dict[str, Rule]") -> None:
    table = Table(title="meridian-fix rules", show_lines=False)
    for column in ("Code", "Spec", "Area", "Fix", "Title"):
        table.add_column(column, no_wrap=column != "Title")
    for code, rule in rules.items():
        fix = rule.fix_applicability if rule.fix_applicability == "none" else f"{rule.fix_applicability} ({rule.deploy_impact})"
        table.add_row(code, ", ".join(rule.spec), rule.area, fix, rule.title)
    console().print(table)


def print_markdown(text: str) -> None:
    out = console()
    if out.is_terminal:
        from rich.markdown import Markdown

        out.print(Markdown(text))
    else:
        out.print(escape(text), end="")
