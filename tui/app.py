"""The interactive review that ``meridian-fix TEMPLATE`` opens: findings, context, fixes, write.

``create_app`` builds the app for the command and for the tests; ``run_app`` is what the
command calls. The review state lives in ``fixers.session`` (the core's review session); cfn-lint and fix previews
run in thread workers that post messages back, so the screen never waits on them.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer, Input
from textual.worker import get_current_worker

from fixers.model import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from fixers.rules import Rule
from fixers.session import (
    APPLIED,
    OPEN,
    FileError,
    Item,
    LintReport,
    Review,
    lint_review,
    preview,
    unified_diff,
)
from tui.actions import ACTIONS, HIDDEN_BINDINGS
from tui.components.commands import ReviewCommands
from tui.components.confirm import ConfirmScreen
from tui.components.context_view import ContextView
from tui.components.detail_pane import DetailPane
from tui.components.findings_list import FindingsList
from tui.components.help_screen import HelpScreen
from tui.components.reason import ReasonScreen
from tui.components.status_line import LintStatus, StatusLine

if TYPE_CHECKING:
    from fixers.validate import Linter

QUIT_DIALOG = "quit-dialog"
LINT_START_DELAY = 0.25  # seconds after the first paint: importing cfn-lint competes for the GIL


class LintDone(Message):
    def __init__(self, generation: int, report: LintReport) -> None:
        super().__init__()
        self.generation = generation
        self.report = report


class LintFailed(Message):
    def __init__(self, generation: int, error: str) -> None:
        super().__init__()
        self.generation = generation
        self.error = error


class AllSafePlanned(Message):
    def __init__(self, plan: Any, error: str | None = None) -> None:
        super().__init__()
        self.plan = plan
        self.error = error


class PreviewReady(Message):
    def __init__(self, version: int, key: Any, text: str | None, note: str | None) -> None:
        super().__init__()
        self.version = version
        self.key = key
        self.text = text
        self.note = note


class MeridianApp(App[int]):
    """Review one template's findings, apply fixes, revalidate with cfn-lint, write."""

    CSS_PATH = "app.tcss"
    TITLE = "meridian-fix"
    COMMANDS = App.COMMANDS | {ReviewCommands}
    BINDINGS = [
        *(
            Binding(a.key, a.action, a.label or "", show=a.label is not None, key_display=a.shown)
            for a in ACTIONS
            if a.key is not None and a.action is not None
        ),
        *(Binding(key, action, show=False) for key, action in HIDDEN_BINDINGS),
    ]

    lint_delay = LINT_START_DELAY

    def __init__(self, review: Review, lint: bool = True) -> None:
        super().__init__()
        self.review = review
        self.lint_enabled = lint
        self.lint_status = LintStatus()
        self.lint_report: LintReport | None = None
        self._lint_text: str | None = None  # the text the last finished run linted
        self._lint_generation = 0
        self._lint_before: list[Any] | None = None
        self._validator: Linter | None = None
        self._validator_lock = threading.Lock()
        self._pending_write = False
        self._version = 0
        self._previews: dict[tuple[int, Any], tuple[str | None, str | None]] = {}
        self._painted = False  # the first frame is on screen: the code panes may be drawn
        self._show_pending = False
        self.busy: str | None = None  # what is being done to the template in a worker

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            with Vertical(id="findings-panel"):
                yield Input(
                    placeholder="filter: code, title, resource, area, state",
                    id="filter",
                    classes="-hidden",
                )
                yield FindingsList(id="findings")
            yield DetailPane(id="detail")
        yield ContextView(id="context")
        yield StatusLine(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = f"meridian-fix · {self.review.path}"
        panel = self.query_one("#findings-panel")
        panel.border_title = f"Findings · {self.review.path}"
        self._refresh_list()
        self.query_one(FindingsList).focus()
        self._refresh_status()
        # The code panes need pygments and a preview: draw them after the findings are on screen.
        self.call_after_refresh(self._first_paint_done)

    def on_resize(self) -> None:
        # At 80 columns every key fits in the footer only without the palette hint (ctrl+p stays).
        self.query_one(Footer).show_command_palette = self.size.width >= 100
        self._refresh_status()

    # -- showing ---------------------------------------------------------------------------

    @property
    def findings_list(self) -> FindingsList:
        return self.query_one(FindingsList)

    def selected_item(self) -> Item | None:
        index = self.findings_list.selected_index
        if index is None or index >= len(self.review.items):
            return None
        return self.review.items[index]

    def _refresh_list(self) -> None:
        self.findings_list.show(self.review.items, self.review.areas())
        counts = self.review.counts()
        self.query_one(
            "#findings-panel"
        ).border_subtitle = f"{len(self.review.items)} finding{'s' if len(self.review.items) != 1 else ''} · {counts['open']} open"

    def _refresh_status(self) -> None:
        self.query_one(StatusLine).show(
            self.review.counts(), self.lint_status, self.review.unwritten
        )

    def _refresh_all(self) -> None:
        self._refresh_list()
        self._show_selected()
        self._refresh_status()

    def _first_paint_done(self) -> None:
        self._painted = True
        self._show_selected()
        if self.lint_enabled:
            # Importing cfn-lint holds the GIL for a while: let the first frames out first.
            if self.lint_delay > 0:
                self.set_timer(self.lint_delay, self.start_lint)
            else:
                self.start_lint()

    def on_option_list_option_highlighted(self, event: FindingsList.OptionHighlighted) -> None:
        # Moving fast through the list redraws the detail once per frame, not once per key.
        if self._painted and not self._show_pending:
            self._show_pending = True
            self.call_after_refresh(self._show_selected)

    def _show_selected(self) -> None:
        self._show_pending = False
        if not self._painted:
            return
        item = self.selected_item()
        rule = self.review.by_code.get(item.finding.code) if item else None
        self.query_one(DetailPane).show(item, rule)
        context = self.query_one(ContextView)
        if context.diff_mode:
            self._show_diff(item)
            return
        if item is None:
            context.show_note("No finding selected.")
            return
        review = self.review
        line = item.finding.line
        if item.state == APPLIED:
            context.show_pair(
                review.original_text,
                review.line_in_original(item),
                review.text,
                review.lexer,
                "As opened",
                "With the current edits",
            )
            return
        if item.finding.fix is None:
            context.show_pair(
                review.text,
                line,
                None,
                review.lexer,
                f"Template · line {line}",
                "After",
                "No automatic fix for this finding.",
            )
            return
        cached = self._previews.get((self._version, item.key))
        if cached is None:
            context.show_pair(
                review.text,
                line,
                None,
                review.lexer,
                f"Template · line {line}",
                "After the fix",
                "computing the preview…",
            )
            self._compute_preview(self._version, review.text, item)
            return
        after, note = cached
        after_title = "After the fix (preview)" if after is not None else "After the fix"
        context.show_pair(
            review.text,
            line,
            after,
            review.lexer,
            f"Template · line {line}",
            after_title,
            f"Cannot preview: {note}",
        )

    def _show_diff(self, item: Item | None) -> None:
        context = self.query_one(ContextView)
        diff = self.review.diff()
        if diff:
            n = sum(1 for i in self.review.items if i.state == APPLIED)
            context.show_diff(diff, f"Diff of the whole file · {n} applied", "")
            return
        if item is not None and item.state == OPEN and item.finding.fix is not None:
            cached = self._previews.get((self._version, item.key))
            if cached is not None and cached[0] is not None:
                context.show_diff(
                    unified_diff(self.review.text, cached[0], self.review.path),
                    f"No edits yet · diff of {item.finding.code}'s fix (preview)",
                    "",
                )
                return
            if cached is None:
                self._compute_preview(self._version, self.review.text, item)
        context.show_diff(
            "",
            "Diff of the whole file",
            "No edits yet: a applies the selected fix, A every safe fix.",
        )

    @work(thread=True, exclusive=True, group="preview")
    def _compute_preview(self, version: int, text: str, item: Item) -> None:
        rule = self.review.by_code[item.finding.code]
        try:
            after, note = preview(
                text,
                self.review.path,
                self.review.bom,
                rule,
                item.finding,
                self.review.doc.settings,
            )
        except Exception as exc:  # noqa: BLE001 - a broken fix must not take the app down
            after, note = None, f"internal error in fix: {exc!r}"
        if not get_current_worker().is_cancelled:
            self.post_message(PreviewReady(version, item.key, after, note))

    def on_preview_ready(self, message: PreviewReady) -> None:
        if message.version != self._version:
            return
        self._previews[(message.version, message.key)] = (message.text, message.note)
        item = self.selected_item()
        if item is not None and item.key == message.key:
            self._show_selected()

    # -- cfn-lint --------------------------------------------------------------------------

    def start_lint(self, fresh: bool = False) -> None:
        """Lint the current edits in the background; a newer run supersedes an older one.

        ``fresh`` lints the template as opened again too (the configuration may have changed).
        """
        if fresh:
            self._lint_before = None
        self._lint_generation += 1
        self.lint_status.state = "running"
        self._refresh_status()
        applied = [
            (self.review.by_code[i.finding.code], i.finding) for i in self.review.applied_in_order()
        ]
        self._run_lint(self._lint_generation, self.review.original_text, self.review.text, applied)

    def _validator_instance(self) -> Linter:
        with self._validator_lock:
            if self._validator is None:
                from fixers.validate import WorkerValidator, usable_cpus

                # cfn-lint in another process where a core is free: the screen stays responsive.
                self._validator = WorkerValidator(self.review.path, start=usable_cpus() >= 2)
            return self._validator

    @work(thread=True, exclusive=True, group="lint")
    def _run_lint(
        self, generation: int, original: str, current: str, applied: list[tuple[Rule, Any]]
    ) -> None:
        worker = get_current_worker()
        try:
            report = lint_review(
                self._validator_instance(),
                original,
                current,
                self.review.path,
                self.review.bom,
                applied,
                before=self._lint_before,
                cancelled=lambda: worker.is_cancelled,
            )
        except Exception as exc:  # noqa: BLE001 - a failed lint is reported on screen, never fatal
            self.post_message(LintFailed(generation, f"{type(exc).__name__}: {exc}"))
            return
        if report is not None and not worker.is_cancelled:
            self.post_message(LintDone(generation, report))

    def on_lint_done(self, message: LintDone) -> None:
        if message.generation != self._lint_generation:
            return
        report = message.report
        self._lint_before = report.before
        self.lint_report = report
        self._lint_text = self.review.text
        self.lint_status = LintStatus("done", report.errors_before, len(report.new))
        for item in self.review.items:
            item.lint_added = report.culprits.get(item.key) if item.state == APPLIED else None
        if report.new and not report.culprits:
            self.notify(
                f"The edits together add {len(report.new)} cfn-lint finding(s); no single fix does.",
                severity="warning",
            )
        self._refresh_all()
        if self._pending_write:
            self._write_checked()

    def on_lint_failed(self, message: LintFailed) -> None:
        if message.generation != self._lint_generation:
            return
        self.lint_report = None
        self._lint_text = self.review.text
        self.lint_status = LintStatus("failed", self.lint_status.before, None, message.error)
        self._refresh_status()
        self.notify(f"cfn-lint could not run: {message.error}", severity="error", timeout=8)
        if self._pending_write:
            self._write_checked()

    # -- actions ---------------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        self.findings_list.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.findings_list.action_cursor_up()

    def action_apply(self) -> None:
        if self._refuse_when_busy():
            return
        item = self.selected_item()
        if item is None:
            return
        fix = item.finding.fix
        if fix is None:
            self.notify("This finding has no automatic fix.", severity="warning")
            return
        if item.state == APPLIED:
            self.notify("Already applied: u undoes it.")
            return
        if fix.safe:
            self._apply(item)
            return
        body = Text()
        body.append(f"{item.finding.code} {item.finding.title}\n", "bold")
        body.append(f"{item.finding.resource or ''}\n\n", "cyan")
        body.append(f"Fix: {fix.title}\n\n")
        body.append("Deploy impact: ")
        body.append(fix.impact.upper(), "bold red")
        body.append(f"\n{fix.impact_detail}\n\n")
        body.append("Apply it to the template?")
        self.push_screen(
            ConfirmScreen("Apply an unsafe fix?", body, yes="Apply", no="Cancel", danger=True),
            lambda ok: self._apply(item) if ok else None,
        )

    def _apply(self, item: Item) -> None:
        if self._refuse_when_busy():
            return
        error = self.review.apply(item)
        if error is not None:
            self.notify(f"Not applied: {error}", severity="error")
            self._refresh_all()
            return
        self._after_edit()

    def _refuse_when_busy(self) -> bool:
        if self.busy:
            self.notify(f"Wait: {self.busy}.")
            return True
        return False

    def action_apply_all(self) -> None:
        if self._refuse_when_busy():
            return
        self.busy = "applying every safe fix"
        self.query_one(StatusLine).update(Text("Applying every safe fix…", "yellow"))
        self._plan_all_safe()

    @work(thread=True, exclusive=True, group="apply-all")
    def _plan_all_safe(self) -> None:
        try:
            self.post_message(AllSafePlanned(self.review.plan_all_safe()))
        except Exception as exc:  # noqa: BLE001 - reported, never fatal
            self.post_message(AllSafePlanned(None, f"{type(exc).__name__}: {exc}"))

    def on_all_safe_planned(self, message: AllSafePlanned) -> None:
        self.busy = None
        if message.error is not None:
            self.notify(f"Could not apply the safe fixes: {message.error}", severity="error")
            self._refresh_status()
            return
        n = self.review.commit_all(message.plan)
        if n == 0:
            unsafe = sum(
                1 for i in self.review.items if i.state == OPEN and i.finding.fix is not None
            )
            note = f" ({unsafe} unsafe: apply them one by one with a)" if unsafe else ""
            self.notify(f"No safe fix to apply{note}.")
            self._refresh_all()
            return
        self.notify(f"Applied {n} safe fix{'es' if n != 1 else ''}.")
        self._after_edit()

    def _selected_unapplied(self, when_applied: str) -> Item | None:
        """The selected finding, unless the app is busy or its fix is applied (then say why)."""
        if self._refuse_when_busy():
            return None
        item = self.selected_item()
        if item is not None and item.state == APPLIED:
            self.notify(when_applied)
            return None
        return item

    def action_skip(self) -> None:
        item = self._selected_unapplied("Applied fixes are undone with u, not skipped.")
        if item is None:
            return
        self.review.skip(item)
        self._refresh_list()
        if item.state != OPEN:
            self.findings_list.action_cursor_down()
        self._show_selected()
        self._refresh_status()

    def action_suppress(self) -> None:
        item = self._selected_unapplied("This finding is fixed: nothing to suppress.")
        if item is None:
            return
        where = f"resource {item.finding.resource}" if item.finding.resource else "the template"
        body = Text()
        body.append(f"{item.finding.code} {item.finding.title}\n", "bold")
        body.append(
            f"The suppression goes into the Metadata of {where}, with the reason you give.\n"
        )
        covered = self.review.covered_by_suppression(item)[1:]
        if covered:
            body.append(
                f"It also covers {len(covered)} other {item.finding.code} finding"
                f"{'s' if len(covered) != 1 else ''} there:\n",
                "bold",
            )
            for other in covered[:5]:
                body.append(f"  · {other.finding.message}\n")

        def done(reason: str | None) -> None:
            if not reason:
                return
            error = self.review.suppress(item, reason)
            if error is not None:
                self.notify(f"Not suppressed: {error}", severity="error")
                return
            self.notify(
                f"Suppressed {item.finding.code}"
                + (f" ({len(covered) + 1} findings)." if covered else ".")
            )
            self._after_edit()

        self.push_screen(ReasonScreen("Suppress this finding?", body), done)

    def action_undo(self) -> None:
        if self._refuse_when_busy():
            return
        label = self.review.undo()
        if label is None:
            self.notify("Nothing to undo.")
            return
        self.notify(f"Undid {label}.")
        self._after_edit()

    def _after_edit(self) -> None:
        self._version += 1
        self._previews.clear()
        self.lint_report = None
        self._lint_text = None
        self._refresh_all()
        if self.lint_enabled:
            self.start_lint()

    def action_toggle_diff(self) -> None:
        context = self.query_one(ContextView)
        context.set_diff_mode(not context.diff_mode)
        self._show_selected()

    def action_revalidate(self) -> None:
        self.start_lint(fresh=True)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("-hidden")
        box.focus()

    def action_close_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_class("-hidden"):
            return
        box.value = ""
        box.add_class("-hidden")
        self.findings_list.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.findings_list.show(self.review.items, self.review.areas(), query=event.value)
        self._show_selected()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if not event.value:
            event.input.add_class("-hidden")
        self.findings_list.focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    # -- writing and quitting --------------------------------------------------------------

    def action_write(self) -> None:
        if self._refuse_when_busy():
            return
        if not self.review.unwritten:
            self.notify("Nothing to write: no unwritten changes.")
            return
        if not self.lint_enabled:
            self._write_now()
            return
        if self._lint_text != self.review.text:
            self._pending_write = True
            if self.lint_status.state != "running":
                self.start_lint()
            self.notify("Checking the edits with cfn-lint before writing…")
            return
        self._write_checked()

    def _write_checked(self) -> None:
        self._pending_write = False
        report = self.lint_report
        if report is None:
            body = Text(
                f"cfn-lint could not check the edits: {self.lint_status.message}\n\nWrite anyway?"
            )
            self.push_screen(
                ConfirmScreen(
                    "Write without cfn-lint?", body, yes="Write", no="Cancel", danger=True
                ),
                lambda ok: self._write_now() if ok else None,
            )
            return
        if report.new:
            body = Text()
            body.append(
                f"The edits add {len(report.new)} cfn-lint finding{'s' if len(report.new) != 1 else ''}"
                " (errors or warnings):\n\n"
            )
            for e in report.new[:8]:
                body.append(f"{e.rule} ", "bold red")
                body.append(f"line {e.line}: {e.message}\n")
            culprits = [i.finding.code for i in self.review.items if i.key in report.culprits]
            if culprits:
                body.append(
                    f"\nAdded by: {', '.join(culprits)}. --auto-fix would roll these back.\n"
                )
            body.append("\nWrite anyway?")
            self.push_screen(
                ConfirmScreen(
                    "Write edits that add cfn-lint errors?",
                    body,
                    yes="Write",
                    no="Cancel",
                    danger=True,
                ),
                lambda ok: self._write_now() if ok else None,
            )
            return
        self._write_now()

    def _write_now(self) -> None:
        try:
            self.review.write()
        except FileError as exc:
            self.notify(
                f"{exc}. Nothing was written; your edits are kept.",
                title="Not written",
                severity="error",
                timeout=12,
            )
            return
        self.notify(f"Wrote {self.review.path}.")
        self._refresh_status()

    def exit_code(self) -> int:
        done = all(i.state == APPLIED for i in self.review.items) and not self.review.unwritten
        return EXIT_OK if done else EXIT_FINDINGS

    async def action_quit(self) -> None:
        """Textual's own way out (ctrl+q, the palette's "Quit"): asks as q does."""
        self.action_quit_app()

    def action_quit_app(self) -> None:
        if any(
            isinstance(screen, ConfirmScreen) and screen.id == QUIT_DIALOG
            for screen in self.screen_stack
        ):
            return  # the question is on screen already
        if not self.review.unwritten and not self.busy:
            self.exit(self.exit_code(), return_code=self.exit_code())
            return
        n = sum(1 for i in self.review.items if i.state == APPLIED)
        body = Text(
            f"{n} applied fix{'es are' if n != 1 else ' is'} not written to {self.review.path}.\n\nQuit and lose them?"
        )
        self.push_screen(
            ConfirmScreen(
                "Quit without writing?", body, yes="Quit", no="Stay", danger=True, id=QUIT_DIALOG
            ),
            lambda ok: self.exit(self.exit_code(), return_code=self.exit_code()) if ok else None,
        )


def create_app(
    path: str,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    rules: list[Rule] | None = None,
    lint: bool = True,
) -> MeridianApp:
    """Build the app for ``path``; raises FileError (one line) if it cannot be read as a template."""
    return MeridianApp(Review.open(path, select=select, ignore=ignore, rules=rules), lint=lint)


def run_app(
    path: str, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None
) -> int:
    """Run the interactive review; the exit code follows the batch command's."""
    try:
        app = create_app(path, select=select, ignore=ignore)
    except FileError as exc:
        print(f"meridian-fix: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    try:
        code = app.run()
    finally:
        close = getattr(app._validator, "close", None)
        if close is not None:
            close()
    print(f"meridian-fix: {exit_summary(app.review)}", file=sys.stderr)
    return code if isinstance(code, int) else EXIT_FINDINGS


def exit_summary(review: Review) -> str:
    """The one line the command prints on leaving the app, as ``git commit`` does."""
    applied = sum(1 for i in review.items if i.state == APPLIED)
    fixes = f"{applied} fix{'es' if applied != 1 else ''}"
    if review.unwritten:
        return f"{review.path} not written: the edits of {fixes} discarded"
    if review.written_text != review.original_text:
        return f"wrote {review.path} ({fixes} applied)"
    return f"{review.path} unchanged"
