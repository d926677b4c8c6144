"""The smallest supported terminal, 80x24 (and 70x20 for the dialogs): what must be on screen.

Asserted on the visible text through Pilot (``screen_text``), not on SVG bytes, so they hold
on every Textual release the dependency ranges allow: the detail pane shows the finding, its
safety and deploy impact; the footer shows every key with its word; help and the dialogs keep
their closing keys and buttons on screen; rows that would read the same say what differs.
"""

from __future__ import annotations

import shutil
from typing import Any

from tests.conftest import SAMPLES
from tests.tui.conftest import press, screen_text, settle
from tui.actions import ACTIONS
from tui.app import create_app
from tui.components.detail_pane import DetailPane
from tui.components.findings_list import FindingsList

SMALL = (80, 24)


def detail_text(app: Any) -> str:
    return "\n".join(screen_text(app, app.query_one(DetailPane).region))


async def test_the_detail_pane_shows_the_finding_its_safety_and_impact_at_80x24(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        shown = detail_text(app)
        assert "MF9901 VPC without DNS hostnames" in shown
        assert "SAFE" in shown and "deploy impact: update" in shown
        assert "Network line" in shown  # the resource and where it is
        await press(pilot, "j")  # MF0101: an unsafe fix
        shown = detail_text(app)
        assert "MF0101" in shown
        assert "UNSAFE" in shown and "deploy impact: replacement" in shown


async def test_the_footer_shows_every_key_at_80x24(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        footer = screen_text(app)[-1]
        for action in ACTIONS:
            if action.label is not None:
                assert f"{action.shown} {action.label}" in footer, (action.shown, footer)
        assert footer.rstrip().endswith("q Quit")


async def test_help_fits_at_80x24_and_scrolls_to_its_end(make_app) -> None:
    from tui.components.help_screen import HelpScreen

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_box = app.screen.query_one("#help").region
        assert help_box.y >= 0 and help_box.bottom <= SMALL[1]
        rows = screen_text(app)
        assert any("escape, q or ? closes" in r for r in rows)
        assert any("meridian-fix: keys" in r for r in rows)
        app.screen.query_one("#help-body").scroll_end(animate=False)
        await settle(pilot)
        rows = "\n".join(screen_text(app))
        assert "quit (asks only with unwritten changes)" in rows
        assert "escape, q or ? closes" in rows


async def test_the_unsafe_question_keeps_its_buttons_on_screen_at_70x20(make_app) -> None:
    from tui.components.confirm import ConfirmScreen

    app = make_app()
    async with app.run_test(size=(70, 20)) as pilot:
        await settle(pilot)
        await press(pilot, "j", "a")
        assert isinstance(app.screen, ConfirmScreen)
        for button in ("#yes", "#no"):
            region = app.screen.query_one(button).region
            assert region.y >= 0 and region.bottom <= 20, (button, region)
        rows = "\n".join(screen_text(app))
        assert "Apply (y)" in rows and "Cancel (n)" in rows
        assert "Deploy impact: REPLACEMENT" in rows


async def test_the_suppress_dialog_is_centred_as_the_others(make_app) -> None:
    from tui.components.reason import ReasonScreen

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "x")
        assert isinstance(app.screen, ReasonScreen)
        box = app.screen.query_one("#dialog").region
        width, height = SMALL
        assert abs(box.x - (width - box.right)) <= 1, box
        assert abs(box.y - (height - box.bottom)) <= 1, box


async def test_rows_of_one_code_on_one_resource_say_what_differs_at_80x24(
    tmp_path, monkeypatch
) -> None:
    """MF0302 twice per DB instance: the property each is about is on screen under its row."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(SAMPLES / "transaction-platform.yaml", "t.yaml")
    app = create_app("t.yaml", select=["MF0302"], lint=False)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        rows = screen_text(app, app.query_one(FindingsList).region)
        details = [r.strip() for r in rows if r.strip().startswith("›")]
        # The middle of a long path is elided: its ends are what differ.
        assert any(d.endswith("KMSKeyId") for d in details), rows
        assert any(d.endswith("RetentionPeriod") for d in details), rows


async def test_kinds_show_in_the_detail_and_headers_and_the_filter_takes_them(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "hardening · low · network" in detail_text(app)
        text = "\n".join(screen_text(app))
        assert "(2 hardening)" in text and "(1 convention)" in text
        app._refresh_list("convention")
        await settle(pilot)
        shown = [app.review.items[i].finding.kind for i in app.findings_list.shown_indexes()]
        assert shown == ["convention"]
