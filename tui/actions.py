"""The app's actions, in one table: the key bindings, the command palette, the help screen and
the README's key table are all made from it, so they cannot drift apart.

No textual import here (the bindings are built where they are used), so the table can be read
by tests and by ``python -m tui.actions``, which prints the README's table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    """One thing the user can do in the review."""

    shown: str
    """The key as the help, the palette and the README show it."""
    what: str
    """What it does, in one line."""
    action: str | None = None
    """The app's action it runs (``action_<name>``); None for keys Textual itself handles."""
    key: str | None = None
    """The key(s) bound, in Textual's names; None when ``action`` has no key of its own here."""
    label: str | None = None
    """The footer's word for it; None keeps it out of the footer. The footer shows every label
    in one line of 80 columns, the smallest supported terminal (tests/tui/test_small_screen.py)."""
    title: str | None = None
    """The command palette's name for it; None keeps it out of the palette."""


ACTIONS: tuple[Action, ...] = (
    Action("↑ ↓ / j k", "move between findings"),
    Action(
        "a",
        "apply the selected fix (an unsafe fix asks first, showing its deploy impact)",
        "apply",
        "a",
        "Fix",
        "Apply selected fix",
    ),
    Action("s", "skip the finding, or reopen it", "skip", "s", "Skip", "Skip selected finding"),
    Action(
        "x",
        "suppress the finding in the template's Metadata, with a reason",
        "suppress",
        "x",
        "Suppress",
        "Suppress selected finding",
    ),
    Action(
        "A",
        "apply every safe fix shown, rolling back those that add cfn-lint errors (the same bytes as "
        "--auto-fix); u takes them back one at a time",
        "apply_all",
        "A",
        "All",
        "Apply all safe fixes",
    ),
    Action("u", "undo the last applied fix", "undo", "u", "Undo", "Undo last applied fix"),
    Action(
        "d",
        "side by side ↔ unified diff of the whole file",
        "toggle_diff",
        "d",
        "Diff",
        "Toggle diff view",
    ),
    Action(
        "v",
        "revalidate with cfn-lint now",
        "revalidate",
        "v",
        "Lint",
        "Revalidate with cfn-lint",
    ),
    Action(
        "w",
        "write atomically (asks only if the edits add cfn-lint errors or warnings; if the file "
        "changed on disk, offers to reload it or to write to another file)",
        "write",
        "w",
        "Write",
        "Write file",
    ),
    Action(
        "/",
        "filter by code, title, resource, area or state",
        "filter",
        "slash",
        "Find",
        "Filter findings",
    ),
    Action("ctrl+p", "command palette with the same actions"),
    Action("tab", "move focus between the list, detail and code panes"),
    Action("?", "help", "help", "question_mark", "Help", "Help: keys"),
    Action("q", "quit (asks only with unwritten changes)", "quit_app", "q", "Quit", "Quit"),
)

HIDDEN_BINDINGS: tuple[tuple[str, str], ...] = (
    ("j", "cursor_down"),
    ("k", "cursor_up"),
    ("escape", "close_filter"),
)
"""Keys bound but not listed on their own (``j``/``k`` are in the first row of ACTIONS; escape
closes the filter it opened)."""


def palette() -> list[tuple[str, str, str]]:
    """(title, action, help) of each action the command palette offers."""
    return [
        (a.title, a.action, f"{a.shown}: {a.what}")
        for a in ACTIONS
        if a.title is not None and a.action is not None
    ]


def markdown_key_table() -> str:
    """The README's key table."""
    rows = ["| Key | Action |", "|---|---|"]
    rows += [f"| {a.shown} | {a.what} |" for a in ACTIONS]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown_key_table(), end="")
