"""The writer: byte-exact splicing, atomic replacement, concurrency guard, lock."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sync.cachedir import IGNORE_ALL
from sync.errors import TasksyncError
from sync.textfile import decode
from sync.write import ConcurrentChange, LineEdit, repo_lock, sha256, splice, write_atomic


def edit(start: int, end: int, *lines: str) -> LineEdit:
    return LineEdit(start, end, tuple(lines), "test")


@pytest.mark.parametrize(
    ("raw", "edits", "expected"),
    [
        (b"a\nb\nc\n", [edit(1, 2, "B")], b"a\nB\nc\n"),
        (b"a\r\nb\r\nc\r\n", [edit(1, 2, "B", "B2")], b"a\r\nB\r\nB2\r\nc\r\n"),
        (b"\xef\xbb\xbfa\nb", [edit(0, 1, "A")], b"\xef\xbb\xbfA\nb"),
        (b"a\nb", [edit(1, 2, "B")], b"a\nB"),  # no final newline stays so
        (b"a\nb", [edit(2, 2, "c")], b"a\nb\nc"),  # append after an unterminated last line: still none
        (b"a\r\nb\nc\r\n", [edit(1, 2, "B")], b"a\r\nB\nc\r\n"),  # a stray LF keeps its ending
        (b"a\nb\nc\n", [edit(0, 0, "x"), edit(2, 3)], b"x\na\nb\n"),
    ],
)
def test_splice_keeps_every_other_byte(raw: bytes, edits: list[LineEdit], expected: bytes) -> None:
    assert splice(decode("f.md", raw), edits) == expected


def test_overlapping_edits_are_refused() -> None:
    with pytest.raises(ValueError, match="overlapping"):
        splice(decode("f.md", b"a\nb\nc\n"), [edit(0, 2, "x"), edit(1, 3, "y")])


def test_write_atomic_preserves_mode_and_refuses_a_changed_file(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_bytes(b"old\n")
    os.chmod(path, 0o640)
    write_atomic(tmp_path, "doc.md", b"new\n", sha256(b"old\n"))
    assert path.read_bytes() == b"new\n" and stat.S_IMODE(path.stat().st_mode) == 0o640
    with pytest.raises(ConcurrentChange):
        write_atomic(tmp_path, "doc.md", b"newer\n", sha256(b"old\n"))
    assert path.read_bytes() == b"new\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tasksync-tmp")]


def test_write_atomic_creates_only_absent_files(tmp_path: Path) -> None:
    write_atomic(tmp_path, "sub/new.md", b"x\n", None)
    assert (tmp_path / "sub" / "new.md").read_bytes() == b"x\n"
    with pytest.raises(ConcurrentChange):
        write_atomic(tmp_path, "sub/new.md", b"y\n", None)


def test_writes_through_a_symlink_to_its_target(tmp_path: Path) -> None:
    (tmp_path / "real.md").write_bytes(b"a\n")
    os.symlink("real.md", tmp_path / "link.md")
    write_atomic(tmp_path, "link.md", b"b\n", sha256(b"a\n"))
    assert (tmp_path / "link.md").is_symlink() and (tmp_path / "real.md").read_bytes() == b"b\n"


def test_lock_excludes_a_second_sync(tmp_path: Path) -> None:
    with repo_lock(tmp_path), pytest.raises(TasksyncError, match="another tasksync sync"), \
            repo_lock(tmp_path, timeout=0.2):
        pass
    with repo_lock(tmp_path, timeout=0.2):
        pass


def test_a_write_removes_the_temp_files_a_killed_sync_left_for_that_file(tmp_path: Path) -> None:
    (tmp_path / "f[1].md").write_bytes(b"old\n")
    stale = tmp_path / ".f[1].md.k3j9x.tasksync-tmp"
    other = tmp_path / ".g.md.a1b2c.tasksync-tmp"  # another file's: its own write will remove it
    stale.write_bytes(b"ol")
    other.write_bytes(b"x")
    with repo_lock(tmp_path):
        write_atomic(tmp_path, "f[1].md", b"new\n", sha256(b"old\n"))
    assert (tmp_path / "f[1].md").read_bytes() == b"new\n"
    assert not stale.exists() and other.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".f[1].md.")]


def test_the_cache_directory_repairs_an_empty_gitignore(tmp_path: Path) -> None:
    ignore = tmp_path / ".tasksync-cache" / ".gitignore"
    ignore.parent.mkdir()
    ignore.write_bytes(b"")  # as a run killed mid-write could have left it
    with repo_lock(tmp_path):
        pass
    assert ignore.read_bytes() == IGNORE_ALL
    assert sorted(p.name for p in ignore.parent.iterdir()) == [".gitignore", "sync.lock"]
