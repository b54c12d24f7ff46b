"""`codesaga models`: install, list, remove local models; point a role at one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from codesaga.cli import render
from codesaga.cli.invocation import Invocation
from codesaga.cli.options import JsonOpt, model_here

app = typer.Typer(
    help="Install, list and remove local models, or point a role at one.",
    no_args_is_help=True,
)


@app.command("pull", epilog="Example: codesaga models pull qwen2.5-coder-1.5b")
def models_pull(
    ctx: typer.Context,
    names: Annotated[
        list[str], typer.Argument(help="Preset names or paths to .gguf files.", show_default=False)
    ],
    as_json: JsonOpt = False,
) -> None:
    """Download, verify (size + sha256) and install models; resumes; instant if installed. A
    .gguf path is checked and copied into the models folder."""
    from codesaga.model_files.fetch import pull
    from codesaga.model_files.store import ModelStore

    settings = Invocation.of(ctx).settings
    store = ModelStore(settings.models_dir)
    done = []
    for name in names:
        progress = None if as_json else render.DownloadProgress()
        path = pull(name, store, progress=progress, hf_endpoint=settings.hf_endpoint)
        done.append({"name": name, "path": str(path)})
        if not as_json:
            render.note(f"{name}: installed at {path}")
    if as_json:
        render.print_json({"installed": done})


@app.command("list", epilog="Example: codesaga models list --json")
def models_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List the presets and installed models, and which role uses each."""
    from codesaga.model_files.store import ModelStore
    from codesaga.service.model_listing import list_models

    settings = Invocation.of(ctx).settings
    listing = list_models(settings, ModelStore(settings.models_dir))
    # This process loads nothing: whether a daemon holds a model is `daemon status`'s to say.
    rows = [{k: v for k, v in m.to_json().items() if k != "loaded"} for m in listing]
    if as_json:
        render.print_json({"models_dir": str(settings.models_dir), "models": rows})
        return
    from rich.table import Table

    table = Table("model", "installed", "size", "roles", "description", box=None)
    table.columns[0].no_wrap = True  # the name `models pull NAME` takes, whole
    table.columns[4].overflow = "fold"  # `Qwen2.5-Coder-0.5B-Instruct` is one long word
    for row in rows:
        size = f"{row['size'] / 1e6:,.0f} MB" if row["size"] else "?"
        state = "yes" if row["verified"] else ("unverified" if row["installed"] else "no")
        table.add_row(row["name"], state, size, ", ".join(row["roles"]), row["description"])
    render.stdout.print(table)
    render.note(f"models dir: {settings.models_dir}")


@app.command("remove", epilog="Example: codesaga models remove qwen2.5-coder-1.5b")
def models_remove(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(help="Preset or installed model name.", show_default=False)
    ],
    as_json: JsonOpt = False,
) -> None:
    """Remove an installed model (and any partial download of it)."""
    from codesaga.domain.errors import InputError
    from codesaga.model_files.store import ModelStore

    settings = Invocation.of(ctx).settings
    store = ModelStore(settings.models_dir)
    found = store.find(name)
    removed = store.remove(name)
    if not removed:
        raise InputError(f"{name} is not installed; see `codesaga models list`")
    if as_json:
        render.print_json({"removed": [str(p) for p in removed]})
    else:
        render.note(f"removed {name}")
    if found is not None:
        _after_removal(ctx, found.name, found.path)


def _after_removal(ctx: typer.Context, name: str, path: Path) -> None:
    """Say what still counts on a removed model: the roles set to it, and a running daemon
    that has it loaded (its memory is freed only when that daemon lets it go)."""
    from codesaga.client.lifecycle import running_status
    from codesaga.domain.enums import Role
    from codesaga.domain.errors import CodeSagaError

    settings = Invocation.of(ctx).settings
    roles = [str(r) for r in Role if settings.model_for(r) in (name, path.name, str(path))]
    if roles:
        render.warn(
            f"{', '.join(roles)} {'is' if len(roles) == 1 else 'are'} set to use {name}: set "
            "another (`codesaga models load ROLE MODEL`, or config.toml) or pull it again"
        )
    try:
        status = running_status(settings) or {}  # no daemon: nothing holds it
    except CodeSagaError:
        return
    if any(m.get("path") == str(path) for m in status.get("models", [])):
        render.warn(
            f"the running daemon still has {name} loaded, in memory until it lets it go: "
            "`codesaga daemon restart` frees it"
        )


@app.command("load", epilog="Example: codesaga models load refactor qwen2.5-coder-0.5b")
def models_load(
    ctx: typer.Context,
    role: Annotated[
        str, typer.Argument(help="completion, refactor, fix, generate or chat.", show_default=False)
    ],
    model: Annotated[
        str,
        typer.Argument(
            help="Preset, installed name or .gguf path.", show_default=False, callback=model_here
        ),
    ],
) -> None:
    """Point a role at another model in the daemon (started if need be), until it restarts
    or exits idle; config.toml sets it for good."""
    with Invocation.of(ctx).connect() as client:
        result = client.call("models/load", {"role": role, "model": model})
    loaded = ", ".join(result["loaded"]) or "nothing new"
    render.note(f"{role} now uses {result['roles'][role]} (loaded: {loaded})")
