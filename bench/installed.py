"""What every benchmark needs first: an installed model (or a clear exit saying how), and
inputs that stay the same while the code changes."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from codesaga.client.lifecycle import stop_daemon
from codesaga.model_files.presets import PRESETS
from codesaga.model_files.store import ModelStore
from codesaga.settings import Settings, load_settings


def installed_model(settings: Settings, name: str) -> Path:
    store = ModelStore(settings.models_dir)
    preset = PRESETS[name]
    if not store.is_installed(preset):
        sys.exit(f"{name} is not installed: codesaga models pull {name}")
    return store.path_for(preset)


ROOT = Path(__file__).resolve().parent.parent


def text_at(commit: str, source: Path) -> str:
    """A file of this repository as of ``commit``, so a benchmark's inputs stay the same while
    the code changes (runs of different commits stay comparable); other files, or no git, as
    they are now."""
    if source.is_relative_to(ROOT):
        shown = subprocess.run(
            ["git", "show", f"{commit}:{source.relative_to(ROOT).as_posix()}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if shown.returncode == 0:
            return shown.stdout
        print(f"note: {source.name} as in the working copy (no commit {commit[:7]})")
    return source.read_text()


def isolated_env(home: Path, models_dir: Path, **settings: str) -> dict[str, str]:
    """This process's environment without CODESAGA_ variables, with a fresh CODESAGA_HOME,
    the installed models and ``settings``; installed as os.environ too, so that the daemon a
    benchmark starts inherits it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODESAGA_")}
    env.update(CODESAGA_HOME=str(home), CODESAGA_MODELS_DIR=str(models_dir), **settings)
    os.environ.clear()
    os.environ.update(env)
    return env


@contextmanager
def fresh_daemon(models_dir: Path, **settings: str) -> Iterator[Settings]:
    """The settings of a daemon of its own (a temporary CODESAGA_HOME, the installed models
    and ``settings``; see isolated_env), which is stopped on the way out. It runs on as many
    threads as this user's settings say, as the peers the benches start do (they take
    ``load_settings().threads``): left to its default, it had every core while a peer had
    CODESAGA_N_THREADS's."""
    settings = {"CODESAGA_N_THREADS": str(load_settings().threads), **settings}
    with tempfile.TemporaryDirectory(prefix="codesaga-bench-") as tmp:
        own = load_settings(isolated_env(Path(tmp) / "home", models_dir, **settings))
        try:
            yield own
        finally:
            stop_daemon(own)


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """``--set KEY=VALUE``: a setting for the daemon a benchmark starts (repeatable)."""
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting for codesaga's daemon, e.g. completion_suffix_lines=16 (repeatable)",
    )


def setting_overrides(items: list[str]) -> dict[str, str]:
    """``--set`` values as the daemon's environment variables."""
    overrides = {}
    for item in items:
        key, _, value = item.partition("=")
        overrides[f"CODESAGA_{key.strip().upper()}"] = value.strip()
    return overrides
