"""Specs (``tasks/specs/*.md``): ``last_review``, status and cadence (conventions §1.7).

The fast path reads top-level ``key: scalar`` lines of the front matter, which is all
spec-guard needs and is 50x cheaper than a YAML parse; ruamel.yaml decides whenever a
wanted value is not a plain scalar.  ``tests/test_spec_agreement.py`` proves the fast
path agrees with ruamel.yaml on every corpus spec that is valid YAML.  Half of the real
corpus front matter is *not* valid YAML (unquoted ``: `` in notes), so, like spec-guard,
the first ``last_review:`` line wins when YAML fails.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

INACTIVE = frozenset({"archived", "canceled", "cancelled", "closed", "completed", "deprecated", "done", "succeeded"})
WANTED = ("id", "title", "status", "last_review", "review_cadence_days")
_TOP_SCALAR = re.compile(r"^([A-Za-z_][\w-]*):(?:[ \t]+(.*?))?[ \t]*$")
_PLAIN_SAFE = re.compile(r"^[^\s\[\]{}&*!|>'\"%@`#,?:-][^#]*$|^-?\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(slots=True)
class Spec:
    path: str
    archived: bool = False
    front_matter: bool = False
    last_review: str | None = None  # YYYY-MM-DD
    last_review_line: int | None = None
    status: str | None = None
    cadence_days: int | None = None
    title: str | None = None
    yaml_error: str | None = None  # ruamel's complaint, with its line
    yaml_error_line: int | None = None

    @property
    def inactive(self) -> bool:
        return (self.status or "").lower() in INACTIVE

    @property
    def last_review_date(self) -> dt.date | None:
        try:
            return dt.date.fromisoformat(self.last_review) if self.last_review else None
        except ValueError:
            return None

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "archived": self.archived,
            "front_matter": self.front_matter,
            "last_review": self.last_review,
            "last_review_line": self.last_review_line,
            "status": self.status,
            "inactive": self.inactive,
            "cadence_days": self.cadence_days,
            "yaml_error": self.yaml_error,
        }


def _unquote(value: str) -> str | None:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        inner = value[1:-1]
        if value[0] == "'" and "'" not in inner.replace("''", ""):
            return inner.replace("''", "'")
        if value[0] == '"' and "\\" not in inner and '"' not in inner:
            return inner
        return None
    if _PLAIN_SAFE.match(value):
        return value
    return None


def front_matter_bounds(lines: list[str]) -> tuple[int, int] | None:
    """``(first, last)`` 0-based lines of the YAML between ``---`` delimiters."""
    if not lines or lines[0].rstrip() != "---":
        return None
    for idx in range(1, len(lines)):
        if lines[idx].rstrip() in ("---", "..."):
            return 1, idx
    return None


def fast_front_matter(lines: list[str], bounds: tuple[int, int]) -> tuple[dict[str, str], dict[str, int], bool]:
    """Top-level scalars among :data:`WANTED`; the flag says ruamel must decide."""
    values: dict[str, str] = {}
    where: dict[str, int] = {}
    needs_yaml = False
    for idx in range(bounds[0], bounds[1]):
        m = _TOP_SCALAR.match(lines[idx])
        if not m or m.group(1) not in WANTED or m.group(1) in values:
            continue
        raw = (m.group(2) or "").strip()
        value = _unquote(raw) if raw else None
        nxt = lines[idx + 1] if idx + 1 < bounds[1] else ""
        if value is None or nxt.startswith((" ", "\t")):
            needs_yaml = True
            continue
        values[m.group(1)] = value
        where[m.group(1)] = idx + 1
    return values, where, needs_yaml


def yaml_front_matter(lines: list[str], bounds: tuple[int, int]) -> dict[str, Any]:
    """The reference: ruamel.yaml's safe load of the front matter (raises on invalid YAML)."""
    from ruamel.yaml import YAML

    data = YAML(typ="safe", pure=True).load("\n".join(lines[bounds[0] : bounds[1]]))
    return data if isinstance(data, dict) else {}


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def parse_spec(path: str, lines: list[str], *, archived: bool = False) -> Spec:
    spec = Spec(path, archived=archived)
    bounds = front_matter_bounds(lines)
    values: dict[str, str] = {}
    where: dict[str, int] = {}
    if bounds:
        spec.front_matter = True
        values, where, needs_yaml = fast_front_matter(lines, bounds)
        if needs_yaml:
            try:
                data = yaml_front_matter(lines, bounds)
                for key in WANTED:
                    if key in data and key not in values:
                        text = _as_text(data[key])
                        if text is not None:
                            values[key] = text
            except Exception as exc:  # ruamel raises many error types; all mean "not YAML"
                mark = getattr(exc, "problem_mark", None)
                spec.yaml_error = getattr(exc, "problem", None) or str(exc).split("\n")[0]
                spec.yaml_error_line = mark.line + 1 + bounds[0] if mark is not None else bounds[0] + 1
    if "last_review" not in values:
        # spec-guard: the first line whose trimmed text starts with ``last_review:``
        for idx, line in enumerate(lines):
            stripped = line.strip()
            if stripped.startswith("last_review:"):
                values["last_review"] = stripped.split(":", 1)[1].strip().strip("'\"")
                where["last_review"] = idx + 1
                break
    lr = values.get("last_review")
    # a datetime keeps only its date; anything else is kept as written (and fails to parse as a date)
    spec.last_review = lr[:10] if lr and _DATE.match(lr[:10]) else lr
    spec.last_review_line = where.get("last_review")
    spec.status = values.get("status")
    spec.title = values.get("title")
    cadence = values.get("review_cadence_days")
    spec.cadence_days = int(cadence) if cadence and cadence.isdigit() else None
    return spec
