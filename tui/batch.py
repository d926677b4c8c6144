"""The batch modes (--check, --auto-fix, --diff): run the engine over files, write, report.

Files run in parallel with ``--jobs N`` (a process pool; results come back to this process and
are written and reported in input order, so the output does not depend on the job count). Each
file runs under its own project settings (fixers.config, found from its folder, the command
line on top); a baseline takes the findings it lists off the failing ones.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from fixers import config
from fixers.baseline import Baseline, BaselineError
from fixers.engine import Engine, FileError, FileResult, Options, load, write_results
from fixers.model import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from fixers.report import FileReport
from fixers.validate import WorkerValidator

PROGRESS_MIN_FILES = 8


# --------------------------------------------------------------------------- one file


@dataclasses.dataclass(frozen=True)
class Task:
    index: int
    path: str
    settings: config.Settings
    fix: bool
    validate: bool
    want_fixes: bool  # compute each finding's fix as edits (SARIF)
    parallel_lint: bool = False  # the files run one after another: other cores are free


@functools.cache
def process_linter() -> WorkerValidator:
    """The cfn-lint the engines of this process share (built once; a worker process only once
    an engine with ``parallel_lint`` starts one). ``run_batch`` closes it."""
    return WorkerValidator(start=False)


@functools.cache
def engine_for(
    settings: config.Settings, fix: bool, validate: bool, parallel_lint: bool = False
) -> Engine:
    """One engine per distinct settings in this process (rules and cfn-lint built once)."""
    return Engine(
        Options(
            select=list(settings.select),
            ignore=list(settings.ignore),
            fix=fix,
            unsafe_fixes=settings.unsafe_fixes,
            validate=validate,
            parallel_lint=parallel_lint,
            settings=settings,
        ),
        linter=process_linter(),
    )


def run_one(task: Task) -> FileReport:
    """Run one file (in this process or a worker); never raises for a bad file."""
    engine = engine_for(task.settings, task.fix, task.validate, task.parallel_lint)
    if not task.want_fixes or task.fix:
        report = FileReport(engine.run_path(task.path), settings=task.settings)
    else:
        from fixers.sarif import fix_edits

        result = FileResult(task.path)
        try:
            snapshot, doc = load(task.path)
        except FileError as exc:
            result.error = str(exc)
            return FileReport(result, settings=task.settings)
        result.snapshot, result.bom = snapshot, doc.template.bom
        engine.run_document(doc, result)
        report = FileReport(result, settings=task.settings)
        report.fixes = fix_edits(engine, doc, [o.finding for o in result.outcomes])
    return report


def _work(task: Task) -> tuple[int, FileReport]:
    return task.index, run_one(task)


# --------------------------------------------------------------------------- many files


def default_jobs() -> int:
    return os.cpu_count() or 1


def run_tasks(
    tasks: list[Task], jobs: int, progress: Callable[[], None] | None = None
) -> list[FileReport]:
    """Reports in the order of ``tasks``, computed by ``jobs`` processes."""
    jobs = max(1, min(jobs, len(tasks)))
    out: list[FileReport | None] = [None] * len(tasks)
    if jobs == 1:
        for i, task in enumerate(tasks):
            out[i] = run_one(task)
            if progress:
                progress()
    else:
        chunk = max(1, min(16, len(tasks) // (jobs * 4)))
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for index, report in pool.map(_work, tasks, chunksize=chunk):
                out[index] = report
                if progress:
                    progress()
    return [r for r in out if r is not None]


def _progress_wanted(n: int) -> bool:
    return n >= PROGRESS_MIN_FILES and sys.stderr.isatty() and os.environ.get("TERM") != "dumb"


def run_with_progress(tasks: list[Task], jobs: int) -> list[FileReport]:
    if not _progress_wanted(len(tasks)):
        return run_tasks(tasks, jobs)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tui.output import console

    with Progress(
        TextColumn("meridian-fix"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
    ) as bar:
        job = bar.add_task("files", total=len(tasks))
        return run_tasks(tasks, jobs, lambda: bar.advance(job))


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    """Command line settings (None: not given, the configuration file decides)."""
    return {
        "select": getattr(args, "select_codes", None),
        "ignore": getattr(args, "ignore_codes", None),
        "unsafe_fixes": True if getattr(args, "unsafe_fixes", False) else None,
        "fail_on": getattr(args, "fail_on", None),
        "baseline": os.path.abspath(args.baseline) if getattr(args, "baseline", None) else None,
    }


def settings_for_files(
    files: Iterable[str], overrides: dict[str, Any]
) -> tuple[dict[str, config.Settings], list[str]]:
    settings: dict[str, config.Settings] = {}
    errors: list[str] = []
    for path in files:
        try:
            settings[path] = config.for_file(path, overrides)
        except config.ConfigError as exc:
            errors.append(f"{path}: configuration: {exc}")
    return settings, errors


def run_batch(files: list[str], errors: list[str], args: argparse.Namespace) -> int:
    overrides = overrides_from(args)
    settings, config_errors = settings_for_files(files, overrides)
    errors = errors + config_errors
    fixing = bool(args.auto_fix)
    want_fixes = args.format == "sarif" and not fixing
    tasks = [
        Task(i, path, settings[path], fixing, not args.no_validate, want_fixes)
        for i, path in enumerate(p for p in files if p in settings)
    ]
    jobs = args.jobs or default_jobs()
    if args.output or len(tasks) < 2:
        jobs = 1
    if jobs == 1:
        tasks = [dataclasses.replace(t, parallel_lint=True) for t in tasks]
    try:
        reports = run_with_progress(tasks, jobs)
    finally:
        process_linter().close()  # the cfn-lint worker the engines of this process share

    if fixing and not args.diff:
        write_results([rep.result for rep in reports], args.output)

    if args.write_baseline:
        return write_baseline(reports, errors, args)
    try:
        apply_baselines(reports)
    except BaselineError as exc:
        print(f"meridian-fix: {exc}", file=sys.stderr)
        return EXIT_ERROR

    emit(reports, errors, args)

    if errors or any(r.result.error or r.result.write_error for r in reports):
        return EXIT_ERROR
    if args.diff and any(r.result.changed for r in reports):
        return EXIT_FINDINGS
    if any(r.failing() or r.result.lint_new for r in reports):
        return EXIT_FINDINGS
    return EXIT_OK


def apply_baselines(reports: list[FileReport]) -> None:
    loaded: dict[str, Baseline] = {}
    for rep in reports:
        path = rep.settings.baseline
        if not path or rep.result.error:
            continue
        if path not in loaded:
            loaded[path] = Baseline.load(path)
        matcher = loaded[path].matcher(rep.result.path)
        rep.baseline_in_force = True
        rep.baselined = {f.key for f in rep.result.remaining if matcher.take(f)}


def write_baseline(reports: list[FileReport], errors: list[str], args: argparse.Namespace) -> int:
    from fixers.report import tool_version

    target = args.baseline or next(
        (r.settings.baseline for r in reports if r.settings.baseline), None
    )
    if not target:
        print(
            "meridian-fix: --write-baseline needs --baseline FILE (or baseline in the configuration)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    for line in errors:
        print(f"meridian-fix: {line}", file=sys.stderr)
    for rep in reports:
        if rep.result.error:
            print(f"meridian-fix: {rep.result.error}", file=sys.stderr)
    try:
        count = Baseline.write(
            target,
            [(r.result.path, r.result.remaining) for r in reports if not r.result.error],
            tool_version(),
        )
    except BaselineError as exc:
        print(f"meridian-fix: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(
        f"meridian-fix: wrote {count} finding{'s' if count != 1 else ''} to baseline {target}",
        file=sys.stderr,
    )
    if errors or any(r.result.error for r in reports):
        return EXIT_ERROR
    return EXIT_OK


def emit(reports: list[FileReport], errors: list[str], args: argparse.Namespace) -> None:
    if args.format == "json":
        from fixers.report import json_report

        for line in errors:
            print(f"meridian-fix: {line}", file=sys.stderr)
        print(json_report(reports, errors))
    elif args.format == "sarif":
        import json

        from fixers.rules import select_rules
        from fixers.sarif import sarif_log

        for line in errors:
            print(f"meridian-fix: {line}", file=sys.stderr)
        ran: dict[str, Any] = {}
        for s in {r.settings for r in reports} or {config.Settings()}:
            for rule in select_rules(s.select, s.ignore):
                ran.setdefault(rule.code, rule)
        print(json.dumps(sarif_log(reports, ran.values(), errors), indent=2, ensure_ascii=False))
    elif args.format == "github":
        from fixers.sarif import github_annotations
        from tui.output import print_summary

        for line in github_annotations(reports, errors):
            print(line)
        print_summary(reports, errors, bool(args.auto_fix))
    else:
        from tui.output import print_results

        print_results(
            reports, errors, bool(args.auto_fix), args.diff, show_suppressed=args.show_suppressed
        )
