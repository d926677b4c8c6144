"""The question that adds a suppression: the reason to record beside the code."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class ReasonScreen(ModalScreen["str | None"]):
    """Dismisses with the reason typed (enter), or None (escape)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, title: str, body: Text | str) -> None:
        super().__init__()
        self.question_title = title
        self.body = body
        self._answered = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.question_title, "bold"), id="dialog-title")
            yield Static(self.body)
            yield Input(
                placeholder="why this gap is accepted (enter to add, escape to cancel)", id="reason"
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()  # the reason is not a filter of the findings list

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        if reason:
            self._answer(reason)
        else:
            self.notify("Type a reason: it is recorded beside the suppression.", severity="warning")

    def action_cancel(self) -> None:
        self._answer(None)

    def _answer(self, reason: str | None) -> None:
        # Keys typed faster than the screen closes (enter enter, escape enter) answer once.
        if not self._answered:
            self._answered = True
            self.dismiss(reason)
