"""``--format sarif``: SARIF 2.1.0, one run, every rule described in ``tool.driver.rules``."""

from __future__ import annotations

import json

from sync import __version__
from sync.findings import Finding
from sync.rules.registry import RULES

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _location(path: str, line: int | None) -> dict:
    physical: dict = {"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"}}
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def render(findings: list[Finding], severities: dict[str, str]) -> str:
    rules = sorted(RULES.values(), key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for f in findings:
        result = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _LEVEL[f.severity],
            "message": {"text": f.message + (f" Fix: {f.fix}" if f.fix else "")},
            "locations": [_location(f.path, f.line)],
        }
        if f.related:
            result["relatedLocations"] = [
                {"id": i, **_location(r.path, r.line)} for i, r in enumerate(f.related, start=1)
            ]
        if f.task:
            result["properties"] = {"task": f.task}
        results.append(result)
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "tasksync",
                        "version": __version__,
                        "rules": [
                            {
                                "id": r.id,
                                "name": r.name,
                                "shortDescription": {"text": r.summary},
                                "help": {"text": f"{r.id} {r.name}: {r.summary}. See docs/rules.md."},
                                "defaultConfiguration": {
                                    "level": _LEVEL.get(severities.get(r.id, r.severity), "none"),
                                    "enabled": r.id in severities,
                                },
                            }
                            for r in rules
                        ],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": "./"}},
                "results": results,
            }
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
