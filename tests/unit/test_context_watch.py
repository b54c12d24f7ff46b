"""The context watcher with real files: chunks follow the disk, but an editor's unsaved
text (newer than the disk) is not taken for a stale copy of the file."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

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
