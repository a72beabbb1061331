"""The repository model: discovery plus every parsed document, assembled per task.

This is the single place that reads files; rules, renderers and commands only see the
model.  Bad input in one file becomes a :class:`~sync.errors.Diagnostic` and the task
is still reported with what could be read.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sync.config import Config
from sync.discovery import Discovery, KeyConflict, TaskFiles, discover
from sync.errors import Diagnostic, InputError
from sync.keys import numeric_id
from sync.markers import Region, find_regions
from sync.outline import Outline, build_outline
from sync.parse.action_plan import ActionPlan, Overview, OverviewBlock, parse_overview, parse_plan
from sync.parse.checklist import Item, extract_items, is_stub, might_be_stub
from sync.parse.manifest import Manifest, RunRef, load_manifest, run_order, scan_runs
from sync.parse.registry import IndexRow, Registry, status_key
from sync.parse.spec import Spec, parse_spec
from sync.parse.tasks_md import Snapshot, TasksDoc, parse_tasks_md
from sync.textfile import TextFile

_TITLE_PREFIX = re.compile(
    r"^(?:Task Checklist|Task List|Agent Task Mirror|Task Mirror|Task)\s*(?:[-—:]\s*)?", re.I
)
_MIRROR_MENTION = re.compile(r"`?((?:\.agent/task|tasks)/[A-Za-z0-9_./<>-]+\.md)`?")
_PLAN_TASK = re.compile(r"\(Task\s+([^)\s]+)\)")
DEFAULT_MAX_LINES = 450
DEFAULT_RESERVE_LINES = 10


@dataclass(slots=True)
class ChecklistDoc:
    """A canonical checklist or an agent mirror."""

    path: str
    title: str = ""
    archived: bool = False
    items: list[Item] = field(default_factory=list)
    engine: str = "scan"
    line_count: int = 0
    mentions: list[str] = field(default_factory=list)  # task-doc paths named in the preamble
    placeholder_mentions: list[tuple[int, str]] = field(default_factory=list)  # (line, `path/<id>.md`)
    crlf: bool = False
    bom: bool = False

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.checked)

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "title": self.title,
            "archived": self.archived,
            "engine": self.engine,
            "items_total": len(self.items),
            "items_done": self.done,
            "items": [i.to_json() for i in self.items],
        }


class Task:
    """One task: its registry rows and files, each document parsed on first use.

    ``tasksync status`` touches only the canonical checklists; the JSON model and the
    checks touch everything.  Parsing lazily keeps the cheap commands cheap.
    """

    def __init__(self, repo: Repo, key: str, files: TaskFiles) -> None:
        self.repo = repo
        self.key = key
        self.files = files
        self.snapshots: list[Snapshot] = []
        self.overview: OverviewBlock | None = None
        self.run_dirs: list[str] = []
        self.runs: list[RunRef] = []  # oldest → newest
        self.embedded_plan: ActionPlan | None = None  # a plan inside the overview file

    def __repr__(self) -> str:
        return f"Task({self.key!r})"

    @cached_property
    def canonical(self) -> ChecklistDoc | None:
        return load_checklist(self.repo, self.files.canonical, self.key) if self.files.canonical else None

    @cached_property
    def agent(self) -> ChecklistDoc | None:
        return load_checklist(self.repo, self.files.agent, self.key) if self.files.agent else None

    @cached_property
    def _plan(self) -> tuple[ActionPlan | None, bool]:
        rel = self.files.plan
        if self.embedded_plan is not None:
            return self.embedded_plan, False
        if not rel or rel == self.repo.config.plan_overview:
            return None, False
        tf = _read(self.repo, rel)
        if tf is None:
            return None, False
        outline = _outline(tf)
        if might_be_stub(tf.text) and is_stub(outline, tf.lines):
            return None, True
        return parse_plan(rel, outline, key=self.key), False

    @property
    def plan(self) -> ActionPlan | None:
        return self._plan[0]

    @property
    def plan_archived(self) -> bool:
        return self._plan[1]

    @property
    def spec(self) -> Spec | None:
        return self.repo.spec(self.files.spec) if self.files.spec else None

    @cached_property
    def title(self) -> str:
        doc = self.canonical or self.agent
        row_title = next((r.title for r in self.rows if r.title), None)
        doc_title = doc.title if doc else ""
        if doc_title.strip(" -—:") == self.key and row_title:
            return row_title  # "# Task Checklist - <key>" says nothing the key does not
        return doc_title or row_title or self.key

    @property
    def rows(self) -> list[IndexRow]:
        return self.files.rows

    @property
    def archived(self) -> bool:
        """Archived when the canonical checklist (or, lacking one, the mirror) is a stub."""
        doc = self.canonical or self.agent
        return bool(doc and doc.archived)

    @property
    def status(self) -> str | None:
        """The registry status; rows that disagree are joined so the conflict stays visible."""
        values: list[str] = []
        for row in self.rows:
            if row.status and status_key(row.status) not in {status_key(v) for v in values}:
                values.append(row.status)
        return " | ".join(values) if values else None

    @property
    def items(self) -> list[Item]:
        return self.canonical.items if self.canonical else []

    def load_documents(self) -> None:
        """Parse the documents sync may rewrite: checklist, mirror, plan."""
        for name in ("canonical", "agent", "plan"):
            getattr(self, name)


@dataclass(slots=True)
class Repo:
    root: Path
    config: Config
    discovery: Discovery
    tasks: dict[str, Task] = field(default_factory=dict)
    tasks_doc: TasksDoc | None = None
    overview: Overview | None = None
    unattributed: list[Snapshot] = field(default_factory=list)
    runs: dict[str, list[RunRef]] = field(default_factory=dict)
    max_lines: int = DEFAULT_MAX_LINES
    reserve_lines: int = DEFAULT_RESERVE_LINES
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    _manifests: dict[str, Manifest] = field(default_factory=dict)
    _specs: dict[str, Spec | None] = field(default_factory=dict)
    _regions: dict[str, list[Region]] = field(default_factory=dict)

    @property
    def registry(self) -> Registry | None:
        return self.discovery.registry

    @property
    def conflicts(self) -> list[KeyConflict]:
        return self.discovery.conflicts

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.discovery.diagnostics

    @property
    def templates_dir(self) -> str | None:
        """The user template directory of ``templates:``, relative to the repository root."""
        return str(self.root / self.config.templates) if self.config.templates else None

    def spec(self, rel: str) -> Spec | None:
        """Parse a spec once (specs are read by tasks and by the freshness rule)."""
        if rel in self._specs:
            return self._specs[rel]
        spec = None
        tf = _read(self, rel)
        if tf is not None:
            archived = might_be_stub(tf.text) and is_stub(_outline(tf), tf.lines)
            spec = parse_spec(rel, tf.lines, archived=archived)
            if spec.yaml_error and not archived:
                self.diagnostics.append(
                    Diagnostic(rel, f"front matter is not valid YAML ({spec.yaml_error}); "
                               "read last_review from its line instead", spec.yaml_error_line, "info")
                )
        self._specs[rel] = spec
        return spec

    def regions(self, rel: str) -> list[Region]:
        """The tasksync/docs-sync regions of a file (empty when it cannot be read), found once:
        TASKS.md is consulted for every task."""
        found = self._regions.get(rel)
        if found is None:
            tf = _read(self, rel) if self.discovery.exists(self.root, rel) else None
            found = self._regions[rel] = find_regions(tf.lines)[0] if tf is not None and "<!--" in tf.text else []
        return found

    def spec_paths(self) -> list[str]:
        """Every spec file the configured globs find (README.md excluded, as spec-guard does)."""
        return sorted(
            p for p in self.discovery.files
            if any(fnmatch.fnmatchcase(p, g) for g in self.config.specs) and not p.lower().endswith("/readme.md")
        )

    def manifest(self, ref: RunRef) -> Manifest:
        """Load a manifest once per run (lazy: only cited and latest runs are read)."""
        man = self._manifests.get(ref.path)
        if man is None:
            man = self._manifests[ref.path] = load_manifest(self.root, ref)
        return man

    def peek_manifest(self, ref: RunRef) -> Manifest:
        """The manifest if already loaded, else read without schema validation (enough for its status)."""
        return self._manifests.get(ref.path) or load_manifest(self.root, ref, validate=False)

    def latest_run(self, task: Task) -> Manifest | None:
        """Newest top-level run by run-id timestamp; child runs of sub-pipelines are skipped."""
        for ref in reversed(task.runs):
            man = self.manifest(ref)
            if man.ok and man.parent_run_id:
                continue
            return man
        return None

    def find_run(self, task_dir: str, run_id: str) -> RunRef | None:
        for ref in self.runs.get(task_dir, []):
            if ref.run_id == run_id and not ref.legacy:
                return ref
        return None


def _read(repo: Repo, rel: str) -> TextFile | None:
    try:
        return repo.discovery.read(repo.root, rel, repo.config.max_file_bytes)
    except InputError as err:
        repo.diagnostics.append(Diagnostic.from_error(err, rel))
        return None


def _outline(tf: TextFile) -> Outline:
    return build_outline(tf.text)


def load_checklist(repo: Repo, rel: str, key: str | None) -> ChecklistDoc | None:
    tf = _read(repo, rel)
    if tf is None:
        return None
    outline = _outline(tf)
    doc = ChecklistDoc(rel, engine=outline.engine, line_count=len(tf.lines), crlf=tf.crlf, bom=tf.bom)
    lines = tf.lines
    doc.archived = might_be_stub(tf.text) and is_stub(outline, lines)
    h1 = next((b for b in outline.blocks if b.kind == "heading" and b.level == 1), None)
    if h1:
        doc.title = _TITLE_PREFIX.sub("", h1.text).strip() or h1.text
    if not doc.archived:
        doc.items = extract_items(rel, outline, key=key, lines=lines)
        first_h2 = next((b.line for b in outline.blocks if b.kind == "heading" and b.level >= 2), len(lines))
        doc.mentions = sorted(set(_MIRROR_MENTION.findall("\n".join(lines[:first_h2]))) - {rel})
        for idx in range(first_h2):
            for mention in _MIRROR_MENTION.findall(lines[idx]):
                if "<" in mention:
                    doc.placeholder_mentions.append((idx + 1, mention))
    return doc


def _load_policy(repo: Repo) -> None:
    cfg = repo.config
    if repo.discovery.exists(repo.root, cfg.tasks_policy):
        tf = _read(repo, cfg.tasks_policy)
        if tf is not None:
            try:
                data = json.loads(tf.text)
                if isinstance(data.get("max_lines"), int):
                    repo.max_lines = data["max_lines"]
                if isinstance(data.get("reserve_lines"), int):
                    repo.reserve_lines = data["reserve_lines"]
            except (json.JSONDecodeError, AttributeError) as exc:
                line = getattr(exc, "lineno", None)
                repo.diagnostics.append(Diagnostic(cfg.tasks_policy, f"invalid policy JSON: {exc}", line))
    if cfg.tasks_max_lines is not None:
        repo.max_lines = cfg.tasks_max_lines
    if cfg.tasks_reserve_lines is not None:
        repo.reserve_lines = cfg.tasks_reserve_lines


def _aliases(repo: Repo) -> dict[str, str]:
    """Every spelling a TASKS.md header or overview block may use for a task key."""
    alias: dict[str, str] = {}
    numeric: dict[str, list[str]] = {}
    for key, task in repo.discovery.tasks.items():
        alias.setdefault(key, key)
        nid = numeric_id(key)
        if nid:
            numeric.setdefault(nid, []).append(key)
        for row in task.rows:
            for name in (row.id, row.derived_key):
                if name:
                    alias.setdefault(name, key)
    for nid, keys in numeric.items():
        if len(keys) == 1:
            alias.setdefault(nid, keys[0])
    return alias


def _assign_runs(repo: Repo) -> None:
    """Each run directory goes to the longest task key it equals or extends with ``-<stream>``."""
    for task_dir in sorted(repo.runs):
        candidate = task_dir
        while True:
            task = repo.tasks.get(candidate)
            if task is not None:
                task.run_dirs.append(task_dir)
                task.runs.extend(repo.runs[task_dir])
                break
            if "-" not in candidate:
                break
            candidate = candidate.rsplit("-", 1)[0]
    for task in repo.tasks.values():
        task.runs.sort(key=run_order)


def load_repo(
    root: Path,
    config: Config,
    *,
    keys: set[str] | None = None,
    now: dt.datetime | None = None,
    discovery: Discovery | None = None,
) -> Repo:
    """Discover and parse ``root``; ``keys`` limits parsing to those tasks."""
    disc = discovery or discover(root, config)
    repo = Repo(root, config, disc)
    if now is not None:
        repo.now = now
    for key, files in disc.tasks.items():
        if keys is not None and key not in keys:
            continue
        repo.tasks[key] = Task(repo, key, files)
    # legacy candidates found only by name are tasks only when they hold a checklist
    for key in [k for k, t in repo.tasks.items() if t.files.sources == ["legacy"] and not t.items]:
        del repo.tasks[key]
    _load_policy(repo)
    alias = _aliases(repo)
    if disc.exists(root, config.tasks_md):
        _load_tasks_md(repo, alias)
    if disc.exists(root, config.plan_overview):
        _load_overview(repo, alias)
    repo.runs = scan_runs(root, config.runs_dir)
    _assign_runs(repo)
    return repo


def _load_tasks_md(repo: Repo, alias: dict[str, str]) -> None:
    rel = repo.config.tasks_md
    tf = _read(repo, rel)
    if tf is None:
        return
    doc = parse_tasks_md(rel, tf.text, _outline(tf))
    repo.tasks_doc = doc
    for line, message in doc.problems:
        repo.diagnostics.append(Diagnostic(rel, message, line, "warning"))
    for snap in doc.snapshots:
        key = alias.get(snap.raw_key) if snap.raw_key else None
        if key is None:
            repo.unattributed.append(snap)
        elif key in repo.tasks:
            repo.tasks[key].snapshots.append(snap)


def _load_overview(repo: Repo, alias: dict[str, str]) -> None:
    rel = repo.config.plan_overview
    tf = _read(repo, rel)
    if tf is None:
        return
    repo.overview = parse_overview(rel, tf.lines, _outline(tf))
    for block in repo.overview.blocks:
        key = alias.get(block.task_id)
        task = repo.tasks.get(key) if key else None
        if task is None:
            continue
        task.overview = block
        primary = block.get("Primary Doc")
        if task.files.plan is None and primary:
            plans = (r.raw for r in primary.paths if r.raw.startswith("docs/ACTION_PLAN") and r.raw != rel)
            task.files.plan = next((p for p in plans if repo.discovery.exists(repo.root, p)), None)
    plan = repo.overview.plan
    if plan is not None:
        # "# Action Plan — ... (Task 0202)": the full plan after the overview's first ``---``
        m = _PLAN_TASK.search(plan.title)
        key = alias.get(m.group(1)) if m else None
        if key and key in repo.tasks and repo.tasks[key].files.plan is None:
            repo.tasks[key].embedded_plan = plan
            repo.tasks[key].files.plan = f"{rel}#L{repo.overview.split_line}"
