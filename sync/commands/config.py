"""``tasksync config``: the effective configuration (defaults merged with .tasksync.yaml)."""

from __future__ import annotations

import io
from pathlib import Path

import click

from sync.commands.common import dump_json, resolve_root, root_argument
from sync.config import CONFIG_NAME, load_config


@click.command("config")
@root_argument
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
def command(root: Path, fmt: str) -> None:
    """Print the effective configuration of ROOT (default: the current directory)."""
    root = resolve_root(root)
    config = load_config(root)
    data = config.to_json()
    if fmt == "json":
        click.echo(dump_json(data))
        return
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.default_flow_style = False
    buf = io.StringIO()
    source = CONFIG_NAME if (root / CONFIG_NAME).is_file() else "defaults (no .tasksync.yaml)"
    buf.write(f"# effective configuration of {root} — from {source}\n")
    yaml.dump(data, buf)
    click.echo(buf.getvalue(), nl=False)
