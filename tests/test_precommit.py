"""The pre-commit hooks, run by pre-commit itself in a temporary repository: the checking hook
blocks a commit of the flawed sample. Offline: the hook environment sees the installed
packages (system site packages, no index), so nothing is downloaded."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES

pytestmark = pytest.mark.slow


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture()
def hook_repo(tmp_path: Path) -> tuple[Path, str]:
    """The working tree's hooks and package, committed in a temporary repository."""
    repo = tmp_path / "hooks"
    repo.mkdir()
    for d in ("fixers", "tui"):
        shutil.copytree(ROOT / d, repo / d, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for f in ("pyproject.toml", ".pre-commit-hooks.yaml", "README.md"):
        if (ROOT / f).exists():
            shutil.copy(ROOT / f, repo / f)
        else:
            (repo / f).write_text("")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    assert git(repo, "commit", "-q", "-m", "hooks").returncode == 0
    return repo, git(repo, "rev-parse", "HEAD").stdout.strip()


def test_hooks_block_a_commit_of_the_flawed_sample(tmp_path: Path, hook_repo: tuple[Path, str]) -> None:
    if shutil.which("pre-commit") is None:
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    repo, rev = hook_repo
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n      - id: meridian-fix\n"
    )
    (project / "notes.yaml").write_text("owner: platform-team\n")  # not a template: skipped
    env = dict(
        os.environ,
        PRE_COMMIT_HOME=str(tmp_path / "cache"),
        VIRTUALENV_SYSTEM_SITE_PACKAGES="1",
        PIP_NO_INDEX="1",
        PIP_NO_BUILD_ISOLATION="0",
    )
    install = subprocess.run(["pre-commit", "install"], cwd=project, capture_output=True, text=True, env=env, timeout=120)
    assert install.returncode == 0, install.stderr
    git(project, "add", ".pre-commit-config.yaml", "notes.yaml")
    first = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-m", "config"],
        cwd=project, capture_output=True, text=True, env=env, timeout=600,
    )
    assert first.returncode == 0, first.stdout + first.stderr

    shutil.copy(SAMPLES / "transaction-platform.yaml", project / "stack.yaml")
    git(project, "add", "stack.yaml")
    blocked = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-m", "flawed"],
        cwd=project, capture_output=True, text=True, env=env, timeout=600,
    )
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "MF0101" in output and "Failed" in output
    assert git(project, "log", "--oneline").stdout.count("\n") == 1  # only the first commit

    # The fixing hook runs too: it edits the template in place and fails, as a fixer must.
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n      - id: meridian-fix-fix\n"
    )
    fixing = subprocess.run(
        ["pre-commit", "run", "--files", "stack.yaml"], cwd=project, capture_output=True, text=True, env=env, timeout=600
    )
    assert fixing.returncode != 0
    assert (project / "stack.yaml").read_text() != (SAMPLES / "transaction-platform.yaml").read_text()
