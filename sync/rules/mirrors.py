"""Mirror rules: state and evidence conflicts, missing items, missing mirrors (TS001-TS003, TS009)."""

from __future__ import annotations

from collections.abc import Iterator

from sync.findings import Finding, Location, shorten
from sync.parse.registry import is_terminal
from sync.reconcile import SUMMARY, Pair
from sync.repo import Task
from sync.rules.registry import CheckContext, live, rule


def _box(checked: bool) -> str:
    return "[x]" if checked else "[ ]"


def _item_level(ctx: CheckContext) -> Iterator[tuple[Task, Pair]]:
    """Every (task, mirror pair) whose items can be matched one to one."""
    for task in live(ctx.tasks):
        for pair in ctx.pairs.get(task.key, []):
            if pair.item_level:
                yield task, pair



@rule("TS001", "mirror-state-conflict", "error", "a matched item is checked in one copy and open in another")
def state_conflict(ctx: CheckContext) -> Iterator[Finding]:
    for task in live(ctx.tasks):
        for pair in ctx.pairs.get(task.key, []):
            if pair.item_level:
                for m in pair.matches:
                    c, mi = m.canonical, m.mirror
                    if c.checked != mi.checked:
                        yield ctx.finding(
                            "TS001", task, mi.path, mi.line,
                            f"{_box(mi.checked)} here but {_box(c.checked)} in the canonical checklist: "
                            f"\"{shorten(c.title)}\"",
                            related=[Location(c.path, c.line)],
                            fix=f"set this box to {_box(c.checked)} to match {c.path}:{c.line}",
                        )
            elif pair.kind == SUMMARY:
                yield from _aggregate(ctx, task, pair)


def _aggregate(ctx: CheckContext, task: Task, pair: Pair) -> Iterator[Finding]:
    """Summary mirrors can only be compared as a whole: all done vs something open."""
    c_open = [i for i in pair.canonical_items if not i.checked]
    m_open = [i for i in pair.mirror_items if not i.checked]
    if bool(c_open) == bool(m_open) or not pair.canonical_items:
        return
    first = pair.mirror_items[0]
    if c_open:
        message = (f"summary mirror: all {len(pair.mirror_items)} items checked, but the canonical checklist "
                   f"has {len(c_open)} open")
        related = [Location(i.path, i.line) for i in c_open[:3]]
    else:
        message = (f"summary mirror: {len(m_open)} of {len(pair.mirror_items)} items open, but every canonical "
                   "item is checked")
        related = [Location(pair.canonical_path, None)]
    yield ctx.finding("TS001", task, first.path, (m_open[0] if m_open else first).line, message,
                      related=related, cap="warning",
                      fix="update the summary by hand; summary mirrors are never rewritten")


@rule("TS002", "mirror-evidence-conflict", "error", "a matched checked item cites different run manifests")
def evidence_conflict(ctx: CheckContext) -> Iterator[Finding]:
    for task, pair in _item_level(ctx):
        for m in pair.matches:
            c, mi = m.canonical, m.mirror
            if not (c.checked and mi.checked):
                continue
            cm, mm = set(c.manifests), set(mi.manifests)
            if cm and mm and cm != mm:
                yield ctx.finding(
                    "TS002", task, mi.path, mi.line, f"{_manifest_difference(mm, cm)}: \"{shorten(c.title)}\"",
                    related=[Location(c.path, c.line)],
                    fix=f"cite the same manifest as {c.path}:{c.line}",
                )


def _manifest_difference(mine: set[str], canonical: set[str]) -> str:
    extra, missing = ", ".join(sorted(mine - canonical)), ", ".join(sorted(canonical - mine))
    if extra and missing:
        return f"cites {extra} but the canonical item cites {missing}"
    if extra:
        return f"also cites {extra}, which the canonical item does not"
    return f"does not cite {missing}, which the canonical item cites"


@rule("TS003", "mirror-item-missing", "warning",
      "a canonical item is missing from a verbatim/paraphrase mirror, or the mirror has an extra item")
def item_missing(ctx: CheckContext) -> Iterator[Finding]:
    for task, pair in _item_level(ctx):
        placed = {id(m.canonical): m.mirror for m in pair.matches}
        for c in pair.unmatched_canonical:
            if any(a.item is c for a in pair.ambiguous):
                continue
            earlier = pair.canonical_items[: pair.canonical_items.index(c)]
            before = [placed[id(x)] for x in earlier if id(x) in placed]
            line = before[-1].line if before else pair.mirror_line
            yield ctx.finding(
                "TS003", task, pair.mirror_path, line,
                f"missing from this {pair.kind} mirror: \"{shorten(c.title)}\" ({c.path}:{c.line})",
                related=[Location(c.path, c.line)],
                fix=f"copy the item from {c.path}:{c.line}",
            )
        for mi in pair.unmatched_mirror:
            yield ctx.finding(
                "TS003", task, mi.path, mi.line,
                f"not in the canonical checklist {pair.canonical_path}: \"{shorten(mi.title)}\"",
                related=[Location(pair.canonical_path, None)],
                fix=f"add it to {pair.canonical_path} or remove it here",
            )
        for amb in pair.ambiguous:
            yield ctx.finding(
                "TS003", task, pair.mirror_path, amb.candidates[0].line if amb.candidates else None,
                f"ambiguous match for \"{shorten(amb.item.title)}\": {amb.reason}",
                related=[Location(amb.item.path, amb.item.line)], cap="info",
                fix="make the titles distinct so each copy can be matched",
            )


@rule("TS009", "mirror-missing", "warning",
      "the agent mirror or the TASKS.md snapshot is missing, or a mirror path is a placeholder")
def mirror_missing(ctx: CheckContext) -> Iterator[Finding]:
    cfg = ctx.repo.config
    for task in live(ctx.tasks):
        doc = task.canonical
        if doc is None or not doc.items:
            continue
        if task.agent is None:
            expected = cfg.agent_mirror.format(key=task.key)
            yield ctx.finding("TS009", task, doc.path, 1, f"agent mirror {expected} does not exist",
                              fix=f"create {expected} from {doc.path}")
        terminal = any(is_terminal(r.status) for r in task.rows)
        if not task.snapshots and not terminal and ctx.repo.tasks_doc is not None:
            yield ctx.finding("TS009", task, doc.path, 1, f"no snapshot for {task.key} in {cfg.tasks_md}",
                              fix=f"add a `# Task List Snapshot - {task.title} ({task.key})` line to {cfg.tasks_md}")
        for mdoc in (doc, task.agent):
            if mdoc is None:
                continue
            for line, mention in mdoc.placeholder_mentions:
                yield ctx.finding("TS009", task, mdoc.path, line, f"placeholder mirror path {mention}",
                                  fix=f"name the real mirror, e.g. {cfg.agent_mirror.format(key=task.key)}")
