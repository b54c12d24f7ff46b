"""`codesaga hook`: the git pre-commit hook."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from codesaga.cli import render
from codesaga.cli.invocation import Invocation, hook_patches

if TYPE_CHECKING:
    from codesaga.saga.hook import HookReport, Rewrite

app = typer.Typer(
    help="The git pre-commit hook: refactor staged files without losing unstaged work.",
    no_args_is_help=True,
)


@app.command("install", epilog="Example: codesaga hook install")
def hook_install(ctx: typer.Context) -> None:
    """Install the pre-commit hook in this repository (an existing hook keeps running first).
    Its mode and globs are settings: hook_mode, hook_globs, hook_instruction."""
    from codesaga.saga import hook, hook_install

    render.note(hook_install.install(hook.repo_root()))


@app.command("uninstall", epilog="Example: codesaga hook uninstall")
def hook_uninstall(ctx: typer.Context) -> None:
    """Remove the hook (and put back the one it chained, if any)."""
    from codesaga.saga import hook, hook_install

    render.note(hook_install.uninstall(hook.repo_root()))


@app.command(
    "run", epilog="Example: codesaga hook run --mode suggest  (git runs it before each commit)"
)
def hook_run(
    ctx: typer.Context,
    mode: Annotated[
        str | None,
        typer.Option("--mode", help="suggest, apply or check (default: the hook_mode setting)."),
    ] = None,
    globs: Annotated[
        list[str] | None,
        typer.Option("--glob", help="Staged files to refactor (default: hook_globs)."),
    ] = None,
) -> None:
    """Refactor the staged files. Bypass with `git commit --no-verify` or CODESAGA_SKIP=1."""
    import os

    from codesaga.cli.exits import exit_code_for
    from codesaga.domain.errors import CodeSagaError
    from codesaga.saga import hook

    if os.environ.get(hook.SKIP_ENV) == "1":
        return
    settings = Invocation.of(ctx).settings
    mode = mode or settings.hook_mode
    patterns = globs or list(settings.hook_globs)
    repo = hook.repo_root()
    try:
        report = hook.run(
            repo,
            mode,
            patterns,
            _refactor_with_the_model(ctx, repo, settings.hook_instruction or None),
            store=Invocation.of(ctx).saga_store(),
            patches=hook_patches(settings),
            max_bytes=settings.max_file_bytes,
            budget_seconds=settings.hook_budget_seconds,
            say=lambda message: render.note(f"codesaga hook: {message}"),
        )
    except CodeSagaError as exc:
        if mode == "suggest":
            render.warn(f"codesaga hook: {exc}; the commit goes ahead (suggest mode never blocks)")
            return
        render.error(
            f"codesaga hook: {exc}\n{_undone(mode)}; commit with --no-verify or "
            "CODESAGA_SKIP=1 to skip the hook"
        )
        raise typer.Exit(exit_code_for(exc)) from None
    _show_report(report)
    if mode == "check" and report.suggestions:
        render.error(
            f"codesaga hook: {len(report.suggestions)} file(s) could be refactored (mode check); "
            "apply the suggestions, or commit with --no-verify"
        )
        raise typer.Exit(1)


def _refactor_with_the_model(ctx: typer.Context, repo: Path, instruction: str | None) -> Rewrite:
    """The hook's rewrite: a ``refactor`` task for each file, its warnings shown, cancelled
    when the hook's time budget runs out (a slow or stuck daemon held `git commit`)."""

    def rewrite(path: Path, text: str, seconds_left: float) -> str:
        request = {
            "path": str(path),
            "label": str(path.relative_to(repo)),
            "content": text,
            "instruction": instruction,
        }
        result = Invocation.of(ctx).run_task("refactor", request, cancel_after=seconds_left)
        for warning in result.get("warnings", []):
            render.warn(f"codesaga hook: {request['label']}: {warning}")
        return str(result["text"])

    return rewrite


def _undone(mode: str) -> str:
    if mode == "apply":  # it may have checked files out and written some before it stopped
        return "what the hook did was undone (a file changed meanwhile is named above)"
    return "nothing was changed"


def _show_report(report: HookReport) -> None:
    """What was skipped, the diffs, and what became of them."""
    for skipped in report.skipped:
        render.note(f"codesaga hook: {skipped}")
    for diff in report.suggestions.values():
        render.diff(diff)
    if report.conflict:
        render.warn(
            "codesaga hook: the refactor conflicted with your unstaged changes, so it was rolled "
            "back; your changes are kept and the commit has what you staged"
        )
    elif report.applied:
        render.note(
            f"codesaga hook: refactored and restaged {len(report.applied)} file(s) "
            f"(saga {report.saga})"
        )
