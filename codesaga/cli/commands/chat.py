"""`codesaga chat`: a REPL, one question, or the full-screen TUI, over a persistent session."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from codesaga.cli import exits, render
from codesaga.cli.invocation import Invocation
from codesaga.cli.options import JsonOpt, ModelOpt, piped_text
from codesaga.domain.errors import CodeSagaError, UsageError

if TYPE_CHECKING:
    from codesaga.client.connection import Client

app = typer.Typer()  # its commands join the root's


@app.command(
    epilog="Examples: codesaga chat  ·  codesaga chat 'why is my regex slow?'  ·  "
    "codesaga chat 'why does total() fail?' --add app.py --add data.py:10-40  ·  "
    "codesaga chat --session refactor-ideas --new"
)
def chat(
    ctx: typer.Context,
    message: Annotated[
        str | None,
        typer.Argument(
            help="Say this one thing and print the answer ('-' reads stdin); "
            "without it, an interactive chat starts.",
            show_default=False,
        ),
    ] = None,
    session: Annotated[
        str | None,
        typer.Option("--session", "-s", help="Chat in the session of this name (or id)."),
    ] = None,
    new: Annotated[bool, typer.Option("--new", help="Start a fresh session.")] = False,
    tui: Annotated[
        bool, typer.Option("--tui", help="The full-screen chat: sessions beside the talk.")
    ] = False,
    add: Annotated[
        list[str] | None,
        typer.Option(
            "--add",
            "-a",
            help="Attach FILE or FILE:A-B (lines A to B) to the session first, as /add does; "
            "repeat for more.",
            show_default=False,
        ),
    ] = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Chat about code. By default the session of this git repository and branch (or this
    directory) continues where it left off."""
    from codesaga.cli.repl import Repl, ask, attach, current_key

    _check_attachments(add or [])
    if tui and (message is not None or as_json):
        raise UsageError("--tui opens the chat app: give no MESSAGE and no --json with it")
    if tui and not all(
        stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout)
    ):
        # Without one it drew into a file or pipe and waited for keys that never came.
        raise UsageError("--tui needs a terminal; `codesaga chat MESSAGE` answers once without one")
    if as_json and message is None:
        raise UsageError("--json prints one answer: give the MESSAGE ('-' reads stdin)")
    if message == "-":  # read before any session is opened or daemon started
        if sys.stdin is None or sys.stdin.closed or sys.stdin.isatty():
            raise UsageError("MESSAGE '-' reads stdin: pipe the message in")
        message = piped_text()
    settings = Invocation.of(ctx).settings
    with Invocation.of(ctx).client(models_matter=model is None) as client:
        key = None if session else current_key(Path.cwd())
        asked_at = time.time()
        opened = client.call("sessions/open", {"name": session, "key": key, "new": new})
        for spec in add or []:
            opened = attach(client, opened["id"], spec)
        if add and not as_json:
            render.note("attached: " + ", ".join(opened["attachments"]))
        if tui:
            from codesaga.cli.tui import ChatApp

            if model:  # the TUI asks without options: the session carries the model
                client.call("sessions/set", {"session": opened["id"], "model": model})
            ChatApp(client, opened, settings.n_ctx).run()
        elif message is None:
            Repl(client, opened, settings, model).run()
        else:
            made_here = opened.get("created_at", 0) >= asked_at
            with _dropped_if_left_empty(client, opened, made_here):
                if as_json:
                    params = {"session": opened["id"], "message": message, "model": model}
                    render.print_json(client.call("chat", {k: v for k, v in params.items() if v}))
                elif ask(client, opened["id"], message, model) is None:
                    raise typer.Exit(exits.INTERRUPTED)  # Ctrl-C: a script must not see success


@contextlib.contextmanager
def _dropped_if_left_empty(
    client: Client, opened: dict[str, Any], made_here: bool
) -> Iterator[None]:
    """A session this command made for a message that failed (too long, bad input, a model
    not installed) is deleted: it stayed in `sessions list`, empty, one per failed try."""
    try:
        yield
    except CodeSagaError:
        if made_here and not opened.get("attachments"):
            with contextlib.suppress(CodeSagaError, OSError):
                now = client.call("sessions/get", {"session": opened["id"]})
                if not now["turns"] and not now["attachments"]:
                    client.call("sessions/delete", {"session": opened["id"]})
        raise


def _check_attachments(specs: list[str]) -> None:
    """Every --add names a file, checked before a session is opened or anything attached."""
    from codesaga.cli.repl import split_range
    from codesaga.domain.errors import InputError
    from codesaga.fs import check_file

    for spec in specs:
        try:
            check_file(Path(split_range(spec)[0]).expanduser())
        except InputError as exc:
            raise InputError(f"--add {spec}: {exc}") from None
