"""Questions answered with a line of text: the reason to record beside a suppression, the path
to write the edits to."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class TextScreen(ModalScreen["str | None"]):
    """Dismisses with the text typed (enter), or None (escape); an empty answer is refused with
    ``empty_warning``. Subclasses set the input's ``placeholder``, ``input_id`` and warning."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]
    placeholder = ""
    input_id = "answer"
    empty_warning = "Type an answer."

    def __init__(self, title: str, body: Text | str, value: str = "") -> None:
        super().__init__()
        self.question_title = title
        self.body = body
        self.value = value
        self._answered = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.question_title, "bold"), id="dialog-title")
            yield Static(self.body)
            yield Input(self.value, placeholder=self.placeholder, id=self.input_id)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()  # the answer is not a filter of the findings list

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        answer = event.value.strip()
        if answer:
            self._answer(answer)
        else:
            self.notify(self.empty_warning, severity="warning")

    def action_cancel(self) -> None:
        self._answer(None)

    def _answer(self, answer: str | None) -> None:
        # Keys typed faster than the screen closes (enter enter, escape enter) answer once.
        if not self._answered:
            self._answered = True
            self.dismiss(answer)


class ReasonScreen(TextScreen):
    """The reason to record beside a suppression."""

    placeholder = "why this gap is accepted (enter to add, escape to cancel)"
    input_id = "reason"
    empty_warning = "Type a reason: it is recorded beside the suppression."
