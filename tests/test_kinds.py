"""Rule kinds and honest severities on the sample and the corpus: the sample still yields every
item of the specification, each with the kind AWS's behaviour gives it; conventions are low."""

from __future__ import annotations

import pytest

from fixers.model import KINDS
from fixers.rules import all_rules
from tests import precision
from tests.conftest import CORPUS, SAMPLES

SPEC_ITEMS = [
    f"{section}.{item}"
    for section, items in (
        (1, 3), (2, 4), (3, 4), (4, 4), (5, 8), (6, 4), (7, 4),
        (8, 4), (9, 3), (10, 2), (11, 3), (12, 3), (13, 3),
    )
    for item in range(1, items + 1)
]  # fmt: skip
DONE_RIGHT = {"12.1"}  # the sample's containers already run as 1000:1000
CONVENTIONS = {"5.8", "6.4", "8.2"}


def _sample_findings() -> dict[str, list]:
    files = {
        name: path
        for name, path in precision.templates(SAMPLES, None).items()
        if name.startswith("sample/")
    }
    found = precision.findings_of(files)
    out: dict[str, list] = {}
    for key, finding in found.items():
        out.setdefault(key.template, []).append(finding)
    return out


def test_every_rule_has_a_kind_and_conventions_are_low() -> None:
    for rule in all_rules().values():
        assert rule.kind in KINDS, rule.code
        if rule.kind == "convention":
            assert rule.severity == "low", rule.code


@pytest.mark.parametrize(
    "template", ["sample/transaction-platform.yaml", "sample/transaction-platform.json"]
)
def test_the_sample_yields_every_item_with_its_kind(template: str) -> None:
    findings = _sample_findings()[template]
    items = {item for f in findings for item in f.spec}
    assert set(SPEC_ITEMS) - items == DONE_RIGHT
    for f in findings:
        if set(f.spec) & CONVENTIONS:
            assert f.kind == "convention", (f.code, f.message)
        if f.kind == "convention":
            assert f.severity == "low", (f.code, f.message)
    grace = [f for f in findings if "11.1" in f.spec and "HealthCheckGracePeriod" in str(f.path)]
    assert grace and all(f.kind == "convention" for f in grace)


@pytest.mark.corpus
def test_conventions_on_the_corpus_are_low() -> None:
    files = precision.templates(SAMPLES, CORPUS)
    for key, finding in precision.findings_of(files).items():
        if finding.kind == "convention":
            assert finding.severity == "low", key
