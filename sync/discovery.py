"""Discovery: which tasks exist and which files belong to each (conventions §1.3-§1.5, §7.1.1).

Keys come from ``tasks/index.json`` first (an explicit ``task_key`` wins, then
``normalizeTaskKey``), then from file names.  Files are resolved through the registry's
``paths`` before any guessing.  Conflicts — duplicate rows, ``task_key`` against the
derived key, two files claiming one key — are reported, never silently resolved.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sync.config import Config
from sync.errors import Diagnostic, InputError
from sync.keys import KEY_RE, key_from_path, stem
from sync.parse.registry import IndexRow, Registry, parse_registry
from sync.textfile import TextFile, decode, read_bytes, read_text, resolve_inside

_AGENT_MENTION = re.compile(r"\.agent/task/([a-z0-9][a-z0-9-]*)\.md")
_PRD_NAME = re.compile(r"(?:^|/)\d{4}-prd-|(?:^|/)PRD")


@dataclass(slots=True)
class KeyConflict:
    """Two sources disagree about a key (rule TS013)."""

    kind: str  # duplicate-rows | task-key-mismatch | file-claimed-twice | checklist-name-differs
    key: str
    message: str
    locations: list[tuple[str, int | None]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "key": self.key,
            "message": self.message,
            "locations": [{"path": p, "line": line} for p, line in self.locations],
        }


@dataclass(slots=True)
class TaskFiles:
    key: str
    rows: list[IndexRow] = field(default_factory=list)
    canonical: str | None = None
    agent: str | None = None
    spec: str | None = None
    plan: str | None = None
    sources: list[str] = field(default_factory=list)  # "index", "checklist", "legacy", "mirror"

    def paths(self) -> list[str]:
        return [p for p in (self.canonical, self.agent, self.spec, self.plan) if p]


@dataclass(slots=True)
class Discovery:
    tasks: dict[str, TaskFiles] = field(default_factory=dict)
    registry: Registry | None = None
    conflicts: list[KeyConflict] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: set[str] = field(default_factory=set)  # every globbed document
    links: set[str] = field(default_factory=set)  # globbed documents that are symlinks
    cache: dict[str, TextFile] = field(default_factory=dict)
    raw: dict[str, bytes] = field(default_factory=dict)
    # another view of some files (e.g. the git index for ``check --staged``): bytes, or None for absent
    overlay: dict[str, bytes | None] = field(default_factory=dict)

    def exists(self, root: Path, rel: str) -> bool:
        if rel in self.overlay:
            return self.overlay[rel] is not None
        return (root / rel).is_file()

    def read(self, root: Path, rel: str, max_bytes: int) -> TextFile:
        """Read once per run; discovery, the cache key and the loader share the bytes."""
        tf = self.cache.get(rel)
        if tf is None:
            raw = self.raw.pop(rel, None)
            if raw is None and rel in self.overlay:
                raw = self._overlaid(rel, max_bytes)
            if raw is not None:
                tf = decode(rel, raw)
            else:
                plain = rel in self.files and rel not in self.links
                tf = read_text(root, rel, max_bytes=max_bytes, plain=plain)
            self.cache[rel] = tf
        return tf

    def read_bytes(self, root: Path, rel: str, max_bytes: int) -> bytes:
        """The bytes of a file without decoding them (for hashing); kept for :meth:`read`."""
        tf = self.cache.get(rel)
        if tf is not None:
            return tf.raw
        raw = self.raw.get(rel)
        if raw is None:
            if rel in self.overlay:
                raw = self._overlaid(rel, max_bytes)
            else:
                raw = read_bytes(root, rel, max_bytes=max_bytes, plain=rel in self.files and rel not in self.links)
            self.raw[rel] = raw
        return raw

    def _overlaid(self, rel: str, max_bytes: int) -> bytes:
        raw = self.overlay[rel]
        if raw is None:
            raise InputError("file not found", path=rel)
        if len(raw) > max_bytes:
            raise InputError(f"file is over the {max_bytes}-byte limit", path=rel)
        return raw


Claim = Callable[["TaskFiles", str, str | None], None]


def glob_files(
    root: Path, pattern: str, diagnostics: list[Diagnostic] | None = None, links: set[str] | None = None
) -> list[str]:
    """Repo-relative files matching ``pattern`` (``dir/name-glob``), sorted.

    Lists one directory with ``os.scandir`` instead of walking the tree; a directory
    that is a link out of the root is reported and skipped.
    """
    directory, _, name_glob = pattern.rpartition("/")
    if any(ch in directory for ch in "*?["):
        import glob as _glob

        return sorted(
            os.path.relpath(p, root).replace(os.sep, "/")
            for p in _glob.glob(str(root / pattern))
            if os.path.isfile(p)
        )
    base = root / directory if directory else root
    if directory and os.path.islink(base):
        try:
            resolve_inside(root, directory)
        except InputError as err:
            if diagnostics is not None:
                diagnostics.append(Diagnostic.from_error(err, directory))
            return []
    try:
        entries = list(os.scandir(base))
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        if diagnostics is not None:
            diagnostics.append(Diagnostic(directory or ".", f"cannot list directory ({exc.strerror})"))
        return []
    prefix = f"{directory}/" if directory else ""
    out = []
    matches = re.compile(fnmatch.translate(name_glob)).match
    for entry in entries:
        if matches(entry.name):
            try:
                is_file = entry.is_file()
            except OSError:
                is_file = False
            if entry.is_symlink():
                if links is not None:
                    links.add(prefix + entry.name)
                out.append(prefix + entry.name)
            elif is_file:
                out.append(prefix + entry.name)
    return sorted(out)


def _exists(root: Path, rel: str | None, disc: Discovery) -> bool:
    """A globbed document, or any other file as the work tree (or the ``--staged`` overlay) has it."""
    if not rel:
        return False
    rel = rel.removeprefix("./")
    return rel in disc.files or disc.exists(root, rel)


def _apply_overlay(found: set[str], patterns: tuple[str, ...], overlay: dict[str, bytes | None]) -> set[str]:
    """A glob result seen through the overlay: absent files drop out, overlaid ones join."""
    gone = {p for p, raw in overlay.items() if raw is None}
    extra = {p for p, raw in overlay.items() if raw is not None and any(fnmatch.fnmatchcase(p, g) for g in patterns)}
    return (found - gone) | extra


def _is_legacy_checklist(rel: str) -> bool:
    """``tasks/<name>.md`` that is neither a canonical checklist, a PRD nor a spec."""
    if not rel.startswith("tasks/") or not rel.endswith(".md") or rel.count("/") != 1:
        return False
    name = rel[len("tasks/") :]
    return not name.startswith("tasks-") and not _PRD_NAME.search(rel) and name.lower() != "readme.md"


def discover(root: Path, config: Config, overlay: dict[str, bytes | None] | None = None) -> Discovery:
    disc = Discovery(overlay=dict(overlay or {}))

    def find(patterns: tuple[str, ...]) -> set[str]:
        found = {p for g in patterns for p in glob_files(root, g, disc.diagnostics, disc.links)}
        return _apply_overlay(found, patterns, disc.overlay) if disc.overlay else found

    checklists = find(config.checklists)
    legacy = {p for p in find(config.legacy_checklists) if _is_legacy_checklist(p)} - checklists
    mirrors = find(config.agent_mirrors)
    specs = find(config.specs)
    plans = find(config.action_plans)
    disc.files = checklists | legacy | mirrors | specs | plans

    rows = _read_registry(root, config, disc)
    claimed: dict[str, str] = {}  # file -> key

    def claim(task: TaskFiles, attr: str, rel: str | None) -> None:
        if rel is None:
            return
        rel = rel.removeprefix("./")
        owner = claimed.get(rel)
        if owner is not None and owner != task.key:
            disc.conflicts.append(
                KeyConflict("file-claimed-twice", task.key, f"{rel} is claimed by tasks {owner} and {task.key}",
                            [(rel, None)] + [(config.index, r.line) for r in task.rows])
            )
            return
        claimed[rel] = task.key
        setattr(task, attr, rel)

    # 1. registry rows
    by_key: dict[str, list[IndexRow]] = {}
    for row in rows:
        if row.key is None:
            disc.diagnostics.append(Diagnostic(config.index, f"row {row.id!r} yields no task key", row.line, "warning"))
            continue
        by_key.setdefault(row.key, []).append(row)
        if row.explicit_key and row.derived_key and row.derived_key != row.key:
            disc.conflicts.append(
                KeyConflict("task-key-mismatch", row.key,
                            f"task_key {row.key!r} differs from the derived key {row.derived_key!r}",
                            [(config.index, row.line)])
            )
    for key, key_rows in by_key.items():
        if len(key_rows) > 1:
            lines = ", ".join(str(r.line) for r in key_rows)
            disc.conflicts.append(
                KeyConflict("duplicate-rows", key, f"{len(key_rows)} registry rows for {key} (lines {lines})",
                            [(config.index, r.line) for r in key_rows])
            )
        task = TaskFiles(key, key_rows, sources=["index"])
        disc.tasks[key] = task
        _resolve_from_rows(root, config, task, disc, claim)

    # 2. canonical checklists by file name
    for rel in sorted(checklists):
        if rel in claimed:
            continue
        key = key_from_path(rel) or Path(rel).stem
        task = disc.tasks.get(key)
        if task is None:
            task = disc.tasks[key] = TaskFiles(key, sources=["checklist"])
        elif task.canonical:
            disc.conflicts.append(
                KeyConflict("file-claimed-twice", key, f"{rel} and {task.canonical} both claim task {key}",
                            [(rel, None), (task.canonical, None)])
            )
            continue
        else:
            task.sources.append("checklist")
        claim(task, "canonical", rel)
        _resolve_by_convention(root, config, task, disc, claim)

    # 3. legacy checklists not named by the registry become candidates keyed by name
    for rel in sorted(legacy - claimed.keys()):
        key = Path(rel).stem
        if not KEY_RE.match(key) or key in disc.tasks:
            continue
        task = disc.tasks[key] = TaskFiles(key, sources=["legacy"])
        claim(task, "canonical", rel)
        _resolve_by_convention(root, config, task, disc, claim)

    # 4. orphan mirrors: a checklist whose preamble names them, else a task of their own
    _adopt_named_mirrors(root, config, disc, mirrors, claimed, claim)
    orphans = sorted(m for m in mirrors - claimed.keys() if KEY_RE.match(Path(m).stem))
    for rel in orphans:
        if rel in claimed:
            continue
        key = Path(rel).stem
        task = disc.tasks.get(key)
        if task is None:
            task = disc.tasks[key] = TaskFiles(key, sources=["mirror"])
            _resolve_by_convention(root, config, task, disc, claim)
        if task.agent is None:
            claim(task, "agent", rel)
    return disc


def _read_registry(root: Path, config: Config, disc: Discovery) -> list[IndexRow]:
    if not disc.exists(root, config.index):
        return []
    try:
        tf = disc.read(root, config.index, config.max_file_bytes)
        disc.registry = parse_registry(config.index, tf.text)
    except InputError as err:
        disc.diagnostics.append(Diagnostic.from_error(err, config.index))
        return []
    if disc.registry.extra_keys:
        disc.diagnostics.append(
            Diagnostic(config.index, "non-canonical top-level keys: " + ", ".join(disc.registry.extra_keys), 1,
                       "warning")
        )
    return disc.registry.rows


def _resolve_from_rows(root: Path, config: Config, task: TaskFiles, disc: Discovery, claim: Claim) -> None:
    """Registry ``paths`` first (most reliable carrier), then the conventions."""
    for row in task.rows:
        paths = row.paths
        if task.canonical is None and _exists(root, paths.get("task"), disc):
            claim(task, "canonical", paths["task"])
        if task.agent is None and _exists(root, paths.get("agent_task"), disc):
            claim(task, "agent", paths["agent_task"])
        if task.spec is None and _exists(root, paths.get("spec"), disc):
            claim(task, "spec", paths["spec"])
        if task.plan is None and _exists(root, paths.get("action_plan"), disc):
            claim(task, "plan", paths["action_plan"])
    _resolve_by_convention(root, config, task, disc, claim)
    if task.canonical is None:
        for row in task.rows:
            for candidate in (row.path, row.relates_to):
                if candidate and _is_legacy_checklist(candidate) and _exists(root, candidate, disc):
                    claim(task, "canonical", candidate)
                    break
    if task.agent is None and task.canonical and _is_legacy_checklist(task.canonical):
        legacy_mirror = config.agent_mirror.format(key=Path(task.canonical).stem)
        if _exists(root, legacy_mirror, disc):
            claim(task, "agent", legacy_mirror)


def _resolve_by_convention(root: Path, config: Config, task: TaskFiles, disc: Discovery, claim: Claim) -> None:
    key = task.key
    fmt = {"key": key, "stem": stem(key)}
    if task.canonical is None and _exists(root, config.canonical.format(**fmt), disc):
        claim(task, "canonical", config.canonical.format(**fmt))
    if task.agent is None:
        names = [config.agent_mirror.format(**fmt)]
        if task.canonical:
            names.append(config.agent_mirror.format(key=key_from_path(task.canonical) or Path(task.canonical).stem))
        for name in names:
            if _exists(root, name, disc):
                claim(task, "agent", name)
                break
    if task.spec is None and _exists(root, f"tasks/specs/{key}.md", disc):
        claim(task, "spec", f"tasks/specs/{key}.md")
    if task.plan is None:
        for pattern in config.plan_names:
            name = pattern.format(**fmt)
            if name != config.plan_overview and _exists(root, name, disc):
                claim(task, "plan", name)
                break


def _adopt_named_mirrors(
    root: Path, config: Config, disc: Discovery, mirrors: set[str], claimed: dict[str, str], claim: Claim
) -> None:
    """0506 case: ``tasks-0506-tfgrpo.md`` names ``.agent/task/0506-tfgrpo-integration.md``.

    A checklist without a mirror whose preamble names exactly one mirror adopts it when
    the mirror is unclaimed; when the mirror belongs to a registry task that has no
    checklist, the checklist joins that task (its key comes from the registry).
    """
    for task in list(disc.tasks.values()):
        if task.agent is not None or task.canonical is None:
            continue
        try:
            tf = disc.read(root, task.canonical, config.max_file_bytes)
        except InputError:
            continue
        head = tf.text.split("\n## ", 1)[0]
        named = {f".agent/task/{m}.md" for m in _AGENT_MENTION.findall(head)} & mirrors
        if len(named) != 1:
            continue
        mirror = named.pop()
        owner_key = claimed.get(mirror)
        if owner_key is None:
            claim(task, "agent", mirror)
            continue
        owner = disc.tasks.get(owner_key)
        if owner is None or owner is task or owner.canonical is not None or "index" not in owner.sources:
            continue
        canonical = task.canonical
        del claimed[canonical]
        disc.tasks.pop(task.key, None)
        disc.conflicts.append(
            KeyConflict("checklist-name-differs", owner.key,
                        f"{canonical} is named for {task.key!r} but its mirror and registry row use {owner.key!r}",
                        [(canonical, None)])
        )
        claim(owner, "canonical", canonical)
