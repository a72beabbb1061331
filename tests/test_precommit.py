"""The real pre-commit framework running tasksync's hooks on commits of a fixture repository.

pre-commit clones a snapshot of this project and installs it into its own environment (pip,
from the package index), once per test session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import LATE, PROJECT

PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
MIRROR = ".agent/task/1201-ledger-compaction.md"
pytestmark = pytest.mark.skipif(not PRE_COMMIT.exists(), reason="pre-commit is not installed (test extra)")


def sh(cwd: Path, *args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=check)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    return {**os.environ, "PRE_COMMIT_HOME": str(home), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t", "PRE_COMMIT_COLOR": "never"}


@pytest.fixture(scope="module")
def hook_source(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> tuple[Path, str]:
    """A git repository holding this project's current files, for pre-commit to clone."""
    src = tmp_path_factory.mktemp("tasksync-src")
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=PROJECT, capture_output=True,
                            check=False)
    names = [n for n in listed.stdout.decode().split("\0") if n] if listed.returncode == 0 else []
    if not names:
        pytest.skip("the project is not a git checkout")
    for name in names:
        if (PROJECT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT / name, src / name)
    sh(src, "git", "init", "-q", env=env)
    sh(src, "git", "add", "-A", env=env)
    sh(src, "git", "commit", "-qm", "snapshot", "--no-verify", env=env)
    return src, sh(src, "git", "rev-parse", "HEAD", env=env).stdout.strip()


def make_work(tmp: Path, env: dict[str, str], source: tuple[Path, str], hook: str) -> Path:
    work = tmp / "work"
    shutil.copytree(LATE, work)
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {source[0]}\n    rev: {source[1]}\n    hooks:\n      - id: {hook}\n"
    )
    sh(work, "git", "init", "-q", env=env)
    sh(work, "git", "add", "-A", env=env)
    sh(work, "git", "commit", "-qm", "base", "--no-verify", env=env)
    sh(work, str(PRE_COMMIT), "install", env=env)
    return work


def flip_line_13(work: Path) -> None:
    """A commit that edits the canonical checklist's notes and unticks a mirror item by mistake."""
    path = work / MIRROR
    lines = path.read_text().split("\n")
    lines[12] = lines[12].replace("- [x]", "- [ ]", 1)
    path.write_text("\n".join(lines))
    canonical = work / "tasks/tasks-1201-ledger-compaction.md"
    canonical.write_text(canonical.read_text() + "\nA note added in this commit.\n")


def test_check_hook_rejects_a_conflicting_commit_and_passes_after_sync(
    tmp_path: Path, env: dict[str, str], hook_source: tuple[Path, str]
) -> None:
    work = make_work(tmp_path, env, hook_source, "tasksync-check")
    flip_line_13(work)
    sh(work, "git", "add", MIRROR, "tasks/tasks-1201-ledger-compaction.md", env=env)
    rejected = sh(work, "git", "commit", "-m", "drift", env=env, check=False)
    output = rejected.stdout + rejected.stderr
    assert rejected.returncode != 0, output
    assert MIRROR in output and "13" in output and "TS001" in output
    fixed = subprocess.run([sys.executable, "-m", "sync", "sync", "--task", "1201-ledger-compaction"], cwd=work,
                           capture_output=True, text=True, check=False)
    assert fixed.returncode == 0, fixed.stderr
    sh(work, "git", "add", MIRROR, env=env)
    accepted = sh(work, "git", "commit", "-m", "drift fixed", env=env, check=False)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


def test_fixer_hook_modifies_and_fails_first_then_passes(
    tmp_path: Path, env: dict[str, str], hook_source: tuple[Path, str]
) -> None:
    work = make_work(tmp_path, env, hook_source, "tasksync-sync")
    flip_line_13(work)
    sh(work, "git", "add", MIRROR, "tasks/tasks-1201-ledger-compaction.md", env=env)
    first = sh(work, "git", "commit", "-m", "drift", env=env, check=False)
    assert first.returncode != 0 and "files were modified by this hook" in first.stdout + first.stderr
    assert (work / MIRROR).read_text().split("\n")[12].startswith("- [x]")
    sh(work, "git", "add", "-A", env=env)
    second = sh(work, "git", "commit", "-m", "drift fixed by the hook", env=env, check=False)
    assert second.returncode == 0, second.stdout + second.stderr
