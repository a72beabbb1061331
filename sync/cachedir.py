"""The ``.tasksync-cache/`` directory: the check cache and the sync lock live there, and git
ignores it through a ``.gitignore`` of its own, so users need not edit theirs."""

from __future__ import annotations

from pathlib import Path

from sync.atomic import replace_file

IGNORE_ALL = b"# created by tasksync: this directory is a cache\n*\n"


def ensure_cache_dir(root: Path, name: str) -> Path:
    """``root/name``, a directory that git ignores through its own ``.gitignore``.  The ignore
    file is checked by content and written atomically, so a killed run cannot leave it empty."""
    directory = root / name
    directory.mkdir(exist_ok=True)
    ignore = directory / ".gitignore"
    try:
        current = ignore.read_bytes()
    except FileNotFoundError:
        current = None
    if current != IGNORE_ALL:
        replace_file(ignore, IGNORE_ALL, fsync=False)
    return directory
