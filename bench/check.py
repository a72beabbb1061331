"""``tasksync check`` on a copy of the late corpus: cold, warm (result cache), one task.

Whole processes, interleaved, medians, each beside the plain-read floor of the same files.
Targets on the 2-core development machine: cold <= 1.5 s, warm <= 0.4 s, one task <= 0.25 s.
Usage: python bench/check.py [ROOT] [--runs N] [--task KEY]
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import corpus_args, count_files, plain_read_cmd, report, run_once, tasksync_cmd


def main() -> None:
    args = corpus_args(__doc__, task=True, today=True)
    source = args.root
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        shutil.copytree(source, root)
        base = [*tasksync_cmd(), "check", str(root), "--today", args.today, "--format", "json"]
        cache = root / ".tasksync-cache"
        subprocess.run(base, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm the page cache
        times: dict[str, list[float]] = {"plain read": [], "cold full check": [], "warm full check": [],
                                         f"one task ({args.task[:24]}…)": []}
        for _ in range(args.runs):
            times["plain read"].append(run_once(plain_read_cmd(root)))
            shutil.rmtree(cache, ignore_errors=True)
            times["cold full check"].append(run_once(base))
            times["warm full check"].append(run_once(base))
            times[f"one task ({args.task[:24]}…)"].append(run_once([*base, "--task", args.task]))
        print(f"root: copy of {source} ({count_files(root)} task-doc files), {args.runs} interleaved runs, "
              f"{time.strftime('%Y-%m-%d')}")
        report(times, "plain read")


if __name__ == "__main__":
    main()
