"""Generated text: mdformat-stable regions, formatter tolerance, and a sync of the real corpus."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import mdformat
import pytest

from sync.markers import find_regions, trim
from sync.parse.tasks_md import count_lines

from conftest import CORPUS_LATE, needs_corpus, run


def _regions(root: Path) -> list[tuple[str, list[str]]]:
    out = []
    for path in sorted(root.rglob("*.md")):
        lines = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").split("\n")
        regions, problems = find_regions(lines)
        assert not problems, path
        out += [(f"{path.relative_to(root)}:{r.begin + 1}", trim(r.content(lines))) for r in regions]
    return out


@pytest.mark.parametrize("which", ["early_copy", "late_copy"])
def test_every_generated_region_is_mdformat_stable(which: str, request: pytest.FixtureRequest) -> None:
    root: Path = request.getfixturevalue(which)
    assert run("sync", str(root), "--init").code in (0, 1)
    regions = _regions(root)
    assert len(regions) >= 4
    for where, content in regions:
        text = "\n".join(content) + "\n"
        assert mdformat.text(text, extensions={"gfm"}) == text, where


def test_sync_and_a_formatter_do_not_fight(early_copy: Path) -> None:
    assert run("sync", str(early_copy), "--init").code in (0, 1)
    mirror = early_copy / ".agent/task/0440-palette-snapshot.md"
    generated = sorted(early_copy.glob(".agent/task/*.md"))
    for path in [*generated, early_copy / "docs/TASKS.md"]:
        if "tasksync:begin" in path.read_text():
            path.write_text(mdformat.text(path.read_text(), extensions={"gfm"}))
    assert run("sync", str(early_copy), "--check").code == 0
    assert mirror.exists()


@needs_corpus
def test_corpus_sync_then_check_is_clean_and_touches_only_item_lines(tmp_path: Path) -> None:
    root = tmp_path / "late"
    shutil.copytree(CORPUS_LATE, root)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "base"], cwd=root, check=True)
    before_lines = count_lines((root / "docs/TASKS.md").read_text())
    res = run("sync", str(root))
    assert res.code == 0, res.err
    assert run("sync", str(root), "--check").code == 0
    diff = subprocess.run(["git", "diff", "-U0"], cwd=root, capture_output=True, text=True, check=True).stdout
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed, "the corpus has real mirror drift to fix"
    for line in changed:
        assert line[1:].lstrip().startswith(("- [x]", "- [ ]", "1. [", "2. [", "3. [")), line
    assert count_lines((root / "docs/TASKS.md").read_text()) == before_lines <= 450
