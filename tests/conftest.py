"""Shared fixtures. Every test runs with CODESAGA_HOME in a temp dir, so none touches the real
home; tests that need the real models read them, read-only, from the user's models dir
(installed by `python3 scripts/dev.py test` before pytest runs)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from codesaga.model_files.presets import PRESETS
from codesaga.model_files.store import ModelStore
from codesaga.settings import load_settings

# Resolved once, before any test changes the environment.
REAL_MODELS_DIR = load_settings(os.environ).models_dir
SMALL = "qwen2.5-coder-0.5b"
LARGE = "qwen2.5-coder-1.5b"


@pytest.fixture(autouse=True)
def codesaga_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in list(os.environ):
        if key.startswith("CODESAGA_"):
            monkeypatch.delenv(key)
    home = tmp_path / "codesaga-home"
    monkeypatch.setenv("CODESAGA_HOME", str(home))
    return home


def installed_model(name: str) -> Path:
    preset = PRESETS[name]
    store = ModelStore(REAL_MODELS_DIR)
    if not store.is_installed(preset):
        pytest.fail(
            f"{name} is not installed in {REAL_MODELS_DIR}; run: codesaga models pull "
            f"{name} (scripts/dev.py test does)"
        )
    return store.path_for(preset)


@pytest.fixture(scope="session")
def small_model() -> Path:
    return installed_model(SMALL)


@pytest.fixture(scope="session")
def large_model() -> Path:
    return installed_model(LARGE)


def codesaga_exe() -> str:
    exe = Path(sys.executable).with_name("codesaga")
    return str(exe) if exe.exists() else shutil.which("codesaga") or "codesaga"


@pytest.fixture
def cli_env(codesaga_home: Path) -> dict[str, str]:
    """Environment for the installed command: isolated home, the real models, 0.5B model."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODESAGA_")}
    env.update(
        CODESAGA_HOME=str(codesaga_home),
        CODESAGA_MODELS_DIR=str(REAL_MODELS_DIR),
        CODESAGA_MODEL=SMALL,
        NO_COLOR="1",
        COLUMNS="120",
    )
    return env


class Cli:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd

    def __call__(
        self, *args: str, stdin: str | None = None, timeout: float = 600, **env: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [codesaga_exe(), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**self.env, **env},
            cwd=self.cwd,
            timeout=timeout,
            check=False,
        )


@pytest.fixture
def cli(cli_env: dict[str, str], tmp_path: Path) -> Iterator[Cli]:
    """The installed command; a daemon it auto-started is stopped when the test ends."""
    cli = Cli(cli_env, tmp_path)
    yield cli
    stop_daemon(cli_env)


def stop_daemon(env: dict[str, str]) -> None:
    from codesaga.client.lifecycle import stop_daemon as stop
    from codesaga.settings import load_settings

    stop(load_settings(env))
