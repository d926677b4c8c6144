"""Issue 18: "A" is --auto-fix (rollback of what revalidation blames, undo one fix at a time), the
preview of an applied finding, a status line that is current, the filter, a refused write's way
forward, and what the command says of paths the app cannot open."""

from __future__ import annotations

import shutil
import sys
import threading
from pathlib import Path

import pytest

from fixers.engine import Engine, Options
from fixers.session import APPLIED, OPEN
from tests.conftest import SAMPLES
from tests.tui.conftest import TEMPLATE, FakeValidator, plain, press, review_rules, settle
from tui.components.choice import ChoiceScreen, PathScreen
from tui.components.detail_pane import DetailPane
from tui.components.findings_list import row
from tui.components.status_line import StatusLine


def status(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.query_one(StatusLine).render())


def footer(app) -> str:  # type: ignore[no-untyped-def]
    return "".join(s.text for s in app.screen._compositor.render_strips()[-1])


def by_code(app, code: str):  # type: ignore[no-untyped-def]
    return next(i for i in app.review.items if i.finding.code == code)


def select(app, code: str) -> None:  # type: ignore[no-untyped-def]
    app.findings_list.select_index(app.review.items.index(by_code(app, code)))


def detail(app) -> str:  # type: ignore[no-untyped-def]
    return plain(app.query_one(DetailPane).query_one("#detail-text"))


def headers(app) -> list[str]:  # type: ignore[no-untyped-def]
    lst = app.findings_list
    return [
        str(lst.get_option_at_index(i).prompt)
        for i in range(lst.option_count)
        if (lst.get_option_at_index(i).id or "").startswith("area:")
    ]


# -- defect 4: A is --auto-fix, undo takes back one fix ------------------------------------------


async def test_A_rolls_back_the_fix_revalidation_blames_as_auto_fix_does(
    make_app, template: Path
) -> None:
    app = make_app(FakeValidator(bad="RetentionInDays"))  # MF9902's fix adds a cfn-lint error
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "A")
        await settle(pilot)
        expected = Engine(
            Options(fix=True), rules=review_rules(), linter=FakeValidator(bad="RetentionInDays")
        ).run_path(str(template))
        assert [o.status for o in expected.outcomes if o.finding.code == "MF9902"] == [
            "rolled back"
        ]
        assert app.review.new_bytes() == expected.new_bytes()
        rolled = by_code(app, "MF9902")
        assert rolled.state == OPEN and "E3002" in (rolled.rolled_back or "")
        assert by_code(app, "MF9901").state == APPLIED
        # Shown: the notice, the status line, the row, the detail.
        assert any("rolled back 1" in n and "MF9902" in n for n in app.notes)
        assert "1 rolled back" in status(app) and "+0" in status(app)
        assert "reverted" in row(rolled, 80).plain
        select(app, "MF9902")
        await settle(pilot)
        assert "reverted" in detail(app) and "--auto-fix" in detail(app)
        await press(pilot, "w")
        await settle(pilot)
        assert template.read_bytes() == expected.new_bytes()  # no question: nothing is added


async def test_u_after_A_takes_back_one_fix_at_a_time(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "A")
        await settle(pilot)
        assert [i.state for i in app.review.items] == [APPLIED, OPEN, APPLIED]
        await press(pilot, "u")
        assert [i.state for i in app.review.items] == [APPLIED, OPEN, OPEN]
        assert "EnableDnsHostnames: true" in app.review.text
        assert "RetentionInDays" not in app.review.text
        assert any(n.startswith("Undid MF9902") for n in app.notes)
        await press(pilot, "u")
        assert app.review.text == TEMPLATE
        assert [i.state for i in app.review.items] == [OPEN, OPEN, OPEN]
        await press(pilot, "u")
        assert any("Nothing to undo" in n for n in app.notes)


@pytest.mark.slow
async def test_A_then_w_writes_the_auto_fix_bytes_with_a_cfnlintrc_custom_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A custom cfn-lint rule that MF1101's safe fix (grace period 60 -> 180 s) violates."""
    from tui.app import create_app
    from tui.cli import main

    rules = tmp_path / "rules.txt"
    rules.write_text(
        'AWS::ECS::Service HealthCheckGracePeriodSeconds <= 120 ERROR "Grace period above 2 min"\n'
    )
    for name in ("app", "batch"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / ".cfnlintrc").write_text(f"custom_rules: {rules}\n")
        shutil.copy(SAMPLES / "transaction-platform.yaml", folder / "t.yaml")
    monkeypatch.chdir(tmp_path)
    assert main(["--auto-fix", "batch/t.yaml"]) == 1
    expected = (tmp_path / "batch" / "t.yaml").read_bytes()
    assert b"HealthCheckGracePeriodSeconds: 60\n" in expected  # rolled back by --auto-fix

    app = create_app("app/t.yaml")
    app.lint_delay = 0.0
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            await press(pilot, "A")
            await settle(pilot)
            rolled = app.review.rolled_back()
            assert [i.finding.code for i in rolled] == ["MF1101"]
            assert "E9001" in (rolled[0].rolled_back or "")
            assert "1 rolled back" in status(app)
            await press(pilot, "w")
            await settle(pilot)
            assert (tmp_path / "app" / "t.yaml").read_bytes() == expected
    finally:
        if app._validator is not None:
            app._validator.close()  # type: ignore[attr-defined]


# -- defect 5: the preview of an applied finding -------------------------------------------------


async def test_an_applied_findings_preview_opens_at_its_own_change(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "A")  # MF9901 edits the VPC at the top, MF9902 the log group below
        await settle(pilot)
        select(app, "MF9902")
        await settle(pilot)
        line = app.review.text.splitlines().index("    Type: AWS::Logs::LogGroup") + 1
        assert f"AppLogs line {line}" in detail(app)
        after = plain(app.query_one("#after-text")).splitlines()
        marked = [int(s.split("❱")[1].split()[0]) for s in after if "❱" in s]
        assert marked[0] == line  # the detail's line is the first marked line
        first = int(after[0].split()[0].lstrip("❱"))
        assert line - 6 <= first <= line  # and the pane opens there, not at the VPC's edit
        own = after[: next((n for n, s in enumerate(after) if "⋮" in s), len(after))]
        assert any("RetentionInDays: 365" in s for s in own)  # the finding's own change


# -- defect 6: a current status line --------------------------------------------------------------


async def test_the_status_and_footer_follow_a_resize(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "a")
        await settle(pilot)
        assert "unwritten changes" in status(app)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert "● unwritten" in status(app) and "unwritten changes" not in status(app)
        assert len(status(app)) <= 80
        assert "palette" not in footer(app)  # worded for 80 columns, nothing left of the old width
        await pilot.resize_terminal(120, 30)
        await settle(pilot)
        assert "unwritten changes" in status(app)
        assert footer(app).rstrip().endswith("^p palette")


async def test_the_status_never_shows_the_lint_of_a_previous_text(make_app) -> None:
    validator = FakeValidator(bad="EnableDnsHostnames")
    app = make_app(validator)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "a")
        await settle(pilot)
        assert "+1 from edits" in status(app)
        validator.gate = threading.Event()  # the next lint waits
        await pilot.press("j", "j", "a")
        await pilot.pause()
        assert "running" in status(app) and "+1" not in status(app)  # said of another text
        validator.gate.set()
        validator.gate = None
        await settle(pilot)
        assert "+1 from edits ✓" in status(app)
        await press(pilot, "u", "u")
        await settle(pilot)
        await press(pilot, "A")  # rolls MF9901 back; the lint of the result is clean
        await settle(pilot)
        assert "+0 from edits ✓" in status(app) and "1 rolled back" in status(app)


# -- friction: the filter -------------------------------------------------------------------------


async def test_headers_totals_and_A_follow_the_filter(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "slash", *"dns")
        assert headers(app)[0].startswith("Network 1 of 2")
        assert "1 of 3 findings shown" in str(app.query_one("#findings-panel").border_subtitle)
        await press(pilot, "enter", "A")
        await settle(pilot)
        assert by_code(app, "MF9901").state == APPLIED
        assert by_code(app, "MF9902").state == OPEN  # not shown, not applied
        assert "RetentionInDays" not in app.review.text


# -- friction: a refused write has a way forward ----------------------------------------------------


async def test_a_refused_write_is_said_before_the_lint_and_reload_keeps_the_fixes(
    make_app, template: Path
) -> None:
    validator = FakeValidator()
    app = make_app(validator)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        validator.gate = threading.Event()  # the lint of the edit is still running at w
        await pilot.press("a")
        await pilot.pause()
        template.write_text(TEMPLATE + "# edited elsewhere\n")
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        assert not any("Checking the edits" in n for n in app.notes)
        validator.gate.set()
        validator.gate = None
        await settle(pilot)
        await press(pilot, "r")
        assert by_code(app, "MF9901").state == APPLIED
        assert "EnableDnsHostnames: true" in app.review.text
        assert app.review.text.endswith("# edited elsewhere\n")
        assert any("Reloaded" in n and "1 fixes applied again" in n for n in app.notes)
        await settle(pilot)
        await press(pilot, "w")
        await settle(pilot)
        assert template.read_bytes() == app.review.new_bytes()
        assert "EnableDnsHostnames: true" in template.read_text()


async def test_a_refused_write_can_go_to_another_file(make_app, template: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "a")
        await settle(pilot)
        template.write_text(TEMPLATE + "# edited elsewhere\n")
        await press(pilot, "w", "o")
        assert isinstance(app.screen, PathScreen)
        app.screen.query_one("#path").value = "mine.yaml"  # type: ignore[attr-defined]
        await press(pilot, "enter")
        assert Path("mine.yaml").read_bytes() == app.review.new_bytes()
        assert template.read_text() == TEMPLATE + "# edited elsewhere\n"


# -- friction: paths the app cannot open -----------------------------------------------------------


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import tui.cli

    class Terminal:
        """sys as on a terminal: stdin and stdout answer isatty() with True."""

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(sys, name)

        class stdin:
            @staticmethod
            def isatty() -> bool:
                return True

        stdout = stdin

    monkeypatch.setattr(tui.cli, "sys", Terminal())


@pytest.mark.usefixtures("terminal")
def test_a_missing_path_says_so_in_one_line_and_exits_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tui.cli import main

    assert main([str(tmp_path / "missing.yaml")]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.splitlines() == [
        f"meridian-fix: error: {tmp_path / 'missing.yaml'}: no such file or folder"
    ]


@pytest.mark.usefixtures("terminal")
def test_a_folder_says_what_the_command_does_with_it(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tui.cli import main

    (tmp_path / "template.yaml").write_text(TEMPLATE)
    main(["--select", "MF0101", str(tmp_path)])
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        f"meridian-fix: {tmp_path} is a folder: listing findings as --check does (--auto-fix"
        " fixes them; give one template to review it in the app)"
    )
