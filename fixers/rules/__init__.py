"""The rule framework: rule metadata and docs, the registry, and code-prefix selection.

A rule is a class with its metadata as attributes and a ``detect`` method that yields findings,
each carrying the fix that closes it. Rules live one per module under ``fixers/rules/<area>/``
and are found by importing that package tree, so adding a rule is adding a file.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import textwrap
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from fixers import edits
from fixers.model import (
    AREAS,
    IMPACTS,
    KINDS,
    SAFE,
    SEVERITIES,
    UNSAFE,
    UNSAFE_IMPACTS,
    Finding,
    Fix,
)

if TYPE_CHECKING:
    from fixers.document import Document


_NOT_ACTIONS = frozenset({"detect", "finding", "fix", "docs", "check_metadata"})
"""Methods of every rule that make no edit: a fix naming one is a rule's mistake."""


class Rule:
    """Base class of every rule. Subclasses set the metadata and implement ``detect``."""

    code: ClassVar[str] = ""
    spec: ClassVar[tuple[str, ...]] = ()
    title: ClassVar[str] = ""
    area: ClassVar[str] = ""
    severity: ClassVar[str] = "medium"
    # defect, hardening or convention (fixers.model.KINDS): what the rule's findings are unless
    # a finding says otherwise (``self.finding(..., kind=, severity=)``).
    kind: ClassVar[str] = ""
    # The label --list-rules and --explain show: the worst any of the rule's fixes can carry
    # (safe, unsafe or none; a deploy impact of fixers.model.IMPACTS). Each fix declares its own,
    # and the engine raises it to what the fix's edits do (fixers.impact); tests/test_rule_labels.py
    # holds both to what the sample and the corpus show.
    fix_applicability: ClassVar[str] = "safe"
    deploy_impact: ClassVar[str] = "none"
    # Docs, under fixed headings like ruff's: why it matters, a bad and a good snippet, safety.
    why: ClassVar[str] = ""
    bad: ClassVar[str] = ""
    good: ClassVar[str] = ""
    fix_safety: ClassVar[str] = ""
    notes: ClassVar[str] = ""

    def detect(self, doc: Document) -> Iterator[Finding]:
        raise NotImplementedError

    def fix(self, doc: Document, finding: Finding) -> None:
        """Make the edits of ``finding``'s fix on the document as it is now: the rule's method
        named by the fix's ``action``, given the fix's ``args``. EditError when it cannot."""
        fix = finding.fix
        if fix is None:
            raise ValueError(f"{self.code}: the finding at {finding.path} has no fix")
        action = getattr(self, fix.action, None)
        if fix.action.startswith("_") or fix.action in _NOT_ACTIONS or not callable(action):
            raise TypeError(f"{self.code} has no fix action {fix.action!r}")
        action(doc, *fix.args)

    # Edit actions several rules' fixes name (``Fix(action=..., args=...)``).

    def set_value(self, doc: Document, path: tuple[Any, ...], value: Any) -> None:
        edits.set_value(doc, path, value)

    def set_property(
        self, doc: Document, logical_id: str, path: tuple[Any, ...] | str, value: Any
    ) -> None:
        edits.set_property(doc, logical_id, path, value)

    def add_list_item(self, doc: Document, path: tuple[Any, ...], item: Any) -> None:
        edits.add_list_item(doc, path, item)

    def add_depends_on(self, doc: Document, logical_id: str, *targets: str) -> None:
        edits.add_depends_on(doc, logical_id, *targets)

    def wrap_if_production(
        self, doc: Document, path: tuple[Any, ...], production: Any, other: Any
    ) -> None:
        edits.wrap_if_production(doc, path, production, other)

    def remove(self, doc: Document, path: tuple[Any, ...]) -> None:
        """Delete the node at ``path`` if it is still there."""
        if doc.exists(path):
            doc.delete(path)

    def finding(
        self,
        path: tuple[Any, ...],
        message: str,
        fix: Fix | None = None,
        resource: str | None = None,
        *,
        kind: str | None = None,
        severity: str | None = None,
    ) -> Finding:
        """A finding of this rule; ``kind`` and ``severity`` refine the rule's own for this
        finding (a missing control is not the same harm as a weaker one)."""
        if resource is None and len(path) >= 2 and path[0] == "Resources":
            resource = path[1]
        return Finding(
            self.code,
            self.spec,
            self.title,
            severity or self.severity,
            self.area,
            tuple(path),
            message,
            resource,
            fix,
            kind=kind or self.kind,
        )

    @classmethod
    def docs(cls) -> str:
        """The rule's documentation as Markdown, shown by ``--explain``."""
        parts = [f"# {cls.code}: {cls.title}", ""]
        spec = (
            f"Spec item{'s' if len(cls.spec) > 1 else ''} {', '.join(cls.spec)}"
            if cls.spec
            else "Beyond the specification"
        )
        parts.append(
            f"{spec} · area: {cls.area} · "
            f"kind: {cls.kind} · severity: {cls.severity} · "
            f"fix: {cls.fix_applicability} ({cls.deploy_impact})"
        )
        for heading, body in (
            ("Why it matters", cls.why),
            ("Example: flawed", cls.bad),
            ("Example: production-grade", cls.good),
            ("Fix safety and deploy impact", cls.fix_safety),
            ("Notes", cls.notes),
        ):
            if not body:
                continue
            text = textwrap.dedent(body).strip("\n")
            parts += ["", f"## {heading}", ""]
            if heading.startswith("Example"):
                parts += ["```yaml", text, "```"]
            else:
                parts.append(text)
        return "\n".join(parts) + "\n"

    @classmethod
    def check_metadata(cls) -> list[str]:
        problems = []
        if not (len(cls.code) == 6 and cls.code.startswith("MF") and cls.code[2:].isdigit()):
            problems.append(f"{cls.__name__}: code {cls.code!r} is not MFsspp")
        if cls.area not in AREAS:
            problems.append(f"{cls.code}: unknown area {cls.area!r}")
        if cls.kind not in KINDS:
            problems.append(f"{cls.code}: unknown kind {cls.kind!r}")
        if cls.severity not in SEVERITIES:
            problems.append(f"{cls.code}: unknown severity {cls.severity!r}")
        if cls.fix_applicability not in (SAFE, UNSAFE, "none"):
            problems.append(f"{cls.code}: unknown fix applicability {cls.fix_applicability!r}")
        if cls.deploy_impact not in IMPACTS:
            problems.append(f"{cls.code}: unknown deploy impact {cls.deploy_impact!r}")
        if cls.deploy_impact in UNSAFE_IMPACTS and cls.fix_applicability == SAFE:
            problems.append(
                f"{cls.code}: labelled safe with a deploy impact of {cls.deploy_impact}"
            )
        for name in ("title", "why", "bad", "good", "fix_safety"):
            if not getattr(cls, name):
                problems.append(f"{cls.code}: no {name}")
        return problems


@functools.cache
def all_rules() -> dict[str, Rule]:
    """Every rule, by code, found by importing the rule modules once (a cache: read only)."""
    for info in pkgutil.walk_packages(__path__, __name__ + "."):
        importlib.import_module(info.name)
    found: dict[str, Rule] = {}
    for cls in _subclasses(Rule):
        # Only the rule modules' own classes: a subclass a test or plugin defines elsewhere
        # must not join the registry depending on what was imported first.
        if cls.code and cls.__module__.startswith(__name__ + "."):
            if cls.code in found:
                raise RuntimeError(f"two rules use {cls.code}")
            found[cls.code] = cls()
    return dict(sorted(found.items()))


def _subclasses(cls: type[Rule]) -> Iterator[type[Rule]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def kinds_in(tokens: Iterable[str]) -> set[str]:
    """The kind names among ``--select``/``--ignore`` tokens (the rest are code prefixes)."""
    return {t.strip().lower() for t in tokens if t.strip().lower() in KINDS}


def prefixes_in(tokens: Iterable[str]) -> list[str]:
    """The code prefixes among ``--select``/``--ignore`` tokens."""
    return [t.strip().upper() for t in tokens if t.strip() and t.strip().lower() not in KINDS]


def matches(code: str, prefixes: Iterable[str]) -> bool:
    return any(code.startswith(p) for p in prefixes_in(prefixes))


def kind_selected(kind: str, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> bool:
    """Whether findings of ``kind`` pass the selection: the selected kinds (all when none is
    named) less the ignored ones. Kinds and code prefixes combine: ``MF05,defect`` selects the
    defects of section 5."""
    wanted = kinds_in(select)
    return (not wanted or kind in wanted) and kind not in kinds_in(ignore)


def select_rules(
    select: Iterable[str] | None = None, ignore: Iterable[str] | None = None
) -> list[Rule]:
    """Rules whose code starts with a selected prefix and with no ignored prefix (kind names
    among the tokens select findings, not rules: see ``kind_selected``)."""
    chosen = prefixes_in(select or [])
    skipped = prefixes_in(ignore or [])
    return [
        rule
        for code, rule in all_rules().items()
        if (not chosen or matches(code, chosen)) and not matches(code, skipped)
    ]


def unknown_prefixes(prefixes: Iterable[str]) -> list[str]:
    """Tokens that are neither a kind nor the prefix of a rule's code."""
    codes = list(all_rules())
    return [p for p in prefixes_in(prefixes) if not any(c.startswith(p) for c in codes)]
