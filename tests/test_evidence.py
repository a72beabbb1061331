"""Evidence references: splitting at the separator and classifying each reference."""

from __future__ import annotations

import pytest

from sync.parse.evidence import classify, extract, split_evidence

RUN = "2025-11-04T01-59-37-568Z-8065982c"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Lint passes. Evidence: `x`", "Lint passes"),
        ("Lint passes - Evidence: `x`", "Lint passes"),
        ("Lint passes — Evidence: `x`", "Lint passes"),
        ("Lint passes; Evidence: `x`", "Lint passes"),
        ("Lint passes (Evidence: `x`)", "Lint passes"),
        ("Lint passes Evidence: `x`", "Lint passes"),
        ("Lint passes; evidence: `x`", "Lint passes"),
        ("No separator here `x`", "No separator here `x`"),
    ],
)
def test_split_at_every_separator(text: str, title: str) -> None:
    assert split_evidence(text)[0] == title


@pytest.mark.parametrize(
    ("raw", "kind", "reason"),
    [
        (f".runs/0303-x/cli/{RUN}/manifest.json", "run-manifest", None),
        (f".runs/0303-x-docs-review/cli/{RUN}/manifest.json", "run-manifest", None),
        (f".runs/0303-x/cli/{RUN}/review/telemetry.json", "run-artifact", None),
        (".runs/0303-x/metrics.json", "run-aggregate", None),
        ("out/0303-x/state.json", "run-aggregate", None),
        ("out/0303-x/runs.json", "run-aggregate", None),
        ("out/0303-x/report.json", "out-file", None),
        ("docs/PRD-x.md", "repo-path", None),
        ("npm run lint", "prose", None),
        ("PR #639", "prose", None),
        (".runs/0303-x/cli/<run-id>/manifest.json", "malformed", "placeholder"),
        ("<manifest-path>", "malformed", "placeholder"),
        (".runs/0303-x/cli/*/manifest.json", "malformed", "glob or ellipsis"),
        (".runs/0303-x/cli/.../manifest.json", "malformed", "glob or ellipsis"),
        (f"/Users/me/repo/.runs/0303-x/cli/{RUN}/manifest.json", "malformed", "absolute path"),
        (f"../../.runs/0303-x/cli/{RUN}/review/telemetry.json", "malformed", "parent-directory (..) path"),
        (".runs/0303-x/manual/x/manifest.json", "malformed", "no cli/ segment"),
        (".runs/0303-x/cli/2025-11-03T18-00-00Z/manifest.json", "malformed", "non-canonical run id"),
    ],
)
def test_classify(raw: str, kind: str, reason: str | None) -> None:
    ev = classify(raw)
    assert (ev.kind, ev.reason) == (kind, reason)


def test_manifest_of_an_artifact_is_its_runs_manifest() -> None:
    ev = classify(f".runs/0303-x/cli/{RUN}/review/telemetry.json")
    assert ev.manifest == f".runs/0303-x/cli/{RUN}/manifest.json"
    assert classify("docs/x.md").manifest is None


def test_extract_backticked_bare_and_embedded_paths() -> None:
    text = (
        f"`.runs/a/cli/{RUN}/manifest.json`, tests `tests/a.test.ts` and "
        f".runs/b/cli/{RUN}/manifest.json plus `Completed — .runs/c/cli/{RUN}/manifest.json`"
    )
    got = [(e.kind, e.task_dir) for e in extract(text)]
    assert got == [
        ("run-manifest", "a"),
        ("repo-path", None),
        ("run-manifest", "c"),
        ("run-manifest", "b"),
    ]


def test_prose_only_evidence_is_kept_as_prose() -> None:
    refs = extract(" 351 files / 4747 tests passed, PR #639.")
    assert [(e.kind, e.raw) for e in refs] == [("prose", "351 files / 4747 tests passed, PR #639.")]
    assert extract("  ") == []
