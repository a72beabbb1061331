"""Running the check: pair every mirror with its canonical checklist, then every enabled rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sync.config import Config
from sync.errors import ConfigError
from sync.findings import Finding
from sync.keys import run_dir_belongs
from sync.parallel import split_run
from sync.reconcile import Pair, reconcile
from sync.repo import Repo, Task
from sync.rules import budget, evidence, generated, mirrors, plans, registry_rules, specs  # noqa: F401 (register)
from sync.rules.registry import RULES, CheckContext


def severities(config: Config) -> dict[str, str]:
    """Effective severity per rule id; ``off`` rules are left out.  Keys may be ids or names."""
    by_name = {r.name: r.id for r in RULES.values()}
    out = {rid: r.severity for rid, r in RULES.items()}
    for key, value in config.rules.items():
        rid = key if key in RULES else by_name.get(key)
        if rid is None:
            known = ", ".join(f"{r.id}/{r.name}" for r in RULES.values())
            raise ConfigError(f"rules: unknown rule {key!r} (known: {known})", path=".tasksync.yaml")
        out[rid] = value
    return {rid: sev for rid, sev in out.items() if sev != "off"}


def pairs_for(task: Task) -> list[Pair]:
    """The agent mirror and each TASKS.md snapshot holding items, against the canonical checklist."""
    canon = task.canonical
    if canon is None or canon.archived:
        return []
    out: list[Pair] = []
    agent = task.agent
    if agent is not None and not agent.archived:
        out.append(reconcile(task.key, canon.path, canon.items, agent.path, agent.items, "agent"))
    for snap in task.snapshots:
        if snap.items:
            pair = reconcile(task.key, canon.path, canon.items, snap.items[0].path, snap.items, "tasks-md")
            pair.mirror_line = snap.line
            out.append(pair)
    return out


def _check_tasks(
    repo: Repo, tasks: list[Task], today: dt.date, sev: dict[str, str], rule_ids: list[str]
) -> list[Finding]:
    ctx = CheckContext(repo, tasks, today, severities=sev)
    for task in tasks:
        if not task.archived:
            ctx.pairs[task.key] = pairs_for(task)
    findings: list[Finding] = []
    for rid in rule_ids:
        findings.extend(RULES[rid].func(ctx))
    return findings


def run_check(repo: Repo, tasks: Iterable[Task], today: dt.date, *, parallel: bool = True) -> list[Finding]:
    """Every enabled rule over ``tasks``; per-task rules may run in two processes (sync.parallel)."""
    task_list = list(tasks)
    sev = severities(repo.config)
    task_rules = [rid for rid in sorted(sev) if RULES[rid].scope == "task"]
    repo_rules = [rid for rid in sorted(sev) if RULES[rid].scope == "repo"]
    parts = split_run(
        repo, task_list, lambda part: _check_tasks(repo, part, today, sev, task_rules),
        lambda found: [f.to_json() for f in found], lambda data: [Finding.from_json(f) for f in data],
        parallel=parallel,
    )
    findings = [f for part in parts for f in part]
    ctx = CheckContext(repo, task_list, today, severities=sev)
    for rid in repo_rules:
        findings.extend(RULES[rid].func(ctx))
    findings.sort(key=Finding.sort_key)
    return findings


def tasks_for_paths(repo: Repo, paths: Iterable[str]) -> set[str]:
    """The tasks a set of repo-relative files belongs to (CLI ``PATH...`` arguments)."""
    wanted = {p.removeprefix("./") for p in paths}
    keys: set[str] = set()
    cfg = repo.config
    shared = {cfg.tasks_md, cfg.index, cfg.tasks_policy}
    for key, files in repo.discovery.tasks.items():
        if wanted & set(files.paths()):
            keys.add(key)
    if cfg.plan_overview in wanted:
        keys.update(k for k, t in repo.tasks.items() if t.overview is not None or t.embedded_plan is not None)
    if wanted & shared:
        keys.update(repo.discovery.tasks)
    for path in wanted:
        parts = path.split("/")
        if len(parts) > 1 and parts[0] == cfg.runs_dir.rstrip("/"):
            task_dir = parts[1]
            keys.update(k for k in repo.discovery.tasks if run_dir_belongs(task_dir, k))
    return keys
