"""MF1410: a database that a replacement deletes without a snapshot (beyond the spec)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tests.helpers import as_json, codes, findings, fix_text

PIOPS = Path(CORPUS) / "RDS" / "RDS_PIOPS.yaml"


@pytest.fixture
def piops() -> str:
    if not PIOPS.is_file():
        pytest.skip("the shared corpus is not available")
    return PIOPS.read_text(encoding="utf-8")


def test_fires_on_the_corpus_instance_without_a_policy(piops):
    (f,) = findings(piops, ["MF1410"])
    assert f.path == ("Resources", "myDB") and f.fix.safe and f.fix.impact == "none"


def test_fix_adds_a_snapshot_policy_yaml_and_json(piops):
    fixed = piops.replace(
        "    DependsOn: DBCredential\n",
        "    DependsOn: DBCredential\n    DeletionPolicy: Snapshot\n    UpdateReplacePolicy: Snapshot\n",
    )
    assert fix_text(piops, ["MF1410"]) == fixed
    assert fix_text(as_json(piops), ["MF1410"]) == as_json(fixed)


def test_retained_databases_are_retained_on_replacement_too(piops):
    retained = piops.replace(
        "    DependsOn: DBCredential\n",
        "    DependsOn: DBCredential\n    DeletionPolicy: Retain\n",
    )
    out = fix_text(retained, ["MF1410"])
    assert "    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n" in out
    assert codes(out, ["MF1410"]) == []
