"""Checklist items in every format of conventions §2, on the fixture repos and on inline docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.config import Config
from sync.outline import build_outline
from sync.parse.checklist import extract_items, is_stub, might_be_stub, normalise_title
from sync.repo import load_checklist, load_repo

from conftest import EARLY, LATE


def items_of(text: str, key: str | None = None):
    outline = build_outline(text)
    return extract_items("doc.md", outline, key=key, lines=text.split("\n"))


@pytest.fixture(scope="module")
def early():
    return load_repo(EARLY, Config())


@pytest.fixture(scope="module")
def late():
    return load_repo(LATE, Config())


# (file, items, checked, item lines) from fixtures/README.md
EARLY_COUNTS = [
    ("0110-cache-warmup", "canonical", 9, 8, [6, 7, 10, 11, 14, 15, 17, 18, 19]),
    ("0220-queue-retry", "canonical", 8, 7, [6, 7, 10, 11, 12, 15, 16, 17]),
    ("0330-token-export", "canonical", 6, 4, [6, 7, 10, 11, 14, 15]),
    ("0440-palette-snapshot", "canonical", 6, 6, [6, 7, 10, 11, 12, 15]),
    ("0110-cache-warmup", "agent", 9, 8, [15, 19, 24, 28, 33, 37, 42, 46, 50]),
    ("0220-queue-retry", "agent", 8, 7, [15, 18, 23, 27, 31, 36, 40, 44]),
    ("0330-token-export", "agent", 6, 4, [15, 18, 24, 28, 34, 38]),
    ("0440-palette-snapshot", "agent", 4, 4, [16, 19, 22, 25]),
]


@pytest.mark.parametrize(("key", "which", "total", "checked", "lines"), EARLY_COUNTS)
def test_early_item_counts(early, key: str, which: str, total: int, checked: int, lines: list[int]) -> None:
    doc = getattr(early.tasks[key], which)
    assert [i.line for i in doc.items] == lines
    assert (len(doc.items), doc.done) == (total, checked)


def test_subtask_blocks_take_title_from_subtask_and_evidence_from_acceptance(early) -> None:
    items = early.tasks["0220-queue-retry"].agent.items
    diag = next(i for i in items if i.title == "Diagnostics")
    assert diag.form == "status" and diag.checked
    assert diag.parent_line == 33 and diag.line == 36
    assert diag.groups[-1] == "Verification & Rollout"  # the bold numbered group, by position
    assert diag.manifests == [".runs/0220-queue-retry/cli/2025-11-04T16-02-10-774Z-c0d3e8f5/manifest.json"]


def test_over_indented_status_line_is_read_by_position_and_flagged(early) -> None:
    items = early.tasks["0220-queue-retry"].agent.items
    guard = next(i for i in items if i.line == 40)
    assert guard.title == "Guardrail commands" and guard.checked
    assert guard.note and "position" in guard.note


def test_design_reference_mirror_reads_manifest_inside_backticked_status(early) -> None:
    items = early.tasks["0330-token-export"].agent.items
    assert items[1].line == 18 and items[1].title
    assert items[1].evidence[0].kind == "run-manifest"
    assert not items[0].checked


def test_bare_status_lines(early) -> None:
    items = early.tasks["0440-palette-snapshot"].agent.items
    assert [i.line for i in items] == [16, 19, 22, 25]
    assert all(i.form == "status" and i.checked for i in items)


def test_heading_less_trailing_group_is_a_new_segment(early) -> None:
    items = early.tasks["0110-cache-warmup"].canonical.items
    by_line = {i.line: i for i in items}
    assert by_line[15].group == by_line[17].group == "Output Limits"
    assert by_line[17].segment == by_line[15].segment + 1
    assert [by_line[n].ordinal for n in (14, 15, 17, 18, 19)] == [1, 2, 3, 4, 5]


def test_duplicate_titles_get_occurrences(early) -> None:
    items = items_of(
        "## G\n- [x] Artifact set mirrored\n- [ ] Other\n- [x] Artifact set mirrored.\n## H\n- [x] Other\n"
    )
    assert [(i.norm, i.occurrence) for i in items] == [
        ("artifact set mirrored", 1), ("other", 1), ("artifact set mirrored", 2), ("other", 1)]
    fixture = early.tasks["0440-palette-snapshot"].canonical.items
    a, b = (next(i for i in fixture if i.line == n) for n in (10, 11))
    assert b.norm.startswith(a.norm.split(" — ")[0])


def test_parent_tasks_template_identity_includes_parent_line(late) -> None:
    items = late.tasks["linear-3f6c2a91-8d4e-4b7a-9c15-2e7d0a6b8f43"].canonical.items
    status = [i for i in items if i.form == "status"]
    assert [i.line for i in status] == [17, 21, 25]
    assert len({i.parent for i in status}) == 3
    assert all(i.text.startswith("Status: Complete") for i in status)


def test_nested_numbered_and_code_table_html_in_late_checklist(late) -> None:
    doc = late.tasks["1201-ledger-compaction"].canonical
    forms = {i.line: i.form for i in doc.items}
    assert forms[19] == forms[20] == forms[21] == "numbered"
    assert {forms[n] for n in (30, 31, 32)} <= {"flat", "nested"}
    assert "nested" in {forms[n] for n in (30, 31, 32)}
    lines = {i.line for i in doc.items}
    assert not lines & set(range(8, 11))  # fake item in an HTML comment
    assert not lines & set(range(37, 42))  # fake items in a fence
    assert doc.engine == "markdown-it"  # a fence: the scanner declined


def test_crlf_bom_and_front_matter_files_parse(late) -> None:
    agent = late.tasks["1240-lint-baseline-refresh"].agent
    assert agent.crlf and len(agent.items) == 7
    bom = late.tasks["linear-b07e5d22-41a9-4f3c-8e6d-91c4a7f2d058"].canonical
    assert bom.bom and bom.title.startswith("CO-318")
    fm = late.tasks["co-412-cache-budget-audit"].canonical
    assert fm.items and fm.items[0].line == 14


def test_quoted_stub_marker_is_not_a_stub_but_a_real_one_is(late) -> None:
    assert not late.tasks["linear-co-777"].archived
    assert late.tasks["1150-snapshot-pruning"].archived
    assert late.tasks["1150-snapshot-pruning"].canonical.items == []


def test_not_items_code_blockquote_backticks() -> None:
    text = (
        "# T\n\n> Flip `[ ]` to `[x]` only with a manifest.\n\n"
        "```\n- [x] fake\n```\n\n"
        "    - [ ] indented code\n\n"
        "- Note about `[x]` in backticks\n"
        "- [x] real one. Evidence: `docs/a.md`\n"
        "> - [ ] quoted task\n"
    )
    items = items_of(text)
    assert [(i.line, i.title) for i in items] == [(12, "real one")]


def test_legacy_group_rows() -> None:
    text = "## Checklist Mirror\n- Docs Sync — `[x]` Collateral ties to manifest; Evidence: `docs/a.md`.\n"
    (item,) = items_of(text)
    assert item.form == "legacy-row" and item.checked
    assert item.groups == ("Checklist Mirror", "Docs Sync")
    assert item.title == "Collateral ties to manifest"
    assert item.evidence[0].kind == "repo-path"


def test_repeated_status_children_under_numbered_parents() -> None:
    text = (
        "## Parent Tasks\n"
        "1. Register packet.\n   - Files: `a.md`\n   - [x] Status: Complete. Evidence: `docs/a.md`.\n"
        "2. Wire checker.\n   - [ ] Status: Pending.\n"
    )
    items = items_of(text)
    assert [(i.title, i.checked, i.parent_line) for i in items] == [
        ("Register packet.", True, 2), ("Wire checker.", False, 5)]
    assert items[0].evidence[0].raw == "docs/a.md"


def test_normalise_title_and_self_paths() -> None:
    assert normalise_title("  **Lint**  `passes`. ") == "lint passes"
    assert normalise_title("Checklist mirrored from `tasks/tasks-k1.md`", "k1") == "checklist mirrored from <mirror>"


def test_stub_detection_needs_the_marker_on_its_own_line_outside_code(tmp_path: Path) -> None:
    stub = "# T\n\n<!-- docs-archive:stub -->\n> Archived on 2026-01-01. Full content: x\n"
    quoted = "# T\n\n- [x] the marker `<!-- docs-archive:stub -->` is quoted\n"
    fenced = "# T\n\n```\n<!-- docs-archive:stub -->\n```\n"
    for text, expected in ((stub, True), (quoted, False), (fenced, False)):
        outline = build_outline(text)
        assert might_be_stub(text)
        assert is_stub(outline, text.split("\n")) is expected


def test_load_checklist_reports_bad_utf8(tmp_path: Path) -> None:
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "tasks-a.md").write_bytes(b"# T\n\n- [x] ok\n- [ ] bad \xff byte\n")
    repo = load_repo(tmp_path, Config())
    assert load_checklist(repo, "tasks/tasks-a.md", "a") is None
    (diag,) = repo.diagnostics
    assert (diag.path, diag.line) == ("tasks/tasks-a.md", 4)
    assert "UTF-8" in diag.message
