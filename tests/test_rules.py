"""Every rule: one repository that triggers it and a near miss that must not."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sync.check import run_check
from sync.config import Config, load_config
from sync.repo import load_repo

from repo_builder import index, manifest, write

K = "0101-demo"
RUN1 = "2025-11-04T01-59-37-568Z-8065982c"
RUN2 = "2025-11-05T02-00-00-000Z-aaaaaaaa"
TODAY = dt.date(2025, 11, 20)


def check(root: Path, today: dt.date = TODAY, rule: str | None = None):
    repo = load_repo(root, load_config(root))
    findings = run_check(repo, [repo.tasks[k] for k in sorted(repo.tasks)], today)
    return [f for f in findings if rule is None or f.rule == rule]


def base(root: Path, canonical: str, agent: str | None = None) -> None:
    write(root, f"tasks/tasks-{K}.md", canonical)
    if agent is not None:
        write(root, f".agent/task/{K}.md", agent)


def ev(run: str = RUN1) -> str:
    return f"Evidence: `.runs/{K}/cli/{run}/manifest.json`."


# -- TS001 / TS002 / TS003: mirrors -----------------------------------------------------------


def test_ts001_state_conflict_and_near_miss(tmp_path: Path) -> None:
    body = "# Task Checklist - Demo\n\n## Build\n- [{a}] Compile the thing. {ev}\n- [x] Lint passes. {ev}\n"
    base(tmp_path, body.format(a="x", ev=ev()), body.format(a=" ", ev=ev()))
    (f,) = check(tmp_path, rule="TS001")
    assert (f.path, f.line, f.severity) == (f".agent/task/{K}.md", 4, "error")
    assert f.related[0].path == f"tasks/tasks-{K}.md" and f.related[0].line == 4
    base(tmp_path, body.format(a="x", ev=ev()), body.format(a="x", ev=ev()))
    assert check(tmp_path, rule="TS001") == []


def test_ts001_summary_mirror_is_compared_in_aggregate_only(tmp_path: Path) -> None:
    canonical = "# T\n\n## A\n- [x] one. " + ev() + "\n- [ ] two\n- [x] three. " + ev() + "\n"
    summary = "# Mirror\n\n## Mirror Checklist\n- [x] Everything shipped and reviewed.\n"
    base(tmp_path, canonical, summary)
    (f,) = check(tmp_path, rule="TS001")
    assert f.severity == "warning" and "summary mirror" in f.message
    base(tmp_path, canonical, summary.replace("[x]", "[ ]"))
    assert check(tmp_path, rule="TS001") == []


def test_ts002_evidence_conflict_and_near_miss(tmp_path: Path) -> None:
    body = "# T\n\n## Build\n- [x] Run diagnostics. {ev}\n"
    base(tmp_path, body.format(ev=ev(RUN1)), body.format(ev=ev(RUN2)))
    (f,) = check(tmp_path, rule="TS002")
    assert f.path == f".agent/task/{K}.md" and RUN2 in f.message and RUN1 in f.message
    base(tmp_path, body.format(ev=ev(RUN1)), body.format(ev="Evidence: PR #12."))  # prose: not comparable
    assert check(tmp_path, rule="TS002") == []


def test_ts002_names_the_one_sided_difference_when_one_copy_cites_more(tmp_path: Path) -> None:
    body = "# T\n\n## Build\n- [x] Run diagnostics. {ev}\n"
    both = f"Evidence: `.runs/{K}/cli/{RUN1}/manifest.json`, `.runs/{K}/cli/{RUN2}/manifest.json`."
    base(tmp_path, body.format(ev=ev(RUN1)), body.format(ev=both))
    (f,) = check(tmp_path, rule="TS002")
    assert f.message.startswith(f"also cites .runs/{K}/cli/{RUN2}/manifest.json, which the canonical item does not")
    base(tmp_path, body.format(ev=both), body.format(ev=ev(RUN1)))
    (f,) = check(tmp_path, rule="TS002")
    assert f.message.startswith(f"does not cite .runs/{K}/cli/{RUN2}/manifest.json, which the canonical item cites")


def test_ts002_paraphrased_subtask_mirror_is_matched_by_position(tmp_path: Path) -> None:
    canonical = (
        "# T\n\n## Verification & Guardrails\n- [x] Run diagnostics (`npx x start`) and record it; " + ev(RUN1) + "\n"
    )
    agent = (
        "# T\n\n## Parent Tasks\n1. **Verification & Rollout**\n   - Subtask: Diagnostics\n"
        f"     - Acceptance: run recorded; {ev(RUN2)}\n     - [x] Status: _completed_\n"
    )
    base(tmp_path, canonical, agent)
    (f,) = check(tmp_path, rule="TS002")
    assert f.line == 7 and f.related[0].line == 4


def test_ts003_missing_and_extra_items_and_near_miss(tmp_path: Path) -> None:
    items = [f"- [x] Step {n} done. {ev()}" for n in range(1, 7)]
    canonical = "# T\n\n## A\n" + "\n".join(items) + "\n"
    mirror = "# T\n\n## A\n" + "\n".join([*items[:5], "- [ ] An extra mirror-only step"]) + "\n"
    base(tmp_path, canonical, mirror)
    found = check(tmp_path, rule="TS003")
    assert sorted(f.message.split(":")[0] for f in found) == [
        "missing from this verbatim mirror", "not in the canonical checklist tasks/tasks-0101-demo.md"]
    base(tmp_path, canonical, "# Mirror\n\n## Summary\n- [x] Whole lane shipped.\n")  # summary mirror
    assert check(tmp_path, rule="TS003") == []


# -- TS004 / TS013: registry ---------------------------------------------------------------------


def test_ts004_terminal_with_open_items_and_near_miss(tmp_path: Path) -> None:
    base(tmp_path, "# T\n\n## A\n- [x] a. " + ev() + "\n- [ ] b\n")
    index(tmp_path, [{"id": "0101", "slug": K, "status": "Done"}])
    (f,) = check(tmp_path, rule="TS004")
    assert f.path == "tasks/index.json" and f.line == 6 and "1 of 2 items are open" in f.message
    index(tmp_path, [{"id": "0101", "slug": K, "status": "in-progress"}])
    assert check(tmp_path, rule="TS004") == []


def test_ts004_open_status_with_everything_checked(tmp_path: Path) -> None:
    base(tmp_path, "# T\n\n## A\n- [x] a. " + ev() + "\n")
    index(tmp_path, [{"id": "0101", "slug": K, "status": "in_progress"}])
    assert len(check(tmp_path, rule="TS004")) == 1
    index(tmp_path, [{"id": "0101", "slug": K, "status": "succeeded"}])
    assert check(tmp_path, rule="TS004") == []


def test_ts013_duplicate_rows_and_near_miss(tmp_path: Path) -> None:
    base(tmp_path, "# T\n\n## A\n- [ ] a\n")
    index(tmp_path, [{"id": "0101", "slug": K, "status": "completed"}, {"id": "0101", "slug": K}])
    (f,) = check(tmp_path, rule="TS013")
    assert f.line == 3 and f.related[0].line == 8
    index(tmp_path, [{"id": "0101", "slug": K}])
    assert check(tmp_path, rule="TS013") == []


# -- TS005-TS008, TS014: evidence ----------------------------------------------------------------


def test_ts005_no_evidence_and_near_misses(tmp_path: Path) -> None:
    base(tmp_path, "# T\n\n## A\n- [x] shipped it\n- [x] prose only. Evidence: PR #44 merged.\n- [ ] open\n")
    (f,) = check(tmp_path, rule="TS005")
    assert f.line == 4


def test_ts006_malformed_only_on_ticked_items(tmp_path: Path) -> None:
    base(tmp_path, f"# T\n\n## A\n- [x] a. Evidence: `/Users/me/r/.runs/{K}/cli/{RUN1}/manifest.json`.\n"
                   "- [ ] b. Evidence: `<manifest-path>`.\n")
    (f,) = check(tmp_path, rule="TS006")
    assert f.line == 4 and "absolute path" in f.message and f".runs/{K}/cli/{RUN1}" in f.fix


def test_ts007_missing_manifest_and_unverifiable_near_miss(tmp_path: Path) -> None:
    base(tmp_path, "# T\n\n## A\n- [x] a. " + ev(RUN2) + "\n")
    write(tmp_path, ".runs/README.md", "runs land here\n")  # tracked placeholder only: unverifiable
    (f,) = check(tmp_path, rule="TS007")
    assert f.severity == "info" and "cannot be verified" in f.message
    manifest(tmp_path, K, RUN1)  # now the runs directory holds runs: RUN2 is missing
    (f,) = check(tmp_path, rule="TS007")
    assert f.severity == "error" and RUN2 in f.message


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"status": "failed", "stages": [("test", "failed", "Exited with code 1")]}, "failed (stage test failed"),
        ({"status": "cancelled"}, "was cancelled"),
        ({"task_id": "0202-other", "status": "succeeded"}, "belongs to another task"),
        ({"drop": ("runner",)}, "does not match the manifest schema"),
        ({"status": "in_progress", "heartbeat_at": "2025-11-04T02:00:00.000Z"}, "stale heartbeat"),
        ({"stages": [("spec-guard", "succeeded", "❌ Spec guard: issues detected")]}, "spec-guard reported findings"),
    ],
)
def test_ts008_failed_runs(tmp_path: Path, kwargs: dict, words: str) -> None:
    base(tmp_path, "# T\n\n## A\n- [x] a. " + ev(RUN1) + "\n")
    manifest(tmp_path, K, RUN1, **kwargs)
    (f,) = check(tmp_path, rule="TS008")
    assert words in f.message and f.line == 4


def test_ts008_near_miss_succeeded_clean_run(tmp_path: Path) -> None:
    base(tmp_path, "# T\n\n## A\n- [x] a. " + ev(RUN1) + "\n")
    manifest(tmp_path, K, RUN1, stages=[("spec-guard", "succeeded", "✅ Spec guard: OK")])
    assert check(tmp_path, rule="TS008") == [] and check(tmp_path, rule="TS007") == []


def test_ts008_runs_of_a_stream_belong_but_other_tasks_do_not(tmp_path: Path) -> None:
    base(tmp_path, f"# T\n\n## A\n- [x] a. Evidence: `.runs/{K}-docs-review/cli/{RUN1}/manifest.json`.\n"
                   f"- [x] b. Evidence: `.runs/0999-other/cli/{RUN1}/manifest.json`.\n")
    manifest(tmp_path, f"{K}-docs-review", RUN1)
    manifest(tmp_path, "0999-other", RUN1)
    (f,) = check(tmp_path, rule="TS008")
    assert f.line == 5 and "another task" in f.message


def test_ts014_ready_to_tick_and_near_miss(tmp_path: Path) -> None:
    base(tmp_path, "# T\n\n## A\n- [ ] Migration applied. " + ev(RUN1) + "\n- [ ] Lint passes\n- [ ] Docs written\n")
    manifest(tmp_path, K, RUN1, stages=[("lint", "succeeded", "ok")])
    found = check(tmp_path, rule="TS014")
    assert [(f.line, f.severity) for f in found] == [(4, "info"), (5, "info")]
    manifest(tmp_path, K, RUN1, status="failed", stages=[("lint", "failed", "Exited with code 1")])
    assert check(tmp_path, rule="TS014") == []


# -- TS009: mirrors missing --------------------------------------------------------------------


def test_ts009_missing_agent_mirror_snapshot_and_placeholder(tmp_path: Path) -> None:
    base(tmp_path, "# T\n\n> Mirror with `.agent/task/<id>-<slug>.md`.\n\n## A\n- [ ] a\n")
    write(tmp_path, "docs/TASKS.md", "# Task List Snapshot - Other (0202-other) - Update 2025-11-01: x\n")
    found = check(tmp_path, rule="TS009")
    assert sorted(f.message.split(" ")[0] for f in found) == ["agent", "no", "placeholder"]
    base(tmp_path, "# T\n\n## A\n- [ ] a\n", "# T\n\n## A\n- [ ] a\n")
    write(tmp_path, "docs/TASKS.md", f"# Task List Snapshot - Demo ({K}) - Update 2025-11-01: x\n")
    assert check(tmp_path, rule="TS009") == []


# -- TS010 / TS016: plans -------------------------------------------------------------------------


OVERVIEW = (
    "# Action Plan Overview\n\n## Task 0101 — Demo\n- Run Manifest Link: {link}\n"
    "- Checklist Mirror: `docs/TASKS.md` (0101 section)\n"
)
PLAN = (
    "# Action Plan — Demo (Task 0101)\n\n## Status Snapshot\n- Run Manifest Link: `.runs/{k}/cli/{r}/manifest.json`\n"
    "\n## Next Review\n- Date: {d}\n"
)


def test_ts010_stale_overview_and_dead_section(tmp_path: Path) -> None:
    base(tmp_path, "# T\n\n## A\n- [ ] a\n")
    write(tmp_path, "docs/ACTION_PLAN.md", OVERVIEW.format(link="_(pending — first run)_"))
    write(tmp_path, "docs/ACTION_PLAN-demo.md", PLAN.format(k=K, r=RUN1, d="2025-12-01"))
    found = check(tmp_path, rule="TS010")
    assert [f.line for f in found] == [4, 5]
    write(tmp_path, "docs/ACTION_PLAN.md", OVERVIEW.format(link=f"`.runs/{K}/cli/{RUN1}/manifest.json`"))
    write(tmp_path, "docs/TASKS.md", f"# Task List Snapshot - Demo ({K}) - Update 2025-11-01: x\n")
    assert check(tmp_path, rule="TS010") == []


def test_ts016_review_overdue_and_near_miss(tmp_path: Path) -> None:
    base(tmp_path, "# T\n\n## A\n- [ ] a\n")
    write(tmp_path, "docs/ACTION_PLAN-demo.md", PLAN.format(k=K, r=RUN1, d="2025-11-10"))
    (f,) = check(tmp_path, rule="TS016")
    assert f.line == 7 and "10 day(s) past" in f.message
    assert check(tmp_path, dt.date(2025, 11, 10), rule="TS016") == []


# -- TS012 / TS015 -------------------------------------------------------------------------------


def test_ts012_budget_from_policy_file_and_near_miss(tmp_path: Path) -> None:
    write(tmp_path, "docs/tasks-archive-policy.json", '{"version": 1, "max_lines": 6, "reserve_lines": 2}')
    write(tmp_path, "docs/TASKS.md", "".join(f"# Task List Snapshot - T{n} (0{n}00-t) - Update 2025-11-01: x\n"
                                             for n in range(1, 7)))
    (f,) = check(tmp_path, rule="TS012")
    assert f.severity == "error" and f.message.startswith("6 lines")
    write(tmp_path, "docs/TASKS.md", "# Task List Snapshot - T (0100-t) - Update 2025-11-01: x\n" * 5)
    (f,) = check(tmp_path, rule="TS012")
    assert f.severity == "warning" and "reserve" in f.message
    write(tmp_path, "docs/TASKS.md", "# Task List Snapshot - T (0100-t) - Update 2025-11-01: x\n" * 4)
    assert check(tmp_path, rule="TS012") == []


def test_ts015_stale_spec_and_near_misses(tmp_path: Path) -> None:
    write(tmp_path, "tasks/specs/a.md", "---\nid: a\nlast_review: 2025-09-01\n---\n# A\n")
    write(tmp_path, "tasks/specs/b.md", "---\nid: b\nstatus: done\nlast_review: 2025-01-01\n---\n# B\n")
    write(tmp_path, "tasks/specs/c.md", "---\nid: c\nlast_review: 2025-11-01\n---\n# C\n")
    write(tmp_path, "tasks/specs/d.md", "# D\n\n<!-- docs-archive:stub -->\n> Archived on 2025-01-01.\n")
    write(tmp_path, "tasks/specs/README.md", "# Specs\n")
    (f,) = check(tmp_path, rule="TS015")
    assert (f.path, f.line) == ("tasks/specs/a.md", 3) and "80 days old" in f.message


def test_ts015_a_full_check_reads_unowned_specs_beside_a_checklist_free_legacy_file(tmp_path: Path) -> None:
    """A legacy-named file without checkboxes is not a task; the check is still a full one."""
    base(tmp_path, f"# T\n\n## A\n- [x] shipped it. {ev()}\n")
    write(tmp_path, "tasks/notes.md", "# Notes\n\nNothing to tick here.\n")
    write(tmp_path, "tasks/specs/orphan.md", "---\nid: orphan\nlast_review: 2025-09-01\n---\n# Orphan\n")
    (f,) = check(tmp_path, rule="TS015")
    assert f.path == "tasks/specs/orphan.md" and f.task is None


# -- configuration ----------------------------------------------------------------------------------


def test_severity_override_and_off(tmp_path: Path) -> None:
    base(tmp_path, "# T\n\n## A\n- [x] shipped it\n")
    write(tmp_path, ".tasksync.yaml", "rules:\n  checked-without-evidence: error\n  TS009: off\n")
    found = check(tmp_path)
    assert [(f.rule, f.severity) for f in found] == [("TS005", "error")]


def test_archive_stubs_never_produce_item_findings(tmp_path: Path) -> None:
    base(tmp_path, "# T\n\n<!-- docs-archive:stub -->\n> Archived on 2025-01-01. Full content: x\n",
         "# T\n\n- [ ] stale mirror item\n")
    index(tmp_path, [{"id": "0101", "slug": K, "status": "completed"}])
    assert check(tmp_path) == []


def test_default_config_has_every_rule() -> None:
    from sync.check import severities

    sev = severities(Config())
    assert sorted(sev) == [f"TS{n:03d}" for n in range(1, 18)]
