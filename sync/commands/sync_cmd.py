"""``tasksync sync``: make the mirrors agree with the canonical checklist and the evidence.

Writes only regions and lines tasksync owns (see ``sync.fixes``); ``--check``, ``--diff``
and ``--dry-run`` write nothing.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from sync.commands.common import git_scope_for, resolve_root, select_tasks
from sync.config import load_config
from sync.errors import EXIT_CLEAN, EXIT_FINDINGS, UsageError


@click.command("sync")
@click.argument("root", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--task", "task_keys", multiple=True, metavar="KEY", help="Only this task (repeatable).")
@click.option("--prefer", type=click.Choice(["canonical", "mirror"]), default="canonical", show_default=True,
              help="Direction: canonical → mirrors, or (with --task) the agent mirror → canonical.")
@click.option("--init", "init", is_flag=True, help="Insert missing tasksync regions (and create missing mirrors).")
@click.option("--force", is_flag=True, help="Overwrite hand edits inside generated regions.")
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if anything would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff instead of writing; exit 1 on changes.")
@click.option("--dry-run", is_flag=True, help="List the files that would change; write nothing.")
@click.option("--staged", is_flag=True, help="Only the tasks whose files are staged (the pre-commit fixer).")
@click.option("--since", metavar="REF", help="Only the tasks whose files changed since git REF.")
def command(
    root: Path,
    task_keys: tuple[str, ...],
    prefer: str,
    init: bool,
    force: bool,
    check_only: bool,
    show_diff: bool,
    dry_run: bool,
    staged: bool,
    since: str | None,
) -> None:
    """Rewrite the regions and item lines tasksync owns so every mirror agrees with the canonical
    checklist of ROOT (default: the current directory)."""
    from sync.apply import outputs_of, write_outputs
    from sync.fixes import SyncOptions, plan_sync
    from sync.repo import load_repo

    if prefer == "mirror" and not task_keys:
        raise UsageError("--prefer mirror reverses the direction for named tasks only: add --task KEY")
    root = resolve_root(root)
    config = load_config(root)
    # the fixer reads and writes the work tree (in a hook, pre-commit has stashed unstaged edits)
    scope = git_scope_for(root, config, staged=staged, since=since)
    repo = load_repo(root, config)
    tasks = [repo.tasks[k] for k in sorted(select_tasks(repo, task_keys, scope))]
    options = SyncOptions(
        prefer_mirror=frozenset(task_keys) if prefer == "mirror" else frozenset(), init=init, force=force
    )
    plan = plan_sync(repo, tasks, options)

    for diag in repo.diagnostics:
        if diag.severity != "info":
            click.echo(f"tasksync: {diag}", err=True)
    for problem in sorted(plan.problems, key=lambda p: p.sort_key()):
        where = f"{problem.path}:{problem.line}" if problem.line else problem.path
        click.echo(f"tasksync: {where}: {problem.severity}: {problem.message} [{problem.rule}]", err=True)
    if plan.refusal:
        click.echo(f"tasksync: error: refusing to sync: {plan.refusal}", err=True)
        raise SystemExit(EXIT_FINDINGS)

    outputs, splice_errors = outputs_of(plan)
    for message in splice_errors:
        click.echo(f"tasksync: {message}", err=True)

    errors = any(p.severity == "error" for p in plan.problems)
    if show_diff:
        for path, (new, old) in outputs.items():
            before = (old or b"").decode("utf-8", "replace").splitlines(keepends=True)
            after = new.decode("utf-8", "replace").splitlines(keepends=True)
            click.echo("".join(difflib.unified_diff(before, after, f"a/{path}", f"b/{path}")), nl=False)
        raise SystemExit(EXIT_FINDINGS if outputs or errors else EXIT_CLEAN)
    if check_only or dry_run:
        for path in outputs:
            reasons = ", ".join(plan.changes[path].reasons())
            click.echo(f"{'would change' if check_only else 'would write'} {path} ({reasons})")
        if check_only:
            raise SystemExit(EXIT_FINDINGS if outputs or errors else EXIT_CLEAN)
        raise SystemExit(EXIT_FINDINGS if errors else EXIT_CLEAN)

    written = 0
    for path, failure in write_outputs(root, outputs):
        if failure is not None:
            click.echo(f"tasksync: {failure}", err=True)
            errors = True
            continue
        written += 1
        click.echo(f"wrote {path} ({', '.join(plan.changes[path].reasons())})")
    click.echo(f"{written} file(s) written, {len(tasks)} task(s) synced")
    raise SystemExit(EXIT_FINDINGS if errors else EXIT_CLEAN)
