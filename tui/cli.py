"""The ``meridian-fix`` command: batch checking and fixing, or the interactive app on a terminal.

Only the interactive path imports the Textual app, so ``--check`` and ``--auto-fix`` start fast.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence

from fixers.config import SEVERITY_ORDER, ConfigError, fail_on_words
from fixers.model import EXIT_ERROR, EXIT_OK, KINDS

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template", ".cfn")
SKIP_DIRS = {
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".mypy_cache",
    "cdk.out",
}


class UsageError(Exception):
    pass


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("at least 1")
    return n


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="meridian-fix",
        description=(
            "Find and fix the production-readiness gaps of CloudFormation templates "
            "(VPC, ECS Fargate, ALB, Aurora PostgreSQL, Secrets Manager, KMS, Backup, CloudWatch). "
            "With one template and a terminal it opens the interactive review; "
            "--check and --auto-fix are the batch modes for scripts, pre-commit and CI."
        ),
        epilog="Exit status: 0 clean, 1 findings remain (or --diff has changes), 2 bad input or usage.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="template files or folders (searched for templates)",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="report findings only, write nothing")
    mode.add_argument(
        "--auto-fix", action="store_true", help="apply safe fixes in place, revalidate, report"
    )
    p.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="also apply unsafe fixes: those that replace, delete, reboot or interrupt deployed resources, or whose impact cannot be determined",
    )
    p.add_argument(
        "--diff", action="store_true", help="with --auto-fix: print the unified diff, write nothing"
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="with --auto-fix and one template: write the result to FILE",
    )
    p.add_argument(
        "--select",
        metavar="CODES",
        help="comma-separated code prefixes and kinds to run (MF01 is all of section 1; "
        "defect, hardening, convention select findings of that kind; MF05,defect the defects "
        "of section 5)",
    )
    p.add_argument(
        "--ignore",
        metavar="CODES",
        help="comma-separated code prefixes and kinds to skip (convention: report no conventions)",
    )
    p.add_argument(
        "--format",
        choices=("text", "json", "sarif", "github"),
        default="text",
        help="report format: text, json, sarif (SARIF 2.1.0, for code scanning) or github (workflow annotations)",
    )
    p.add_argument(
        "--fail-on",
        metavar="KINDS,SEVERITY",
        help="the kinds (defect, hardening, convention, all) and lowest severity "
        f"({', '.join(SEVERITY_ORDER)}) whose findings fail the run (default: defect,hardening "
        "of any severity: conventions are reported, not failed on)",
    )
    p.add_argument(
        "--baseline",
        metavar="FILE",
        help="findings listed in FILE do not fail the run (only new ones do)",
    )
    p.add_argument(
        "--write-baseline",
        action="store_true",
        help="write the current findings to the --baseline FILE and exit",
    )
    p.add_argument(
        "--show-suppressed",
        action="store_true",
        help="list the findings the template's Metadata suppresses",
    )
    p.add_argument(
        "--show-config",
        action="store_true",
        help="print the settings in force for the given paths and exit",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        metavar="N",
        help="files run in parallel (default: the number of CPUs)",
    )
    p.add_argument(
        "--templates-only",
        action="store_true",
        help="skip given files that are not CloudFormation templates (for pre-commit's file lists)",
    )
    p.add_argument(
        "--no-validate", action="store_true", help="skip the cfn-lint revalidation after fixing"
    )
    p.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    p.add_argument("--explain", metavar="CODE", help="show a rule's documentation and exit")
    p.add_argument(
        "--version", action="store_true", help="print the versions of meridian-fix and cfn-lint"
    )
    return p


def _codes(value: str | None) -> list[str]:
    """Code prefixes (upper case) and kind names (lower case) of --select/--ignore."""
    if not value:
        return []
    return [
        c.strip().lower() if c.strip().lower() in KINDS else c.strip().upper()
        for c in value.split(",")
        if c.strip()
    ]


_SECTION_KEY = re.compile(
    rb"(?m)^['\"]?(?:AWSTemplateFormatVersion|Resources)['\"]?[ \t]*:"  # YAML, top level
    rb"|\"(?:AWSTemplateFormatVersion|Resources)\"\s*:"  # JSON, a key
)


def looks_like_template(path: str) -> bool:
    """In a folder, a file is taken for a template when it has a template section as a key
    (``Resources:`` at the start of a line, ``"Resources":``): a JSON report or a config file
    that merely mentions the word is not one."""
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 20)
    except OSError:
        return True  # unreadable: let the loader say so
    return _SECTION_KEY.search(head) is not None


def expand_paths(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """Files to run, and one-line errors for paths that do not exist."""
    files: list[str] = []
    errors: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            found = []
            for root, dirs, names in os.walk(
                path, onerror=lambda e: errors.append(f"{e.filename}: not readable: {e.strerror}")
            ):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
                for name in sorted(names):
                    full = os.path.join(root, name)
                    if name.lower().endswith(TEMPLATE_SUFFIXES) and looks_like_template(full):
                        found.append(full)
            files.extend(found)
        elif os.path.lexists(path):
            files.append(path)
        else:
            errors.append(f"{path}: no such file or folder")
    return files, errors


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except KeyboardInterrupt:
        print("meridian-fix: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_ERROR


def run(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from fixers.rules import all_rules, unknown_prefixes

    if args.version:
        from fixers.report import tool_version
        from fixers.validate import cfn_lint_version

        print(f"meridian-fix {tool_version()} (cfn-lint {cfn_lint_version()})")
        return EXIT_OK
    if args.list_rules:
        from tui.output import print_rules

        print_rules(all_rules())
        return EXIT_OK
    if args.explain:
        from fixers import suppressions

        if args.explain.strip().upper() == suppressions.UNUSED_CODE:
            from tui.output import print_markdown

            print_markdown(suppressions.DOCS)
            return EXIT_OK
        rule = all_rules().get(args.explain.strip().upper())
        if rule is None:
            print(f"meridian-fix: no rule {args.explain!r} (see --list-rules)", file=sys.stderr)
            return EXIT_ERROR
        from tui.output import print_markdown

        print_markdown(rule.docs())
        return EXIT_OK
    select, ignore = _codes(args.select), _codes(args.ignore)
    bad = [p for p in unknown_prefixes(select + ignore) if not "MF0001".startswith(p)]
    if bad:
        parser.error(f"no rule code starts with {', '.join(bad)} (see --list-rules)")
    if args.fail_on is not None:
        try:
            args.fail_on = fail_on_words(args.fail_on, "--fail-on", "meridian-fix")
        except ConfigError as exc:
            parser.error(str(exc).removeprefix("meridian-fix: "))
    args.select_codes = select if args.select is not None else None
    args.ignore_codes = ignore if args.ignore is not None else None
    if args.show_config:
        return show_config(args)
    if not args.paths:
        parser.error("give a template file or folder (or --list-rules, --explain CODE)")
    if args.write_baseline and args.auto_fix:
        parser.error("--write-baseline goes with --check (it records findings, it fixes nothing)")
    if args.diff and not args.auto_fix:
        parser.error("--diff goes with --auto-fix")
    if args.output and not args.auto_fix:
        parser.error("-o goes with --auto-fix")
    interactive = not (args.check or args.auto_fix)
    if (
        interactive
        and len(args.paths) == 1
        and os.path.isfile(args.paths[0])
        and sys.stdout.isatty()
        and sys.stdin.isatty()
    ):
        from tui.app import run_app

        return run_app(args.paths[0], select=select, ignore=ignore)
    if interactive and sys.stdout.isatty() and sys.stdin.isatty():
        code = explain_no_app(args.paths)
        if code is not None:
            return code
    files, errors = expand_paths(args.paths)
    if args.templates_only:
        files = [f for f in files if looks_like_template(f)]
    if args.output and (len(files) != 1 or len(args.paths) != 1):
        parser.error("-o takes exactly one template")
    from tui.batch import run_batch

    return run_batch(files, errors, args)


def explain_no_app(paths: Sequence[str]) -> int | None:
    """On a terminal, without --check or --auto-fix, paths the review app cannot open: say so
    in one line. A missing path stops here (exit 2); for a folder or several paths the command
    goes on as --check, and says so. None: go on."""
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        for path in missing:
            print(f"meridian-fix: error: {path}: no such file or folder", file=sys.stderr)
        return EXIT_ERROR
    if len(paths) == 1 and not os.path.isdir(paths[0]):
        return None  # not a regular file: the check says what it is
    what = f"{paths[0]} is a folder" if len(paths) == 1 else f"{len(paths)} paths given"
    print(
        f"meridian-fix: {what}: listing findings as --check does (--auto-fix fixes them;"
        " give one template to review it in the app)",
        file=sys.stderr,
    )
    return None


def show_config(args: argparse.Namespace) -> int:
    """Print the settings in force for each path (its project file, the command line on top)."""
    from fixers import config
    from tui.batch import overrides_from

    overrides = overrides_from(args)
    status = EXIT_OK
    seen: set[tuple[str | None, config.Settings]] = set()
    for path in args.paths or [os.getcwd()]:
        try:
            settings = config.for_file(path, overrides)
        except config.ConfigError as exc:
            print(f"meridian-fix: {exc}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        if (settings.source, settings) in seen:
            continue
        seen.add((settings.source, settings))
        print(f"# settings for {path}")
        print(f"# configuration file: {settings.source or 'none (defaults)'}")
        print(settings.as_toml())
    return status


if __name__ == "__main__":
    sys.exit(main())
