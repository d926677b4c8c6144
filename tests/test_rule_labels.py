"""Every rule's safety label is honest, measured on the sample and the corpus: each fix a rule
emits declares at least the deploy impact its edits have (``fixers.impact``), and a rule's label
in ``--list-rules`` / ``--explain`` is the worst any of its fixes carries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fixers import impact
from fixers.engine import load
from fixers.model import IMPACTS, UNSAFE_IMPACTS
from fixers.rules import all_rules
from tests.conftest import CORPUS_FILES, SAMPLES

SAMPLE_FILES = [SAMPLES / "transaction-platform.yaml", SAMPLES / "transaction-platform.json"]


def test_every_rule_declares_complete_metadata() -> None:
    """Code, area, severity, label and docs of every registered rule are well-formed."""
    problems = [p for rule in all_rules().values() for p in rule.check_metadata()]
    assert not problems, "\n".join(problems)


def _labels(files: list[Path]) -> tuple[list[str], dict[str, tuple[str, bool]]]:
    """Fixes that declare less than their edits do, and each rule's worst (impact, unsafe)."""
    under: list[str] = []
    worst: dict[str, tuple[str, bool]] = {}
    for path in files:
        try:
            _, doc = load(str(path))
        except Exception:
            continue
        for code, rule in all_rules().items():
            for finding in rule.detect(doc):
                fix = finding.fix
                if fix is None:
                    continue
                mark = doc.mark()
                try:
                    rule.fix(doc, finding)
                    derived = impact.derive(doc, doc.edits[mark.edited :])
                except Exception:
                    continue
                finally:
                    doc.rollback(mark)
                if IMPACTS.index(derived.impact) > IMPACTS.index(fix.impact):
                    under.append(
                        f"{path.name} {code} {finding.resource}: declares {fix.impact}, edits {derived}"
                    )
                labelled = fix.raised_to(*derived)
                seen, unsafe = worst.get(code, ("none", False))
                worst[code] = (
                    max(seen, labelled.impact, key=IMPACTS.index),
                    unsafe or not labelled.safe,
                )
    return under, worst


def _check(files: list[Path]) -> None:
    under, worst = _labels(files)
    assert not under, "\n".join(under)
    for code, (seen, unsafe) in worst.items():
        rule = all_rules()[code]
        assert IMPACTS.index(rule.deploy_impact) >= IMPACTS.index(seen), (
            code,
            rule.deploy_impact,
            seen,
        )
        if unsafe or seen in UNSAFE_IMPACTS:
            assert rule.fix_applicability == "unsafe", (code, seen)


def test_labels_are_honest_on_the_sample() -> None:
    _check(SAMPLE_FILES)


@pytest.mark.corpus
def test_labels_are_honest_on_the_corpus() -> None:
    _check(CORPUS_FILES)


def test_every_rule_label_is_a_known_impact() -> None:
    for code, rule in all_rules().items():
        assert rule.deploy_impact in IMPACTS, code
        assert (rule.deploy_impact in UNSAFE_IMPACTS) <= (rule.fix_applicability == "unsafe"), code


def test_fixes_are_plain_data_that_their_rule_applies() -> None:
    """A fix is a value: it pickles (``--jobs`` sends findings between processes), and the
    copy, applied by its rule, makes the same edits as the original."""
    import pickle

    for path in SAMPLE_FILES:
        _, doc = load(str(path))
        for code, rule in all_rules().items():
            for finding in rule.detect(doc):
                if finding.fix is None:
                    continue
                copy = pickle.loads(pickle.dumps(finding))
                assert copy == finding and copy.fix.args == finding.fix.args
                texts = []
                for f in (finding, copy):
                    mark = doc.mark()
                    rule.fix(doc, f)
                    texts.append(doc.text)
                    doc.rollback(mark)
                assert texts[0] == texts[1], f"{path.name} {code} {finding.path}"


_TAKES_AWAY = re.compile(r"remov|delet|re-?rout|left out|\blos[et]|\bends\b", re.IGNORECASE)
FIXTURE_FILES = sorted(
    p
    for p in (Path(__file__).resolve().parent / "fixtures").rglob("*")
    if p.suffix in (".yaml", ".json")
)


def _safe_fixes_that_take_away(files: list[Path]) -> list[str]:
    found = []
    for path in files:
        try:
            _, doc = load(str(path))
        except Exception:
            continue
        for code, rule in all_rules().items():
            for finding in rule.detect(doc):
                fix = finding.fix
                if fix is not None and fix.safe and _TAKES_AWAY.search(fix.impact_detail):
                    found.append(f"{path.name} {code} {finding.resource}: {fix.impact_detail}")
    return found


def test_no_safe_fix_says_it_removes_or_re_routes_anything() -> None:
    """A fix that removes, deletes or re-routes something a deployed stack does is unsafe: a
    safe fix's stated impact never says so."""
    assert _safe_fixes_that_take_away(SAMPLE_FILES + FIXTURE_FILES) == []


@pytest.mark.corpus
def test_no_safe_fix_says_it_removes_or_re_routes_anything_on_the_corpus() -> None:
    assert _safe_fixes_that_take_away(CORPUS_FILES) == []
