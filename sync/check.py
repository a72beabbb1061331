"""Running the check: pair every mirror with its canonical checklist, then every enabled rule."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable

from sync.config import Config
from sync.errors import ConfigError, Diagnostic
from sync.findings import Finding
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


PARALLEL_MIN_TASKS = 200


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


def _check_in_child(repo: Repo, tasks: list[Task], today: dt.date, sev: dict[str, str],
                    rule_ids: list[str]) -> tuple[int, int] | None:
    """Fork a child that checks ``tasks``; returns (pid, read fd) or None when fork is unavailable.

    Parsing dominates a full check and tasks are independent, so on a large repository
    the two cores each take half.  Only findings (and new diagnostics) travel back.
    """
    if not hasattr(os, "fork"):
        return None
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        code = 0
        try:
            start = len(repo.diagnostics)
            found = _check_tasks(repo, tasks, today, sev, rule_ids)
            payload = {"findings": [f.to_json() for f in found],
                       "diagnostics": [d.to_json() for d in repo.diagnostics[start:]]}
            data = json.dumps(payload).encode()
            with os.fdopen(write_fd, "wb") as fh:
                fh.write(data)
        except BaseException:
            code = 1
        os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def _collect(repo: Repo, child: tuple[int, int]) -> list[Finding] | None:
    pid, read_fd = child
    with os.fdopen(read_fd, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        return None
    payload = json.loads(data)
    for d in payload["diagnostics"]:
        repo.diagnostics.append(Diagnostic(d["path"], d["message"], d["line"], d["severity"]))
    return [Finding.from_json(f) for f in payload["findings"]]


def run_check(repo: Repo, tasks: Iterable[Task], today: dt.date, *, parallel: bool = True) -> list[Finding]:
    task_list = list(tasks)
    sev = severities(repo.config)
    task_rules = [rid for rid in sorted(sev) if RULES[rid].scope == "task"]
    repo_rules = [rid for rid in sorted(sev) if RULES[rid].scope == "repo"]
    findings: list[Finding] = []
    child = None
    mine, theirs = task_list, []
    if parallel and len(task_list) >= PARALLEL_MIN_TASKS:
        theirs, mine = task_list[1::2], task_list[0::2]
        child = _check_in_child(repo, theirs, today, sev, task_rules)
        if child is None:
            mine, theirs = task_list, []
    findings.extend(_check_tasks(repo, mine, today, sev, task_rules))
    if child is not None:
        from_child = _collect(repo, child)
        findings.extend(from_child if from_child is not None else _check_tasks(repo, theirs, today, sev, task_rules))
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
    shared = {cfg.tasks_md, cfg.index, cfg.plan_overview, cfg.tasks_policy}
    for key, files in repo.discovery.tasks.items():
        if wanted & set(files.paths()):
            keys.add(key)
    if wanted & shared:
        keys.update(repo.discovery.tasks)
    for path in wanted:
        parts = path.split("/")
        if len(parts) > 1 and parts[0] == cfg.runs_dir.rstrip("/"):
            task_dir = parts[1]
            keys.update(k for k in repo.discovery.tasks if task_dir == k or task_dir.startswith(f"{k}-"))
    return keys
