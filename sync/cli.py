"""The ``tasksync`` command line: a click group whose subcommands import lazily.

Each command lives in ``sync/commands/<name>.py`` and is imported only when invoked, so
``tasksync --help`` and the pre-commit path never pay for Jinja, jsonschema or git.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import sys
from typing import Any, NoReturn

# A run builds one model and drops nothing until exit: collect the young generation rarely (as
# mypy does) instead of every 700 allocations.  Set before the imports below, which allocate too.
gc.set_threshold(200_000, 30, 30)

import click  # noqa: E402

from sync import __version__  # noqa: E402
from sync.errors import EXIT_CLEAN, EXIT_INTERNAL, TasksyncError  # noqa: E402

COMMANDS: dict[str, tuple[str, str]] = {
    "agenda": ("sync.commands.agenda", "Write a review agenda from the facts (md, json or html)."),
    "check": ("sync.commands.check", "Link ticked items to run evidence, reconcile mirrors, report drift."),
    "run": ("sync.commands.run", "Run a pipeline of codex.orchestrator.json and record its evidence in .runs/."),
    "status": ("sync.commands.status", "One row per task: items done, latest run, registry status, mirrors."),
    "sync": ("sync.commands.sync_cmd", "Rewrite owned regions and item lines so mirrors agree with the canonical."),
    "config": ("sync.commands.config", "Print the effective configuration."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(COMMANDS[cmd_name][0])
        command: click.Command = module.command
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Map tasksync errors to their exit codes; never show users a bare traceback."""
        try:
            return super().invoke(ctx)
        except TasksyncError as err:
            click.echo(f"tasksync: error: {err}", err=True)
            ctx.exit(err.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("tasksync: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:
            click.echo(f"tasksync: internal error: {exc.__class__.__name__}: {exc}", err=True)
            if os.environ.get("TASKSYNC_DEBUG"):
                import traceback

                traceback.print_exc()
            else:
                click.echo("(set TASKSYNC_DEBUG=1 for a traceback)", err=True)
            ctx.exit(EXIT_INTERNAL)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tasksync")
def cli() -> None:
    """Keep documentation-driven task state honest.

    Exit codes: 0 clean, 1 findings or drift, 2 usage or config error, 3 internal error.
    """


def main(argv: list[str] | None = None) -> NoReturn:
    """The console script: run the command, flush, and leave without tearing the interpreter down.

    Freeing a model of thousands of documents object by object takes ~20 ms, an eighth of a
    pre-commit run, and the OS reclaims the memory at once.  Every file tasksync writes is closed
    (and fsynced) before its command returns, so there is nothing left for a normal exit to do.
    """
    try:
        cli.main(args=argv, prog_name="tasksync")
        code: int = EXIT_CLEAN
    except SystemExit as exc:
        if isinstance(exc.code, str):
            sys.stderr.write(f"{exc.code}\n")
        code = exc.code if isinstance(exc.code, int) else EXIT_CLEAN if exc.code is None else 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):  # a reader that went away (`| head`)
            stream.flush()
    os._exit(code)
