"""``.tasksync.yaml``: every key optional, defaults follow the conventions.

ruamel.yaml is imported only when the file exists, so a repo that follows the
conventions pays nothing for configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from sync.errors import ConfigError

CONFIG_NAME = ".tasksync.yaml"
SEVERITIES = ("error", "warning", "info", "off")


@dataclass(frozen=True)
class Config:
    """The effective configuration; field docs are printed by ``tasksync config``."""

    #: canonical checklist of task ``{key}``
    canonical: str = "tasks/tasks-{key}.md"
    #: globs that find canonical checklists
    checklists: tuple[str, ...] = ("tasks/tasks-*.md",)
    #: globs of legacy checklists (no ``tasks-`` prefix); PRDs (``*-prd-*``) are skipped
    legacy_checklists: tuple[str, ...] = ("tasks/*.md",)
    #: agent mirror of task ``{key}``
    agent_mirror: str = ".agent/task/{key}.md"
    #: globs that find agent mirrors
    agent_mirrors: tuple[str, ...] = (".agent/task/*.md",)
    #: globs of action plans
    action_plans: tuple[str, ...] = ("docs/ACTION_PLAN*.md",)
    #: the action-plan overview (per-task blocks before the first ``---``)
    plan_overview: str = "docs/ACTION_PLAN.md"
    #: per-task plan names tried for a task (``{key}`` and ``{stem}``: key minus ``NNNN-``)
    plan_names: tuple[str, ...] = ("docs/ACTION_PLAN-{stem}.md", "docs/ACTION_PLAN-{key}.md")
    #: globs of specs with ``last_review`` front matter
    specs: tuple[str, ...] = ("tasks/specs/*.md",)
    #: the task registry
    index: str = "tasks/index.json"
    #: the snapshot file mirrored per task
    tasks_md: str = "docs/TASKS.md"
    #: line-budget policy of ``docs/TASKS.md``
    tasks_policy: str = "docs/tasks-archive-policy.json"
    #: override the policy's ``max_lines`` (null: use the policy file, else 450)
    tasks_max_lines: int | None = None
    #: override the policy's ``reserve_lines`` (null: use the policy file, else 10)
    tasks_reserve_lines: int | None = None
    #: run evidence root
    runs_dir: str = ".runs"
    #: report root
    out_dir: str = "out"
    #: pipelines file
    pipelines: str = "codex.orchestrator.json"
    #: review cadence of specs without ``review_cadence_days``
    spec_cadence_days: int = 30
    #: directory of user templates overriding the defaults (relative to the root)
    templates: str | None = None
    #: files larger than this are reported and skipped
    max_file_bytes: int = 16 * 1024 * 1024
    #: per-rule severity (``error``/``warning``/``info``) or ``off``, by id or name
    rules: dict[str, str] = field(default_factory=dict)

    @property
    def shared_files(self) -> tuple[str, ...]:
        """Files every task's check reads besides its own documents."""
        return (self.tasks_md, self.index, self.plan_overview, self.tasks_policy, CONFIG_NAME)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


def _describe(value: Any) -> str:
    return type(value).__name__ if value is not None else "null"


def _coerce(name: str, value: Any, default: Any, where: tuple[str, int | None]) -> Any:
    path, line = where
    if isinstance(default, tuple):
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ConfigError(f"key '{name}' must be a list of strings, got {_describe(value)}", path=path, line=line)
    if isinstance(default, dict):
        if not isinstance(value, dict):
            raise ConfigError(f"key '{name}' must be a mapping, got {_describe(value)}", path=path, line=line)
        out: dict[str, str] = {}
        for k, v in value.items():
            sev = "off" if v is False else v
            if not isinstance(sev, str) or sev not in SEVERITIES:
                raise ConfigError(
                    f"rules.{k} must be one of {', '.join(SEVERITIES)}, got {v!r}", path=path, line=line
                )
            out[str(k)] = sev
        return out
    if name in ("tasks_max_lines", "tasks_reserve_lines", "spec_cadence_days", "max_file_bytes"):
        if value is None and default is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(
                f"key '{name}' must be a non-negative integer, got {_describe(value)}", path=path, line=line
            )
        return value
    if value is None and default is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"key '{name}' must be a string, got {_describe(value)}", path=path, line=line)
    return value


def parse_config(text: str, path: str = CONFIG_NAME) -> Config:
    """Validate YAML ``text``; unknown keys and wrong types raise :class:`ConfigError`."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="rt").load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"invalid YAML: {problem}", path=path, line=line) from None
    if data is None:
        return Config()
    if not isinstance(data, dict):
        raise ConfigError("top level must be a mapping", path=path, line=1)
    defaults = {f.name: f for f in fields(Config)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = _line_of(data, key, None)
        if key not in defaults:
            known = ", ".join(sorted(defaults))
            raise ConfigError(f"unknown key '{key}' (known keys: {known})", path=path, line=line)
        f = defaults[key]
        default: Any = {} if f.name == "rules" else f.default
        if isinstance(value, dict) and f.name == "rules":
            merged: dict[str, str] = {}
            for sub in value:
                merged |= _coerce(key, {sub: _plain(value[sub])}, default, (path, _line_of(value, sub, line)))
            values[key] = merged
            continue
        values[key] = _coerce(key, _plain(value), default, (path, line))
    return Config(**values)


def _line_of(mapping: Any, key: Any, fallback: int | None) -> int | None:
    try:
        return int(mapping.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return fallback


def _plain(value: Any) -> Any:
    """ruamel round-trip containers to plain Python values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def load_config(root: Path) -> Config:
    """The config of ``root``: defaults when ``.tasksync.yaml`` is absent."""
    cfg_path = root / CONFIG_NAME
    if not cfg_path.is_file():
        return Config()
    try:
        text = cfg_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=CONFIG_NAME) from None
    return parse_config(text, CONFIG_NAME)
