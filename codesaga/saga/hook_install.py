"""Installing and removing the git pre-commit hook (``codesaga hook install``); an
existing hook is kept and runs first."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

from codesaga.domain.errors import InputError
from codesaga.saga.hook import SKIP_ENV, git

MARK = "# codesaga pre-commit hook"
CHAINED_SUFFIX = ".pre-codesaga"


def hooks_dir(repo: Path) -> Path:
    path = Path(git(repo, "rev-parse", "--git-path", "hooks").decode().strip())
    return path if path.is_absolute() else repo / path


def install(repo: Path, command: str | None = None) -> str:
    """Write the pre-commit hook; an existing one is kept and runs first."""
    directory = hooks_dir(repo)
    git_dir = Path(git(repo, "rev-parse", "--absolute-git-dir").decode().strip())
    hooks = directory.resolve()
    if hooks.is_relative_to(repo.resolve()) and not hooks.is_relative_to(git_dir.resolve()):
        # core.hooksPath in the work tree (a team's .githooks): the hook, with this
        # machine's path to codesaga, would be committed, and the team's renamed.
        raise InputError(
            f"git's hooks are in {directory}, inside the repository (core.hooksPath): a hook "
            "written there would be committed with this machine's path to codesaga; add "
            "`codesaga hook run` to that hook yourself instead"
        )
    directory.mkdir(parents=True, exist_ok=True)
    hook = directory / "pre-commit"
    chained = directory / ("pre-commit" + CHAINED_SUFFIX)
    if hook.exists() and MARK not in hook.read_text(errors="replace"):
        if chained.exists():
            raise InputError(f"{chained} already exists; move it away and install again")
        hook.rename(chained)
    found = command or shutil.which("codesaga")
    exe = shlex.quote(found) if found else f"{shlex.quote(sys.executable)} -m codesaga"
    hook.write_text(
        "#!/bin/sh\n"
        f"{MARK} (codesaga hook uninstall removes it; an older hook runs first)\n"
        f'if [ -x "$0{CHAINED_SUFFIX}" ]; then "$0{CHAINED_SUFFIX}" "$@" || exit $?; fi\n'
        # after the older hook: skipping codesaga does not skip the user's own checks
        f'[ "${SKIP_ENV}" = 1 ] && exit 0\n'
        f"exec {exe} hook run\n"
    )
    hook.chmod(0o755)
    return f"installed {hook}" + (
        f" (your previous hook runs first: {chained})" if chained.exists() else ""
    )


def uninstall(repo: Path) -> str:
    directory = hooks_dir(repo)
    hook = directory / "pre-commit"
    chained = directory / ("pre-commit" + CHAINED_SUFFIX)
    if not hook.exists() or MARK not in hook.read_text(errors="replace"):
        return "no codesaga hook installed"
    hook.unlink()
    if chained.exists():
        chained.rename(hook)
        return f"removed; your previous hook is back at {hook}"
    return f"removed {hook}"
