"""The context watcher with real files: chunks follow the disk, but an editor's unsaved
text (newer than the disk) is not taken for a stale copy of the file."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from codesaga.daemon import context_watch
from codesaga.daemon.context_watch import ContextWatcher
from codesaga.daemon.scheduler import Scheduler
from codesaga.engine.fake import FakeEngine
from codesaga.model_files.store import ModelStore
from codesaga.service.completer import Completer
from codesaga.service.engine_pool import EnginePool, ModelResolver
from codesaga.settings import load_settings
from tests.ggufgen import write_gguf

SAVED = "def area(w, h):\n    return w * h\n\n\ndef perimeter(w, h):\n    return 2 * (w + h)\n"
UNSAVED = SAVED.replace("def perimeter(w, h):", "def perimeter(w, h, scale):")


@pytest.fixture
def completer(tmp_path: Path) -> Iterator[Completer]:
    settings = load_settings(
        {"CODESAGA_HOME": str(tmp_path), "CODESAGA_MODEL": str(write_gguf(tmp_path / "m.gguf"))}
    )
    pool = EnginePool(
        ModelResolver(settings, ModelStore(tmp_path / "models")), lambda r: FakeEngine()
    )
    scheduler = Scheduler(pool)
    made = Completer(settings, scheduler, speculate=False)
    yield made
    made.close()
    scheduler.close()


def texts(completer: Completer) -> list[str]:
    return [c.text for c in completer.ring("ws").chunks()]


def test_unsaved_text_stays_until_the_file_is_written_again(
    completer: Completer, tmp_path: Path
) -> None:
    # Every context/add restarts the watch, whose first pass re-read each file: a chunk of
    # an editor's unsaved text was not in the file on disk and went within a second.
    util = tmp_path / "src" / "util.py"
    util.parent.mkdir()
    util.write_text(SAVED)
    past = time.time() - 60  # saved a minute ago
    os.utime(util, (past, past))

    async def scenario() -> None:
        watcher = ContextWatcher(completer)
        task = asyncio.create_task(watcher.run())
        try:
            completer.add_context("ws", str(util), UNSAVED, "edited")
            watcher.update()
            await asyncio.sleep(2.5)  # the watch restarted and made its first pass
            assert texts(completer) == [UNSAVED.strip("\n")]
            util.write_text("def other():\n    return 1\n")  # written since: the disk wins
            deadline = time.monotonic() + 10
            while texts(completer) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert texts(completer) == []
        finally:
            task.cancel()

    asyncio.run(scenario())


def test_a_chunk_older_than_the_files_last_write_goes(completer: Completer) -> None:
    completer.add_context("ws", "/w/util.py", UNSAVED, "edited")
    taken = completer.ring("ws").chunks()[0].taken_at
    completer.refresh_file("/w/util.py", SAVED, written_at=taken - 30)  # saved before it
    assert texts(completer) == [UNSAVED.strip("\n")]
    completer.refresh_file("/w/util.py", SAVED, written_at=taken + 0.5)  # written after
    assert texts(completer) == []


def _counting_watches(monkeypatch: pytest.MonkeyPatch, refuse_over: int | None = None) -> list[int]:
    """How many folders each watch started with (the real watch runs, unless it has more
    than ``refuse_over`` folders: then the OS's "watch limit reached" is raised)."""
    import watchfiles

    real = watchfiles.awatch
    started: list[int] = []

    def counted(*folders: str, **kw: object) -> object:
        started.append(len(folders))
        if refuse_over is not None and len(folders) > refuse_over:
            raise OSError("OS file watch limit reached")
        return real(*folders, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(watchfiles, "awatch", counted)
    return started


def test_a_file_added_in_a_folder_watched_already_keeps_the_watch(
    completer: Completer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every context/add (an editor's every switch, save and copy) rebuilt the whole watch:
    # 150 ms of the event loop with 5,000 folders, and a save made meanwhile was missed.
    started = _counting_watches(monkeypatch)
    first, second = tmp_path / "src" / "a.py", tmp_path / "src" / "b.py"
    first.parent.mkdir()
    for path in (first, second):
        path.write_text(SAVED)

    async def scenario() -> None:
        watcher = ContextWatcher(completer)
        task = asyncio.create_task(watcher.run())
        try:
            completer.add_context("ws", str(first), SAVED, "opened")
            watcher.update()
            await asyncio.sleep(1.5)
            for _ in range(5):
                completer.add_context("ws", str(second), SAVED, "opened")
                watcher.update()
                await asyncio.sleep(0.05)
            second.write_text("def other():\n    return 1\n")  # saved just then

            def seconds() -> list[str]:
                return [c.text for c in completer.ring("ws").chunks() if c.path == str(second)]

            deadline = time.monotonic() + 10
            while "def area" in "".join(seconds()) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert "def area" not in "".join(seconds())  # the save was seen
            assert started == [1]
        finally:
            task.cancel()

    asyncio.run(scenario())


def test_past_the_os_watch_limit_the_contexts_folders_are_still_watched(
    completer: Completer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # It retried the same watch twice a second for the daemon's life, watching nothing.
    import logging

    started = _counting_watches(monkeypatch, refuse_over=1)
    util = tmp_path / "src" / "util.py"
    util.parent.mkdir()
    util.write_text(SAVED)
    indexed = {str(tmp_path)} | {str(p) for p in (tmp_path / "src",)}
    (tmp_path / "lib").mkdir()
    indexed.add(str(tmp_path / "lib"))

    async def scenario() -> None:
        watcher = ContextWatcher(completer)
        monkeypatch.setattr(watcher, "_index_folders", lambda: indexed)
        task = asyncio.create_task(watcher.run())
        try:
            completer.add_context("ws", str(util), SAVED, "opened")
            watcher.update()
            await asyncio.sleep(2)
            util.write_text("def other():\n    return 1\n")
            deadline = time.monotonic() + 10
            while "def area" in "".join(texts(completer)) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert "def area" not in "".join(texts(completer))  # the change was seen
        finally:
            task.cancel()

    with caplog.at_level(logging.WARNING, logger="codesaga.daemon.context_watch"):
        asyncio.run(scenario())
    assert started[:2] == [3, 1]  # refused, then the context's folder
    assert "file watch limit is reached" in caplog.text
    # and later all of them again (the advice to raise the limit works without a restart)
    monkeypatch.setattr(context_watch, "OVER_LIMIT_SECONDS", 1)
    monkeypatch.setattr(context_watch, "REWATCH_SECONDS", 0.5)
    started.clear()
    asyncio.run(scenario())
    assert started.count(3) >= 2 and 1 in started
