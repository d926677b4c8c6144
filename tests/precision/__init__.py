"""The precision record: a reviewed verdict for every finding the rules report on the shared
corpus and the samples (``record.yaml``), and the cases that must stay silent.

Each entry names the template (``corpus/<path>`` or ``sample/<file>``), the code and the
template path of the finding, its verdict and one line of reason:

- ``true``: a real gap, a defect or a missing hardening control, defended to the template's
  author as a senior AWS engineer would;
- ``convention``: the template differs from this platform's own standard (kind ``convention``).

``must_not_report`` lists findings an earlier version reported wrongly: each must stay silent.
tests/test_precision.py fails when a finding has no verdict, when a recorded finding is gone
(update the record with the rule), and when a must-not-report case comes back.

``python -m tests.precision`` prints the entries of findings that have none yet (to review and
add) and the recorded entries no rule reports any more.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fixers.engine import Engine, Options
from fixers.model import Finding

HERE = Path(__file__).resolve().parent
RECORD = HERE / "record.yaml"
VERDICTS = ("true", "convention")


@dataclass(frozen=True)
class Key:
    template: str
    code: str
    path: str

    def __str__(self) -> str:
        return f"{self.template} {self.code} {self.path}"


def key_of(template: str, finding: Finding) -> Key:
    return Key(template, finding.code, "/".join(str(p) for p in finding.path))


def load() -> dict[str, Any]:
    """Every record file of this folder (``record.yaml``, and one per group of rules that
    keeps its own), merged."""
    out: dict[str, Any] = {"findings": {}, "must_not_report": {}}
    for path in sorted(HERE.glob("*.yaml")):
        with path.open(encoding="utf-8") as f:
            doc = yaml.safe_load(f) or {}
        for section in ("findings", "must_not_report"):
            for e in doc.get(section) or []:
                key = Key(e["template"], e["code"], str(e["path"]))
                if key in out[section]:
                    raise ValueError(f"{path.name}: {section}: {key} is recorded twice")
                out[section][key] = e
    return out


def findings_of(files: dict[str, Path]) -> dict[Key, Finding]:
    """What the rules report (suppressions applied, no fixing) on each named file."""
    engine = Engine(Options(validate=False))
    found: dict[Key, Finding] = {}
    for name, path in files.items():
        result = engine.run_path(str(path))
        for outcome in result.outcomes:
            found[key_of(name, outcome.finding)] = outcome.finding
    return found


def templates(samples: Path, corpus: Path | None) -> dict[str, Path]:
    files = {
        f"sample/{p.name}": p
        for p in sorted(samples.iterdir())
        if p.suffix in (".yaml", ".json") and ".fixed." not in p.name
    }
    if corpus is not None and corpus.is_dir():
        for p in sorted(corpus.rglob("*")):
            if p.suffix in (".yaml", ".yml", ".json", ".template"):
                files[f"corpus/{p.relative_to(corpus).as_posix()}"] = p
    return files


def entry(key: Key, finding: Finding) -> str:
    reason = finding.message.replace('"', "'")
    return (
        f'  - {{template: {key.template}, code: {key.code}, path: "{key.path}", '
        f'kind: {finding.kind}, verdict: "", reason: "{reason}"}}'
    )


def main() -> int:
    from tests.conftest import CORPUS, SAMPLES

    record = load()
    found = findings_of(templates(SAMPLES, CORPUS))
    new = [k for k in found if k not in record["findings"]]
    gone = [k for k in record["findings"] if k not in found and k.template.startswith("sample/")]
    if CORPUS.is_dir():
        gone += [
            k for k in record["findings"] if k not in found and k.template.startswith("corpus/")
        ]
    print(f"# {len(found)} findings, {len(new)} without a verdict, {len(gone)} recorded but gone")
    for k in new:
        print(entry(k, found[k]))
    for k in gone:
        print(f"# gone: {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
