"""The interactive review that ``meridian-fix TEMPLATE`` opens: findings, context, fixes, write.

``create_app`` builds the app for the command and for the tests; ``run_app`` is what the
command calls. The review state lives in ``fixers.session`` (the core's review session); cfn-lint and fix previews
run in thread workers that post messages back, so the screen never waits on them.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Resize
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
    Previewer,
    Review,
    lint_review,
    unified_diff,
)
from tui.actions import ACTIONS, HIDDEN_BINDINGS
from tui.components.choice import ChoiceScreen, PathScreen
from tui.components.commands import ReviewCommands
from tui.components.confirm import ConfirmScreen
from tui.components.context_view import ContextView, Pair, prepare_pair
from tui.components.detail_pane import DetailPane
from tui.components.findings_list import FindingsList
from tui.components.help_screen import HelpScreen
from tui.components.reason import ReasonScreen
from tui.components.status_line import LintStatus, StatusLine

if TYPE_CHECKING:
    from fixers.validate import Linter

QUIT_DIALOG = "quit-dialog"
PREVIEW_AHEAD = 3  # rows each way from the selection whose previews are computed ahead
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
    def __init__(
        self, version: int, key: Any, text: str | None, note: str | None, pair: Pair | None
    ) -> None:
        super().__init__()
        self.version = version
        self.key = key
        self.text = text
        self.note = note
        self.pair = pair


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
        # (version, finding key) -> (text after the fix, note, the panes ready to show); a
        # version is the text's: every edit starts a new one, so no older preview is shown.
        self._previews: dict[tuple[int, Any], tuple[str | None, str | None, Pair | None]] = {}
        self._wanted: Any = None  # the finding whose preview the screen waits for
        self._preview_worker: Any = None
        self._preview_keys: tuple[int, set[Any]] = (-1, set())
        self._previewer: Previewer | None = None  # shared by the preview workers, in turn
        self._preview_base: tuple[int, Any] | None = None  # (version, checkpoint of its text)
        self._previewer_lock = threading.Lock()
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
        # A move shows its finding at once, in the same frame as the highlight: a watcher runs
        # as the highlight changes, where the OptionHighlighted message comes a frame later.
        self.watch(self.findings_list, "highlighted", self._highlight_moved, init=False)
        self._refresh_status()
        # The code panes need pygments and a preview: draw them after the findings are on screen.
        self.call_after_refresh(self._first_paint_done)

    def on_resize(self, event: Resize) -> None:
        # At 80 columns every key fits in the footer only without the palette hint (ctrl+p stays).
        footer = self.query_one(Footer)
        wanted = event.size.width >= 100  # the new width (self.size may still be the old one)
        if footer.show_command_palette != wanted:
            footer.show_command_palette = wanted
            # Not a recomposing reactive: without this the old keys stay (a stray letter).
            footer.refresh(recompose=True)
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

    def _refresh_list(self, query: str | None = None) -> None:
        lst = self.findings_list
        lst.show(self.review.items, self.review.areas(), query=query)
        total = len(self.review.items)
        items = [self.review.items[i] for i in lst.shown_indexes()] if lst.query_text else None
        if items is None:
            counts = self.review.counts()
            subtitle = f"{total} finding{'s' if total != 1 else ''} · {counts['open']} open"
        else:
            n_open = sum(1 for i in items if i.state == OPEN)
            subtitle = (
                f"{len(items)} of {total} finding{'s' if total != 1 else ''} shown · {n_open} open"
            )
        self.query_one("#findings-panel").border_subtitle = subtitle

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
        if self._preview_keys[0] != self._version:
            self._precompute_previews()
        if self.lint_enabled:
            # Importing cfn-lint holds the GIL for a while: let the first frames out first.
            if self.lint_delay > 0:
                self.set_timer(self.lint_delay, self.start_lint)
            else:
                self.start_lint()

    def _highlight_moved(self) -> None:
        # The panes only take what is ready (previews are computed ahead), and the screen
        # paints once per frame however many keys came.
        if not self._painted:
            return
        if self.findings_list.rebuilding:
            # Shown once the list is whole (unless the caller shows it first).
            if not self._show_pending:
                self._show_pending = True
                self.call_after_refresh(self._show_if_pending)
            return
        self._show_selected()
        # The rows now next to the selection, once this frame is out: a worker busy meanwhile
        # would hold the interpreter while the screen paints it.
        self.call_after_refresh(self._precompute_previews)

    def _show_if_pending(self) -> None:
        if self._show_pending:
            self._show_selected()

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
            # The current text opens at the finding's line now (the detail pane's), marked.
            opened = review.line_in_original(item)
            context.show_pair(
                review.original_text,
                opened,
                review.text,
                review.lexer,
                f"As opened · line {opened}",
                f"With the current edits · line {line}",
                after_line=line,
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
            self._want_preview(item)
            return
        after, note, pair = cached
        if pair is None:  # no preview: the original beside why
            pair = prepare_pair(review.text, line, None, review.lexer)
        after_title = "After the fix (preview)" if after is not None else "After the fix"
        context.show_prepared(
            pair, f"Template · line {line}", after_title, f"Cannot preview: {note}"
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
                self._want_preview(item)
        context.show_diff(
            "",
            "Diff of the whole file",
            "No edits yet: a applies the selected fix, A every safe fix.",
        )

    def _want_preview(self, item: Item) -> None:
        """The screen waits for ``item``'s preview: the worker computes it next."""
        self._wanted = item.key
        self._precompute_previews()

    def _precompute_previews(self) -> None:
        """Compute ahead, off the screen's thread, the previews of the selected finding and of
        its PREVIEW_AHEAD neighbours each way in the list, nearest first: a change of row then
        shows what is ready. Not every fix of the template at once: a worker busy for seconds
        holds the interpreter, which slows the screen and keeps the preview wanted next waiting
        behind the others."""
        if not self._painted:
            return
        lst = self.findings_list
        order = [
            int(option.id)
            for option in (lst.get_option_at_index(n) for n in range(lst.option_count))
            if option.id and option.id.isdigit()
        ]
        selected = lst.selected_index
        at = order.index(selected) if selected in order else 0
        near = range(max(0, at - PREVIEW_AHEAD), min(len(order), at + PREVIEW_AHEAD + 1))
        # Nearest first: the selection, then one below, one above, two below...
        ranked = sorted(near, key=lambda n: (abs(n - at), n < at))
        items = self.review.items
        todo = [
            items[order[n]]
            for n in ranked
            if order[n] < len(items)
            and items[order[n]].state != APPLIED
            and items[order[n]].finding.fix is not None
            and (self._version, items[order[n]].key) not in self._previews
        ]
        wanted = self.selected_item()
        if (
            wanted is not None
            and wanted.finding.fix is not None
            and wanted.state != APPLIED
            and all(i.key != wanted.key for i in todo)
            and (self._version, wanted.key) not in self._previews
        ):
            todo.insert(0, wanted)
        if not todo:
            return
        keys = {i.key for i in todo}
        version, running = self._preview_keys
        worker = self._preview_worker
        if (
            worker is not None
            and not worker.is_finished
            and version == self._version
            and keys <= running
        ):
            return  # on it already
        self._preview_keys = (self._version, keys)
        base = self._preview_base
        self._preview_worker = self._compute_previews(
            self._version,
            self.review.text,
            todo,
            base[1] if base is not None and base[0] == self._version else None,
        )

    @work(thread=True, exclusive=True, group="preview")
    def _compute_previews(
        self, version: int, text: str, items: list[Item], base: Any = None
    ) -> None:
        worker = get_current_worker()
        review = self.review
        todo = {item.key: item for item in items}
        order = [item.key for item in items]
        while todo and not worker.is_cancelled:
            key = self._wanted if self._wanted in todo else next(k for k in order if k in todo)
            item = todo.pop(key)
            pair = None
            try:
                with self._previewer_lock:  # one previewer, its text read once
                    previewer = self._previewer
                    if previewer is None or (previewer.text != text and base is None):
                        previewer = Previewer(text, review.path, review.bom, review.doc.settings)
                        self._previewer = previewer
                    elif previewer.text != text:
                        previewer.rebase(base)  # the edited text's tree: not read again
                    rule = review.by_code[item.finding.code]
                    after, note = previewer.preview(rule, item.finding)
                if after is not None:
                    pair = prepare_pair(text, item.finding.line, after, review.lexer)
            except Exception as exc:  # noqa: BLE001 - a broken fix must not take the app down
                after, note = None, f"internal error in fix: {exc!r}"
            # Right for ``version`` even if a newer worker took over: the screen drops it if
            # the text changed since.
            self.post_message(PreviewReady(version, key, after, note, pair))
            time.sleep(0.002)  # let the screen's thread take the interpreter between previews

    def on_preview_ready(self, message: PreviewReady) -> None:
        if message.version != self._version:
            return
        self._previews[(message.version, message.key)] = (message.text, message.note, message.pair)
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
        # What was said of cfn-lint's findings in the edits was said of another text.
        self.lint_status = LintStatus("running", self.lint_status.before)
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
            self.notify("Already applied (u undoes the last applied fix).")
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
        shown = self.findings_list.shown_indexes() if self.findings_list.query_text else None
        only = None
        if shown is not None:
            only = [self.review.items[i].key for i in shown if i < len(self.review.items)]
        self.busy = "applying every safe fix"
        checking = " and checking them with cfn-lint" if self.lint_enabled else ""
        what = (
            f"the safe fixes shown ({len(only)} findings)" if only is not None else "every safe fix"
        )
        self.query_one(StatusLine).update(Text(f"Applying {what}{checking}…", "yellow"))
        before = self._lint_before if self.review.text == self.review.original_text else None
        self._plan_all_safe(only, before)

    @work(thread=True, exclusive=True, group="apply-all")
    def _plan_all_safe(self, only: list[Any] | None, before: list[Any] | None) -> None:
        # With cfn-lint on, the plan is revalidated as --auto-fix revalidates: the fixes that add
        # cfn-lint errors or warnings are rolled back, so that A writes --auto-fix's bytes.
        linter = self._validator_instance() if self.lint_enabled else None
        try:
            plan = self.review.plan_all_safe(linter, before, only)
        except Exception as exc:  # noqa: BLE001 - reported, never fatal
            self.post_message(AllSafePlanned(None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(AllSafePlanned(plan))

    def on_all_safe_planned(self, message: AllSafePlanned) -> None:
        self.busy = None
        if message.error is not None:
            self.notify(f"Could not apply the safe fixes: {message.error}", severity="error")
            self._refresh_status()
            return
        n = self.review.commit_all(message.plan)
        rolled = [
            i
            for i, o in zip(self.review.items, message.plan.outcomes, strict=False)
            if o.status == "rolled back"
        ]
        if rolled:
            codes = ", ".join(dict.fromkeys(i.finding.code for i in rolled))
            self.notify(
                f"Applied {n} safe fix{'es' if n != 1 else ''}; rolled back {len(rolled)} that"
                f" add{'s' if len(rolled) == 1 else ''} cfn-lint errors or warnings ({codes}),"
                " as --auto-fix does. u takes back one fix at a time.",
                severity="warning",
                timeout=10,
            )
            self._after_edit()
            return
        if n == 0:
            unsafe = sum(
                1 for i in self.review.items if i.state == OPEN and i.finding.fix is not None
            )
            note = f" ({unsafe} unsafe: apply them one by one with a)" if unsafe else ""
            self.notify(f"No safe fix to apply{note}.")
            self._refresh_all()
            return
        self.notify(
            f"Applied {n} safe fix{'es' if n != 1 else ''}. u takes back one fix at a time."
        )
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
        # The previews of the new text start from its tree (a copy costs a millisecond, a
        # second reading of the text tens).
        self._preview_base = (self._version, self.review.doc.checkpoint())
        self._refresh_all()
        if self._preview_keys[0] != self._version:
            self._precompute_previews()
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
        self._refresh_list(query=event.value)
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
        changed = self.review.changed_on_disk()
        if changed is not None:  # said before the edits are linted for writing
            self._offer_way_forward(changed)
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
            if "changed on disk" in str(exc):
                self._offer_way_forward(str(exc))
                return
            self.notify(
                f"{exc}. Nothing was written; your edits are kept.",
                title="Not written",
                severity="error",
                timeout=12,
            )
            return
        self.notify(f"Wrote {self.review.path}.")
        self._refresh_status()

    def _offer_way_forward(self, error: str) -> None:
        """A write refused because the file changed on disk: reload it (keeping the fixes that
        still apply) or write the edits to another file; nothing is lost either way."""
        n = len(self.review.applied_in_order())
        body = Text()
        body.append(f"{error}. Nothing was written; your edits are kept.\n\n")
        body.append("r ", "bold")
        body.append(
            f"reload: read the file again, find its findings again, and apply again the {n}"
            f" fix{'es' if n != 1 else ''} applied here that still apply.\n"
        )
        body.append("o ", "bold")
        body.append("write the edits to another file; the template stays as it is on disk.\n")
        body.append("esc ", "bold")
        body.append("keep editing.")

        def chosen(choice: str | None) -> None:
            if choice == "r":
                self._reload()
            elif choice == "o":
                root, ext = os.path.splitext(self.review.path)
                self.push_screen(
                    PathScreen("Write the edits to another file", Text(error), f"{root}.mine{ext}"),
                    self._write_to,
                )

        self.push_screen(
            ChoiceScreen(
                "Not written: the file changed on disk",
                body,
                [("r", "Reload"), ("o", "Write to…")],
            ),
            chosen,
        )

    def _reload(self) -> None:
        if self._refuse_when_busy():
            return
        try:
            again, lost = self.review.reload()
        except FileError as exc:
            self.notify(f"Not reloaded: {exc}", severity="error", timeout=12)
            return
        self._lint_before = None  # the template as opened is another text now
        note = f"; no longer apply: {', '.join(i.finding.code for i in lost)}" if lost else ""
        self.notify(f"Reloaded {self.review.path}: {len(again)} fixes applied again{note}.")
        self._after_edit()

    def _write_to(self, path: str | None) -> None:
        if not path:
            return
        try:
            self.review.write_to(path)
        except FileError as exc:
            self.notify(f"Not written: {exc}", severity="error", timeout=12)
            return
        self.notify(f"Wrote the edits to {path}; {self.review.path} is unchanged.")

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
