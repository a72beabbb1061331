"""``tasksync status``: one row per task, or the whole model as JSON."""

from __future__ import annotations

from pathlib import Path

import click

from sync.commands.common import dump_json, resolve_root, root_argument, select_tasks
from sync.config import load_config
from sync.errors import EXIT_CLEAN, EXIT_FINDINGS
from sync.findings import shorten
from sync.repo import Repo, Task, load_repo
from sync.serialize import status_json, summary, task_summary


@click.command("status")
@root_argument
@click.option("--task", "task_keys", multiple=True, metavar="KEY", help="Only this task (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def command(root: Path, task_keys: tuple[str, ...], fmt: str) -> None:
    """Show every task of ROOT: items done, latest run, registry status, mirrors.

    Input problems (bad JSON, unreadable files, ...) are printed on stderr; the rest of
    the repository is still reported.  Exits 1 when any input problem is an error.
    """
    root = resolve_root(root)
    config = load_config(root)
    repo = load_repo(root, config, keys=set(task_keys) or None)
    tasks = [repo.tasks[k] for k in sorted(select_tasks(repo, task_keys))]
    if fmt == "json":
        click.echo(dump_json(status_json(repo, tasks)))
    else:
        click.echo(render_text(repo, tasks), nl=False)
    for diag in repo.diagnostics:
        click.echo(f"tasksync: {diag}", err=True)
    selected = set(repo.tasks)
    for conflict in repo.conflicts:
        if conflict.key not in selected:
            continue
        where = ", ".join(f"{p}:{line}" if line else p for p, line in conflict.locations[:3])
        click.echo(f"tasksync: key conflict ({conflict.kind}): {conflict.message} [{where}]", err=True)
    errors = any(d.severity == "error" for d in repo.diagnostics)
    raise SystemExit(EXIT_FINDINGS if errors else EXIT_CLEAN)


def _mirrors(task: Task) -> str:
    marks = []
    marks.append("agent" if task.files.agent else "-")
    n = len(task.snapshots)
    marks.append(f"tasks.md×{n}" if n > 1 else "tasks.md" if n else "-")
    marks.append("plan" if task.files.plan else "-")
    marks.append("spec" if task.files.spec else "-")
    return " ".join(marks)


def render_text(repo: Repo, tasks: list[Task]) -> str:
    rows = [("KEY", "DONE", "LATEST RUN", "RUN STATUS", "INDEX", "MIRRORS", "STATE", "TITLE")]
    for task in tasks:
        facts = task_summary(repo, task)
        run = facts["latest_run"]
        run_status = "-"
        if run:
            run_status = run["status"] + (" (stale)" if run["stale"] else "")
        total = facts["items_total"]
        rows.append(
            (
                task.key,
                f"{facts['items_done']}/{total}" if task.canonical and not task.archived else "-",
                run["run_id"] if run else "-",
                run_status,
                task.status or "-",
                _mirrors(task),
                "archived" if task.archived else "live",
                shorten(task.title, 60),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    s = summary(repo, tasks)
    lines.append("")
    lines.append(
        f"{s['tasks']} tasks ({s['live']} live, {s['archived']} archived); "
        f"{s['items_done']}/{s['items_total']} canonical items checked; "
        f"{len(repo.unattributed)} TASKS.md snapshots without a task; "
        f"{s['conflicts']} key conflicts; {s['diagnostics']} input problems"
    )
    return "\n".join(lines) + "\n"
