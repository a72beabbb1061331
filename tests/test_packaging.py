"""Packaging: every package of ``sync/`` ships, and so do the schema and the templates."""

from __future__ import annotations

import tomllib

from conftest import PROJECT


def test_every_subpackage_is_listed_in_pyproject() -> None:
    config = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(path.parent.relative_to(PROJECT).parts)
        for path in (PROJECT / "sync").rglob("__init__.py")
        if "__pycache__" not in path.parts
    }
    assert found <= listed, f"add to pyproject packages: {sorted(found - listed)}"
    assert "sync.templates" in listed
    assert config["tool"]["setuptools"]["package-dir"]["sync.templates"] == "templates"
    assert "*.json" in config["tool"]["setuptools"]["package-data"]["sync.schemas"]
