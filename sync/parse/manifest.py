"""Run manifests under ``.runs/`` (runner.md §2, §3, §6).

Runs are found with two levels of ``os.scandir`` and read lazily: listing 10,000 runs
costs ~25 ms, reading one costs a file open.  The latest run of a task is chosen by the
timestamp inside its run id, never by file time.  Validation uses the early-layout
schema shipped in ``sync/schemas`` with ``additionalProperties`` relaxed, because the
runtime always wrote keys its own schema file forbade.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sync.keys import RUN_ID_FULL

STATUSES = ("queued", "in_progress", "succeeded", "failed", "cancelled")
RUNNING_STATUSES = frozenset({"queued", "in_progress"})  # may turn stale as time passes
_SKIP_LEGACY = frozenset({"cli", "mcp", "metrics", "archive", "manual"})


@dataclass(frozen=True, slots=True)
class RunRef:
    """A run directory that holds (or should hold) ``manifest.json``."""

    task_dir: str
    run_id: str
    path: str  # repo-relative manifest path
    legacy: bool = False  # ``.runs/<task>/<run-id>/manifest.json`` (camelCase run summary)

    @property
    def canonical(self) -> bool:
        return bool(RUN_ID_FULL.match(self.run_id))


@dataclass(slots=True)
class Stage:
    index: int
    id: str
    title: str
    status: str
    exit_code: int | None
    summary: str | None
    error_file: str | None
    command: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "index": self.index,
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "exit_code": self.exit_code,
            "summary": self.summary,
            "error_file": self.error_file,
        }


@dataclass(slots=True)
class Manifest:
    ref: RunRef
    error: str | None = None  # unreadable / invalid JSON
    error_line: int | None = None
    schema_errors: list[str] = field(default_factory=list)
    task_id: str | None = None
    pipeline_id: str | None = None
    status: str | None = None
    status_detail: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    heartbeat_at: str | None = None
    stale_after: int = 30
    parent_run_id: str | None = None
    summary: str | None = None
    artifact_root: str | None = None
    stages: list[Stage] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def guardrail(self) -> str:
        """``clean``, ``findings`` (spec-guard ran and printed ❌), ``failed``, or ``missing``."""
        guards = [s for s in self.stages if "spec-guard" in (s.command or s.id or "")]
        if not guards:
            return "missing"
        if any(s.status == "failed" for s in guards):
            return "failed"
        if any((s.summary or "").lstrip().startswith("❌") for s in guards):
            return "findings"
        if all(s.status == "succeeded" for s in guards):
            return "clean"
        return "partial"

    def is_stale(self, now: dt.datetime) -> bool:
        """An ``in_progress`` run whose heartbeat is older than its stale-after window."""
        if self.status != "in_progress" or not self.heartbeat_at:
            return False
        beat = parse_time(self.heartbeat_at)
        if beat is None:
            return False
        return (now - beat).total_seconds() > self.stale_after

    def to_json(self, now: dt.datetime | None = None) -> dict[str, object]:
        out: dict[str, object] = {
            "path": self.ref.path,
            "task_dir": self.ref.task_dir,
            "run_id": self.ref.run_id,
            "error": self.error,
            "schema_errors": self.schema_errors,
            "task_id": self.task_id,
            "pipeline_id": self.pipeline_id,
            "status": self.status,
            "status_detail": self.status_detail,
            "started_at": self.started_at,
            "completed_at": self.completed_at,
            "heartbeat_at": self.heartbeat_at,
            "parent_run_id": self.parent_run_id,
            "guardrail": self.guardrail() if self.ok else None,
            "stages": [s.to_json() for s in self.stages],
        }
        if now is not None:
            out["stale"] = self.is_stale(now)
        return out


def parse_time(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def scan_runs(root: Path, runs_dir: str) -> dict[str, list[RunRef]]:
    """Run directories per task directory, sorted oldest → newest by run id."""
    base = root / runs_dir
    out: dict[str, list[RunRef]] = {}
    try:
        tasks = list(os.scandir(base))
    except (FileNotFoundError, NotADirectoryError):
        return out
    for task_entry in tasks:
        if not task_entry.is_dir(follow_symlinks=False):
            continue
        refs: list[RunRef] = []
        try:
            cli = list(os.scandir(os.path.join(task_entry.path, "cli")))
        except (FileNotFoundError, NotADirectoryError):
            cli = []
        prefix = f"{runs_dir}/{task_entry.name}"
        for run in cli:
            if run.is_dir(follow_symlinks=False):
                refs.append(RunRef(task_entry.name, run.name, f"{prefix}/cli/{run.name}/manifest.json"))
        if not cli:
            for run in os.scandir(task_entry.path):
                name = run.name
                if run.is_dir(follow_symlinks=False) and name not in _SKIP_LEGACY and RUN_ID_FULL.match(name):
                    refs.append(RunRef(task_entry.name, name, f"{prefix}/{name}/manifest.json", True))
        if refs:
            refs.sort(key=run_order)
            out[task_entry.name] = refs
    return out


def run_order(ref: RunRef) -> tuple[int, str]:
    """Canonical run ids sort by their timestamp (string order); others before them."""
    return (1 if ref.canonical else 0, ref.run_id)


@lru_cache(maxsize=1)
def _schema_validator() -> Any:
    """Draft 7 validator of the shipped schema with unknown keys tolerated (reading)."""
    from importlib.resources import files

    import jsonschema

    schema = json.loads(files("sync.schemas").joinpath("manifest.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(_relax(schema))


@lru_cache(maxsize=1)
def strict_validator() -> Any:
    """The shipped schema as is, for manifests tasksync writes."""
    from importlib.resources import files

    import jsonschema

    schema = json.loads(files("sync.schemas").joinpath("manifest.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def _relax(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _relax(v) for k, v in node.items() if not (k == "additionalProperties" and v is False)}
    if isinstance(node, list):
        return [_relax(v) for v in node]
    return node


def schema_errors(data: Any, *, strict: bool = False) -> list[str]:
    validator = strict_validator() if strict else _schema_validator()
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    out = []
    for err in errors:
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        out.append(f"{where}: {err.message}")
    return out


def load_manifest(root: Path, ref: RunRef, *, validate: bool = True) -> Manifest:
    """Read and (optionally) validate one manifest; problems are recorded, never raised."""
    man = Manifest(ref)
    try:
        with open(root / ref.path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        man.error = "manifest.json is missing from the run directory"
        return man
    except OSError as exc:
        man.error = f"cannot read ({exc.strerror})"
        return man
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        man.error = f"invalid JSON: {getattr(exc, 'msg', exc)}"
        man.error_line = getattr(exc, "lineno", None)
        return man
    if not isinstance(data, dict):
        man.error = "manifest is not a JSON object"
        return man
    if ref.legacy:
        data = _from_camel(data)
    elif validate:
        man.schema_errors = schema_errors(data)
    man.task_id = _s(data.get("task_id"))
    man.pipeline_id = _s(data.get("pipeline_id"))
    man.status = _s(data.get("status"))
    man.status_detail = _s(data.get("status_detail"))
    man.started_at = _s(data.get("started_at"))
    man.completed_at = _s(data.get("completed_at"))
    man.heartbeat_at = _s(data.get("heartbeat_at"))
    stale = data.get("heartbeat_stale_after_seconds")
    man.stale_after = stale if isinstance(stale, int) and not isinstance(stale, bool) else 30
    man.parent_run_id = _s(data.get("parent_run_id"))
    man.summary = _s(data.get("summary"))
    man.artifact_root = _s(data.get("artifact_root"))
    for idx, cmd in enumerate(data.get("commands") or [], start=1):
        if not isinstance(cmd, dict):
            continue
        code = cmd.get("exit_code")
        man.stages.append(
            Stage(
                index=cmd.get("index") if isinstance(cmd.get("index"), int) else idx,
                id=_s(cmd.get("id")) or "",
                title=_s(cmd.get("title")) or "",
                status=_s(cmd.get("status")) or "",
                exit_code=code if isinstance(code, int) and not isinstance(code, bool) else None,
                summary=_s(cmd.get("summary")),
                error_file=_s(cmd.get("error_file")),
                command=_s(cmd.get("command")),
            )
        )
    return man


def _s(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _from_camel(data: dict[str, Any]) -> dict[str, Any]:
    """The legacy camelCase run summary, read only when ``cli/`` is absent."""
    build = data.get("build") if isinstance(data.get("build"), dict) else {}
    success = build.get("success") if isinstance(build, dict) else None
    return {
        "task_id": data.get("taskId"),
        "run_id": data.get("runId"),
        "status": "succeeded" if success is True else "failed" if success is False else None,
        "started_at": data.get("timestamp"),
    }
