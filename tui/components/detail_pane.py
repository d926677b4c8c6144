"""The detail pane: the selected finding's message, the rule's explanation, fix safety and impact."""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from fixers.rules import Rule
from fixers.session import APPLIED, SKIPPED, Item

IMPACT_STYLE = {
    "none": "green",
    "update": "green",
    "revision": "green",
    "interruption": "yellow",
    "reboot": "yellow",
    "possible replacement": "bold red",
    "replacement": "bold red",
    "deletion": "bold red",
    "unknown": "bold red",
}


def paragraphs(text: str) -> str:
    """A docstring-style block as plain paragraphs (lines joined, blank lines kept)."""
    blocks = textwrap.dedent(text).strip().split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in b.splitlines()) for b in blocks)


def describe(item: Item, rule: Rule | None) -> Text:
    f = item.finding
    text = Text()
    text.append(f"{f.code} ", "bold")
    text.append(f.title, "bold")
    text.append("\n")
    # Safety and deploy impact come first: at 80x24 the pane shows only its first lines.
    fix = f.fix
    if fix is None:
        text.append(" NO FIX ", "bold black on grey70")
        text.append(" manual change\n", "dim")
    else:
        text.append(
            " SAFE " if fix.safe else " UNSAFE ",
            "bold black on green" if fix.safe else "bold black on yellow",
        )
        text.append(" deploy impact: ")
        text.append(fix.impact, IMPACT_STYLE.get(fix.impact, "bold"))
        text.append("\n")
    meta = [f.kind, f.severity, f.area]
    if f.spec:
        meta.append("spec " + ", ".join(f.spec))
    text.append(f"{f.resource or '/'.join(map(str, f.path))}", "cyan")
    text.append(f" line {f.line} · " + " · ".join(meta) + "\n", "dim")
    if item.lint_added:
        text.append(f"⚠ {item.lint_added}\n", "bold red")
    if item.state == APPLIED:
        text.append("✔ applied", "green")
        text.append(f" ({item.reason})\n" if item.reason else "\n", "dim")
    elif item.state == SKIPPED:
        text.append("– skipped (s reopens it)\n", "dim")
    elif item.reason:
        text.append(f"fix not applied: {item.reason}\n", "red")
    if item.rolled_back and item.state != APPLIED:
        text.append("↩ reverted: ", "bold red")
        text.append(
            f"A rolled this fix back, as --auto-fix does ({item.rolled_back}); a applies it"
            " anyway\n",
            "red",
        )
    text.append("\n")
    text.append(f.message)
    text.append("\n\n")
    if fix is None:
        text.append("No automatic fix.", "dim")
        text.append("\n")
    else:
        text.append("Fix: ", "bold")
        text.append(fix.title)
        text.append("\n")
        text.append("Deploy impact: ", "bold")
        text.append(fix.impact_detail, "italic")
        text.append("\n")
    if rule is not None and rule.why:
        text.append("\nWhy it matters\n", "bold underline")
        text.append(paragraphs(rule.why))
        text.append("\n")
    if rule is not None and rule.fix_safety:
        text.append("\nFix safety\n", "bold underline")
        text.append(paragraphs(rule.fix_safety))
        text.append("\n")
    return text


class DetailPane(VerticalScroll):
    """Scrollable text about the selected finding."""

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="detail-text")

    def show(self, item: Item | None, rule: Rule | None) -> None:
        body = self.query_one("#detail-text", Static)
        if item is None:
            body.update(Text("Select a finding.", "dim"))
            self.border_title = "Detail"
            return
        body.update(describe(item, rule))
        self.border_title = f"{item.finding.code} · {item.state}"
        self.scroll_home(animate=False)
