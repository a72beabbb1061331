"""Review agendas assembled from the facts: findings, runs, open items, plans, git history.

One plain data structure feeds the Markdown and HTML templates and the JSON output, so
the three always say the same thing.  Deterministic: order is by urgency then key, and
the only date used is ``today`` (``--today``), never the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sync.findings import Finding
from sync.parse.manifest import Manifest
from sync.repo import Repo, Task

DECISIONS = ("TS001", "TS002", "TS003", "TS004", "TS011", "TS013")
EVIDENCE = ("TS005", "TS006", "TS007", "TS008")
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class AgendaOptions:
    today: dt.date
    history: bool


def _finding(f: Finding) -> dict[str, Any]:
    return {"rule": f.rule, "name": f.name, "severity": f.severity, "path": f.path, "line": f.line,
            "message": f.message, "related": [r.to_json() for r in f.related], "fix": f.fix}


def _run(man: Manifest | None, repo: Repo) -> dict[str, Any] | None:
    if man is None:
        return None
    if not man.ok:
        return {"run_id": man.ref.run_id, "path": man.ref.path, "status": "unreadable", "error": man.error,
                "pipeline_id": None, "completed_at": None, "guardrail": None, "failing": [], "stale": False}
    failing = [{"id": s.id, "title": s.title, "status": s.status, "exit_code": s.exit_code, "summary": s.summary,
                "error_file": s.error_file} for s in man.stages if s.status == "failed"]
    return {"run_id": man.ref.run_id, "path": man.ref.path, "status": man.status, "error": None,
            "pipeline_id": man.pipeline_id, "completed_at": man.completed_at, "guardrail": man.guardrail(),
            "failing": failing, "stale": man.is_stale(repo.now)}


def _plan(task: Task, today: dt.date) -> dict[str, Any] | None:
    plan = task.plan
    if plan is None:
        return None
    date = plan.next_review
    overdue = days = None
    if date:
        try:
            days = (dt.date.fromisoformat(date) - today).days
            overdue = days < 0
        except ValueError:
            pass
    agenda = plan.get("Agenda", "Next Review")
    reviewer = plan.get("Reviewer")
    approvals = plan.get("Approvals / Escalations")
    return {
        "path": plan.path,
        "template": plan.template,
        "current_phase": plan.current_phase,
        "milestones": [{"number": m.number, "text": m.text, "checked": m.checked} for m in plan.milestones],
        "risks": [{"risk": r.risk, "mitigation": r.mitigation} for r in plan.risks],
        "next_review": {"date": date, "agenda": agenda.value if agenda else None, "overdue": overdue,
                        "days": days},
        "reviewer": reviewer.value if reviewer else None,
        "approvals": approvals.value if approvals else None,
    }


def _open_items(repo: Repo, task: Task, options: AgendaOptions) -> list[dict[str, Any]]:
    doc = task.canonical
    if doc is None:
        return []
    items = [i for i in doc.items if not i.checked]
    ages: dict[int, int | None] = {}
    if options.history and items:
        from sync.history import open_for

        ages = open_for(repo.root, doc.path, [i.line for i in items], options.today)
    return [{"path": i.path, "line": i.line, "title": i.title, "group": i.group, "days_open": ages.get(i.line),
             "placeholder": any(e.kind == "malformed" and e.reason == "placeholder" for e in i.evidence)}
            for i in items]


def build(repo: Repo, tasks: list[Task], findings: list[Finding], options: AgendaOptions) -> dict[str, Any]:
    by_task: dict[str, list[Finding]] = {}
    for f in findings:
        if f.task:
            by_task.setdefault(f.task, []).append(f)
    entries = []
    for task in tasks:
        if task.archived:
            continue
        mine = sorted(by_task.get(task.key, []), key=lambda f: (SEVERITY_RANK[f.severity], f.sort_key()))
        items = task.items
        done = sum(1 for i in items if i.checked)
        decisions = [_finding(f) for f in mine if f.rule in DECISIONS]
        evidence = [_finding(f) for f in mine if f.rule in EVIDENCE]
        plan = _plan(task, options.today)
        overdue = bool(plan and plan["next_review"]["overdue"])
        entry = {
            "key": task.key,
            "title": task.title,
            "index_status": task.status,
            "progress": {"done": done, "total": len(items),
                         "percent": round(100 * done / len(items)) if items else 0},
            "decisions": decisions,
            "evidence": {"latest_run": _run(repo.latest_run(task), repo), "findings": evidence},
            "open_items": _open_items(repo, task, options),
            "ready": [_finding(f) for f in mine if f.rule == "TS014"],
            "plan": plan,
            "other": [_finding(f) for f in mine if f.rule not in (*DECISIONS, *EVIDENCE, "TS014", "TS017")],
        }
        run = entry["evidence"]["latest_run"]
        run_bad = bool(run and (run["status"] in ("failed", "cancelled", "unreadable") or run["stale"]
                                or run["guardrail"] in ("failed", "findings")))
        entry["urgency"] = {
            "decisions": len(decisions),
            "errors": sum(1 for f in mine if f.severity == "error"),
            "evidence": len(evidence) + (1 if run_bad else 0),
            "overdue": overdue,
            "open": len(items) - done,
        }
        entry["state"] = ("decide" if decisions else "attention" if entry["urgency"]["evidence"] or overdue
                          else "done" if items and done == len(items) else "open")
        entries.append(entry)
    entries.sort(key=lambda e: (-e["urgency"]["decisions"], -e["urgency"]["errors"], -e["urgency"]["evidence"],
                                not e["urgency"]["overdue"], -e["urgency"]["open"], e["key"]))
    total = sum(e["progress"]["total"] for e in entries)
    done = sum(e["progress"]["done"] for e in entries)
    return {
        "schemaVersion": 1,
        "kind": "tasksync.agenda",
        "today": options.today.isoformat(),
        "summary": {
            "tasks": len(entries),
            "items_done": done,
            "items_open": total - done,
            "tasks_needing_decision": sum(1 for e in entries if e["decisions"]),
            "reviews_overdue": sum(1 for e in entries if e["urgency"]["overdue"]),
        },
        "tasks": entries,
    }
