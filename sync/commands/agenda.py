"""``tasksync agenda``: a review agenda generated from the facts (Markdown, JSON or HTML)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from sync.commands.common import git_scope_for, parse_today, resolve_root, root_argument, select_tasks
from sync.config import load_config

HISTORY_AUTO_LIMIT = 50  # git blame per checklist: on by default only for smaller scopes


@click.command("agenda")
@root_argument
@click.option("--task", "task_keys", multiple=True, metavar="KEY", help="Only this task (repeatable).")
@click.option("--since", metavar="REF", help="Only the tasks whose files changed since git REF.")
@click.option("--format", "fmt", type=click.Choice(["md", "json", "html"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE, not stdout.")
@click.option("--today", metavar="YYYY-MM-DD", help="The date the agenda is for (default: the system date).")
@click.option("--history/--no-history", "history", default=None,
              help=f"Date open items with git blame (default: on for up to {HISTORY_AUTO_LIMIT} tasks).")
def command(root: Path, task_keys: tuple[str, ...], since: str | None, fmt: str, output: Path | None,
            today: str | None, history: bool | None) -> None:
    """Write a review agenda for ROOT: decisions needed, evidence to validate, open items,
    ready-to-tick items and the action plan of every task, most urgent first."""
    from sync.agenda import AgendaOptions, build
    from sync.check import run_check
    from sync.render import render_text
    from sync.repo import load_repo

    root = resolve_root(root)
    day = parse_today(today)
    config = load_config(root)
    scope = git_scope_for(root, config, staged=False, since=since)
    repo = load_repo(root, config)
    tasks = [repo.tasks[k] for k in sorted(select_tasks(repo, task_keys, scope)) if not repo.tasks[k].archived]
    findings = run_check(repo, tasks, day)
    if history is None:
        history = len(tasks) <= HISTORY_AUTO_LIMIT
    agenda = build(repo, tasks, findings, AgendaOptions(day, history))
    if fmt == "json":
        text = json.dumps(agenda, ensure_ascii=False, indent=2) + "\n"
    else:
        name = "agenda.html.j2" if fmt == "html" else "agenda.md.j2"
        text = render_text(repo.templates_dir, name, agenda=agenda)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output} ({agenda['summary']['tasks']} tasks)", err=True)
