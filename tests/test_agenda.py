"""`tasksync agenda`: content, ordering, determinism, formats, and the page in a real browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import EARLY, LATE, run
from repo_builder import manifest, write

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def agenda(root: Path, *args: str) -> str:
    res = run("agenda", str(root), *args)
    assert res.code == 0, res.err
    return res.out


def test_sections_and_summary_on_the_early_fixture() -> None:
    data = json.loads(agenda(EARLY, "--today", "2025-11-10", "--format", "json", "--no-history"))
    assert (data["schemaVersion"], data["kind"], data["today"]) == (1, "tasksync.agenda", "2025-11-10")
    assert data["summary"] == {"tasks": 4, "items_done": 25, "items_open": 4, "tasks_needing_decision": 2,
                               "reviews_overdue": 0}
    t0220 = next(t for t in data["tasks"] if t["key"] == "0220-queue-retry")
    assert {d["rule"] for d in t0220["decisions"]} == {"TS001", "TS002"}
    assert t0220["evidence"]["latest_run"]["run_id"] == "2025-11-05T08-30-55-118Z-f6a2b3c4"
    assert {f["rule"] for f in t0220["evidence"]["findings"]} == {"TS005", "TS006"}
    assert [i["line"] for i in t0220["open_items"]] == [17]
    assert t0220["plan"]["next_review"] == {"date": "2025-11-12", "agenda": t0220["plan"]["next_review"]["agenda"],
                                            "overdue": False, "days": 2}
    assert len(t0220["plan"]["milestones"]) == 3 and len(t0220["plan"]["risks"]) == 3


def test_most_urgent_first_and_failing_stages(late_copy: Path) -> None:
    data = json.loads(agenda(late_copy, "--today", "2026-06-01", "--format", "json", "--no-history"))
    keys = [t["key"] for t in data["tasks"]]
    decisions = [len(t["decisions"]) for t in data["tasks"]]
    assert decisions == sorted(decisions, reverse=True) and keys[0] == "linear-3f6c2a91-8d4e-4b7a-9c15-2e7d0a6b8f43"
    assert "1150-snapshot-pruning" not in keys  # archived
    overdue = next(t for t in data["tasks"] if t["key"] == "1201-ledger-compaction")["plan"]["next_review"]
    assert (overdue["overdue"], overdue["days"]) == (True, -20)
    unreadable = next(t for t in data["tasks"] if t["key"] == "co-412-cache-budget-audit")
    assert unreadable["evidence"]["latest_run"]["status"] == "unreadable"
    stale = next(t for t in data["tasks"] if t["key"] == "linear-b07e5d22-41a9-4f3c-8e6d-91c4a7f2d058")
    assert stale["evidence"]["latest_run"]["stale"] is True and stale["state"] == "attention"
    key = "linear-co-777"
    manifest(late_copy, key, "2026-05-29T10-00-00-000Z-0badf00d", status="failed",
             stages=[("build", "succeeded", "ok"), ("test", "failed", "Exited with code 1 — 2 failed")])
    data = json.loads(agenda(late_copy, "--today", "2026-06-01", "--format", "json", "--task", key, "--no-history"))
    latest = data["tasks"][0]["evidence"]["latest_run"]
    assert (latest["status"], [(s["id"], s["summary"]) for s in latest["failing"]]) == (
        "failed", [("test", "Exited with code 1 — 2 failed")])
    assert "stage `test` failed (exit 1): Exited with code 1 — 2 failed" in agenda(
        late_copy, "--today", "2026-06-01", "--task", key, "--no-history")
    # a ready-to-tick item shows up once its cited run succeeded
    canonical = late_copy / f"tasks/tasks-{key}.md"
    rid = "2026-05-30T10-00-00-000Z-0badc0de"
    manifest(late_copy, key, rid)
    canonical.write_text(canonical.read_text().replace(
        "- [ ] Archived packets reconciled against `tasks/index.json`.",
        "- [ ] Archived packets reconciled against `tasks/index.json`. "
        f"Evidence: `.runs/{key}/cli/{rid}/manifest.json`."))
    data = json.loads(agenda(late_copy, "--today", "2026-06-01", "--format", "json", "--task", key, "--no-history"))
    assert [f["line"] for f in data["tasks"][0]["ready"]] == [16]


def test_markdown_and_html_are_byte_identical_across_runs(tmp_path: Path) -> None:
    for fmt in ("md", "html", "json"):
        a = agenda(LATE, "--today", "2026-06-01", "--format", fmt, "--no-history")
        b = agenda(LATE, "--today", "2026-06-01", "--format", fmt, "--no-history")
        assert a == b and len(a) > 1000
    md = agenda(LATE, "--today", "2026-06-01", "--no-history")
    for heading in ("## linear-3f6c2a91", "### Decisions needed", "### Evidence to validate", "### Open items",
                    "### Action plan"):
        assert heading in md
    assert "overdue by 20 day(s)" in md
    out = tmp_path / "agenda.md"
    assert run("agenda", str(LATE), "--today", "2026-06-01", "-o", str(out), "--no-history").code == 0
    assert out.read_text() == md


def test_open_items_are_dated_from_git_history(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "tasks/tasks-0101-a.md", "# T\n\n## A\n- [x] done. Evidence: PR #1.\n- [ ] still open\n")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t",
           "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
           "PATH": "/usr/bin:/bin"}
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "c"]):
        subprocess.run(cmd, cwd=root, env=env, check=True)
    data = json.loads(agenda(root, "--today", "2026-01-31", "--format", "json"))
    assert [i["days_open"] for i in data["tasks"][0]["open_items"]] == [30]
    assert "open 30 day(s)" in agenda(root, "--today", "2026-01-31")


def test_empty_repo_and_no_git(tmp_path: Path) -> None:
    data = json.loads(agenda(tmp_path, "--today", "2026-01-01", "--format", "json"))
    assert data["summary"]["tasks"] == 0 and data["tasks"] == []
    assert "Tasks in scope: 0" in agenda(tmp_path, "--today", "2026-01-01")
    write(tmp_path, "tasks/tasks-0101-a.md", "# T\n\n## A\n- [ ] open\n")
    data = json.loads(agenda(tmp_path, "--today", "2026-01-01", "--format", "json", "--history"))
    assert data["tasks"][0]["open_items"][0]["days_open"] is None  # no git: no dates, no error
    assert run("agenda", str(tmp_path), "--since", "HEAD").code == 2


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_html_page_in_a_real_headless_browser(tmp_path: Path) -> None:
    page = tmp_path / "agenda.html"
    assert run("agenda", str(LATE), "--today", "2026-06-01", "--format", "html", "-o", str(page),
               "--no-history").code == 0
    html = page.read_text()
    assert "http://" not in html and "https://" not in html.replace("https://example.invalid", "")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    dom = subprocess.run([CHROMIUM, *flags, f"--user-data-dir={tmp_path / 'p1'}", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    data = json.loads(agenda(LATE, "--today", "2026-06-01", "--format", "json", "--no-history"))
    total = sum(t["progress"]["total"] for t in data["tasks"])
    done = sum(t["progress"]["done"] for t in data["tasks"])
    assert re.search(rf'data-rendered-tasks="{len(data["tasks"])}"', dom)  # computed by the page's script
    assert re.search(rf'data-rendered-progress="{round(100 * done / total)}"', dom)
    bars = re.findall(r'aria-valuenow="(\d+)"', dom)
    assert bars == [str(t["progress"]["percent"]) for t in data["tasks"]]
    shot = tmp_path / "agenda.png"
    subprocess.run([CHROMIUM, *flags, f"--user-data-dir={tmp_path / 'p2'}", "--window-size=1100,1400",
                    f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_documented_sample_is_what_the_command_writes_today() -> None:
    from conftest import PROJECT

    sample = (PROJECT / "docs" / "agenda-sample.md").read_text()
    assert agenda(LATE, "--today", "2026-06-01", "--no-history") == sample
