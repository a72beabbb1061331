"""The fast scanner agrees with markdown-it wherever it does not decline.

This is the proof the developers' guide asks for before a fast path may replace the
reference parser: every Markdown file of both corpus snapshots and of the fixtures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.outline_mdit import mdit_outline
from sync.outline_scan import Unsupported, scan_outline
from sync.textfile import decode

from conftest import CORPUS, FIXTURES, needs_corpus


def _fields(outline) -> tuple:
    blocks = [
        (b.kind, b.line, b.end, b.text, b.level, b.checked, b.indent, b.marker, b.parent, b.quoted)
        for b in outline.blocks
    ]
    return blocks, outline.front_matter, outline.html


def _agree(paths: list[Path]) -> tuple[int, int]:
    scanned = declined = 0
    for path in paths:
        text = decode(path.name, path.read_bytes()).text
        try:
            fast = scan_outline(text)
        except Unsupported:
            declined += 1
            continue
        assert _fields(fast) == _fields(mdit_outline(text)), path
        scanned += 1
    return scanned, declined


def test_fixtures_agree() -> None:
    scanned, _declined = _agree(sorted(FIXTURES.rglob("*.md")))
    assert scanned > 50


@needs_corpus
@pytest.mark.parametrize(("snapshot", "share"), [("co-2025-11-10", 0.75), ("co-2026-06-17", 0.98)])
def test_whole_corpus_agrees(snapshot: str, share: float) -> None:
    paths = sorted((CORPUS / snapshot).rglob("*.md"))
    scanned, declined = _agree(paths)
    # the scanner must carry the load for the fast path to be worth having
    assert scanned >= share * len(paths), (scanned, declined)
