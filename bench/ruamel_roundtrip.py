"""What a whole-file ruamel.yaml round trip would do to real templates (README, "Why the writer
splices text instead of re-dumping YAML").

    python bench/ruamel_roundtrip.py [corpus dir]

On the YAML files (``.yaml``, ``.yml``) of the corpus (default: the test corpus, see
tests/conftest.py) it measures and prints:

(a) how many files ``YAML(typ="rt")`` with ``preserve_quotes=True`` reproduces byte for byte when
    it loads and dumps them: with ruamel's defaults; with a large width; with the indentation
    ruamel's own ``load_yaml_guess_indent`` guesses for each file (used as its documentation
    shows); with the indentation ``infer_indent`` reads off each file; and with the best of a
    grid of indentation settings (mapping 2-4, dash offset 0-4) chosen per file;
(b) how many files hold at least one scalar that YAML 1.1 (cfn-lint's reader) and YAML 1.2
    (ruamel's round-trip reader) read differently, by the comparison of the writer's oracle test
    (tests/test_reader_oracle.py, imported from there so both use one definition);
(c) how many files lose at least one comment in the round trip (a comment: ``#`` at a line's start
    or after a space, outside every token; compared as a multiset of comment texts), and how many
    of the lost comments sit inside or right after a block sequence with a tag (``!Sub``,
    ``!If``, ...), with a minimal example.

It writes nothing. On the 155 YAML files of the corpus it takes about 35 s of CPU.
"""

from __future__ import annotations

import io
import itertools
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cfnlint.version  # noqa: E402
import ruamel.yaml  # noqa: E402
import yaml  # noqa: E402
from ruamel.yaml import YAML  # noqa: E402
from ruamel.yaml.util import load_yaml_guess_indent  # noqa: E402

from tests.test_reader_oracle import disagreements_in  # noqa: E402

WIDE = 4096
GRID = [(m, o + 2, o) for m in (2, 3, 4) for o in range(5)]
"""(mapping, sequence, offset) for ``YAML.indent``: a mapping indented by m, a block sequence's
dash o columns in from its parent and its items right after the dash."""
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

EXAMPLE = """\
AZ: !Select
  - 0         # the first zone
  - !GetAZs ''
# the subnets follow

Subnet: x  # kept
"""


def infer_indent(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) as the file itself indents: the commonest step from a line
    ending in ``:`` to the deeper line after it, for a mapping and for a block sequence."""
    steps: dict[bool, Counter[int]] = {True: Counter(), False: Counter()}
    lines = [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    for line, after in itertools.pairwise(lines):
        if line.rstrip().endswith(":"):
            step = (len(after) - len(after.lstrip())) - (len(line) - len(line.lstrip(" -")))
            if step >= 0:
                steps[after.lstrip().startswith("- ")][step] += 1
    mapping = max(steps[False].most_common(1)[0][0] if steps[False] else 2, 1)
    offset = steps[True].most_common(1)[0][0] if steps[True] else 0
    return mapping, offset + 2, offset


def _yaml(width: int | None = None, indent: tuple[int, int, int] | None = None) -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    if width is not None:
        y.width = width
    if indent is not None:
        y.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    return y


def dump(y: YAML, data: Any) -> str:
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


def round_trip(text: str, width: int | None = None, indent: Any = None) -> str:
    y = _yaml(width, indent)
    return dump(y, y.load(text))


def comments(text: str) -> list[tuple[int, str]]:
    """(index, text) of every comment: a ``#`` at a line's start or after a blank, outside every
    token (a quoted or block scalar's ``#`` is inside one)."""
    spans = [
        (t.start_mark.index, t.end_mark.index)
        for t in yaml.scan(text, Loader=Loader)
        if t.end_mark.index > t.start_mark.index
    ]
    found, s = [], 0
    pos = text.find("#")
    while pos >= 0:
        if pos == 0 or text[pos - 1] in " \t\r\n":
            while s < len(spans) and spans[s][1] <= pos:
                s += 1
            if not (s < len(spans) and spans[s][0] <= pos < spans[s][1]):
                end = text.find("\n", pos)
                found.append((pos, text[pos : len(text) if end < 0 else end].rstrip()))
                pos = len(text) if end < 0 else end
        pos = text.find("#", pos + 1)
    return found


def tagged_block_sequences(text: str) -> list[tuple[int, int]]:
    """(start, end) of every block sequence with a tag: from its tag to the next token after
    its last item, so the comments between and after its items are inside."""
    regions, stack = [], [yaml.compose(text, Loader=Loader)]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.SequenceNode):
            if node.tag.startswith("!") and not node.flow_style:
                regions.append((node.start_mark.index, node.end_mark.index))
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(v for pair in node.value for v in pair)
    return regions


def lost_comments(text: str, dumped: str) -> tuple[int, int]:
    """(comments lost, of which in or right after a tagged block sequence). Comments are
    matched by text; a lost text counts as tagged for as many of its occurrences in the
    original as lie in such a sequence."""
    before = comments(text)
    lost = Counter(c for _, c in before) - Counter(c for _, c in comments(dumped))
    if not lost:
        return 0, 0
    regions = tagged_block_sequences(text)
    in_tagged = Counter(c for i, c in before if any(a <= i < b for a, b in regions))
    return sum(lost.values()), sum(min(n, in_tagged[c]) for c, n in lost.items())


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        corpus = Path(argv[1])
    else:
        from tests.conftest import CORPUS

        corpus = CORPUS
    files = sorted(p for p in corpus.rglob("*") if p.suffix in (".yaml", ".yml"))
    if not files:
        print(f"no YAML files under {corpus}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    print(
        f"{len(files)} YAML files under {corpus}; ruamel.yaml {ruamel.yaml.__version__}, "
        f"cfn-lint {cfnlint.version.__version__}, PyYAML {yaml.__version__}"
    )
    same: Counter[str] = Counter()
    per_grid: Counter[tuple[int, int, int]] = Counter()
    unloadable: list[str] = []
    best_any = 0
    disagree: list[str] = []
    losing: list[str] = []
    losing_tagged = losing_only_tagged = 0
    lost_total = lost_tagged_total = 0
    for path in files:
        text = path.read_bytes().decode("utf-8-sig")
        try:
            if disagreements_in(text):
                disagree.append(str(path.relative_to(corpus)))
        except Exception as exc:  # noqa: BLE001 - reported, the others still run
            print(
                f"  (b) {path.relative_to(corpus)}: a reader cannot load it: {type(exc).__name__}"
            )
        try:
            default = round_trip(text)
            y = _yaml(WIDE)
            data = y.load(text)
        except Exception as exc:  # noqa: BLE001 - reported, the others still run
            unloadable.append(f"{path.relative_to(corpus)}: {type(exc).__name__}")
            continue
        wide = dump(y, data)
        # ruamel's own guess, used as its documentation shows: indent(mapping=ind,
        # sequence=ind, offset=bsi)
        _, ind, bsi = load_yaml_guess_indent(text)
        guessed = dump(_yaml(WIDE, (ind or 2, ind or 2, bsi or 0)), data)
        inferred = dump(_yaml(WIDE, infer_indent(text)), data)
        same["defaults (width 80)"] += default == text
        same[f"width {WIDE}"] += wide == text
        same["ruamel's load_yaml_guess_indent per file, wide"] += guessed == text
        same["indentation inferred per file (infer_indent), wide"] += inferred == text
        grid_hit = False
        for setting in GRID:
            if dump(_yaml(WIDE, setting), data) == text:
                per_grid[setting] += 1
                grid_hit = True
        best_any += grid_hit or text in (default, wide, guessed, inferred)
        # (c) with the file's own indentation (comments lost do not depend on it)
        lost, tagged = lost_comments(text, inferred)
        if lost:
            losing.append(str(path.relative_to(corpus)))
            losing_tagged += bool(tagged)
            losing_only_tagged += tagged == lost
            lost_total += lost
            lost_tagged_total += tagged
    n = len(files)
    print("(a) byte-for-byte round trips (YAML(typ='rt'), preserve_quotes=True, load then dump):")
    for name, count in same.items():
        print(f"    {name}: {count} of {n}")
    if per_grid:
        (top, top_count), *_ = per_grid.most_common(1)
        print(
            f"    best single grid setting (mapping={top[0]}, sequence={top[1]}, "
            f"offset={top[2]}), wide: {top_count} of {n}"
        )
    else:
        print(f"    best single grid setting, wide: 0 of {n}")
    print(
        f"    best setting per file (any of the above or of the {len(GRID)}-setting grid): "
        f"{best_any} of {n}"
    )
    if unloadable:
        print(f"    ruamel cannot load {len(unloadable)}: {unloadable}")
    print(
        f"(b) files with a scalar YAML 1.1 (cfn-lint) and YAML 1.2 (ruamel) read differently: "
        f"{len(disagree)} of {n} {disagree}"
    )
    print(
        f"(c) files losing at least one comment in the round trip: {len(losing)} of {n} "
        f"{losing}; "
        f"{losing_tagged} of them lose comments in or after a tagged block sequence "
        f"({losing_only_tagged} lose only those); comments lost: {lost_total}, "
        f"{lost_tagged_total} of them in or after a tagged block sequence"
    )
    print("    minimal example, before:")
    print("".join(f"      {line}\n" for line in EXAMPLE.splitlines()), end="")
    print("    after the round trip (wide, mapping 2, sequence 4, offset 2):")
    after = round_trip(EXAMPLE, WIDE, (2, 4, 2))
    print("".join(f"      {line}\n" for line in after.splitlines()), end="")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
