"""Git integration: --staged reads the index, --since narrows to changed tasks, history dates."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import LATE, run

ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@t", "GIT_AUTHOR_DATE": "2026-05-01T12:00:00Z",
       "GIT_COMMITTER_DATE": "2026-05-01T12:00:00Z"}
MIRROR = ".agent/task/1201-ledger-compaction.md"


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, env=ENV, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(LATE, root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def flip(root: Path, rel: str, line: int, to: str) -> None:
    path = root / rel
    lines = path.read_text().split("\n")
    lines[line - 1] = lines[line - 1].replace("[x]" if to == " " else "[ ]", f"[{to}]", 1)
    path.write_text("\n".join(lines))


def findings(res) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    return [(f["rule"], f["path"], f["line"]) for f in res.json()["findings"] if f["severity"] == "error"]


def test_staged_reads_the_index_not_the_work_tree(repo: Path) -> None:
    assert run("check", str(repo), "--staged").code == 0  # nothing staged: nothing checked
    flip(repo, MIRROR, 13, " ")
    # unstaged only: not part of the commit
    assert run("check", str(repo), "--staged", "--format", "json").json()["summary"]["tasks"] == 0
    git(repo, "add", MIRROR)
    staged = run("check", str(repo), "--staged", "--format", "json")
    assert staged.code == 1 and findings(staged) == [("TS001", MIRROR, 13)]
    # fixing it in the work tree without staging does not help the commit
    flip(repo, MIRROR, 13, "x")
    assert findings(run("check", str(repo), "--staged", "--format", "json")) == [("TS001", MIRROR, 13)]
    # an untracked new checklist never leaks in
    (repo / "tasks/tasks-9999-new.md").write_text("# New\n\n## A\n- [x] ticked\n")
    assert run("check", str(repo), "--staged", "--format", "json").json()["summary"]["tasks"] == 1


def test_staged_sees_a_staged_file_that_is_deleted_or_changed_only_in_the_work_tree(repo: Path) -> None:
    flip(repo, MIRROR, 13, " ")
    git(repo, "add", MIRROR)
    (repo / MIRROR).unlink()  # an unstaged deletion is not part of the commit
    (repo / "docs/TASKS.md").write_text("unstaged garbage\n")
    assert findings(run("check", str(repo), "--staged", "--format", "json")) == [("TS001", MIRROR, 13)]


def test_staged_works_when_the_root_is_a_subdirectory_of_the_repository(tmp_path: Path) -> None:
    top = tmp_path / "mono"
    root = top / "services" / "docs-repo"
    shutil.copytree(LATE, root)
    git(top, "init", "-q")
    git(top, "add", "-A")
    git(top, "commit", "-qm", "base")
    flip(root, MIRROR, 13, " ")
    git(top, "add", "-A")
    (root / MIRROR).unlink()
    assert findings(run("check", str(root), "--staged", "--format", "json")) == [("TS001", MIRROR, 13)]


def test_staged_never_claims_an_untracked_file_a_registry_row_names(repo: Path) -> None:
    index = json.loads((repo / "tasks/index.json").read_text())
    index["items"].append({"id": "1300", "slug": "1300-new", "title": "New", "status": "in_progress",
                           "paths": {"task": "tasks/tasks-1300-new.md", "action_plan": "plans/1300.md"}})
    (repo / "tasks/index.json").write_text(json.dumps(index, indent=2) + "\n")
    (repo / "tasks/tasks-1300-new.md").write_text("# New\n\n## A\n- [ ] start\n")
    git(repo, "add", "tasks/index.json", "tasks/tasks-1300-new.md")
    (repo / "plans").mkdir()  # outside every glob, never added: not part of the commit
    (repo / "plans/1300.md").write_text("# Action Plan — New\n\n## Next Review\n- Date: 2026-01-01\n")
    out = run("check", str(repo), "--staged", "--today", "2026-06-01", "--format", "json")
    assert out.json()["summary"]["tasks"] >= 1 and "plans/1300.md" not in out.out + out.err
    (repo / "plans/1300.md").unlink()
    git(repo, "add", "-A")  # once it is staged, it is read
    (repo / "plans/1300.md").write_text("# Action Plan — New\n\n## Next Review\n- Date: 2026-01-01\n")
    git(repo, "add", "plans/1300.md")
    res = run("check", str(repo), "--staged", "--today", "2026-06-01", "--format", "json").json()
    assert [f["rule"] for f in res["findings"] if f["path"] == "plans/1300.md"] == ["TS016"]


def test_staged_tasks_md_and_index_narrow_to_the_changed_sections(repo: Path) -> None:
    lines = (repo / "docs/TASKS.md").read_text().split("\n")
    lines[2] = lines[2] + " Amended."  # line 3: a 1201 snapshot
    (repo / "docs/TASKS.md").write_text("\n".join(lines))
    git(repo, "add", "docs/TASKS.md")
    res = run("check", str(repo), "--staged", "--format", "json")
    assert {f["task"] for f in res.json()["findings"]} == {"1201-ledger-compaction"}


def test_since_selects_the_tasks_changed_since_a_ref(repo: Path) -> None:
    flip(repo, MIRROR, 13, " ")
    git(repo, "commit", "-qam", "drift")
    res = run("check", str(repo), "--since", "HEAD~1", "--format", "json")
    assert res.json()["summary"]["tasks"] == 1 and findings(res) == [("TS001", MIRROR, 13)]
    assert run("sync", str(repo), "--since", "HEAD~1", "--check").code == 1
    assert run("sync", str(repo), "--since", "HEAD~1").code == 0
    assert run("check", str(repo), "--since", "HEAD~1", "--format", "json").code == 0
    bad = run("check", str(repo), "--since", "no-such-ref")
    assert bad.code == 2 and "'no-such-ref' is not a commit of this repository" in bad.err


def test_outside_git_the_flags_are_usage_errors_and_the_rest_works(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    shutil.copytree(LATE, root)
    for args in (("check", "--staged"), ("check", "--since", "HEAD"), ("sync", "--staged")):
        res = run(args[0], str(root), *args[1:])
        assert res.code == 2 and "needs a git repository" in res.err
    assert run("status", str(root)).code == 0


def test_history_dates_of_open_items(repo: Path) -> None:
    from sync.history import line_dates, open_for

    rel = "tasks/tasks-linear-3f6c2a91-8d4e-4b7a-9c15-2e7d0a6b8f43.md"
    dates = line_dates(repo, rel)
    assert dates[34] == dt.date(2026, 5, 1)
    assert open_for(repo, rel, [34], dt.date(2026, 6, 1)) == {34: 31}
    assert line_dates(repo.parent, "nothing.md") == {}
