"""What the screen shows, as pytest-textual-snapshot SVGs, at 80x24 and 120x40.

They run on the MF0101 fixture with only MF0101 selected and a stand-in cfn-lint, so rules
added to the rulebook do not change them. Update with ``--snapshot-update`` only after looking, and then
set RECORDED_WITH to the versions installed.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

import pytest

from tests.tui.conftest import press, settle

RECORDED_WITH = {"textual": "8.2.8", "rich": "15.0.0"}
"""The versions the SVGs were recorded with: Textual and Rich change how a screen renders from
one release to the next (8.2.0 and 8.2.8 differ), so the pictures are compared only there; the
Pilot tests assert behaviour at every version the dependency ranges allow, and what 80x24 must
show (the safety badge, the deploy impact, every key of the footer) as visible text in
tests/tui/test_small_screen.py."""

_installed = {name: metadata.version(name) for name in RECORDED_WITH}
pytestmark = pytest.mark.skipif(
    _installed != RECORDED_WITH,
    reason=f"snapshots recorded with {RECORDED_WITH}, installed {_installed}",
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def steps(*keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await press(pilot, *keys)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare, make_app, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(select=["MF0101"]), terminal_size=size, run_before=steps())


@pytest.mark.parametrize("size", SIZES)
def test_unsafe_fix_question(snap_compare, make_app, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(select=["MF0101"]), terminal_size=size, run_before=steps("a"))


@pytest.mark.parametrize("size", SIZES)
def test_diff_view(snap_compare, make_app, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        make_app(select=["MF0101"]), terminal_size=size, run_before=steps("a", "y", "d")
    )


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare, make_app, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        make_app(select=["MF0101"]), terminal_size=size, run_before=steps("question_mark")
    )
