"""An oracle for the writer: fixing a template adds no place where YAML 1.1 and YAML 1.2 disagree.

CloudFormation and cfn-lint read YAML 1.1 (cfn-lint's ``cfnlint.decode.decode_str``, PyYAML's
resolver); ruamel.yaml's round-trip loader (``YAML(typ="rt")``) reads YAML 1.2, as most editors
and YAML tools do. The same text can mean different things to them: ``yes`` and ``on`` are
booleans in 1.1 and strings in 1.2, ``0755`` is 493 or 755, ``12:30`` is 750 or a string, ``1e3``
is a string or a float. A template in which they disagree deploys something other than what a
1.2 tool shows, so the writer must never create such a place (fixers/render.py quotes such
strings); places already in the user's file are the user's and stay as they were.

How the comparison works. Both readers load the text; ruamel's short-form tags are turned into
the long form cfn-lint builds (``!Ref X`` into ``{"Ref": "X"}``, ``!Sub`` into ``{"Fn::Sub": ...}``,
``!GetAtt A.B`` into ``{"Fn::GetAtt": ["A", "B"]}``), so that only what the resolvers read
differs. The two trees are walked side by side (mapping entries pairwise in order, both keep
the file's order) and each scalar, key or value, becomes (type, value); each place where the
pairs differ, or where the shapes differ, is a *disagreement*, described without its path:
``value: cfn-lint bool True, ruamel str 'yes'``.

Why a multiset of descriptions and not a map by path: fixes insert resources and properties and
wrap or move existing nodes (a value put under ``!If``, a list entry inserted before others), so
the path of an untouched scalar can change while its text does not. The written file passes if
its multiset of descriptions is contained in the original's: every disagreement it has was in
the original, with the same text read the same two ways. A fix that writes an unquoted ``yes``
anywhere adds one and fails; an untouched ``yes`` in the user's file is in both and passes. (The
price is that a fix removing one ``yes`` and writing another elsewhere would go unnoticed; no
fix removes values it does not replace.) The failure message gives the new disagreements with
their paths in the written file.

Scope: the sample templates and the 155 YAML files of the corpus after ``--auto-fix
--unsafe-fixes`` (without revalidation, so that no fix is rolled back and every edit the tool can
make is seen). A file one of the readers cannot load as it is given is left out (reported);
a written file that a reader could load before and cannot after fails. JSON: the sample is
checked the same way (JSON is YAML 1.2 flow syntax and a YAML 1.1 document too); its strings
are all quoted, so the readers cannot disagree on them, and the corpus JSON files are not
repeated here.
"""

from __future__ import annotations

import datetime
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.scalarbool import ScalarBoolean

from fixers.document import Document
from fixers.engine import Engine, Options
from fixers.template import Template
from tests.conftest import CORPUS_FILES, SAMPLES
from tests.helpers import dedent

CORPUS_YAML = [p for p in CORPUS_FILES if p.suffix in (".yaml", ".yml")]
UNCONVERTED = ("Ref", "Condition")  # cfn-lint's names for the tags that get no "Fn::" prefix


# -- the two readers ------------------------------------------------------------------------


class _Intrinsics(RoundTripConstructor):
    """ruamel's round-trip constructor with every ``!Tag`` read into cfn-lint's long form.

    A subclass, so that registering the constructor changes nothing for other ruamel users in
    the process. A tagged scalar is a string to both readers (no resolver runs on it)."""


def _intrinsic(constructor: RoundTripConstructor, suffix: str, node: Any) -> dict[str, Any]:
    name = suffix if suffix in UNCONVERTED else f"Fn::{suffix}"
    value: Any
    if isinstance(node, ScalarNode):
        value = str(node.value)
        if name == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, SequenceNode):
        value = [constructor.construct_object(child, deep=True) for child in node.value]
    elif isinstance(node, MappingNode):
        value = {
            constructor.construct_object(k, deep=True): constructor.construct_object(v, deep=True)
            for k, v in node.value
        }
    else:  # pragma: no cover - the three node kinds are all YAML has
        raise TypeError(node)
    return {name: value}


_Intrinsics.add_multi_constructor("!", _intrinsic)


def read_yaml12(text: str) -> Any:
    """The text as ruamel.yaml's round-trip loader reads it (YAML 1.2), intrinsics in long form."""
    yaml = YAML(typ="rt")
    yaml.Constructor = _Intrinsics
    return yaml.load(text)


def read_yaml11(text: str) -> Any:
    """The text as cfn-lint reads it (YAML 1.1; its JSON reader for what YAML cannot read)."""
    from cfnlint.decode import decode_str

    template, matches = decode_str(text)
    if matches:
        raise ValueError(f"cfn-lint cannot read it: {matches[0].message}")
    return template


# -- the comparison -------------------------------------------------------------------------


def scalar(value: Any) -> tuple[str, Any]:
    """A scalar as (type, value), whichever reader's classes hold it."""
    if value is None:
        return ("null", None)
    if isinstance(value, bool | ScalarBoolean):
        return ("bool", bool(value))
    if isinstance(value, int):
        return ("int", int(value))
    if isinstance(value, float):
        return ("float", repr(float(value)))  # repr: nan equals nan
    if isinstance(value, datetime.datetime):
        return ("timestamp", value.isoformat())
    if isinstance(value, datetime.date):
        return ("date", value.isoformat())
    if isinstance(value, str):
        return ("str", str(value))
    if isinstance(value, bytes):
        return ("binary", bytes(value))
    return (type(value).__name__, repr(value))


def _shape(value: Any) -> str:
    if isinstance(value, dict):
        return "mapping"
    return "sequence" if isinstance(value, list) else "scalar"


def _describe(kind: str, old: tuple[str, Any], new: tuple[str, Any]) -> str:
    return f"{kind}: cfn-lint {old[0]} {old[1]!r}, ruamel {new[0]} {new[1]!r}"


def disagreements(a: Any, b: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple, str]]:
    """(path, description) of every place where the YAML 1.1 tree ``a`` and the YAML 1.2 tree
    ``b`` differ, in the order of the text; paths use cfn-lint's keys. Iterative: templates
    nest deeply."""
    stack = [(a, b, path)]
    while stack:
        a, b, path = stack.pop()
        if _shape(a) != _shape(b):
            yield path, f"shape: cfn-lint {_shape(a)}, ruamel {_shape(b)}"
        elif isinstance(a, dict):
            if len(a) != len(b):
                yield path, f"mapping size: cfn-lint {len(a)}, ruamel {len(b)}"
            entries = []
            for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=False):
                key = str(ka)
                if scalar(ka) != scalar(kb):
                    yield (*path, key), _describe("key", scalar(ka), scalar(kb))
                entries.append((va, vb, (*path, key)))
            stack.extend(reversed(entries))
        elif isinstance(a, list):
            if len(a) != len(b):
                yield path, f"sequence length: cfn-lint {len(a)}, ruamel {len(b)}"
            items = [(x, y, (*path, i)) for i, (x, y) in enumerate(zip(a, b, strict=False))]
            stack.extend(reversed(items))
        elif scalar(a) != scalar(b):
            yield path, _describe("value", scalar(a), scalar(b))


def disagreements_in(text: str) -> list[tuple[tuple, str]]:
    """The disagreements of a text; ValueError (or ruamel's error) if a reader cannot load it."""
    return list(disagreements(read_yaml11(text), read_yaml12(text)))


def added(original: str, written: str) -> list[str]:
    """The disagreements of ``written`` that ``original`` does not have (as a multiset of
    descriptions), each with its path in ``written``; [] if the writer added none."""
    before = Counter(d for _, d in disagreements_in(original))
    after = disagreements_in(written)
    extra = Counter(d for _, d in after) - before
    return [f"{'/'.join(map(str, p))}: {d}" for p, d in after if extra[d] > 0]


def fixed(engine: Engine, path: Path) -> tuple[str, str]:
    """A file's text and the text ``--auto-fix --unsafe-fixes`` writes for it."""
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    doc = Document(Template(text, bom=raw.startswith(b"\xef\xbb\xbf"), path=str(path)))
    result = engine.run_document(doc)
    assert not result.rule_errors, f"{path}: {result.rule_errors[0].splitlines()[0]}"
    return result.original_text, result.new_text


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(Options(fix=True, unsafe_fixes=True, validate=False))


# -- the named example ----------------------------------------------------------------------

AMBIGUOUS = dedent(
    """
    Parameters:
      Verbose:
        Type: String
        Default: yes         # a boolean in YAML 1.1, the string "yes" in YAML 1.2
      FileMode:
        Type: String
        Default: 0755        # 493 (octal) in YAML 1.1, 755 in YAML 1.2
      Window:
        Type: String
        Default: 12:30       # 750 (base 60) in YAML 1.1, the string "12:30" in YAML 1.2
    Resources:
      Net:
        Type: AWS::EC2::VPC
        Properties:
          CidrBlock: 10.1.0.0/16
          Tags:
            - Key: Window
              Value: !Ref Window
    """
)


def test_the_written_file_has_exactly_the_original_disagreements(engine: Engine) -> None:
    before = disagreements_in(AMBIGUOUS)
    assert [d for _, d in before] == [
        "value: cfn-lint bool True, ruamel str 'yes'",
        "value: cfn-lint int 493, ruamel int 755",
        "value: cfn-lint int 750, ruamel str '12:30'",
    ]
    result = engine.run_document(Document.from_text(AMBIGUOUS))
    assert "MF0103" in [o.finding.code for o in result.outcomes if o.applied]  # flow logs added
    assert "VPCFlowLogs:" in result.new_text
    after = disagreements_in(result.new_text)
    assert after == before  # the same three places, at the same paths, read the same ways
    assert added(AMBIGUOUS, result.new_text) == []


def test_an_unquoted_yes_written_by_a_fix_would_be_caught() -> None:
    """The oracle's own check: a disagreement the original does not have is reported."""
    written = AMBIGUOUS.replace("CidrBlock: 10.1.0.0/16", "CidrBlock: 10.1.0.0/16\n      X: on")
    assert added(AMBIGUOUS, written) == [
        "Resources/Net/Properties/X: value: cfn-lint bool True, ruamel str 'on'"
    ]
    # and an existing one moved elsewhere is not
    moved = AMBIGUOUS.replace("Default: yes ", "Default: '1'").replace(
        "CidrBlock: 10.1.0.0/16", "CidrBlock: 10.1.0.0/16\n      X: yes"
    )
    assert added(AMBIGUOUS, moved) == []


def test_intrinsics_read_the_same_in_short_and_long_form() -> None:
    text = dedent(
        """
        A: !Ref X
        B: !GetAtt R.Arn
        C: !Sub
          - '${A}-${B}'
          - {A: !Ref Y, B: 0755}
        D: !If [C, yes, !Ref AWS::NoValue]
        E: {"Fn::GetAtt": [R, Arn]}
        """
    )
    assert read_yaml12(text)["B"] == {"Fn::GetAtt": ["R", "Arn"]}
    assert read_yaml11(text)["D"] == {"Fn::If": ["C", True, {"Ref": "AWS::NoValue"}]}
    assert disagreements_in(text) == [
        (("C", "Fn::Sub", 1, "B"), "value: cfn-lint int 493, ruamel int 755"),
        (("D", "Fn::If", 1), "value: cfn-lint bool True, ruamel str 'yes'"),
    ]


# -- the sample templates and the corpus ----------------------------------------------------


@pytest.mark.parametrize("name", ["transaction-platform.yaml", "transaction-platform.json"])
def test_fixing_a_sample_template_adds_no_disagreement(engine: Engine, name: str) -> None:
    original, written = fixed(engine, SAMPLES / name)
    assert written != original
    assert added(original, written) == []


@pytest.mark.slow
@pytest.mark.corpus
def test_fixing_the_corpus_adds_no_disagreement_between_yaml_readers(engine: Engine) -> None:
    assert len(CORPUS_YAML) == 155
    started = time.perf_counter()
    problems: list[str] = []
    unreadable: list[str] = []
    with_disagreements = changed = 0
    for path in CORPUS_YAML:
        original, written = fixed(engine, path)
        try:
            before = disagreements_in(original)
        except Exception as exc:
            unreadable.append(f"{path.name}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            continue
        with_disagreements += bool(before)
        if written == original:
            continue
        changed += 1
        try:
            new = added(original, written)
        except Exception as exc:
            problems.append(f"{path}: a reader cannot load the written file: {exc!r}"[:300])
            continue
        problems.extend(f"{path}: {line}" for line in new)
    print(
        f"{len(CORPUS_YAML)} YAML files, {changed} changed by the fixes, "
        f"{with_disagreements} with disagreements of their own, {len(unreadable)} left out "
        f"{unreadable}; {time.perf_counter() - started:.1f} s"
    )
    assert not problems, "\n".join(problems[:30])
