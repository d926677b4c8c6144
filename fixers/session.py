"""The review session: findings and their states, apply, skip, undo, previews, write.

Part of the core, UI-free (no textual import): the app talks to the core through this and the
engine only, its flows can be tested without a terminal, and its widgets only draw what this
holds. Everything that changes the template goes through the
engine (``apply_one``, ``Engine.fix_document``), so what the app writes is what the batch
command would write.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fixers import config
from fixers.document import Document, Mark
from fixers.engine import (
    Engine,
    FileResult,
    Options,
    Outcome,
    Status,
    apply_one,
    load,
    unified_diff,
)
from fixers.fileio import (
    FileError,
    Snapshot,
    atomic_write,
    check_unchanged,
    read_template_bytes,
    write_new,
)
from fixers.model import AREAS, Finding
from fixers.rules import Rule, select_rules

if TYPE_CHECKING:
    from fixers.validate import Linter, LintError

__all__ = [
    "APPLIED",
    "OPEN",
    "ROLLED_BACK",
    "SKIPPED",
    "AllSafePlan",
    "FileError",
    "Item",
    "LintReport",
    "Previewer",
    "Review",
    "lint_review",
    "unified_diff",
]

OPEN, APPLIED, SKIPPED = "open", "applied", "skipped"
ROLLED_BACK = "rolled back"

Key = tuple[str, tuple[Any, ...]]


@dataclass
class Item:
    """A finding under review and what the user made of it."""

    finding: Finding
    state: str = OPEN
    reason: str | None = None  # why a fix failed, or how the finding was closed
    lint_added: str | None = None  # set when applying this fix adds cfn-lint errors or warnings
    # Why "apply all safe fixes" rolled this fix back, as --auto-fix does (it adds cfn-lint
    # errors or warnings); the finding is open again.
    rolled_back: str | None = None

    @property
    def key(self) -> Key:
        return self.finding.key

    @property
    def fix_label(self) -> str:
        fix = self.finding.fix
        if fix is None:
            return "none"
        return "safe" if fix.safe else "unsafe"


@dataclass
class _Step:
    """One undoable change: the document and the review as they were before it."""

    label: str
    point: Mark
    items: list[Item]
    # "All safe fixes": the fixes it applied, in the order they ran. Undo takes them back one at
    # a time (the text is the one before it with the others replayed), the step last.
    fixes: list[Finding] = field(default_factory=list)


@dataclass
class AllSafePlan:
    """The result of "apply all safe fixes" computed on a copy, to adopt on the main thread."""

    base_text: str
    result: Mark
    outcomes: list[Outcome]
    errors: list[str]


@dataclass
class LintReport:
    """cfn-lint on the original text and on the current edits."""

    before: list[LintError]
    after: list[LintError]
    new: list[LintError]  # errors and warnings the edits add
    culprits: dict[Key, str] = field(default_factory=dict)
    notes: list[LintError] = field(default_factory=list)  # warnings a correct fix may cause

    @property
    def errors_before(self) -> int:
        return sum(1 for e in self.before if e.level == "error")


class Review:
    """One template under review: the document being edited and the findings' states."""

    def __init__(
        self,
        path: str,
        snapshot: Snapshot,
        doc: Document,
        rules: list[Rule],
        options: Options | None = None,
    ) -> None:
        self.path = path
        self.snapshot = snapshot
        self.doc = doc
        self.rules = rules
        self.by_code = {r.code: r for r in rules}
        self.original_text = doc.text
        self.written_text = doc.text
        self.bom = doc.template.bom
        self.lexer = "json" if doc.style.is_json else "yaml"
        self.rule_errors: list[str] = []
        # The engine --check and --auto-fix use: the same project settings and Metadata
        # suppressions, so the app shows what they report and "apply all" writes what they write.
        options = options or Options()
        self.engine = Engine(
            Options(options.select, options.ignore, fix=True, settings=options.settings),
            rules=rules,
        )
        settings = self.engine.settings_for(path)
        if settings is not None:
            doc.settings = settings
        self.items = [Item(f) for f in self.engine.detect(doc, self.rule_errors)]
        self._undo: list[_Step] = []
        self._original_doc: Document | None = None  # the text as opened, read (line_in_original)

    @classmethod
    def open(
        cls,
        path: str,
        select: Iterable[str] | None = None,
        ignore: Iterable[str] | None = None,
        rules: list[Rule] | None = None,
    ) -> Review:
        """Read and parse ``path``; FileError says in one line what is wrong."""
        snapshot, doc = load(path)
        options = Options(list(select or []), list(ignore or []))
        if rules is None:
            rules = select_rules(options.select, options.ignore)
        return cls(path, snapshot, doc, rules, options)

    # -- state -----------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self.doc.text

    @property
    def unwritten(self) -> bool:
        return self.doc.text != self.written_text

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def counts(self) -> dict[str, int]:
        """Findings by state, and (under ``ROLLED_BACK``) how many open ones "apply all safe
        fixes" rolled back."""
        counts = {OPEN: 0, APPLIED: 0, SKIPPED: 0}
        for item in self.items:
            counts[item.state] += 1
        counts[ROLLED_BACK] = len(self.rolled_back())
        return counts

    def areas(self) -> list[str]:
        """The areas that have findings, in the spec's order (unknown areas last)."""
        present = {i.finding.area for i in self.items}
        known = [a for a in AREAS if a in present]
        return known + sorted(present - set(AREAS))

    def applied_in_order(self) -> list[Item]:
        return [i for i in self.items if i.state == APPLIED]

    # -- actions ---------------------------------------------------------------------------

    def apply(self, item: Item) -> str | None:
        """Apply one finding's fix; return None on success, else why it was not applied."""
        if item.finding.fix is None:
            return "this finding has no automatic fix"
        if item.state == APPLIED:
            return "already applied (u undoes the last applied fix)"
        step = self._begin(_label(item.finding))
        fix = item.finding.fix
        # A fix labelled safe is applied only if its edits prove safe; one the user confirmed
        # as unsafe is applied as it is.
        status, reason, checked = apply_one(
            self.doc,
            self.by_code[item.finding.code],
            item.finding,
            self.rule_errors,
            allow_unsafe=not fix.safe,
        )
        item.finding = item.finding.with_fix(checked or fix)
        if status not in (Status.APPLIED, Status.ALREADY_FIXED):
            item.reason = reason
            return reason or status
        item.state, item.reason, item.rolled_back = APPLIED, reason, None
        self._commit(step)
        return None

    def covered_by_suppression(self, item: Item) -> list[Item]:
        """The open findings a suppression of ``item`` covers: a suppression names a code for a
        resource (or, for a finding without one, for the template), so every finding of that
        code there; ``item`` first."""
        finding = item.finding
        on_resource = finding.resource in (self.doc.data.get("Resources") or {})
        others = [
            i
            for i in self.items
            if i is not item
            and i.state != APPLIED
            and i.finding.code == finding.code
            and (i.finding.resource == finding.resource or not on_resource)
        ]
        return [item, *others]

    def suppress(self, item: Item, reason: str) -> str | None:
        """Record a suppression of the finding, with its reason, in the template's Metadata
        (the resource's, or the template's when the finding has no resource); None on success.
        Every finding it covers (``covered_by_suppression``) leaves the review with it."""
        from fixers.document import EditError
        from fixers.suppressions import add_suppression

        finding = item.finding
        covered = {i.key for i in self.covered_by_suppression(item)}
        base: tuple[Any, ...] = (
            ("Resources", finding.resource)
            if finding.resource in (self.doc.data.get("Resources") or {})
            else ()
        )
        step = self._begin(f"suppression of {finding.code}")
        try:
            add_suppression(self.doc, base[1] if base else None, finding.code, reason)
            self.doc.self_check()
        except EditError as exc:
            self.doc.restore(step.point)
            return str(exc)
        self._commit(step)
        self.items = [i for i in self.items if i.key not in covered]
        return None

    def apply_all_safe(self, linter: Linter | None = None) -> int:
        """Apply every open safe fix the way ``--auto-fix`` does; return how many were applied."""
        return self.commit_all(self.plan_all_safe(linter))

    def plan_all_safe(
        self,
        linter: Linter | None = None,
        before: list[LintError] | None = None,
        only: Iterable[Key] | None = None,
    ) -> AllSafePlan:
        """Run ``--auto-fix``'s fixing on a copy of the document, and with a ``linter`` its
        revalidation too (the fixes that add cfn-lint errors or warnings are rolled back, as
        ``--auto-fix`` rolls them back; ``before``: the lint of the text now, if known). ``only``
        limits the fixes to those findings (what a filter shows). Reads the review only, so it
        may run in a worker thread while the screen goes on showing the review."""
        text = self.doc.text
        copy = Document.from_text(text, self.path, self.bom, self.doc.settings)
        wanted = None if only is None else set(only)
        # Outcomes of items not open (or not wanted) are marked so that the engine leaves them
        # alone.
        outcomes = [
            Outcome(
                i.finding,
                status=Status.OPEN
                if i.state == OPEN and (wanted is None or i.key in wanted)
                else Status.SKIPPED,
            )
            for i in self.items
        ]
        errors: list[str] = []
        self.engine.fix_document(copy, outcomes, errors)
        if linter is not None and copy.text != text:
            result = FileResult(self.path, outcomes=outcomes, original_text=text, bom=self.bom)
            Engine(
                dataclasses.replace(self.engine.options, validate=True),
                rules=self.rules,
                linter=linter,
            ).revalidate(copy, result, before=before)
        return AllSafePlan(text, copy.checkpoint(), outcomes, errors)

    def commit_all(self, plan: AllSafePlan) -> int:
        """Adopt a plan made on the text the review still has; return how many fixes it applied."""
        if plan.base_text != self.doc.text or len(plan.outcomes) < len(self.items):
            raise RuntimeError("the template changed while the fixes were being applied")
        step = self._begin("all safe fixes")
        self.rule_errors.extend(plan.errors)
        applied = 0
        for item, outcome in zip(self.items, plan.outcomes, strict=False):
            if outcome.applied:
                item.state, item.reason, item.rolled_back = APPLIED, outcome.reason, None
                applied += 1
            elif outcome.status == Status.FAILED:
                item.reason = outcome.reason
            elif outcome.status == Status.ROLLED_BACK:
                item.rolled_back = outcome.reason
        for outcome in plan.outcomes[len(self.items) :]:
            # Findings a fix made visible, which the engine fixed in a later pass.
            state = APPLIED if outcome.applied else OPEN
            item = Item(outcome.finding, state, outcome.reason or "revealed by an earlier fix")
            if outcome.status == Status.ROLLED_BACK:
                item.reason, item.rolled_back = "revealed by an earlier fix", outcome.reason
            self.items.append(item)
            applied += state == APPLIED
        step.fixes = [o.finding for o in plan.outcomes if o.status == Status.APPLIED]
        if plan.result.text != step.point.text:
            self.doc.restore(plan.result, edits=len(self.doc.edits))
            self._commit(step)
        return applied

    def rolled_back(self) -> list[Item]:
        """The findings whose fix "apply all safe fixes" rolled back (open again)."""
        return [i for i in self.items if i.rolled_back and i.state != APPLIED]

    def skip(self, item: Item) -> None:
        """Skip an open finding, or reopen a skipped one."""
        if item.state == OPEN:
            item.state = SKIPPED
        elif item.state == SKIPPED:
            item.state = OPEN

    def undo(self) -> str | None:
        """Undo the last applied change; return what it was, or None if there is none. The
        fixes of "apply all safe fixes" are taken back one at a time, the last first."""
        if not self._undo:
            return None
        step = self._undo[-1]
        if len(step.fixes) > 1:
            taken = step.fixes.pop()
            self._take_back(step)
            return _label(taken)
        self._undo.pop()
        self.doc.restore(step.point)
        self.items = step.items
        return _label(step.fixes[0]) if step.fixes else step.label

    def _take_back(self, step: _Step) -> None:
        """Make the text the one before ``step`` with only ``step.fixes`` applied (replayed as
        the engine replays the fixes it keeps), and the findings' states follow it: a finding
        detected again is as it was before the step, one a remaining fix closes stays applied,
        one that only a fix taken back revealed is gone."""
        replayed, _ = self.engine.replay(step.point.text, self.path, self.bom, step.fixes)
        self.doc.restore(replayed.checkpoint(), edits=len(self.doc.edits))
        prior = {i.key: i for i in step.items}
        kept = {f.key for f in step.fixes}
        current = {f.key: f for f in self.engine.detect(self.doc, self.rule_errors)}
        items: list[Item] = []
        for now in self.items:
            before = prior.get(now.key)
            fresh = current.pop(now.key, None)
            if fresh is not None:
                if now.state == APPLIED:  # its fix, or the fix that closed it, is taken back
                    restored = (
                        dataclasses.replace(before)
                        if before is not None
                        else Item(fresh, OPEN, "revealed by an edit")
                    )
                    restored.rolled_back = now.rolled_back
                    now = restored  # noqa: PLW2901 - the item as it is from now on
                now.finding = fresh
            elif before is None and now.key not in kept:
                continue  # revealed by a fix taken back, and gone with it
            elif now.state != APPLIED:
                now.state, now.reason = APPLIED, "closed by another fix"
            items.append(now)
        items.extend(Item(f, OPEN, "revealed by an edit") for f in current.values())
        self.items = items
        self._relocate()

    def _begin(self, label: str) -> _Step:
        return _Step(label, self.doc.checkpoint(), [dataclasses.replace(i) for i in self.items])

    def _commit(self, step: _Step) -> None:
        self._undo.append(step)
        self._redetect()

    def _redetect(self) -> None:
        """Follow the document: findings closed by another fix, findings an edit revealed."""
        current = {f.key: f for f in self.engine.detect(self.doc, self.rule_errors)}
        for item in self.items:
            fresh = current.pop(item.key, None)
            if fresh is not None:
                item.finding = fresh  # current line and column
            elif item.state != APPLIED:
                item.state, item.reason = APPLIED, "closed by another fix"
        for finding in current.values():
            self.items.append(Item(finding, OPEN, "revealed by an edit"))
        self._relocate()

    def _relocate(self) -> None:
        """Give applied findings (no longer detected) the line of their node in the text now,
        the line the app shows for them in the detail and in "With the current edits"."""
        for item in self.items:
            if item.state == APPLIED:
                item.finding = item.finding.located(*self.doc.line_of(item.finding.path))

    # -- views -----------------------------------------------------------------------------

    def diff(self) -> str:
        """The unified diff of the whole file: as opened, and with the current edits."""
        return unified_diff(self.original_text, self.doc.text, self.path)

    def line_in_original(self, item: Item) -> int:
        """Where the finding's node is in the text as opened (for applied fixes)."""
        try:
            # Read once (the app asks on every visit to an applied finding), again if the text
            # as opened changes (a reload).
            cached = self._original_doc
            if cached is None or cached.text != self.original_text:
                cached = Document.from_text(
                    self.original_text, self.path, self.bom, self.doc.settings
                )
                self._original_doc = cached
            return cached.line_of(item.finding.path)[0]
        except Exception:  # noqa: BLE001 - a position to show, never worth failing for
            return item.finding.line

    # -- writing ---------------------------------------------------------------------------

    def new_bytes(self) -> bytes:
        return (("\ufeff" if self.bom else "") + self.doc.text).encode("utf-8")

    def changed_on_disk(self) -> str | None:
        """Why the file cannot be written in place (it changed on disk since it was read), or
        None: checked before the edits are linted for writing, so that a refusal comes first."""
        try:
            check_unchanged(self.snapshot)
        except FileError as exc:
            return str(exc)
        return None

    def reload(self) -> tuple[list[Item], list[Item]]:
        """Read the file again (it changed on disk), find its findings again, and apply again
        the fixes applied so far that still apply, one by one; skipped findings stay skipped.
        Returns (applied again, no longer applying); undo starts afresh. FileError if the file
        cannot be read as a template."""
        applied = [i for i in self.applied_in_order() if i.finding.fix is not None]
        skipped = {i.key for i in self.items if i.state == SKIPPED}
        snapshot, doc = load(self.path)
        settings = self.engine.settings_for(self.path)
        if settings is not None:
            doc.settings = settings
        self.snapshot, self.doc = snapshot, doc
        self.original_text = self.written_text = doc.text
        self.bom = doc.template.bom
        self.items = [Item(f) for f in self.engine.detect(doc, self.rule_errors)]
        self._undo = []
        for item in self.items:
            if item.key in skipped:
                item.state = SKIPPED
        again: list[Item] = []
        lost: list[Item] = []
        for old in applied:
            found = next((i for i in self.items if i.key == old.key), None)
            if found is None:
                continue  # fixed on disk: nothing left to apply
            if found.state == APPLIED:
                again.append(found)  # closed by a fix applied again before it
                continue
            found.finding = found.finding.with_fix(old.finding.fix)  # an unsafe fix stays confirmed
            if self.apply(found) is None:
                again.append(found)
            else:
                lost.append(found)
        return again, lost

    def write_to(self, path: str) -> None:
        """Write the current text to another file (created or replaced atomically); the
        template itself stays as it is. FileError if it cannot be written."""
        write_new(path, self.new_bytes())

    def write(self) -> None:
        """Write the current text atomically; FileError if the file changed on disk or cannot be written."""
        data = self.new_bytes()
        text = self.doc.text
        atomic_write(self.snapshot, data)
        try:
            snapshot = read_template_bytes(self.path)
        except Exception:  # noqa: BLE001 - unreadable right after the write: the next write refuses
            snapshot = dataclasses.replace(self.snapshot, data=b"")
        if snapshot.data != data:
            # Changed again right after the write: keep what we wrote, so the next write refuses.
            snapshot = dataclasses.replace(snapshot, data=data)
        self.snapshot = snapshot
        self.written_text = text


def _label(finding: Finding) -> str:
    """How undo names a fix."""
    return f"{finding.code} on {finding.resource or '/'.join(map(str, finding.path))}"


class Previewer:
    """The text after each of many fixes, applied to a copy of one text, which is read once:
    each fix is applied to the same copy and rolled back (a copy found changed after a rollback is read again). Not shared
    between threads."""

    def __init__(
        self, text: str, path: str, bom: bool, settings: config.Settings | None = None
    ) -> None:
        self.text = text
        self._args = (path, bom, settings)
        self._doc: Document | None = None

    def rebase(self, point: Mark) -> None:
        """Preview on the text of ``point`` from now on: a ``checkpoint`` of a document of the
        same file (the review's, after an edit), whose tree comes with it: no second reading."""
        if self._doc is None:
            self._doc = Document.from_text(point.text, *self._args)
        else:
            self._doc.restore(point)
        self.text = point.text

    def preview(self, rule: Rule, finding: Finding) -> tuple[str | None, str | None]:
        """The text after ``finding``'s fix: (text, note), or (None, why it cannot apply)."""
        if self._doc is None:
            self._doc = Document.from_text(self.text, *self._args)
        doc = self._doc
        mark = doc.mark()
        try:
            status, reason, _ = apply_one(doc, rule, finding, [])
            after = doc.text
        finally:
            try:
                doc.rollback(mark)
            except Exception:  # noqa: BLE001 - read again below
                self._doc = None
            if self._doc is not None and doc.text != self.text:
                self._doc = None
        if status not in (Status.APPLIED, Status.ALREADY_FIXED):
            return None, reason or status
        return after, reason


def lint_review(
    validator: Linter,
    original: str,
    current: str,
    path: str,
    bom: bool,
    applied: list[tuple[Rule, Finding]],
    before: list[LintError] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> LintReport | None:
    """Lint the original and the current text; if the edits add errors, find the fixes that do.

    The attribution is the engine's (``fixers.engine.isolate``: by place, then by bisection,
    within the same number of trial lints), and so is the replay of a subset of the applied
    fixes on the original (batched, one detection per rule). Returns None when ``cancelled``
    says a newer run has started.
    """
    from fixers.engine import Cancelled
    from fixers.validate import added

    if before is None:
        before = validator.lint(original, path)
    if cancelled():
        return None
    after = validator.lint(current, path) if current != original else before
    new, notes = added(before, after)
    report = LintReport(before, after, new, notes=notes)
    if not new or not applied:
        return report
    replayer = Engine(
        Options(fix=True, unsafe_fixes=True, validate=False),
        rules=list({r.code: r for r, _ in applied}.values()),
        linter=validator,
    )
    _, outcomes = replayer.replay(original, path, bom, [f for _, f in applied])
    try:
        _, report.culprits = replayer.culprits(
            original, path, bom, outcomes, before, new, cancelled
        )
    except Cancelled:
        return None
    return report
