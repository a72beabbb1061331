"""``tasksync run`` overhead per stage over running the same commands directly.

Pipelines of N trivial stages (``true``) run as whole processes against a shell loop running
the same N ``sh -c`` commands; the slope between two sizes gives the marginal cost per stage
(manifest saves, logs, heartbeat), the ratio at one size includes start-up.  Target: <= 20 ms
per stage.  Usage: python bench/run.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_once, tasksync_cmd

SIZES = (5, 40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pipelines = [{"id": f"n{n}", "title": f"{n} stages",
                      "stages": [{"kind": "command", "id": f"s{i}", "title": f"s{i}", "command": "true"}
                                 for i in range(n)]} for n in SIZES]
        (root / "codex.orchestrator.json").write_text(json.dumps({"pipelines": pipelines}))
        times: dict[str, list[float]] = {}
        for _ in range(args.runs):
            for n in SIZES:
                tasksync = [*tasksync_cmd(), "run", f"n{n}", "--root", str(root), "--task", "0101-bench"]
                direct = ["bash", "-c", f"for i in $(seq {n}); do sh -c true; done"]
                times.setdefault(f"tasksync run, {n} stages", []).append(run_once(tasksync))
                times.setdefault(f"direct, {n} commands", []).append(run_once(direct))
        med = {name: statistics.median(values) for name, values in times.items()}
        for name, value in med.items():
            print(f"  {name:<26} median {value * 1000:8.1f} ms")
        lo, hi = SIZES
        run_slope = (med[f"tasksync run, {hi} stages"] - med[f"tasksync run, {lo} stages"]) / (hi - lo)
        direct_slope = (med[f"direct, {hi} commands"] - med[f"direct, {lo} commands"]) / (hi - lo)
        print(f"  marginal cost per stage: tasksync {run_slope * 1000:.2f} ms, direct {direct_slope * 1000:.2f} ms,"
              f" overhead {1000 * (run_slope - direct_slope):.2f} ms per stage (target <= 20 ms)")
        total = (med[f"tasksync run, {hi} stages"] - med[f"direct, {hi} commands"]) / hi
        print(f"  overhead per stage at {hi} stages, start-up included: {total * 1000:.2f} ms")


if __name__ == "__main__":
    main()
