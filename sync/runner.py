"""Running a pipeline and recording evidence that Codex Orchestrator tooling reads (runner.md §8).

``.runs/<task>/cli/<run-id>/`` gets ``manifest.json`` (valid against the early-layout
schema shipped in ``sync/schemas``), ``runner.ndjson``, ``commands/NN-<slug>.ndjson``,
``errors/NN-<slug>.json`` for failures, ``.heartbeat``, ``.resume-token``; the task gets
one ``metrics.json`` line per finished run and an ``mcp/`` compatibility pointer.  Every
JSON file is written atomically.  Stages run through ``sh -c`` in their own process group
so a timeout or a signal can stop the whole group.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import secrets
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sync.atomic import replace_file
from sync.errors import UsageError
from sync.pipelines import Pipeline, PipelineConfig, Stage

TAIL_BYTES = 64 * 1024
SUMMARY_CHARS = 240
ERROR_CHARS = 8192
HEARTBEAT_SECONDS = 5.0
STALE_AFTER_SECONDS = 30
KILL_GRACE_SECONDS = 2.0
_SLUG = re.compile(r"[^A-Za-z0-9]+")


def iso(when: dt.datetime | None = None) -> str:
    """JavaScript ISO time, as the orchestrator writes it: 2025-11-04T01:59:37.568Z."""
    when = when or dt.datetime.now(dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def new_run_id(when: dt.datetime | None = None) -> str:
    stamp = iso(when).replace(":", "-").replace(".", "-")
    return f"{stamp}-{secrets.token_hex(4)}"


def slug(stage_id: str) -> str:
    return _SLUG.sub("-", stage_id).strip("-")[:80] or "command"


def write_json(path: Path, data: Any) -> None:
    """2-space JSON plus newline, replaced atomically."""
    replace_file(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def _cut(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass
class Tail:
    """The last 64 KiB of a stream (the full stream goes to the stage log)."""

    data: bytearray = field(default_factory=bytearray)
    total: int = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self.data += chunk
        if len(self.data) > TAIL_BYTES:
            del self.data[: len(self.data) - TAIL_BYTES]

    @property
    def truncated(self) -> bool:
        return self.total > TAIL_BYTES

    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


@dataclass
class Outcome:
    exit_code: int | None
    signal: str | None
    timed_out: bool
    stdout: Tail
    stderr: Tail
    duration_ms: int


class Cancelled(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@dataclass
class Control:
    """Shared by a run and its sub-pipeline runs: the cancel request and the live stage."""

    signum: int | None = None
    process: subprocess.Popen[bytes] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, signum: int) -> None:
        self.signum = signum
        with self.lock:
            proc = self.process
        if proc is not None:
            _kill_group(proc, signal.SIGTERM)


def _kill_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


class Progress:
    """A live line per stage on a terminal, plain lines otherwise (on stderr: results are stdout)."""

    def __init__(self, stream: TextIO, live: bool) -> None:
        self.stream = stream
        self.live = live
        self.last_draw = 0.0

    def start(self, n: int, total: int, stage: Stage) -> None:
        if not self.live:
            self.stream.write(f"[{n}/{total}] {stage.id}: started\n")
            self.stream.flush()

    def update(self, n: int, total: int, stage: Stage, elapsed: float, line: str) -> None:
        now = time.monotonic()
        if not self.live or now - self.last_draw < 0.1:
            return
        self.last_draw = now
        width = 100
        text = f"[{n}/{total}] {stage.id} {elapsed:5.1f}s {line}"
        self.stream.write("\r\033[K" + text[:width])
        self.stream.flush()

    def done(self, n: int, total: int, stage: Stage, status: str, elapsed: float) -> None:
        prefix = "\r\033[K" if self.live else ""
        self.stream.write(f"{prefix}[{n}/{total}] {stage.id}: {status} in {elapsed:.1f}s\n")
        self.stream.flush()


class Run:
    """One run of one pipeline: its directory, its manifest, and the stages it executes."""

    def __init__(self, root: Path, runs_dir: Path, out_dir: Path, task: str, pipeline: Pipeline,
                 config: PipelineConfig, control: Control, progress: Progress, *, parent: Run | None = None,
                 run_id: str | None = None) -> None:
        self.root = root
        self.runs_dir = runs_dir
        self.out_dir = out_dir
        self.task = task
        self.pipeline = pipeline
        self.config = config
        self.control = control
        self.progress = progress
        self.parent = parent
        self.run_id = run_id or new_run_id()
        self.dir = runs_dir / task / "cli" / self.run_id
        self.lock = threading.Lock()
        self.manifest: dict[str, Any] = {}
        self.stop_heartbeat = threading.Event()

    # -- paths -----------------------------------------------------------------------------------
    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    @property
    def manifest_path(self) -> Path:
        return self.dir / "manifest.json"

    # -- manifest --------------------------------------------------------------------------------
    def save(self) -> None:
        with self.lock:
            self.manifest["updated_at"] = iso()
            write_json(self.manifest_path, self.manifest)

    def bootstrap(self) -> None:
        (self.dir / "commands").mkdir(parents=True, exist_ok=True)
        (self.dir / "errors").mkdir(exist_ok=True)
        now = iso()
        token = secrets.token_hex(32)
        compat = self.runs_dir / self.task / "mcp" / self.run_id
        self.manifest = {
            "version": 1,
            "task_id": self.task,
            "task_slug": self.task,
            "run_id": self.run_id,
            "parent_run_id": self.parent.run_id if self.parent else None,
            "pipeline_id": self.pipeline.id,
            "pipeline_title": self.pipeline.title,
            "runner": "codex-cli",
            "approval_policy": None,
            "status": "queued",
            "status_detail": None,
            "started_at": now,
            "completed_at": None,
            "updated_at": now,
            "heartbeat_at": now,
            "heartbeat_interval_seconds": int(HEARTBEAT_SECONDS),
            "heartbeat_stale_after_seconds": STALE_AFTER_SECONDS,
            "artifact_root": self.rel(self.dir),
            "compat_path": self.rel(compat),
            "log_path": self.rel(self.dir / "runner.ndjson"),
            "summary": None,
            "metrics_recorded": False,
            "resume_token": token,
            "resume_events": [],
            "approvals": [],
            "commands": [self._entry(i, s) for i, s in enumerate(self.pipeline.stages, start=1)],
            "child_runs": [],
            "run_summary_path": None,
            "instructions_hash": None,
            "instructions_sources": [],
        }
        self.save()
        (self.dir / ".resume-token").write_text(token + "\n", encoding="utf-8")
        (self.dir / ".heartbeat").write_text(now + "\n", encoding="utf-8")
        write_json(compat / "manifest.json", {
            "redirect_to": self.rel(self.dir), "manifest": self.rel(self.manifest_path), "created_at": now,
            "note": "Generated by codex CLI for backward compatibility.",
        })

    @staticmethod
    def _entry(index: int, stage: Stage) -> dict[str, Any]:
        return {"index": index, "id": stage.id, "title": stage.title, "command": stage.command,
                "kind": stage.kind, "status": "pending", "started_at": None, "completed_at": None,
                "exit_code": None, "summary": None, "log_path": None, "error_file": None, "sub_run_id": None}

    def _heartbeat_loop(self) -> None:
        while not self.stop_heartbeat.wait(HEARTBEAT_SECONDS):
            now = iso()
            with self.lock:
                self.manifest["heartbeat_at"] = now
            (self.dir / ".heartbeat").write_text(now + "\n", encoding="utf-8")
            self.save()

    def _event(self, log: Path, index: int, event: dict[str, Any]) -> None:
        line = json.dumps({**event, "timestamp": iso(), "index": index}, ensure_ascii=False) + "\n"
        for path in (log, self.dir / "runner.ndjson"):
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(line)

    # -- execution -------------------------------------------------------------------------------
    def execute(self) -> str:
        """Run every stage not yet succeeded/skipped; return the final status."""
        with self.lock:
            self.manifest["status"] = "in_progress"
            self.manifest["heartbeat_at"] = iso()
        self.save()
        beat = threading.Thread(target=self._heartbeat_loop, name="tasksync-heartbeat", daemon=True)
        beat.start()
        status, detail, summary_lines = "succeeded", None, []
        try:
            total = len(self.pipeline.stages)
            for index, stage in enumerate(self.pipeline.stages, start=1):
                entry = self.manifest["commands"][index - 1]
                if entry["status"] in ("succeeded", "skipped"):
                    continue
                if self.control.signum is not None:
                    raise Cancelled(self.control.signum)
                ok = self._run_stage(index, total, stage, entry)
                if self.control.signum is not None:
                    raise Cancelled(self.control.signum)
                if not ok:
                    status = "failed"
                    if stage.kind == "subpipeline":
                        detail = f"subpipeline:{stage.pipeline}:failed"
                        summary_lines.append(f"Sub-pipeline '{stage.pipeline}' failed.")
                    else:
                        detail = f"stage:{stage.id}:failed"
                        summary_lines.append(f"Stage '{stage.title}' failed with exit code {entry['exit_code']}.")
                    break
        except Cancelled:
            status, detail = "cancelled", "run-canceled"
        finally:
            self.stop_heartbeat.set()
        self.finalize(status, detail, summary_lines)
        return status

    def _run_stage(self, index: int, total: int, stage: Stage, entry: dict[str, Any]) -> bool:
        if stage.kind == "subpipeline":
            return self._run_child(index, total, stage, entry)
        name = f"{index:02d}-{slug(stage.id)}"
        log = self.dir / "commands" / f"{name}.ndjson"
        with self.lock:
            entry.update(status="running", started_at=iso(), exit_code=None, summary=None,
                         log_path=self.rel(log))
        self.save()
        self.progress.start(index, total, stage)
        self._event(log, index, {"type": "command:start", "command": stage.command})
        outcome = self._spawn(index, total, stage, log)
        self._event(log, index, {"type": "exec:end", "exit_code": outcome.exit_code, "signal": outcome.signal,
                                 "duration_ms": outcome.duration_ms,
                                 "status": "succeeded" if outcome.exit_code == 0 else "failed"})
        self._event(log, index, {"type": "command:end", "exit_code": outcome.exit_code, "signal": outcome.signal,
                                 "duration_ms": outcome.duration_ms})
        succeeded = outcome.exit_code == 0 and not outcome.timed_out
        if succeeded:
            state = "succeeded"
        else:
            state = "skipped" if stage.allow_failure and self.control.signum is None else "failed"
        with self.lock:
            entry.update(status=state, completed_at=iso(), exit_code=outcome.exit_code,
                         summary=self._summary(stage, outcome))
            if state != "succeeded":
                entry["error_file"] = self._error_file(index, stage, name, outcome, state)
        self.save()
        self.progress.done(index, total, stage, state, outcome.duration_ms / 1000)
        return state != "failed"

    def _env(self, stage: Stage) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "CODEX_ORCHESTRATOR_TASK_ID": self.task,
            "CODEX_ORCHESTRATOR_RUN_ID": self.run_id,
            "CODEX_ORCHESTRATOR_PIPELINE_ID": self.pipeline.id,
            "CODEX_ORCHESTRATOR_MANIFEST_PATH": str(self.manifest_path),
            "CODEX_ORCHESTRATOR_RUN_DIR": str(self.dir),
            "CODEX_ORCHESTRATOR_RUNS_DIR": str(self.runs_dir),
            "CODEX_ORCHESTRATOR_OUT_DIR": str(self.out_dir),
            "CODEX_ORCHESTRATOR_REPO_ROOT": str(self.root),
            "CODEX_ORCHESTRATOR_ROOT": str(self.root),
            "MCP_RUNNER_TASK_ID": self.task,
        })
        env.update(stage.env)
        return env

    def _spawn(self, index: int, total: int, stage: Stage, log: Path) -> Outcome:
        cwd = self.root / stage.cwd if stage.cwd else self.root
        started = time.monotonic()
        proc = subprocess.Popen(["/bin/sh", "-c", stage.command or ""], cwd=cwd, env=self._env(stage),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        with self.control.lock:
            self.control.process = proc
        tails = {"stdout": Tail(), "stderr": Tail()}
        last_line = ""
        sequence = 0
        sel = selectors.DefaultSelector()
        assert proc.stdout is not None and proc.stderr is not None
        sel.register(proc.stdout, selectors.EVENT_READ, "stdout")
        sel.register(proc.stderr, selectors.EVENT_READ, "stderr")
        deadline = started + stage.timeout_ms / 1000 if stage.timeout_ms else None
        timed_out = False
        kill_at: float | None = None
        try:
            while sel.get_map():
                for key, _ in sel.select(timeout=0.1):
                    chunk = os.read(key.fileobj.fileno(), 65536)  # type: ignore[union-attr]
                    if not chunk:
                        sel.unregister(key.fileobj)
                        continue
                    sequence += 1
                    tails[key.data].add(chunk)
                    text = chunk.decode("utf-8", "replace")
                    self._event(log, index, {"type": "exec:chunk", "stream": key.data, "sequence": sequence,
                                             "bytes": len(chunk), "data": text})
                    lines = [ln for ln in text.splitlines() if ln.strip()]
                    if lines:
                        last_line = lines[-1].strip()
                now = time.monotonic()
                self.progress.update(index, total, stage, now - started, last_line)
                if deadline and now > deadline and not timed_out:
                    timed_out = True
                    _kill_group(proc, signal.SIGTERM)
                    kill_at = now + KILL_GRACE_SECONDS
                if self.control.signum is not None and kill_at is None:
                    kill_at = now + KILL_GRACE_SECONDS
                if kill_at is not None and now > kill_at:
                    _kill_group(proc, signal.SIGKILL)  # ignores SIGTERM, or keeps its pipes open
                    kill_at = float("inf")
            while True:
                try:
                    proc.wait(timeout=0.1)
                    break
                except subprocess.TimeoutExpired:
                    if kill_at is not None and time.monotonic() > kill_at:
                        _kill_group(proc, signal.SIGKILL)
        finally:
            sel.close()
            with self.control.lock:
                self.control.process = None
        code = proc.returncode
        sig = None
        if code is not None and code < 0:
            sig = signal.Signals(-code).name
            code = 128
        return Outcome(code, sig, timed_out, tails["stdout"], tails["stderr"],
                       int((time.monotonic() - started) * 1000))

    @staticmethod
    def _summary(stage: Stage, outcome: Outcome) -> str:
        """runner.md §1.4 rules, first that applies; stream text cut to 240 characters."""
        stderr = _cut(outcome.stderr.text(), SUMMARY_CHARS)
        stdout = _cut(outcome.stdout.text(), SUMMARY_CHARS)
        if stage.summary_hint:
            return stage.summary_hint
        if outcome.timed_out:
            return f"Timed out after {stage.timeout_ms}ms" + (f" — {stderr}" if stderr else "")
        if outcome.signal:
            return f"Terminated with signal {outcome.signal}" + (f" — {stderr}" if stderr else "")
        if outcome.exit_code:
            return f"Exited with code {outcome.exit_code}" + (f" — {stderr}" if stderr else "")
        if stdout:
            return stdout
        if stderr:
            return stderr
        return "Command completed with code 0"

    def _error_file(self, index: int, stage: Stage, name: str, outcome: Outcome, state: str) -> str:
        details: dict[str, Any] = {"exit_code": outcome.exit_code, "sandbox_state": "n/a"}
        stderr = outcome.stderr.text()
        if len(stderr) > ERROR_CHARS:
            stderr, details["stderr_truncated"] = stderr[:ERROR_CHARS] + "…", True
        details["stderr"] = stderr
        if outcome.signal:
            details["signal"] = outcome.signal
        if outcome.timed_out:
            details["timed_out_after_ms"] = stage.timeout_ms
        if outcome.stdout.truncated:
            details["stdout_truncated"] = True
        if outcome.stderr.truncated:
            details["stderr_truncated"] = True
        path = self.dir / "errors" / f"{name}.json"
        write_json(path, {
            "run_id": self.run_id, "task_id": self.task, "command_index": index, "command_id": stage.id,
            "command": stage.command, "reason": "command-allow-failure" if state == "skipped" else "command-failed",
            "details": details, "created_at": iso(),
        })
        return self.rel(path)

    def _run_child(self, index: int, total: int, stage: Stage, entry: dict[str, Any]) -> bool:
        child_pipeline = self.config.pipelines[stage.pipeline or ""]
        child = Run(self.root, self.runs_dir, self.out_dir, self.task, child_pipeline, self.config, self.control,
                    self.progress, parent=self)
        with self.lock:
            entry.update(status="running", started_at=iso(), sub_run_id=child.run_id, command=None)
        self.save()
        self.progress.start(index, total, stage)
        started = time.monotonic()
        child.bootstrap()
        status = child.execute()
        child_status = child.manifest["status"]
        state = "succeeded" if status == "succeeded" else "skipped" if stage.optional else "failed"
        with self.lock:
            entry.update(status=state, completed_at=iso(), exit_code=0 if status == "succeeded" else 1,
                         summary=f"Sub-pipeline '{child_pipeline.id}' {child_status}.")
            self.manifest["child_runs"].append({"run_id": child.run_id, "pipeline_id": child_pipeline.id,
                                                "status": child_status, "manifest": child.rel(child.manifest_path)})
        self.save()
        self.progress.done(index, total, stage, state, time.monotonic() - started)
        if self.control.signum is not None:
            raise Cancelled(self.control.signum)
        return state != "failed"

    # -- finalising ------------------------------------------------------------------------------
    def _guardrails(self) -> tuple[str, bool]:
        guards = [c for c in self.manifest["commands"] if "spec-guard" in (c.get("command") or "")]
        total = len(guards)
        if not total:
            return "Guardrails: spec-guard command not found.", False
        counts = {s: sum(1 for c in guards if c["status"] == s) for s in ("succeeded", "failed", "skipped")}
        other = total - sum(counts.values())
        present = counts["succeeded"] > 0
        if counts["failed"]:
            return f"Guardrails: spec-guard failed ({counts['failed']}/{total} failed).", present
        if counts["succeeded"] == total:
            return f"Guardrails: spec-guard succeeded ({total} passed).", present
        if counts["skipped"] == total:
            return f"Guardrails: spec-guard skipped (all {total} skipped).", present
        parts = [f"{counts['succeeded']} passed" if counts["succeeded"] else "",
                 f"{counts['skipped']} skipped" if counts["skipped"] else "",
                 f"{other} pending" if other else ""]
        return f"Guardrails: spec-guard partial ({', '.join(p for p in parts if p)} of {total}).", present

    def finalize(self, status: str, detail: str | None, summary_lines: list[str]) -> None:
        guard_line, guards_present = self._guardrails()
        now = iso()
        with self.lock:
            old = [ln for ln in (self.manifest.get("summary") or "").split("\n")
                   if ln and not ln.startswith("Guardrails:")]
            lines = old + [ln for ln in summary_lines if ln not in old]
            if self.pipeline.guardrails_required and guard_line.startswith(("Guardrails: spec-guard command not",
                                                                             "Guardrails: spec-guard failed")):
                lines.append("Guardrail command missing or failed; re-run with spec-guard before citing this run.")
            lines.append(guard_line)
            self.manifest.update(status=status, status_detail=None if status == "succeeded" else detail,
                                 completed_at=now, heartbeat_at=now, summary="\n".join(dict.fromkeys(lines)))
        self.save()
        (self.dir / ".heartbeat").write_text(now + "\n", encoding="utf-8")
        if not self.manifest["metrics_recorded"]:
            self._metrics(guards_present)
            with self.lock:
                self.manifest["metrics_recorded"] = True
            self.save()

    def _metrics(self, guards_present: bool) -> None:
        commands = self.manifest["commands"]
        started = dt.datetime.fromisoformat(self.manifest["started_at"].replace("Z", "+00:00"))
        completed = dt.datetime.fromisoformat(self.manifest["completed_at"].replace("Z", "+00:00"))
        line = {
            "run_id": self.run_id, "task_id": self.task, "pipeline_id": self.pipeline.id,
            "status": self.manifest["status"], "started_at": self.manifest["started_at"],
            "completed_at": self.manifest["completed_at"],
            "duration_seconds": round((completed - started).total_seconds(), 3),
            "commands_passed": sum(1 for c in commands if c["status"] == "succeeded"),
            "commands_failed": sum(1 for c in commands if c["status"] == "failed"),
            "guardrails_present": guards_present, "recorded_at": iso(),
            "artifact_path": self.rel(self.dir), "child_runs": len(self.manifest["child_runs"]),
        }
        path = self.runs_dir / self.task / "metrics.json"
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())


def find_run(runs_dir: Path, task: str | None, run_id: str) -> Path:
    """The manifest of ``run_id``: under the task when given, else under any task (HEAD behaviour)."""
    if task:
        path = runs_dir / task / "cli" / run_id / "manifest.json"
        if path.is_file():
            return path
    matches = sorted(runs_dir.glob(f"*/cli/{run_id}/manifest.json"))
    if not matches:
        raise UsageError(f"no run {run_id} under {runs_dir}")
    return matches[0]


def resume(run: Run, manifest: dict[str, Any], token: str | None) -> None:
    """Check the resume token, record the event, reset what resuming resets (runner.md §5)."""
    stored = manifest.get("resume_token")
    file_token = (run.dir / ".resume-token").read_text(encoding="utf-8").strip() \
        if (run.dir / ".resume-token").is_file() else None
    if not stored or (file_token is not None and file_token != stored):
        raise UsageError("Resume token mismatch: the run directory's .resume-token does not match its manifest.")
    if token is not None and token != stored:
        raise UsageError("Resume token mismatch.")
    manifest["resume_events"].append({"timestamp": iso(), "actor": "cli", "reason": "manual-resume",
                                      "outcome": "accepted"})
    manifest.update(completed_at=None, metrics_recorded=False, status="in_progress", status_detail="resuming")
    manifest["summary"] = "\n".join(ln for ln in (manifest.get("summary") or "").split("\n")
                                    if ln and not ln.startswith(("Stage '", "Sub-pipeline '", "Guardrail")))
    run.manifest = manifest


def install_signals(control: Control) -> Callable[[], None]:
    """SIGINT/SIGTERM cancel the run (stop the live stage's process group); returns the undo."""
    previous = {}

    def handler(signum: int, _frame: object) -> None:
        control.request(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handler)

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore


def stderr_is_tty() -> bool:
    return sys.stderr.isatty() and os.environ.get("TERM", "") != "dumb"
