"""A content-keyed result cache for ``tasksync check``.

The key hashes everything a check reads — every task document's bytes, the registry,
``docs/TASKS.md``, the config, the size and mtime of every run manifest, the rule
severities, the selection and ``--today`` — so any change invalidates it.  It lives in
``.tasksync-cache/``, a directory that ignores itself (a ``.gitignore`` of ``*``) so git
never sees it.  Results that depend on the clock (runs still in progress) are not cached.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from sync import __version__
from sync.atomic import replace_file
from sync.cachedir import ensure_cache_dir
from sync.errors import Diagnostic
from sync.findings import Finding

CACHE_DIR = ".tasksync-cache"


def _runs_fingerprint(root: Path, runs_dir: str, digest: hashlib._Hash) -> None:
    base = root / runs_dir
    try:
        tasks = sorted(os.scandir(base), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        digest.update(b"no-runs")
        return
    for task in tasks:
        if not task.is_dir(follow_symlinks=False):
            continue
        for sub in ("cli",):
            try:
                runs = sorted(os.scandir(os.path.join(task.path, sub)), key=lambda e: e.name)
            except (FileNotFoundError, NotADirectoryError):
                continue
            for run in runs:
                try:
                    st = os.stat(os.path.join(run.path, "manifest.json"))
                    stamp = f"{st.st_size}:{st.st_mtime_ns}"
                except OSError:
                    stamp = "absent"
                digest.update(f"{task.name}/{run.name}={stamp}\n".encode())


def cache_key(root: Path, inputs: dict[str, bytes], runs_dir: str, extra: dict) -> str:
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"tasksync {__version__}\n".encode())
    digest.update(json.dumps(extra, sort_keys=True, default=str).encode())
    for path in sorted(inputs):
        digest.update(path.encode() + b"\0")
        digest.update(hashlib.blake2b(inputs[path], digest_size=16).digest())
    _runs_fingerprint(root, runs_dir, digest)
    return digest.hexdigest()


def load(root: Path, key: str) -> tuple[list[Finding], list[Diagnostic], int] | None:
    """Cached ``(findings, diagnostics, tasks checked)`` for ``key``, or None."""
    try:
        data = json.loads((root / CACHE_DIR / "check.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("key") != key:
        return None
    try:
        findings = [Finding.from_json(f) for f in data["findings"]]
        diags = [Diagnostic(d["path"], d["message"], d["line"], d["severity"]) for d in data["diagnostics"]]
        return findings, diags, int(data["tasks"])
    except (KeyError, TypeError, ValueError):
        return None


def store(root: Path, key: str, findings: list[Finding], diagnostics: list[Diagnostic], tasks: int) -> None:
    """Best effort: a read-only checkout simply runs uncached."""
    try:
        directory = ensure_cache_dir(root, CACHE_DIR)
        payload = json.dumps(
            {"key": key, "tasks": tasks, "findings": [f.to_json() for f in findings],
             "diagnostics": [d.to_json() for d in diagnostics]},
            ensure_ascii=False,
        )
        replace_file(directory / "check.json", payload.encode("utf-8"), fsync=False)
    except OSError:
        return
