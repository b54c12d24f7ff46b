"""`codesaga sessions`: list, show, rename, delete and export chat sessions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from codesaga.cli import render
from codesaga.cli.invocation import Invocation
from codesaga.cli.options import JsonOpt, SessionArg

app = typer.Typer(
    help="Chat sessions: list, show, rename, delete, export.",
    no_args_is_help=True,
)


@app.command("list", epilog="Example: codesaga sessions list --json")
def sessions_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Sessions, most recently used first."""
    import datetime

    result = Invocation.of(ctx).control("sessions/list")
    if as_json:
        render.print_json(result)
        return
    from rich.table import Table

    # The id too: `chat --new` starts another session of the same name, and any command
    # that takes a session takes its id.
    table = Table("name", "id", "messages", "last used", "belongs to", box=None)
    for s in result["sessions"]:
        when = datetime.datetime.fromtimestamp(s["updated_at"]).strftime("%Y-%m-%d %H:%M")
        table.add_row(s["name"], s["id"], str(s["turns"]), when, s["key"] or "")
    render.stdout.print(table)


@app.command("show", epilog="Example: codesaga sessions show main")
def sessions_show(ctx: typer.Context, session: SessionArg, as_json: JsonOpt = False) -> None:
    """A whole conversation."""
    if as_json:
        render.print_json(Invocation.of(ctx).control("sessions/get", {"session": session}))
        return
    text = Invocation.of(ctx).control(
        "sessions/export", {"session": session, "format": "markdown"}
    )["text"]
    if render.stdout.is_terminal:
        from rich.markdown import Markdown

        # A model's answer may hold escape sequences (steered by a file it was shown):
        # Rich passes ESC through, so a session shown later could clear the screen.
        render.stdout.print(Markdown(render.shown(text)))
    else:
        sys.stdout.write(text)


@app.command("rename", epilog="Example: codesaga sessions rename chat-1a2b3c parser")
def sessions_rename(
    ctx: typer.Context,
    session: SessionArg,
    name: Annotated[str, typer.Argument(help="The new name.", show_default=False)],
) -> None:
    """Give a session another name."""
    result = Invocation.of(ctx).control("sessions/rename", {"session": session, "name": name})
    render.note(f"renamed to {result['name']}")


@app.command("delete", epilog="Example: codesaga sessions delete old-chat")
def sessions_delete(ctx: typer.Context, session: SessionArg) -> None:
    """Delete a session for good."""
    Invocation.of(ctx).control("sessions/delete", {"session": session})
    render.note(f"deleted {session}")


@app.command("export", epilog="Example: codesaga sessions export parser -o parser.md")
def sessions_export(
    ctx: typer.Context,
    session: SessionArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="markdown or json.")] = "markdown",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file, not stdout; a new file."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --output file if it exists.")
    ] = False,
) -> None:
    """Export a session as Markdown or JSON."""
    text = Invocation.of(ctx).control("sessions/export", {"session": session, "format": fmt})[
        "text"
    ]
    if output is None:
        sys.stdout.write(render.model_text(text))  # every byte when piped to a file
        return
    from codesaga.domain.errors import InputError
    from codesaga.fs import write_atomic

    if not force and (output.is_file() or output.is_symlink()):
        # `-o notes.py` for `-o notes.md` replaced the user's file without a word.
        raise InputError(f"{output} exists: give --force to replace it, or another file")
    try:
        write_atomic(output, text)  # an existing file is replaced whole or not at all
    except OSError as exc:  # a missing folder, a directory, no permission
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None
    render.note(f"exported to {output}")
