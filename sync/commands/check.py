"""``tasksync check``: link ticked items to run evidence, reconcile mirrors, report drift."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sync.commands.common import git_scope_for, parse_today, resolve_root, root_argument, select_tasks
from sync.config import Config, load_config
from sync.errors import EXIT_CLEAN, EXIT_FINDINGS, Diagnostic, InputError, UsageError
from sync.findings import Finding, at_least

if TYPE_CHECKING:
    from sync.discovery import Discovery
    from sync.parse.manifest import RunRef
    from sync.repo import Repo, Task


@click.command("check")
@root_argument
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--task", "task_keys", multiple=True, metavar="KEY", help="Only this task (repeatable).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error", show_default=True,
              help="Exit 1 when a finding is at or above this severity.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github", "sarif"]), default="text",
              show_default=True)
@click.option("--today", metavar="YYYY-MM-DD", help="Date for date-dependent rules (default: the system date).")
@click.option("--color/--no-color", "color", default=None, help="Colour text output (default: on a terminal).")
@click.option("--no-cache", is_flag=True, help="Do not read or write .tasksync-cache/.")
@click.option("--staged", is_flag=True,
              help="Check the staged (index) version of changed task docs, and only the tasks they belong to.")
@click.option("--since", metavar="REF", help="Only the tasks whose files changed since git REF.")
def command(
    root: Path,
    paths: tuple[Path, ...],
    task_keys: tuple[str, ...],
    fail_on: str,
    fmt: str,
    today: str | None,
    color: bool | None,
    no_cache: bool,
    staged: bool,
    since: str | None,
) -> None:
    """Check ROOT (default: the current directory) for drift between task docs and evidence.

    PATHS limit the check to the tasks those files belong to.
    """
    from sync.discovery import discover

    root = resolve_root(root)
    day = parse_today(today)
    config = load_config(root)
    scope = git_scope_for(root, config, staged=staged, since=since)
    disc = discover(root, config)

    # a whole-repository check is cached on everything it reads; a selection runs directly.
    # A hit needs neither the parsers nor the rules, so they are imported only on a miss.
    key = None
    if not no_cache and not task_keys and not paths and scope is None:
        from sync import cache

        extra = {"today": day.isoformat(), "config": config.to_json()}
        key = cache.cache_key(root, _inputs(root, config, disc), config.runs_dir, extra)
        hit = cache.load(root, key)
        if hit is not None:
            findings, diagnostics, count = hit
            _finish(findings, diagnostics, fmt, color, count, config, fail_on)

    from sync.check import run_check, tasks_for_paths
    from sync.repo import load_repo

    repo = load_repo(root, config, discovery=disc)
    if scope is not None and staged:
        # what the commit holds: re-read through the index any file these tasks read that differs
        from sync.scope import index_overlay, scope_tasks

        files = _files_of(repo, scope_tasks(repo, scope))
        gone = [p for p in scope.paths if not (root / p).exists()]  # staged, then deleted in the work tree
        overlay = index_overlay(scope, sorted({*files, *gone}))
        if overlay:
            repo = load_repo(root, config, discovery=discover(root, config, overlay=overlay))
    selected = select_tasks(repo, task_keys, scope)
    if paths:
        selected &= tasks_for_paths(repo, [_relative(root, p) for p in paths])
    tasks = [repo.tasks[k] for k in sorted(selected)]
    findings = run_check(repo, tasks, day)
    if key is not None and not _clock_dependent(repo, tasks):
        from sync import cache

        cache.store(root, key, findings, repo.diagnostics, len(tasks))
    _finish(findings, repo.diagnostics, fmt, color, len(tasks), config, fail_on)


def _finish(findings: list[Finding], diagnostics: list[Diagnostic], fmt: str, color: bool | None, tasks: int,
            config: Config, fail_on: str) -> None:
    _emit(findings, fmt, color, tasks, config)
    for diag in diagnostics:
        if diag.severity != "info":
            click.echo(f"tasksync: {diag}", err=True)
    failing = any(at_least(f.severity, fail_on) for f in findings)
    errors = any(d.severity == "error" for d in diagnostics)
    raise SystemExit(EXIT_FINDINGS if failing or errors else EXIT_CLEAN)


def _files_of(repo: Repo, keys: set[str]) -> list[str]:
    """Every file a check of ``keys`` reads (their documents and the shared files)."""
    cfg = repo.config
    files = set(cfg.shared_files)
    for key in keys:
        task = repo.tasks[key]
        files.update(task.files.paths())
        files.add(cfg.agent_mirror.format(key=key))  # an untracked mirror must not appear from nowhere
    return sorted(files)


def _relative(root: Path, path: Path) -> str:
    if path.is_absolute():
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            raise UsageError(f"{path} is outside the repository root {root}") from None
    candidate = root / path
    if candidate.exists() or not path.exists():
        return path.as_posix()
    return os.path.relpath(path.resolve(), root.resolve()).replace(os.sep, "/")


def _inputs(root: Path, config: Config, disc: Discovery) -> dict[str, bytes]:
    """Every file a check reads, as bytes (read once; the loader reuses them on a miss)."""
    names = set(disc.files) | set(config.shared_files)
    out: dict[str, bytes] = {}
    for rel in sorted(names):
        if not (root / rel).exists():
            continue
        try:
            out[rel] = disc.read_bytes(root, rel, config.max_file_bytes)
        except InputError as err:
            out[rel] = f"unreadable: {err}".encode()
    return out


def _clock_dependent(repo: Repo, tasks: list[Task]) -> bool:
    """A run still in progress turns stale with time, so a result that read one is not cached:
    the latest runs of each task (TS014) and every run an item cites (TS008).  Only the status
    is needed, so manifests the check did not load here (the forked half) are read unvalidated."""
    from sync.parse.manifest import RUNNING_STATUSES

    def running(ref: RunRef) -> bool:
        man = repo.peek_manifest(ref)
        return man.status in RUNNING_STATUSES and not man.is_stale(repo.now)

    for task in tasks:
        refs = set(task.runs[-3:])
        for item in task.items:
            refs.update(r for ev in item.evidence if ev.task_dir and ev.run_id
                        and (r := repo.find_run(ev.task_dir, ev.run_id)) is not None)
        if any(running(r) for r in refs):
            return True
    return False


def _emit(findings: list[Finding], fmt: str, color: bool | None, tasks: int, config: Config) -> None:
    if fmt == "json":
        from sync.report import json_report

        click.echo(json_report.render(findings, tasks=tasks), nl=False)
    elif fmt == "github":
        from sync.report import github

        click.echo(github.render(findings), nl=False)
    elif fmt == "sarif":
        from sync.check import severities
        from sync.report import sarif

        click.echo(sarif.render(findings, severities(config)), nl=False)
    else:
        from sync.report import text

        if color is None:
            color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        click.echo(text.render(findings, colour=color, tasks=tasks), nl=False, color=color)
