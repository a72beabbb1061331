"""`tasksync run` with real subprocess stages; every manifest written is validated (strict schema)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sync.parse.manifest import schema_errors

from conftest import run

RUN_ID = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z-[0-9a-f]{8}$")


def config(root: Path, stages: list[dict], pipelines: dict[str, list[dict]] | None = None, **extra: object) -> None:
    doc = {"defaultPipeline": "ci", "pipelines": [{"id": "ci", "title": "CI", "stages": stages}], **extra}
    for pid, pstages in (pipelines or {}).items():
        doc["pipelines"].append({"id": pid, "title": pid.title(), "stages": pstages})
    (root / "codex.orchestrator.json").write_text(json.dumps(doc, indent=2))


def cmd(sid: str, command: str, **extra: object) -> dict:
    return {"kind": "command", "id": sid, "title": sid, "command": command, **extra}


def manifests(root: Path) -> list[dict]:
    found = []
    for path in sorted(root.glob(".runs/*/cli/*/manifest.json")):
        data = json.loads(path.read_text())
        assert schema_errors(data, strict=True) == [], path
        assert path.read_text().endswith("}\n") and "\n  \"version\": 1" in path.read_text()
        found.append(data)
    return found


def go(root: Path, *args: str):  # type: ignore[no-untyped-def]
    res = run("run", "--root", str(root), "--format", "json", *args)
    return res, (json.loads(res.out.strip().splitlines()[-1]) if res.out.strip() else None)


def test_success_writes_every_evidence_file(tmp_path: Path) -> None:
    config(tmp_path, [cmd("build", "echo built"), cmd("spec-guard", "echo '✅ Spec guard: OK' # spec-guard")])
    res, out = go(tmp_path, "--task", "0101-demo")
    assert res.code == 0, res.err
    assert out["status"] == "succeeded" and RUN_ID.match(out["run_id"])
    run_dir = tmp_path / out["artifact_root"]
    assert out["manifest"] == f".runs/0101-demo/cli/{out['run_id']}/manifest.json"
    (m,) = manifests(tmp_path)
    assert [c["status"] for c in m["commands"]] == ["succeeded", "succeeded"]
    assert m["commands"][0]["summary"] == "built"
    assert m["summary"].endswith("Guardrails: spec-guard succeeded (1 passed).")
    assert (run_dir / ".resume-token").read_text().strip() == m["resume_token"] and len(m["resume_token"]) == 64
    assert (run_dir / ".heartbeat").read_text().endswith("Z\n")
    events = [json.loads(line)["type"] for line in (run_dir / "commands/01-build.ndjson").read_text().splitlines()]
    assert events == ["command:start", "exec:chunk", "exec:end", "command:end"]
    assert len((run_dir / "runner.ndjson").read_text().splitlines()) == 8
    pointer = json.loads((tmp_path / f".runs/0101-demo/mcp/{out['run_id']}/manifest.json").read_text())
    assert pointer["redirect_to"] == out["artifact_root"]
    (metric,) = [json.loads(x) for x in (tmp_path / ".runs/0101-demo/metrics.json").read_text().splitlines()]
    assert (metric["status"], metric["commands_passed"], metric["guardrails_present"]) == ("succeeded", 2, True)


def test_environment_cwd_and_stdin(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    config(tmp_path, [cmd("env", 'echo "$MCP_RUNNER_TASK_ID $CODEX_ORCHESTRATOR_PIPELINE_ID $EXTRA $(basename $PWD)"; '
                                 'cat; test -f "$CODEX_ORCHESTRATOR_MANIFEST_PATH"', cwd="sub", env={"EXTRA": "x"})])
    env = {**os.environ, "MCP_RUNNER_TASK_ID": "0202-env"}
    proc = subprocess.run([sys.executable, "-m", "sync", "run", "--root", str(tmp_path)], env=env,
                          capture_output=True, text=True, input="never read", check=False)
    assert proc.returncode == 0, proc.stderr
    (m,) = manifests(tmp_path)
    assert m["task_id"] == "0202-env" and m["commands"][0]["summary"] == "0202-env ci x sub"


def test_failure_stops_the_run(tmp_path: Path) -> None:
    config(tmp_path, [cmd("lint", "echo lint-out; echo boom >&2; exit 3"), cmd("test", "echo never")])
    res, out = go(tmp_path, "--task", "0101-demo")
    assert res.code == 1 and out["status"] == "failed"
    (m,) = manifests(tmp_path)
    lint, test = m["commands"]
    assert (lint["status"], lint["exit_code"], lint["summary"]) == ("failed", 3, "Exited with code 3 — boom")
    assert test["status"] == "pending" and m["status_detail"] == "stage:lint:failed"
    assert "Stage 'lint' failed with exit code 3." in m["summary"]
    error = json.loads((tmp_path / lint["error_file"]).read_text())
    assert error["reason"] == "command-failed" and error["details"]["stderr"] == "boom\n"


def test_allow_failure_and_summary_hint(tmp_path: Path) -> None:
    config(tmp_path, [cmd("flaky", "exit 1", allowFailure=True, summaryHint="flaky is advisory"), cmd("ok", "true")])
    res, _out = go(tmp_path, "--task", "0101-demo")
    assert res.code == 0
    (m,) = manifests(tmp_path)
    assert [c["status"] for c in m["commands"]] == ["skipped", "succeeded"]
    assert m["commands"][0]["summary"] == "flaky is advisory" and m["commands"][1]["summary"] == (
        "Command completed with code 0")
    assert json.loads((tmp_path / m["commands"][0]["error_file"]).read_text())["reason"] == "command-allow-failure"


def test_timeout_and_a_stage_that_ignores_sigterm(tmp_path: Path) -> None:
    config(tmp_path, [cmd("stubborn", "trap '' TERM; echo started; sleep 30", timeoutMs=300)])
    started = time.monotonic()
    res, _out = go(tmp_path, "--task", "0101-demo")
    assert time.monotonic() - started < 10  # SIGKILL after the grace period
    assert res.code == 1
    (m,) = manifests(tmp_path)
    assert m["commands"][0]["summary"].startswith("Timed out after 300ms")
    assert json.loads((tmp_path / m["commands"][0]["error_file"]).read_text())["details"]["timed_out_after_ms"] == 300


def test_large_output_on_both_streams(tmp_path: Path) -> None:
    script = ("import sys\nsys.stdout.write('o' * 300000 + '\\n'); sys.stderr.write('e' * 200000 + 'END\\n');"
              " sys.exit(2)")
    (tmp_path / "big.py").write_text(script)
    config(tmp_path, [cmd("big", f"{sys.executable} big.py")])
    _res, _out = go(tmp_path, "--task", "0101-demo")
    (m,) = manifests(tmp_path)
    entry = m["commands"][0]
    chunks = [json.loads(x) for x in (tmp_path / entry["log_path"]).read_text().splitlines()
              if '"exec:chunk"' in x]
    assert sum(c["bytes"] for c in chunks if c["stream"] == "stdout") == 300001
    assert sum(c["bytes"] for c in chunks if c["stream"] == "stderr") == 200004
    assert len(entry["summary"]) <= len("Exited with code 2 — ") + 241
    details = json.loads((tmp_path / entry["error_file"]).read_text())["details"]
    assert details["stdout_truncated"] and details["stderr_truncated"] and len(details["stderr"]) <= 8193


def test_sub_pipelines_required_and_optional(tmp_path: Path) -> None:
    config(tmp_path, [{"kind": "subpipeline", "id": "docs", "title": "docs", "pipeline": "docs"},
                      {"kind": "subpipeline", "id": "extra", "title": "extra", "pipeline": "flaky", "optional": True},
                      cmd("after", "echo after")],
           pipelines={"docs": [cmd("d", "echo d")], "flaky": [cmd("f", "exit 1")]})
    res, _out = go(tmp_path, "--task", "0101-demo")
    assert res.code == 0, res.err
    found = {m["pipeline_id"]: m for m in manifests(tmp_path)}
    parent = found["ci"]
    assert [c["status"] for c in parent["commands"]] == ["succeeded", "skipped", "succeeded"]
    assert parent["commands"][0]["command"] is None and parent["commands"][0]["sub_run_id"] == found["docs"]["run_id"]
    assert found["docs"]["parent_run_id"] == parent["run_id"] and found["flaky"]["status"] == "failed"
    assert [c["status"] for c in parent["child_runs"]] == ["succeeded", "failed"]


def test_stage_sets_and_usage_errors(tmp_path: Path) -> None:
    config(tmp_path, [{"kind": "stage-set", "ref": "basics"}], stageSets={"basics": [cmd("a", "true"),
                                                                                      cmd("b", "true")]})
    res, _out = go(tmp_path, "--task", "0101-demo")
    assert res.code == 0 and [c["id"] for c in manifests(tmp_path)[0]["commands"]] == ["a", "b"]
    assert "Pipeline 'nope' not found" in run("run", "nope", "--root", str(tmp_path)).err
    assert run("run", "--root", str(tmp_path), "--task", "../escape").code == 2
    (tmp_path / "codex.orchestrator.json").write_text("{nope")
    bad = run("run", "--root", str(tmp_path), "--task", "0101-demo")
    assert bad.code == 2 and "codex.orchestrator.json:1: invalid JSON" in bad.err


def test_resume_reruns_what_did_not_succeed(tmp_path: Path) -> None:
    config(tmp_path, [cmd("one", "echo one >> ran.txt"), cmd("two", "test -f fixed || exit 1; echo two >> ran.txt"),
                      cmd("three", "echo three >> ran.txt")])
    res, out = go(tmp_path, "--task", "0101-demo")
    assert res.code == 1
    assert run("run", "--root", str(tmp_path), "--resume", out["run_id"], "--token", "0" * 64).code == 2
    (tmp_path / "fixed").write_text("")
    again, out2 = go(tmp_path, "--resume", out["run_id"])
    assert again.code == 0 and out2["run_id"] == out["run_id"]
    assert (tmp_path / "ran.txt").read_text() == "one\ntwo\nthree\n"  # "one" did not run again
    (m,) = manifests(tmp_path)
    assert m["status"] == "succeeded" and [e["outcome"] for e in m["resume_events"]] == ["accepted"]
    assert len((tmp_path / ".runs/0101-demo/metrics.json").read_text().splitlines()) == 2


def _wait_running(root: Path, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in root.glob(".runs/*/cli/*/manifest.json"):
            with open(path) as fh:
                try:
                    data = json.load(fh)
                except json.JSONDecodeError:
                    continue
            if any(c["status"] == "running" for c in data["commands"]):
                return data
        time.sleep(0.05)
    raise AssertionError("the stage never started")


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_cancellation_by_a_signal_from_another_process(tmp_path: Path, sig: int, code: int) -> None:
    config(tmp_path, [cmd("long", "echo $$ > pid; sleep 30"), cmd("next", "echo never")])
    proc = subprocess.Popen([sys.executable, "-m", "sync", "run", "--root", str(tmp_path), "--task", "0101-demo"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_running(tmp_path)
    deadline = time.monotonic() + 5
    while not (tmp_path / "pid").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    stage_pid = int((tmp_path / "pid").read_text())
    os.kill(proc.pid, sig)
    assert proc.wait(timeout=15) == code
    (m,) = manifests(tmp_path)
    assert (m["status"], m["status_detail"]) == ("cancelled", "run-canceled")
    assert m["commands"][1]["status"] == "pending"
    with pytest.raises(ProcessLookupError):
        os.kill(stage_pid, 0)  # the stage's whole process group is gone
    (metric,) = [json.loads(x) for x in (tmp_path / ".runs/0101-demo/metrics.json").read_text().splitlines()]
    assert metric["status"] == "cancelled"


def test_two_tasks_run_at_once(tmp_path: Path) -> None:
    config(tmp_path, [cmd("a", "sleep 0.5; echo a"), cmd("b", "echo b")])
    procs = [subprocess.Popen([sys.executable, "-m", "sync", "run", "--root", str(tmp_path), "--task", key,
                               "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for key in ("0101-a", "0202-b")]
    outs = [json.loads(p.communicate(timeout=30)[0]) for p in procs]
    assert [o["status"] for o in outs] == ["succeeded", "succeeded"]
    assert sorted(m["task_id"] for m in manifests(tmp_path)) == ["0101-a", "0202-b"]


def test_run_then_sync_cites_only_succeeded_runs(tmp_path: Path) -> None:
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks/tasks-0101-demo.md").write_text(
        "# T\n\n## A\n- [ ] Lint passes\n")
    (tmp_path / "docs").mkdir()
    plan = tmp_path / "docs/ACTION_PLAN-demo.md"
    plan.write_text("# Plan\n\n## Status Snapshot\n- Run Manifest Link: _(pending)_\n")
    config(tmp_path, [cmd("lint", "exit 1")])
    res, out = go(tmp_path, "--task", "0101-demo", "--sync")
    assert res.code == 1 and out["ready_to_tick"] == [] and "_(pending)_" in plan.read_text()
    config(tmp_path, [cmd("lint", "echo clean")])
    res, out = go(tmp_path, "--task", "0101-demo", "--sync")
    assert res.code == 0 and out["synced"] == ["docs/ACTION_PLAN-demo.md"]
    assert out["run_id"] in plan.read_text()
    assert [f["line"] for f in out["ready_to_tick"]] == [4]


def test_progress_is_a_live_line_on_a_terminal_and_plain_lines_otherwise() -> None:
    import io

    from sync.pipelines import Stage
    from sync.runner import Progress

    stage = Stage("lint", "lint", "command", command="true")
    live, plain = io.StringIO(), io.StringIO()
    for stream, is_tty in ((live, True), (plain, False)):
        progress = Progress(stream, is_tty)
        progress.start(2, 5, stage)
        progress.update(2, 5, stage, 1.25, "checking 10 files")
        progress.done(2, 5, stage, "succeeded", 1.5)
    assert live.getvalue() == "\r\033[K[2/5] lint   1.2s checking 10 files\r\033[K[2/5] lint: succeeded in 1.5s\n"
    assert plain.getvalue() == "[2/5] lint: started\n[2/5] lint: succeeded in 1.5s\n"
