"""CloudFormation's template quotas, which a fix must not push a template over.

A template at its limits (500 resources, 1 MB) cannot take a fix that adds a resource or grows
the file past the limit: CloudFormation refuses the template, and cfn-lint reports it (E1002,
E3010). The engine checks these after each fix, before any lint, so such a fix is rolled back at
once, named, and costs no cfn-lint run. A limit the template already broke before any fix is not
enforced: the fixes did not cause it.

The numbers are cfn-lint's (``cfnlint.helpers.LIMITS``, the AWS quotas page); a test keeps them
equal. They are copied here so that the fixing core does not import cfn-lint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TEMPLATE_BODY_BYTES = 1_000_000
"""Template body uploaded through S3 (``TemplateURL``); cfn-lint E1002."""

SECTION_ENTRIES = {"Resources": 500, "Parameters": 200, "Outputs": 200, "Mappings": 200}
"""Entries a section may hold; cfn-lint E3010 and the template schema's ``maxProperties``."""

MAPPING_ATTRIBUTES = 200
"""Top-level keys of one mapping."""


@dataclass(frozen=True)
class Measure:
    """What the limits speak about, measured on one state of a template."""

    body_bytes: int
    entries: tuple[tuple[str, int], ...]
    mapping_attributes: tuple[tuple[str, int], ...]  # (mapping, its top-level keys)

    def breaches(self) -> dict[str, str]:
        """Each limit this state breaks, with what it is, for the user."""
        out: dict[str, str] = {}
        if self.body_bytes > TEMPLATE_BODY_BYTES:
            out["body"] = f"{self.body_bytes:,} bytes (at most {TEMPLATE_BODY_BYTES:,})"
        for section, count in self.entries:
            if count > SECTION_ENTRIES[section]:
                out[section] = f"{count} {section.lower()} (at most {SECTION_ENTRIES[section]})"
        for name, count in self.mapping_attributes:
            if count > MAPPING_ATTRIBUTES:
                out[f"Mappings/{name}"] = (
                    f"mapping {name} with {count} keys (at most {MAPPING_ATTRIBUTES})"
                )
        return out


def measure(data: dict[str, Any], body_bytes: int) -> Measure:
    entries = tuple(
        (section, len(value) if isinstance(value := data.get(section), dict) else 0)
        for section in SECTION_ENTRIES
    )
    mappings = data.get("Mappings")
    widths = tuple(
        (str(name), len(m))
        for name, m in (mappings.items() if isinstance(mappings, dict) else ())
        if isinstance(m, dict)
    )
    return Measure(body_bytes, entries, widths)


def new_breach(before: Measure, after: Measure) -> str | None:
    """The first limit ``after`` breaks that ``before`` met, said for the user; None if none."""
    old = before.breaches()
    for limit, what in after.breaches().items():
        if limit not in old:
            return f"the template would exceed a CloudFormation limit: {what}"
    return None
