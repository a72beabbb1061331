"""Planning a sync: the line edits that make mirrors agree with the canonical checklist.

What sync owns, and nothing else (conventions §7.3):

1. regions between its own ``tasksync:begin/end`` markers, and legacy ``docs-sync`` blocks;
2. in verbatim and paraphrase mirrors, the checkbox and evidence of matched items — an
   edit of just those item lines, keeping the mirror's wording (2025 Subtask mirrors,
   summary and prose mirrors are reported, never rewritten);
3. the values of existing action-plan fields it manages (Run Manifest Link, Metrics /
   State Snapshots), in the task's plan and in its block of the overview.

Direction is canonical → mirrors; ``prefer_mirror`` reverses it for named tasks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import SimpleNamespace

from sync.check import pairs_for
from sync.findings import Finding, Location
from sync.markers import (
    Region,
    begin_marker,
    checksum,
    edited,
    end_marker,
    has_conflict_markers,
    trim,
)
from sync.parallel import split_run
from sync.parse.action_plan import PlanField
from sync.parse.checklist import Item
from sync.parse.evidence import split_evidence
from sync.reconcile import Pair
from sync.render import render, template_setting
from sync.repo import Repo, Task
from sync.textfile import TextFile
from sync.write import LineEdit

_CHECKBOX = re.compile(r"^(\s*(?:>\s*)*(?:[-*+]|\d{1,9}[.)])\s+\[)([ xX])(\])")
_LEGACY_BOX = re.compile(r"(`\[)([ xX])(\]`)")
_FIELD_LINE = re.compile(r"^(\s*[-*+]\s+[^:\n]+:)(\s*)(.*)$")
SNAPSHOT = "snapshot"
CHECKLIST = "checklist"


@dataclass(slots=True)
class FileChange:
    path: str
    tf: TextFile | None  # None: a new file
    edits: list[LineEdit] = field(default_factory=list)
    create: list[str] | None = None  # lines of a new file
    tasks: set[str] = field(default_factory=set)

    def reasons(self) -> list[str]:
        return sorted({e.reason for e in self.edits} | ({"create"} if self.create is not None else set()))


@dataclass(slots=True)
class SyncPlan:
    changes: dict[str, FileChange] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)
    refusal: str | None = None  # a reason to write nothing at all

    def merge(self, other: SyncPlan) -> None:
        for path, change in other.changes.items():
            mine = self.changes.get(path)
            if mine is None:
                self.changes[path] = change
            else:
                mine.edits.extend(change.edits)
                mine.tasks |= change.tasks
        self.problems.extend(other.problems)

    def edit(self, task: Task, tf: TextFile, edit: LineEdit) -> None:
        change = self.changes.setdefault(tf.path, FileChange(tf.path, tf))
        change.edits.append(edit)
        change.tasks.add(task.key)


@dataclass(frozen=True, slots=True)
class SyncOptions:
    prefer_mirror: frozenset[str] = frozenset()
    init: bool = False
    force: bool = False


def _problem(task: Task, rule: str, name: str, severity: str, path: str, line: int | None, message: str,
             fix: str | None = None, related: list[Location] | None = None) -> Finding:
    return Finding(rule, name, severity, task.key, path, line, message, related or [], fix)


def _tf(repo: Repo, path: str) -> TextFile | None:
    return repo.discovery.cache.get(path)



def plan_sync(repo: Repo, tasks: list[Task], options: SyncOptions, *, parallel: bool = True) -> SyncPlan:
    """The edits of a sync; per-task planning may run in two processes (sync.parallel)."""
    parts = split_run(repo, tasks, lambda part: _plan_part(repo, part, options), _encode,
                      lambda data: _decode(repo, data), parallel=parallel)
    plan = parts[0]
    for part in parts[1:]:
        plan.merge(part)
    _budget(repo, plan)
    return plan


def _encode(plan: SyncPlan) -> dict:
    return {
        "changes": {
            path: {"edits": [[e.start, e.end, list(e.lines), e.reason] for e in c.edits], "create": c.create,
                   "tasks": sorted(c.tasks), "sha256": c.tf.sha256 if c.tf is not None else None}
            for path, c in plan.changes.items()
        },
        "problems": [p.to_json() for p in plan.problems],
    }


def _decode(repo: Repo, data: dict) -> SyncPlan:
    """The forked half's plan, over this process's copy of each file, which must be the bytes
    the child planned against: a file changed in between is skipped, never spliced blind."""
    plan = SyncPlan(problems=[Finding.from_json(p) for p in data["problems"]])
    for path, c in data["changes"].items():
        tf = None if c["create"] is not None else repo.discovery.read(repo.root, path, repo.config.max_file_bytes)
        if tf is not None and tf.sha256 != c["sha256"]:
            plan.problems.append(Finding("TS000", "concurrent-change", "error", min(c["tasks"], default=None), path,
                                         None, "changed while tasksync ran; skipped (run sync again)", []))
            continue
        plan.changes[path] = FileChange(path, tf, [LineEdit(a, b, tuple(lines), r) for a, b, lines, r in c["edits"]],
                                        c["create"], set(c["tasks"]))
    return plan


def _plan_part(repo: Repo, tasks: list[Task], options: SyncOptions) -> SyncPlan:
    plan = SyncPlan()
    for task in tasks:
        task.load_documents()  # parse now, so every input problem is known before anything is planned
    bad_files = {d.path for d in repo.diagnostics if d.severity == "error"}
    for task in tasks:
        if task.archived or task.canonical is None:
            continue
        if set(task.files.paths()) & bad_files:
            plan.problems.append(_problem(task, "TS000", "input-error", "error", task.files.canonical or task.key,
                                          None, "input errors in this task's files: task left untouched"))
            continue
        _item_lines(repo, task, options, plan)
        _tasks_md(repo, task, options, plan)
        _agent_region(repo, task, options, plan)
        if task.key not in options.prefer_mirror:
            _plan_fields(repo, task, plan)
    return plan


# -- 2. item lines --------------------------------------------------------------------------------


def _item_lines(repo: Repo, task: Task, options: SyncOptions, plan: SyncPlan) -> None:
    reverse = task.key in options.prefer_mirror
    for pair in pairs_for(task):
        if not pair.item_level:
            continue
        if reverse and pair.mirror_kind != "agent":
            continue  # the agent mirror is the one that speaks for the task
        target_path = pair.canonical_path if reverse else pair.mirror_path
        tf = _tf(repo, target_path)
        if tf is None:
            continue
        owned = _region_lines(repo, tf.path)
        for match in pair.matches:
            source, target = (match.mirror, match.canonical) if reverse else (match.canonical, match.mirror)
            if target.line - 1 in owned:
                continue  # regenerated with its region
            _fix_item(task, pair, source, target, tf, plan)


def _region_lines(repo: Repo, path: str) -> set[int]:
    return {n for r in repo.regions(path) for n in range(r.begin, r.end + 1)}


def _fix_item(task: Task, pair: Pair, source: Item, target: Item, tf: TextFile, plan: SyncPlan) -> None:
    state_differs = source.checked != target.checked
    sm, tm = set(source.manifests), set(target.manifests)
    # as TS002 sees it; plus a mirror item that cites nothing at all gets the source's manifest
    evidence_differs = source.checked and bool(sm) and sm != tm and (bool(tm) or not target.has_evidence_label)
    if not (state_differs or evidence_differs):
        return
    if target.form == "status" and (target.parent or "").lower().startswith("subtask"):
        plan.problems.append(_problem(
            task, "TS001" if state_differs else "TS002", "mirror-not-rewritten", "info", target.path, target.line,
            "2025 Subtask/Status mirror: reported, never rewritten", related=[Location(source.path, source.line)],
            fix=f"update it by hand to match {source.path}:{source.line}"))
        return
    lines = tf.lines
    first = target.line - 1
    count = target.text.count("\n") + 1
    new = list(lines[first : first + count])
    box = _LEGACY_BOX if target.form == "legacy-row" else _CHECKBOX
    if state_differs:
        new[0], n = box.subn(lambda m: f"{m[1]}{'x' if source.checked else ' '}{m[3]}", new[0], count=1)
        if not n:
            plan.problems.append(_problem(task, "TS001", "mirror-not-rewritten", "warning", target.path, target.line,
                                          "could not find the checkbox on this line"))
            return
    if evidence_differs:
        replacement = _evidence_edit(new, source, target, sm, tm)
        if replacement is None:
            plan.problems.append(_problem(
                task, "TS002", "mirror-not-rewritten", "warning", target.path, target.line,
                f"cites {len(tm)} manifest(s) against {len(sm)} in {source.path}:{source.line}: not rewritten",
                related=[Location(source.path, source.line)]))
        else:
            new = replacement
    if new != lines[first : first + count]:
        reason = "state" if state_differs else "evidence"
        plan.edit(task, tf, LineEdit(first, first + count, tuple(new), f"{reason} of {pair.mirror_kind} item"))


def _evidence_edit(lines: list[str], source: Item, target: Item, sm: set[str], tm: set[str]) -> list[str] | None:
    """Cite the source's run in the target's own words: swap the run, or append its manifest.

    Swapping moves every reference to the target's run (its manifest and any of its files,
    such as ``runner.ndjson``) to the source's run, so no item is left citing two runs.
    """
    if len(sm) != 1:
        return None
    (want,) = sm
    if tm:
        if len(tm) != 1:
            return None
        (have,) = tm
        old_dir, new_dir = have.removesuffix("manifest.json"), want.removesuffix("manifest.json")
        out = list(lines)
        for raw in {e.raw for e in target.evidence if e.manifest == have}:
            swapped = new_dir + raw.split(old_dir, 1)[1] if old_dir in raw else want
            out = [line.replace(raw, swapped) for line in out]
        return out if out != lines else None
    if target.has_evidence_label:
        return None  # prose evidence: the mirror says something else on purpose
    body = lines[-1].rstrip()
    sep_match = split_evidence(source.text)
    sep = ". Evidence:" if sep_match[1] is None else _separator(source.text)
    if body.endswith("."):
        body = body[:-1]
    out = list(lines)
    out[-1] = f"{body}{sep} `{want}`."
    return out


def _separator(text: str) -> str:
    """The evidence separator the source item uses (". Evidence:", "; Evidence:", ...)."""
    m = re.search(r"(\.\s+|;\s+|\s+[-—–]\s+|\s+)(Evidence|evidence)\s*:", text)
    if not m:
        return ". Evidence:"
    lead = m.group(1)
    lead = lead.strip() if lead.strip() in (".", ";") else f" {lead.strip()}" if lead.strip() else ""
    return f"{lead} {m.group(2)}:" if lead else f" {m.group(2)}:"


# -- 1. regions --------------------------------------------------------------------------------------


def _groups(items: list[Item]) -> list[SimpleNamespace]:
    groups: dict[tuple[str, ...], SimpleNamespace] = {}
    for item in items:
        name = item.groups[-1] if item.groups else ""
        key = (*item.groups, str(item.segment))
        if key not in groups:
            groups[key] = SimpleNamespace(name=name, entries=[])
        groups[key].entries.append(SimpleNamespace(checked=item.checked, text=item.text))
    return list(groups.values())


def _snapshot_lines(repo: Repo, task: Task) -> list[str]:
    items = task.items
    latest = repo.latest_run(task)
    as_of = "undated"
    latest_ctx = None
    if latest is not None and latest.ok:
        latest_ctx = {"path": latest.ref.path, "status": latest.status or "unknown"}
        stamp = latest.completed_at or latest.started_at
        if stamp:
            as_of = stamp[:10]
    open_items = [i.title for i in items if not i.checked]
    return render(repo.templates_dir, "tasks_snapshot.md.j2", task=task, as_of=as_of, done=sum(
        1 for i in items if i.checked), total=len(items), latest=latest_ctx, open_items=open_items[:5])


def _region_edit(task: Task, tf: TextFile, region: Region, content: list[str], options: SyncOptions,
                 plan: SyncPlan, reason: str) -> None:
    lines = tf.lines
    current = region.content(lines)
    conflicted = has_conflict_markers(region, lines)
    if trim(current) == trim(content) and not conflicted:
        if not region.legacy and region.checksum != checksum(current):
            # right content, missing or stale checksum: refresh the end marker only
            plan.edit(task, tf, LineEdit(region.end, region.end + 1, (end_marker(region.kind, region.key, current),),
                                         reason))
        return
    if not region.legacy and edited(region, lines) and not conflicted and not options.force:
        plan.problems.append(_problem(
            task, "TS011", "generated-region-edited", "error", tf.path, region.begin + 1,
            f"the {region.kind} region of {region.key} was edited by hand; not overwritten",
            fix="move the edit to the canonical checklist, or run `tasksync sync --force`"))
        return
    if region.legacy:
        plan.edit(task, tf, LineEdit(region.begin + 1, region.end, tuple(content), reason))
        return
    plan.edit(task, tf, LineEdit(region.begin + 1, region.end + 1,
                                 (*content, end_marker(region.kind, region.key, content)), reason))


def _tasks_md(repo: Repo, task: Task, options: SyncOptions, plan: SyncPlan) -> None:
    doc = repo.tasks_doc
    if doc is None:
        return
    tf = _tf(repo, doc.path)
    if tf is None:
        return
    regions = repo.regions(tf.path)
    aliases = {task.key} | {r.id for r in task.rows if r.id} | {r.derived_key for r in task.rows if r.derived_key}
    mine = [r for r in regions if r.kind == SNAPSHOT and r.key == task.key]
    for region in mine:
        _region_edit(task, tf, region, _snapshot_lines(repo, task), options, plan, "snapshot region")
    for region in regions:
        if region.legacy and region.key in aliases:
            agent = task.files.agent or repo.config.agent_mirror.format(key=task.key)
            content = render(repo.templates_dir, "docs_sync_block.md.j2", canonical=task.canonical.path,
                             agent=agent, groups=_groups(task.items))
            _region_edit(task, tf, region, content, options, plan, "docs-sync block")
    if not mine and options.init:
        content = _snapshot_lines(repo, task)
        block = (begin_marker(SNAPSHOT, task.key), *content, end_marker(SNAPSHOT, task.key, content))
        at = _snapshot_insert_line(repo, task)
        plan.edit(task, tf, LineEdit(at, at, block, "new snapshot region"))


def _snapshot_insert_line(repo: Repo, task: Task) -> int:
    placement = template_setting(repo.templates_dir, "tasks_snapshot.md.j2", "placement", "before-task")
    if placement == "before-task" and task.snapshots:
        return min(s.line for s in task.snapshots) - 1
    doc = repo.tasks_doc
    return doc.body_start if doc else 0


def _agent_region(repo: Repo, task: Task, options: SyncOptions, plan: SyncPlan) -> None:
    agent_path = task.files.agent
    canonical = task.canonical
    assert canonical is not None
    if agent_path is None:
        if options.init and canonical.items:
            content = render(repo.templates_dir, "checklist_region.md.j2", groups=_groups(canonical.items))
            path = repo.config.agent_mirror.format(key=task.key)
            lines = render(repo.templates_dir, "agent_mirror.md.j2", task=task, canonical=canonical.path,
                           groups=_groups(canonical.items), begin_marker=begin_marker(CHECKLIST, task.key),
                           end_marker=end_marker(CHECKLIST, task.key, content))
            plan.changes[path] = FileChange(path, None, create=lines, tasks={task.key})
        return
    tf = _tf(repo, agent_path)
    if tf is None or task.key in options.prefer_mirror:
        return
    for region in repo.regions(tf.path):
        if region.kind == CHECKLIST and region.key == task.key:
            content = render(repo.templates_dir, "checklist_region.md.j2", groups=_groups(canonical.items))
            _region_edit(task, tf, region, content, options, plan, "checklist region")


# -- 3. plan fields -----------------------------------------------------------------------------------


def _manifests(f: PlanField | None) -> set[str]:
    return {p.manifest for p in f.paths if p.manifest} if f else set()


def _plan_fields(repo: Repo, task: Task, plan: SyncPlan) -> None:
    latest = repo.latest_run(task)
    wanted: str | None = None
    status = None
    if latest is not None and latest.ok and latest.status == "succeeded" and latest.guardrail() != "findings":
        wanted, status = latest.ref.path, latest.status
    own = task.plan
    if own is not None:
        link = own.get("Run Manifest Link")
        if wanted and link is not None and _manifests(link) != {wanted}:
            _field_edit(repo, task, own.path, link, _link_value(repo, wanted, status), plan)
        if link is not None and not wanted and _manifests(link):
            wanted = sorted(_manifests(link))[0]
        _metrics_edit(repo, task, own.path, own.get("Metrics / State Snapshots"), plan)
    block = task.overview
    overview = repo.overview
    if block is not None and overview is not None and wanted:
        link = block.get("Run Manifest Link")
        if link is not None and _manifests(link) != {wanted}:
            _field_edit(repo, task, overview.path, link, _link_value(repo, wanted, None), plan)
        _metrics_edit(repo, task, overview.path, block.get("Metrics / State Snapshots"), plan)


def _link_value(repo: Repo, manifest: str, status: str | None) -> str:
    lines = render(repo.templates_dir, "plan_value.md.j2", field="run_manifest_link", manifest=manifest,
                   status=status, paths=[])
    return " ".join(lines)


def _metrics_edit(repo: Repo, task: Task, path: str, f: PlanField | None, plan: SyncPlan) -> None:
    if f is None or not f.pending:
        return
    cfg = repo.config
    present = [p for p in (f"{cfg.runs_dir}/{task.key}/metrics.json", f"{cfg.out_dir}/{task.key}/state.json")
               if (repo.root / p).is_file()]
    if present:
        value = " ".join(render(repo.templates_dir, "plan_value.md.j2", field="metrics", manifest="", status=None,
                                paths=present))
        _field_edit(repo, task, path, f, value, plan)


def _field_edit(repo: Repo, task: Task, path: str, f: PlanField, value: str, plan: SyncPlan) -> None:
    tf = _tf(repo, path)
    if tf is None:
        return
    index = f.line - 1
    line = tf.lines[index]
    m = _FIELD_LINE.match(line)
    if m is None or "\n" in f.value:
        plan.problems.append(_problem(task, "TS010", "plan-field-not-rewritten", "warning", path, f.line,
                                      f"{f.label} spans several lines: not rewritten"))
        return
    new = f"{m[1]} {value}"
    if new != line:
        plan.edit(task, tf, LineEdit(index, index + 1, (new,), f"plan field {f.label}"))


# -- budget -------------------------------------------------------------------------------------------


def _budget(repo: Repo, plan: SyncPlan) -> None:
    """docs/TASKS.md never grows past its line budget: refuse the whole sync instead."""
    doc = repo.tasks_doc
    if doc is None or doc.path not in plan.changes:
        return
    change = plan.changes[doc.path]
    delta = sum(len(e.lines) - (e.end - e.start) for e in change.edits)
    after = doc.line_count + delta
    if delta > 0 and after >= repo.max_lines:
        plan.refusal = (f"{doc.path} would grow from {doc.line_count} to {after} lines, reaching its "
                        f"{repo.max_lines}-line budget; nothing was written (archive snapshots first)")

