"""`tasksync sync`: what it rewrites, what it refuses, and every mode."""

from __future__ import annotations

import hashlib
from pathlib import Path

from conftest import run
from repo_builder import write


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".tasksync-cache" not in p.parts}


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {p for p in set(before) | set(after) if before.get(p) != after.get(p)}


def line_diff(old: bytes, new: bytes) -> list[int]:
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    assert len(a) == len(b)
    return [i + 1 for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]


def test_early_fixture_sync_fixes_what_check_reports(early_copy: Path) -> None:
    before = snapshot(early_copy)
    res = run("sync", str(early_copy))
    assert res.code == 0, res.err
    after = snapshot(early_copy)
    assert changed(before, after) == {"docs/ACTION_PLAN.md", "docs/TASKS.md"}
    assert line_diff(before["docs/ACTION_PLAN.md"], after["docs/ACTION_PLAN.md"]) == [5, 6]  # the two fields only
    # the 2025 Subtask mirror is reported, never rewritten
    assert ".agent/task/0220-queue-retry.md:36: info: 2025 Subtask/Status mirror" in res.err
    check = run("check", str(early_copy), "--today", "2025-11-10", "--format", "json", "--no-cache").json()
    assert not any(f["rule"] in ("TS002", "TS010") and f["path"] != ".agent/task/0220-queue-retry.md"
                   for f in check["findings"])
    assert not any(f["rule"] == "TS001" and f["severity"] == "error" for f in check["findings"])
    assert run("sync", str(early_copy), "--check").code == 0
    assert snapshot(early_copy) == after  # a second run changes nothing


def test_late_fixture_line_edits_keep_wording_encoding_and_line_endings(late_copy: Path) -> None:
    mirror = ".agent/task/linear-3f6c2a91-8d4e-4b7a-9c15-2e7d0a6b8f43.md"
    crlf = ".agent/task/1240-lint-baseline-refresh.md"
    before = snapshot(late_copy)
    assert run("sync", str(late_copy)).code == 0
    after = snapshot(late_copy)
    assert line_diff(before[mirror], after[mirror]) == [20, 30]  # the evidence and the state conflict
    old30 = before[mirror].splitlines()[29]
    new30 = after[mirror].splitlines()[29]
    assert old30.replace(b"[ ]", b"[x]", 1) == new30
    assert crlf not in changed(before, after) or b"\r\n" in after[crlf]
    for path in changed(before, after):
        assert before[path].count(b"\r\n") == after[path].count(b"\r\n") or path == crlf
        assert before[path][:3] == after[path][:3]  # a BOM stays
    assert run("sync", str(late_copy), "--check").code == 0


def test_check_diff_and_dry_run_write_nothing(early_copy: Path) -> None:
    before = snapshot(early_copy)
    check = run("sync", str(early_copy), "--check")
    assert check.code == 1 and "would change docs/TASKS.md (docs-sync block)" in check.out
    diff = run("sync", str(early_copy), "--diff")
    assert diff.code == 1 and "--- a/docs/TASKS.md" in diff.out and "+- [x] Dead-letter replay" in diff.out
    dry = run("sync", str(early_copy), "--dry-run")
    assert dry.code == 0 and "would write docs/ACTION_PLAN.md" in dry.out
    assert snapshot(early_copy) == before


K = "0101-demo"
CANON = "# Task Checklist - Demo\n\n## Build\n- [x] Compile. Evidence: `docs/a.md`.\n- [ ] Ship it\n"


def test_init_inserts_regions_and_creates_a_missing_mirror(tmp_path: Path) -> None:
    write(tmp_path, f"tasks/tasks-{K}.md", CANON)
    write(tmp_path, "docs/TASKS.md", f"# Task List Snapshot - Demo ({K}) - Update 2025-11-01: started.\n")
    assert any(f["rule"] == "TS017" for f in run("check", str(tmp_path), "--format", "json", "--no-cache")
               .json()["findings"])
    res = run("sync", str(tmp_path), "--init")
    assert res.code == 0, res.err
    tasks_md = (tmp_path / "docs/TASKS.md").read_text().splitlines()
    assert tasks_md[0] == f"<!-- tasksync:begin snapshot {K} -->"  # above the task's newest snapshot
    assert tasks_md[1].startswith(f"# Task List Snapshot - Demo ({K}) - Status undated: 1/2 checklist items done")
    assert tasks_md[2].startswith(f"<!-- tasksync:end snapshot {K} sha256:")
    assert tasks_md[3].startswith("# Task List Snapshot - Demo")  # the old snapshot is kept
    mirror = (tmp_path / f".agent/task/{K}.md").read_text()
    assert "- [x] Compile. Evidence: `docs/a.md`." in mirror and "## Build" in mirror
    findings = run("check", str(tmp_path), "--format", "json", "--no-cache").json()["findings"]
    assert not [f for f in findings if f["rule"] in ("TS001", "TS003", "TS009", "TS011", "TS017")]
    assert run("sync", str(tmp_path), "--init", "--check").code == 0
    # the generated regions follow the canonical checklist from now on
    write(tmp_path, f"tasks/tasks-{K}.md", CANON.replace("- [ ] Ship it", "- [x] Ship it. Evidence: PR #4."))
    assert run("sync", str(tmp_path)).code == 0
    assert "- [x] Ship it. Evidence: PR #4." in (tmp_path / f".agent/task/{K}.md").read_text()
    assert "2/2 checklist items done" in (tmp_path / "docs/TASKS.md").read_text()


def test_hand_edit_inside_a_region_needs_force_and_conflicts_are_rebuilt(tmp_path: Path) -> None:
    write(tmp_path, f"tasks/tasks-{K}.md", CANON)
    write(tmp_path, "docs/TASKS.md", "")
    assert run("sync", str(tmp_path), "--init").code == 0
    path = tmp_path / "docs/TASKS.md"
    generated = path.read_text()
    path.write_text(generated.replace("1/2 checklist items done", "2/2 checklist items done (by hand)"))
    check = run("check", str(tmp_path), "--format", "json", "--no-cache").json()["findings"]
    assert [f["line"] for f in check if f["rule"] == "TS011"] == [1]
    res = run("sync", str(tmp_path))
    assert res.code == 1 and "edited by hand; not overwritten [TS011]" in res.err
    assert "(by hand)" in path.read_text()
    assert run("sync", str(tmp_path), "--force").code == 0 and path.read_text() == generated
    lines = generated.splitlines()
    path.write_text("\n".join([lines[0], "<<<<<<< ours", lines[1], "=======", "theirs", ">>>>>>> branch", lines[2]])
                    + "\n")
    assert run("sync", str(tmp_path)).code == 0 and path.read_text() == generated


def test_budget_refusal_writes_nothing(tmp_path: Path) -> None:
    write(tmp_path, f"tasks/tasks-{K}.md", CANON)
    write(tmp_path, "docs/tasks-archive-policy.json", '{"version": 1, "max_lines": 5, "reserve_lines": 1}')
    write(tmp_path, "docs/TASKS.md", "".join(f"# Task List Snapshot - T ({n}000-t) - Update 2025-11-01: x\n"
                                             for n in range(1, 4)))
    before = snapshot(tmp_path)
    res = run("sync", str(tmp_path), "--init")
    assert res.code == 1 and "would grow from 3 to 6 lines, reaching its 5-line budget" in res.err
    assert snapshot(tmp_path) == before  # not even the new agent mirror


def test_prefer_mirror_reverses_one_named_task(tmp_path: Path) -> None:
    write(tmp_path, f"tasks/tasks-{K}.md", "# T\n\n## A\n- [ ] Ship it\n- [x] Lint passes\n")
    write(tmp_path, f".agent/task/{K}.md", "# T\n\n## A\n- [x] Ship it. Evidence: `docs/a.md`.\n- [x] Lint passes\n")
    assert run("sync", str(tmp_path), "--prefer", "mirror").code == 2
    assert run("sync", str(tmp_path), "--prefer", "mirror", "--task", K).code == 0
    assert (tmp_path / f"tasks/tasks-{K}.md").read_text() == "# T\n\n## A\n- [x] Ship it\n- [x] Lint passes\n"


def test_bad_input_in_one_task_leaves_it_untouched_and_others_proceed(tmp_path: Path) -> None:
    write(tmp_path, f"tasks/tasks-{K}.md", "# T\n\n## A\n- [x] a\n")
    write(tmp_path, f".agent/task/{K}.md", "# T\n\n## A\n- [ ] a\n")
    write(tmp_path, "tasks/tasks-0202-b.md", "# T\n\n## A\n- [x] b\n")
    (tmp_path / ".agent/task/0202-b.md").write_bytes(b"# T\n\n## A\n- [ ] b \xff\n")
    before = hashlib.sha256((tmp_path / ".agent/task/0202-b.md").read_bytes()).hexdigest()
    res = run("sync", str(tmp_path))
    assert "task left untouched" in res.err
    assert (tmp_path / f".agent/task/{K}.md").read_text() == "# T\n\n## A\n- [x] a\n"
    assert hashlib.sha256((tmp_path / ".agent/task/0202-b.md").read_bytes()).hexdigest() == before


def test_parallel_sync_plan_equals_the_sequential_one(late_copy: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sync.parallel as parallel_module
    from sync.config import Config
    from sync.fixes import SyncOptions, plan_sync
    from sync.repo import load_repo

    def planned(parallel: bool) -> dict:
        repo = load_repo(late_copy, Config())
        plan = plan_sync(repo, [repo.tasks[k] for k in sorted(repo.tasks)], SyncOptions(init=True), parallel=parallel)
        return {p: sorted((e.start, e.end, e.lines) for e in c.edits) for p, c in plan.changes.items()}

    monkeypatch.setattr(parallel_module, "PARALLEL_MIN_TASKS", 1)
    sequential = planned(False)
    assert sequential and planned(True) == sequential


def test_a_user_template_overrides_the_default(tmp_path: Path) -> None:
    write(tmp_path, f"tasks/tasks-{K}.md", CANON)
    write(tmp_path, "docs/TASKS.md", "")
    write(tmp_path, "my-templates/tasks_snapshot.md.j2",
          "{% set placement = 'top' %}{% if task %}# Task List Snapshot - {{ task.key }} - Status {{ as_of }}: "
          "{{ done }} of {{ total }}.\n{% endif %}")
    write(tmp_path, ".tasksync.yaml", "templates: my-templates\n")
    assert run("sync", str(tmp_path), "--init").code == 0
    assert f"# Task List Snapshot - {K} - Status undated: 1 of 2." in (tmp_path / "docs/TASKS.md").read_text()
    write(tmp_path, "my-templates/tasks_snapshot.md.j2", "{{ no_such_variable }}\n")
    res = run("sync", str(tmp_path))
    assert res.code == 2 and "tasks_snapshot.md.j2" in res.err and "UndefinedError" in res.err


def test_a_forked_half_plan_is_dropped_for_a_file_that_changed_after_it_was_planned(late_copy: Path) -> None:
    """The parent re-reads the files the child planned; it must splice only the same bytes."""
    from sync.config import load_config
    from sync.fixes import SyncOptions, _decode, _encode, plan_sync
    from sync.repo import load_repo

    repo = load_repo(late_copy, load_config(late_copy))
    plan = plan_sync(repo, [repo.tasks[k] for k in sorted(repo.tasks)], SyncOptions(), parallel=False)
    data = _encode(plan)
    edited = next(p for p, c in plan.changes.items() if c.tf is not None)
    assert set(_decode(load_repo(late_copy, load_config(late_copy)), data).changes) == set(plan.changes)
    (late_copy / edited).write_bytes((late_copy / edited).read_bytes() + b"\nEdited meanwhile.\n")
    decoded = _decode(load_repo(late_copy, load_config(late_copy)), data)
    assert edited not in decoded.changes and set(decoded.changes) == set(plan.changes) - {edited}
    assert [(f.path, f.name) for f in decoded.problems[len(plan.problems):]] == [(edited, "concurrent-change")]
