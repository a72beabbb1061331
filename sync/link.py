"""Linking evidence to runs: does a cited manifest exist, parse, validate, belong, and pass?

Only decidable when the runs directory holds runs locally; ``.runs/`` is git-ignored in real
repositories (at most a tracked README or ``.gitkeep``), so in a fresh clone every citation
is *unverifiable*, never broken.
"""

from __future__ import annotations

from dataclasses import dataclass

from sync.keys import run_dir_belongs
from sync.parse.evidence import Evidence
from sync.parse.manifest import RUNNING_STATUSES, Manifest
from sync.repo import Repo, Task

# verdicts, most to least alarming
MISSING = "missing"
UNREADABLE = "unreadable"
INVALID = "schema-invalid"
WRONG_TASK = "wrong-task"
FAILED = "failed"
CANCELLED = "cancelled"
STALE = "stale"
GUARDRAIL = "guardrail-findings"
RUNNING = "in-progress"
OK = "succeeded"
UNVERIFIABLE = "unverifiable"

BAD = frozenset({MISSING, UNREADABLE, INVALID, WRONG_TASK, FAILED, CANCELLED, STALE, GUARDRAIL})


@dataclass(frozen=True, slots=True)
class Link:
    evidence: Evidence
    manifest_path: str
    verdict: str
    detail: str = ""
    manifest: Manifest | None = None


def task_aliases(task: Task) -> set[str]:
    """Names a task's run directories may start with (key, and the long normalizeTaskKey form)."""
    names = {task.key}
    for row in task.rows:
        if row.derived_key:
            names.add(row.derived_key)
    return names


def belongs(task_dir: str, aliases: set[str]) -> bool:
    return any(run_dir_belongs(task_dir, a) for a in aliases)


def link(repo: Repo, task: Task, ev: Evidence) -> Link | None:
    """The verdict on one run reference (None for references that are not runs)."""
    path = ev.manifest
    if path is None or ev.task_dir is None or ev.run_id is None:
        return None
    if not repo.runs:
        return Link(ev, path, UNVERIFIABLE, f"no runs under {repo.config.runs_dir}/ in this checkout")
    ref = repo.find_run(ev.task_dir, ev.run_id)
    if ref is None:
        return Link(ev, path, MISSING, "no such run directory")
    man = repo.manifest(ref)
    if not man.ok:
        verdict = MISSING if man.error and "missing" in man.error else UNREADABLE
        return Link(ev, path, verdict, man.error or "", man)
    if man.schema_errors:
        return Link(ev, path, INVALID, man.schema_errors[0], man)
    aliases = task_aliases(task)
    if not belongs(ev.task_dir, aliases):
        return Link(ev, path, WRONG_TASK, f"run of {ev.task_dir}, not of {task.key}", man)
    if man.task_id and man.task_id != ev.task_dir and not belongs(man.task_id, aliases):
        return Link(ev, path, WRONG_TASK, f"manifest task_id is {man.task_id}", man)
    status = man.status or ""
    if status == "failed":
        detail = man.status_detail or "run failed"
        failing = [s for s in man.stages if s.status == "failed"]
        if failing:
            detail = f"stage {failing[0].id} failed" + (f": {failing[0].summary}" if failing[0].summary else "")
        return Link(ev, path, FAILED, detail, man)
    if status == "cancelled":
        return Link(ev, path, CANCELLED, man.status_detail or "run cancelled", man)
    if status in RUNNING_STATUSES:
        if man.is_stale(repo.now):
            return Link(ev, path, STALE, f"heartbeat {man.heartbeat_at} is older than {man.stale_after}s", man)
        return Link(ev, path, RUNNING, "run still in progress", man)
    if status == "succeeded" and man.guardrail() == "findings":
        return Link(ev, path, GUARDRAIL, "spec-guard ran with findings (❌)", man)
    if status == "succeeded":
        return Link(ev, path, OK, "", man)
    return Link(ev, path, UNREADABLE, f"unknown status {status!r}", man)
