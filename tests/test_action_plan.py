"""Action plans of every template and the docs/ACTION_PLAN.md overview."""

from __future__ import annotations

from sync.config import Config
from sync.outline import build_outline
from sync.parse.action_plan import parse_overview, parse_plan
from sync.repo import load_repo

from conftest import EARLY, LATE


def test_old_template_plan_fields_milestones_risks_review() -> None:
    repo = load_repo(EARLY, Config())
    plan = repo.tasks["0220-queue-retry"].plan
    assert plan.template == "status-snapshot"
    link = plan.get("Run Manifest Link")
    assert link.line == 5 and link.paths[0].run_id == "2025-11-05T08-30-55-118Z-f6a2b3c4"
    assert plan.next_review == "2025-11-12"
    assert plan.get("Agenda", "Next Review") is not None
    assert [m.line for m in plan.milestones][:1] == [10] or plan.milestones
    assert len(plan.risks) >= 2 and all(r.mitigation for r in plan.risks)
    assert plan.risks[-1].line == 20  # the "risk: mitigation" variant


def test_overview_blocks_and_the_plan_after_the_rule() -> None:
    repo = load_repo(EARLY, Config())
    ov = repo.overview
    assert [(b.task_id, b.line) for b in ov.blocks] == [("0220", 3), ("0440", 9)]
    assert ov.split_line == 16
    pending = ov.blocks[0].get("Run Manifest Link")
    assert pending.pending
    assert ov.blocks[1].tasks_sections == ["0440"]
    # the full plan after `---` belongs to the task it names
    assert repo.tasks["0110-cache-warmup"].plan is ov.plan
    assert ov.plan.next_review == "2025-11-10"
    assert repo.tasks["0220-queue-retry"].overview is ov.blocks[0]


def test_2026_template_numbered_checkbox_milestones_and_approvals() -> None:
    repo = load_repo(LATE, Config())
    assert repo.tasks["1201-ledger-compaction"].plan.template == "status-snapshot"
    plan = repo.tasks["1240-lint-baseline-refresh"].plan
    assert plan.template == "readiness-2026"
    assert plan.milestones and all(m.checked is not None for m in plan.milestones)
    assert plan.get("Reviewer") is not None
    assert plan.items  # numbered checkbox milestones are the plan's own items
    assert plan.risks[0].risk == "a removed suppression hides a real regression"
    assert plan.risks[0].mitigation.startswith("the diagnostics run")


def test_pending_flag_and_unknown_labels_are_kept() -> None:
    text = (
        "# Action Plan — X (Task 0101)\n\n## Status Snapshot\n"
        "- Current Phase: Planning\n"
        "- Run Manifest Link: _(pending — capture the first run)_\n"
        "- Mirror updates required: yes\n\n"
        "## Next Review\n- Date: TBD\n- Agenda: walk through risks\n"
    )
    plan = parse_plan("docs/ACTION_PLAN-x.md", build_outline(text))
    assert plan.current_phase == "Planning"
    assert plan.pending
    assert plan.get("Mirror updates required").value == "yes"
    assert plan.next_review is None


def test_overview_without_rule_has_no_embedded_plan() -> None:
    text = "# Overview\n\n## Task 0101 — A\n- Primary Doc: `docs/ACTION_PLAN-a.md`\n"
    ov = parse_overview("docs/ACTION_PLAN.md", text.split("\n"), build_outline(text))
    assert ov.plan is None and ov.blocks[0].get("Primary Doc").paths[0].raw == "docs/ACTION_PLAN-a.md"
