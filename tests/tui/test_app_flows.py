"""Every key flow of the review app, driven with Pilot on a small template and stand-in rules."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from fixers.engine import Engine, Options
from fixers.session import APPLIED, OPEN, SKIPPED
from tests.tui.conftest import TEMPLATE, FakeValidator, plain, press, review_rules, settle
from tui.components.confirm import ConfirmScreen
from tui.components.context_view import ContextView
from tui.components.detail_pane import DetailPane
from tui.components.help_screen import HelpScreen
from tui.components.status_line import StatusLine


def codes_in_order(app) -> list[str]:  # type: ignore[no-untyped-def]
    lst = app.findings_list
    return [
        app.review.items[int(lst.get_option_at_index(i).id)].finding.code
        for i in range(lst.option_count)
        if (lst.get_option_at_index(i).id or "").isdigit()
    ]


def headers(app) -> list[str]:  # type: ignore[no-untyped-def]
    lst = app.findings_list
    return [
        str(lst.get_option_at_index(i).prompt)
        for i in range(lst.option_count)
        if (lst.get_option_at_index(i).id or "").startswith("area:")
    ]


def selected_code(app) -> str:  # type: ignore[no-untyped-def]
    return app.selected_item().finding.code


def status(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.query_one(StatusLine).render())


def by_code(app, code: str):  # type: ignore[no-untyped-def]
    return next(i for i in app.review.items if i.finding.code == code)


async def test_opens_with_findings_grouped_by_area(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        assert codes_in_order(app) == ["MF9901", "MF0101", "MF9902"]
        assert [h.split()[0] for h in headers(app)] == ["Network", "Monitoring"]
        assert "2" in headers(app)[0] and "2 open" in headers(app)[0]
        assert selected_code(app) == "MF9901"
        detail = plain(app.query_one(DetailPane).query_one("#detail-text"))
        assert "VPC Network has no DNS hostnames." in detail
        assert "Interface endpoints need DNS hostnames." in detail  # the rule's why
        assert "SAFE" in detail and "update" in detail
        assert "3 open · 0 applied · 0 skipped" in status(app)
        assert "cfn-lint: 0 before" in status(app)


async def test_j_k_and_arrows_move_between_findings(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "j")
        assert selected_code(app) == "MF0101"
        await press(pilot, "down")
        assert selected_code(app) == "MF9902"  # the Monitoring header is skipped
        await press(pilot, "k")
        assert selected_code(app) == "MF0101"
        await press(pilot, "up")
        assert selected_code(app) == "MF9901"
        detail = plain(app.query_one(DetailPane).query_one("#detail-text"))
        assert "MF9901" in detail


async def test_side_by_side_preview_comes_from_a_copy(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = plain(app.query_one("#before-text"))
        after = plain(app.query_one("#after-text"))
        assert "CidrBlock: 10.0.0.0/16" in before
        assert "EnableDnsHostnames: true" in after and "EnableDnsHostnames" not in before
        assert app.review.text == TEMPLATE  # the preview did not touch the document
        assert not app.review.unwritten


async def test_a_applies_a_safe_fix(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "a")
        await settle(pilot)
        item = by_code(app, "MF9901")
        assert item.state == APPLIED
        assert "EnableDnsHostnames: true" in app.review.text
        assert "2 open · 1 applied" in status(app)
        assert "unwritten" in status(app)
        assert "from edits" in status(app) or "new" in status(app)
        await press(pilot, "a")
        assert any("Already applied" in n for n in app.notes)


async def test_unsafe_fix_asks_first(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "j", "a")
        assert isinstance(app.screen, ConfirmScreen)
        assert "replacement" in str(app.screen.body).lower()
        await press(pilot, "n")
        assert not isinstance(app.screen, ConfirmScreen)
        assert by_code(app, "MF0101").state == OPEN
        assert app.review.text == TEMPLATE
        await press(pilot, "a")
        await press(pilot, "y")
        await settle(pilot)
        assert by_code(app, "MF0101").state == APPLIED
        assert "DatabaseSubnet1" in app.review.text


async def test_s_skips_and_reopens(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "s")
        assert by_code(app, "MF9901").state == SKIPPED
        assert selected_code(app) == "MF0101"  # skipping moves on
        assert "2 open · 0 applied · 1 skipped" in status(app)
        await press(pilot, "k", "s")
        assert by_code(app, "MF9901").state == OPEN
        assert app.review.text == TEMPLATE


async def test_A_applies_every_safe_fix_like_auto_fix(make_app, template: Path) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "A")
        await settle(pilot)
        assert [i.state for i in app.review.items] == [APPLIED, OPEN, APPLIED]  # MF0101 is unsafe
        expected = Engine(Options(fix=True, validate=False), rules=review_rules()).run_path(
            str(template)
        )
        assert app.review.new_bytes() == expected.new_bytes()
        await press(pilot, "A")
        assert any("No safe fix to apply" in n for n in app.notes)


async def test_A_leaves_skipped_findings_alone(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "s", "A")
        assert by_code(app, "MF9901").state == SKIPPED
        assert by_code(app, "MF9902").state == APPLIED
        assert "EnableDnsHostnames" not in app.review.text


async def test_u_undoes_the_last_applied_fix(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "u")
        assert any("Nothing to undo" in n for n in app.notes)
        await press(pilot, "a", "j", "j", "a")
        assert [i.state for i in app.review.items] == [APPLIED, OPEN, APPLIED]
        await press(pilot, "u")
        assert [i.state for i in app.review.items] == [APPLIED, OPEN, OPEN]
        assert "RetentionInDays" not in app.review.text and "EnableDnsHostnames" in app.review.text
        await press(pilot, "u")
        assert app.review.text == TEMPLATE
        assert not app.review.unwritten
        assert "saved" in status(app)


async def test_d_toggles_the_whole_file_diff(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        context = app.query_one(ContextView)
        await press(pilot, "d")
        assert context.diff_mode
        assert "No edits yet" in str(app.query_one("#diff-pane").border_title)
        await press(pilot, "a")
        diff = plain(app.query_one("#diff-text"))
        assert "+      EnableDnsHostnames: true" in diff
        assert "--- a/template.yaml" in diff
        await press(pilot, "d")
        assert not context.diff_mode


async def test_v_revalidates_now(make_app) -> None:
    validator = FakeValidator()
    app = make_app(validator)
    async with app.run_test() as pilot:
        await settle(pilot)
        calls = validator.calls
        await press(pilot, "v")
        await settle(pilot)
        assert validator.calls > calls
        assert app.lint_status.state == "done"


async def test_w_writes_the_file_atomically(make_app, template: Path) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "w")
        assert any("Nothing to write" in n for n in app.notes)
        await press(pilot, "a")
        await settle(pilot)
        await press(pilot, "w")
        await settle(pilot)
        assert template.read_bytes() == app.review.new_bytes()
        assert "EnableDnsHostnames: true" in template.read_text()
        assert not app.review.unwritten
        # A second write after another fix works from the new snapshot.
        await press(pilot, "j", "j", "a")
        await settle(pilot)
        await press(pilot, "w")
        await settle(pilot)
        assert "RetentionInDays: 365" in template.read_text()


async def test_w_refuses_when_the_file_changed_on_disk(make_app, template: Path) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "a")
        await settle(pilot)
        template.write_text(TEMPLATE + "# edited elsewhere\n")
        await press(pilot, "w")
        await settle(pilot)
        assert template.read_text() == TEMPLATE + "# edited elsewhere\n"
        from tui.components.choice import ChoiceScreen

        assert isinstance(app.screen, ChoiceScreen)  # the ways forward: reload or write elsewhere
        assert "changed on disk" in str(app.screen.body)
        assert "Nothing was written" in str(app.screen.body)
        await press(pilot, "escape")
        assert template.read_text() == TEMPLATE + "# edited elsewhere\n"
        assert app.review.unwritten


async def test_w_asks_when_the_edits_add_cfn_lint_errors(make_app, template: Path) -> None:
    app = make_app(FakeValidator(bad="RetentionInDays"))
    async with app.run_test() as pilot:
        await settle(pilot)
        # One by one (A rolls back the fix that adds the error, as --auto-fix does).
        await press(pilot, "a", "j", "j", "a")
        await settle(pilot)
        assert "+1" in status(app)
        assert by_code(app, "MF9902").lint_added and not by_code(app, "MF9901").lint_added
        await press(pilot, "w")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "MF9902" in str(app.screen.body)
        await press(pilot, "n")
        assert template.read_text() == TEMPLATE
        await press(pilot, "w")
        await settle(pilot)
        await press(pilot, "y")
        await settle(pilot)
        assert "RetentionInDays: 365" in template.read_text()


async def test_write_waits_for_a_running_lint(make_app, template: Path) -> None:
    validator = FakeValidator()
    app = make_app(validator)
    async with app.run_test() as pilot:
        await settle(pilot)
        validator.gate = threading.Event()
        await pilot.press("a")  # starts a lint that blocks on the gate
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        assert template.read_text() == TEMPLATE
        assert any("before writing" in n for n in app.notes)
        validator.gate.set()
        await settle(pilot)
        assert "EnableDnsHostnames: true" in template.read_text()


async def test_a_newer_lint_run_supersedes_an_older_one(make_app) -> None:
    validator = FakeValidator(bad="RetentionInDays")
    app = make_app(validator)
    async with app.run_test() as pilot:
        await settle(pilot)
        validator.gate = threading.Event()
        await press(pilot, "j", "j")
        await pilot.press("a")  # lint 1: the retention fix adds an error; blocks on the gate
        await pilot.pause()
        assert app.lint_status.state == "running"
        await pilot.press("u")  # lint 2: the original text again, known: done at once
        for _ in range(50):
            await pilot.pause(0.02)
            if app.lint_status.state == "done":
                break
        assert app.lint_status.state == "done" and app.lint_status.added == 0
        validator.gate.set()  # lint 1 finishes late: its result is dropped
        await settle(pilot)
        assert app.lint_status.state == "done" and app.lint_status.added == 0
        assert not any(i.lint_added for i in app.review.items)


async def test_a_lint_failure_is_shown_not_fatal(make_app) -> None:
    app = make_app(FakeValidator(fail=True))
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.lint_status.state == "failed"
        assert "failed" in status(app)
        assert any("cfn-lint could not run" in n for n in app.notes)
        await press(pilot, "a", "w")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)  # writing without a check asks
        await press(pilot, "n")
        assert app.is_running


async def test_q_quits_at_once_without_changes(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "q")
    assert app.return_code == 1  # findings remain


async def test_q_asks_with_unwritten_changes(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "a", "q")
        assert isinstance(app.screen, ConfirmScreen)
        await press(pilot, "n")
        assert app.is_running and not isinstance(app.screen, ConfirmScreen)
        await press(pilot, "q", "y")
    assert app.return_code == 1


async def test_help_screen_opens_and_closes(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(plain(w) for w in app.screen.query("Static"))
        for key in (
            "apply the selected fix",
            "undo",
            "write atomically",
            "suppress the finding",
            "filter",
            "command palette",
        ):
            assert key in text
        await press(pilot, "escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_slash_filters_the_list(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "slash")
        assert app.focused is app.query_one("#filter")
        await pilot.press(*"log group")
        await settle(pilot)
        assert codes_in_order(app) == ["MF9902"]
        assert selected_code(app) == "MF9902"
        await press(pilot, "enter")
        assert app.focused is app.findings_list
        await press(pilot, "a")  # keys act on the filtered selection
        assert by_code(app, "MF9902").state == APPLIED
        await press(pilot, "slash", "escape")
        assert codes_in_order(app) == ["MF9901", "MF0101", "MF9902"]


async def test_filter_with_no_match_says_so(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("slash", *"zzz")
        await settle(pilot)
        assert codes_in_order(app) == []
        assert app.selected_item() is None
        await press(pilot, "a", "s")  # nothing selected: nothing happens
        assert all(i.state == OPEN for i in app.review.items)


async def test_command_palette_offers_the_actions(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await pilot.press(*"apply all safe")
        await pilot.pause(0.3)
        await press(pilot, "enter")
        await settle(pilot)
        assert [i.state for i in app.review.items] == [APPLIED, OPEN, APPLIED]


@pytest.mark.slow
async def test_real_cfn_lint_runs_in_the_background(template: Path) -> None:
    from tui.app import create_app

    app = create_app(str(template), select=["MF0101"])
    async with app.run_test() as pilot:
        await settle(pilot)
        for _ in range(100):
            if app.lint_status.state != "running":
                break
            await pilot.pause(0.1)
            await app.workers.wait_for_complete()
        assert app.lint_status.state == "done", app.lint_status
        assert app.lint_status.before is not None
        assert "cfn-lint:" in status(app)
        from fixers.validate import WorkerValidator, usable_cpus

        # Where a core is free, cfn-lint runs in another process, started under Textual's stderr.
        assert isinstance(app._validator, WorkerValidator)
        assert app._validator.in_worker == (usable_cpus() >= 2)
        close = getattr(app._validator, "close", None)
        if close is not None:
            close()


async def test_edits_wait_while_every_safe_fix_is_applied(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        app.busy = "applying every safe fix"
        await press(pilot, "a", "s", "u", "w")
        assert all(i.state == OPEN for i in app.review.items)
        assert sum("Wait: applying every safe fix" in n for n in app.notes) == 4


async def test_x_suppresses_with_a_reason_in_the_resource_metadata(make_app) -> None:
    from tui.components.reason import ReasonScreen

    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "j")
        assert selected_code(app) == "MF0101"
        await press(pilot, "x")
        assert isinstance(app.screen, ReasonScreen)
        await settle(pilot)
        await pilot.press(*"moving the cluster is planned")
        assert app.screen.query_one("#reason").value == "moving the cluster is planned"
        await press(pilot, "enter")
        await settle(pilot)
        assert "MF0101" not in codes_in_order(app)
        text = app.review.text
        assert "meridian-fix:" in text and "code: MF0101" in text
        assert "reason: moving the cluster is planned" in text
        await press(pilot, "u")
        assert app.review.text == TEMPLATE
        assert "MF0101" in codes_in_order(app)


async def test_x_then_escape_changes_nothing(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "j", "x")
        await press(pilot, "escape")
        assert app.review.text == TEMPLATE
        assert "MF0101" in codes_in_order(app)
