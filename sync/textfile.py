"""Reading repository files safely: inside the root, bounded in size, UTF-8, bytes kept.

Every reader goes through :func:`read_text` so that a symlink out of the root, a loop,
an enormous or non-UTF-8 file becomes an :class:`~sync.errors.InputError` naming the file
(and line) instead of a traceback, and so that the writer can later splice by line
against the exact bytes that were parsed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sync.errors import InputError

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class TextFile:
    """A decoded file: ``text`` has the BOM removed and CRLF folded to LF for parsing."""

    path: str  # repo-relative POSIX path
    raw: bytes
    text: str
    bom: bool
    crlf: bool
    lines: list[str] = field(default_factory=list, compare=False, repr=False)  # ``text`` split at LF, once

    def __post_init__(self) -> None:
        if not self.lines and self.text:
            self.lines.extend(self.text.split("\n"))
        elif not self.text:
            self.lines.append("")

    @property
    def sha256(self) -> str:
        import hashlib

        return hashlib.sha256(self.raw).hexdigest()


def resolve_inside(root: Path, rel: str) -> Path:
    """Absolute path of ``rel``; raise when it escapes ``root`` through a link or ``..``."""
    path = root / rel
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError:
        raise InputError("file not found", path=rel) from None
    except (OSError, RuntimeError) as exc:  # symlink loop
        raise InputError(f"cannot resolve path ({exc.__class__.__name__}: symlink loop?)", path=rel) from None
    root_real = root.resolve()
    if real != root_real and root_real not in real.parents:
        raise InputError("link points outside the repository root", path=rel)
    return real


def decode(rel: str, raw: bytes) -> TextFile:
    bom = raw.startswith(BOM)
    body = raw[len(BOM) :] if bom else raw
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        raise InputError(f"not valid UTF-8 (byte 0x{body[exc.start]:02x})", path=rel, line=line) from None
    crlf = "\r\n" in text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return TextFile(rel, raw, text, bom, crlf)


def read_text(root: Path, rel: str, *, max_bytes: int = DEFAULT_MAX_BYTES, plain: bool = False) -> TextFile:
    """Read ``root/rel`` as text; raise :class:`InputError` on any unusable file."""
    return decode(rel, read_bytes(root, rel, max_bytes=max_bytes, plain=plain))


def read_bytes(root: Path, rel: str, *, max_bytes: int = DEFAULT_MAX_BYTES, plain: bool = False) -> bytes:
    """The bytes of ``root/rel``; raise :class:`InputError` on a link out of the root, a loop,
    an unreadable or an oversized file.

    Only links pay for a full ``resolve``; ``plain`` says the caller listed the file and
    saw no link (discovery vets the directories it lists).
    """
    real = root / rel
    try:
        if not plain and os.path.islink(real):
            real = resolve_inside(root, rel)
        with open(real, "rb") as fh:
            raw = fh.read(max_bytes + 1)
        if len(raw) > max_bytes:
            raise InputError(f"file is over the {max_bytes}-byte limit", path=rel)
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", path=rel) from None
    except PermissionError:
        raise InputError("permission denied", path=rel) from None
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", path=rel) from None
    return raw
