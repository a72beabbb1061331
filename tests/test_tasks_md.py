"""docs/TASKS.md in its three eras."""

from __future__ import annotations

import pytest

from sync.config import Config
from sync.outline import build_outline
from sync.parse.tasks_md import count_lines, parse_header, parse_tasks_md
from sync.repo import load_repo

from conftest import EARLY, LATE


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Orchestrator Resilience Hardening (0202)", ("Orchestrator Resilience Hardening", "0202", None, None)),
        ("Design Reference (0401-design-reference)", ("Design Reference", "0401-design-reference", None, None)),
        ("Orchestrator Workspace", ("Orchestrator Workspace", None, None, None)),
        (
            "Context Alignment Checker (Option 2) (0976-context-alignment) - Update 2026-03-01: did (a) and (b).",
            ("Context Alignment Checker (Option 2)", "0976-context-alignment", "Update", "2026-03-01"),
        ),
        (
            "CO-594 consolidate (20260617-linear-co-594-co-594-consolidation) - Docs Packet 2026-06-17: x (y)",
            ("CO-594 consolidate", "20260617-linear-co-594-co-594-consolidation", "Docs Packet", "2026-06-17"),
        ),
        ("Batch (1312-1316) - Rework Update 2026-04-02: z", ("Batch", "1312-1316", "Rework Update", "2026-04-02")),
    ],
)
def test_header_key_is_last_parenthesis_before_the_kind(header: str, expected: tuple) -> None:
    assert parse_header(header) == expected


def test_line_budget_counts_like_docs_check() -> None:
    assert count_lines("a\nb\n") == 2
    assert count_lines("a\nb") == 2
    assert count_lines("") == 0


def test_early_sections_managed_and_orphan_blocks() -> None:
    repo = load_repo(EARLY, Config())
    doc = repo.tasks_doc
    assert [(b.key, b.begin, b.end) for b in doc.managed] == [
        ("0220-queue-retry", 36, 53), ("0440-palette-snapshot", 72, 87)]
    t0220 = repo.tasks["0220-queue-retry"].snapshots
    assert [s.line for s in t0220] == [30] and t0220[0].managed  # bare id (0220) resolves
    assert [i.line for i in t0220[0].items] == [41, 42, 45, 46, 47, 50, 51, 52]
    # the orphan block is attributed by its marker key, not to 0110 whose section it follows
    t0440 = repo.tasks["0440-palette-snapshot"].snapshots
    assert [s.line for s in t0440] == [72]
    assert [i.line for i in t0440[0].items] == [77, 78, 81, 82, 83, 86]
    t0110 = repo.tasks["0110-cache-warmup"].snapshots
    assert [i.form for i in t0110[0].items] == ["legacy-row"] * 4
    assert [s.title for s in repo.unattributed] == ["Build Workspace"]
    assert all(s.era == "full" for s in doc.snapshots if s.raw_key)


def test_late_single_line_snapshots_ranges_and_archive_index() -> None:
    repo = load_repo(LATE, Config())
    doc = repo.tasks_doc
    assert doc.archive_index_line == 8
    assert [s.line for s in repo.tasks["1201-ledger-compaction"].snapshots] == [3, 6]
    (rng,) = repo.unattributed
    assert rng.raw_key == "1201-1205" and rng.is_range
    b07e = repo.tasks["linear-b07e5d22-41a9-4f3c-8e6d-91c4a7f2d058"].snapshots[0]
    assert b07e.title.endswith("(Option 2)") and b07e.era == "line"
    # the long normalizeTaskKey form of CO-777 attributes to the task_key task
    assert repo.tasks["linear-co-777"].snapshots[0].line == 1
    condensed = repo.tasks["1150-snapshot-pruning"].snapshots[0]
    assert condensed.era == "condensed" and [i.line for i in condensed.items] == [11, 12, 13, 14]


def test_mismatched_docs_sync_markers_are_reported() -> None:
    text = (
        "# Task List Snapshot — A (0101)\n\n<!-- docs-sync:begin 0101-a -->\n- [x] a\n"
        "<!-- docs-sync:end 0202-b -->\n"
    )
    doc = parse_tasks_md("docs/TASKS.md", text, build_outline(text))
    assert {line for line, _ in doc.problems} == {3, 5}
