"""Splitting per-task work over two processes with one ``fork``.

Parsing dominates a full check or sync of a large repository and tasks are independent,
so the child takes every other task and sends back only its (small, JSON) results plus
any input diagnostics it met.  Without ``fork`` (Windows) or on small repositories the
work runs in this process.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any, TypeVar

from sync.errors import Diagnostic
from sync.repo import Repo, Task

PARALLEL_MIN_TASKS = 200
T = TypeVar("T")


def split_run(
    repo: Repo,
    tasks: list[Task],
    work: Callable[[list[Task]], T],
    encode: Callable[[T], Any],
    decode: Callable[[Any], T],
    *,
    parallel: bool = True,
) -> list[T]:
    """``work`` over ``tasks``: one result, or two when half of the tasks ran in a forked child."""
    if not parallel or len(tasks) < PARALLEL_MIN_TASKS or not hasattr(os, "fork"):
        return [work(tasks)]
    theirs, mine = tasks[1::2], tasks[0::2]
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns
        os.close(read_fd)
        code = 0
        try:
            start = len(repo.diagnostics)
            payload = {"result": encode(work(theirs)), "diagnostics": [d.to_json() for d in repo.diagnostics[start:]]}
            with os.fdopen(write_fd, "wb") as fh:
                fh.write(json.dumps(payload).encode())
        except BaseException:
            code = 1
        os._exit(code)
    os.close(write_fd)
    results = [work(mine)]
    with os.fdopen(read_fd, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        results.append(work(theirs))  # the child failed: do its half here
        return results
    payload = json.loads(data)
    for d in payload["diagnostics"]:
        repo.diagnostics.append(Diagnostic(d["path"], d["message"], d["line"], d["severity"]))
    results.append(decode(payload["result"]))
    return results
