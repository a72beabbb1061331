"""Reference outline from markdown-it-py tokens (``gfm-like2`` block rules + front matter).

Inline parsing is switched off: task state is decided by the block list rule, and
inline parsing of long paragraphs (``docs/TASKS.md``) costs 8x more than blocks.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from sync.outline import Block, Outline, normalise_item_text

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("gfm-like2", {"linkify": False}).use(front_matter_plugin)
    md.disable(["inline", "linkify", "text_join", "replacements", "smartquotes"], ignoreInvalid=True)
    return md


def _item_end(start: int, end: int, lines: list[str]) -> int:
    """markdown-it item maps include trailing blank lines; drop them."""
    while end > start + 1 and end - 1 < len(lines) and not lines[end - 1].strip():
        end -= 1
    return min(end, max(len(lines), start + 1))


def mdit_outline(text: str) -> Outline:
    tokens = _parser().parse(text)
    lines = text.split("\n")
    out = Outline(engine="markdown-it")
    stack: list[int] = []  # indexes of open list items
    quote_depth = 0
    pending_item: int | None = None  # item whose first paragraph we still expect
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        ttype = tok.type
        if ttype == "front_matter" and tok.map:
            out.front_matter = (tok.map[0], tok.map[1])
        elif ttype == "blockquote_open":
            quote_depth += 1
        elif ttype == "blockquote_close":
            quote_depth -= 1
        elif ttype == "html_block" and tok.map:
            out.html.append((tok.map[0], tok.map[1]))
        elif ttype == "heading_open" and tok.map:
            content = tokens[i + 1].content if i + 1 < n else ""
            out.blocks.append(
                Block("heading", tok.map[0], tok.map[1], content.strip(), level=int(tok.tag[1]),
                      parent=stack[-1] if stack else -1, quoted=quote_depth > 0)
            )
            pending_item = None
        elif ttype == "list_item_open" and tok.map:
            start = tok.map[0]
            line = lines[start] if start < len(lines) else ""
            stripped = line.lstrip(" >")
            indent = len(line) - len(line.lstrip(" "))
            marker = stripped.split(maxsplit=1)[0] if stripped.strip() else tok.markup
            checked = tok.meta.get("checked") if tok.meta else None
            out.blocks.append(
                Block("item", start, _item_end(start, tok.map[1], lines), "", checked=checked,
                      indent=indent, marker=marker, parent=stack[-1] if stack else -1,
                      quoted=quote_depth > 0)
            )
            stack.append(len(out.blocks) - 1)
            pending_item = stack[-1]
        elif ttype == "list_item_close":
            stack.pop()
            pending_item = None
        elif ttype == "paragraph_open" and pending_item is not None:
            block = out.blocks[pending_item]
            if tok.map and tok.map[0] == block.line and i + 1 < n:
                block.text = normalise_item_text(tokens[i + 1].content)
            pending_item = None
        elif ttype not in ("paragraph_close", "inline", "bullet_list_open", "ordered_list_open"):
            pending_item = None
        i += 1
    return out
