"""Spec rule: ``last_review`` older than the spec's cadence (TS015), as spec-guard judges it."""

from __future__ import annotations

from collections.abc import Iterator

from sync.findings import Finding
from sync.parse.registry import is_terminal
from sync.repo import Task
from sync.rules.registry import CheckContext, rule


@rule("TS015", "spec-review-stale", "warning",
      "a spec's last_review is older than its cadence (30 days default); inactive specs and stubs skipped",
      scope="repo")
def spec_review_stale(ctx: CheckContext) -> Iterator[Finding]:
    repo = ctx.repo
    owners: dict[str, Task] = {}
    for task in ctx.tasks:
        if task.files.spec:
            owners[task.files.spec] = task
    selected_only = len(ctx.tasks) != len(repo.tasks)
    paths = sorted(owners) if selected_only else repo.spec_paths()
    for rel in paths:
        spec = repo.spec(rel)
        task = owners.get(rel)
        if spec is None or spec.archived or spec.inactive:
            continue
        if task is not None and any(is_terminal(r.status) for r in task.rows):
            continue  # terminal-task packets are exempt
        cadence = spec.cadence_days or repo.config.spec_cadence_days
        date = spec.last_review_date
        if date is None:
            yield ctx.finding("TS015", task, rel, spec.last_review_line or 1,
                              f"last_review is missing or not a date ({spec.last_review!r})",
                              fix=f"add `last_review: {ctx.today.isoformat()}` after reviewing the spec")
            continue
        age = (ctx.today - date).days
        if age > cadence:
            yield ctx.finding("TS015", task, rel, spec.last_review_line,
                              f"last_review {spec.last_review} is {age} days old (cadence {cadence})",
                              fix=f"review the spec and set `last_review: {ctx.today.isoformat()}`")
