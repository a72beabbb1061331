"""``--format json``: ``{"schemaVersion": 1, "kind": "tasksync.check", "findings": [...], "summary": {...}}``."""

from __future__ import annotations

import json
from collections import Counter

from sync.findings import Finding


def summary(findings: list[Finding], tasks: int) -> dict[str, int]:
    counts = Counter(f.severity for f in findings)
    return {
        "errors": counts["error"],
        "warnings": counts["warning"],
        "info": counts["info"],
        "files": len({f.path for f in findings}),
        "tasks": tasks,
    }


def render(findings: list[Finding], *, tasks: int) -> str:
    doc = {
        "schemaVersion": 1,
        "kind": "tasksync.check",
        "findings": [f.to_json() for f in findings],
        "summary": summary(findings, tasks),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
