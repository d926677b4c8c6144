"""The batch modes (--check, --auto-fix, --diff): run the engine over files, write, report."""

from __future__ import annotations

import argparse
import sys

from fixers.engine import Engine, FileResult
from fixers.fileio import FileError, atomic_write, clear_stale_temporaries, write_new

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def write_result(result: FileResult, output: str | None) -> None:
    """Write a fixed template atomically, in place or to ``output``; never a partial file."""
    if not result.changed and output is None:
        return
    try:
        if output is not None:
            write_new(output, result.new_bytes())
        else:
            assert result.snapshot is not None
            atomic_write(result.snapshot, result.new_bytes())
        result.written = True
    except FileError as exc:
        result.write_error = str(exc)


def run_batch(engine: Engine, files: list[str], errors: list[str], args: argparse.Namespace) -> int:
    results: list[FileResult] = []
    for path in files:
        result = engine.run_path(path)
        if result.error is None and engine.options.fix and not args.diff:
            if result.snapshot is not None:
                import os

                clear_stale_temporaries(os.path.dirname(os.path.abspath(result.snapshot.real_path)))
            write_result(result, args.output)
        results.append(result)
    if args.format == "json":
        from fixers.report import json_report

        for line in errors:
            print(f"meridian-fix: {line}", file=sys.stderr)
        print(json_report(results))
    else:
        from tui.output import print_results

        print_results(results, errors, engine.options.fix, args.diff)
    if errors or any(r.error or r.write_error for r in results):
        return EXIT_ERROR
    if args.diff and any(r.changed for r in results):
        return EXIT_FINDINGS
    if any(r.remaining or r.lint_new for r in results):
        return EXIT_FINDINGS
    return EXIT_OK
