"""When each line of a task doc last changed, from ``git blame`` (GitPython).

Used to say how long an open item has been open (review agendas).  GitPython costs ~100 ms
to import, so it is imported here only, and never on the pre-commit path.  Outside a git
repository, or for lines not committed yet, there is no date.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any


@lru_cache(maxsize=4)
def _repo(root: str) -> Any:
    try:
        import git
    except ImportError:  # pragma: no cover - gitpython is a dependency
        return None
    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def line_dates(root: Path, rel: str) -> dict[int, dt.date]:
    """1-based line → date of the commit that last changed it (committed lines only)."""
    repo = _repo(str(root))
    if repo is None or repo.bare:
        return {}
    import git

    top = Path(repo.working_tree_dir or root).resolve()
    path = (root / rel).resolve()
    try:
        in_repo = path.relative_to(top).as_posix()
        blame = repo.blame("HEAD", in_repo)
    except (ValueError, git.GitCommandError):
        return {}
    dates: dict[int, dt.date] = {}
    line = 1
    for commit, lines in blame or []:
        when = dt.datetime.fromtimestamp(commit.committed_date, dt.UTC).date()
        for _ in lines:
            dates[line] = when
            line += 1
    return dates


def open_for(root: Path, rel: str, lines: list[int], today: dt.date) -> dict[int, int | None]:
    """Days each line has been as it is (None when uncommitted or outside git)."""
    dates = line_dates(root, rel)
    return {n: (today - dates[n]).days if n in dates and dates[n] <= today else None for n in lines}
