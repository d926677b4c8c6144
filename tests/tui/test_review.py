"""The review model on the real sample: "apply all safe" is exactly what --auto-fix applies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fixers.engine import Engine, Options
from fixers.session import APPLIED, Review
from tests.conftest import SAMPLES


@pytest.mark.slow
@pytest.mark.parametrize("name", ["transaction-platform.yaml", "transaction-platform.json"])
def test_apply_all_safe_matches_auto_fix_on_the_sample(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    shutil.copy(SAMPLES / name, path)
    review = Review.open(str(path))
    review.apply_all_safe()
    expected = Engine(Options(fix=True, validate=False)).run_path(str(path))
    assert review.new_bytes() == expected.new_bytes()
    applied = {o.finding.key for o in expected.outcomes if o.applied}
    assert {i.key for i in review.items if i.state == APPLIED} >= applied
    while review.undo():
        pass
    assert review.text == path.read_text(encoding="utf-8-sig")


class _MarkerValidator:
    """cfn-lint stand-in: one error, on the task definition, wherever ``marker`` is in the text."""

    def __init__(self, marker: str) -> None:
        self.marker, self.calls = marker, 0

    def lint(self, text: str, filename: str) -> list:  # type: ignore[type-arg]
        from fixers.validate import LintError

        self.calls += 1
        if self.marker in text:
            return [
                LintError(
                    "E3002",
                    f"{self.marker} is not allowed",
                    ("Resources", "ECSTaskDefinition"),
                    1,
                    1,
                    "error",
                )
            ]
        return []


def test_the_app_blames_the_one_fix_at_fault_in_a_few_lints(tmp_path: Path) -> None:
    from fixers.engine import MAX_TRIAL_LINTS
    from fixers.session import lint_review

    path = tmp_path / "t.yaml"
    shutil.copy(SAMPLES / "transaction-platform.yaml", path)
    review = Review.open(str(path))
    review.apply_all_safe()
    applied = [(review.by_code[i.finding.code], i.finding) for i in review.applied_in_order()]
    validator = _MarkerValidator("STARTUP_DELAY_SECONDS")  # what MF0508's fix adds, and only it
    report = lint_review(validator, review.original_text, review.text, str(path), False, applied)
    assert report is not None and len(report.new) == 1
    assert [key[0] for key in report.culprits] == ["MF0508"]
    assert "E3002" in report.culprits[next(iter(report.culprits))]
    assert (
        validator.calls <= 2 + MAX_TRIAL_LINTS < len(applied)
    )  # by place and bisection, not one lint a fix


def test_a_suppression_takes_every_finding_it_covers_out_of_the_review(tmp_path: Path) -> None:
    """ignore: [MF0302] on an instance covers both its MF0302 findings (the key and the
    retention): both leave the review, neither is shown as fixed, and the dialog can name both."""
    path = tmp_path / "t.yaml"
    shutil.copy(SAMPLES / "transaction-platform.yaml", path)
    review = Review.open(str(path), select=["MF0302"])
    first = review.items[0]
    covered = review.covered_by_suppression(first)
    assert [i.finding.code for i in covered] == ["MF0302", "MF0302"]
    assert {i.finding.resource for i in covered} == {first.finding.resource}
    others = [i.key for i in review.items if i not in covered]
    assert review.suppress(first, "accepted for the pilot") is None
    assert [i.key for i in review.items] == others
    assert all(i.state != APPLIED for i in review.items)
