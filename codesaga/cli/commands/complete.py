"""`codesaga complete`: the code to insert at a cursor, by the editors' path."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from codesaga.cli import render
from codesaga.cli.commands.rewrite import file_params
from codesaga.cli.invocation import Invocation
from codesaga.cli.options import FileArg, JsonOpt, ModelOpt

app = typer.Typer()  # its commands join the root's


@app.command(epilog="Example: codesaga complete app.py --line 12 --column 5")
def complete(
    ctx: typer.Context,
    file: FileArg,
    line: Annotated[int, typer.Option("--line", help="1-based cursor line.", show_default=False)],
    column: Annotated[
        int,
        typer.Option(
            "--column",
            help="1-based cursor column, in Unicode code points (a tab is one, an accent "
            "written as its own mark too; an editor's column may count a tab as its width, "
            "or count bytes or UTF-16 units).",
            show_default=False,
        ),
    ],
    multiline: Annotated[
        bool | None,
        typer.Option(
            "--multi-line/--single-line",
            help="Several lines, or only the rest of the current line (default: several "
            "after a line that opens a block with no body yet, or at the end of the file; "
            "else one line).",
            show_default=False,
        ),
    ] = None,
    max_lines: Annotated[
        int | None, typer.Option("--max-lines", min=1, max=200, help="Most lines to suggest.")
    ] = None,
    candidates: Annotated[
        int, typer.Option("--candidates", min=1, max=5, help="How many different suggestions.")
    ] = 1,
    budget_ms: Annotated[
        int | None,
        typer.Option(
            "--budget-ms", min=1, help="Answer within this many ms with the lines finished so far."
        ),
    ] = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print the code to insert at a cursor position (fill-in-the-middle).

    The same path editors use: prompt caching, post-processing and the completion cache.
    """
    from codesaga.domain.context import cursor_offset
    from codesaga.fs import read_source

    # A file the daemon would refuse, or a cursor out of its lines, is said here, not by a
    # daemon started for it (and left running half an hour).
    content, _ = read_source(file.expanduser(), Invocation.of(ctx).settings.max_file_bytes)
    cursor_offset(content, line, column)
    params = {
        **file_params(file, None),
        "line": line,
        "column": column,
        "multiline": multiline,
        "maxLines": max_lines,
        "candidates": candidates,
        # Without --budget-ms a command waits for the whole prompt and answer (0), whatever
        # budget the daemon gives editors that are being typed in.
        "timeBudgetMs": budget_ms or 0,
        # A person asked for this suggestion: show it however unsure the model is.
        "gate": False,
        "model": model,
    }
    result = Invocation.of(ctx).run_task("complete", params)
    if as_json:
        render.print_json(result)
        return
    for warning in result.get("warnings", []):
        render.warn(warning)
    texts = result.get("candidates") or [result["text"]]
    for i, text in enumerate(texts):
        if len(texts) > 1:
            # On stdout: the candidates went there one after another, with nothing between
            # them in a file or `$(...)`.
            sys.stdout.write(f"--- candidate {i + 1} ---\n")
        sys.stdout.write(
            render.model_text(text) + ("\n" if text and not text.endswith("\n") else "")
        )
