"""`codesaga refactor` and `codesaga fix`: a diff to read, or a saga that writes it."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from codesaga.cli import render
from codesaga.cli.invocation import Invocation
from codesaga.cli.options import (
    ApplyOpt,
    AttemptsOpt,
    FileArg,
    JsonOpt,
    LinesOpt,
    ModelOpt,
    VerifyOpt,
    VerifyTimeoutOpt,
    piped_text,
)
from codesaga.domain.errors import InputError, UsageError

if TYPE_CHECKING:
    from codesaga.saga.runner import Ask, Rewrite, SagaResult

app = typer.Typer()  # its commands join the root's


def file_params(file: Path, limit: int | None) -> dict[str, Any]:
    """The daemon needs an absolute path; the label keeps what the user typed for display.
    A path that names no file, or none the daemon would read (binary, not UTF-8, over
    ``limit`` bytes), is refused here, before a daemon is started to say so (None: its text
    goes with the request, read already)."""
    from codesaga.fs import read_source

    if limit is not None:
        read_source(file.expanduser(), limit)
    return {"path": str(file.expanduser().absolute()), "label": str(file)}


def _show_rewrite(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        render.print_json(result)
        return
    for warning in result.get("warnings", []):
        render.warn(warning)
    if result.get("diff"):
        render.diff(result["diff"])
    attempts, failed = result.get("attempts", 1), result.get("failed_checks", [])
    if attempts > 1:
        why = "; ".join(failed)
        if len(failed) >= attempts:  # the last answer failed too (shown, with its warnings)
            render.note(f"none of {attempts} answers passed every check: {why}")
        else:
            render.note(f"took {attempts} attempts: {why}")
    if result.get("applied"):
        render.note(f"applied to {result['path']} (request {result['request_id']})")
    elif result.get("diff"):
        render.note(f"not applied; run again with --apply to write {result['path']}")


@app.command(
    epilog="Examples: codesaga refactor app.py  ·  codesaga refactor app.py --lines 10:40 "
    "--instruction 'extract a function' --apply  ·  codesaga refactor src/*.py -i 'add type "
    "hints' --apply --verify 'pytest -q'"
)
def refactor(
    ctx: typer.Context,
    files: Annotated[
        list[Path], typer.Argument(help="Source files to refactor.", show_default=False)
    ],
    lines: LinesOpt = None,
    instruction: Annotated[
        str | None,
        typer.Option("--instruction", "-i", help="How to refactor (default: improve readability)."),
    ] = None,
    apply: ApplyOpt = False,
    verify: VerifyOpt = None,
    verify_timeout: VerifyTimeoutOpt = None,
    attempts: AttemptsOpt = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Refactor files or some lines; shows diffs. --apply writes them as one saga: journaled,
    validated, optionally verified, restored on any failure, undoable (`codesaga saga`)."""
    if lines and len(files) > 1:
        raise UsageError("--lines works with one file; give one file or leave --lines out")
    if instruction is not None and not instruction.strip():  # before a daemon starts
        raise InputError("--instruction is empty; say how to refactor, or leave it out")
    checks = Checks.given(ctx, verify, verify_timeout, apply)
    params = {"lines": lines, "instruction": instruction, "model": model, "attempts": attempts}
    if apply or verify:
        _run_saga(ctx, "refactor", files, params, checks, as_json)
        return
    # Every file checked before the model works on any (a missing last one threw away the
    # others' answers), and a file named twice refactored once, as --apply does.
    from codesaga.fs import distinct_files

    limit = Invocation.of(ctx).settings.max_file_bytes
    named = [(file, file_params(file, limit)) for file in distinct_files(files)]
    results = []
    for file, where in named:
        with render.Spinner(f"refactoring {file.name}") as spinner:
            result = Invocation.of(ctx).run_task(
                "refactor", {**where, **params}, on_delta=spinner.on_delta
            )
        if as_json:
            results.append(result)  # one JSON object in all, as --json promises
        else:
            _show_rewrite(result, as_json)
    if as_json:
        render.print_json(results[0] if len(results) == 1 else {"results": results})


@app.command(
    epilog="Examples: codesaga fix calc.py --error 'ZeroDivisionError: division by zero'  ·  "
    "codesaga fix calc.py --verify 'python -m pytest -q' --apply  ·  "
    "python calc.py 2>&1 | codesaga fix calc.py --error - --apply --verify 'python calc.py'"
)
def fix(
    ctx: typer.Context,
    file: FileArg,
    error: Annotated[
        str | None,
        typer.Option(
            "--error",
            "-e",
            show_default=False,
            help="The error message or traceback; '-' reads it from stdin. Without it, "
            "--verify's command is run first and its output is the error.",
        ),
    ] = None,
    lines: LinesOpt = None,
    apply: ApplyOpt = False,
    verify: VerifyOpt = None,
    verify_timeout: VerifyTimeoutOpt = None,
    attempts: AttemptsOpt = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fix a file given the error it fails with (or that --verify's command fails with);
    shows a diff. --apply writes it as a saga (retried while --verify fails, restored if it
    never passes, undoable with `codesaga saga undo`); --verify without --apply shows the
    first rewrite that passes."""
    from codesaga.domain.errors import InputError
    from codesaga.fs import read_source

    # A file that cannot be fixed is said before --verify's command runs: it used to run
    # first, and `fix nosuch.py --verify true` said "passes already" and exited 0.
    read_source(file, Invocation.of(ctx).settings.max_file_bytes)
    checks = Checks.given(ctx, verify, verify_timeout, apply)
    if error == "-":
        if sys.stdin is None or sys.stdin.closed:
            raise InputError("--error - reads the error from stdin, but stdin is closed")
        if sys.stdin.isatty():
            raise InputError(
                "--error - reads the error from stdin, but stdin is a terminal; pipe the output in"
            )
        from codesaga.saga.runner import VERIFY_OUTPUT_CHARS

        # A traceback's end says what failed: a long one keeps its end, as much as
        # --verify's output gives the model.
        error = piped_text()[-VERIFY_OUTPUT_CHARS:]
    elif error is None:
        if verify is None:
            raise UsageError(
                "fix needs the error to fix: --error MESSAGE ('-' reads it from stdin), or "
                "--verify COMMAND to run a failing command and take its output"
            )
        error = _error_from_check(verify, file, checks.timeout)
        if error is None:
            _show_passing(verify, as_json)
            return
    params = {
        "error": error,
        "failingCode": _failing_code(error, file),
        "lines": lines,
        "model": model,
        "attempts": attempts,
    }
    if apply or verify:
        _run_saga(ctx, "fix", [file], params, checks, as_json)
        return
    with render.Spinner(f"fixing {file.name}") as spinner:
        result = Invocation.of(ctx).run_task(
            "fix",
            {**file_params(file, Invocation.of(ctx).settings.max_file_bytes), **params},
            on_delta=spinner.on_delta,
        )
    _show_rewrite(result, as_json)


def _error_from_check(command: str, file: Path, timeout: float) -> str | None:
    """What ``command`` (``--verify``'s) fails with on ``file`` as it is; None: it passes."""
    from codesaga.domain.errors import InputError
    from codesaga.saga.runner import Check

    with render.Spinner(f"running {command} to see the error"):
        run = Check(command, (file.absolute(),)).run(Path.cwd(), timeout)
    if run.ok:
        return None
    if run.not_run is not None:  # its output is the shell's, nothing for the model to fix
        raise InputError(f"--verify {command!r} could not be run: {run.not_run}")
    render.note(f"`{command}` fails ({run.why}); fixing {file} for that")
    return run.output.strip() or f"`{command}` fails ({run.why}) and prints nothing"


def _show_passing(command: str, as_json: bool) -> None:
    if as_json:
        render.print_json({"status": "passing", "verify": command, "changed": []})
    else:
        render.note(f"`{command}` passes already: nothing to fix, no file was written")


def _failing_code(error: str, file: Path) -> str:
    """The code at the lines ``error`` names in the project's other files (a test's), for
    the model: files under the working directory only, never the one being fixed."""
    from codesaga.domain.failing_lines import MAX_FILE_BYTES, failing_lines
    from codesaga.fs import project_reader

    return failing_lines(error, project_reader(Path.cwd(), MAX_FILE_BYTES, exclude=[file]))


@dataclass(frozen=True)
class Checks:
    verify: str | None
    apply: bool  # False: a trial, the files are put back after --verify passed
    timeout: float  # seconds --verify's command may run

    @classmethod
    def given(
        cls, ctx: typer.Context, verify: str | None, timeout: float | None, apply: bool
    ) -> Checks:
        if timeout is not None and verify is None:
            raise UsageError("--verify-timeout goes with --verify: give the command to time")
        settings = Invocation.of(ctx).settings
        return cls(verify, apply, timeout or settings.verify_timeout_seconds)


def _run_saga(
    ctx: typer.Context,
    method: str,
    files: list[Path],
    params: dict[str, Any],
    checks: Checks,
    as_json: bool,
) -> None:
    """Rewrite ``files`` as one saga: the model works on the snapshot the saga took."""
    from codesaga.saga.runner import SagaRunner

    settings = Invocation.of(ctx).settings
    runner = SagaRunner(Invocation.of(ctx).saga_store(), settings.max_file_bytes, checks.timeout)
    attempts = params.pop("attempts", None) or settings.rewrite_attempts
    verb = {"refactor": "refactoring", "fix": "fixing"}[method]
    warnings: dict[Path, list[str]] = {}
    try:
        with render.Spinner(f"{verb} {len(files)} file(s)") as spinner:
            result = runner.run(
                method,
                files,
                _daemon_rewrite(ctx, method, files, params, spinner, warnings),
                verify=checks.verify,
                details={k: v for k, v in params.items() if v is not None},
                progress=spinner.stage,
                attempts=attempts,
                budget_seconds=settings.rewrite_budget_seconds,
                apply=checks.apply,
            )
    except KeyboardInterrupt as exc:
        # What the rollback could not do as asked (main prints a CodeSagaError's notes with
        # it; an interrupt is only "interrupted" there).
        for said in getattr(exc, "__notes__", ()):
            render.warn(said)
        raise
    _show_saga(result, checks, as_json, warnings)


def _daemon_rewrite(
    ctx: typer.Context,
    method: str,
    files: list[Path],
    params: dict[str, Any],
    spinner: render.Spinner,
    warnings: dict[Path, list[str]],
) -> Rewrite:
    """The saga's rewrite: one request to the daemon, with the attempts left and the
    rewrite --verify refused last time; what each file's answer warned of is shown at once,
    and kept in ``warnings`` until another answer for that file replaces it."""
    from codesaga.saga.runner import Rewritten

    def rewrite(path: Path, text: str, ask: Ask) -> Rewritten:
        shown = next((f for f in files if f.absolute() == path), path)
        request = {**file_params(shown, None), "content": text, **params, "attempts": ask.attempts}
        if ask.retry is not None:
            request["retry"] = {"text": ask.retry.text, "problem": ask.retry.problem}
        result = Invocation.of(ctx).run_task(method, request, on_delta=spinner.on_delta)
        warnings[path] = [f"{shown}: {warning}" for warning in result.get("warnings", [])]
        for warning in warnings[path]:
            render.warn(warning)
        return Rewritten(
            str(result["text"]),
            attempts=int(result.get("attempts", 1)),
            failed_checks=tuple(result.get("failed_checks", ())),
        )

    return rewrite


def _show_saga(
    result: SagaResult, checks: Checks, as_json: bool, warnings: dict[Path, list[str]]
) -> None:
    if as_json:
        # A script reads what the answers written warned of (a name the rewrite no longer
        # defines) here, not on stderr.
        said = [warning for each in warnings.values() for warning in each]
        render.print_json({**result.to_dict(), **({"warnings": said} if said else {})})
        return
    for diff in result.diffs.values():
        render.diff(diff)
    for note in result.notes:
        render.note(note)
    tries = max(result.attempts.values(), default=1)
    took = f" after {tries} attempts" if tries > 1 else ""
    if not result.changed:
        render.note(f"saga {result.id}: the model changed nothing; no file was written")
    elif not checks.apply:
        render.note(
            f"saga {result.id}: --verify passed{took}; the files were put back, run again "
            "with --apply to write them"
        )
    else:
        render.note(
            f"saga {result.id}: {len(result.changed)} file(s) written"
            + (f", verified{took}" if checks.verify else took)
            + f"; undo with `codesaga saga undo {result.id}`"
        )
