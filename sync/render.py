"""Rendering generated text through Jinja templates (sandboxed, strict, deterministic).

Templates live in ``templates/`` (shipped as the ``sync.templates`` package data); a file
of the same name in the directory that ``templates:`` in ``.tasksync.yaml`` names wins.
Jinja is imported only here, and only ``tasksync sync`` renders.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from sync.errors import ConfigError


def _oneline(text: str) -> str:
    return " ".join(str(text).split())


def _code(text: str) -> str:
    return f"`{text}`"


def _loc(location: dict) -> str:
    """``path:line`` of a finding or related location (``path`` alone without a line)."""
    return f"{location['path']}:{location['line']}" if location.get("line") else str(location["path"])


@lru_cache(maxsize=8)
def environment(user_dir: str | None) -> Any:
    from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, select_autoescape
    from jinja2.sandbox import SandboxedEnvironment

    loaders = []
    if user_dir:
        if not Path(user_dir).is_dir():
            raise ConfigError(f"templates directory {user_dir!r} does not exist", path=".tasksync.yaml")
        loaders.append(FileSystemLoader(user_dir))
    loaders.append(FileSystemLoader(str(files("sync.templates"))))
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html.j2", "html"), default_for_string=False,
                                     default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["oneline"] = _oneline
    env.filters["code"] = _code
    env.filters["loc"] = _loc
    return env


def render_text(user_dir: str | None, name: str, **context: Any) -> str:
    """The template's whole output (agendas)."""
    from jinja2 import TemplateError

    try:
        return str(environment(user_dir).get_template(name).render(**context))
    except TemplateError as exc:
        where = getattr(exc, "filename", None) or name
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"template error: {exc.__class__.__name__}: {exc}", path=where, line=line) from None


def render(user_dir: str | None, name: str, **context: Any) -> list[str]:
    """The template's output as lines (no trailing empty line)."""
    text = render_text(user_dir, name, **context)
    lines = text.split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def template_setting(user_dir: str | None, name: str, setting: str, default: str) -> str:
    """A ``{% set setting = ... %}`` of a template, e.g. where a new region is placed."""
    module = environment(user_dir).get_template(name).make_module({"task": None})
    return str(getattr(module, setting, default))
