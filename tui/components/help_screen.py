"""The help screen: every key, what the states and fix labels mean."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.actions import ACTIONS

KEYS = [(a.shown, a.what) for a in ACTIONS]

LEGEND = (
    "Rows: ○ open  ✔ applied  – skipped; fix safe (no interruption of deployed resources), "
    "unsafe (replaces, deletes, reboots or interrupts, or its impact cannot be determined: read the deploy impact), none (manual). "
    "A state ending in ! means the fix adds cfn-lint errors or warnings."
)


def help_table() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for key, what in KEYS:
        table.add_row(key, what)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Static(Text("meridian-fix: keys", "bold"), id="help-title")
            with VerticalScroll(id="help-body"):
                yield Static(help_table())
                yield Static(Text("\n" + LEGEND, "dim"))
            yield Static(Text("escape, q or ? closes", "dim"), id="help-hint")

    def action_close(self) -> None:
        self.dismiss(None)
