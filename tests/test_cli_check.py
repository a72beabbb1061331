"""`tasksync check` end to end: formats, exit codes, selection, colour, cache, corpus."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest

from conftest import CORPUS_EARLY, CORPUS_LATE, EARLY, LATE, PROJECT, needs_corpus, run


def test_text_grouped_by_file_with_summary() -> None:
    res = run("check", str(EARLY), "--today", "2025-11-10", "--no-cache", "--no-color")
    assert res.code == 1
    assert "\033[" not in res.out
    blocks = res.out.strip().split("\n\n")
    assert blocks[0].splitlines()[0] == ".agent/task/0220-queue-retry.md"
    assert "TS002 mirror-evidence-conflict" in blocks[0]
    assert res.out.rstrip().endswith("4 task(s) checked")


def test_colour_only_when_asked_or_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    res = run("check", str(EARLY), "--today", "2025-11-10", "--no-cache", "--color")
    assert "\033[31m" in res.out
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\033[" not in run("check", str(EARLY), "--today", "2025-11-10", "--no-cache").out


def test_json_shape() -> None:
    res = run("check", str(LATE), "--today", "2026-06-01", "--format", "json", "--no-cache")
    data = res.json()
    assert (data["schemaVersion"], data["kind"]) == (1, "tasksync.check")
    assert set(data["findings"][0]) == {"rule", "name", "severity", "task", "path", "line", "message", "related", "fix"}
    rules = {f["rule"] for f in data["findings"]}
    assert {"TS001", "TS002", "TS003", "TS004", "TS006", "TS007", "TS008", "TS010", "TS013", "TS015", "TS016"} <= rules
    assert data["summary"]["errors"] == sum(f["severity"] == "error" for f in data["findings"])


def test_fail_on_threshold() -> None:
    args = ("check", str(EARLY), "--today", "2025-11-10", "--no-cache", "--task", "0440-palette-snapshot")
    assert run(*args).code == 0  # warnings only
    assert run(*args, "--fail-on", "warning").code == 1


def test_paths_and_task_limit_the_check() -> None:
    res = run("check", str(EARLY), "tasks/tasks-0220-queue-retry.md", "--today", "2025-11-10", "--format", "json",
              "--no-cache")
    assert {f["task"] for f in res.json()["findings"]} == {"0220-queue-retry"}
    res = run("check", str(EARLY), "--task", "0110-cache-warmup", "--format", "json", "--no-cache")
    assert {f["task"] for f in res.json()["findings"]} == {"0110-cache-warmup"}
    assert run("check", str(EARLY), "--task", "nope").code == 2


def test_github_annotations() -> None:
    res = run("check", str(EARLY), "--today", "2025-11-10", "--format", "github", "--no-cache")
    lines = res.out.splitlines()
    assert lines and all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    first = next(line for line in lines if "TS001" in line)
    assert first.startswith("::error file=docs/TASKS.md,line=47,title=TS001 mirror-state-conflict::")


def test_sarif_validates_against_the_schema() -> None:
    res = run("check", str(LATE), "--today", "2026-06-01", "--format", "sarif", "--no-cache")
    doc = json.loads(res.out)
    schema = json.loads((PROJECT / "tests" / "data" / "sarif-2.1.0-subset.schema.json").read_text())
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)
    official = os.environ.get("SARIF_SCHEMA")
    if official:
        jsonschema.Draft7Validator(json.loads(Path(official).read_text())).validate(doc)
    run0 = doc["runs"][0]
    assert len(run0["tool"]["driver"]["rules"]) == 17
    levels = {r["level"] for r in run0["results"]}
    assert levels <= {"error", "warning", "note"} and "error" in levels
    with_related = [r for r in run0["results"] if "relatedLocations" in r]
    assert with_related and with_related[0]["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] >= 1


def test_cache_hits_and_invalidates(tmp_path: Path) -> None:
    root = tmp_path / "early"
    shutil.copytree(EARLY, root)
    first = run("check", str(root), "--today", "2025-11-10", "--format", "json")
    assert (root / ".tasksync-cache" / ".gitignore").read_text().strip().endswith("*")
    cached = run("check", str(root), "--today", "2025-11-10", "--format", "json")
    assert cached.out == first.out
    # a one-byte change anywhere invalidates it
    path = root / "docs" / "TASKS.md"
    path.write_text(path.read_text().replace("- [ ] Dead-letter", "- [x] Dead-letter"))
    after = run("check", str(root), "--today", "2025-11-10", "--format", "json").json()
    assert len(after["findings"]) < len(first.json()["findings"])
    # and so does the date
    other_day = run("check", str(root), "--today", "2025-12-30", "--format", "json").json()
    assert any(f["rule"] == "TS016" and "50 day(s)" in f["message"] for f in other_day["findings"])


def test_a_result_that_read_a_live_run_is_not_cached(tmp_path: Path) -> None:
    """An in-progress run turns stale with time alone: a check that saw one must run again."""
    root = tmp_path / "late"
    shutil.copytree(LATE, root)
    cache = root / ".tasksync-cache" / "check.json"
    run("check", str(root), "--today", "2026-06-01")
    assert cache.exists()
    cache.unlink()
    # the oldest of 1201's four runs: cited by an item, but not one of the task's latest three
    path = root / ".runs/1201-ledger-compaction/cli/2026-04-14T08-10-22-301Z-6d1f0a93/manifest.json"
    manifest = json.loads(path.read_text())
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    manifest.update(status="in_progress", completed_at=None, heartbeat_at=now, updated_at=now,
                    heartbeat_stale_after_seconds=10**9)
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    run("check", str(root), "--today", "2026-06-01")
    assert not cache.exists()


@needs_corpus
def test_early_corpus_reports_the_0303_run_diagnostics_manifests_as_ts002() -> None:
    res = run("check", str(CORPUS_EARLY), "--today", "2025-11-10", "--format", "json", "--no-cache")
    ts002 = [f for f in res.json()["findings"] if f["rule"] == "TS002" and f["task"] == "0303-orchestrator-autonomy"]
    assert {f["path"] for f in ts002} == {".agent/task/0303-orchestrator-autonomy.md", "docs/TASKS.md"}
    assert all("2025-11-04T04-55-02-406Z-9663b24b" in f["message"] for f in ts002)
    assert all(f["related"][0] == {"path": "tasks/tasks-0303-orchestrator-autonomy.md", "line": 31} for f in ts002)


@needs_corpus
def test_late_corpus_exits_1_with_findings_and_never_crashes() -> None:
    res = run("check", str(CORPUS_LATE), "--today", "2026-06-17", "--format", "json", "--no-cache")
    assert res.code == 1 and "Traceback" not in res.err
    data = res.json()
    assert data["summary"]["errors"] > 0 and data["summary"]["tasks"] > 800
    stubs = {
        p.relative_to(CORPUS_LATE).as_posix() for p in (CORPUS_LATE / "tasks").glob("tasks-*.md")
        if "<!-- docs-archive:stub -->" in [line.strip() for line in p.read_text(encoding="utf-8").splitlines()]
    }
    assert len(stubs) > 500
    assert not [f for f in data["findings"] if f["path"] in stubs]


def test_parallel_split_gives_the_same_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    import sync.check as check_module
    import sync.parallel as parallel_module
    from sync.config import Config
    from sync.repo import load_repo

    def findings(parallel: bool) -> list[dict]:
        repo = load_repo(LATE, Config())
        found = check_module.run_check(repo, [repo.tasks[k] for k in sorted(repo.tasks)], dt.date(2026, 6, 1),
                                       parallel=parallel)
        return [f.to_json() for f in found]

    monkeypatch.setattr(parallel_module, "PARALLEL_MIN_TASKS", 1)
    assert findings(True) == findings(False)
