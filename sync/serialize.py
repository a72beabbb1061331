"""The model as JSON (``tasksync status --format json``; shape documented in docs/status-json.md)."""

from __future__ import annotations

from typing import Any

from sync.repo import Repo, Task

SCHEMA_VERSION = 1


def task_summary(repo: Repo, task: Task) -> dict[str, Any]:
    """The facts of one status row."""
    latest = repo.latest_run(task)
    canonical = task.canonical
    return {
        "key": task.key,
        "title": task.title,
        "archived": task.archived,
        "index_status": task.status,
        "items_total": len(canonical.items) if canonical else 0,
        "items_done": canonical.done if canonical else 0,
        "latest_run": None
        if latest is None
        else {
            "run_id": latest.ref.run_id,
            "task_dir": latest.ref.task_dir,
            "path": latest.ref.path,
            "status": latest.status if latest.ok else "unreadable",
            "stale": latest.is_stale(repo.now),
        },
        "mirrors": {
            "canonical": task.files.canonical,
            "agent": task.files.agent,
            "tasks_md": [s.line for s in task.snapshots],
            "plan": task.files.plan,
            "overview": task.overview.line if task.overview else None,
            "spec": task.files.spec,
        },
    }


def task_json(repo: Repo, task: Task) -> dict[str, Any]:
    out = task_summary(repo, task)
    out.update(
        {
            "sources": task.files.sources,
            "rows": [r.to_json() for r in task.rows],
            "canonical": task.canonical.to_json() if task.canonical else None,
            "agent": task.agent.to_json() if task.agent else None,
            "snapshots": [s.to_json() for s in task.snapshots],
            "plan": task.plan.to_json() if task.plan else None,
            "plan_archived": task.plan_archived,
            "overview": task.overview.to_json() if task.overview else None,
            "spec": task.spec.to_json() if task.spec else None,
            "runs": {
                "dirs": task.run_dirs,
                "count": len(task.runs),
                "latest": (lambda m: m.to_json(repo.now) if m else None)(repo.latest_run(task)),
            },
        }
    )
    return out


def status_json(repo: Repo, tasks: list[Task]) -> dict[str, Any]:
    doc = repo.tasks_doc
    return {
        "schemaVersion": SCHEMA_VERSION,
        "kind": "tasksync.status",
        "root": str(repo.root),
        "summary": summary(repo, tasks),
        "tasks": [task_json(repo, t) for t in tasks],
        "tasks_md": None
        if doc is None
        else {
            "path": doc.path,
            "lines": doc.line_count,
            "max_lines": repo.max_lines,
            "reserve_lines": repo.reserve_lines,
            "snapshots": len(doc.snapshots),
            "archive_index_line": doc.archive_index_line,
            "managed_blocks": [{"key": b.key, "begin": b.begin, "end": b.end} for b in doc.managed],
        },
        "unattributed_snapshots": [s.to_json() for s in repo.unattributed],
        "conflicts": [c.to_json() for c in repo.conflicts if c.key in {t.key for t in tasks}],
        "diagnostics": [d.to_json() for d in repo.diagnostics],
    }


def summary(repo: Repo, tasks: list[Task]) -> dict[str, int]:
    archived = sum(1 for t in tasks if t.archived)
    return {
        "tasks": len(tasks),
        "live": len(tasks) - archived,
        "archived": archived,
        "items_total": sum(len(t.items) for t in tasks),
        "items_done": sum(1 for t in tasks for i in t.items if i.checked),
        "conflicts": sum(1 for c in repo.conflicts if c.key in {t.key for t in tasks}),
        "diagnostics": len(repo.diagnostics),
    }
