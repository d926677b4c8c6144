"""What rules report: findings, their fixes, and the vocabulary of safety and deploy impact."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from fixers.document import Document

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
SEVERITIES = ("critical", "high", "medium", "low")
SAFE = "safe"
UNSAFE = "unsafe"
IMPACTS = ("none", "update", "interruption", "reboot", "replacement", "deletion")
"""Deploy impact on a deployed stack, from harmless to destructive."""

UNSAFE_IMPACTS = {"interruption", "reboot", "replacement", "deletion"}


def worst_impact(*impacts: str) -> str:
    return max(impacts, key=IMPACTS.index) if impacts else "none"


@dataclass(frozen=True)
class Fix:
    """A change that closes a finding. ``apply`` edits the document as it is when it runs."""

    title: str
    apply: Callable[["Document"], None] = field(repr=False, compare=False)
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

    @property
    def key(self) -> tuple[str, tuple[Any, ...]]:
        """Identity across re-detections: the rule and where the gap is."""
        return self.code, self.path

    def located(self, line: int, column: int) -> "Finding":
        return Finding(
            self.code,
            self.spec,
            self.title,
            self.severity,
            self.area,
            self.path,
            self.message,
            self.resource,
            self.fix,
            line,
            column,
        )
