"""Writing: splice line edits into the exact bytes that were parsed, then replace atomically.

Every byte outside the edited lines is kept: line endings, BOM, final newline, front
matter, file mode.  A file is written only when its bytes change, through a temp file in
the same directory, fsync and ``os.replace``; just before replacing, the file is re-read
and must still hash to what was parsed, or it is skipped (someone edited it meanwhile).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import itertools
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from glob import escape as glob_escape
from pathlib import Path

from sync.cachedir import ensure_cache_dir
from sync.errors import TasksyncError
from sync.textfile import BOM, TextFile

LOCK_NAME = "sync.lock"


@dataclass(frozen=True, slots=True)
class LineEdit:
    """Replace lines ``[start, end)`` (0-based) with ``lines`` (no line endings); start == end inserts."""

    start: int
    end: int
    lines: tuple[str, ...]
    reason: str


class ConcurrentChange(TasksyncError):
    """The file changed between parsing and writing."""


def _ending(tf: TextFile) -> bytes:
    return b"\r\n" if tf.crlf else b"\n"


def splice(tf: TextFile, edits: list[LineEdit]) -> bytes:
    """The file's bytes with ``edits`` applied; untouched lines are copied byte for byte."""
    body = tf.raw[len(BOM) :] if tf.bom else tf.raw
    parts = body.splitlines(keepends=True)
    newline = _ending(tf)
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for a, b in itertools.pairwise(ordered):
        if b.start < a.end:
            raise ValueError(f"overlapping edits at lines {a.start + 1} and {b.start + 1}")
    for edit in reversed(ordered):
        if edit.start > len(parts) or edit.end > len(parts):
            raise ValueError(f"edit past the end of {tf.path}")
        new = [line.encode("utf-8") + newline for line in edit.lines]
        if new and edit.start == edit.end == len(parts) and parts and not parts[-1].endswith((b"\n", b"\r")):
            parts[-1] += newline  # appending after a last line that had no newline: the file still has none
            new[-1] = new[-1][: -len(newline)]
        # keep the replaced lines' own endings (a CRLF file may hold a stray LF, the last line may
        # have none): line by line when the count is unchanged, else for the last line only
        replaced = range(edit.start, edit.end)
        if new and replaced:
            keep = enumerate(replaced) if len(new) == len(replaced) else [(len(new) - 1, replaced[-1])]
            for i, j in keep:
                new[i] = new[i][: -len(newline)] + parts[j][len(parts[j].rstrip(b"\r\n")) :]
        parts[edit.start : edit.end] = new
    return (BOM if tf.bom else b"") + b"".join(parts)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _remove_stale_temps(directory: Path, name: str) -> None:
    """Temp files of ``name`` left by a killed sync.  Callers hold :func:`repo_lock`, so no live
    tasksync is writing one."""
    for stale in directory.glob(f".{glob_escape(name)}.*.tasksync-tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


def write_atomic(root: Path, rel: str, data: bytes, expected: str | None) -> None:
    """Replace ``root/rel`` with ``data``; ``expected`` is the sha256 parsed (None: create a new file).

    Callers hold :func:`repo_lock`."""
    path = Path(os.path.realpath(root / rel))
    directory = path.parent
    mode = None
    if expected is not None:
        try:
            current = path.read_bytes()
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            raise ConcurrentChange("was deleted while tasksync ran; skipped", path=rel) from None
        if sha256(current) != expected:
            raise ConcurrentChange("changed while tasksync ran; skipped (run sync again)", path=rel)
    directory.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(directory, path.name)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tasksync-tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        if expected is None:
            try:
                os.link(tmp, path)  # create only if absent, atomically
            except FileExistsError:
                raise ConcurrentChange("appeared while tasksync ran; skipped", path=rel) from None
            os.unlink(tmp)
        else:
            if sha256(path.read_bytes()) != expected:  # last look before the swap
                raise ConcurrentChange("changed while tasksync ran; skipped (run sync again)", path=rel)
            os.replace(tmp, path)
        _fsync_dir(directory)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def repo_lock(root: Path, cache_dir: str = ".tasksync-cache", timeout: float = 10.0) -> Iterator[None]:
    """An exclusive lock so two syncs of one repository cannot interleave."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - non-POSIX: no interleaving protection
        yield
        return
    directory = ensure_cache_dir(root, cache_dir)
    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                    raise TasksyncError(f"another tasksync sync holds {cache_dir}/{LOCK_NAME}") from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)
