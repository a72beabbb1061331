"""Run manifests: discovery, latest-by-run-id, schema validation, staleness, guardrail verdict."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from sync.config import Config
from sync.parse.manifest import RunRef, load_manifest, scan_runs, schema_errors
from sync.repo import load_repo

from conftest import EARLY, LATE

MANIFEST = json.loads(
    (EARLY / ".runs/0110-cache-warmup/cli/2025-11-06T16-03-51-442Z-7e0b9d3c/manifest.json").read_text()
)


def test_scan_finds_runs_per_task_dir_sorted_by_run_id() -> None:
    runs = scan_runs(LATE, ".runs")
    assert "1201-ledger-compaction" in runs
    ids = [r.run_id for r in runs["1201-ledger-compaction"]]
    assert ids == sorted(ids)
    assert any(d.endswith("-docs-review") for d in runs)


def test_latest_run_uses_run_id_not_mtime_and_skips_child_runs(late_copy: Path) -> None:
    runs = scan_runs(late_copy, ".runs")["1201-ledger-compaction"]
    oldest = late_copy / runs[0].path
    future = 4_000_000_000
    os.utime(oldest, (future, future))  # newest file time must not matter
    repo = load_repo(late_copy, Config())
    latest = repo.latest_run(repo.tasks["1201-ledger-compaction"])
    assert latest.ref.run_id == "2026-05-02T09-30-47-066Z-e5c9d2f8"  # the child run …07ab3e6d is skipped
    assert latest.parent_run_id is None


def test_schema_valid_invalid_and_unreadable_manifests() -> None:
    assert schema_errors(MANIFEST) == []
    extra = dict(MANIFEST, plan_target_id=None, guardrail_status={})
    assert schema_errors(extra) == []  # unknown keys tolerated when reading
    assert schema_errors(extra, strict=True)
    missing = {k: v for k, v in MANIFEST.items() if k != "runner"}
    assert any("runner" in e for e in schema_errors(missing))
    repo = load_repo(LATE, Config())
    mans = [repo.manifest(r) for refs in repo.runs.values() for r in refs]
    assert any(m.error and m.error.startswith("invalid JSON") and m.error_line for m in mans)
    assert any(m.error and "missing" in m.error for m in mans)
    assert any(m.ok and m.schema_errors for m in mans)


def test_stale_in_progress_and_guardrail_findings() -> None:
    repo = load_repo(LATE, Config())
    mans = [repo.manifest(r) for refs in repo.runs.values() for r in refs]
    in_progress = [m for m in mans if m.status == "in_progress"]
    assert in_progress
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    assert all(m.is_stale(now) for m in in_progress)
    beat = in_progress[0].heartbeat_at
    assert not in_progress[0].is_stale(dt.datetime.fromisoformat(beat.replace("Z", "+00:00")))
    verdicts = {m.guardrail() for m in mans if m.ok}
    assert {"clean", "findings"} <= verdicts
    assert any(m.status == "cancelled" for m in mans)


def test_missing_runs_dir_is_empty_not_an_error(tmp_path: Path) -> None:
    assert scan_runs(tmp_path, ".runs") == {}
    man = load_manifest(tmp_path, RunRef("x", "2025-01-01T00-00-00-000Z-00000000", ".runs/x/cli/r/manifest.json"))
    assert man.error == "manifest.json is missing from the run directory"
