"""``tasks/index.json``: rows of both shapes, with the line each row starts on.

The registry is 1.7 MB at the late corpus; ``json.JSONDecoder.raw_decode`` walks it once
and yields each row with its offset, so findings can name the row's line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sync.errors import InputError
from sync.keys import derive_key

TERMINAL = frozenset({"succeeded", "completed", "done", "canceled", "cancelled", "closed", "duplicate", "merged"})


def status_key(status: str | None) -> str | None:
    """Spelling variants fold together: ``in-progress`` == ``in_progress`` == ``In Progress``."""
    if status is None:
        return None
    return status.strip().lower().replace("-", "_").replace(" ", "_")


def is_terminal(status: str | None) -> bool:
    return status_key(status) in TERMINAL


@dataclass(slots=True)
class IndexRow:
    line: int
    key: str | None  # task_key when given, else derived
    derived_key: str | None  # what normalizeTaskKey gives
    id: str | None
    title: str | None
    status: str | None
    paths: dict[str, str] = field(default_factory=dict)
    path: str | None = None
    relates_to: str | None = None
    gate: dict[str, Any] | None = None
    completed_at: str | None = None
    explicit_key: bool = False
    span: tuple[int, int] = (0, 0)  # character offsets of the row's object in the file

    def files(self) -> list[str]:
        """Every repo path the row names, most specific first."""
        out = [v for k, v in self.paths.items() if isinstance(v, str)]
        out += [p for p in (self.relates_to, self.path) if p]
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "line": self.line,
            "id": self.id,
            "key": self.key,
            "derived_key": self.derived_key,
            "title": self.title,
            "status": self.status,
            "paths": self.paths,
            "path": self.path,
            "completed_at": self.completed_at,
            "gate": self.gate,
        }


@dataclass(slots=True)
class Registry:
    path: str
    rows: list[IndexRow] = field(default_factory=list)
    extra_keys: list[str] = field(default_factory=list)  # top-level keys other than items/specs
    text: str = ""

    def field_line(self, row: IndexRow, name: str) -> int:
        """The line of a top-level key of ``row`` (e.g. ``"status"``), else the row's first line."""
        start, end = row.span
        chunk = self.text[start:end]
        for m in re.finditer(rf'"{re.escape(name)}"\s*:', chunk):
            prefix = chunk[: m.start()]
            if prefix.count("{") - prefix.count("}") == 1:
                return row.line + prefix.count("\n")
        return row.line


def _row(obj: Any, line: int) -> IndexRow | None:
    if not isinstance(obj, dict):
        return None
    paths = obj.get("paths") if isinstance(obj.get("paths"), dict) else {}
    status = obj.get("status")
    rid = obj.get("id")
    derived = derive_key(obj)
    explicit = obj.get("task_key")
    return IndexRow(
        line=line,
        key=explicit if isinstance(explicit, str) and explicit else derived,
        derived_key=derived,
        id=str(rid) if rid is not None else None,
        title=obj.get("title") if isinstance(obj.get("title"), str) else None,
        status=status if isinstance(status, str) else None,
        paths={k: v for k, v in paths.items() if isinstance(v, str)},
        path=obj.get("path") if isinstance(obj.get("path"), str) else None,
        relates_to=obj.get("relates_to") if isinstance(obj.get("relates_to"), str) else None,
        gate=obj.get("gate") if isinstance(obj.get("gate"), dict) else None,
        completed_at=obj.get("completed_at") if isinstance(obj.get("completed_at"), str) else None,
        explicit_key=isinstance(obj.get("task_key"), str) and bool(obj.get("task_key")),
    )


def parse_registry(path: str, text: str) -> Registry:
    """Rows of ``items`` and ``specs``; invalid JSON raises :class:`InputError` with its line.

    One pass: each row is decoded where it starts, so its line comes for free; only a file
    that fails the walk is parsed again by ``json.loads``, for an exact error message.
    """
    try:
        sections, extra = _walk(text)
    except (json.JSONDecodeError, ValueError, IndexError):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from None
        if not isinstance(data, dict):
            raise InputError("top level must be an object with 'items'", path=path, line=1) from None
        raise InputError("'items' and 'specs' must be arrays", path=path) from None
    reg = Registry(path, extra_keys=extra, text=text)
    line, last = 1, 0
    for obj, offset, end in sections:
        line += text.count("\n", last, offset)
        last = offset
        row = _row(obj, line)
        if row is not None:
            row.span = (offset, end)
            reg.rows.append(row)
    return reg


_WS = " \t\r\n"


def _skip(text: str, pos: int, chars: str = _WS) -> int:
    while text[pos] in chars:
        pos += 1
    return pos


def _walk(text: str) -> tuple[list[tuple[Any, int, int]], list[str]]:
    """Decode the top-level object key by key; rows of ``items``/``specs`` with their offsets."""
    decoder = json.JSONDecoder()
    pos = _skip(text, 0)
    if text[pos] != "{":
        raise ValueError("top level is not an object")
    pos = _skip(text, pos + 1)
    rows: list[tuple[Any, int, int]] = []
    extra: list[str] = []
    while text[pos] != "}":
        name, pos = decoder.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] != ":":
            raise ValueError("expected ':'")
        pos = _skip(text, pos + 1)
        if name in ("items", "specs"):
            if text[pos] != "[":
                raise ValueError(f"{name} is not an array")
            pos = _skip(text, pos + 1)
            while text[pos] != "]":
                start = pos
                obj, pos = decoder.raw_decode(text, pos)
                rows.append((obj, start, pos))
                pos = _skip(text, pos)
                if text[pos] == ",":
                    pos = _skip(text, pos + 1)
            pos += 1
        else:
            extra.append(name)
            _, pos = decoder.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
    if text[pos + 1 :].strip(_WS):
        raise ValueError("trailing data")
    return rows, extra
