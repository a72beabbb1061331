"""Action plans (conventions §3): per-task plans of every template, and the overview.

Fields are ``- <Label>: <value>`` bullets; labels are canonicalised so the 2025
``## Status Snapshot`` template, the ``## Next Review`` section and the 2026 template
(``## Approvals`` with Reviewer/Date) land on the same names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sync.outline import Block, Outline
from sync.parse.checklist import Item, extract_items
from sync.parse.evidence import Evidence, classify

_FIELD = re.compile(r"^(?P<label>[A-Z][^:\n`]{0,60}?)\s*:\s*(?P<value>.*)$", re.S)
_BACKTICKED = re.compile(r"`([^`\n]+)`")
_PENDING = re.compile(r"_\(pending|<[^<>\s]+>|\bTBD\b", re.I)
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_SECTION_REF = re.compile(r"`docs/TASKS\.md`\s*\((\S+) section\)")
_OVERVIEW_TASK = re.compile(r"^Task\s+(?P<id>\S+)\s+[—-]\s+(?P<title>.+)$")
_MILESTONE_PREFIX = re.compile(r"^(?:Milestone\s*:\s*)", re.I)
_RISK_SPLIT = re.compile(r"\s+[—–]\s+|\s+-\s+|:\s+")
_RISK_LABELLED = re.compile(r"^Risk:\s*(?P<risk>.+?)\s*\bMitigation:\s*(?P<mitigation>.+)$", re.I | re.S)

LABELS = {
    "current phase": "Current Phase",
    "run manifest link": "Run Manifest Link",
    "run manifest": "Run Manifest Link",
    "metrics / state snapshots": "Metrics / State Snapshots",
    "metrics/state snapshots": "Metrics / State Snapshots",
    "metrics / state": "Metrics / State Snapshots",
    "metrics": "Metrics / State Snapshots",
    "approvals / escalations": "Approvals / Escalations",
    "approvals": "Approvals / Escalations",
    "date": "Date",
    "agenda": "Agenda",
    "reviewer": "Reviewer",
    "primary doc": "Primary Doc",
    "checklist mirror": "Checklist Mirror",
}
MANAGED_FIELDS = ("Run Manifest Link", "Metrics / State Snapshots")


@dataclass(slots=True)
class PlanField:
    label: str  # canonical label, or the label as written when unknown
    raw_label: str
    value: str
    line: int  # 1-based
    section: str  # enclosing H2 ("" before the first)
    paths: list[Evidence] = field(default_factory=list)
    pending: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "label": self.label,
            "value": self.value,
            "line": self.line,
            "section": self.section,
            "paths": [p.to_json() for p in self.paths],
            "pending": self.pending,
        }


@dataclass(slots=True)
class Milestone:
    line: int
    text: str
    number: str
    checked: bool | None

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "number": self.number, "text": self.text, "checked": self.checked}


@dataclass(slots=True)
class Risk:
    line: int
    risk: str
    mitigation: str | None

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "risk": self.risk, "mitigation": self.mitigation}


@dataclass(slots=True)
class ActionPlan:
    path: str
    title: str = ""
    template: str = "other"  # status-snapshot | readiness-2026 | phases | other
    fields: list[PlanField] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    def get(self, label: str, section: str | None = None) -> PlanField | None:
        for f in self.fields:
            if f.label == label and (section is None or f.section.lower().startswith(section.lower())):
                return f
        return None

    @property
    def current_phase(self) -> str | None:
        f = self.get("Current Phase")
        return f.value if f else None

    @property
    def next_review(self) -> str | None:
        f = self.get("Date", "Next Review")
        if f:
            m = _DATE.search(f.value)
            return m.group(1) if m else None
        return None

    @property
    def pending(self) -> bool:
        return any(f.pending for f in self.fields if f.label in MANAGED_FIELDS)

    def to_json(self) -> dict[str, object]:
        agenda = self.get("Agenda", "Next Review")
        reviewer = self.get("Reviewer")
        approvals = self.get("Approvals / Escalations")
        return {
            "path": self.path,
            "title": self.title,
            "template": self.template,
            "current_phase": self.current_phase,
            "next_review": {"date": self.next_review, "agenda": agenda.value if agenda else None},
            "reviewer": reviewer.value if reviewer else None,
            "approvals": approvals.value if approvals else None,
            "pending": self.pending,
            "fields": [f.to_json() for f in self.fields],
            "milestones": [m.to_json() for m in self.milestones],
            "risks": [r.to_json() for r in self.risks],
            "items": [i.to_json() for i in self.items],
        }


@dataclass(slots=True)
class OverviewBlock:
    """One ``## Task <id> — <Title>`` block of ``docs/ACTION_PLAN.md``."""

    task_id: str
    title: str
    line: int
    end_line: int
    fields: list[PlanField] = field(default_factory=list)
    tasks_sections: list[str] = field(default_factory=list)  # ids of "(NNNN section)" references

    def get(self, label: str) -> PlanField | None:
        return next((f for f in self.fields if f.label == label), None)

    def to_json(self) -> dict[str, object]:
        return {
            "task_id": self.task_id,
            "title": self.title,
            "line": self.line,
            "end_line": self.end_line,
            "fields": [f.to_json() for f in self.fields],
            "tasks_sections": self.tasks_sections,
        }


@dataclass(slots=True)
class Overview:
    path: str
    blocks: list[OverviewBlock] = field(default_factory=list)
    plan: ActionPlan | None = None  # the full plan after the first ``---``
    split_line: int | None = None


def _field(block: Block, section: str) -> PlanField | None:
    m = _FIELD.match(block.text)
    if not m:
        return None
    raw = m.group("label").strip()
    label = LABELS.get(raw.lower(), raw)
    value = m.group("value").strip()
    paths = [classify(tok) for tok in _BACKTICKED.findall(value)]
    paths = [p for p in paths if p.kind != "prose"]
    return PlanField(label, raw, value, block.line + 1, section, paths, bool(_PENDING.search(value)))


def _template(headings: list[str]) -> str:
    names = {h.lower() for h in headings}
    if "status snapshot" in names:
        return "status-snapshot"
    if names & {"issue readiness gate", "milestones & sequencing", "summary"}:
        return "readiness-2026"
    if any(h.startswith("phase ") for h in names):
        return "phases"
    return "other"


def parse_plan(path: str, outline: Outline, *, key: str | None = None,
               line_range: tuple[int, int] | None = None) -> ActionPlan:
    """Parse a per-task plan (or the part of a file in ``line_range``, 0-based)."""
    lo, hi = line_range if line_range else (0, 1 << 30)
    plan = ActionPlan(path)
    section = ""
    h2: list[str] = []
    for block in outline.blocks:
        if not (lo <= block.line < hi) or block.quoted:
            continue
        if block.kind == "heading":
            if block.level == 1 and not plan.title:
                plan.title = block.text
            elif block.level >= 2:
                section = block.text
                h2.append(block.text)
            continue
        if block.parent >= 0:
            continue
        sec = section.lower()
        if sec.startswith("milestones") and block.marker[-1:] in ".)":
            text = _MILESTONE_PREFIX.sub("", block.text.split("\n")[0])
            plan.milestones.append(Milestone(block.line + 1, text, block.marker[:-1], block.checked))
            continue
        if block.checked is not None:
            continue
        if sec.startswith("risks"):
            _add_risk(plan, block)
            continue
        f = _field(block, section)
        if f:
            plan.fields.append(f)
    plan.template = _template(h2)
    plan.items = extract_items(path, outline, key=key, line_range=(lo, hi))
    return plan


def _add_risk(plan: ActionPlan, block: Block) -> None:
    text = block.text.split("\n")[0]
    labelled = _RISK_LABELLED.match(text)
    if labelled:
        plan.risks.append(Risk(block.line + 1, labelled["risk"].rstrip(" ."), labelled["mitigation"]))
        return
    parts = _RISK_SPLIT.split(text, maxsplit=1)
    plan.risks.append(Risk(block.line + 1, parts[0].strip(), parts[1].strip() if len(parts) > 1 else None))


def parse_overview(path: str, lines: list[str], outline: Outline) -> Overview:
    """Split ``docs/ACTION_PLAN.md`` at its first ``---`` line after any front matter: task blocks,
    then a full plan."""
    body = outline.front_matter[1] if outline.front_matter else 0
    split = next((i for i in range(body, len(lines)) if lines[i].strip() == "---"), None)
    ov = Overview(path, split_line=split + 1 if split is not None else None)
    limit = split if split is not None else len(lines)
    current: OverviewBlock | None = None
    for block in outline.blocks:
        if block.line >= limit:
            break
        if block.kind == "heading":
            current = None
            m = _OVERVIEW_TASK.match(block.text) if block.level == 2 else None
            if m:
                current = OverviewBlock(m.group("id"), m.group("title"), block.line + 1, block.line + 1)
                ov.blocks.append(current)
            continue
        if current is None or block.parent >= 0:
            continue
        current.end_line = block.end
        f = _field(block, f"Task {current.task_id}")
        if f:
            current.fields.append(f)
            if f.label == "Checklist Mirror":
                current.tasks_sections += _SECTION_REF.findall(f.value)
    if split is not None:
        ov.plan = parse_plan(path, outline, line_range=(split + 1, len(lines)))
    return ov
