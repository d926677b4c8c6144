"""The help screen: every key, what the states and fix labels mean."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    ("↑ ↓  j k", "move between findings"),
    ("a", "apply the selected fix (an unsafe fix asks first)"),
    ("s", "skip the selected finding (again: reopen it)"),
    ("x", "suppress the finding in the template's Metadata, with a reason"),
    ("A", "apply every safe fix, as --auto-fix does"),
    ("u", "undo the last applied fix"),
    ("d", "toggle side by side / unified diff of the whole file"),
    ("v", "revalidate with cfn-lint now"),
    ("w", "write the file (asks if the edits add cfn-lint errors)"),
    ("/", "filter findings (code, title, resource, area, state)"),
    ("ctrl+p", "command palette: the same actions by name"),
    ("tab", "move focus between the list, detail and code panes"),
    ("?", "this help"),
    ("q", "quit (asks if there are unwritten changes)"),
]

LEGEND = (
    "Rows: ○ open  ✔ applied  – skipped; fix safe (no interruption of deployed resources), "
    "unsafe (replaces, deletes, reboots or interrupts, or its impact cannot be determined: read the deploy impact), none (manual). "
    "A state ending in ! means the fix adds cfn-lint errors."
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
