"""Which tasks a git change touches (``--staged`` and ``--since REF``).

``--staged`` sees the index: task docs that differ between the index and the work tree
are read from the index, untracked ones are hidden, so unstaged and untracked edits never
leak into a pre-commit check.  Shared files narrow to the tasks whose part changed: the
snapshot sections of ``docs/TASKS.md`` and the rows of ``tasks/index.json`` that the
diff touches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sync import git
from sync.config import CONFIG_NAME, Config
from sync.repo import Repo


@dataclass
class Scope:
    paths: list[str]  # root-relative paths that changed
    lines: dict[str, set[int]] = field(default_factory=dict)  # changed new-side lines of shared files
    view: git.GitView | None = None  # set for --staged


def index_overlay(scope: Scope, files: list[str]) -> dict[str, bytes | None]:
    """For ``--staged``: the index version of every file in ``files`` that differs from the work
    tree, and None for untracked ones.  Empty in a pre-commit hook, which stashes unstaged edits
    before hooks run; asked only about the files the selected tasks read, so it stays cheap."""
    if scope.view is None or not files:
        return {}
    dirty, untracked = git.unstaged_and_untracked(scope.view, files)
    overlay: dict[str, bytes | None] = dict(git.index_blobs(scope.view, dirty))
    overlay.update({p: None for p in untracked})
    return overlay


def git_scope(root: Path, config: Config, *, staged: bool, since: str | None) -> Scope:
    flag = "--staged" if staged else "--since"
    gv = git.view(root, flag)
    shared = [config.tasks_md, config.index]
    if staged:
        paths = git.staged(gv)
    else:
        assert since is not None
        paths = git.changed_since(gv, since)
    changed = [p for p in shared if p in paths]
    lines = git.changed_lines(gv, changed, cached=staged, ref=since).lines if changed else {}
    return Scope(paths, lines, gv if staged else None)


def scope_tasks(repo: Repo, scope: Scope) -> set[str]:
    """Keys of the tasks the changed paths belong to."""
    from sync.check import tasks_for_paths

    cfg = repo.config
    shared = {cfg.tasks_md, cfg.index}
    keys = tasks_for_paths(repo, [p for p in scope.paths if p not in shared])
    changed_md = scope.lines.get(cfg.tasks_md, set())
    if changed_md and repo.tasks_doc is not None:
        for key, task in repo.tasks.items():
            if any(s.line <= n <= s.end_line for s in task.snapshots for n in changed_md):
                keys.add(key)
    changed_rows = scope.lines.get(cfg.index, set())
    if changed_rows and repo.registry is not None:
        text = repo.registry.text
        for row in repo.registry.rows:
            start, end = row.span
            last = row.line + text.count("\n", start, end)
            if row.key and any(row.line <= n <= last for n in changed_rows):
                keys.add(row.key)
    if cfg.tasks_policy in scope.paths or CONFIG_NAME in scope.paths:
        keys.update(repo.tasks)  # the rules themselves changed
    return keys & set(repo.tasks)
