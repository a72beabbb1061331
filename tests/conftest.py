"""Shared paths and helpers for the test suite."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from sync.cli import cli

PROJECT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT / "fixtures"
EARLY = FIXTURES / "early"
LATE = FIXTURES / "late"
CORPUS = PROJECT.parent / "shared" / "corpus"
CORPUS_EARLY = CORPUS / "co-2025-11-10"
CORPUS_LATE = CORPUS / "co-2026-06-17"

needs_corpus = pytest.mark.skipif(not CORPUS_LATE.is_dir(), reason="../shared/corpus is not present")


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)


def run(*args: str) -> Result:
    """Invoke the CLI in-process; stdout and stderr are kept apart."""
    runner = CliRunner()
    res = runner.invoke(cli, list(args), catch_exceptions=False)
    return Result(res.exit_code, res.stdout, res.stderr)


@pytest.fixture
def late_copy(tmp_path: Path) -> Path:
    """A writable copy of the late fixture repo."""
    dest = tmp_path / "late"
    shutil.copytree(LATE, dest, symlinks=True)
    return dest


@pytest.fixture
def early_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "early"
    shutil.copytree(EARLY, dest, symlinks=True)
    return dest
