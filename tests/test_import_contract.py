"""The core stays UI-free: importing it, listing rules and the batch --check never load textual."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import SAMPLES

SAMPLE = str(SAMPLES / "transaction-platform.yaml")
UI_MODULES = ("textual",)


def loaded_modules(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; return the top-level modules it ended up with."""
    probe = (
        code
        + "\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_core_and_the_rules_import_no_textual() -> None:
    mods = loaded_modules(
        "import fixers, fixers.engine, fixers.session, fixers.rules\nfixers.rules.all_rules()"
    )
    assert not [m for m in mods if m in UI_MODULES]


def test_the_app_reaches_the_template_only_through_the_engine_and_the_session() -> None:
    """Nothing under tui/ edits a document, calls the edit primitives or writes files itself:
    the batch command and the app share the core's one path from finding to written file."""
    import ast

    private = {"fixers.document", "fixers.edits", "fixers.fileio"}
    found = []
    for path in sorted((Path(__file__).resolve().parents[1] / "tui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [f"{path.name}:{node.lineno} {n}" for n in names if n in private]
    assert not found


def test_check_loads_no_textual() -> None:
    code = (
        "import contextlib, io, sys\n"
        "from tui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    rc = main(['--check', {SAMPLE!r}])\n"
        "assert rc in (0, 1), rc\n"
    )
    mods = loaded_modules(code)
    assert "fixers" in mods
    assert not [m for m in mods if m in UI_MODULES]


def test_importtime_of_check_lists_no_textual() -> None:
    """The same, as the real command sees it: ``python -X importtime`` of ``meridian-fix --check``."""
    out = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-c",
            f"import sys; from tui.cli import main; sys.exit(main(['--check', {SAMPLE!r}]))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode in (0, 1), out.stderr[-2000:]
    imported = [
        line.rsplit("|", 1)[-1].strip()
        for line in out.stderr.splitlines()
        if line.startswith("import time:")
    ]
    assert "tui.cli" in imported
    assert not [m for m in imported if m.split(".")[0] in UI_MODULES]
