"""Checklist items of tasks files, agent mirrors, TASKS.md sections and plans (conventions §2).

Works on the block outline, so checkbox-looking text in code, HTML, backticks or
blockquotes never becomes an item.  Every format of §2 maps onto one :class:`Item`:

* flat / numbered / nested task items (``- [x]``, ``1. [x]``, children of items);
* "Status" blocks: a ``- [x] Status ...`` task under a non-task parent line (2025
  ``Subtask:`` blocks, the "Parent Tasks" template, ``N. **Title**`` blocks); the item is
  titled by its parent line and its evidence comes from sibling ``Acceptance:`` /
  ``Evidence:`` lines;
* legacy rows ``- Group — `[x]` summary; Evidence: ...`` of 2025 TASKS.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sync.outline import Block, Outline
from sync.parse.evidence import Evidence, extract, extract_runs_anywhere, split_evidence

_BOLD_GROUP = re.compile(r"^\*\*(.+?)\*\*:?$")
_LEGACY_ROW = re.compile(r"^(?P<group>[^`\n]+?)\s+[—-]\s+`\[(?P<state>[ xX])\]`\s+(?P<rest>.+)$", re.S)
_STATUS = re.compile(r"^(?:Status\b|_?status\b)", re.I)
_SUBTASK = re.compile(r"^Subtask:\s*", re.I)
_EVIDENCE_LINE = re.compile(r"^(?:Acceptance|Evidence)\s*:", re.I)
_STRAY_STATUS = re.compile(r"^ {4,8}[-*+] \[([ xX])\][ \t]+(Status\b.*)$")
_STUB_MARKER = "<!-- docs-archive:stub -->"


@dataclass(slots=True)
class Item:
    """One checklist item, wherever and however it is written."""

    path: str
    line: int  # 1-based line of the checkbox
    end_line: int  # 1-based last line of the item (children included)
    checked: bool
    text: str  # the item text without the checkbox, lines joined by "\n"
    title: str  # text before the evidence separator (the parent line for Status blocks)
    norm: str  # normalised title used for matching
    form: str  # flat | numbered | nested | status | legacy-row
    groups: tuple[str, ...] = ()  # heading chain, then a bold numbered group label
    segment: int = 0  # blank-line-separated run within the group (heading-less groups)
    ordinal: int = 0  # 1-based position within the group
    occurrence: int = 1  # nth item with the same (group, norm)
    parent: str | None = None  # text of the enclosing list item, if any
    parent_line: int | None = None
    evidence: list[Evidence] = field(default_factory=list)
    has_evidence_label: bool = False
    note: str | None = None  # how the item was read when Markdown alone did not say

    @property
    def group(self) -> str:
        return self.groups[-1] if self.groups else ""

    @property
    def manifests(self) -> list[str]:
        return [m for m in (e.manifest for e in self.evidence) if m]

    def to_json(self) -> dict[str, object]:
        return {
            "line": self.line,
            "end_line": self.end_line,
            "checked": self.checked,
            "title": self.title,
            "norm": self.norm,
            "form": self.form,
            "groups": list(self.groups),
            "segment": self.segment,
            "ordinal": self.ordinal,
            "occurrence": self.occurrence,
            "parent": self.parent,
            "parent_line": self.parent_line,
            "evidence": [e.to_json() for e in self.evidence],
            "note": self.note,
        }


def normalise_title(title: str, key: str | None = None) -> str:
    """Conventions §2.5 step 3: strip markup, collapse space, case-fold, ``<MIRROR>`` self-paths."""
    text = title
    if key:
        for self_path in (f"tasks/tasks-{key}.md", f".agent/task/{key}.md"):
            text = text.replace(self_path, "<MIRROR>")
    text = " ".join(text.replace("`", "").replace("*", "").replace("_", "").split()).casefold()
    return text.rstrip(".").rstrip()


def is_stub(outline: Outline, lines: list[str]) -> bool:
    """A stub carries the archive marker as an HTML block of its own, never inside code."""
    for start, end in outline.html:
        for idx in range(start, min(end, len(lines))):
            if lines[idx].strip() == _STUB_MARKER:
                return True
    return False


def might_be_stub(text: str) -> bool:
    return _STUB_MARKER in text


def _group_chain(headings: list[tuple[int, str]]) -> tuple[str, ...]:
    return tuple(text for level, text in headings if level >= 2)


def extract_items(
    path: str,
    outline: Outline,
    *,
    key: str | None = None,
    line_range: tuple[int, int] | None = None,
    lines: list[str] | None = None,
) -> list[Item]:
    """Items of ``outline`` (optionally only blocks starting inside ``line_range``, 0-based).

    With ``lines``, a ``Subtask:`` whose ``- [x] Status`` line is over-indented (so
    CommonMark reads it as indented code, as in real 2025 mirrors) still gets its state,
    read by position and flagged in ``Item.note``.
    """
    blocks = outline.blocks
    children: dict[int, list[int]] = {}
    for idx, block in enumerate(blocks):
        if block.kind == "item" and block.parent >= 0:
            children.setdefault(block.parent, []).append(idx)

    items: list[Item] = []
    heading_stack: list[tuple[int, str]] = []
    chain: tuple[str, ...] = ()
    bold_group: str | None = None
    lo, hi = line_range if line_range else (0, 1 << 30)
    prev_top_end: int | None = None
    segment = 0
    for idx, block in enumerate(blocks):
        if block.kind == "heading":
            while heading_stack and heading_stack[-1][0] >= block.level:
                heading_stack.pop()
            heading_stack.append((block.level, block.text))
            chain = _group_chain(heading_stack)
            bold_group = None
            prev_top_end = None
            segment = 0
            continue
        if block.quoted or not (lo <= block.line < hi):
            continue
        if block.parent < 0:
            if block.checked is None and block.marker[-1:] in ".)":
                m = _BOLD_GROUP.match(block.text)
                if m:
                    bold_group = m.group(1).strip()
            if prev_top_end is not None and block.line > prev_top_end and (
                lines is None or not any(lines[n].strip() for n in range(prev_top_end, block.line))
            ):
                segment += 1
            prev_top_end = block.end
        groups = (*chain, bold_group) if bold_group else chain
        item = _to_item(path, blocks, idx, children, groups, key)
        if item is None and lines is not None and _SUBTASK.match(block.text):
            item = _stray_status(path, blocks, idx, children, groups, key, lines)
        if item is not None:
            item.segment = segment
            items.append(item)
    number_items(items)
    return items


def _to_item(
    path: str,
    blocks: list[Block],
    idx: int,
    children: dict[int, list[int]],
    groups: tuple[str, ...],
    key: str | None,
) -> Item | None:
    block = blocks[idx]
    parent = blocks[block.parent] if block.parent >= 0 else None
    if block.checked is None:
        row = _LEGACY_ROW.match(block.text) if parent is None and "`[" in block.text else None
        if row:
            title, ev_text = split_evidence(row.group("rest"))
            return _make(path, block, row.group("state") != " ", block.text, title, ev_text,
                         "legacy-row", (*groups, row.group("group").strip()), key, parent)
        return None
    if parent is not None and parent.checked is None and block.text[:7].lower().lstrip("_").startswith("status") \
            and _STATUS.match(block.text):
        return _status_item(path, blocks, idx, children, groups, key)
    title, ev_text = split_evidence(block.text)
    if block.parent >= 0:
        form = "nested"
    elif block.marker[-1:] in ".)":
        form = "numbered"
    else:
        form = "flat"
    return _make(path, block, bool(block.checked), block.text, title, ev_text, form, groups, key, parent)


def _status_item(
    path: str,
    blocks: list[Block],
    idx: int,
    children: dict[int, list[int]],
    groups: tuple[str, ...],
    key: str | None,
) -> Item:
    """A ``[x] Status`` line stands for its parent line (Subtask, numbered or bold title)."""
    block = blocks[idx]
    parent = blocks[block.parent]
    parent_title = _SUBTASK.sub("", parent.text.split("\n")[0])
    bold = _BOLD_GROUP.match(parent_title)
    if bold:
        parent_title = bold.group(1)
    evidence: list[Evidence] = []
    labelled = False
    for sib in children.get(block.parent, []):
        text = blocks[sib].text
        if sib == idx or not _EVIDENCE_LINE.match(text):
            continue
        if text.lower().startswith("evidence"):
            evidence.extend(extract(text.split(":", 1)[1]))
            labelled = True
        else:
            _, ev_text = split_evidence(text)
            if ev_text is not None:
                evidence.extend(extract(ev_text))
                labelled = True
    status_text = _STATUS.sub("", block.text, count=1)
    _, own = split_evidence(status_text)
    if own is not None:
        evidence.extend(extract(own))
        labelled = True
    else:
        evidence.extend(extract_runs_anywhere(status_text))
    item = Item(
        path=path,
        line=block.line + 1,
        end_line=block.end,
        checked=bool(block.checked),
        text=block.text,
        title=parent_title.strip(),
        norm=normalise_title(parent_title, key),
        form="status",
        groups=groups,
        parent=parent.text.split("\n")[0],
        parent_line=parent.line + 1,
        evidence=_dedupe(evidence),
        has_evidence_label=labelled,
    )
    return item


def _stray_status(
    path: str,
    blocks: list[Block],
    idx: int,
    children: dict[int, list[int]],
    groups: tuple[str, ...],
    key: str | None,
    lines: list[str],
) -> Item | None:
    """The Status line right after a Subtask block that Markdown parsed as code."""
    block = blocks[idx]
    if any(blocks[c].checked is not None for c in children.get(idx, [])):
        return None
    nxt = block.end
    if nxt >= len(lines):
        return None
    m = _STRAY_STATUS.match(lines[nxt])
    if not m or any(b.line == nxt for b in blocks):
        return None
    ghost = Block("item", nxt, nxt + 1, m.group(2).strip(), checked=m.group(1) != " ",
                  indent=len(lines[nxt]) - len(lines[nxt].lstrip(" ")), marker="-", parent=idx)
    blocks_with = [*blocks, ghost]
    item = _status_item(path, blocks_with, len(blocks), {**children, idx: [*children.get(idx, []), len(blocks)]},
                        groups, key)
    item.note = "Status line indented as code (4+ spaces); read by position"
    return item


def _make(
    path: str,
    block: Block,
    checked: bool,
    text: str,
    title: str,
    ev_text: str | None,
    form: str,
    groups: tuple[str, ...],
    key: str | None,
    parent: Block | None,
) -> Item:
    evidence = extract(ev_text) if ev_text is not None else extract_runs_anywhere(text)
    return Item(
        path=path,
        line=block.line + 1,
        end_line=block.end,
        checked=checked,
        text=text,
        title=title.strip(),
        norm=normalise_title(title, key),
        form=form,
        groups=groups,
        parent=parent.text.split("\n")[0] if parent else None,
        parent_line=parent.line + 1 if parent else None,
        evidence=_dedupe(evidence),
        has_evidence_label=ev_text is not None,
    )


def _dedupe(refs: list[Evidence]) -> list[Evidence]:
    seen: set[str] = set()
    out = []
    for ref in refs:
        if ref.raw not in seen:
            seen.add(ref.raw)
            out.append(ref)
    return out


def number_items(items: list[Item]) -> None:
    """Ordinal within the group and occurrence of equal titles (duplicate identity)."""
    ordinals: dict[tuple[str, ...], int] = {}
    seen: dict[tuple[tuple[str, ...], str, str | None], int] = {}
    for item in items:
        ordinals[item.groups] = ordinals.get(item.groups, 0) + 1
        item.ordinal = ordinals[item.groups]
        ident = (item.groups, item.norm, item.parent if item.form == "status" else None)
        seen[ident] = seen.get(ident, 0) + 1
        item.occurrence = seen[ident]
