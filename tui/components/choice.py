"""Questions with more than yes and no: the way forward from a refused write (reload, or write
to another file), and the path to write to."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.components.reason import TextScreen


class ChoiceScreen(ModalScreen["str | None"]):
    """Dismisses with the key of the choice taken (its key or its button), or None (escape)."""

    BINDINGS = [Binding("escape", "choose(None)", "Cancel", show=False)]

    def __init__(self, title: str, body: Text | str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.question_title = title
        self.body = body
        self.choices = choices  # (key, label)
        self._answered = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-danger"):
            yield Static(Text(self.question_title, "bold"), id="dialog-title")
            with VerticalScroll(id="dialog-body"):
                yield Static(self.body)
            with Horizontal(id="dialog-buttons"):
                for key, label in self.choices:
                    yield Button(f"{label} ({key})", id=f"choice-{key}")
                yield Button("Cancel (esc)", id="choice-cancel")

    def on_mount(self) -> None:
        self.query_one("#choice-cancel", Button).focus()

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        if any(event.key == key for key, _ in self.choices):
            event.stop()
            self.action_choose(event.key)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        key = (event.button.id or "").removeprefix("choice-")
        self.action_choose(None if key == "cancel" else key)

    def action_choose(self, key: str | None) -> None:
        # Keys typed faster than the screen closes answer once.
        if not self._answered:
            self._answered = True
            self.dismiss(key)


class PathScreen(TextScreen):
    """The path to write the edits to (the suggestion typed in already)."""

    placeholder = "path to write to (enter to write, escape to cancel)"
    input_id = "path"
    empty_warning = "Type the path to write the edits to."
