"""Options and arguments several commands share, with one wording for each."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from codesaga.domain.retry import MAX_ATTEMPTS

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object for machines.")]


def model_here(value: str | None) -> str | None:
    """A model named on the command line as the daemon must read it: a relative .gguf path
    was looked for in the daemon's folder, wherever it had started."""
    from codesaga.settings import model_file

    return value if value is None else model_file(value)


ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        help="Preset name or .gguf path for this run (default: the role's model from settings).",
        callback=model_here,
    ),
]
FileArg = Annotated[Path, typer.Argument(help="The source file.", show_default=False)]
LinesOpt = Annotated[
    str | None, typer.Option("--lines", help="Only lines A:B (1-based, inclusive), e.g. 10:25.")
]
ApplyOpt = Annotated[bool, typer.Option("--apply", help="Write the result to FILE (atomically).")]


def _a_command(value: str | None) -> str | None:
    # `--verify ""` (a variable left empty) was taken for no check at all, or for one that
    # passes: the rewrite went unchecked, or fix said there was nothing to fix.
    if value is not None and not value.strip():
        raise typer.BadParameter("give the command to run, e.g. --verify 'pytest -q'")
    return value


VerifyOpt = Annotated[
    str | None,
    typer.Option(
        "--verify",
        callback=_a_command,
        help="A shell command run after writing (e.g. 'pytest -q'); if it fails, the files are "
        "restored and the model tries again with its output (see --attempts). {files} in it "
        "becomes the changed files. Without --apply, the first passing rewrite is shown and "
        "the files are put back.",
    ),
]
VerifyTimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--verify-timeout",
        min=1,
        metavar="SECONDS",
        show_default=False,
        help="Stop --verify's command (and all it started) after this long, a failed verify "
        "(default: the verify_timeout_seconds setting, 900).",
    ),
]
AttemptsOpt = Annotated[
    int | None,
    typer.Option(
        "--attempts",
        min=1,
        max=MAX_ATTEMPTS,
        help="Most model answers per file: one that does not parse, loses a name or fails "
        "--verify is retried with the check's message (default: the rewrite_attempts setting).",
    ),
]
SessionArg = Annotated[str, typer.Argument(help="Session name or id.", show_default=False)]


def piped_text() -> str:
    """All of stdin as text: bytes that are not UTF-8 (a tool's output in another encoding)
    become U+FFFD, where Python's own decoding kept them as surrogates that no request
    can carry (a traceback, after the daemon had been started)."""
    raw = getattr(sys.stdin, "buffer", None)
    if raw is None:  # replaced by a text stream (a test, an embedding program)
        return sys.stdin.read()
    data: bytes = raw.read()
    return data.decode("utf-8", errors="replace")
