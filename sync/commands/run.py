"""``tasksync run``: run a pipeline of ``codex.orchestrator.json`` and record its evidence."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from sync.commands.common import resolve_root
from sync.config import load_config
from sync.errors import EXIT_CLEAN, EXIT_FINDINGS, UsageError
from sync.findings import Finding


@click.command("run")
@click.argument("pipeline_id", required=False, metavar="[PIPELINE]")
@click.option("--task", "task", metavar="KEY", help="Task id (else MCP_RUNNER_TASK_ID, CODEX_ORCHESTRATOR_TASK_ID, "
              "TASK, then 0101).")
@click.option("--root", "root", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Repository root (else CODEX_ORCHESTRATOR_ROOT, else the current directory).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--resume", "resume_id", metavar="RUN_ID", help="Rerun the stages of RUN_ID that did not succeed.")
@click.option("--token", metavar="TOKEN", help="With --resume: the run's resume token.")
@click.option("--sync", "then_sync", is_flag=True,
              help="After the run, sync the task (plan fields cite the run) and list its ready-to-tick items.")
def command(pipeline_id: str | None, task: str | None, root: Path | None, fmt: str, resume_id: str | None,
            token: str | None, then_sync: bool) -> None:
    """Run PIPELINE (default: defaultPipeline) for a task and record the evidence in .runs/.

    Exits 1 when the run fails, 130/143 when SIGINT/SIGTERM cancels it.
    """
    from sync.pipelines import load_pipelines, select, task_id
    from sync.runner import Control, Progress, Run, find_run, install_signals, resume, stderr_is_tty

    root = resolve_root(root or Path(os.environ.get("CODEX_ORCHESTRATOR_ROOT") or ".")).resolve()
    config = load_config(root)
    runs_dir = Path(os.environ.get("CODEX_ORCHESTRATOR_RUNS_DIR") or root / config.runs_dir)
    out_dir = Path(os.environ.get("CODEX_ORCHESTRATOR_OUT_DIR") or root / config.out_dir)
    pipelines = load_pipelines(root, config.pipelines)
    control = Control()
    progress = Progress(sys.stderr, stderr_is_tty())
    if resume_id:
        path = find_run(runs_dir, task_id(task) if task or _env_task() else None, resume_id)
        manifest = json.loads(path.read_text(encoding="utf-8"))
        pipeline = select(pipelines, manifest.get("pipeline_id"))
        if pipeline_id and pipeline_id != pipeline.id:
            raise UsageError(f"run {resume_id} ran pipeline {pipeline.id}, not {pipeline_id}")
        if len(manifest.get("commands", [])) != len(pipeline.stages):
            raise UsageError(f"pipeline {pipeline.id} changed since run {resume_id}: cannot resume it")
        run = Run(root, runs_dir, out_dir, manifest["task_id"], pipeline, pipelines, control, progress,
                  run_id=resume_id)
        resume(run, manifest, token)
        run.save()
    else:
        key = task_id(task)
        pipeline = select(pipelines, pipeline_id)
        run = Run(root, runs_dir, out_dir, key, pipeline, pipelines, control, progress)
        run.bootstrap()
    restore = install_signals(control)
    try:
        status = run.execute()
    finally:
        restore()
    manifest_rel = run.rel(run.manifest_path)
    result: dict[str, object] = {"run_id": run.run_id, "status": status, "artifact_root": run.manifest["artifact_root"],
                                 "manifest": manifest_rel, "log_path": run.manifest["log_path"]}
    if fmt == "text":
        click.echo(f"Run: {run.run_id} ({pipeline.id}, task {run.task})")
        click.echo(f"Status: {status}")
        click.echo(f"Manifest: {manifest_rel}")
        click.echo(f"Log: {run.manifest['log_path']}")
    if then_sync and control.signum is None:
        written, ready = _sync_task(root, run.task, run.run_id, status)
        result.update(synced=written, ready_to_tick=[f.to_json() for f in ready])
        if fmt == "text":
            for path in written:
                click.echo(f"Synced: {path}")
            for f in ready:
                click.echo(f"Ready to tick: {f.path}:{f.line}: {f.message}")
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False))
    if control.signum is not None:
        raise SystemExit(128 + control.signum)
    raise SystemExit(EXIT_CLEAN if status == "succeeded" else EXIT_FINDINGS)


def _env_task() -> bool:
    from sync.pipelines import TASK_ENV

    return any(os.environ.get(n) for n in TASK_ENV)


def _sync_task(root: Path, key: str, run_id: str, status: str) -> tuple[list[str], list[Finding]]:
    """Sync the task that ran, then list its ready-to-tick items for this run (TS014).

    Sync cites only a *succeeded* run; a failed run is never written into the docs as evidence."""
    import datetime as dt

    from sync.apply import outputs_of, write_outputs
    from sync.check import run_check
    from sync.fixes import SyncOptions, plan_sync
    from sync.repo import load_repo

    config = load_config(root)
    repo = load_repo(root, config)
    task = repo.tasks.get(key)
    if task is None:
        click.echo(f"tasksync: no task docs for {key}: nothing to sync", err=True)
        return [], []
    plan = plan_sync(repo, [task], SyncOptions())
    if plan.refusal:
        click.echo(f"tasksync: error: refusing to sync: {plan.refusal}", err=True)
        return [], []
    outputs, failures = outputs_of(plan)
    written = []
    for path, failure in write_outputs(root, outputs):
        if failure is None:
            written.append(path)
        else:
            failures.append(failure)
    for message in failures:
        click.echo(f"tasksync: {message}", err=True)
    if status != "succeeded":
        return written, []  # a failed run makes nothing ready
    repo = load_repo(root, config)
    ready = [f for f in run_check(repo, [repo.tasks[key]], dt.date.today(), parallel=False)
             if f.rule == "TS014" and (run_id in f.message or any(run_id in r.path for r in f.related))]
    return written, ready
