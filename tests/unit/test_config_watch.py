"""The config watcher applies every config.toml edit, even one made before it watched."""

from __future__ import annotations

import asyncio
from pathlib import Path

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
