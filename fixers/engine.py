"""The engine: read a template, detect, apply the chosen fixes, self-check, revalidate, roll back.

It is UI-free and writes nothing itself: it returns a ``FileResult`` with the new text, and the
command decides whether to write it, print a diff or report.
"""

from __future__ import annotations

import difflib
import os
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from fixers import config, impact, limits, suppressions
from fixers.document import Document, EditError
from fixers.fileio import (
    FileError,
    Snapshot,
    atomic_write,
    clear_stale_temporaries,
    decode_text,
    read_template_bytes,
    write_new,
)
from fixers.model import Finding, Fix
from fixers.rules import Rule, all_rules, kind_selected, matches, select_rules
from fixers.template import Template, TemplateError
from fixers.validate import LintWorker, WorkerValidator, usable_cpus

if TYPE_CHECKING:
    from fixers.validate import Linter, LintError


MAX_PASSES = 3
MAX_TRIAL_LINTS = 24
"""Lints spent finding the fixes that add cfn-lint errors, before giving up on the template."""
PRELINT_MIN_BYTES = 0
"""Templates from this size get their original linted in another process while they are fixed,
in case the result has errors or warnings (see ``LintWorker``). Every size, since warnings
count: most results have one (a deprecated engine version is enough), and the original's lint
then overlaps the fixing instead of following the result's (the sample: 2.3 s -> 1.9 s, cfn-lint
alone 1.3 s). The lint is stopped when the result turns out clean."""


OUT_OF_TRIALS = (
    f"the fixes add cfn-lint findings that {MAX_TRIAL_LINTS} trial lints could not isolate"
)

ALREADY_FIXED = "already fixed by an earlier fix"
NO_FIX = "the finding no longer offers a fix"

Key = tuple[str, tuple[Any, ...]]
"""A finding's identity across re-detections (``Finding.key``)."""


class OutOfTrials(Exception):
    """The trial lints allowed for isolating the fixes at fault are spent."""


class Cancelled(Exception):
    """The caller no longer wants the answer (a newer lint run has started)."""


@dataclass
class Options:
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fix: bool = False
    unsafe_fixes: bool = False
    validate: bool = True
    # Use free cores for cfn-lint (see LintWorker): ready it while fixing, and lint a large
    # template's original then too. Off where other processes already use the cores (--jobs N).
    parallel_lint: bool = False
    # The project settings in force (fixers.config); None: found from each file's folder.
    settings: config.Settings | None = None


class Status(StrEnum):
    """What became of a finding's fix (the values are what reports show)."""

    OPEN = "open"
    """Not tried (yet)."""
    APPLIED = "applied"
    """Its edits are in the text."""
    ALREADY_FIXED = "already fixed"
    """An earlier fix closed the finding: nothing of its own was applied."""
    SKIPPED = "skipped"
    """Left alone on purpose (findings the app's user has dealt with)."""
    DECLINED = "unsafe"
    """Not applied: unsafe, and unsafe fixes were not asked for (``reason`` says its impact)."""
    GENERATED = "generated"
    """Not applied: a tool generated the template, so the fix belongs in its source
    (``reason`` says where)."""
    FAILED = "failed"
    """Could not be applied; whatever it edited is undone (``reason``)."""
    ROLLED_BACK = "rolled back"
    """Applied, then undone: it added cfn-lint errors or broke a limit (``reason``)."""


@dataclass
class Outcome:
    """A finding of the original template and what became of it."""

    finding: Finding
    status: Status = Status.OPEN
    reason: str | None = None
    touched: frozenset[tuple[str, str]] = frozenset()  # (section, name) entries the fix edited

    @property
    def applied(self) -> bool:
        """Whether the finding counts as fixed in the text (by its own fix or an earlier one)."""
        return self.status in (Status.APPLIED, Status.ALREADY_FIXED)


@dataclass
class FileResult:
    path: str
    error: str | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    remaining: list[Finding] = field(default_factory=list)
    lint_before: list[LintError] | None = None
    lint_after: list[LintError] | None = None
    lint_new: list[LintError] | None = None  # errors and warnings the fixes add
    lint_notes: list[LintError] | None = None  # warnings they add that a correct fix may cause
    rule_errors: list[str] = field(default_factory=list)
    original_text: str = ""
    new_text: str = ""
    bom: bool = False
    snapshot: Snapshot | None = None
    written: bool = False
    write_error: str | None = None
    # Findings of the original template left out by its Metadata suppressions.
    suppressed: list[suppressions.Suppressed] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.new_text != self.original_text

    def new_bytes(self) -> bytes:
        return (("\ufeff" if self.bom else "") + self.new_text).encode("utf-8")

    def diff(self) -> str:
        if not self.changed:
            return ""
        return unified_diff(self.original_text, self.new_text, self.path)


def unified_diff(before: str, after: str, path: str) -> str:
    """The unified diff of a template, headed ``a/<path>`` and ``b/<path>`` as git heads them
    (an absolute path without its leading slash, so never ``a//tmp/...``)."""
    shown = path.lstrip("/")
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"a/{shown}",
            tofile=f"b/{shown}",
        )
    )


def write_results(results: Iterable[FileResult], output: str | None = None) -> None:
    """Write each fixed template atomically: in place (refused if the file changed since it was
    read), or the one result to ``output``. Never a partial file; a failure is recorded on its
    result (``write_error``). Temporaries that crashed earlier runs left in the folders of the
    templates read are cleared, once a folder."""
    cleared: set[str] = set()
    for result in results:
        if result.error is not None:
            continue
        if result.snapshot is not None:
            folder = os.path.dirname(os.path.abspath(result.snapshot.real_path))
            if folder not in cleared:
                clear_stale_temporaries(folder)
                cleared.add(folder)
        if not result.changed and output is None:
            continue
        try:
            if output is not None:
                write_new(output, result.new_bytes())
            else:
                assert result.snapshot is not None
                atomic_write(result.snapshot, result.new_bytes())
            result.written = True
        except FileError as exc:
            result.write_error = str(exc)


def load(path: str) -> tuple[Snapshot, Document]:
    """Read and parse a file; FileError or TemplateError say what is wrong in one line."""
    snapshot = read_template_bytes(path)
    text, bom = decode_text(snapshot)
    try:
        return snapshot, Document(Template(text, bom=bom, path=path))
    except TemplateError as exc:
        err = FileError(path, exc.message)
        err.args = (exc.located(path),)  # "path:line:col: what is wrong", like compilers
        raise err from None


def detect(doc: Document, rules: Iterable[Rule], errors: list[str] | None = None) -> list[Finding]:
    """Every finding of the rules on the document as it is now, located and in a stable order,
    each fix labelled with the deploy impact its edits actually have (``assess``)."""
    found: list[Finding] = []
    for rule in rules:
        try:
            for f in assess(doc, rule, rule.detect(doc)):
                line, col = doc.line_of(f.path)
                found.append(f.located(line, col))
        except Exception as exc:
            if errors is None:
                raise
            errors.append(f"{rule.code}: internal error: {exc!r}\n{traceback.format_exc(limit=3)}")
    found.sort(key=lambda f: (f.line, f.code, [str(p) for p in f.path]))
    return found


def assess(doc: Document, rule: Rule, findings: Iterable[Finding]) -> Iterator[Finding]:
    """The findings with each safe fix's impact raised to what its edits do to the deployed
    template (``fixers.impact``): each is tried on the document and undone, nothing is read
    again. A fix already unsafe is not tried (raising its impact cannot change what is applied,
    and tests/test_rule_labels.py holds its declared impact to its edits); a fix that cannot be
    tried keeps its label, and applying it fails the same way later."""
    for found in findings:
        finding, fix = found, found.fix
        if fix is not None and fix.safe:
            mark = doc.mark()
            try:
                rule.fix(doc, finding)
                derived = impact.derive(doc, doc.edits[mark.edited :])
                finding = finding.with_fix(fix.raised_to(*derived))
            except Exception:  # noqa: BLE001, S110 - reported when the fix is applied for real
                pass
            finally:
                doc.rollback(mark)
        yield finding


class Engine:
    """Runs the rules and fixes over files, and cfn-lint through ``linter``.

    ``linter`` may be shared by several engines (cfn-lint's configuration follows each file, not
    the engine's settings): a batch run gives all its engines one, and closes it at the end.
    Without one the engine makes its own, on first use; ``close`` stops it.
    """

    def __init__(
        self, options: Options, rules: list[Rule] | None = None, linter: Linter | None = None
    ) -> None:
        self.options = options
        self.rules = rules if rules is not None else select_rules(options.select, options.ignore)
        self._linter = linter
        self._owns_linter = linter is None

    @property
    def linter(self) -> Linter:
        if self._linter is None:
            self._linter = WorkerValidator(start=False)
        return self._linter

    def run_path(self, path: str) -> FileResult:
        result = FileResult(path)
        try:
            snapshot, doc = load(path)
        except FileError as exc:
            result.error = str(exc)
            return result
        result.snapshot = snapshot
        result.bom = doc.template.bom
        return self.run_document(doc, result)

    def run_document(self, doc: Document, result: FileResult | None = None) -> FileResult:
        result = result or FileResult(doc.path, bom=doc.template.bom)
        result.original_text = doc.text
        settings = self.settings_for(doc.path)
        if settings is not None:
            doc.settings = settings
        findings = self.detect(doc, result.rule_errors, result)
        result.outcomes = [Outcome(f) for f in findings]
        if not self.options.fix:
            result.new_text = doc.text
            result.remaining = findings
            return result
        prelint = self._start_workers(doc, result.outcomes)
        try:
            self.fix_document(doc, result.outcomes, result.rule_errors)
            if doc.changed and self.options.validate:
                self.revalidate(doc, result, prelint)
        finally:
            if prelint is not None:
                prelint.close()
        locate_in(doc, result.outcomes[len(findings) :])  # revalidation may have changed the text
        result.new_text = doc.text
        result.remaining = self.detect(doc, result.rule_errors)
        return result

    # -- suppressions and settings (fixers.config, fixers.suppressions) --------------------

    def settings_for(self, path: str) -> config.Settings | None:
        if self.options.settings is not None:
            return self.options.settings
        try:
            return config.for_file(path) if os.path.isfile(path) else None
        except config.ConfigError:
            return None  # the command reports a bad configuration before running

    def detect(
        self, doc: Document, errors: list[str], result: FileResult | None = None
    ) -> list[Finding]:
        """``detect`` with the template's Metadata suppressions applied (and unused ones
        reported as MF0001); the suppressed findings are recorded on ``result``."""
        found = detect(doc, self.rules, errors)
        # MF0001 speaks only of suppressions of rules that ran, so --select does not turn it off.
        report_unused = not matches(suppressions.UNUSED_CODE, self.options.ignore)
        filtered = suppressions.apply(
            doc, found, [r.code for r in self.rules], all_rules(), report_unused
        )
        if result is not None:
            result.suppressed = filtered.suppressed
        return [
            f
            for f in filtered.kept
            if kind_selected(f.kind, self.options.select, self.options.ignore)
        ]

    def allowed(self, finding: Finding) -> bool:
        return finding.fix is not None and (finding.fix.safe or self.options.unsafe_fixes)

    def apply_fixes(
        self, doc: Document, outcomes: list[Outcome], errors: list[str], careful: bool = False
    ) -> None:
        """Apply the allowed fixes of ``outcomes``, rule by rule in code order.

        Each rule detects once for all its findings, and edits are batched: the text is read
        again only where an edit needs a place a pending one changes. ``careful`` re-detects
        and self-checks after every single fix instead, to isolate a fix that breaks the text.
        """
        by_code = {r.code: r for r in self.rules}
        groups: dict[str, list[Outcome]] = {}
        for outcome in sorted(
            outcomes, key=lambda o: (o.finding.code, [str(p) for p in o.finding.path])
        ):
            finding = outcome.finding
            if finding.fix is None or outcome.status != Status.OPEN:
                continue
            if not self.allowed(finding):
                outcome.status = Status.DECLINED
                outcome.reason = unsafe_reason(finding.fix)
                continue
            groups.setdefault(finding.code, []).append(outcome)
        for code, group in groups.items():
            rule = by_code[code]
            if careful:
                for outcome in group:
                    first = len(doc.edits)
                    outcome.status, outcome.reason, fix = apply_one(
                        doc, rule, outcome.finding, errors, self.options.unsafe_fixes
                    )
                    outcome.finding = outcome.finding.with_fix(_worse_fix(outcome.finding.fix, fix))
                    outcome.touched = _entries(doc.edited_paths[first:])
                continue
            try:
                current = {f.key: f for f in rule.detect(doc)}
            except Exception as exc:  # noqa: BLE001 - a broken rule must not stop the others
                errors.append(f"{code}: internal error: {exc!r}\n{traceback.format_exc(limit=3)}")
                continue
            for outcome in group:
                found = current.get(outcome.finding.key)
                if found is None:
                    outcome.status, outcome.reason = Status.ALREADY_FIXED, ALREADY_FIXED
                elif found.fix is None:
                    outcome.status, outcome.reason = Status.FAILED, NO_FIX
                else:
                    first = len(doc.edits)
                    outcome.status, outcome.reason, fix = _apply_fix(
                        doc, rule, found, errors, allow_unsafe=self.options.unsafe_fixes
                    )
                    outcome.finding = outcome.finding.with_fix(_worse_fix(outcome.finding.fix, fix))
                    outcome.touched = _entries(doc.edited_paths[first:])

    def fix_document(self, doc: Document, outcomes: list[Outcome], errors: list[str]) -> None:
        """Apply every allowed fix, then fix what the fixes made visible, until stable.

        New outcomes are appended to ``outcomes``. This is what ``--auto-fix`` does and what
        the app's "apply all safe fixes" does, so both write the same bytes.
        """
        start = doc.mark()
        before = [(o.status, o.reason) for o in outcomes]
        count = len(outcomes)
        self._fix_passes(doc, outcomes, errors, careful=False)
        try:
            doc.self_check()
        except EditError:
            # Some fix wrote text that does not read back as intended: start again, checking
            # after every fix, so that only the fix at fault is rolled back.
            doc.rollback(start)
            del outcomes[count:]
            for outcome, (status, reason) in zip(outcomes, before, strict=False):
                outcome.status, outcome.reason = status, reason
            self._fix_passes(doc, outcomes, errors, careful=True)
        locate_in(doc, outcomes[count:])

    def _fix_passes(
        self, doc: Document, outcomes: list[Outcome], errors: list[str], careful: bool
    ) -> None:
        self.apply_fixes(doc, outcomes, errors, careful)
        # A fix can make a gap visible that was hidden before (ruff re-checks until stable too).
        # A finding fixed earlier may also come back when a later fix adds what it speaks about
        # (new VPC endpoints the service should wait for): it is fixed again, within the passes.
        for _ in range(MAX_PASSES):
            known = {o.finding.key: o for o in outcomes}
            fresh: list[Outcome] = []
            again: list[Outcome] = []
            for f in self.detect(doc, errors):
                if f.fix is None or not self.allowed(f):
                    continue
                earlier = known.get(f.key)
                if earlier is None:
                    fresh.append(Outcome(f))
                elif earlier.applied:
                    earlier.status = Status.OPEN
                    again.append(earlier)
            if not fresh and not again:
                break
            outcomes.extend(fresh)
            self.apply_fixes(doc, fresh + again, errors, careful)

    def _start_workers(self, doc: Document, outcomes: list[Outcome]) -> LintWorker | None:
        """Where cores are free, start cfn-lint in another process before fixing, so that it is
        ready when the result is; for a large template also lint its original in a third one
        (returned: the caller closes it), in case the result has errors."""
        if not (self.options.parallel_lint and self.options.validate) or usable_cpus() < 2:
            return None
        if not any(self.allowed(o.finding) for o in outcomes):
            return None
        linter = self.linter
        if isinstance(linter, WorkerValidator):
            linter.start(doc.path)
        if len(doc.original_text) >= PRELINT_MIN_BYTES:
            try:
                return LintWorker(first=(doc.original_text, doc.path))
            except OSError:  # no process to be had (limits on processes or files)
                pass
        return None

    def lint(self, text: str, path: str) -> list[LintError]:
        """cfn-lint's findings on ``text``: from the worker if one is running, else in process."""
        return self.linter.lint(text, path)

    def close(self) -> None:
        """Stop the cfn-lint worker of this engine's own linter, if there is one (a linter
        given to the engine is its giver's to close)."""
        close = getattr(self._linter, "close", None)
        if self._owns_linter and close is not None:
            close()

    def revalidate(
        self,
        doc: Document,
        result: FileResult,
        prelint: LintWorker | None = None,
        before: list[LintError] | None = None,
    ) -> None:
        """Lint the result; roll back the fixes whose result adds cfn-lint errors or warnings
        (by rule and path; the warnings a correct fix may cause, ``EXEMPT_WARNINGS``, are kept
        as notes).

        The original is linted only when the result has errors or warnings. Fixes are blamed
        first by where the new findings are (the entries each fix edited), then, if that does
        not account for them, by bisecting the fixes in the order they ran: a few lints, not
        one a fix. ``before``, when given, is the original's lint already known (the app's).
        """
        from fixers.validate import added

        after = self.lint(doc.text, doc.path)
        if not any(e.level in ("error", "warning") for e in after):
            # Nothing in the result: nothing can be new, so the original need not be linted.
            result.lint_after, result.lint_new, result.lint_notes = after, [], []
            return
        if before is None and prelint is not None:
            before = prelint.result()
        if before is None:
            before = self.lint(result.original_text, doc.path)
        new, notes = added(before, after)
        applied = [o for o in result.outcomes if o.applied]
        if new and applied:
            keep, culprits = self.culprits(
                result.original_text, doc.path, result.bom, applied, before, new
            )
            for outcome in applied:
                if outcome.finding.key in culprits:
                    outcome.status = Status.ROLLED_BACK
                    outcome.reason = culprits[outcome.finding.key]
            final = self._apply_subset(result, keep)
            doc.restore(final.checkpoint(), edits=0)
            after = self.lint(doc.text, doc.path) if doc.changed else before
            new, notes = added(before, after)
        result.lint_before, result.lint_after = before, after
        result.lint_new, result.lint_notes = new, notes

    def culprits(
        self,
        original: str,
        path: str,
        bom: bool,
        applied: list[Outcome],
        before: list[LintError],
        new: list[LintError],
        cancelled: Callable[[], bool] = lambda: False,
    ) -> tuple[list[Outcome], dict[Key, str]]:
        """Of the fixes ``applied`` to ``original`` (in the order they ran, each with the entries
        it touched), which to keep, and why each other is at fault, given the errors ``new`` they
        add together to the original's ``before``. Blamed by place, then by bisection
        (``isolate``), replaying subsets of the fixes on the original; when the template is too
        slow to lint for ``MAX_TRIAL_LINTS`` trials, none is kept. The engine rolls the culprits
        back, the app marks them: both call this. Raises ``Cancelled`` once ``cancelled()``."""
        from fixers.validate import added

        order = {id(o): i for i, o in enumerate(applied)}
        budget = [MAX_TRIAL_LINTS]
        found: dict[Key, str] = {}

        def adds(outcomes: list[Outcome]) -> list[LintError]:
            if cancelled():
                raise Cancelled
            if budget[0] <= 0:
                raise OutOfTrials
            budget[0] -= 1
            ordered = sorted(outcomes, key=lambda o: order[id(o)])
            trial, _ = self.replay(original, path, bom, [o.finding for o in ordered])
            return added(before, self.lint(trial.text, path))[0] if trial.changed else []

        def blame(outcome: Outcome, added: list[LintError]) -> None:
            found[outcome.finding.key] = blame_reason(added)

        try:
            keep = isolate(list(applied), new, adds, blame)
        except OutOfTrials:
            for outcome in applied:
                found.setdefault(outcome.finding.key, OUT_OF_TRIALS)
            keep = []
        return sorted(keep, key=lambda o: order[id(o)]), found

    def _apply_subset(self, result: FileResult, outcomes: list[Outcome]) -> Document:
        """The original template with just these fixes applied (in the order they ran)."""
        order = {id(o): i for i, o in enumerate(result.outcomes)}
        findings = [o.finding for o in sorted(outcomes, key=lambda o: order[id(o)])]
        return self.replay(result.original_text, result.path, result.bom, findings)[0]

    def replay(
        self, original: str, path: str, bom: bool, findings: list[Finding]
    ) -> tuple[Document, list[Outcome]]:
        """The original text with just these findings' fixes applied, batched, and what became
        of each (its ``touched`` entries included). If the batch writes text that does not read
        back, the fixes are applied again one at a time, each checked."""
        settings = self.settings_for(path)
        doc = Document(Template(original, bom=bom, path=path), settings)
        outcomes = [Outcome(f) for f in findings]
        errors: list[str] = []
        self.apply_fixes(doc, outcomes, errors)
        try:
            doc.self_check()
        except EditError:
            doc = Document(Template(original, bom=bom, path=path), settings)
            outcomes = [Outcome(f) for f in findings]
            self.apply_fixes(doc, outcomes, errors, careful=True)
        return doc, outcomes


def locate_in(doc: Document, outcomes: list[Outcome]) -> None:
    """Give findings the fixes revealed their line in the document as it is now (the text that
    is written), not in the intermediate text they were found in."""
    for outcome in outcomes:
        line, column = doc.line_of(outcome.finding.path)
        outcome.finding = outcome.finding.located(line, column)


def isolate(keep: list[Any], new: list[LintError], adds: Any, blame: Any) -> list[Any]:
    """The fixes to keep of ``keep`` (in the order they ran), given the errors they add together.

    ``adds(fixes)`` lints the original with just those fixes and returns the errors they add;
    ``blame(fix, added)`` records a fix at fault. Each fix has ``touched``, the template entries
    it edits. Fixes are blamed by place first (those that edit where the new errors are), then by
    bisecting for the shortest prefix of the fixes that adds an error: a few lints, not one per
    fix. The engine (which rolls the blamed fixes back) and the app (which marks them) share it.
    """
    where = {tuple(e.path[:2]) for e in new if len(e.path) >= 2}
    suspects = [o for o in keep if o.touched & where]
    if suspects:
        rest = [o for o in keep if o not in suspects]
        if not adds(rest):
            keep = rest
            for o in suspects:  # give each suspect its chance alone with the others
                added = adds(keep + [o])
                if added:
                    blame(o, added)
                else:
                    keep.append(o)
    for _ in range(len(keep)):
        added = adds(keep)
        if not added:
            break
        lo, hi = 1, len(keep)  # the shortest prefix of the fixes that adds an error
        while lo < hi:
            mid = (lo + hi) // 2
            if adds(keep[:mid]):
                hi = mid
            else:
                lo = mid + 1
        culprit = keep.pop(lo - 1)
        blame(culprit, added)
    return keep


def blame_reason(added: list[LintError]) -> str:
    """What a fix at fault is reported with."""
    levels = sorted({e.level for e in added})
    kinds = " and ".join(f"{level}s" for level in levels) or "findings"
    return f"adds cfn-lint {kinds}: " + "; ".join(
        f"{e.rule} {'/'.join(map(str, e.path))}: {e.message[:120]}" for e in added[:3]
    )


def _entries(paths: list[tuple[Any, ...]]) -> frozenset[tuple[str, str]]:
    """The template entries (section, name) that edits at these paths are in."""
    return frozenset((str(p[0]), str(p[1])) for p in paths if len(p) >= 2)


def _worse_fix(a: Fix | None, b: Fix | None) -> Fix | None:
    """The label of the two that carries the worse impact (a fix is re-detected before it is
    applied; what either detection learnt about its impact is kept)."""
    if a is None or b is None:
        return a or b
    return a.raised_to(b.impact, b.impact_detail)


def _apply_fix(
    doc: Document,
    rule: Rule,
    finding: Finding,
    errors: list[str],
    check: bool = False,
    allow_unsafe: bool = True,
) -> tuple[Status, str | None, Fix | None]:
    """Apply one fix; on failure undo just its edits. In a batch the self-check comes later;
    ``check`` makes it part of this fix (the fix is undone if its text does not read back).

    The fix's label is checked against what its edits do (``fixers.impact``) and returned,
    raised where the rule declared less: a fix that turns out unsafe is undone unless
    ``allow_unsafe``. Safety fails closed here whatever a rule declares."""
    fix, code = finding.fix, rule.code
    if fix is None:
        return Status.FAILED, NO_FIX, None
    source = synthesized_from(doc.data, finding.resource)
    if source is not None:
        return Status.GENERATED, source, fix
    mark = doc.mark()
    try:
        rule.fix(doc, finding)
        if check:
            doc.self_check()
    except EditError as exc:
        doc.rollback(mark)
        return Status.FAILED, f"not applied: {exc}", fix
    except Exception as exc:  # noqa: BLE001 - a broken fix is rolled back and reported
        doc.rollback(mark)
        errors.append(f"{code}: internal error in fix: {exc!r}\n{traceback.format_exc(limit=4)}")
        return Status.FAILED, f"internal error in fix: {exc!r}", fix
    fix = fix.raised_to(*impact.derive(doc, doc.edits[mark.edited :]))
    if not fix.safe and not allow_unsafe:
        doc.rollback(mark)
        return Status.DECLINED, unsafe_reason(fix), fix
    breach = limits.new_breach(doc.original_measure, doc.measure())
    if breach:
        doc.rollback(mark)
        return Status.ROLLED_BACK, breach, fix
    return Status.APPLIED, None, fix


CDK_PATH = "aws:cdk:path"


def synthesized_from(data: dict[str, Any], resource: str | None) -> str | None:
    """Why a fix must not edit this template, when a tool generated it: edits to synthesized
    output are lost at the next synthesis. Today the AWS CDK, known by the ``aws:cdk:path``
    metadata it gives resources; the answer says where the fix belongs."""
    resources = data.get("Resources")
    if not isinstance(resources, dict):
        return None
    paths = {
        lid: res["Metadata"][CDK_PATH]
        for lid, res in resources.items()
        if isinstance(res, dict)
        and isinstance(res.get("Metadata"), dict)
        and isinstance(res["Metadata"].get(CDK_PATH), str)
    }
    if not paths:
        return None
    where = paths.get(resource or "") or next(iter(paths.values())).split("/")[0]
    return (
        "not applied: the AWS CDK synthesized this template (aws:cdk:path metadata) and the next "
        f"synthesis would undo the edit; make the change in the CDK app, at {where}"
    )


def unsafe_reason(fix: Fix) -> str:
    return f"unsafe fix ({fix.impact}: {fix.impact_detail}): use --unsafe-fixes to apply"


def apply_one(
    doc: Document, rule: Rule, finding: Finding, errors: list[str], allow_unsafe: bool = True
) -> tuple[Status, str | None, Fix | None]:
    """Apply one finding's fix as re-detected on the document now; roll it back if it fails.
    Returns the status, the reason, and the fix as labelled by what its edits did."""
    current = [f for f in rule.detect(doc) if f.key == finding.key]
    if not current:
        return Status.ALREADY_FIXED, ALREADY_FIXED, None
    fix = current[0].fix
    if fix is None:
        return Status.FAILED, NO_FIX, None
    return _apply_fix(
        doc,
        rule,
        current[0].with_fix(_worse_fix(fix, finding.fix)),
        errors,
        check=True,
        allow_unsafe=allow_unsafe,
    )
