"""Print pip constraints pinning each runtime dependency of pyproject.toml at its lower bound,
for CI's run of the fast subset at the oldest versions the declared ranges allow."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def main() -> int:
    project = tomllib.loads(
        (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    )["project"]
    for requirement in project["dependencies"]:
        match = re.fullmatch(
            r"\s*([A-Za-z0-9_.\-\[\]]+)\s*>=\s*([0-9][^,;\s]*)\s*(,.*)?", requirement
        )
        if match is None:
            print(f"lowest_constraints: no lower bound in {requirement!r}", file=sys.stderr)
            return 1
        name = re.sub(r"\[.*\]", "", match.group(1))
        print(f"{name}=={match.group(2)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
