"""Findings: what a rule reports, with a location, related locations and a fix hint."""

from __future__ import annotations

from dataclasses import dataclass, field

SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True, slots=True)
class Location:
    path: str
    line: int | None = None

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line}

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(slots=True)
class Finding:
    rule: str  # TS001
    name: str  # mirror-state-conflict
    severity: str  # error | warning | info
    task: str | None
    path: str
    line: int | None
    message: str
    related: list[Location] = field(default_factory=list)
    fix: str | None = None

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.path, self.line or 0, self.rule, self.message)

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "task": self.task,
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "related": [r.to_json() for r in self.related],
            "fix": self.fix,
        }

    @classmethod
    def from_json(cls, data: dict) -> Finding:
        return cls(
            data["rule"], data["name"], data["severity"], data["task"], data["path"], data["line"], data["message"],
            [Location(r["path"], r["line"]) for r in data["related"]], data["fix"],
        )


def shorten(text: str, width: int = 70) -> str:
    """One line of at most ``width`` characters, for quoting titles in messages and tables."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def at_least(severity: str, threshold: str) -> bool:
    return SEVERITY_ORDER[severity] >= SEVERITY_ORDER[threshold]
