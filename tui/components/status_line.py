"""The status line: findings by state, cfn-lint's state, and whether edits are unwritten."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static


@dataclass
class LintStatus:
    """What the status line says about cfn-lint."""

    state: str = "waiting"  # waiting, running, done, failed
    before: int | None = None  # errors in the template as opened
    added: int | None = None  # errors and warnings the current edits add
    message: str = ""


def status_text(counts: dict[str, int], lint: LintStatus, unwritten: bool, width: int) -> Text:
    text = Text()
    text.append(f"{counts['open']} open", "bold")
    text.append(f" · {counts['applied']} applied", "green" if counts["applied"] else "")
    text.append(f" · {counts['skipped']} skipped", "dim")
    if counts.get("rolled back"):
        text.append(f" · {counts['rolled back']} rolled back", "bold red")
    sep = "  │  " if width >= 100 else " │ "
    text.append(f"{sep}cfn-lint: ", "dim")
    if lint.before is not None:
        text.append(f"{lint.before} before")
    if lint.added is not None:
        text.append(", " if lint.before is not None else "")
        label = "from edits" if width >= 100 else "new"
        text.append(f"+{lint.added} {label}", "bold red" if lint.added else "green")
    if lint.state == "running":
        text.append(" running…" if lint.before is not None else "running…", "yellow")
    elif lint.state == "failed":
        text.append(" failed" if lint.before is not None else "failed", "bold red")
        if lint.message and width >= 100:
            text.append(f" ({lint.message})", "red")
    elif lint.state == "waiting":
        text.append("waiting", "dim")
    else:
        text.append(" ✓", "green")
    text.append(sep, "dim")
    if unwritten:
        text.append("● unwritten changes" if width >= 100 else "● unwritten", "bold yellow")
    else:
        text.append("saved", "dim")
    text.truncate(max(width, 1), overflow="ellipsis")
    return text


class StatusLine(Static):
    """One line above the footer."""

    _shown: tuple[dict[str, int], LintStatus, bool] | None = None

    def show(self, counts: dict[str, int], lint: LintStatus, unwritten: bool) -> None:
        self._shown = (dict(counts), dataclasses.replace(lint), unwritten)
        self.update(status_text(counts, lint, unwritten, self.size.width or 80))

    def on_resize(self) -> None:
        # The app's resize comes before this widget has its new width: word it again here.
        if self._shown is not None:
            self.update(status_text(*self._shown, self.size.width or 80))
