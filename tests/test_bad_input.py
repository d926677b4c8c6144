"""Bad input, each case a test: one clear line naming the file, exit code 2, the file untouched,
the other files of the run still run; valid oddities (BOM, CRLF, tabs in JSON) are processed
and kept as they are. Never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from fixers import engine as engine_module
from tui.cli import main

GOOD = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"

BAD: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "empty file"),
    "whitespace only": (b"  \n\n\t\n", "empty file"),
    "binary": (b"\x00\x01\x02Resources\x00", "binary file"),
    "not utf-8": (b"Resources:\n  A: \xff\xfe\n", "not valid UTF-8"),
    "truncated yaml": (b"Resources:\n  A:\n    Type: [AWS::SNS::Topic\n", "invalid YAML"),
    "tabs for indentation": (b"Resources:\n\tA:\n\t\tType: AWS::SNS::Topic\n", "tabs"),
    "top-level list": (b"- Resources\n- x\n", "top level is a list"),
    "top-level scalar": (b"just some text\n", "top level is a single value"),
    "Resources null": (b"Resources:\n", "Resources is empty"),
    "Resources a list": (b"Resources:\n  - A\n", "Resources is not a mapping"),
    "duplicate keys": (b"Resources:\n  A:\n    Type: X\n  A:\n    Type: Y\n", "duplicate key 'A'"),
    "duplicate keys in json": (
        b'{"Resources": {"A": {"Type": "X"}, "A": {"Type": "Y"}}}\n',
        "duplicate key 'A'",
    ),
    "python object tag": (
        b"Resources:\n  A: !!python/object/apply:os.system ['touch /tmp/meridian-fix-pwned']\n",
        "unsupported YAML tag",
    ),
    "alias bomb": (
        b"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + b"".join(
            b"%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n"
            % ((bytes([98 + i]),) * 2 + (bytes([97 + i]),) * 10)
            for i in range(8)
        )
        + b"Resources:\n  A: *i\n",
        "alias bomb",
    ),
    "nesting 5000 deep yaml": (
        b"Resources: " + b"[" * 5000 + b"]" * 5000 + b"\n",
        "nesting deeper than",
    ),
    "nesting 5000 deep json": (
        b'{"Resources": ' + b"[" * 5000 + b"]" * 5000 + b"}\n",
        "nesting deeper than",
    ),
    "invalid json": (b'{"Resources": {"A": }\n', "invalid JSON"),
    "json with comments": (
        b'{\n  // a comment\n  "Resources": {}\n}\n',
        "comments are not allowed",
    ),
    "yaml not a template": (b"name: ci\non: [push]\njobs: {}\n", "no Resources section"),
    "several documents": (GOOD.encode() + b"---\n" + GOOD.encode(), "several YAML documents"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_gets_one_clear_line_and_exit_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, expected = BAD[case]
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(data)
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    code = main(["--auto-fix", "--no-validate", str(bad), str(good)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in out + err
    lines = [line for line in err.splitlines() if str(bad) in line]
    assert len(lines) == 1, err
    assert expected in lines[0], lines[0]
    assert bad.read_bytes() == data
    assert not Path("/tmp/meridian-fix-pwned").exists()
    assert "2 files" in err  # the good file still ran


def test_bad_input_in_json_format_is_reported_per_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"Resources": ')
    assert main(["--check", "--format", "json", str(bad)]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["files"][0]["error"].startswith(f"{bad}:1:")


def test_error_line_names_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "dup.yaml"
    bad.write_bytes(BAD["duplicate keys"][0])
    main(["--check", str(bad)])
    assert f"{bad}:4:3: duplicate key 'A'" in capsys.readouterr().err


def test_file_over_the_size_limit_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fixers.fileio import MAX_TEMPLATE_BYTES

    big = tmp_path / "big.yaml"
    big.write_bytes(GOOD.encode() + b"#" * MAX_TEMPLATE_BYTES)
    assert main(["--check", str(big)]) == 2
    assert "too large" in capsys.readouterr().err


def test_missing_path_and_unreadable_folder_entries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD)
    (folder / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    assert main(["--check", str(folder), str(tmp_path / "missing.yaml")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'missing.yaml'}: no such file or folder" in err
    assert "dangling.yaml" in err
    assert "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_in_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    locked = tmp_path / "b.yaml"
    locked.write_text(GOOD)
    locked.chmod(0)
    assert main(["--check", str(tmp_path)]) == 2
    assert "not readable" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name, data",
    [
        ("bom.yaml", b"\xef\xbb\xbf" + GOOD.encode()),
        ("crlf.yaml", GOOD.replace("\n", "\r\n").encode()),
        (
            "tabs.json",
            b'{\n\t"Resources": {\n\t\t"Topic": {\n\t\t\t"Type": "AWS::SNS::Topic"\n\t\t}\n\t}\n}\n',
        ),
        (
            "bom-crlf.json",
            b'\xef\xbb\xbf{\r\n  "Resources": {\r\n    "T": {"Type": "AWS::SNS::Topic"}\r\n  }\r\n}\r\n',
        ),
        (
            "unknown-tag.yaml",
            b"Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Rain::Embed name.txt\n",
        ),
    ],
)
def test_valid_oddities_are_processed_and_kept(
    name: str, data: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert main(["--auto-fix", "--no-validate", str(path)]) == 0
    assert path.read_bytes() == data
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_when_opening_the_app(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The app refuses the same inputs the same way, before anything is drawn."""
    from tui.app import run_app

    data, expected = BAD[case]
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(data)
    assert run_app(str(bad)) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and expected in lines[0], err
    assert bad.read_bytes() == data


def test_no_network_and_only_the_given_files_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fixing run opens no socket and touches no file but the template it was given (and -o)."""
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("meridian-fix opened a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "socketpair", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    started: list[object] = []
    real_start = engine_module.Engine._start_workers
    monkeypatch.setattr(
        engine_module, "usable_cpus", lambda: 2
    )  # cfn-lint runs in a worker process too

    def spy(self, doc, outcomes):  # type: ignore[no-untyped-def]
        started.append(real_start(self, doc, outcomes))
        started.append(self.linter.in_worker)
        return started[-2]

    monkeypatch.setattr(engine_module.Engine, "_start_workers", spy)
    sample = (
        Path(__file__).resolve().parent.parent / "sample_templates" / "transaction-platform.yaml"
    )
    (tmp_path / "other.yaml").write_text(GOOD)
    template = tmp_path / "t.yaml"
    template.write_bytes(sample.read_bytes())
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert main(["--auto-fix", "--unsafe-fixes", str(template)]) in (0, 1)
    assert main(
        [
            "--auto-fix",
            "--unsafe-fixes",
            "-o",
            str(tmp_path / "out.yaml"),
            str(tmp_path / "other.yaml"),
        ]
    ) in (0, 1)
    capsys.readouterr()
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert set(after) == set(before) | {"out.yaml"}
    assert after["other.yaml"] == before["other.yaml"]
    assert after["t.yaml"] != before["t.yaml"]
    assert started[1]  # the worker ran, through pipes


def test_brackets_in_quotes_and_comments_are_not_nesting() -> None:
    """The project's own depth check runs before the parser; it skips quoted text and comments."""
    from fixers.template import MAX_DEPTH, Template

    many = "[" * (MAX_DEPTH + 50)
    text = (
        f"# {many}\n"
        "Resources:\n"
        "  Topic:\n"
        "    Type: AWS::SNS::Topic\n"
        "    Properties:\n"
        f"      DisplayName: '{many}'\n"
        f'      TopicName: "{many}"\n'
    )
    assert Template(text).data["Resources"]["Topic"]["Properties"]["DisplayName"] == many
