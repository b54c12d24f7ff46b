"""The config watcher applies every config.toml edit, even one made before it watched."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from codesaga.daemon.config_watch import ConfigWatcher
from codesaga.settings import Settings, load_settings


class Applied:
    """Records what the watcher applied, and lets a test wait for it."""

    def __init__(self) -> None:
        self.settings: list[Settings] = []
        self.event = asyncio.Event()

    async def __call__(self, fresh: Settings) -> None:
        self.settings.append(fresh)
        self.event.set()


def watcher_for(tmp_path: Path, applied: Applied) -> tuple[ConfigWatcher, Path]:
    env = {"CODESAGA_HOME": str(tmp_path / "home")}
    boot = load_settings(env)
    config = boot.config_dir / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    return ConfigWatcher(config, boot, lambda: load_settings(env), applied, 0.05), config


def test_an_edit_made_before_the_watch_began_is_applied(tmp_path: Path) -> None:
    async def scenario() -> None:
        applied = Applied()
        watcher, config = watcher_for(tmp_path, applied)
        # The daemon read its settings, then the user edited the file: no event will come.
        config.write_text("max_tokens = 123\n")
        assert await watcher.check() is True
        assert [s.max_tokens for s in applied.settings] == [123]
        assert await watcher.check() is False  # the same file is applied once

    asyncio.run(scenario())


def test_an_unchanged_or_equivalent_file_is_not_reapplied(tmp_path: Path) -> None:
    async def scenario() -> None:
        applied = Applied()
        watcher, config = watcher_for(tmp_path, applied)
        assert await watcher.check() is False  # no file: the defaults, as loaded
        config.write_text("# only a comment\n")
        assert await watcher.check() is False  # new bytes, the same settings
        assert applied.settings == []

    asyncio.run(scenario())


def test_a_bad_edit_is_skipped_and_the_next_good_one_applies(tmp_path: Path) -> None:
    async def scenario() -> None:
        applied = Applied()
        watcher, config = watcher_for(tmp_path, applied)
        config.write_text("max_tokens = \n")  # mid-edit: not TOML
        assert await watcher.check() is False
        config.write_text("max_tokens = 77\n")
        assert await watcher.check() is True
        assert [s.max_tokens for s in applied.settings] == [77]

    asyncio.run(scenario())


def test_the_running_watcher_applies_an_edit_written_as_it_starts(tmp_path: Path) -> None:
    async def scenario() -> None:
        applied = Applied()
        watcher, config = watcher_for(tmp_path, applied)
        task = asyncio.create_task(watcher.run())
        config.write_text("max_tokens = 55\n")  # races the watch's start on purpose
        try:
            await asyncio.wait_for(applied.event.wait(), 30)
        finally:
            task.cancel()
        assert applied.settings[-1].max_tokens == 55

    asyncio.run(scenario())


def test_a_watch_that_cannot_start_falls_back_to_checking_on_a_heartbeat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With inotify's limits used up the watch task died, silently, and no edit was applied
    # again until a restart.
    import watchfiles

    def exhausted(*args: object, **kwargs: object) -> object:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(watchfiles, "awatch", exhausted)

    async def scenario() -> None:
        applied = Applied()
        watcher, config = watcher_for(tmp_path, applied)
        task = asyncio.create_task(watcher.run())
        try:
            await asyncio.sleep(0.2)
            config.write_text("max_tokens = 77\n")
            await asyncio.wait_for(applied.event.wait(), 5)
            assert [s.max_tokens for s in applied.settings] == [77]
        finally:
            task.cancel()

    asyncio.run(scenario())


def test_settings_refused_for_a_missing_model_apply_once_the_models_folder_changes(
    tmp_path: Path,
) -> None:
    # The file was marked seen before it was applied: once the model was pulled, nothing
    # tried again, and the edit's other keys (private_paths) stayed out of force too.
    async def scenario() -> None:
        tries: list[Settings] = []

        async def apply(fresh: Settings) -> None:
            tries.append(fresh)
            if not (fresh.models_dir / "big.gguf").exists():
                raise RuntimeError("model 'big' is not installed")

        env = {"CODESAGA_HOME": str(tmp_path / "home")}
        boot = load_settings(env)
        config = boot.config_dir / "config.toml"
        config.parent.mkdir(parents=True)
        boot.models_dir.mkdir(parents=True)
        watcher = ConfigWatcher(config, boot, lambda: load_settings(env), apply, 0.05)
        config.write_text('max_tokens = 99\nprivate_paths = ["secrets/*"]\n')
        assert await watcher.check() is False and len(tries) == 1
        assert await watcher.check() is False and len(tries) == 1  # not again and again
        (boot.models_dir / "big.gguf").write_bytes(b"pulled")
        assert await watcher.check() is True and len(tries) == 2
        assert watcher.applied.private_paths == ("secrets/*",)

    asyncio.run(scenario())
