"""The pre-commit path: ``tasksync check --staged`` in a git repository holding the late corpus.

One task's checklist and mirror are changed and staged.  Times the whole process (median of
--runs, at least 10) and prints where the time goes: an import-time breakdown from
``python -X importtime`` and the plain-read and ``python -c pass`` floors.  Target: median
<= 150 ms on the 2-core development machine.
Usage: python bench/hook.py [ROOT] [--runs N] [--task KEY]
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_ENV, PROJECT, corpus_args, run_once, tasksync_cmd

ENV = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
       "GIT_COMMITTER_EMAIL": "b@b"}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, env=ENV, check=True, capture_output=True)


def stage_a_change(root: Path, key: str) -> None:
    for rel in (f"tasks/tasks-{key}.md", f".agent/task/{key}.md"):
        path = root / rel
        path.write_text(path.read_text() + "\nA staged note.\n")
        git(root, "add", rel)


def installed_cmd(site: Path, args: list[str]) -> list[str]:
    """The package laid out as its wheel installs it (``templates/`` inside ``sync/``), run without
    the dev venv's editable-install finder, which costs ~11 ms at every start."""
    if not site.exists():
        shutil.copytree(PROJECT / "sync", site / "sync", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(PROJECT / "templates", site / "sync" / "templates",
                        ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    deps = [p for p in sys.path if p.endswith("site-packages")]
    script = f"import sys; sys.path[:0] = {[str(site), *deps]!r}; from sync.cli import main; main()"
    return [sys.executable, "-S", "-c", script, *args]


def import_breakdown(root: Path) -> list[tuple[str, int]]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "sync", "check", "--staged", str(root)],
                          capture_output=True, text=True, check=False, env=BENCH_ENV)
    top: list[tuple[str, int]] = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
        if m and len(m[2]) <= 2:  # top-level and first-level imports
            top.append((m[3], int(m[1])))
    return sorted(top, key=lambda t: -t[1])[:10]


def main() -> None:
    args = corpus_args(__doc__, runs=15, task=True)
    source = args.root
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        shutil.copytree(source, root)
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "corpus")
        stage_a_change(root, args.task)
        cmd = [*tasksync_cmd(), "check", "--staged", str(root)]
        installed = installed_cmd(Path(tmp) / "site", ["check", "--staged", str(root)])
        floors = {"python -c pass": [sys.executable, "-c", "pass"],
                  "git diff --cached --name-only": ["git", "-C", str(root), "diff", "--cached", "--name-only"]}
        runs = {"tasksync check --staged (dev venv)": cmd, "tasksync check --staged (installed)": installed}
        times: dict[str, list[float]] = {name: [] for name in [*floors, *runs]}
        for command in runs.values():
            run_once(command)  # bytecode caches, page cache
        for _ in range(max(args.runs, 10)):
            for name, command in {**floors, **runs}.items():
                times[name].append(run_once(command))
        print(f"root: git repo of {source}, task {args.task} checklist+mirror staged, {max(args.runs, 10)} runs")
        for name, values in times.items():
            print(f"  {name:<30} median {statistics.median(values) * 1000:7.1f} ms   "
                  f"p90 {sorted(values)[int(len(values) * 0.9) - 1] * 1000:7.1f} ms   min {min(values) * 1000:7.1f} ms")
        print("  import time, cumulative (top-level modules, python -X importtime):")
        for module, micros in import_breakdown(root):
            print(f"    {module:<40} {micros / 1000:6.1f} ms")


if __name__ == "__main__":
    main()
