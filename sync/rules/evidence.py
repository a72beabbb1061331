"""Evidence rules: ticked without evidence, malformed, missing or failed runs, ready to tick
(TS005-TS008, TS014).  They read the canonical checklist (the mirror when there is none);
disagreements between copies are the mirror rules' business."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sync import link as L
from sync.findings import Finding, Location, shorten
from sync.parse.checklist import Item
from sync.parse.evidence import Evidence
from sync.repo import Task
from sync.rules.registry import CheckContext, live, rule


def _items(task: Task) -> list[Item]:
    doc = task.canonical or task.agent
    return doc.items if doc else []


def _cited(ctx: CheckContext) -> Iterator[tuple[Task, Item, Evidence]]:
    """Every reference a ticked item cites, with its task and item."""
    for task in live(ctx.tasks):
        for item in _items(task):
            if item.checked:
                for ev in item.evidence:
                    yield task, item, ev



@rule("TS005", "checked-without-evidence", "warning", "a ticked item cites no evidence at all")
def checked_without_evidence(ctx: CheckContext) -> Iterator[Finding]:
    for task in live(ctx.tasks):
        latest = None
        for item in _items(task):
            if not item.checked or item.evidence or item.has_evidence_label:
                continue
            if latest is None:
                latest = ctx.repo.latest_run(task) or False
            hint = f"add `Evidence: {latest.ref.path}`" if latest and latest.status == "succeeded" else (
                f"add `Evidence: {ctx.repo.config.runs_dir}/{task.key}/cli/<run-id>/manifest.json`")
            yield ctx.finding("TS005", task, item.path, item.line,
                              f"ticked without evidence: \"{shorten(item.title, 60)}\"", fix=hint)


@rule("TS006", "evidence-malformed", "warning",
      "a ticked item cites a malformed run reference (placeholder, absolute, .., no cli/, bad run id, glob)")
def evidence_malformed(ctx: CheckContext) -> Iterator[Finding]:
    for task, item, ev in _cited(ctx):
        if ev.kind == "malformed":
            yield ctx.finding("TS006", task, item.path, item.line,
                              f"malformed evidence `{ev.raw}`: {ev.reason}", fix=_malformed_fix(task.key, ev))


_PARENTS = re.compile(r"^(?:\.\./)+")


def _malformed_fix(key: str, ev: Evidence) -> str:
    raw = ev.raw
    if ev.reason == "absolute path" and ".runs/" in raw:
        return f"use the repo-relative path `{raw[raw.index('.runs/'):]}`"
    if ev.reason == "parent-directory (..) path":
        return f"use the repo-relative path `{_PARENTS.sub('', raw)}`"
    return f"cite a real manifest: `.runs/{key}/cli/<YYYY-MM-DDTHH-MM-SS-mmmZ-xxxxxxxx>/manifest.json`"


@rule("TS007", "evidence-missing", "error", "a cited run manifest is absent while the runs directory holds runs")
def evidence_missing(ctx: CheckContext) -> Iterator[Finding]:
    for task in live(ctx.tasks):
        unverifiable: list[Item] = []
        for item in _items(task):
            if not item.checked:
                continue
            for ev in item.evidence:
                link = ctx.link(task, ev)
                if link is None:
                    continue
                if link.verdict == L.MISSING:
                    yield ctx.finding("TS007", task, item.path, item.line,
                                      f"cited manifest {link.manifest_path} does not exist ({link.detail})",
                                      fix="re-run the pipeline and cite its manifest")
                elif link.verdict == L.UNVERIFIABLE and item not in unverifiable:
                    unverifiable.append(item)
        if unverifiable:
            first = unverifiable[0]
            yield ctx.finding(
                "TS007", task, first.path, first.line,
                f"{len(unverifiable)} ticked item(s) cite runs that cannot be verified: "
                f"no runs under {ctx.repo.config.runs_dir}/ in this checkout",
                related=[Location(i.path, i.line) for i in unverifiable[1:4]], cap="info",
            )


_FAILED_WORDS = {
    L.UNREADABLE: "is unreadable",
    L.INVALID: "does not match the manifest schema",
    L.WRONG_TASK: "belongs to another task",
    L.FAILED: "failed",
    L.CANCELLED: "was cancelled",
    L.STALE: "is in progress with a stale heartbeat",
    L.GUARDRAIL: "succeeded, but spec-guard reported findings",
}


@rule("TS008", "evidence-failed", "error",
      "a cited run failed, was cancelled, belongs to another task, is schema-invalid, or is stale in progress")
def evidence_failed(ctx: CheckContext) -> Iterator[Finding]:
    for task, item, ev in _cited(ctx):
        link = ctx.link(task, ev)
        if link is None or link.verdict not in _FAILED_WORDS:
            continue
        detail = f" ({link.detail})" if link.detail else ""
        yield ctx.finding(
            "TS008", task, item.path, item.line,
            f"cited run {ev.run_id} {_FAILED_WORDS[link.verdict]}{detail}",
            related=[Location(link.manifest_path, None)],
            fix="untick the item, or re-run the pipeline and cite a succeeded run",
        )


@rule("TS014", "ready-to-tick", "info",
      "an open item whose cited run, or the task's latest run of the stage it names, succeeded")
def ready_to_tick(ctx: CheckContext) -> Iterator[Finding]:
    for task in live(ctx.tasks):
        items = [i for i in _items(task) if not i.checked]
        if not items:
            continue
        latest = ctx.repo.latest_run(task)
        stages = []
        if latest is not None and latest.ok and latest.status == "succeeded" and latest.guardrail() != "findings":
            stages = [s for s in latest.stages if s.status == "succeeded" and len(s.id) >= 3]
        for item in items:
            passed = [ln for ev in item.evidence if (ln := ctx.link(task, ev)) is not None and ln.verdict == L.OK]
            if passed:
                run_id = passed[0].evidence.run_id
                yield ctx.finding("TS014", task, item.path, item.line,
                                  f"cited run {run_id} succeeded: ready to tick \"{shorten(item.title, 60)}\"",
                                  fix=f"tick it with `Evidence: {passed[0].manifest_path}`")
                continue
            words = set(re.findall(r"[a-z0-9][a-z0-9:-]*", item.norm))
            named = [s for s in stages if s.id.lower() in words]
            if named and latest is not None:
                yield ctx.finding("TS014", task, item.path, item.line,
                                  f"stage {named[0].id} of the latest run {latest.ref.run_id} succeeded: "
                                  f"ready to tick \"{shorten(item.title, 60)}\"",
                                  related=[Location(latest.ref.path, None)],
                                  fix=f"tick it with `Evidence: {latest.ref.path}`")
