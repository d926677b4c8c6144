"""Questions with more than yes and no: the way forward from a refused write (reload, or write
to another file), and the path to write to."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


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


class PathScreen(ModalScreen["str | None"]):
    """Dismisses with the path typed (enter), or None (escape)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, title: str, body: Text | str, suggested: str) -> None:
        super().__init__()
        self.question_title = title
        self.body = body
        self.suggested = suggested
        self._answered = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.question_title, "bold"), id="dialog-title")
            yield Static(self.body)
            yield Input(
                self.suggested,
                placeholder="path to write to (enter to write, escape to cancel)",
                id="path",
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()  # the path is not a filter of the findings list

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path = event.value.strip()
        if path:
            self._answer(path)
        else:
            self.notify("Type the path to write the edits to.", severity="warning")

    def action_cancel(self) -> None:
        self._answer(None)

    def _answer(self, path: str | None) -> None:
        if not self._answered:
            self._answered = True
            self.dismiss(path)
