"""`tasksync status` and `tasksync config` end to end, including every kind of bad input."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS_EARLY, CORPUS_LATE, EARLY, LATE, PROJECT, needs_corpus, run


def test_status_text_one_row_per_task() -> None:
    res = run("status", str(EARLY))
    assert res.code == 0, res.err
    lines = res.out.splitlines()
    assert lines[0].split()[:3] == ["KEY", "DONE", "LATEST"]
    row = next(line for line in lines if line.startswith("0220-queue-retry"))
    assert "7/8" in row and "2025-11-05T08-30-55-118Z-f6a2b3c4" in row and "succeeded" in row
    assert "in-progress" in row and "agent tasks.md plan" in row and "live" in row
    assert "4 tasks (4 live, 0 archived); 25/29 canonical items checked" in res.out


def test_status_json_shape() -> None:
    res = run("status", str(LATE), "--format", "json")
    assert res.code == 0
    data = res.json()
    assert (data["schemaVersion"], data["kind"]) == (1, "tasksync.status")
    tasks = {t["key"]: t for t in data["tasks"]}
    assert tasks["1150-snapshot-pruning"]["archived"] is True
    live = tasks["linear-3f6c2a91-8d4e-4b7a-9c15-2e7d0a6b8f43"]
    assert (live["items_done"], live["items_total"]) == (10, 11)
    item = live["canonical"]["items"][0]
    assert set(item) >= {"line", "checked", "title", "norm", "groups", "ordinal", "occurrence", "parent", "evidence"}
    assert live["latest_run"]["status"] == "succeeded"
    assert {c["kind"] for c in data["conflicts"]} == {"task-key-mismatch", "duplicate-rows"}
    assert data["tasks_md"]["max_lines"] == 450


def test_status_task_filter_and_unknown_task() -> None:
    res = run("status", str(EARLY), "--task", "0110-cache-warmup", "--format", "json")
    assert [t["key"] for t in res.json()["tasks"]] == ["0110-cache-warmup"]
    bad = run("status", str(EARLY), "--task", "nope")
    assert bad.code == 2 and "unknown task nope" in bad.err


def test_missing_root_is_a_usage_error(tmp_path: Path) -> None:
    res = run("status", str(tmp_path / "absent"))
    assert res.code == 2 and "does not exist" in res.err


def test_empty_directory_is_clean(tmp_path: Path) -> None:
    res = run("status", str(tmp_path))
    assert res.code == 0 and "0 tasks" in res.out


def _mini_repo(root: Path) -> None:
    (root / "tasks").mkdir(parents=True)
    (root / "tasks" / "tasks-0101-a.md").write_text("# Task Checklist - A\n\n## G\n- [x] done. Evidence: `x.md`\n")
    (root / "tasks" / "tasks-0102-b.md").write_text("# Task Checklist - B\n\n## G\n- [ ] open\n")


@pytest.mark.parametrize(
    ("breakage", "path", "line", "message"),
    [
        ("index", "tasks/index.json", 3, "invalid JSON"),
        ("utf8", "tasks/tasks-0102-b.md", 4, "UTF-8"),
        ("loop", "tasks/tasks-0103-c.md", None, "symlink loop"),
        ("outside", "tasks/tasks-0104-d.md", None, "outside the repository root"),
        ("huge", "tasks/tasks-0101-a.md", None, "limit"),
        ("manifest", None, None, None),
    ],
)
def test_bad_input_is_reported_and_the_rest_still_works(
    tmp_path: Path, breakage: str, path: str | None, line: int | None, message: str | None
) -> None:
    root = tmp_path / "repo"
    _mini_repo(root)
    if breakage == "index":
        (root / "tasks" / "index.json").write_text('{\n  "items": [\n    {"id": "0101",}\n  ]\n}\n')
    elif breakage == "utf8":
        (root / "tasks" / "tasks-0102-b.md").write_bytes(b"# B\n\n## G\n- [ ] caf\xe9\n")
    elif breakage == "loop":
        os.symlink("tasks-0103-c.md", root / "tasks" / "tasks-0103-c.md")
    elif breakage == "outside":
        (tmp_path / "secret.md").write_text("# S\n- [ ] x\n")
        os.symlink(tmp_path / "secret.md", root / "tasks" / "tasks-0104-d.md")
    elif breakage == "huge":
        (root / ".tasksync.yaml").write_text("max_file_bytes: 45\n")
    elif breakage == "manifest":
        run_dir = root / ".runs" / "0101-a" / "cli" / "2025-11-04T01-59-37-568Z-8065982c"
        run_dir.mkdir(parents=True)
        (run_dir / "manifest.json").write_text("{not json")
    res = run("status", str(root), "--format", "json")
    assert "Traceback" not in res.err
    data = res.json()
    keys = {t["key"] for t in data["tasks"]}
    assert {"0101-a", "0102-b"} <= keys  # the rest of the repo is still reported
    if breakage == "manifest":
        latest = next(t for t in data["tasks"] if t["key"] == "0101-a")["runs"]["latest"]
        assert latest["error"].startswith("invalid JSON") and res.code == 0
        return
    assert res.code == 1
    diag = next(d for d in data["diagnostics"] if d["path"] == path)
    assert message in diag["message"] and diag["line"] == line
    assert path in res.err


def test_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    root = tmp_path / "repo"
    _mini_repo(root)
    (root / "tasks" / "tasks-0102-b.md").chmod(0)
    res = run("status", str(root))
    assert res.code == 1 and "permission denied" in res.err


def test_config_defaults_and_errors(tmp_path: Path) -> None:
    res = run("config", str(tmp_path), "--format", "json")
    assert res.code == 0 and res.json()["canonical"] == "tasks/tasks-{key}.md"
    yaml_out = run("config", str(tmp_path))
    assert "defaults (no .tasksync.yaml)" in yaml_out.out and "runs_dir: .runs" in yaml_out.out
    (tmp_path / ".tasksync.yaml").write_text("runs_dir: .evidence\n\nchecklist: [a]\n")
    bad = run("config", str(tmp_path))
    assert bad.code == 2
    assert re.search(r"\.tasksync\.yaml:3: unknown key 'checklist'", bad.err)
    (tmp_path / ".tasksync.yaml").write_text("runs_dir: 3\n")
    bad = run("status", str(tmp_path))
    assert bad.code == 2 and ".tasksync.yaml:1: key 'runs_dir' must be a string" in bad.err
    (tmp_path / ".tasksync.yaml").write_text("runs_dir: .evidence\nrules:\n  TS001: warning\n")
    ok = run("config", str(tmp_path), "--format", "json").json()
    assert ok["runs_dir"] == ".evidence" and ok["rules"] == {"TS001": "warning"}


def test_console_script_and_module_entry_point() -> None:
    for cmd in ([sys.executable, "-m", "sync", "--version"], [str(Path(sys.executable).with_name("tasksync")), "-h"]):
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=PROJECT)
        assert proc.returncode == 0, proc.stderr
        assert "tasksync" in proc.stdout


@needs_corpus
@pytest.mark.parametrize("corpus", [CORPUS_EARLY, CORPUS_LATE], ids=["early", "late"])
def test_corpus_status_lists_every_live_checklist_and_every_stub(corpus: Path) -> None:
    res = run("status", str(corpus), "--format", "json")
    assert res.code == 0, res.err
    data = res.json()
    by_path = {}
    for task in data["tasks"]:
        if task["canonical"]:
            by_path[task["canonical"]["path"]] = task
    checklists = sorted(p.relative_to(corpus).as_posix() for p in (corpus / "tasks").glob("tasks-*.md"))
    for rel in checklists:
        text = (corpus / rel).read_text(encoding="utf-8")
        stub = any(line.strip() == "<!-- docs-archive:stub -->" for line in text.splitlines())
        has_boxes = re.search(r"^\s*(?:[-*+]|\d+[.)])\s+\[[ xX]\]\s", text, re.M) is not None
        if stub:
            assert by_path[rel]["archived"] is True, rel
        elif has_boxes:
            task = by_path[rel]
            assert task["archived"] is False, rel
            assert task["items_total"] > 0 and task["canonical"]["items"], rel
    if corpus == CORPUS_LATE:
        assert sum(1 for t in data["tasks"] if t["archived"]) >= 531
    summary = data["summary"]
    assert summary["items_total"] > 0 and summary["items_done"] <= summary["items_total"]
