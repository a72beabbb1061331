"""Reconciling mirrors: match items of a mirror to the canonical checklist (conventions §2.5, §7.2).

Tiers, stopping at the first confident match:

1. normalised title + group + occurrence;
2. normalised title + occurrence across groups;
3. the same ordinal in matched groups, accepted only with similar titles or a shared run;
4. a run manifest cited by exactly one unmatched item on each side.

Each pair is classified: ``verbatim`` (≥80% matched exactly), ``paraphrase`` (≥50% matched
with tiers 3-4), ``summary`` (less), or ``prose`` (the mirror has no checkboxes).  Only
verbatim and paraphrase pairs are compared item by item; ambiguity is reported, never
guessed.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from sync.parse.checklist import Item, normalise_title

VERBATIM = "verbatim"
PARAPHRASE = "paraphrase"
SUMMARY = "summary"
PROSE = "prose"

_MIRRORED = re.compile(r"\bmirrored (?:to|from|with)\b")
_BARE_MIRROR_DIR = re.compile(r"(?<![\w/.-])(?:\.agent/task|/tasks|tasks/)(?![\w/.-])")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset({"the", "and", "for", "with", "from", "into", "via", "are", "was", "has", "all", "per"})
SIMILAR = 0.6


@dataclass(slots=True)
class Match:
    canonical: Item
    mirror: Item
    tier: int


@dataclass(slots=True)
class Ambiguity:
    item: Item  # the canonical item
    candidates: list[Item]
    reason: str


@dataclass(slots=True)
class Pair:
    """The comparison of one mirror document (or TASKS.md snapshot) with the canonical checklist."""

    task: str
    canonical_path: str
    mirror_path: str
    mirror_kind: str  # "agent" | "tasks-md"
    kind: str = PROSE  # verbatim | paraphrase | summary | prose
    matches: list[Match] = field(default_factory=list)
    unmatched_canonical: list[Item] = field(default_factory=list)
    unmatched_mirror: list[Item] = field(default_factory=list)
    ambiguous: list[Ambiguity] = field(default_factory=list)
    mirror_items: list[Item] = field(default_factory=list)
    canonical_items: list[Item] = field(default_factory=list)
    mirror_line: int | None = None  # first line of the snapshot, for TASKS.md pairs

    @property
    def item_level(self) -> bool:
        return self.kind in (VERBATIM, PARAPHRASE)

    def to_json(self) -> dict[str, object]:
        return {
            "task": self.task,
            "canonical": self.canonical_path,
            "mirror": self.mirror_path,
            "mirror_kind": self.mirror_kind,
            "kind": self.kind,
            "matched": len(self.matches),
            "by_tier": dict(Counter(m.tier for m in self.matches)),
            "unmatched_canonical": [i.line for i in self.unmatched_canonical],
            "unmatched_mirror": [i.line for i in self.unmatched_mirror],
            "ambiguous": [{"line": a.item.line, "reason": a.reason} for a in self.ambiguous],
        }


def match_norm(item: Item, key: str) -> str:
    """The normalised title, with self-referential "mirrored to/from <path>" wording folded."""
    norm = _MIRRORED.sub("mirrored", normalise_title(item.title, key))
    return _BARE_MIRROR_DIR.sub("<mirror>", norm)


@lru_cache(maxsize=4096)
def _group_text(group: str) -> str:
    return normalise_title(group)


def group_norm(item: Item) -> str:
    return _group_text(item.group) if item.group else ""


def words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text) if len(w) > 2 and w not in _STOP}


def similarity(a: str, b: str) -> float:
    """Token containment: the share of the shorter title's words found in the longer one.

    Mirrors abbreviate ("Diagnostics" for "Run diagnostics (...) and record manifest link")
    and paraphrase ("Lint passes" for "`npm run lint` passes"); containment rewards both.
    """
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


def _runs(item: Item) -> set[str]:
    return set(item.manifests) | {e.run_id for e in item.evidence if e.run_id}


def _group_key(item: Item) -> tuple[str, int]:
    return (group_norm(item), item.segment)


def reconcile(task: str, canonical_path: str, canon: list[Item], mirror_path: str, mirror: list[Item],
              mirror_kind: str) -> Pair:
    pair = Pair(task, canonical_path, mirror_path, mirror_kind, mirror_items=mirror, canonical_items=canon)
    if not mirror:
        pair.kind = PROSE
        pair.unmatched_canonical = list(canon)
        return pair
    cnorm = {id(i): match_norm(i, task) for i in canon}
    mnorm = {id(i): match_norm(i, task) for i in mirror}
    taken: set[int] = set()
    matched: dict[int, Match] = {}

    def take(c: Item, m: Item, tier: int) -> None:
        matched[id(c)] = Match(c, m, tier)
        taken.add(id(m))

    # tier 1: (group, title, occurrence)
    t1: dict[tuple[str, str, int], Item] = {}
    seen: Counter[tuple[str, str]] = Counter()
    for m in mirror:
        k = (group_norm(m), mnorm[id(m)])
        seen[k] += 1
        t1[(*k, seen[k])] = m
    seen_c: Counter[tuple[str, str]] = Counter()
    for c in canon:
        k = (group_norm(c), cnorm[id(c)])
        seen_c[k] += 1
        m = t1.get((*k, seen_c[k]))
        if m is not None and id(m) not in taken:
            take(c, m, 1)

    # tier 2: (title, occurrence) across groups, among what is left
    left_m = [m for m in mirror if id(m) not in taken]
    t2: dict[tuple[str, int], Item] = {}
    seen2: Counter[str] = Counter()
    for m in left_m:
        seen2[mnorm[id(m)]] += 1
        t2[(mnorm[id(m)], seen2[mnorm[id(m)]])] = m
    seen2c: Counter[str] = Counter()
    for c in canon:
        if id(c) in matched:
            continue
        seen2c[cnorm[id(c)]] += 1
        m = t2.get((cnorm[id(c)], seen2c[cnorm[id(c)]]))
        if m is not None and id(m) not in taken:
            take(c, m, 2)
    exact = len(matched)

    # tier 3: same ordinal in matched groups, gated by similarity or a shared run
    def pair_by_position(c_items: list[Item], m_items: list[Item]) -> None:
        for pos, c in enumerate(c_items):
            if id(c) in matched or pos >= len(m_items):
                continue
            m = m_items[pos]
            if id(m) not in taken and (similarity(cnorm[id(c)], mnorm[id(m)]) >= SIMILAR or (_runs(c) & _runs(m))):
                take(c, m, 3)

    c_by_name: dict[str, list[Item]] = defaultdict(list)
    c_by_segment: dict[tuple[str, int], list[Item]] = defaultdict(list)
    m_by_name: dict[str, list[Item]] = defaultdict(list)
    for c in canon:
        c_by_name[group_norm(c)].append(c)
        c_by_segment[_group_key(c)].append(c)
    for m in mirror:
        m_by_name[group_norm(m)].append(m)
    if len(matched) < len(canon):
        for c_name, m_name in _map_groups(canon, mirror, matched).items():
            pair_by_position(c_by_name[c_name], m_by_name[m_name])
        # heading-less trailing groups (a blank-line segment of a group) against whole unmatched mirror groups
        c_rest = _untouched_groups(canon, matched, _group_key)
        m_rest = _untouched_groups(mirror, {i: None for i in taken}, lambda m: (group_norm(m), 0))
        if c_rest and len(c_rest) == len(m_rest):
            for cg, mg in zip(c_rest, m_rest, strict=True):
                pair_by_position(c_by_segment[cg], m_by_name[mg[0]])

    # tier 4: a manifest cited by exactly one unmatched item on each side
    by_manifest_c: dict[str, list[Item]] = defaultdict(list)
    by_manifest_m: dict[str, list[Item]] = defaultdict(list)
    for c in canon:
        if id(c) not in matched:
            for path in set(c.manifests):
                by_manifest_c[path].append(c)
    for m in mirror:
        if id(m) not in taken:
            for path in set(m.manifests):
                by_manifest_m[path].append(m)
    for path, cs in by_manifest_c.items():
        ms = by_manifest_m.get(path, [])
        if len(cs) == 1 and len(ms) == 1:
            c, m = cs[0], ms[0]
            if id(c) not in matched and id(m) not in taken:
                take(c, m, 4)
        elif cs and ms and len(cs) + len(ms) > 2:
            for c in cs:
                if id(c) not in matched:
                    pair.ambiguous.append(Ambiguity(c, ms, f"{len(ms)} mirror items share {path}"))

    pair.matches = [matched[id(c)] for c in canon if id(c) in matched]
    pair.unmatched_canonical = [c for c in canon if id(c) not in matched]
    pair.unmatched_mirror = [m for m in mirror if id(m) not in taken]
    size = max(len(canon), len(mirror))
    if size and exact / size >= 0.8:
        pair.kind = VERBATIM
    elif size and len(pair.matches) / size >= 0.5:
        pair.kind = PARAPHRASE
    else:
        pair.kind = SUMMARY
    _duplicate_ambiguity(pair, cnorm, mnorm)
    return pair


def _map_groups(canon: list[Item], mirror: list[Item], matched: dict[int, Match]) -> dict[str, str]:
    """Canonical group name → mirror group name: by the matches so far, then by name, then by order."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for match in matched.values():
        votes[group_norm(match.canonical)][group_norm(match.mirror)] += 1
    c_groups = list(dict.fromkeys(group_norm(c) for c in canon))
    m_groups = list(dict.fromkeys(group_norm(m) for m in mirror))
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for g in c_groups:
        if votes[g]:
            best, _ = votes[g].most_common(1)[0]
            mapping[g] = best
            used.add(best)
    for g in c_groups:
        if g in mapping:
            continue
        if g in m_groups and g not in used:
            mapping[g] = g
            used.add(g)
            continue
        candidates = [h for h in m_groups if h not in used and similarity(g, h) >= 0.5]
        if len(candidates) == 1:
            mapping[g] = candidates[0]
            used.add(candidates[0])
    rest_c = [g for g in c_groups if g not in mapping]
    rest_m = [h for h in m_groups if h not in used]
    if rest_c and len(rest_c) == len(rest_m):
        mapping.update(zip(rest_c, rest_m, strict=True))  # renamed groups, in order
    return mapping


def _untouched_groups(items: list[Item], done: dict[int, object], key: Callable[[Item], tuple[str, int]]) -> list:
    """Groups (in document order) none of whose items is matched yet."""
    groups: dict[tuple[str, int], bool] = {}
    for item in items:
        g = key(item)
        groups[g] = groups.get(g, True) and id(item) not in done
    return [g for g, untouched in groups.items() if untouched]


def _duplicate_ambiguity(pair: Pair, cnorm: dict[int, str], mnorm: dict[int, str]) -> None:
    """Duplicate titles whose counts differ between the copies cannot be paired safely."""
    ccount = Counter(cnorm.values())
    mcount = Counter(mnorm.values())
    for c in pair.unmatched_canonical:
        n = cnorm[id(c)]
        if ccount[n] > 1 and mcount[n] and mcount[n] != ccount[n]:
            cands = [m for m in pair.mirror_items if mnorm[id(m)] == n]
            reason = f"title appears {ccount[n]}× here and {mcount[n]}× in the mirror"
            pair.ambiguous.append(Ambiguity(c, cands, reason))
