"""Shared fixtures: the real PostgreSQL server for the rotation tests, paths to test data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.pg_server import postgres_server  # noqa: F401  (a fixture for the rotation tests)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_templates"
CORPUS = Path(
    os.environ.get(
        "MERIDIAN_CORPUS", ROOT.parent / "shared" / "corpus" / "aws-cloudformation-templates"
    )
)
"""The real-world templates (see README, "The test corpus"): beside the checkout, or where
MERIDIAN_CORPUS says."""
CORPUS_FILES = (
    sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml", ".json", ".template"))
    if CORPUS.is_dir()
    else []
)
CORPUS_MISSING = (
    f"corpus not found at {CORPUS}: set MERIDIAN_CORPUS to the folder holding the "
    "aws-cloudformation-templates (see README, 'The test corpus')"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "corpus: needs the real-world template corpus (MERIDIAN_CORPUS)"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A corpus test without the corpus skips with what to set; in CI it fails: a green run
    must not hide that the corpus tests did not run."""
    if item.get_closest_marker("corpus") is not None and not CORPUS_FILES:
        if os.environ.get("CI"):
            pytest.fail(CORPUS_MISSING, pytrace=False)
        pytest.skip(CORPUS_MISSING)


@pytest.fixture(scope="session")
def corpus_files() -> list[Path]:
    return CORPUS_FILES
