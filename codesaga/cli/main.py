"""Entry point: runs the Typer app and turns errors into one line and an exit code."""

from __future__ import annotations

import sys
from typing import NoReturn

from codesaga.cli import exits


def _is_usage_problem(exc: Exception) -> bool:
    # Typer's parser errors (click-style: BadParameter, NoSuchOption, MissingParameter, ...)
    # carry an exit_code and format_message(); Typer vendors click, so match by shape.
    return hasattr(exc, "exit_code") and callable(getattr(exc, "format_message", None))


def _interrupt_on_termination() -> None:
    """SIGTERM and SIGHUP (the terminal closed) end a command as Ctrl-C does: a saga or the
    commit hook puts the user's files back on its way out, where the signals' default
    killed it midway and left them for `codesaga saga recover`. (The daemon's process sets
    its own handlers.)"""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)


def main(argv: list[str] | None = None) -> None:
    _interrupt_on_termination()
    try:
        import typer

        from codesaga.cli import render
        from codesaga.cli.app import app
        from codesaga.domain.errors import CodeSagaError
    except KeyboardInterrupt:  # Ctrl-C in the first half second: not a traceback
        sys.stderr.write("codesaga: error: interrupted\n")
        sys.exit(exits.INTERRUPTED)
    args = sys.argv[1:] if argv is None else argv
    as_json = "--json" in args
    command = typer.main.get_command(app)
    try:
        # Without standalone mode, an Exit(code) raised by a command comes back as the value.
        code = command.main(args=args, prog_name="codesaga", standalone_mode=False)
        if code == exits.INTERRUPTED:  # typer's answer to a KeyboardInterrupt (Ctrl-C, ...)
            render.error("interrupted")
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except SystemExit as exc:
        # Typer ends a closed pipe (`codesaga generate ... | head -1`) with exit 1, which
        # says "usage" to a `set -o pipefail` script: the reader had what it wanted.
        if isinstance(exc.__context__, BrokenPipeError):
            sys.exit(exits.OK)
        raise
    except (typer.Abort, KeyboardInterrupt):
        render.error("interrupted")
        sys.exit(exits.INTERRUPTED)
    except CodeSagaError as exc:
        # Notes: what a saga's rollback left as it is, or kept, after the failure.
        _fail(str(exc), exc, exits.error_kind(exc), exits.exit_code_for(exc), as_json)
    except BrokenPipeError:
        sys.exit(exits.OK)
    except OSError as exc:
        # A full or read-only disk, a file the user may not write: the system's words, and
        # the file's name when it has one, not a traceback.
        said = f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc)
        _fail(said, exc, "input", exits.INPUT, as_json)
    except Exception as exc:
        if not _is_usage_problem(exc):
            raise
        if type(exc).__name__ == "NoArgsIsHelpError":
            sys.exit(exits.OK)  # `codesaga` or a group alone: its help, shown; nothing wrong
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "codesaga"
        message = f"{exc.format_message()} (see '{where} --help')"  # type: ignore[attr-defined]
        # As for every other error: a script reading stdout learns why too.
        _fail(message, exc, "usage", exits.USAGE, as_json)


def _fail(said: str, exc: BaseException, kind: str, code: int, as_json: bool) -> NoReturn:
    """One line on stderr (with the exception's notes), the JSON error on stdout with
    --json, and the exit code."""
    from codesaga.cli import render

    message = "\n".join([said, *getattr(exc, "__notes__", ())])
    if as_json:
        render.print_json({"error": {"kind": kind, "message": message}})
    render.error(message)
    sys.exit(code)
