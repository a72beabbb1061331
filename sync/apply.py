"""A sync plan onto disk: splice every changed file, then write the ones whose bytes differ.

Shared by ``tasksync sync`` and ``tasksync run --sync`` so both refuse a bad splice and survive a
concurrent edit the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sync.fixes import SyncPlan
from sync.write import ConcurrentChange, repo_lock, sha256, splice, write_atomic

Outputs = dict[str, tuple[bytes, bytes | None]]  # path -> (new bytes, old bytes or None for a new file)


def outputs_of(plan: SyncPlan) -> tuple[Outputs, list[str]]:
    """The new bytes of every file the plan changes, and a message for each file it cannot splice."""
    outputs: Outputs = {}
    errors: list[str] = []
    for path, change in sorted(plan.changes.items()):
        if change.create is not None:
            outputs[path] = (("\n".join(change.create) + "\n").encode("utf-8"), None)
            continue
        assert change.tf is not None
        try:
            new = splice(change.tf, change.edits)
        except ValueError as exc:
            errors.append(f"{path}: error: {exc}; file left untouched")
            continue
        if new != change.tf.raw:
            outputs[path] = (new, change.tf.raw)
    return outputs, errors


def write_outputs(root: Path, outputs: Outputs) -> Iterator[tuple[str, str | None]]:
    """Write each output atomically under the repository lock, yielding ``(path, None)`` once it
    is on disk or ``(path, message)`` when it was skipped.  Consume it whole: the lock is held
    until then."""
    with repo_lock(root):
        for path, (new, old) in outputs.items():
            try:
                write_atomic(root, path, new, sha256(old) if old is not None else None)
            except ConcurrentChange as err:
                yield path, str(err)
                continue
            except OSError as exc:
                yield path, f"{path}: error: cannot write ({exc.strerror})"
                continue
            yield path, None
