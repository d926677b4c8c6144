"""How the command reaches the app: bad input stops before it with one line; no terminal, no app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.tui.conftest import TEMPLATE
from tui.app import run_app


@pytest.mark.parametrize(
    "content, expected",
    [
        (None, "no such file"),
        (b"Resources: [unclosed\n", "template.yaml"),
        (b"\x00\x01binary", "binary file"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2_before_the_app(
    tmp_path: Path, capsys, content, expected
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "template.yaml"
    if content is not None:
        path.write_bytes(content)
    assert run_app(str(path)) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert expected in err and err.startswith("meridian-fix: error: ")


def test_without_a_terminal_the_command_prints_findings_as_check(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    cmd = [
        sys.executable,
        "-c",
        "import sys; from tui.cli import main; sys.exit(main(sys.argv[1:]))",
    ]
    interactive = subprocess.run(
        cmd + ["--select", "MF0101", str(path)], capture_output=True, text=True, timeout=120
    )
    check = subprocess.run(
        cmd + ["--check", "--select", "MF0101", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert interactive.returncode == check.returncode == 1
    assert interactive.stdout == check.stdout
    assert "MF0101" in interactive.stdout
