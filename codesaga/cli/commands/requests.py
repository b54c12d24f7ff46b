"""`codesaga requests`: the request journal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from codesaga.cli import render
from codesaga.cli.invocation import Invocation
from codesaga.cli.options import JsonOpt
from codesaga.protocol.params import MAX_LISTED_REQUESTS

if TYPE_CHECKING:
    from rich.table import Table

app = typer.Typer(
    help="The request journal: every request, its state, timings and output.",
    invoke_without_command=True,
)


_COMMAND_TYPES = {"fix": "error-fix", "next-edit": "nextEdit"}


@app.callback(epilog="Example: codesaga requests --status failed --limit 5")
def requests_list(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option("--status", help="pending, processing, completed, failed or cancelled."),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--type",
            help="completion, refactor, error-fix (or fix), generate, chat or nextEdit (or "
            "next-edit).",
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=0, max=MAX_LISTED_REQUESTS, help="Newest N requests.")
    ] = 20,
    as_json: JsonOpt = False,
) -> None:
    """List recent requests, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    kind = _COMMAND_TYPES.get(kind or "", kind)  # as the commands are named
    result = Invocation.of(ctx).control(
        "requests/list", {"status": status, "type": kind, "limit": limit}
    )
    if as_json:
        render.print_json(result)
        return
    render.stdout.print(request_table(result["requests"]))
    if result.get("truncated"):
        shown = len(result["requests"])
        render.note(
            f"the newest {shown} only: they hold large inputs (`codesaga requests show ID` "
            "shows one); --status or --type narrow the list"
        )


def request_table(requests: list[dict[str, Any]]) -> Table:
    """The requests, a line each, fitting 80 columns with ids and models whole (`requests
    show ID` takes the id): single spaces between columns, numbers to the right. A model
    name too long for the line (a .gguf file's) folds onto the next: the numbers were cut
    to "…" instead."""
    from rich.table import Table

    headers = ("id", "type", "status", "model", "secs", "tokens", "cached")
    table = Table(*headers, box=None, pad_edge=False, padding=(0, 1, 0, 0))
    for column in table.columns[:3]:
        column.no_wrap = True
    table.columns[3].overflow = "fold"
    for column in table.columns[4:]:
        column.no_wrap = True
        column.min_width = len(str(column.header))
    for column in table.columns[4:6]:
        column.justify = "right"
    for r in requests:
        # None: not finished, or ended by a process that died (when is not known).
        ended = r["finished_at"]
        table.add_row(
            r["id"],
            r["type"],
            r["status"],
            r["model"] or "",
            "" if ended is None else f"{ended - r['created_at']:.2f}",
            str(r["timings"]["completion_tokens"]),
            "yes" if r["cached"] else "",
        )
    return table


@app.command("show", epilog="Example: codesaga requests show 9f1c2a7b5d3e4f60")
def requests_show(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="A request id.", show_default=False)],
    as_json: JsonOpt = False,
) -> None:
    """One request in full: input, output, timings."""
    record = Invocation.of(ctx).control("requests/get", {"id": request_id})
    render.print_json(record) if as_json else render.stdout.print_json(data=record)
