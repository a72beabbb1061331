"""Rules about the regions ``tasksync sync`` owns (TS011, TS017)."""

from __future__ import annotations

from collections.abc import Iterator

from sync.findings import Finding
from sync.markers import edited
from sync.rules.registry import CheckContext, live, rule


@rule("TS011", "generated-region-edited", "error", "a hand edit inside a region tasksync owns")
def generated_region_edited(ctx: CheckContext) -> Iterator[Finding]:
    repo = ctx.repo
    tasks_md = repo.config.tasks_md
    for task in live(ctx.tasks):
        for path in (tasks_md, task.files.agent):
            if not path:
                continue
            for region in repo.regions(path):
                if region.key != task.key or region.legacy:
                    continue
                tf = repo.discovery.cache[path]
                if edited(region, tf.lines):
                    yield ctx.finding(
                        "TS011", task, path, region.begin + 1,
                        f"the {region.kind} region of {task.key} was edited by hand since tasksync wrote it",
                        fix="move the edit to the canonical checklist and run `tasksync sync`, "
                            "or keep it with `tasksync sync --force`",
                    )


@rule("TS017", "markers-missing", "info", "a task has no tasksync snapshot region in docs/TASKS.md yet")
def markers_missing(ctx: CheckContext) -> Iterator[Finding]:
    repo = ctx.repo
    doc = repo.tasks_doc
    if doc is None:
        return
    have = {r.key for r in repo.regions(doc.path) if r.kind == "snapshot"}
    for task in live(ctx.tasks):
        if task.key in have or not task.items:
            continue
        yield ctx.finding(
            "TS017", task, doc.path, min((s.line for s in task.snapshots), default=None),
            f"no tasksync snapshot region for {task.key}",
            fix=f"`tasksync sync --init --task {task.key}` inserts one",
        )
