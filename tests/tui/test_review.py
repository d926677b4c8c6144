"""The review model on the real sample: "apply all safe" is exactly what --auto-fix applies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fixers.engine import Engine, Options
from tests.conftest import SAMPLES
from tui.review import APPLIED, Review


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
