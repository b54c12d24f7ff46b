"""`codesaga next-edit`: the edits that should follow a file's recent changes, as a diff."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from codesaga.cli import render
from codesaga.cli.invocation import Invocation
from codesaga.cli.options import FileArg, JsonOpt, ModelOpt
from codesaga.domain.diff import unified_diff
from codesaga.domain.edit_sequence import sequence
from codesaga.domain.edits import Span, TextEdit, apply_edits, bounds
from codesaga.domain.errors import InputError, UsageError
from codesaga.domain.patches import before_patch, file_hunks
from codesaga.domain.source import decode_source
from codesaga.fs import read_source
from codesaga.protocol.params import MAX_HISTORY, wire_change

app = typer.Typer()  # its commands join the root's


@app.command(
    "next-edit",
    epilog="Examples: codesaga next-edit app.py --since HEAD  ·  git diff > p.diff && "
    "codesaga next-edit app.py --diff p.diff",
)
def next_edit(
    ctx: typer.Context,
    file: FileArg,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="REV",
            help="The history is what changed in FILE since this git revision.",
            show_default=False,
        ),
    ] = None,
    patch: Annotated[
        Path | None,
        typer.Option(
            "--diff",
            metavar="PATCH",
            help="The history is this patch's hunks for FILE (a unified diff already "
            "applied to FILE, as `git diff` writes).",
            show_default=False,
        ),
    ] = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print the edits predicted to follow FILE's recent changes, as a unified diff.

    The other occurrences of a rename, the calls of a changed function, lines like those changed.

    Nothing is printed (exit 0) when there is none.
    """
    if (since is None) == (patch is None):
        raise UsageError("give the history: --since REV or --diff PATCH (one of them)")
    invocation = Invocation.of(ctx)
    limit = invocation.settings.max_file_bytes
    content, _ = read_source(file, limit)
    if since is not None:
        before = _at_revision(file, since, limit)
    else:
        assert patch is not None
        before = _before_patch(file, content, patch, limit)
    params = {
        "path": str(file.expanduser().absolute()),
        "content": content,
        # The latest edits the protocol takes (a reformat changes every line): the next edit
        # follows from the last ones.
        "edits": [wire_change(edit) for edit in sequence(before, content)][-MAX_HISTORY:],
        "model": model,
    }
    result = invocation.run_task("nextEdit", params)
    if as_json:
        render.print_json(result)
        return
    for warning in result.get("warnings", []):
        render.warn(warning)  # on stderr: why a place may have no edit (no model installed)
    suggested = apply_edits(content, [_edit(content, e) for e in result["edits"]])
    sys.stdout.write(unified_diff(content, suggested, _diff_name(file)))


def _diff_name(file: Path) -> str:
    """FILE's name in the diff's headers, from here (where `git apply` or `patch -p1` will
    run): an absolute or `../` path gave `a/tmp/repo/calc.py`, which neither could apply."""
    given = file.expanduser()
    # As written, else through links (a /tmp that is /private/tmp: the folder is the real one)
    for here in (Path(os.path.abspath(given)), Path(os.path.realpath(given.parent)) / given.name):
        with contextlib.suppress(ValueError):
            return here.relative_to(Path.cwd()).as_posix()
    return str(file)  # not below this folder: as it was given


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("--since needs git, which is not installed") from None


def _at_revision(file: Path, rev: str, limit: int) -> str:
    """FILE's text at git revision ``rev``."""
    folder = file.expanduser().absolute().parent
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise UsageError(f"{file} is not in a git repository; give the history with --diff")
    if _git(folder, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").returncode != 0:
        raise UsageError(f"unknown revision {rev!r} in {top.stdout.decode().strip()}")
    root = Path(top.stdout.decode().strip())
    real = file.expanduser().resolve()
    if not real.is_relative_to(root.resolve()):  # a link out of the repository
        raise InputError(f"{file} is {real}, outside {root}; give the history with --diff")
    inside = real.relative_to(root.resolve()).as_posix()
    shown = _git(root, "show", f"{rev}:{inside}")
    if shown.returncode != 0:
        raise InputError(f"{file} is not in {rev}")
    return decode_source(shown.stdout, f"{file} at {rev}", limit)


def _before_patch(file: Path, content: str, patch: Path, limit: int) -> str:
    """FILE's text before ``patch``, which was applied to it."""
    text, _ = read_source(patch, limit)
    hunks = file_hunks(text, file.expanduser().absolute().as_posix())
    if hunks is None:
        raise InputError(f"{patch} has no changes to {file}")
    return before_patch(content, hunks, str(file))


def _edit(content: str, suggestion: dict[str, Any]) -> TextEdit:
    r = suggestion["range"]
    span = Span(r["startLine"], r["startColumn"], r["endLine"], r["endColumn"])
    start, end = bounds(content, span)
    return TextEdit(span, content[start:end], suggestion["text"])
