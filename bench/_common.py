"""Helpers for the benchmark scripts: whole-process timing, medians, the plain-read floor."""

from __future__ import annotations

import argparse
import glob
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
CORPUS = PROJECT.parent / "shared" / "corpus"
TASK_DOC_GLOBS = (
    "tasks/*.md",
    ".agent/task/*.md",
    "docs/ACTION_PLAN*.md",
    "tasks/specs/*.md",
    "docs/TASKS.md",
    "tasks/index.json",
    "docs/tasks-archive-policy.json",
)

PLAIN_READ = """
import glob, os, sys
root = sys.argv[1]
total = 0
for pattern in sys.argv[2:]:
    for path in glob.glob(os.path.join(root, pattern)):
        with open(path, 'rb') as fh:
            total += len(fh.read().decode('utf-8', 'replace'))
print(total)
"""


def tasksync_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("tasksync")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "sync"]


# Measure what users run: an installed package has bytecode caches, so a session that sets
# PYTHONDONTWRITEBYTECODE (some sandboxes do) must not make every run recompile every module.
BENCH_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_once(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env or BENCH_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}")
    return elapsed


def interleaved(commands: dict[str, list[str]], runs: int, cwd: Path | None = None) -> dict[str, list[float]]:
    """Run the commands A B C A B C ... so machine noise hits all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for cmd in commands.values():  # warm the page cache once
        run_once(cmd, cwd)
    for _ in range(runs):
        for name, cmd in commands.items():
            times[name].append(run_once(cmd, cwd))
    return times


def plain_read_cmd(root: Path) -> list[str]:
    return [sys.executable, "-S", "-c", PLAIN_READ, str(root), *TASK_DOC_GLOBS]


def count_files(root: Path) -> int:
    return sum(len(glob.glob(os.path.join(root, p))) for p in TASK_DOC_GLOBS)


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def report(times: dict[str, list[float]], floor: str) -> None:
    base = statistics.median(times[floor])
    width = max(len(n) for n in times)
    for name, values in times.items():
        med = statistics.median(values)
        print(
            f"  {name.ljust(width)}  median {med * 1000:8.1f} ms  min {min(values) * 1000:8.1f} ms"
            f"  ratio to {floor}: {med / base:5.1f}"
        )


LATE_TASK = "linear-617541e3-39f0-4926-8105-9b2a5c053a5b"  # a late-corpus task with a plan, spec and mirrors


def corpus_args(doc: str | None, *, runs: int = 7, task: bool = False, today: bool = False) -> argparse.Namespace:
    """The arguments every corpus benchmark takes; ``root`` is checked to be a directory."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("root", nargs="?", type=Path, default=CORPUS / "co-2026-06-17")
    parser.add_argument("--runs", type=int, default=runs)
    if task:
        parser.add_argument("--task", default=LATE_TASK)
    if today:
        parser.add_argument("--today", default="2026-06-17")
    args = parser.parse_args()
    if not args.root.is_dir():
        raise SystemExit(f"no corpus at {args.root}")
    return args
