"""A yes/no question as a modal screen: the unsafe-fix question, writing with new cfn-lint
errors, quitting with unwritten changes."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True (yes) or False (no, escape)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "Cancel", show=False),
    ]

    def __init__(
        self,
        title: str,
        body: Text | str,
        yes: str = "Yes",
        no: str = "No",
        danger: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.question_title = title
        self.body = body
        self.yes_label = yes
        self.no_label = no
        self.danger = danger
        self._answered = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-danger" if self.danger else ""):
            yield Static(Text(self.question_title, "bold"), id="dialog-title")
            with VerticalScroll(id="dialog-body"):
                yield Static(self.body)
            with Horizontal(id="dialog-buttons"):
                yield Button(
                    f"{self.yes_label} (y)", id="yes", variant="error" if self.danger else "primary"
                )
                yield Button(f"{self.no_label} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        # Keys typed faster than the screen closes (n n, escape enter) answer once.
        if not self._answered:
            self._answered = True
            self.dismiss(answer)
