"""`codesaga config`: the settings in force."""

from __future__ import annotations

from pathlib import Path

import typer

from codesaga.cli import render
from codesaga.cli.invocation import Invocation
from codesaga.cli.options import JsonOpt

app = typer.Typer(
    help="Show the settings in force.",
    no_args_is_help=True,
)


@app.command("show", epilog="Example: CODESAGA_N_CTX=4096 codesaga config show")
def config_show(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Every setting: its value, environment variable and meaning."""
    from codesaga.settings import config_file

    settings = Invocation.of(ctx).settings
    rows = settings.describe()
    if as_json:
        render.print_json(
            {
                "config_file": str(config_file()),
                "settings": {k: (str(v) if isinstance(v, Path) else v) for k, _, v, _ in rows},
            }
        )
        return
    from rich.table import Table

    table = Table("key", "value", "environment", "meaning", box=None)
    for key, env, value, doc in rows:
        table.add_row(key, "" if value is None else str(value), env, doc)
    render.stdout.print(table)
    render.note(f"config file: {config_file()} (TOML, same keys; the environment wins)")
