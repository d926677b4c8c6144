"""Dialogs survive repeated and mixed keys at any speed, and every way out asks when something
is unwritten (issue 18, defects 1 and 2)."""

from __future__ import annotations

from tests.tui.conftest import press, settle
from tui.components.confirm import ConfirmScreen
from tui.components.reason import ReasonScreen


async def test_enter_twice_in_the_reason_dialog_keeps_the_app_and_the_applied_fix(
    make_app,
) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "a")
        assert app.review.unwritten
        await press(pilot, "j", "x")
        assert isinstance(app.screen, ReasonScreen)
        await pilot.press(*"accepted", "enter", "enter", "enter")  # no pause between them
        await settle(pilot)
        assert app.is_running and not isinstance(app.screen, ReasonScreen)
        assert app.review.unwritten  # the applied fix is still there


async def test_mixed_keys_in_dialogs_never_pop_a_screen_twice(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "a")
        for keys in (("n", "n", "escape"), ("escape", "escape", "n"), ("n", "escape", "enter")):
            await press(pilot, "q")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press(*keys)
            await settle(pilot)
            assert app.is_running and not isinstance(app.screen, ConfirmScreen)
        await press(pilot, "x")
        await pilot.press("escape", "escape", "enter")
        await settle(pilot)
        assert app.is_running and not isinstance(app.screen, ReasonScreen)
        assert app.review.unwritten


async def test_an_empty_reason_says_why_nothing_happens(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "x", "enter")
        assert isinstance(app.screen, ReasonScreen)
        assert any("reason" in str(n.message) for n in app._notifications)


async def test_ctrl_q_and_the_palettes_quit_ask_when_edits_are_unwritten(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "a")
        await press(pilot, "ctrl+c", "ctrl+q")
        assert isinstance(app.screen, ConfirmScreen)
        await press(pilot, "n")
        await app.run_action("quit")  # what the palette's "Quit the application" runs
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await press(pilot, "n")
        assert app.is_running and app.review.unwritten


async def test_ctrl_q_quits_at_once_when_nothing_is_unwritten(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+q")
    assert app.return_code == 1  # findings remain


async def test_leaving_says_in_one_line_what_became_of_the_edits(make_app) -> None:
    from tui.app import exit_summary

    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        assert exit_summary(app.review).endswith("unchanged")
        await press(pilot, "a")
        assert exit_summary(app.review).endswith("not written: the edits of 1 fix discarded")
        await press(pilot, "w")
        await settle(pilot)
        assert exit_summary(app.review).startswith("wrote ")
        assert exit_summary(app.review).endswith("(1 fix applied)")


def test_a_diff_of_an_absolute_path_is_headed_as_git_heads_it() -> None:
    from fixers.engine import unified_diff

    head = unified_diff("a: 1\n", "a: 2\n", "/tmp/t.yaml").splitlines()[:2]
    assert head == ["--- a/tmp/t.yaml", "+++ b/tmp/t.yaml"]
