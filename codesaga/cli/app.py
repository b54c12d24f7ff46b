"""The commands. Each parses its options, calls the service layer, and renders the result."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from codesaga import __version__
from codesaga.cli import render

if TYPE_CHECKING:
    from codesaga.service.tasks import Assistant, TaskResult

app = typer.Typer(
    name="codesaga",
    help="Offline-first AI coding assistant: a local code model that generates, refactors, "
    "fixes and completes code without sending it anywhere.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
models_app = typer.Typer(help="Install, list and remove local models.", no_args_is_help=True)
config_app = typer.Typer(help="Show the settings in force.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(config_app, name="config")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object for machines.")]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        help="Preset name or .gguf path for this run (default: the role's model from settings).",
    ),
]
FileArg = Annotated[Path, typer.Argument(help="The source file.", show_default=False)]
LinesOpt = Annotated[
    str | None, typer.Option("--lines", help="Only lines A:B (1-based, inclusive), e.g. 10:25.")
]
ApplyOpt = Annotated[bool, typer.Option("--apply", help="Write the result to FILE (atomically).")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"codesaga {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    pass


def _assistant(model: str | None) -> Assistant:
    from codesaga.bootstrap import build_assistant
    from codesaga.settings import load_settings

    settings = load_settings()
    if model:
        settings = dataclasses.replace(settings, model=model)
    return build_assistant(settings)


def _show_rewrite(result: TaskResult, as_json: bool) -> None:
    if as_json:
        render.print_json(result.to_json())
        return
    for warning in result.warnings:
        render.warn(warning)
    if result.diff:
        render.diff(result.diff)
    if result.applied:
        render.note(f"applied to {result.path} (request {result.request_id})")
    elif result.diff:
        render.note(f"not applied; run again with --apply to write {result.path}")


@app.command(epilog="Example: codesaga generate 'a Python function that parses ISO dates'")
def generate(
    prompt: Annotated[str, typer.Argument(help="What to write.", show_default=False)],
    language: Annotated[
        str | None, typer.Option("--language", "-l", help="Language to answer in.")
    ] = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Generate code from a description, streaming the answer."""
    assistant = _assistant(model)
    if as_json:
        result = assistant.generate(prompt, language)
        render.print_json(result.to_json())
        return

    def show(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    result = assistant.generate(prompt, language, on_delta=show)
    if not result.text.endswith("\n"):
        sys.stdout.write("\n")
    for warning in result.warnings:
        render.warn(warning)


@app.command(
    epilog="Examples: codesaga refactor app.py  ·  codesaga refactor app.py --lines 10:40 "
    "--instruction 'extract a function' --apply"
)
def refactor(
    file: FileArg,
    lines: LinesOpt = None,
    instruction: Annotated[
        str | None,
        typer.Option("--instruction", "-i", help="How to refactor (default: improve readability)."),
    ] = None,
    apply: ApplyOpt = False,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Refactor a file or some of its lines; shows a diff, writes only with --apply."""
    assistant = _assistant(model)
    with render.Spinner(f"refactoring {file.name}") as spinner:
        result = assistant.refactor(
            file, lines=lines, instruction=instruction, apply=apply, on_delta=spinner.on_delta
        )
    _show_rewrite(result, as_json)


@app.command(
    epilog="Examples: codesaga fix calc.py --error 'ZeroDivisionError: division by zero'  ·  "
    "python calc.py 2>&1 | codesaga fix calc.py --error - --apply"
)
def fix(
    file: FileArg,
    error: Annotated[
        str,
        typer.Option(
            "--error",
            "-e",
            show_default=False,
            help="The error message or traceback; '-' reads it from stdin.",
        ),
    ],
    lines: LinesOpt = None,
    apply: ApplyOpt = False,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fix a file given the error it fails with; shows a diff, writes only with --apply."""
    from codesaga.domain.errors import InputError

    if error == "-":
        if sys.stdin.isatty():
            raise InputError(
                "--error - reads the error from stdin, but stdin is a terminal; pipe the output in"
            )
        error = sys.stdin.read(256 * 1024)
    assistant = _assistant(model)
    with render.Spinner(f"fixing {file.name}") as spinner:
        result = assistant.fix(file, error, lines=lines, apply=apply, on_delta=spinner.on_delta)
    _show_rewrite(result, as_json)


@app.command(epilog="Example: codesaga complete app.py --line 12 --column 5")
def complete(
    file: FileArg,
    line: Annotated[int, typer.Option("--line", help="1-based cursor line.", show_default=False)],
    column: Annotated[
        int, typer.Option("--column", help="1-based cursor column.", show_default=False)
    ],
    single_line: Annotated[
        bool, typer.Option("--single-line", help="Suggest only the rest of the current line.")
    ] = False,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print the code to insert at a cursor position (fill-in-the-middle)."""
    result = _assistant(model).complete(file, line, column, multiline=not single_line)
    if as_json:
        render.print_json(result.to_json())
        return
    for warning in result.warnings:
        render.warn(warning)
    sys.stdout.write(result.text + ("\n" if result.text and not result.text.endswith("\n") else ""))


@models_app.command("pull", epilog="Example: codesaga models pull qwen2.5-coder-1.5b")
def models_pull(
    names: Annotated[
        list[str], typer.Argument(help="Preset names or paths to .gguf files.", show_default=False)
    ],
    as_json: JsonOpt = False,
) -> None:
    """Download, verify (size + sha256) and install models; resumes; instant if installed."""
    from codesaga.models.fetch import pull
    from codesaga.models.store import ModelStore
    from codesaga.settings import load_settings

    settings = load_settings()
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


@models_app.command("list")
def models_list(as_json: JsonOpt = False) -> None:
    """List the presets and installed models, and which role uses each."""
    from codesaga.domain.enums import Role
    from codesaga.models.presets import PRESETS
    from codesaga.models.store import ModelStore
    from codesaga.settings import load_settings

    settings = load_settings()
    store = ModelStore(settings.models_dir)
    installed = {m.name: m for m in store.installed()}
    rows: list[dict[str, Any]] = []
    for name in dict.fromkeys([*PRESETS, *installed]):
        preset, found = PRESETS.get(name), installed.get(name)
        rows.append(
            {
                "name": name,
                "installed": found is not None,
                "verified": bool(found and found.sha256),
                "path": str(found.path) if found else None,
                "size": found.size if found else (preset.size if preset else None),
                "roles": [str(r) for r in Role if settings.model_for(r) == name],
                "description": preset.description if preset else "local file",
            }
        )
    if as_json:
        render.print_json({"models_dir": str(settings.models_dir), "models": rows})
        return
    from rich.table import Table

    table = Table("model", "installed", "size", "roles", "description", box=None)
    for row in rows:
        size = f"{row['size'] / 1e6:,.0f} MB" if row["size"] else "?"
        state = "yes" if row["verified"] else ("unverified" if row["installed"] else "no")
        table.add_row(row["name"], state, size, ", ".join(row["roles"]), row["description"])
    render.stdout.print(table)
    render.note(f"models dir: {settings.models_dir}")


@models_app.command("remove")
def models_remove(
    name: Annotated[
        str, typer.Argument(help="Preset or installed model name.", show_default=False)
    ],
    as_json: JsonOpt = False,
) -> None:
    """Remove an installed model (and any partial download of it)."""
    from codesaga.domain.errors import InputError
    from codesaga.models.store import ModelStore
    from codesaga.settings import load_settings

    removed = ModelStore(load_settings().models_dir).remove(name)
    if not removed:
        raise InputError(f"{name} is not installed; see `codesaga models list`")
    if as_json:
        render.print_json({"removed": [str(p) for p in removed]})
    else:
        render.note(f"removed {name}")


@config_app.command("show")
def config_show(as_json: JsonOpt = False) -> None:
    """Every setting: its value, environment variable and meaning."""
    from codesaga.settings import config_file, load_settings

    settings = load_settings()
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
