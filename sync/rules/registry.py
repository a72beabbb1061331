"""The rule table and the context every rule reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sync.findings import Finding, Location
from sync.link import Link, link
from sync.parse.evidence import Evidence
from sync.reconcile import Pair
from sync.repo import Repo, Task


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    severity: str  # default
    summary: str
    func: Callable[[CheckContext], Iterable[Finding]]
    scope: str = "task"  # "task": reads only ctx.tasks, so tasks can be checked in parts; "repo": global


RULES: dict[str, Rule] = {}


@dataclass
class CheckContext:
    repo: Repo
    tasks: list[Task]
    today: dt.date
    pairs: dict[str, list[Pair]] = field(default_factory=dict)
    severities: dict[str, str] = field(default_factory=dict)  # rule id -> effective severity
    _links: dict[tuple[str, str], Link | None] = field(default_factory=dict)

    def link(self, task: Task, ev: Evidence) -> Link | None:
        key = (task.key, ev.raw)
        if key not in self._links:
            self._links[key] = link(self.repo, task, ev)
        return self._links[key]

    def finding(
        self,
        rule_id: str,
        task: Task | None,
        path: str,
        line: int | None,
        message: str,
        *,
        related: list[Location] | None = None,
        fix: str | None = None,
        cap: str | None = None,
    ) -> Finding:
        """A finding at the rule's effective severity (``cap`` lowers it, e.g. for summary mirrors)."""
        rule = RULES[rule_id]
        severity = self.severities.get(rule_id, rule.severity)
        if cap == "info" or (cap == "warning" and severity == "error"):
            severity = cap
        return Finding(rule_id, rule.name, severity, task.key if task else None, path, line, message,
                       related or [], fix)


def rule(rule_id: str, name: str, severity: str, summary: str, *, scope: str = "task") -> Callable:
    def register(func: Callable[[CheckContext], Iterable[Finding]]) -> Callable:
        RULES[rule_id] = Rule(rule_id, name, severity, summary, func, scope)
        return func

    return register


def live(tasks: Iterable[Task]) -> Iterator[Task]:
    """Archive stubs never produce item findings."""
    return (t for t in tasks if not t.archived)
