"""``docs/TASKS.md``: per-task snapshots in all three eras (conventions §2.4, §7.1.5).

* 2025: ``# Task List Snapshot — Title (key)`` sections with a ``## Checklist Mirror``;
* 2026-01/02: the same header with condensed items straight under it;
* from 2026-02-26: one line per snapshot, ``... (K) - <Kind> YYYY-MM-DD: prose``.

Managed ``<!-- docs-sync:begin K -->`` blocks belong to their marker key wherever they
sit; the archive-index line is opaque.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from sync.outline import Outline
from sync.parse.checklist import Item, extract_items, number_items

_HEADER = re.compile(r"^# Task List Snapshot(?: —| -)\s+")
_KIND_SEP = re.compile(
    r"\s+-\s+(?P<kind>[A-Z][A-Za-z/&-]*(?:\s+[A-Za-z/&-]+){0,4}?)\s+(?P<date>\d{4}-\d{2}-\d{2})\s*:"
    r"|\s+—\s+(?P<kind2>Update)\b"
)
_PAREN = re.compile(r"\(([^()]*)\)")
_RANGE = re.compile(r"^\d{4}-\d{4}$")
_DOCS_SYNC = re.compile(r"^<!--\s*docs-sync:(begin|end)\s+(\S+)\s*-->$")
ARCHIVE_INDEX_MARK = "<!-- tasks-archive-index:begin -->"


@dataclass(slots=True)
class Snapshot:
    """One ``# Task List Snapshot`` section (or an orphan managed block)."""

    line: int  # 1-based header line
    end_line: int  # 1-based last line of the section
    title: str
    raw_key: str | None  # the parenthesised token as written
    kind: str | None = None  # "Update", "Docs Packet", ...
    date: str | None = None
    era: str = "line"  # full | condensed | line | empty
    is_range: bool = False
    managed: bool = False  # the items come from a docs-sync block
    items: list[Item] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "line": self.line,
            "end_line": self.end_line,
            "title": self.title,
            "key": self.raw_key,
            "kind": self.kind,
            "date": self.date,
            "era": self.era,
            "range": self.is_range,
            "managed": self.managed,
            "items": [i.to_json() for i in self.items],
        }


@dataclass(slots=True)
class ManagedBlock:
    key: str
    begin: int  # 1-based marker lines
    end: int


@dataclass(slots=True)
class TasksDoc:
    path: str
    line_count: int
    snapshots: list[Snapshot] = field(default_factory=list)
    managed: list[ManagedBlock] = field(default_factory=list)
    archive_index_line: int | None = None
    body_start: int = 0  # 0-based first line after the front matter: where new sections may go
    problems: list[tuple[int, str]] = field(default_factory=list)  # (1-based line, message)


def parse_header(text: str) -> tuple[str, str | None, str | None, str | None]:
    """``(title, key, kind, date)`` of a snapshot header without its ``# Task List Snapshot``.

    The key is the last parenthesised token before the first kind separator
    (`` - <Kind> <date>:`` or `` — Update``), so titles may hold parentheses of their own.
    """
    sep = _KIND_SEP.search(text)
    head = text[: sep.start()] if sep else text
    kind = date = None
    if sep:
        kind = sep.group("kind") or sep.group("kind2")
        date = sep.group("date")
    parens = list(_PAREN.finditer(head))
    if not parens:
        return head.strip(), None, kind, date
    last = parens[-1]
    if head[last.end() :].strip():
        # text after the last parenthesis: no key in the header (e.g. "Orchestrator Workspace")
        return head.strip(), None, kind, date
    return head[: last.start()].strip(), last.group(1).strip(), kind, date


def count_lines(text: str) -> int:
    """Lines as ``docs:check`` counts them: a trailing newline is not a line."""
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def parse_tasks_md(path: str, text: str, outline: Outline) -> TasksDoc:
    lines = text.split("\n")
    doc = TasksDoc(path, count_lines(text))
    if outline.front_matter:
        doc.body_start = outline.front_matter[1]
    headers: list[int] = []
    for idx, line in enumerate(lines):
        if line.startswith("# Task List Snapshot") and _HEADER.match(line):
            headers.append(idx)
        elif ARCHIVE_INDEX_MARK in line and doc.archive_index_line is None:
            doc.archive_index_line = idx + 1
    heading_lines = {b.line for b in outline.blocks if b.kind == "heading" and b.level == 1}
    headers = [h for h in headers if h in heading_lines]
    _managed_blocks(doc, lines, outline)
    stops = sorted(set(headers) | ({doc.archive_index_line - 1} if doc.archive_index_line else set()))
    mirror_headings = [
        b.line for b in outline.blocks if b.kind == "heading" and b.text.lower().startswith("checklist mirror")
    ]
    all_items = extract_items(path, outline)

    def items_in(lo: int, hi: int) -> list[Item]:
        """Items whose checkbox line is in [lo, hi) (0-based)."""
        return [it for it in all_items if lo <= it.line - 1 < hi]

    for start in headers:
        at = bisect.bisect_right(stops, start)
        stop = stops[at] if at < len(stops) else len(lines)
        while stop - 1 > start and not lines[stop - 1].strip():
            stop -= 1
        header = _HEADER.sub("", lines[start], count=1)
        if header.count("# Task List Snapshot"):
            doc.problems.append((start + 1, "line holds more than one snapshot header"))
        title, key, kind, date = parse_header(header)
        snap = Snapshot(start + 1, stop, title, key, kind, date, is_range=bool(key and _RANGE.match(key)))
        inside = [b for b in doc.managed if start < b.begin - 1 < stop]
        excluded = [(b.begin - 1, b.end) for b in inside]
        items = [
            it for it in items_in(start + 1, stop)
            if not any(lo <= it.line - 1 < hi for lo, hi in excluded)
        ]
        # a managed block of this key is this snapshot's body
        for block in inside:
            if block.key == key or (key and block.key.split("-")[0] == key):
                items += items_in(block.begin, block.end - 1)
                snap.managed = True
        number_items(items)
        snap.items = items
        has_mirror = any(start < line < stop for line in mirror_headings)
        if has_mirror:
            snap.era = "full"
        elif items:
            snap.era = "condensed"
        elif kind and date:
            snap.era = "line"
        else:
            snap.era = "empty"
        doc.snapshots.append(snap)
    # managed blocks sitting in another key's section are attributed by their marker key
    for block in doc.managed:
        owner = _owner(doc.snapshots, block)
        if owner is None or not (owner.raw_key == block.key or block.key.split("-")[0] == owner.raw_key):
            items = items_in(block.begin, block.end - 1)
            number_items(items)
            doc.snapshots.append(
                Snapshot(block.begin, block.end, f"docs-sync block {block.key}", block.key, era="full",
                         managed=True, items=items)
            )
    return doc


def _owner(snapshots: list[Snapshot], block: ManagedBlock) -> Snapshot | None:
    for snap in snapshots:
        if snap.line <= block.begin <= snap.end_line and not snap.title.startswith("docs-sync block"):
            return snap
    return None


def _managed_blocks(doc: TasksDoc, lines: list[str], outline: Outline) -> None:
    """Pair ``docs-sync:begin/end K`` markers that stand as HTML blocks of their own."""
    open_key: tuple[str, int] | None = None
    for start, _end in outline.html:
        m = _DOCS_SYNC.match(lines[start].strip())
        if not m:
            continue
        what, key = m.group(1), m.group(2)
        if what == "begin":
            if open_key:
                doc.problems.append((start + 1, f"docs-sync:begin {key} inside the open block {open_key[0]}"))
            open_key = (key, start + 1)
        elif open_key and open_key[0] == key:
            doc.managed.append(ManagedBlock(key, open_key[1], start + 1))
            open_key = None
        else:
            doc.problems.append((start + 1, f"docs-sync:end {key} without a matching begin"))
    if open_key:
        doc.problems.append((open_key[1], f"docs-sync:begin {open_key[0]} is never closed"))
