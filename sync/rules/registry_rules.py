"""Registry rules: status against the checklist, key conflicts (TS004, TS013)."""

from __future__ import annotations

from collections.abc import Iterator

from sync.findings import Finding, Location
from sync.parse.registry import is_terminal
from sync.rules.registry import CheckContext, live, rule


@rule("TS004", "index-status-mismatch", "warning",
      "the registry says terminal while items are open, or open while every item is checked")
def index_status_mismatch(ctx: CheckContext) -> Iterator[Finding]:
    index = ctx.repo.config.index
    registry = ctx.repo.registry
    for task in live(ctx.tasks):
        items = task.items
        rows = [r for r in task.rows if r.status]
        if not items or not rows:
            continue
        open_items = [i for i in items if not i.checked]
        for row in rows:
            line = registry.field_line(row, "status") if registry else row.line
            if is_terminal(row.status) and open_items:
                yield ctx.finding(
                    "TS004", task, index, line,
                    f"status {row.status!r} is terminal but {len(open_items)} of {len(items)} items are open",
                    related=[Location(i.path, i.line) for i in open_items[:3]],
                    fix="finish or untick the open items, or set a non-terminal status",
                )
            elif not is_terminal(row.status) and not open_items:
                yield ctx.finding(
                    "TS004", task, index, line,
                    f"status {row.status!r} is not terminal but all {len(items)} items are checked",
                    related=[Location(items[0].path, None)],
                    fix='set "status": "completed" (and "completed_at") once the work is accepted',
                )


@rule("TS013", "task-key-conflict", "warning",
      "duplicate registry rows, task_key against the derived key, or two files claiming one key", scope="repo")
def task_key_conflict(ctx: CheckContext) -> Iterator[Finding]:
    selected = {t.key for t in ctx.tasks}
    for conflict in ctx.repo.conflicts:
        if conflict.key not in selected:
            continue
        path, line = conflict.locations[0] if conflict.locations else (ctx.repo.config.index, None)
        task = ctx.repo.tasks.get(conflict.key)
        related = [Location(p, n) for p, n in conflict.locations[1:]]
        yield ctx.finding("TS013", task, path, line, f"{conflict.kind}: {conflict.message}", related=related,
                          fix=_FIXES.get(conflict.kind))


_FIXES = {
    "duplicate-rows": "keep one registry row per task",
    "task-key-mismatch": "make task_key match id/slug, or rename the files to the derived key",
    "file-claimed-twice": "point each registry row at its own files",
    "checklist-name-differs": "rename the checklist to tasks/tasks-<key>.md",
}
