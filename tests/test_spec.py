"""Spec front matter: the fast path agrees with ruamel.yaml; spec-guard's line rule as fallback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sync.config import Config
from sync.parse.spec import WANTED, _as_text, fast_front_matter, front_matter_bounds, parse_spec, yaml_front_matter
from sync.repo import load_repo

from conftest import CORPUS_LATE, LATE, needs_corpus


def test_fixture_specs() -> None:
    repo = load_repo(LATE, Config())
    specs = {t.key: t.spec for t in repo.tasks.values() if t.spec}
    invalid = specs["linear-b07e5d22-41a9-4f3c-8e6d-91c4a7f2d058"]
    assert invalid.last_review == "2026-05-15"  # front matter that is not YAML is still read
    assert invalid.yaml_error is None  # YAML was never needed: the wanted keys are plain scalars
    stale = specs["co-412-cache-budget-audit"]
    assert stale.last_review_line == 3 and stale.last_review_date < dt.date(2026, 5, 2)
    assert any(s.inactive for s in specs.values())
    assert specs["1150-snapshot-pruning"].archived


def test_spec_without_front_matter_uses_the_first_last_review_line() -> None:
    spec = parse_spec("tasks/specs/a.md", ["# Spec", "", "last_review: 2026-01-02", "status: done"])
    assert (spec.front_matter, spec.last_review, spec.last_review_line, spec.status) == (
        False, "2026-01-02", 3, None)


def test_invalid_yaml_is_reported_when_yaml_must_decide() -> None:
    lines = ["---", "title: >", "  folded", "notes:", "  - a: b: c", "---", "", "last_review: 2026-01-09"]
    spec = parse_spec("s.md", lines)
    assert spec.yaml_error and spec.yaml_error_line == 5
    assert spec.last_review == "2026-01-09"


def test_quoted_and_dated_values() -> None:
    lines = ["---", "id: x", "last_review: '2026-02-03'", 'status: "active"', "review_cadence_days: 14", "---"]
    spec = parse_spec("s.md", lines)
    assert (spec.last_review, spec.status, spec.cadence_days) == ("2026-02-03", "active", 14)


@needs_corpus
def test_fast_path_agrees_with_ruamel_on_every_valid_corpus_spec() -> None:
    checked = 0
    for path in sorted((CORPUS_LATE / "tasks" / "specs").glob("*.md")):
        lines = path.read_text(encoding="utf-8").split("\n")
        bounds = front_matter_bounds(lines)
        if not bounds:
            continue
        try:
            reference = yaml_front_matter(lines, bounds)
        except Exception:
            continue  # not YAML: the line rule applies, covered above
        fast, _where, needs_yaml = fast_front_matter(lines, bounds)
        for key in WANTED:
            if key in fast:
                assert fast[key] == _as_text(reference.get(key)), (path.name, key)
            elif key in reference and not needs_yaml:
                raise AssertionError(f"{path.name}: fast path missed {key}")
        checked += 1
    assert checked > 100


def test_parse_spec_handles_complex_values_through_ruamel(tmp_path: Path) -> None:
    lines = ["---", "title: >", "  folded title", "last_review: 2026-03-04", "---"]
    spec = parse_spec("s.md", lines)
    assert spec.title == "folded title\n" or spec.title == "folded title"
    assert spec.last_review == "2026-03-04"
