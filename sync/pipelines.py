"""Pipelines of ``codex.orchestrator.json`` (runner.md §1.1, §7.1, §8.1-8.5).

Command stages and sub-pipeline stages, stage sets expanded in place, ``defaultPipeline``.
Unknown stage keys are ignored; a missing file means "no pipelines"; invalid JSON, an
unknown pipeline or a nested/unknown stage set is a usage error (exit 2) with the reason.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sync.errors import ConfigError, UsageError
from sync.keys import valid_task_id

TASK_ENV = ("MCP_RUNNER_TASK_ID", "CODEX_ORCHESTRATOR_TASK_ID", "TASK")
DEFAULT_TASK = "0101"


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    title: str
    kind: str  # "command" | "subpipeline"
    command: str | None = None
    pipeline: str | None = None  # sub-pipeline id
    cwd: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    allow_failure: bool = False  # command stages
    optional: bool = False  # sub-pipeline stages
    summary_hint: str | None = None
    timeout_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Pipeline:
    id: str
    title: str
    stages: tuple[Stage, ...]
    guardrails_required: bool = True


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    pipelines: dict[str, Pipeline]
    default: str | None
    path: str


def _stage(raw: Any, where: str) -> Stage:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: a stage must be an object", path=where.split(":")[0])
    kind = raw.get("kind", "command")
    sid, title = raw.get("id"), raw.get("title")
    if not isinstance(sid, str) or not sid:
        raise ConfigError(f"{where}: stage without an id", path=where.split(":")[0])
    title = title if isinstance(title, str) and title else sid
    env = raw.get("env") or {}
    if not isinstance(env, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        raise ConfigError(f"{where}: stage {sid}: env must map strings to strings", path=where.split(":")[0])
    timeout = raw.get("timeoutMs")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0):
        raise ConfigError(f"{where}: stage {sid}: timeoutMs must be a positive integer", path=where.split(":")[0])
    if kind == "subpipeline":
        pipeline = raw.get("pipeline")
        if not isinstance(pipeline, str) or not pipeline:
            raise ConfigError(f"{where}: sub-pipeline stage {sid} names no pipeline", path=where.split(":")[0])
        return Stage(sid, title, "subpipeline", pipeline=pipeline, optional=bool(raw.get("optional")))
    if kind != "command":
        raise ConfigError(f"{where}: stage {sid}: unknown kind {kind!r}", path=where.split(":")[0])
    command = raw.get("command")
    if not isinstance(command, str) or not command.strip():
        raise ConfigError(f"{where}: command stage {sid} has no command", path=where.split(":")[0])
    cwd = raw.get("cwd")
    hint = raw.get("summaryHint")
    return Stage(sid, title, "command", command=command, cwd=cwd if isinstance(cwd, str) else None, env=env,
                 allow_failure=bool(raw.get("allowFailure")), summary_hint=hint if isinstance(hint, str) else None,
                 timeout_ms=timeout)


def load_pipelines(root: Path, rel: str = "codex.orchestrator.json") -> PipelineConfig:
    path = Path(os.environ.get("CODEX_ORCHESTRATOR_REPO_CONFIG_PATH") or root / rel)
    shown = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    if not path.is_file():
        return PipelineConfig({}, None, shown)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"invalid JSON: {exc.msg}", path=shown, line=exc.lineno) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=shown) from None
    if not isinstance(data, dict) or not isinstance(data.get("pipelines", []), list):
        raise ConfigError("expected an object with a 'pipelines' array", path=shown)
    sets = data.get("stageSets") or {}
    if not isinstance(sets, dict):
        raise ConfigError("'stageSets' must be an object", path=shown)
    pipelines: dict[str, Pipeline] = {}
    for n, raw in enumerate(data.get("pipelines", [])):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise ConfigError(f"pipeline #{n + 1} has no id", path=shown)
        stages: list[Stage] = []
        for m, stage in enumerate(raw.get("stages") or []):
            where = f"{shown}: pipeline {raw['id']} stage #{m + 1}"
            if isinstance(stage, dict) and stage.get("kind") == "stage-set":
                ref = stage.get("ref")
                members = sets.get(ref) if isinstance(ref, str) else None
                if not isinstance(members, list):
                    raise ConfigError(f"{where}: unknown stage set {ref!r}", path=shown)
                for member in members:
                    if isinstance(member, dict) and member.get("kind") == "stage-set":
                        raise ConfigError(f"{where}: stage set {ref!r} nests another stage set", path=shown)
                    stages.append(_stage(member, where))
            else:
                stages.append(_stage(stage, where))
        title = raw.get("title") if isinstance(raw.get("title"), str) else raw["id"]
        pipelines[raw["id"]] = Pipeline(raw["id"], title, tuple(stages), raw.get("guardrailsRequired") is not False)
    default = data.get("defaultPipeline")
    return PipelineConfig(pipelines, default if isinstance(default, str) else None, shown)


def select(config: PipelineConfig, pipeline_id: str | None) -> Pipeline:
    """The named pipeline, else ``defaultPipeline``; unknown ids are usage errors."""
    wanted = pipeline_id or config.default
    if wanted is None:
        known = ", ".join(sorted(config.pipelines)) or "none"
        raise UsageError(f"no pipeline given and {config.path} sets no defaultPipeline (pipelines: {known})")
    if wanted not in config.pipelines:
        known = ", ".join(sorted(config.pipelines)) or "none"
        raise UsageError(f"Pipeline '{wanted}' not found in {config.path} (pipelines: {known}).")
    _check_subpipelines(config, config.pipelines[wanted], [])
    return config.pipelines[wanted]


def _check_subpipelines(config: PipelineConfig, pipeline: Pipeline, chain: list[str]) -> None:
    if pipeline.id in chain:
        raise UsageError(f"sub-pipelines loop: {' → '.join([*chain, pipeline.id])}")
    for stage in pipeline.stages:
        if stage.kind == "subpipeline":
            child = config.pipelines.get(stage.pipeline or "")
            if child is None:
                raise UsageError(f"stage {stage.id} of {pipeline.id} runs unknown pipeline '{stage.pipeline}'")
            _check_subpipelines(config, child, [*chain, pipeline.id])


def task_id(explicit: str | None) -> str:
    """``--task``, then MCP_RUNNER_TASK_ID, CODEX_ORCHESTRATOR_TASK_ID, TASK, then "0101"; validated."""
    value = explicit
    if not value:
        value = next((os.environ[name] for name in TASK_ENV if os.environ.get(name)), DEFAULT_TASK)
    if not valid_task_id(value):
        raise UsageError(f"invalid task id {value!r}: no path separators, '..', leading '.', or control characters")
    return value
