"""Budget rule: docs/TASKS.md line budget (TS012), counted as docs:check counts it."""

from __future__ import annotations

from collections.abc import Iterator

from sync.findings import Finding
from sync.rules.registry import CheckContext, rule


@rule("TS012", "tasks-file-budget", "error", "docs/TASKS.md is over its line budget", scope="repo")
def tasks_file_budget(ctx: CheckContext) -> Iterator[Finding]:
    repo = ctx.repo
    doc = repo.tasks_doc
    if doc is None:
        return
    limit, reserve = repo.max_lines, repo.reserve_lines
    if doc.line_count >= limit:
        yield ctx.finding("TS012", None, doc.path, limit,
                          f"{doc.line_count} lines: at or over the {limit}-line budget",
                          fix="archive completed snapshots (`npm run docs:archive-tasks`)")
    elif doc.line_count > limit - reserve:
        yield ctx.finding("TS012", None, doc.path, limit - reserve,
                          f"{doc.line_count} lines: {doc.line_count - (limit - reserve)} into the {reserve}-line "
                          f"reserve of the {limit}-line budget", cap="warning",
                          fix="archive completed snapshots before adding more")
