"""Property tests of `tasksync sync` on generated repositories.

Each example is a small repository (1-3 tasks): a canonical checklist with headed groups of
flat, numbered and nested items (manifest, prose or no evidence), interleaved with prose,
blockquotes, tables, HTML comments and code fences that hold checkbox lookalikes; an agent
mirror that is a perturbed copy (states flipped, evidence swapped, wording nudged, items
dropped or added) or a byte-identical one or none; sometimes ``docs/TASKS.md`` (one-line
snapshots, condensed items, a legacy docs-sync block), an action plan with pending fields,
and tasksync regions left by an earlier ``sync --init``.  Every file gets its own encoding:
LF or CRLF, BOM or not, final newline or not, front matter or not.

Properties: a second sync is a no-op (also with ``--init``); only the bytes sync owns change
(item lines, plan fields, regions), with line endings, BOM and final newline kept; and
``check`` finds no state/evidence conflict and no edited region afterwards.
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run
from repo_builder import manifest

BOM = b"\xef\xbb\xbf"
FAKE = "ZZFAKE"  # marks checkbox lookalikes that are not items (quotes, tables, comments, code)
KEYS = ("0101-a", "0202-b", "0303-c")
RUN_IDS = (
    "2025-11-04T01-59-37-568Z-8065982c",
    "2025-11-05T08-30-55-118Z-f6a2b3c4",
    "2025-11-06T16-03-51-442Z-7e0b9d3c",
    "2026-01-12T09-15-00-001Z-0badc0de",
)
WORDS = (
    "build", "cache", "warmup", "retry", "queue", "lint", "docs", "release", "scheduler", "replica", "jitter",
    "window", "palette", "export", "token", "budget", "parser", "review", "metrics", "guardrail", "rollout",
    "café", "naïve", "façade", "résumé", "“quoted”", "‘single’", "—", "–", "añadir", "Grüße",
)
INNER_WORDS = ("`npm test`", "**must**", "[x]", "[ ]", "(v2)", "#42")
GROUP_NAMES = ("Build", "Tests — “unit”", "Docs & Review", "Rollout", "Café Ops", "Release")
PROSE_EVIDENCE = ("PR #12 merged", "reviewed by Ana — “looks good”", "see the review thread")
SEPARATORS = (". Evidence:", ". Evidence:", "; Evidence:", " — Evidence:")
BLOCKS = ("prose", "quote", "table", "comment", "fence")

# SYNC_PROPERTY_SCALE=20 makes a thorough hunt; the default keeps the file well under a minute
SCALE = int(os.environ.get("SYNC_PROPERTY_SCALE", "1"))
PROPS = settings(max_examples=45 * SCALE, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# -- the document model ------------------------------------------------------------------------


@dataclass
class Item:
    title: str
    checked: bool
    ev_kind: str = "none"  # none | run | prose
    ev: str = ""  # run id or prose
    sep: str = ". Evidence:"
    children: list[Item] = field(default_factory=list)
    more: str = ""  # a second line of the item's paragraph (indented, or lazy when it starts with "~")
    artifact: bool = False  # a run item also cites a file of its run (runner.ndjson)


@dataclass
class Group:
    name: str
    marker: str  # "-", "*", "+", "1." or "1)"; numbered lists count up from ``start``
    items: list[Item]
    breaks: dict[int, str] = field(default_factory=dict)  # item index -> block kind placed before it
    start: int = 1
    upper: bool = False  # ticked as [X]


@dataclass
class Doc:
    h1: str
    groups: list[Group]
    preamble: list[str] = field(default_factory=list)
    trailer: list[str] = field(default_factory=list)
    level: int = 2  # of the group headings


@dataclass(frozen=True)
class Encoding:
    newline: str = "lf"  # lf | crlf | mixed (CRLF with a stray LF on every third line)
    bom: bool = False
    final_newline: bool = True
    front_matter: bool = False


def manifest_path(key: str, run_id: str) -> str:
    return f".runs/{key}/cli/{run_id}/manifest.json"


def item_text(item: Item, key: str, pad: str = "") -> str:
    """The item's text; a second paragraph line (``more``) carries the evidence, if any."""
    title = item.title
    if item.more:
        title = f"{title}\n{'' if item.more.startswith('~') else pad}{item.more.lstrip('~')}"
    if item.ev_kind == "run":
        also = f", `{manifest_path(key, item.ev).replace('manifest.json', 'runner.ndjson')}`" if item.artifact else ""
        return f"{title}{item.sep} `{manifest_path(key, item.ev)}`{also}."
    if item.ev_kind == "prose":
        return f"{title}{item.sep} {item.ev}."
    return title


def block_lines(kind: str, n: int) -> list[str]:
    if kind == "prose":
        return [f"Notes {n} — “context” for the café rollout;", "nothing to tick here [x] in prose."]
    if kind == "quote":
        return [f"> Reviewer {n} says: “ship it”.", f"> - [x] {FAKE} quoted item {n}"]
    if kind == "table":
        return ["| Check | State |", "| --- | --- |", f"| {FAKE} lint [x] | [ ] open {n} |"]
    if kind == "comment":
        return [f"<!-- note {n} {FAKE}", f"- [ ] {FAKE} commented item {n}", "-->"]
    return ["```text", f"- [x] {FAKE} code item {n}", "```"]


def render_checklist(doc: Doc, key: str) -> list[str]:
    lines = [f"# {doc.h1}", ""]
    counter = 0
    hashes = "#" * doc.level

    def blocks(kinds: list[str]) -> None:
        nonlocal counter
        for kind in kinds:
            counter += 1
            lines.extend([*block_lines(kind, counter), ""])

    blocks(doc.preamble)
    for group in doc.groups:
        lines.extend([f"{hashes} {group.name}", ""])
        for idx, item in enumerate(group.items):
            if idx in group.breaks:
                lines.append("")
                blocks([group.breaks[idx]])
            marker = f"{group.start + idx}{group.marker[1]}" if group.marker[0] == "1" else group.marker
            tick = "X" if group.upper else "x"
            pad = " " * (len(marker) + 1)
            lines.extend(f"{marker} [{tick if item.checked else ' '}] {item_text(item, key, pad)}".split("\n"))
            for child in item.children:
                box = f"{pad}- [{tick if child.checked else ' '}] "
                lines.extend(f"{box}{item_text(child, key, ' ' * len(box))}".split("\n"))
        lines.append("")
    blocks(doc.trailer)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def encode(lines: list[str], enc: Encoding) -> bytes:
    if enc.front_matter:
        lines = ["---", "id: x", "---", *lines]
    if not lines:
        return BOM if enc.bom else b""
    endings = ["\n" if enc.newline == "lf" or (enc.newline == "mixed" and n % 3 == 1) else "\r\n"
               for n in range(len(lines))]
    if not enc.final_newline:
        endings[-1] = ""
    text = "".join(line + end for line, end in zip(lines, endings, strict=True))
    return (BOM if enc.bom else b"") + text.encode("utf-8")


# -- strategies --------------------------------------------------------------------------------

newlines = st.sampled_from(("lf", "crlf", "lf", "crlf", "mixed"))
encodings = st.builds(
    Encoding,
    newline=newlines,
    bom=st.booleans(),
    final_newline=st.sampled_from((True, True, False)),
    front_matter=st.sampled_from((False, False, True)),
)


@st.composite
def titles(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4))
    words.insert(draw(st.integers(1, len(words))), draw(st.sampled_from((*WORDS, *INNER_WORDS))))
    first = words[0] if words[0][0] in "—–“‘" else words[0].capitalize()
    return " ".join([first, *words[1:]])


@st.composite
def items(draw: st.DrawFn, nested: bool = True) -> Item:
    ev_kind = draw(st.sampled_from(("none", "run", "run", "prose")))
    ev = draw(st.sampled_from(RUN_IDS)) if ev_kind == "run" else draw(st.sampled_from(PROSE_EVIDENCE))
    children = draw(st.lists(items(nested=False), max_size=2)) if nested and draw(st.integers(0, 4)) == 0 else []
    more = ""
    if draw(st.integers(0, 5)) == 0:
        more = draw(st.sampled_from(("", "~"))) + " ".join(draw(st.lists(st.sampled_from(WORDS[:21]), min_size=1,
                                                                             max_size=3)))
    return Item(draw(titles()), draw(st.booleans()), ev_kind, ev if ev_kind != "none" else "",
                draw(st.sampled_from(SEPARATORS)), children, more, draw(st.integers(0, 4)) == 0)


@st.composite
def checklists(draw: st.DrawFn, title: str) -> Doc:
    groups = []
    for name in draw(st.lists(st.sampled_from(GROUP_NAMES), min_size=1, max_size=4, unique=True)):
        its = draw(st.lists(items(), min_size=1, max_size=5))
        breaks = {}
        if len(its) > 1:
            for idx in draw(st.lists(st.integers(1, len(its) - 1), max_size=2, unique=True)):
                breaks[idx] = draw(st.sampled_from(BLOCKS))
        marker = draw(st.sampled_from(("-", "-", "-", "*", "+", "1.", "1.", "1)")))
        groups.append(Group(name, marker, its, breaks, draw(st.sampled_from((1, 1, 7))), draw(st.booleans())))
    preamble = draw(st.lists(st.sampled_from(BLOCKS), max_size=2))
    trailer = draw(st.lists(st.sampled_from(BLOCKS), max_size=1))
    return Doc(f"Task Checklist - {title}", groups, preamble, trailer)


@st.composite
def perturbed_item(draw: st.DrawFn, item: Item) -> Item:
    new = replace(item, children=[draw(perturbed_item(c)) for c in item.children])
    if draw(st.integers(0, 2)) == 0:
        new.checked = not new.checked
    op = draw(st.sampled_from(("keep", "keep", "keep", "swap", "swap", "drop", "drop", "add", "prose")))
    if op == "swap" and new.ev_kind == "run":
        new.ev = draw(st.sampled_from(RUN_IDS))
        new.artifact = draw(st.booleans())
    elif op == "drop":
        new.ev_kind, new.ev = "none", ""
    elif op == "add" and new.ev_kind == "none":
        new.ev_kind, new.ev = "run", draw(st.sampled_from(RUN_IDS))
    elif op == "prose":
        new.ev_kind, new.ev = "prose", draw(st.sampled_from(PROSE_EVIDENCE))
    words = new.title.split(" ")
    reword = draw(st.sampled_from(("keep",) * 6 + ("case", "shorter", "longer", "other")))
    if reword == "case":
        new.title = new.title.upper()
    elif reword == "shorter" and len(words) > 2:
        new.title = " ".join(words[:-1])
    elif reword == "longer":
        new.title = f"{new.title} {draw(st.sampled_from(WORDS))}"
    elif reword == "other":
        new.title = draw(titles())
    return new


@st.composite
def mirrors(draw: st.DrawFn, canon: Doc) -> Doc:
    groups = []
    for group in canon.groups:
        its: list[Item] = []
        for item in group.items:
            fate = draw(st.sampled_from(("keep",) * 8 + ("drop", "add")))
            if fate != "drop":
                its.append(draw(perturbed_item(item)))
            if fate == "add":
                its.append(draw(items(nested=False)))
        if not its:
            continue
        breaks = {i: k for i, k in group.breaks.items() if 0 < i < len(its)}
        if len(its) > 1 and draw(st.integers(0, 5)) == 0:
            its = draw(st.permutations(its))
        groups.append(replace(group, items=its, breaks=breaks))
    if not groups:
        groups = [Group("Build", "-", [draw(items(nested=False))])]
    if len(groups) > 1 and draw(st.integers(0, 5)) == 0:
        groups = draw(st.permutations(groups))
    h1 = draw(st.sampled_from((canon.h1, canon.h1.replace("Task Checklist", "Task Mirror"))))
    return Doc(h1, groups, canon.preamble, draw(st.sampled_from((canon.trailer, []))), draw(st.sampled_from((2, 3))))


@dataclass
class TaskSpec:
    key: str
    title: str
    canon: Doc
    canon_enc: Encoding
    mirror: bytes | None  # None: no agent mirror
    early_flips: list[bool]  # states flipped in the canonical seen by the earlier `sync --init`
    plan_enc: Encoding | None  # an action plan with pending fields
    plan_order: list[int]  # the order of its four fields
    runs: tuple[str, ...]  # real succeeded run manifests under .runs/<key>/cli/
    metrics: tuple[str, ...]  # which of .runs/<key>/metrics.json, out/<key>/state.json exist


@dataclass
class RepoSpec:
    tasks: list[TaskSpec]
    tasks_md: list[str] | None
    tasks_md_enc: Encoding
    pre_init: bool
    overview_enc: Encoding | None = None  # docs/ACTION_PLAN.md with a block per task


def flat_items(doc: Doc) -> list[Item]:
    return [x for g in doc.groups for i in g.items for x in (i, *i.children)]


@st.composite
def repos(draw: st.DrawFn) -> RepoSpec:
    keys = KEYS[: draw(st.integers(1, 3))]
    tasks = []
    for key in keys:
        title = draw(titles())
        canon = draw(checklists(title))
        canon_enc = draw(encodings)
        canon_bytes = encode(render_checklist(canon, key), canon_enc)
        fate = draw(st.sampled_from(("perturbed", "perturbed", "perturbed", "identical", "none")))
        if fate == "identical":
            mirror: bytes | None = canon_bytes
        elif fate == "none":
            mirror = None
        else:
            mirror = encode(render_checklist(draw(mirrors(canon)), key), draw(encodings))
        flips = [draw(st.integers(0, 3)) == 0 for _ in flat_items(canon)]
        plan_enc = draw(st.one_of(st.none(), encodings))
        runs = tuple(draw(st.lists(st.sampled_from(RUN_IDS), max_size=2, unique=True)))
        metrics = tuple(draw(st.lists(st.sampled_from(("runs", "out")), max_size=2, unique=True)))
        tasks.append(TaskSpec(key, title, canon, canon_enc, mirror, flips, plan_enc, draw(st.permutations(range(4))),
                              runs, metrics))
    tasks_md = None
    if draw(st.integers(0, 2)):
        tasks_md = []
        if draw(st.booleans()):
            tasks_md += ["Working notes — “snapshots” below, newest first.", ""]
        for task in draw(st.permutations(tasks)):
            if not draw(st.integers(0, 4)):
                continue  # this task has no snapshot
            tasks_md.append(f"# Task List Snapshot - {task.title} ({task.key}) - Update 2025-11-01: "
                            f"{draw(titles())}.")
            body = draw(st.sampled_from(("none", "none", "items", "items", "docs-sync")))
            if body == "items":
                tasks_md.append("")
                for item in flat_items(task.canon):
                    if draw(st.integers(0, 4)):
                        copy = draw(perturbed_item(replace(item, children=[])))
                        tasks_md += f"- [{'x' if copy.checked else ' '}] {item_text(copy, task.key, '  ')}".split("\n")
            elif body == "docs-sync":
                tasks_md += ["", f"<!-- docs-sync:begin {task.key} -->", "## Checklist Mirror", "",
                             "- [ ] a stale entry", f"<!-- docs-sync:end {task.key} -->"]
            tasks_md.append("")
        while tasks_md and not tasks_md[-1]:
            tasks_md.pop()
    overview = draw(st.one_of(st.none(), encodings))
    return RepoSpec(tasks, tasks_md, draw(encodings), draw(st.integers(0, 3)) == 0, overview)


def plan_fields(task: TaskSpec) -> list[str]:
    return [
        "- Current Phase: Implementation — “in progress”.",
        "- Run Manifest Link: _(pending — capture the first run)._",
        f"- Metrics / State Snapshots: _(pending — populate `.runs/{task.key}/metrics.json`)._",
        "- Approvals / Escalations: None.",
    ]


def plan_lines(task: TaskSpec) -> list[str]:
    fields = plan_fields(task)
    return [f"# Action Plan — {task.title} (Task {task.key.split('-')[0]})", "", "## Status Snapshot",
            *(fields[i] for i in task.plan_order)]


def overview_lines(spec: RepoSpec) -> list[str]:
    lines = ["# Action Plan Overview — Projects"]
    for task in spec.tasks:
        lines += ["", f"## Task {task.key.split('-')[0]} — {task.title}", f"- Primary Doc: `tasks/tasks-{task.key}.md`",
                  *plan_fields(task)[1:3], f"- Checklist Mirror: `.agent/task/{task.key}.md`"]
    return lines


def build(root: Path, spec: RepoSpec) -> None:
    def put(rel: str, data: bytes) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    for task in spec.tasks:
        if task.mirror is not None:
            put(f".agent/task/{task.key}.md", task.mirror)
        if task.plan_enc is not None:
            put(f"docs/ACTION_PLAN-{task.key}.md", encode(plan_lines(task), task.plan_enc))
        for run_id in task.runs:
            manifest(root, task.key, run_id)
        if "runs" in task.metrics:
            put(f".runs/{task.key}/metrics.json", b'{"runs": 1}\n')
        if "out" in task.metrics:
            put(f"out/{task.key}/state.json", b'{"state": "ok"}\n')
    if spec.overview_enc is not None:
        put("docs/ACTION_PLAN.md", encode(overview_lines(spec), spec.overview_enc))
    if spec.tasks_md is not None:
        put("docs/TASKS.md", encode(spec.tasks_md, spec.tasks_md_enc))
    if spec.pre_init:
        for task in spec.tasks:
            early = replace(task.canon, groups=[
                replace(g, items=[replace(i, children=[replace(c) for c in i.children]) for i in g.items])
                for g in task.canon.groups])
            for item, flip in zip(flat_items(early), task.early_flips, strict=True):
                if flip:
                    item.checked = not item.checked
            put(f"tasks/tasks-{task.key}.md", encode(render_checklist(early, task.key), task.canon_enc))
        res = run("sync", str(root), "--init")
        assert res.code == 0, res.err
    for task in spec.tasks:
        put(f"tasks/tasks-{task.key}.md", encode(render_checklist(task.canon, task.key), task.canon_enc))


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".tasksync-cache" not in p.parts}


# -- what sync may touch -------------------------------------------------------------------------

_ITEM = re.compile(r"^(\s*(?:[-*+]|\d{1,9}[.)])\s+\[)[ xX](\]\s?)(.*)$")
_EVIDENCE = re.compile(r"(?:\.\s+|;\s+|\s+[-—–]\s+|\s+)(?:Evidence|evidence)\s*:")
_FIELD = re.compile(r"^\s*[-*+]\s+(?:Run Manifest Link|Metrics / State Snapshots)\s*:")
_BEGIN = re.compile(r"^<!--\s*(?:tasksync:begin\s+\S+|docs-sync:begin)\s+\S+\s*-->$")
_END = re.compile(r"^<!--\s*(?:tasksync:end\s+\S+|docs-sync:end)\s+\S+(?:\s+sha256:[0-9a-f]+)?\s*-->$")


def split_lines(data: bytes) -> list[bytes]:
    return (data[len(BOM):] if data.startswith(BOM) else data).splitlines(keepends=True)


def text_of(line: bytes) -> str:
    return line.decode("utf-8").rstrip("\r\n")


def ending(line: bytes) -> bytes:
    return line[len(line.rstrip(b"\r\n")):]


def outside_regions(lines: list[bytes]) -> list[bytes]:
    """The lines that are not inside (or markers of) a tasksync or docs-sync region."""
    out: list[bytes] = []
    inside = False
    for line in lines:
        text = text_of(line).strip()
        if not inside and _BEGIN.match(text):
            inside = True
        elif inside and _END.match(text):
            inside = False
        elif not inside:
            out.append(line)
    assert not inside, "an unclosed region"
    return out


def continues_item(lines: list[bytes], k: int) -> bool:
    """Whether line ``k`` is a later line of an item's paragraph (indented or lazy)."""
    for j in range(k, -1, -1):
        text = text_of(lines[j])
        if not text.strip() or FAKE in text or text.lstrip().startswith((">", "|", "<", "#", "`")):
            return False
        if _ITEM.match(text):
            return j < k and item_core(text) is not None
    return False


def body_core(text: str) -> str:
    return _EVIDENCE.split(text, maxsplit=1)[0].rstrip(" .")


def item_core(text: str) -> str | None:
    """An item line without its checkbox state and evidence: what sync must never change."""
    m = _ITEM.match(text)
    if m is None or FAKE in text or text.lstrip().startswith(">"):
        return None
    return f"{m.group(1)}?{m.group(2)}{body_core(m.group(3))}"


def assert_only_owned_changes(path: str, old: bytes, new: bytes) -> None:
    if path.startswith("tasks/tasks-") or not path.endswith(".md"):
        assert new == old, f"{path} must not change"
        return
    where = f"{path}:\n{old!r}\n→\n{new!r}"
    assert new.startswith(BOM) == old.startswith(BOM), f"BOM lost or added in {where}"
    if old.strip(BOM):
        assert new.endswith(b"\n") == old.endswith(b"\n"), f"final newline changed in {where}"
    a, b = split_lines(old), split_lines(new)
    if a and a[0].rstrip() == b"---":  # front matter stays first, byte for byte
        close = next((i for i in range(1, len(a)) if a[i].rstrip() == b"---"), 0)
        same = b[: close + 1] == a[: close + 1]
        if not same and close == len(a) - 1 and not ending(a[close]):  # text appended after a file that
            same = b[:close] == a[:close] and b[close].rstrip(b"\r\n") == a[close]  # ends at its `---`
        assert same, f"front matter moved or changed in {where}"
    styles = {ending(line) for line in a} - {b""}
    if len(styles) == 1:  # a uniform file stays uniform: new lines take its line ending
        for idx, line in enumerate(b):
            if idx < len(b) - 1 or line.endswith(b"\n"):
                assert ending(line) in styles, f"line {idx + 1} ends with {ending(line)!r} in {where}"
    plan = path.startswith("docs/ACTION_PLAN")
    a_out, b_out = outside_regions(a), outside_regions(b)
    assert len(a_out) == len(b_out), f"lines added or removed outside regions in {where}"
    for k, (x, y) in enumerate(zip(a_out, b_out, strict=True)):
        if x == y or (x is a[-1] and not ending(x) and y.rstrip(b"\r\n") == x):
            continue  # unchanged, or the unterminated last line that text was appended after
        assert ending(x) == ending(y), f"line ending changed: {x!r} → {y!r} in {path}"
        tx, ty = text_of(x), text_of(y)
        if plan:
            assert _FIELD.match(tx) and tx.split(":", 1)[0] == ty.split(":", 1)[0], f"{tx!r} → {ty!r} in {path}"
            continue
        if continues_item(a_out, k):  # the evidence of a two-line item sits on its last line
            assert body_core(ty) == body_core(tx), f"item wording changed: {tx!r} → {ty!r} in {path}"
            continue
        core = item_core(tx)
        assert core is not None, f"a line sync does not own changed: {tx!r} → {ty!r} in {path}"
        assert item_core(ty) == core, f"item wording changed: {tx!r} → {ty!r} in {path}"


def assert_check_clean(root: Path) -> None:
    findings = run("check", str(root), "--format", "json", "--no-cache").json()["findings"]
    bad = [f for f in findings
           if (f["rule"] == "TS001" and f["severity"] == "error") or f["rule"] in ("TS002", "TS011")]
    assert not bad, bad


def sync_ok(root: Path, *extra: str) -> None:
    res = run("sync", str(root), *extra)
    assert res.code == 0, (res.out, res.err)
    assert "internal error" not in res.err


# -- properties ----------------------------------------------------------------------------------


def _idempotent(spec: RepoSpec, *flags: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, spec)
        sync_ok(root, *flags)
        first = snapshot(root)
        sync_ok(root, *flags)
        assert snapshot(root) == first, difflib_report(first, snapshot(root))
        assert run("sync", str(root), "--check").code == 0
        assert run("sync", str(root), *flags, "--check").code == 0


def difflib_report(a: dict[str, bytes], b: dict[str, bytes]) -> str:
    """What the second run changed, line by line (repr keeps line endings visible)."""
    out: list[str] = []
    for path in sorted(set(a) | set(b)):
        if a.get(path) != b.get(path):
            old, new = ([repr(x) for x in split_lines(d.get(path, b""))] for d in (a, b))
            out.extend(difflib.unified_diff(old, new, path, path, lineterm=""))
    return "\n".join(out)


@PROPS
@given(repos())
def test_second_sync_changes_nothing(spec: RepoSpec) -> None:
    _idempotent(spec)


@PROPS
@given(repos())
def test_second_sync_init_changes_nothing(spec: RepoSpec) -> None:
    _idempotent(spec, "--init")


def _owned(spec: RepoSpec, *flags: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, spec)
        before = snapshot(root)
        sync_ok(root, *flags)
        after = snapshot(root)
        for path in sorted(set(before) | set(after)):
            if path not in before:
                assert "--init" in flags and path.startswith(".agent/task/"), f"{path} created"
                assert after[path].endswith(b"\n") and b"\r" not in after[path]
                continue
            assert path in after, f"{path} deleted"
            assert_only_owned_changes(path, before[path], after[path])


@PROPS
@given(repos())
def test_sync_changes_only_owned_lines(spec: RepoSpec) -> None:
    _owned(spec)


@PROPS
@given(repos())
def test_sync_init_changes_only_owned_lines(spec: RepoSpec) -> None:
    _owned(spec, "--init")


@PROPS
@given(repos(), st.booleans())
def test_check_finds_no_conflict_after_sync(spec: RepoSpec, init: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, spec)
        sync_ok(root, *(("--init",) if init else ()))
        assert_check_clean(root)


# -- explicit cases ------------------------------------------------------------------------------

M1 = manifest_path("0101-a", RUN_IDS[0])
M2 = manifest_path("0101-a", RUN_IDS[1])


def _sync_case(files: dict[str, bytes], *flags: str) -> dict[str, bytes]:
    """Sync a hand-written repository; check every property on it and return the files after."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, data in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        sync_ok(root, *flags)
        after = snapshot(root)
        for path, data in files.items():
            assert_only_owned_changes(path, data, after[path])
        sync_ok(root, *flags)
        assert snapshot(root) == after
        assert run("sync", str(root), "--check").code == 0
        assert_check_clean(root)
        return after


def test_crlf_mirror_without_final_newline_whose_last_line_conflicts() -> None:
    canon = f"# T\n\n## A\n- [x] One\n- [x] Two. Evidence: `{M1}`.\n".encode()
    mirror = b"# T\r\n\r\n## A\r\n- [x] One\r\n- [ ] Two"
    after = _sync_case({"tasks/tasks-0101-a.md": canon, ".agent/task/0101-a.md": mirror})
    assert after[".agent/task/0101-a.md"] == f"# T\r\n\r\n## A\r\n- [x] One\r\n- [x] Two. Evidence: `{M1}`.".encode()
    # the same with a swap of the cited run instead of an append
    mirror = f"# T\r\n\r\n## A\r\n- [x] One\r\n- [ ] Two; evidence: `{M2}` (rerun)".encode()
    after = _sync_case({"tasks/tasks-0101-a.md": canon, ".agent/task/0101-a.md": mirror})
    assert after[".agent/task/0101-a.md"] == mirror.replace(b"[ ] Two", b"[x] Two").replace(M2.encode(), M1.encode())


def test_bom_mirror_whose_first_item_conflicts() -> None:
    canon = "# T\n\n## Café\n- [x] Über “first”\n- [ ] Second — step\n".encode()
    mirror = BOM + "# T\n\n## Café\n- [ ] Über “first”\n- [ ] Second — step\n".encode()
    after = _sync_case({"tasks/tasks-0101-a.md": canon, ".agent/task/0101-a.md": mirror})
    assert after[".agent/task/0101-a.md"] == mirror.replace(b"- [ ] \xc3\x9c", b"- [x] \xc3\x9c")
    # the conflicting item is the very first line, right after the BOM
    canon = b"- [x] First\n- [x] Second\n"
    mirror = BOM + b"- [ ] First\r\n- [x] Second\r\n"
    after = _sync_case({"tasks/tasks-0101-a.md": canon, ".agent/task/0101-a.md": mirror})
    assert after[".agent/task/0101-a.md"] == BOM + b"- [x] First\r\n- [x] Second\r\n"


def test_mirror_with_a_table_and_a_comment_between_items() -> None:
    canon = (f"# T\n\n## A\n- [x] One\n- [x] Two. Evidence: `{M1}`.\n\n"
             "| x | y |\n| --- | --- |\n| 1 | 2 |\n\n- [x] Three\n").encode()
    mirror = (f"# T\n\n## A\n- [ ] One\n\n| Check | [x] |\n| --- | --- |\n| - [ ] {FAKE} | [ ] |\n\n"
              f"<!-- - [ ] {FAKE}\n- [x] {FAKE}\n-->\n\n- [x] Two. Evidence: `{M2}`.\n- [ ] Three\n").encode()
    tasks_md = (f"# Task List Snapshot - T (0101-a) - Update 2025-11-01: table.\n\n- [ ] One\n\n"
                f"| a | b |\n| --- | --- |\n| [ ] {FAKE} | x |\n\n- [ ] Three\n").encode()
    files = {"tasks/tasks-0101-a.md": canon, ".agent/task/0101-a.md": mirror, "docs/TASKS.md": tasks_md}
    after = _sync_case(files)
    assert after[".agent/task/0101-a.md"] == (
        mirror.replace(b"- [ ] One", b"- [x] One").replace(b"- [ ] Three", b"- [x] Three").replace(M2.encode(),
                                                                                                    M1.encode()))
    assert after["docs/TASKS.md"] == tasks_md.replace(b"- [ ] One", b"- [x] One").replace(b"- [ ] Three",
                                                                                          b"- [x] Three")
    after = _sync_case(files, "--init")
    region = b"<!-- tasksync:begin snapshot 0101-a -->\n# Task List Snapshot - T (0101-a) - Status"
    assert region in after["docs/TASKS.md"]


# -- regressions: cases the properties above once caught ---------------------------------------------


def test_init_keeps_the_front_matter_of_tasks_md_first() -> None:
    front = b"---\ntitle: Tasks\n---\n"
    files = {"tasks/tasks-0101-a.md": b"# T\n\n## A\n- [x] One\n",
             "docs/TASKS.md": front + b"\n# Task List Snapshot - Other (0202-b) - Update 2025-11-01: x.\n"}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, data in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        sync_ok(root, "--init")
        assert (root / "docs/TASKS.md").read_bytes().startswith(front)


def test_evidence_swap_leaves_no_item_citing_two_runs() -> None:
    canon = f"# T\n\n## A\n- [x] Two. Evidence: `{M1}`.\n".encode()
    artifact = M2.replace("manifest.json", "runner.ndjson")
    mirror = f"# T\n\n## A\n- [x] Two. Evidence: `{M2}`, `{artifact}`.\n".encode()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, data in {"tasks/tasks-0101-a.md": canon, ".agent/task/0101-a.md": mirror}.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        run("sync", str(root))
        after = (root / ".agent/task/0101-a.md").read_bytes()
        assert after == mirror.replace(M2.removesuffix("manifest.json").encode(),
                                       M1.removesuffix("manifest.json").encode())
        assert_check_clean(root)


def test_a_stray_lf_inside_a_two_line_item_is_kept() -> None:
    canon = b"# T\n\n## A\n- [x] One\n  two\n  three\n"
    mirror = b"# T\r\n\r\n## A\r\n- [ ] One\n  two\n  three\r\n"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, data in {"tasks/tasks-0101-a.md": canon, ".agent/task/0101-a.md": mirror}.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        sync_ok(root)
        assert (root / ".agent/task/0101-a.md").read_bytes() == mirror.replace(b"[ ]", b"[x]")


def test_overview_with_front_matter_gets_its_fields_synced() -> None:
    overview = ("---\nowner: docs\n---\n# Action Plan Overview — Projects\n\n## Task 0101 — Alpha\n"
                "- Primary Doc: `tasks/tasks-0101-a.md`\n- Run Manifest Link: _(pending — capture the first run)._\n")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, data in {"tasks/tasks-0101-a.md": b"# Task Checklist - Alpha\n\n## A\n- [x] One\n",
                          "docs/ACTION_PLAN.md": overview.encode()}.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        manifest(root, "0101-a", RUN_IDS[2])
        sync_ok(root)
        after = (root / "docs/ACTION_PLAN.md").read_text(encoding="utf-8")
        assert after.startswith("---\nowner: docs\n---\n")
        assert f"- Run Manifest Link: `{manifest_path('0101-a', RUN_IDS[2])}`" in after
