"""``tasksync sync`` on copies of the late corpus: a full sync and a no-op sync, beside a cold check.

Whole processes, interleaved, medians.  Target: the no-op sync within 10% of a cold check.
Usage: python bench/sync.py [ROOT] [--runs N]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import corpus_args, report, run_once, tasksync_cmd


def main() -> None:
    args = corpus_args(__doc__)
    source = args.root
    cmd = tasksync_cmd()
    with tempfile.TemporaryDirectory() as tmp:
        synced = Path(tmp) / "synced"
        shutil.copytree(source, synced)
        run_once([*cmd, "sync", str(synced)])  # brings it in sync once; later runs are no-ops
        times: dict[str, list[float]] = {"cold check (--no-cache)": [], "full sync (fresh copy)": [],
                                         "no-op sync": [], "sync --check": []}
        for i in range(args.runs):
            fresh = Path(tmp) / f"fresh-{i}"
            shutil.copytree(source, fresh)
            times["cold check (--no-cache)"].append(run_once([*cmd, "check", str(synced), "--no-cache"]))
            times["full sync (fresh copy)"].append(run_once([*cmd, "sync", str(fresh)]))
            times["no-op sync"].append(run_once([*cmd, "sync", str(synced)]))
            times["sync --check"].append(run_once([*cmd, "sync", str(synced), "--check"]))
            shutil.rmtree(fresh)
        print(f"root: copies of {source}, {args.runs} interleaved runs")
        report(times, "cold check (--no-cache)")


if __name__ == "__main__":
    main()
