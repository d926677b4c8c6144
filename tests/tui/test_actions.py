"""One table of actions makes the bindings, the palette, the help screen and the README's table."""

from __future__ import annotations

from pathlib import Path

from tui.actions import ACTIONS, HIDDEN_BINDINGS, markdown_key_table, palette

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_key_table_is_the_table_of_actions() -> None:
    """Regenerate it with ``python -m tui.actions`` when an action changes."""
    assert markdown_key_table() in README.read_text(encoding="utf-8")


def test_every_action_is_bound_offered_and_explained() -> None:
    from tui.app import MeridianApp
    from tui.components.commands import COMMANDS
    from tui.components.help_screen import KEYS

    bound = {(b.key, b.action) for b in MeridianApp.BINDINGS}  # type: ignore[union-attr]
    wanted = {(a.key, a.action) for a in ACTIONS if a.key and a.action} | set(HIDDEN_BINDINGS)
    assert bound == wanted
    assert palette() == COMMANDS and len(COMMANDS) == sum(1 for a in ACTIONS if a.title)
    assert [(a.shown, a.what) for a in ACTIONS] == KEYS
    for action in {a.action for a in ACTIONS if a.action} | {x for _, x in HIDDEN_BINDINGS}:
        assert callable(getattr(MeridianApp, f"action_{action}", None)), action
