"""Test helpers that read as specifications: run rules on a template text, get the fixed text."""

from __future__ import annotations

import difflib
import json
import textwrap
from collections.abc import Iterable
from pathlib import Path

from fixers.document import Document
from fixers.engine import Engine, FileResult, Options, detect
from fixers.model import Finding
from fixers.rules import select_rules

FIXTURES = Path(__file__).resolve().parent / "fixtures"
"""Template texts the tests share (see tests/fixtures/README.md)."""


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def fixture(name: str) -> str:
    """The text of ``tests/fixtures/<name>``, byte for byte (no newline translation)."""
    return (FIXTURES / name).read_bytes().decode("utf-8")


def as_json(yaml_text: str) -> str:
    """The same template as JSON (2-space indent): the writer keeps that style byte for byte."""
    return json.dumps(Document.from_text(yaml_text).data, indent=2) + "\n"


def removed_lines(before: str, after: str) -> list[str]:
    """The lines of ``before`` that ``after`` does not keep (as difflib aligns the two texts):
    what a fix rewrote or deleted, as opposed to what it only added."""
    return [
        line[2:]
        for line in difflib.ndiff(before.splitlines(), after.splitlines())
        if line.startswith("- ")
    ]


def findings(text: str, select: Iterable[str]) -> list[Finding]:
    """What the selected rules find in a template text."""
    doc = Document.from_text(text)
    return detect(doc, select_rules(list(select)))


def codes(text: str, select: Iterable[str]) -> list[str]:
    return [f.code for f in findings(text, select)]


def run_fix(
    text: str, select: Iterable[str], unsafe: bool = True, validate: bool = False
) -> FileResult:
    options = Options(select=list(select), fix=True, unsafe_fixes=unsafe, validate=validate)
    return Engine(options).run_document(Document.from_text(text))


def fix_text(text: str, select: Iterable[str], unsafe: bool = True) -> str:
    """The template text after the selected rules' fixes, asserting they converge: a second
    pass finds nothing fixable and changes no byte."""
    select = list(select)
    first = run_fix(text, select, unsafe)
    assert not first.rule_errors, first.rule_errors
    failed = [o for o in first.outcomes if o.status in ("failed", "rolled back")]
    assert not failed, [(o.finding.code, o.reason) for o in failed]
    second = run_fix(first.new_text, select, unsafe)
    assert second.new_text == first.new_text, "a second run changed the text"
    left = [f.code for f in second.remaining if f.fix is not None and (unsafe or f.fix.safe)]
    assert not left, f"fixable findings remain after fixing: {left}"
    return first.new_text


def child_processes() -> set[int]:
    """The live child processes of this process (Linux /proc; an empty set elsewhere)."""
    import os

    found: set[int] = set()
    try:
        tasks = os.listdir(f"/proc/{os.getpid()}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{os.getpid()}/task/{task}/children") as f:
                found.update(int(pid) for pid in f.read().split())
        except OSError:
            pass
    alive = set()
    for pid in found:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                    alive.add(pid)
        except OSError:
            pass
    return alive
