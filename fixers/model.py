"""What rules report: findings, their fixes, and the vocabulary of safety and deploy impact."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

AREAS = (
    "network",
    "encryption",
    "database",
    "rotation",
    "ecs",
    "load balancer",
    "backup",
    "monitoring",
    "iam",
)
KINDS = ("defect", "hardening", "convention")
"""What a finding is: ``defect`` (fails to deploy, loses or exposes data, breaks at runtime),
``hardening`` (a widely accepted control: CIS, AWS Security Hub, Well-Architected) or
``convention`` (this platform's own standard: its outputs, parameters, dashboard, tuning)."""

SEVERITIES = ("critical", "high", "medium", "low")
"""Severities, worst first: the one table the rules, ``fail-on``, the reports and SARIF use."""

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
"""The command's exit codes (batch and app alike): nothing failing, findings or new cfn-lint
errors that fail the run, and a file, configuration or usage that could not be used."""


def at_least(severity: str, threshold: str) -> bool:
    """Whether ``severity`` is ``threshold`` or worse; an unknown severity counts as the worst."""
    if severity not in SEVERITIES:
        return True
    return SEVERITIES.index(severity) <= SEVERITIES.index(threshold)


_POSITION_RE = re.compile(r"\b(line|column|col|char)(\s*)\d+", re.IGNORECASE)


def without_positions(message: str) -> str:
    """A message with the positions it embeds ("line 5 column 3", "char 120") replaced, so it
    matches the same message after text was inserted above."""
    return _POSITION_RE.sub(r"\1\2N", message)


SAFE = "safe"
UNSAFE = "unsafe"
IMPACTS = (
    "none",
    "update",
    "revision",
    "interruption",
    "reboot",
    "possible replacement",
    "replacement",
    "deletion",
    "unknown",
)
"""Deploy impact on a deployed stack, from harmless to destructive; ``revision`` is a new
version of a versioned resource (a task definition) that its users roll onto, ``unknown`` is
what cannot be determined, and ranks worst: unknown is unsafe."""

UNSAFE_IMPACTS = frozenset(
    {"interruption", "reboot", "possible replacement", "replacement", "deletion", "unknown"}
)


def worst_impact(*impacts: str) -> str:
    return max(impacts, key=IMPACTS.index) if impacts else "none"


@dataclass(frozen=True)
class Fix:
    """A change that closes a finding, as data: its title, its label, and what its rule needs to
    make it. The rule applies it (``Rule.fix``): its method named ``action`` edits the document
    as it is when it runs, given ``args``. Plain data, so a fix crosses process boundaries."""

    title: str
    action: str = "apply"
    args: tuple[Any, ...] = field(default=(), compare=False)
    impact: str = "none"
    impact_detail: str = "no change to deployed resources"
    applicability: str = ""

    def __post_init__(self) -> None:
        if self.impact not in IMPACTS:
            raise ValueError(f"unknown impact {self.impact!r}")
        if not self.applicability:
            object.__setattr__(
                self, "applicability", UNSAFE if self.impact in UNSAFE_IMPACTS else SAFE
            )

    @property
    def safe(self) -> bool:
        return self.applicability == SAFE

    def raised_to(self, impact: str, detail: str) -> Fix:
        """This fix with a worse deploy impact than it declares (itself when ``impact`` is no
        worse): an impact in UNSAFE_IMPACTS makes it unsafe. Nothing ever lowers an impact."""
        if IMPACTS.index(impact) <= IMPACTS.index(self.impact):
            return self
        applicability = UNSAFE if impact in UNSAFE_IMPACTS else self.applicability
        if self.impact in UNSAFE_IMPACTS:
            detail = f"{detail}; and {self.impact}: {self.impact_detail}"
        return replace(self, impact=impact, impact_detail=detail, applicability=applicability)


@dataclass(frozen=True)
class Finding:
    """One gap at one place of one template."""

    code: str
    spec: tuple[str, ...]
    title: str
    severity: str
    area: str
    path: tuple[Any, ...]
    message: str
    resource: str | None = None
    fix: Fix | None = None
    line: int = 0
    column: int = 0
    kind: str = "defect"

    @property
    def key(self) -> tuple[str, tuple[Any, ...]]:
        """Identity across re-detections: the rule and where the gap is."""
        return self.code, self.path

    def with_fix(self, fix: Fix | None) -> Finding:
        return self if fix is self.fix else replace(self, fix=fix)

    def located(self, line: int, column: int) -> Finding:
        return replace(self, line=line, column=column)
