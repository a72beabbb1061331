"""Discovery: keys from the registry and file names, file resolution, conflicts."""

from __future__ import annotations

import json
from pathlib import Path

from sync.config import Config
from sync.discovery import discover

from conftest import EARLY, LATE


def test_early_keys_and_legacy_file_names() -> None:
    disc = discover(EARLY, Config())
    assert sorted(disc.tasks) == ["0110-cache-warmup", "0220-queue-retry", "0330-token-export", "0440-palette-snapshot"]
    t = disc.tasks["0330-token-export"]
    assert (t.canonical, t.agent) == ("tasks/design-token-export.md", ".agent/task/design-token-export.md")
    t = disc.tasks["0110-cache-warmup"]  # index `path` is the PRD; the checklist follows the convention
    assert t.canonical == "tasks/tasks-0110-cache-warmup.md"
    assert disc.tasks["0220-queue-retry"].plan == "docs/ACTION_PLAN-queue-retry.md"
    assert disc.conflicts == []


def test_late_registry_paths_conflicts_and_duplicates() -> None:
    disc = discover(LATE, Config())
    kinds = {(c.kind, c.key) for c in disc.conflicts}
    assert ("task-key-mismatch", "linear-co-777") in kinds
    assert ("duplicate-rows", "1150-snapshot-pruning") in kinds
    dup = next(c for c in disc.conflicts if c.kind == "duplicate-rows")
    assert [line for _, line in dup.locations] == [3, 19]
    co777 = disc.tasks["linear-co-777"]
    assert co777.canonical == "tasks/tasks-linear-co-777.md"
    assert "20260601-linear-co-777-co-777-consolidation" not in disc.tasks


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_two_files_claiming_one_key_are_reported(tmp_path: Path) -> None:
    _write(tmp_path, "tasks/index.json", json.dumps(
        {"items": [{"id": "0101", "slug": "0101-a", "paths": {"task": "tasks/tasks-0101-b.md"}},
                   {"id": "0102", "slug": "0102-c", "paths": {"task": "tasks/tasks-0101-b.md"}}]}))
    _write(tmp_path, "tasks/tasks-0101-b.md", "# T\n\n- [ ] a\n")
    disc = discover(tmp_path, Config())
    (conflict,) = [c for c in disc.conflicts if c.kind == "file-claimed-twice"]
    assert "tasks/tasks-0101-b.md" in conflict.message


def test_checklist_named_differently_from_its_key_joins_through_its_mirror(tmp_path: Path) -> None:
    # conventions §1.3: tasks-0506-tfgrpo.md pairs with .agent/task/0506-tfgrpo-integration.md
    _write(tmp_path, "tasks/index.json", json.dumps(
        {"items": [{"id": "0506", "slug": "0506-tfgrpo-integration", "path": "tasks/0506-prd-tfgrpo-integration.md"}]}))
    _write(tmp_path, "tasks/tasks-0506-tfgrpo.md",
           "# Task Checklist\n\n> Mirror with `.agent/task/0506-tfgrpo-integration.md`.\n\n## A\n- [x] a\n")
    _write(tmp_path, ".agent/task/0506-tfgrpo-integration.md", "# Mirror\n\n## A\n- [x] a\n")
    disc = discover(tmp_path, Config())
    assert list(disc.tasks) == ["0506-tfgrpo-integration"]
    task = disc.tasks["0506-tfgrpo-integration"]
    assert (task.canonical, task.agent) == ("tasks/tasks-0506-tfgrpo.md", ".agent/task/0506-tfgrpo-integration.md")
    assert [c.kind for c in disc.conflicts] == ["checklist-name-differs"]


def test_templates_and_non_key_names_are_not_tasks(tmp_path: Path) -> None:
    _write(tmp_path, ".agent/task/PRD_TEMPLATE.md", "# Template\n- [ ] x\n")
    _write(tmp_path, "tasks/0101-prd-a.md", "# PRD\n")
    _write(tmp_path, "tasks/tasks-0101-a.md", "# T\n- [ ] x\n")
    assert list(discover(tmp_path, Config()).tasks) == ["0101-a"]


def test_custom_globs_from_config(tmp_path: Path) -> None:
    _write(tmp_path, "work/todo-0101-a.md", "# T\n- [ ] x\n")
    cfg = Config(checklists=("work/todo-*.md",), canonical="work/todo-{key}.md")
    disc = discover(tmp_path, cfg)
    assert disc.tasks["todo-0101-a"].canonical == "work/todo-0101-a.md"
