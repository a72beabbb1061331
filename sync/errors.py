"""Error and diagnostic types shared by every stage.

Fatal problems raise :class:`TasksyncError` subclasses carrying their exit code; problems
with one input file become :class:`Diagnostic` values so the rest of the repo is still
reported.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class TasksyncError(Exception):
    """A fatal error with a message meant for the user."""

    exit_code = EXIT_INTERNAL

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"


class UsageError(TasksyncError):
    """Bad command line or configuration (exit 2)."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """Invalid ``.tasksync.yaml`` (exit 2)."""


class InputError(TasksyncError):
    """One input file cannot be used; callers turn it into a :class:`Diagnostic`."""

    exit_code = EXIT_FINDINGS


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem with an input file that did not stop the run."""

    path: str
    message: str
    line: int | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "severity": self.severity, "message": self.message}

    @classmethod
    def from_error(cls, err: TasksyncError, path: str) -> Diagnostic:
        return cls(err.path or path, err.message, err.line)
