"""Build small repositories for rule tests: files, registry rows and real run manifests."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from conftest import EARLY

_TEMPLATE = json.loads(
    (EARLY / ".runs/0110-cache-warmup/cli/2025-11-06T16-03-51-442Z-7e0b9d3c/manifest.json").read_text()
)


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def manifest(
    root: Path,
    task_dir: str,
    run_id: str,
    *,
    status: str = "succeeded",
    stages: list[tuple[str, str, str]] | None = None,
    task_id: str | None = None,
    heartbeat_at: str | None = None,
    drop: tuple[str, ...] = (),
) -> str:
    """Write a schema-valid manifest (early-layout schema) and return its repo-relative path."""
    data = copy.deepcopy(_TEMPLATE)
    root_rel = f".runs/{task_dir}/cli/{run_id}"
    data.update(
        task_id=task_id or task_dir, task_slug=task_id or task_dir, run_id=run_id, status=status,
        artifact_root=root_rel, compat_path=f".runs/{task_dir}/mcp/{run_id}", log_path=f"{root_rel}/runner.ndjson",
        status_detail=None if status == "succeeded" else f"stage:test:{status}",
    )
    if heartbeat_at:
        data["heartbeat_at"] = heartbeat_at
    commands = []
    for index, (sid, sstatus, summary) in enumerate(stages or [("build", "succeeded", "ok")], start=1):
        cmd = copy.deepcopy(data["commands"][0])
        cmd.update(index=index, id=sid, title=sid, command=f"echo {sid}", status=sstatus, summary=summary,
                   exit_code=0 if sstatus == "succeeded" else 1,
                   log_path=f"{root_rel}/commands/{index:02d}-{sid}.ndjson", error_file=None)
        commands.append(cmd)
    data["commands"] = commands
    for key in drop:
        data.pop(key, None)
    rel = f"{root_rel}/manifest.json"
    write(root, rel, json.dumps(data, indent=2) + "\n")
    return rel


def index(root: Path, rows: list[dict]) -> None:
    write(root, "tasks/index.json", json.dumps({"items": rows}, indent=2) + "\n")
