"""Action-plan rules: stale overview blocks, overdue reviews (TS010, TS016)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sync.findings import Finding, Location
from sync.parse.action_plan import PlanField
from sync.rules.registry import CheckContext, live, rule


def _manifests(field: PlanField | None) -> set[str]:
    if field is None:
        return set()
    return {p.manifest for p in field.paths if p.manifest}


@rule("TS010", "plan-overview-stale", "warning",
      "a docs/ACTION_PLAN.md block disagrees with the task's plan, or cites a dead (NNNN section)")
def plan_overview_stale(ctx: CheckContext) -> Iterator[Finding]:
    overview = ctx.repo.overview
    if overview is None:
        return
    for task in live(ctx.tasks):
        block = task.overview
        if block is None:
            continue
        mine = block.get("Run Manifest Link")
        plan = task.plan if task.plan is not overview.plan else None
        theirs = plan.get("Run Manifest Link") if plan else None
        if mine is not None and theirs is not None:
            a, b = _manifests(mine), _manifests(theirs)
            if b and a != b:
                state = "is pending" if mine.pending or not a else f"cites {', '.join(sorted(a))}"
                yield ctx.finding(
                    "TS010", task, overview.path, mine.line,
                    f"Run Manifest Link {state} but {plan.path} cites {', '.join(sorted(b))}",
                    related=[Location(plan.path, theirs.line)],
                    fix=f"copy the Run Manifest Link from {plan.path}:{theirs.line}",
                )
        for section in block.tasks_sections:
            if not task.snapshots:
                ref = block.get("Checklist Mirror")
                yield ctx.finding(
                    "TS010", task, overview.path, ref.line if ref else block.line,
                    f"cites `docs/TASKS.md` ({section} section) but {ctx.repo.config.tasks_md} has no snapshot "
                    f"for {task.key}",
                    fix="drop the dead reference or restore the snapshot",
                )


@rule("TS016", "review-overdue", "warning", "an action plan's Next Review date is in the past")
def review_overdue(ctx: CheckContext) -> Iterator[Finding]:
    seen: set[str] = set()
    for task in live(ctx.tasks):
        plan = task.plan
        if plan is None or plan.path in seen:
            continue
        seen.add(plan.path)
        date_field = plan.get("Date", "Next Review")
        when = plan.next_review
        if date_field is None or when is None:
            continue
        try:
            due = dt.date.fromisoformat(when)
        except ValueError:
            continue
        if due < ctx.today:
            days = (ctx.today - due).days
            yield ctx.finding("TS016", task, plan.path, date_field.line,
                              f"Next Review date {when} is {days} day(s) past (today {ctx.today.isoformat()})",
                              fix="hold the review and set the next date")
