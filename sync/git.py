"""Git through ``subprocess`` with ``-z`` output: the pre-commit path must stay fast.

GitPython costs 100+ ms to import and reads the index in pure Python (70 ms on the late
corpus); two ``git`` processes cost about 20 ms.  GitPython is used only for history
(``sync.history``), off the hook path.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sync.errors import UsageError

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.M)


def _git(root: Path, *args: str, input_: bytes | None = None) -> bytes:
    return _git_parallel(root, [list(args)], input_=input_)[0]


def _git_parallel(root: Path, commands: list[list[str]], input_: bytes | None = None) -> list[bytes]:
    """Run git commands side by side (they are small and mostly wait on the file system)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        procs = [subprocess.Popen(["git", *args], cwd=root, env=env, stdin=subprocess.PIPE if input_ else None,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for args in commands]
    except FileNotFoundError:
        raise UsageError("git is not installed") from None
    outs = []
    for args, proc in zip(commands, procs, strict=True):
        stdout, stderr = proc.communicate(input_)
        if proc.returncode != 0:
            message = stderr.decode("utf-8", "replace").strip().splitlines()
            raise UsageError(f"git {' '.join(args[:2])} failed: {message[-1] if message else proc.returncode}")
        outs.append(stdout)
    return outs


def _names(out: bytes) -> list[str]:
    return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]


@dataclass
class GitView:
    """Where a repository root sits in its work tree, and what differs from the index."""

    root: Path
    prefix: str  # the root relative to the work tree top, "" or "sub/dir/"

    def to_root(self, top_path: str) -> str | None:
        """A path from git (relative to the top) as a path relative to ``root``, or None outside it."""
        if self.prefix and not top_path.startswith(self.prefix):
            return None
        return top_path[len(self.prefix) :]


def view(root: Path, flag: str) -> GitView:
    """The git view of ``root``; exits 2 (usage error) outside a work tree."""
    if (root / ".git").exists():
        return GitView(root, "")  # the usual case, without a git process
    try:
        out = subprocess.run(["git", "rev-parse", "--show-prefix"], cwd=root, capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError(f"{flag} needs git, which is not installed") from None
    if out.returncode != 0:
        raise UsageError(f"{flag} needs a git repository, and {root} is not inside one")
    return GitView(root, out.stdout.decode().strip())


def staged(gv: GitView) -> list[str]:
    """Paths staged for commit (added, copied, modified, renamed, deleted), root-relative."""
    out = _git(gv.root, "diff", "--cached", "--name-only", "-z", "--no-renames", "--relative")
    return _names(out)


def changed_since(gv: GitView, ref: str) -> list[str]:
    """Paths that differ between ``ref`` and the work tree, root-relative."""
    try:
        _git(gv.root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except UsageError:
        raise UsageError(f"--since: {ref!r} is not a commit of this repository") from None
    out = _git(gv.root, "diff", "--name-only", "-z", "--no-renames", "--relative", ref)
    return _names(out)


def unstaged_and_untracked(gv: GitView, paths: list[str]) -> tuple[list[str], list[str]]:
    """Among ``paths``: tracked files whose work tree differs from the index (changed or deleted),
    and files that exist but are not in the index.  ``git diff-files`` and ``git ls-files`` side
    by side: together 3x faster than ``git status`` on the late corpus, which also diffs HEAD."""
    if not paths:
        return [], []
    changed, tracked = _git_parallel(gv.root, [
        ["--literal-pathspecs", "diff-files", "--name-only", "-z", "--relative", "--", *paths],
        ["--literal-pathspecs", "ls-files", "-z", "--", *paths],
    ])
    in_index = set(_names(tracked))
    untracked = [p for p in paths if p not in in_index and (gv.root / p).exists()]
    return _names(changed), untracked


def index_blobs(gv: GitView, paths: list[str]) -> dict[str, bytes | None]:
    """The staged (index) bytes of ``paths`` in one ``git cat-file --batch``; None when not in the index."""
    if not paths:
        return {}
    request = b"".join(f":{gv.prefix}{p}\n".encode() for p in paths)
    out = _git(gv.root, "cat-file", "--batch", input_=request)
    blobs: dict[str, bytes | None] = {}
    pos = 0
    for path in paths:
        eol = out.index(b"\n", pos)
        header = out[pos:eol].split()
        pos = eol + 1
        if len(header) < 3 or header[1] == b"missing":
            blobs[path] = None
            continue
        size = int(header[2])
        blobs[path] = out[pos : pos + size]
        pos += size + 1
    return blobs


@dataclass
class ChangedLines:
    """New-side line numbers (1-based) that a diff touches, per path."""

    lines: dict[str, set[int]] = field(default_factory=dict)


def changed_lines(gv: GitView, paths: list[str], *, cached: bool, ref: str | None = None) -> ChangedLines:
    """Lines of ``paths`` that the staged diff (or the diff since ``ref``) adds or replaces."""
    args = ["diff", "-U0", "--no-color", "--no-ext-diff", "--relative"]
    if cached:
        args.append("--cached")
    elif ref:
        args.append(ref)
    out = _git(gv.root, *args, "--", *paths).decode("utf-8", "replace")
    result = ChangedLines()
    current = None
    for line in out.splitlines():
        if line.startswith("+++ "):
            name = line[4:]
            current = name[2:] if name.startswith("b/") else None
            if current is not None:
                result.lines.setdefault(current, set())
            continue
        m = _HUNK.match(line)
        if m and current is not None:
            start, count = int(m[1]), int(m[2]) if m[2] is not None else 1
            # a pure deletion (count 0) touches the line it happened before
            result.lines[current].update(range(start, start + max(count, 1)))
    return result
