"""The ``codesaga`` command: the root options, and the command modules assembled in one place.

Each module under ``codesaga.cli.commands`` parses its options, calls the daemon through the
client, and renders the result; heavy imports happen inside the commands, so ``--help``
stays fast.
"""

from __future__ import annotations

import inspect
from typing import Annotated

import typer

from codesaga import __version__
from codesaga.cli.commands import (
    chat,
    complete,
    config,
    daemon,
    generate,
    hook,
    models,
    next_edit,
    requests,
    rewrite,
    saga,
    sessions,
    stats,
    upstreams,
)
from codesaga.cli.invocation import Invocation

app = typer.Typer(
    name="codesaga",
    help="Offline-first AI coding assistant: a local code model that generates, refactors, "
    "fixes and completes code without sending it anywhere.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

# The order of `codesaga --help`: the tasks first, then what manages them.
TOP_LEVEL = (generate, rewrite, complete, next_edit, chat, stats)
GROUPS = {
    "models": models,
    "config": config,
    "upstreams": upstreams,
    "saga": saga,
    "hook": hook,
    "daemon": daemon,
    "requests": requests,
    "sessions": sessions,
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"codesaga {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    no_daemon: Annotated[
        bool,
        typer.Option(
            "--no-daemon",
            help="Run in this process instead of through the daemon (loads the model for "
            "this one command).",
        ),
    ] = False,
) -> None:
    ctx.obj = Invocation(no_daemon=no_daemon)


def _one_line_summaries(typer_app: typer.Typer) -> None:
    """Command lists show each command's first docstring paragraph with its line breaks
    (Typer keeps them in rich mode); give them the paragraph as one line instead."""
    for info in typer_app.registered_commands:
        doc = inspect.getdoc(info.callback) if info.callback else None
        if info.short_help is None and doc:
            info.short_help = " ".join(doc.split("\n\n")[0].split())


for _module in TOP_LEVEL:
    app.registered_commands.extend(_module.app.registered_commands)
for _name, _module in GROUPS.items():
    app.add_typer(_module.app, name=_name)
    _one_line_summaries(_module.app)
_one_line_summaries(app)
