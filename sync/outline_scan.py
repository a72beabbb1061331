"""Fast line scanner for the CommonMark subset that task docs use.

It produces the same :class:`~sync.outline.Outline` as markdown-it for documents made of
ATX headings, paragraphs, bullet/ordered (task) lists, top-level blockquotes, pipe
tables, thematic breaks, indented code and HTML comments.  On anything else (fences,
setext headings, tabs in indentation, other HTML, containers inside list items ...)
it raises :class:`Unsupported` and the caller falls back to markdown-it.  It is about
40x faster than markdown-it, which matters on a 5,700-file tree; agreement is proven by
``tests/test_outline_agreement.py`` over the corpus and over generated documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sync.outline import Block, Outline

_BULLET = re.compile(r"([-*+])(?=[ \t]|$)")
_ORDERED = re.compile(r"(\d{1,9})([.)])(?=[ \t]|$)")
_HR = re.compile(r"(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_SETEXT = re.compile(r"(?:=+|-+)[ \t]*$")
_FENCE = re.compile(r"(?:`{3,}|~{3,})")
_TASK = re.compile(r"\[([ xX])\][ \t]")
_REFDEF = re.compile(r"\[[^\]]*\]:")
_DELIM_CELL = re.compile(r":?-+:?$")
_FM_OPEN = re.compile(r"(-{3,})")
# markdown-it's ``mdTrim`` (JavaScript ``trim``): unlike ``str.strip`` it keeps U+001C-U+001F and U+0085
_MD_TRIM = "\t\n\v\f\r \xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))


def _atx(body: str) -> tuple[int, str] | None:
    """``(level, text)`` of an ATX heading line, as markdown-it's heading rule reads it.

    String operations, not a regex: a lazy ``(.*?)`` costs O(n) per line, and TASKS.md
    snapshot headings are several kilobytes long.
    """
    level = len(body) - len(body.lstrip("#"))
    if not 1 <= level <= 6:
        return None
    rest = body[level:]
    if rest and rest[0] not in " \t":
        return None
    text = rest.rstrip(" \t")
    if text.endswith("#"):
        bare = text.rstrip("#")
        if not bare.strip(" \t"):
            text = ""
        elif bare[-1] in " \t":
            text = bare
    return level, text.strip(_MD_TRIM)


class Unsupported(Exception):
    """The document uses a construct the scanner does not model; use markdown-it."""


@dataclass(slots=True)
class _Open:
    block: int  # index in blocks
    marker_indent: int
    content_col: int
    kind: str  # bullet char, or "." / ")" for ordered lists


def _table_columns(line: str) -> int:
    """Column count of a table header row, as markdown-it's ``escapedSplit`` counts it."""
    text = line.strip(_MD_TRIM)
    if "|" not in text:
        return 0
    cells: list[str] = []
    current = ""
    escaped = False
    last = 0
    for pos, ch in enumerate(text):
        if ch == "|":
            if not escaped:
                cells.append(current + text[last:pos])
                current = ""
                last = pos + 1
            else:
                current += text[last : pos - 1]
                last = pos
        escaped = ch == "\\"
    cells.append(current + text[last:])
    if cells and cells[0] == "":
        cells.pop(0)
    if cells and cells[-1] == "":
        cells.pop()
    return len(cells)


def _delimiter_columns(line: str) -> int:
    """Column count of a table delimiter row, or 0 when ``line`` is not one."""
    body = line.strip(" \t")  # only spaces and tabs may surround a delimiter row
    if len(body) < 2 or body[0] not in "|-:" or (body[1] not in "|-: \t"):
        return 0
    if body[0] == "-" and body[1] in " \t":
        return 0
    if any(ch not in "|-: \t" for ch in body):
        return 0
    cols = body.split("|")
    count = 0
    for i, cell in enumerate(cols):
        cell = cell.strip()
        if not cell:
            if i in (0, len(cols) - 1):
                continue
            return 0
        if not _DELIM_CELL.match(cell):
            return 0
        count += 1
    return count


def _front_matter_end(lines: list[str]) -> int:
    """Index one past the closing front-matter line, or 0 when there is none."""
    if not lines or not lines[0].startswith("---"):
        return 0
    count = len(_FM_OPEN.match(lines[0]).group(1))  # type: ignore[union-attr]
    for idx in range(1, len(lines)):
        line = lines[idx]
        if line.startswith("...") and not line[3:].strip(" \t"):
            return idx + 1
        stripped = line.lstrip(" ")
        if len(line) - len(stripped) >= 4 or not stripped.startswith("-"):
            continue
        run = len(stripped) - len(stripped.lstrip("-"))
        if run >= count and not stripped[run:].strip(" \t"):  # skipSpaces skips tabs too
            return idx + 1
    return 0


class _Scanner:
    def __init__(self, text: str) -> None:
        if "\r" in text or "\0" in text:
            raise Unsupported("carriage return or NUL")
        self.lines = text.split("\n")
        self.out = Outline(engine="scan")
        self.stack: list[_Open] = []
        self.para = False  # a paragraph is open and may take lazy continuation lines
        self.para_item: int | None = None  # item whose first paragraph is being read
        self.para_lines: list[str] = []
        self.quote = False  # inside a top-level blockquote
        self.table = False  # inside a table body
        self.last = -1  # last non-blank line consumed: the end of items closed next

    # -- helpers -----------------------------------------------------------
    def _close_para(self) -> None:
        if self.para_item is not None:
            block = self.out.blocks[self.para_item]
            block.text = "\n".join(self.para_lines).strip()
        self.para = False
        self.para_item = None
        self.para_lines = []

    def _pop_to(self, depth: int) -> None:
        """Close the items above ``depth``: they end at the last line they consumed."""
        blocks = self.out.blocks
        for opened in self.stack[depth:]:
            blocks[opened.block].end = self.last + 1
        del self.stack[depth:]

    def _is_table_start(self, idx: int, body: str) -> bool:
        if idx + 1 >= len(self.lines) or "|" not in body:
            return False
        nxt = self.lines[idx + 1]
        nind = len(nxt) - len(nxt.lstrip(" "))
        if nxt[nind : nind + 1] == "\t":
            raise Unsupported("tab indentation")
        base = self.stack[-1].content_col if self.stack else 0
        if nind < base or nind - base >= 4:
            return False
        line = self.lines[idx]
        if len(line) - len(line.lstrip(" ")) - base >= 4:
            return False  # the header row is indented code: markdown-it's is_code_block
        cols = _delimiter_columns(nxt)
        return cols > 0 and cols == _table_columns(body)

    # -- main loop -----------------------------------------------------------
    def run(self) -> Outline:
        lines = self.lines
        start = _front_matter_end(lines)
        if start:
            self.out.front_matter = (0, start)
        html_until = -1
        for idx in range(start, len(lines)):
            line = lines[idx]
            if idx <= html_until:
                continue
            if self.para:
                # fast path: a line starting with a letter never ends a paragraph
                stripped = line.lstrip(" ")
                if stripped and stripped[0].isalpha() and "|" not in stripped:
                    self.para_lines.append(stripped.rstrip())
                    self.last = idx
                    continue
            if not line.strip(" \t"):
                self._close_para()
                self.table = False
                if self.quote:
                    self.quote = False
                continue
            if not line.strip():
                raise Unsupported("only Unicode whitespace: not blank to markdown-it, blank to item ends")
            ind = len(line) - len(line.lstrip(" "))
            if line[ind] == "\t":
                raise Unsupported("tab indentation")
            depth = 0
            while depth < len(self.stack) and self.stack[depth].content_col <= ind:
                depth += 1
            base = self.stack[depth - 1].content_col if depth else 0
            rel = ind - base
            body = line[ind:]
            if self.para or self.table:
                # markdown-it asks its terminator rules in the innermost container's frame
                if not self._terminates(body, ind):
                    if self.para and self._is_table_start(idx, body):  # a table row never starts one
                        if self.quote:
                            raise Unsupported("table after a blockquote: markdown-it keeps it lazy")
                        kind = "code" if rel >= 4 else "text"  # rel: once the items it ends are closed
                    else:
                        if self.para:
                            self.para_lines.append(body.strip())
                        self.last = idx
                        continue
                else:
                    kind = "code" if rel >= 4 else self._classify(body)
            else:
                kind = "code" if rel >= 4 else self._classify(body)

            self._close_para()
            if kind != "text":
                self.table = False
            self._pop_to(depth)
            self.last = idx

            if kind == "code":
                continue
            if kind == "quote":
                self._quote_line(body, depth, idx)
                continue
            self.quote = False
            if kind == "hr":
                continue
            if kind == "html":
                html_until = self.last = self._html(idx, ind)
                continue
            if kind == "heading":
                if depth:
                    raise Unsupported("heading inside a list item")
                heading = _atx(body)
                assert heading is not None
                self.out.blocks.append(Block("heading", idx, idx + 1, heading[1], level=heading[0]))
                continue
            if kind == "item":
                self._item(body, ind, depth, idx)
                continue
            # kind == "text": a new paragraph, or a table header
            if self._is_table_start(idx, body):
                if self.stack:
                    raise Unsupported("table inside a list item")
                self.table = True
                html_until = self.last = idx + 1  # skip the delimiter row
                continue
            if _REFDEF.match(body):
                raise Unsupported("link reference definition")
            self.para = True
            self.para_item = None
            self.para_lines = [body.strip()]
        self._close_para()
        self._pop_to(0)
        return self.out

    def _terminates(self, body: str, ind: int) -> bool:
        """Whether a line ends the open paragraph/table instead of continuing it lazily."""
        blk = self.stack[-1].content_col if self.stack else 0
        if ind - blk >= 4:
            return self.table  # lazy for a paragraph; a table row may not be indented code
        kind = self._classify(body)
        if kind == "html" and not body.startswith("<!--"):
            raise Unsupported("HTML that may or may not interrupt a paragraph")
        if kind != "item":
            return kind != "text"
        list_indent = (self.stack[-2].content_col if len(self.stack) > 1 else 0) if self.stack else -1
        if list_indent >= 0 and ind - list_indent >= 4 and ind < blk:
            return False
        # a blockquote asks the list rule as "blockquote", not "paragraph": any item ends it
        if self.para and not self.quote and ind >= blk:
            m = _ORDERED.match(body)
            if m and int(m.group(1)) != 1:
                return False
        return True

    def _classify(self, body: str) -> str:
        first = body[0]
        if first.isalpha():
            return "text"
        if first in "`~" and _FENCE.match(body):
            raise Unsupported("fenced code")
        if first in "=-" and self.para and _SETEXT.match(body):
            raise Unsupported("setext heading")
        if first == ">":
            return "quote"
        if first in "*-_" and _HR.match(body):
            return "hr"
        if first in "-*+" and _BULLET.match(body):
            return "item"
        if first.isdigit() and _ORDERED.match(body):
            return "item"
        if first == "<":
            return "html"
        if first == "#" and _atx(body):
            return "heading"
        return "text"

    def _quote_line(self, body: str, depth: int, idx: int) -> None:
        if depth or self.stack:
            raise Unsupported("blockquote inside a list item")
        inner = body[1:]
        if inner.startswith((" ", "\t")):
            inner = inner[1:]
        if "\t" in inner[:4]:
            raise Unsupported("tab in blockquote")
        stripped = inner.lstrip(" ")
        if stripped.startswith("[!"):
            raise Unsupported("possible GitHub alert")  # markdown-it does not keep lazy lines in alerts
        if not stripped:
            self.quote = True
            self.para = False
            return
        ind = len(inner) - len(stripped)
        if self.para and self.quote and ind >= 4:
            self.para_lines.append(stripped)
            return
        if ind >= 4 or self._classify_quote(stripped) != "text":
            raise Unsupported("block construct inside a blockquote")
        if "|" in stripped:
            raise Unsupported("possible table inside a blockquote")
        if not (self.para and self.quote):
            self.para = True
            self.para_item = None
            self.para_lines = []
        self.quote = True

    def _classify_quote(self, body: str) -> str:
        first = body[0]
        if first in "`~>#<" or (first in "*-_+=" or first.isdigit()):
            return "block"
        return "text"

    def _html(self, idx: int, ind: int) -> int:
        """Consume an HTML comment block; return its last line index."""
        body = self.lines[idx][ind:]
        if not body.startswith("<!--"):
            raise Unsupported("HTML block other than a comment")
        if self.stack:
            raise Unsupported("HTML comment inside a list item")
        end = idx
        while "-->" not in self.lines[end][ind if end == idx else 0 :]:  # "<!-->" closes at once
            end += 1
            if end >= len(self.lines):
                raise Unsupported("unterminated HTML comment")
        self.out.html.append((idx, end + 1))
        return end

    def _item(self, body: str, ind: int, depth: int, idx: int) -> None:
        m = _BULLET.match(body)
        if m:
            marker = m.group(1)
            kind = marker
        else:
            om = _ORDERED.match(body)
            assert om is not None
            marker = om.group(1) + om.group(2)
            kind = om.group(2)
        rest = body[len(marker) :]
        if not rest.strip(" \t"):
            raise Unsupported("empty list item")
        if rest[0] == "\t":
            raise Unsupported("tab after list marker")
        spaces = len(rest) - len(rest.lstrip(" "))
        if spaces > 4:
            raise Unsupported("indented code at the start of a list item")
        content = rest[spaces:]
        if content[0] == "\t":
            raise Unsupported("tab after list marker")
        first = content[0]
        if (first in "`~" and _FENCE.match(content)) or first in "><" or (first == "#" and _atx(content)):
            raise Unsupported("block construct opening a list item")
        if (first in "*-+_" or first.isdigit()) and (
            _HR.match(content) or _BULLET.match(content) or _ORDERED.match(content)
        ):
            raise Unsupported("nested marker on the item line")
        checked: bool | None = None
        if first == "[":
            tm = _TASK.match(content)
            if tm:
                checked = tm.group(1) != " "
                content = content[tm.end() :].lstrip(" \t")
                if not content:
                    raise Unsupported("empty task item")
            if content[0] == "[" and _REFDEF.match(content):
                raise Unsupported("reference definition opening a list item")
        if "|" in content and self._is_table_start(idx, content):
            raise Unsupported("table opening a list item")
        parent = self.stack[depth - 1].block if depth else -1
        # a sibling list of another kind is a new list; that only matters for interruption
        self.out.blocks.append(
            Block("item", idx, idx + 1, "", checked=checked, indent=ind, marker=marker, parent=parent)
        )
        index = len(self.out.blocks) - 1
        self.stack.append(_Open(index, ind, ind + len(marker) + spaces, kind))
        self.para = True
        self.para_item = index
        self.para_lines = [content.strip()]


def scan_outline(text: str) -> Outline:
    """Outline ``text``; raise :class:`Unsupported` when markdown-it must decide."""
    return _Scanner(text).run()
