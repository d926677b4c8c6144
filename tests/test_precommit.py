"""The pre-commit hooks, run by pre-commit itself in a temporary repository: the checking hook
blocks a commit of the flawed sample and the fixing hook edits it.

Each hook runs as the manifest (`.pre-commit-hooks.yaml`) defines it (entry, files, serial),
against the meridian-fix installed in the test's own environment: pre-commit would otherwise
build a hook environment from the base interpreter, which in a fresh virtual environment does not
see the venv's packages and would have to download them. That the manifest installs with
`language: python` is checked against the package's own console script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, SAMPLES

pytestmark = pytest.mark.slow

MANIFEST = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def local_config(hook_id: str) -> str:
    """A `repo: local` configuration running the manifest's hook with this environment's command."""
    hook = next(h for h in MANIFEST if h["id"] == hook_id)
    fields = {k: hook[k] for k in ("id", "name", "entry", "files", "require_serial") if k in hook}
    fields["language"] = "system"
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": [fields]}]}, sort_keys=False)


def test_the_manifest_installs_the_package_command() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    for hook in MANIFEST:
        assert hook["language"] == "python"
        assert hook["entry"].split()[0] in scripts


@pytest.fixture()
def env() -> dict[str, str]:
    """pre-commit and meridian-fix of this environment first on PATH; nothing downloaded."""
    bin_dir = os.path.dirname(sys.executable)
    if (
        shutil.which("meridian-fix", path=bin_dir) is None
        or shutil.which("pre-commit", path=bin_dir) is None
    ):
        missing = "meridian-fix and pre-commit are not installed beside this Python (pip install -e '.[test]')"
        if os.environ.get("CI"):
            pytest.fail(missing, pytrace=False)
        pytest.skip(missing)
    return dict(
        os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""), PIP_NO_INDEX="1"
    )


def test_hooks_block_a_commit_of_the_flawed_sample(tmp_path: Path, env: dict[str, str]) -> None:
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    (project / ".pre-commit-config.yaml").write_text(local_config("meridian-fix"))
    (project / "notes.yaml").write_text("owner: platform-team\n")  # not a template: skipped
    env = dict(env, PRE_COMMIT_HOME=str(tmp_path / "cache"))
    install = subprocess.run(
        ["pre-commit", "install"], cwd=project, capture_output=True, text=True, env=env, timeout=120
    )
    assert install.returncode == 0, install.stderr
    git(project, "add", ".pre-commit-config.yaml", "notes.yaml")
    first = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-m", "config"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert first.returncode == 0, first.stdout + first.stderr

    shutil.copy(SAMPLES / "transaction-platform.yaml", project / "stack.yaml")
    git(project, "add", "stack.yaml")
    blocked = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-m", "flawed"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "MF0101" in output and "Failed" in output
    assert git(project, "log", "--oneline").stdout.count("\n") == 1  # only the first commit

    # The fixing hook runs too: it edits the template in place and fails, as a fixer must.
    (project / ".pre-commit-config.yaml").write_text(local_config("meridian-fix-fix"))
    fixing = subprocess.run(
        ["pre-commit", "run", "--files", "stack.yaml"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert fixing.returncode != 0
    assert (project / "stack.yaml").read_text() != (
        SAMPLES / "transaction-platform.yaml"
    ).read_text()
