"""`codesaga config`: the settings in force."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from codesaga.cli import render
from codesaga.cli.invocation import Invocation
from codesaga.cli.options import JsonOpt

if TYPE_CHECKING:
    from rich.console import RenderableType

app = typer.Typer(
    help="Show the settings in force.",
    no_args_is_help=True,
)


@app.command("show", epilog="Example: CODESAGA_N_CTX=4096 codesaga config show")
def config_show(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Every setting: its value, environment variable and meaning."""
    from codesaga.domain.enums import Role
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
    if settings.model:
        # A role's own key is not the one in force then: `model` is (chat was listed with
        # the 1.5B under CODESAGA_MODEL=qwen2.5-coder-0.5b, and answered with the 0.5B).
        roles = {f"model_{role.value}" for role in Role}
        rows = [
            (k, env, f"{settings.model} (from model; {v} without it)" if k in roles else v, doc)
            for k, env, v, doc in rows
        ]
    render.stdout.print(settings_view(rows, render.stdout.width))
    render.note(
        f"config file: {config_file()} (TOML, same keys); the environment wins: CODESAGA_ "
        "and the key in capitals (model_chat: CODESAGA_MODEL_CHAT)"
    )


# Below this many columns a four-column table squeezes the meanings into a word a line and
# cuts the environment's names (`CODESAGA_MODEL_CO…`): each setting is then a line of its
# key and value with its meaning below, and the note says how the names are made.
TABLE_WIDTH = 120


def settings_view(rows: list[tuple[str, str, object, str]], width: int) -> RenderableType:
    """The settings as a table of key, value, environment variable and meaning, or, narrower
    than TABLE_WIDTH, as a list of key and value with the meaning indented below."""
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    if width >= TABLE_WIDTH:
        table = Table("key", "value", "environment", "meaning", box=None)
        table.columns[1].overflow = "fold"
        for key, env, value, doc in rows:  # Text: `[[upstreams]]` is not markup
            table.add_row(key, Text(_shown(value)), env, Text(doc))
        return table
    listing = Table.grid()  # a table, unlike bare text, is wrapped to the terminal's width
    for key, _env, value, doc in rows:
        # A long path folds onto the next line rather than lose its end.
        listing.add_row(Text.assemble((key, "bold"), "  ", _shown(value), overflow="fold"))
        listing.add_row(Padding(Text(doc, style="dim"), (0, 0, 0, 4)))
    return listing


def _shown(value: object) -> str:
    return "" if value is None else str(value)
