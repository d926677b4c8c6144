"""Shared fixtures: the real PostgreSQL server for the rotation tests, paths to test data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.pg_server import postgres_server  # noqa: F401  (a fixture for the rotation tests)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_templates"
CORPUS = Path(os.environ.get("MERIDIAN_CORPUS", ROOT.parent / "shared" / "corpus" / "aws-cloudformation-templates"))


@pytest.fixture(scope="session")
def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS} (set MERIDIAN_CORPUS)")
    return sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml", ".json", ".template"))
