"""Task keys (conventions §1.3/§1.4) and the registry parser."""

from __future__ import annotations

import json

import pytest

from sync.errors import InputError
from sync.keys import derive_key, key_from_path, run_dir_belongs, stem, task_key, valid_task_id
from sync.parse.registry import is_terminal, parse_registry, status_key


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"id": "0303", "slug": "0303-orchestrator-autonomy"}, "0303-orchestrator-autonomy"),  # rule 1
        ({"id": "0202", "slug": "orchestrator-hardening"}, "0202-orchestrator-hardening"),  # rule 2
        ({"slug": "design-reference-pipeline"}, "design-reference-pipeline"),  # rule 3
        (  # rule 4 beats rule 5: the dated id abbreviates the slug
            {"id": "20260106-0939-perf-reliability-loop-2",
             "paths": {"task": "tasks/tasks-0939-orchestrator-performance-reliability-loop-2.md"}},
            "0939-orchestrator-performance-reliability-loop-2",
        ),
        ({"id": "20260101-x", "relates_to": "tasks/specs/linear-abc.md"}, "linear-abc"),
        ({"id": "20260101-x", "paths": {"agent_task": ".agent/task/co-12-y.md"}}, "co-12-y"),
        ({"id": "20260301-1234-some-slug"}, "1234-some-slug"),  # rule 5
        ({"id": "linear-0c1d"}, "linear-0c1d"),  # rule 6
        ({"id": "bad id!"}, None),
        ({}, None),
    ],
)
def test_derive_key_follows_normalize_task_key(row: dict, expected: str | None) -> None:
    assert derive_key(row) == expected


def test_explicit_task_key_wins_over_derivation() -> None:
    row = {"id": "20260617-linear-co-594", "slug": "co-594-consolidation", "task_key": "linear-co-594"}
    assert derive_key(row) == "20260617-linear-co-594-co-594-consolidation"
    assert task_key(row) == "linear-co-594"


def test_key_from_path_and_stem() -> None:
    assert key_from_path("./tasks/tasks-0101-x.md") == "0101-x"
    assert key_from_path(".agent/task/linear-1.md") == "linear-1"
    assert key_from_path("tasks/0101-prd-x.md") is None
    assert stem("1315-coordinator-x") == "coordinator-x"
    assert stem("linear-abc") == "linear-abc"


def test_run_dir_ownership_and_task_id_sanitising() -> None:
    assert run_dir_belongs("0101-x", "0101-x")
    assert run_dir_belongs("0101-x-docs-review", "0101-x")
    assert not run_dir_belongs("0101-xy", "0101-x")
    assert valid_task_id("0303-orchestrator-autonomy")
    for bad in ("", "../x", "a/b", "a\\b", ".hidden", "a\x07b", "a:b", "a..b"):
        assert not valid_task_id(bad), bad


def test_status_vocabulary_folds_spellings() -> None:
    assert status_key("In-Progress") == status_key("in_progress") == "in_progress"
    assert is_terminal("Completed") and is_terminal("cancelled") and is_terminal("merged")
    assert not is_terminal("in-progress") and not is_terminal(None)


def test_registry_rows_carry_their_line() -> None:
    text = json.dumps(
        {"items": [{"id": "0101", "slug": "a"}, {"id": "0202", "slug": "0202-b", "status": "done"}], "specs": []},
        indent=2,
    )
    reg = parse_registry("tasks/index.json", text)
    assert [(r.key, r.line) for r in reg.rows] == [("0101-a", 3), ("0202-b", 7)]
    assert text.split("\n")[6].strip() == "{"


def test_registry_invalid_json_names_the_line() -> None:
    with pytest.raises(InputError) as err:
        parse_registry("tasks/index.json", '{\n  "items": [\n    {"id": 1,}\n  ]\n}\n')
    assert err.value.line == 3
    assert "invalid JSON" in err.value.message


def test_registry_reports_non_canonical_top_level_keys() -> None:
    reg = parse_registry("tasks/index.json", '{"items": [], "extra": 1}')
    assert reg.extra_keys == ["extra"]
