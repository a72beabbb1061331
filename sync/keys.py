"""Task keys: the grammar of conventions §1.3 and ``normalizeTaskKey`` of §1.4."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
RUN_ID = r"\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z-[0-9a-f]{8}"
RUN_ID_RE = re.compile(RUN_ID)
RUN_ID_FULL = re.compile(rf"^{RUN_ID}$")

_FILE_KEY_PATTERNS = (
    re.compile(r"^tasks/tasks-([A-Za-z0-9][A-Za-z0-9._-]*)\.md$"),
    re.compile(r"^tasks/specs/([A-Za-z0-9][A-Za-z0-9._-]*)\.md$"),
    re.compile(r"^\.agent/task/([A-Za-z0-9][A-Za-z0-9._-]*)\.md$"),
)
_DATED_ID = re.compile(r"^\d{8}-(\d{4}-.+)$")
_PLAIN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
_NUMERIC_PREFIX = re.compile(r"^(\d{4})-(.+)$")
KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def key_from_path(path: str) -> str | None:
    """The key K of ``tasks/tasks-K.md``, ``tasks/specs/K.md`` or ``.agent/task/K.md``."""
    if path.startswith("./"):
        path = path[2:]
    if not path.endswith(".md") or not path.startswith(("tasks/", ".agent/task/")):
        return None
    for pattern in _FILE_KEY_PATTERNS:
        m = pattern.match(path)
        if m:
            return m.group(1)
    return None


def _path_fields(row: Mapping[str, Any]) -> list[Any]:
    paths = row.get("paths") if isinstance(row.get("paths"), Mapping) else {}
    assert isinstance(paths, Mapping)
    return [paths.get("task"), row.get("relates_to"), row.get("path"), paths.get("spec"), paths.get("agent_task")]


def derive_key(row: Mapping[str, Any]) -> str | None:
    """``normalizeTaskKey``: the first rule of conventions §1.4 that applies wins."""
    rid = row.get("id")
    slug = row.get("slug")
    rid = str(rid) if isinstance(rid, str | int) and str(rid) else None
    slug = slug if isinstance(slug, str) and slug else None
    if rid and slug and slug.startswith(f"{rid}-"):
        return slug
    if rid and slug:
        return f"{rid}-{slug}"
    if slug:
        return slug
    for value in _path_fields(row):
        if isinstance(value, str):
            key = key_from_path(value)
            if key:
                return key
    if rid:
        m = _DATED_ID.match(rid)
        if m:
            return m.group(1)
        if _PLAIN_ID.match(rid):
            return rid
    return None


def task_key(row: Mapping[str, Any]) -> str | None:
    """The key tasksync uses for an index row: an explicit ``task_key`` wins (CO-594)."""
    explicit = row.get("task_key")
    if isinstance(explicit, str) and explicit:
        return explicit
    return derive_key(row)


def stem(key: str) -> str:
    """S of conventions §1.3: the key minus its ``NNNN-`` prefix for numeric keys."""
    m = _NUMERIC_PREFIX.match(key)
    return m.group(2) if m else key


def numeric_id(key: str) -> str | None:
    m = _NUMERIC_PREFIX.match(key)
    return m.group(1) if m else None


def run_dir_belongs(task_dir: str, key: str) -> bool:
    """A run directory belongs to task K when it is K or ``K-<stream>``."""
    return task_dir == key or task_dir.startswith(f"{key}-")


def valid_task_id(task_id: str) -> bool:
    """The sanitiser of runner.md §2: no separators, ``..``, control or reserved characters."""
    if not task_id or task_id.startswith(".") or ".." in task_id:
        return False
    return not any(ch in '<>:"|?*/\\' or ord(ch) < 32 or ord(ch) == 127 for ch in task_id)
