"""Cold ``tasksync status`` of the late corpus against a plain read of the same files.

Both are whole processes, interleaved in one run; prints medians and the ratio
(target: ratio <= 15).  Usage: python bench/status.py [ROOT] [--runs N]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import corpus_args, count_files, interleaved, plain_read_cmd, report, tasksync_cmd


def main() -> None:
    args = corpus_args(__doc__)
    root = args.root
    commands = {
        "plain read": plain_read_cmd(root),
        "tasksync status": [*tasksync_cmd(), "status", str(root)],
        "tasksync status --format json": [*tasksync_cmd(), "status", str(root), "--format", "json"],
    }
    print(f"root: {root} ({count_files(root)} task-doc files), {args.runs} interleaved runs")
    times = interleaved(commands, args.runs)
    report(times, "plain read")


if __name__ == "__main__":
    main()
