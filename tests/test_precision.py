"""The precision record (tests/precision/record.yaml): every finding on the samples and the
shared corpus has a reviewed verdict, and the findings judged wrong before stay silent."""

from __future__ import annotations

import pytest

from tests import precision
from tests.conftest import CORPUS, SAMPLES


def _check(prefix: str) -> list[str]:
    record = precision.load()
    files = {
        name: path
        for name, path in precision.templates(SAMPLES, CORPUS).items()
        if name.startswith(prefix)
    }
    found = precision.findings_of(files)
    problems = []
    for key, finding in found.items():
        entry = record["findings"].get(key)
        if key in record["must_not_report"]:
            why = record["must_not_report"][key]["reason"]
            problems.append(f"must not report: {key} ({why})")
        elif entry is None:
            problems.append(f"no verdict: {key}: {finding.message}")
        elif entry.get("verdict") not in precision.VERDICTS or not entry.get("reason"):
            problems.append(f"no reviewed verdict and reason: {key}")
        elif (entry["verdict"] == "convention") != (finding.kind == "convention"):
            problems.append(f"verdict {entry['verdict']} but kind {finding.kind}: {key}")
    for key in record["findings"]:
        if key.template.startswith(prefix) and key not in found:
            problems.append(f"recorded but no longer reported (update the record): {key}")
    return problems


def test_every_sample_finding_has_a_verdict() -> None:
    assert _check("sample/") == []


@pytest.mark.corpus
def test_every_corpus_finding_has_a_verdict_and_wrong_ones_stay_silent() -> None:
    assert _check("corpus/") == []


def test_the_record_is_well_formed() -> None:
    record = precision.load()
    for key, entry in record["findings"].items():
        assert entry.get("verdict") in precision.VERDICTS, key
        assert entry.get("reason"), key
    for key, entry in record["must_not_report"].items():
        assert entry.get("reason"), key
        assert key not in record["findings"], key
