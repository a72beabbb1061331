"""Regions tasksync owns: ``<!-- tasksync:begin <kind> <key> -->`` … ``<!-- tasksync:end <kind> <key> sha256:… -->``.

The end marker carries a checksum of the region's content as tasksync last wrote it, so a
hand edit inside the region is detectable (rule TS011) and ``sync --force`` is needed to
overwrite it.  Legacy ``docs-sync:begin/end K`` blocks are owned too, without a checksum.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BEGIN = re.compile(r"^<!--\s*tasksync:begin\s+(?P<kind>[a-z][a-z0-9-]*)\s+(?P<key>\S+)\s*-->$")
_END = re.compile(
    r"^<!--\s*tasksync:end\s+(?P<kind>[a-z][a-z0-9-]*)\s+(?P<key>\S+)(?:\s+sha256:(?P<sum>[0-9a-f]{12}))?\s*-->$"
)
_LEGACY = re.compile(r"^<!--\s*docs-sync:(?P<what>begin|end)\s+(?P<key>\S+)\s*-->$")
_CONFLICT = re.compile(r"^(?:<{7}|={7}|>{7}|\|{7})(?:\s|$)")


@dataclass(frozen=True, slots=True)
class Region:
    kind: str  # "snapshot", "checklist", ... or "docs-sync" for legacy blocks
    key: str
    begin: int  # 0-based line of the begin marker
    end: int  # 0-based line of the end marker
    checksum: str | None  # as written in the end marker

    def content(self, lines: list[str]) -> list[str]:
        return lines[self.begin + 1 : self.end]

    @property
    def legacy(self) -> bool:
        return self.kind == "docs-sync"


@dataclass(frozen=True, slots=True)
class MarkerProblem:
    line: int  # 0-based
    message: str


def trim(content: list[str]) -> list[str]:
    """Content without blank lines at its edges: a formatter may add or drop those freely."""
    start, end = 0, len(content)
    while start < end and not content[start].strip():
        start += 1
    while end > start and not content[end - 1].strip():
        end -= 1
    return content[start:end]


def checksum(content: list[str]) -> str:
    """Checksum of a region's content (edge blank lines and line endings excluded)."""
    import hashlib

    return hashlib.sha256("\n".join(trim(content)).encode("utf-8")).hexdigest()[:12]


def begin_marker(kind: str, key: str) -> str:
    return f"<!-- tasksync:begin {kind} {key} -->"


def end_marker(kind: str, key: str, content: list[str]) -> str:
    return f"<!-- tasksync:end {kind} {key} sha256:{checksum(content)} -->"


def find_regions(lines: list[str], code: set[int] | None = None) -> tuple[list[Region], list[MarkerProblem]]:
    """Pair begin/end markers standing alone on their lines (``code`` lines are skipped)."""
    regions: list[Region] = []
    problems: list[MarkerProblem] = []
    open_: tuple[str, str, int] | None = None
    for idx, line in enumerate(lines):
        if "<!--" not in line or (code and idx in code):
            continue
        text = line.strip()
        kind = key = None
        is_begin = False
        m = _BEGIN.match(text)
        if m:
            kind, key, is_begin = m["kind"], m["key"], True
        else:
            m = _END.match(text)
            if m:
                kind, key = m["kind"], m["key"]
            else:
                lm = _LEGACY.match(text)
                if lm:
                    kind, key, is_begin = "docs-sync", lm["key"], lm["what"] == "begin"
        if kind is None or key is None:
            continue
        if is_begin:
            if open_ is not None:
                problems.append(MarkerProblem(idx, f"{kind} {key} begins inside the open region {open_[0]} {open_[1]}"))
            open_ = (kind, key, idx)
            continue
        if open_ is None or (open_[0], open_[1]) != (kind, key):
            problems.append(MarkerProblem(idx, f"end of {kind} {key} without a matching begin"))
            continue
        stored = m["sum"] if m is not None and "sum" in m.groupdict() else None
        regions.append(Region(kind, key, open_[2], idx, stored))
        open_ = None
    if open_ is not None:
        problems.append(MarkerProblem(open_[2], f"{open_[0]} {open_[1]} is never closed"))
    return regions, problems


def edited(region: Region, lines: list[str]) -> bool:
    """A hand edit: the content no longer matches the checksum tasksync wrote."""
    return region.checksum is not None and checksum(region.content(lines)) != region.checksum


def has_conflict_markers(region: Region, lines: list[str]) -> bool:
    return any(_CONFLICT.match(line) for line in region.content(lines))
