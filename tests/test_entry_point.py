"""The console script leaves through ``os._exit``: exit codes and flushed output must be
exactly what a normal interpreter exit would give."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import LATE, run

TASKSYNC = [sys.executable, "-m", "sync"]


def test_exit_codes_and_output_match_the_in_process_command() -> None:
    args = ["check", str(LATE), "--today", "2026-06-01", "--format", "json"]
    proc = subprocess.run([*TASKSYNC, *args], capture_output=True, text=True, check=False)
    inside = run(*args)
    assert proc.returncode == inside.code == 1
    assert json.loads(proc.stdout) == inside.json()  # all of a large output arrives, flushed


def test_usage_errors_exit_2_and_clean_runs_exit_0() -> None:
    bogus = subprocess.run([*TASKSYNC, "check", "--bogus"], capture_output=True, text=True, check=False)
    assert bogus.returncode == 2 and "No such option" in bogus.stderr
    assert subprocess.run([*TASKSYNC, "config", str(LATE)], capture_output=True, check=False).returncode == 0
