"""The block outline of a Markdown document: headings and list items with line spans.

Every parser in ``sync.parse`` works on this outline instead of on raw text, so the
choice between the markdown-it reference parser and the fast scanner is made in one
place.  Line numbers are 0-based here; the model converts them to 1-based.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Block:
    """A heading (``level`` 1-6) or a list item (``level`` 0) of a document."""

    kind: str  # "heading" | "item"
    line: int  # first line, 0-based
    end: int  # one past the last non-blank line of the block (items include children)
    text: str  # heading text, or the item's first paragraph with each line stripped
    level: int = 0
    checked: bool | None = None  # task state of a list item, None when not a task
    indent: int = 0  # column of the list marker
    marker: str = ""  # "-", "*", "+", or the ordered marker such as "3." / "3)"
    parent: int = -1  # index of the enclosing list item in ``Outline.blocks``
    quoted: bool = False  # inside a blockquote


@dataclass(slots=True)
class Outline:
    """Headings and list items in document order, plus opaque regions."""

    blocks: list[Block] = field(default_factory=list)
    front_matter: tuple[int, int] | None = None  # [start, end) lines of the YAML block
    html: list[tuple[int, int]] = field(default_factory=list)  # [start, end) of HTML blocks
    engine: str = "markdown-it"

    def headings(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "heading"]

    def items(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "item"]


def normalise_item_text(content: str) -> str:
    """Strip every line of a paragraph, as both engines must agree on it."""
    return "\n".join(part.strip() for part in content.split("\n")).strip()


def build_outline(text: str, *, force_reference: bool = False) -> Outline:
    """Outline ``text`` with the fast scanner, or markdown-it when the scanner declines.

    The scanner handles the CommonMark subset that task docs use and raises
    :class:`~sync.outline_scan.Unsupported` on anything else; ``tests/test_outline_agreement.py``
    proves both engines agree on the whole corpus and on generated documents.
    """
    if not force_reference:
        from sync.outline_scan import Unsupported, scan_outline

        try:
            return scan_outline(text)
        except Unsupported:
            pass
    from sync.outline_mdit import mdit_outline

    return mdit_outline(text)
