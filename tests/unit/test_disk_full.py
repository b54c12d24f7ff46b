"""A full disk under the daemon's own stores: answers go on where nothing of the user's is
at stake (the request journal, the response cache), and what cannot be saved says why."""

from __future__ import annotations

import errno
import logging
import sqlite3
from pathlib import Path

import pytest

from codesaga.domain.enums import RequestStatus, RequestType
from codesaga.domain.requests import RequestRecord, new_request_id
from codesaga.engine.fake import FakeEngine
from codesaga.protocol import jsonrpc
from codesaga.service.journal import DiskJournal
from codesaga.service.stores import DiskStore
from codesaga.settings import load_settings
from tests.unit.test_tasks import models_dir  # noqa: F401

FULL = sqlite3.OperationalError("database or disk is full")


def no_room(*args: object) -> None:
    raise FULL


def test_the_journal_answers_on_without_recording_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Every completion failed: "internal error: OperationalError: database or disk is full".
    journal = DiskJournal(tmp_path / "journal")
    room = journal._store.set
    journal._store.set = no_room  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="codesaga.service.journal"):
        for _ in range(3):
            record = RequestRecord(new_request_id(), RequestType.COMPLETION, {})
            journal.save(record)
            record.status = RequestStatus.COMPLETED
            journal.save(record)
        journal._store.set = room  # type: ignore[method-assign]
        journal.save(record)
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 2 and "cannot be written (database or disk is full)" in said[0]
    assert "written again" in said[1]
    assert journal.get(record.id) is not None
    journal.close()


def test_the_response_cache_answers_what_it_cannot_keep(
    models_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    from codesaga.bootstrap import build_pool
    from codesaga.service.cache import CachedRunner
    from codesaga.service.journal import MemoryJournal
    from codesaga.service.runner import DirectRunner
    from codesaga.service.tasks import Assistant

    settings = load_settings(
        {"CODESAGA_HOME": str(models_dir.parent), "CODESAGA_MODELS_DIR": str(models_dir)}
    )
    engine = FakeEngine()
    pool = build_pool(settings, lambda resolved: engine)
    store = DiskStore(tmp_path / "cache")
    store.set = no_room  # type: ignore[method-assign]
    assistant = Assistant(
        settings, CachedRunner(DirectRunner(pool), pool.resolver, store), MemoryJournal()
    )
    engine.enqueue("```python\nprint('hi')\n```")
    assert "print('hi')" in assistant.generate("say hi").text
    store.close()


@pytest.mark.parametrize(
    "full", [FULL, OSError(errno.ENOSPC, "No space left on device"), OSError(errno.EDQUOT, "q")]
)
def test_what_cannot_be_saved_says_the_disk_is_full(full: BaseException) -> None:
    # A chat's message cannot be kept: an "internal error: OperationalError" said nothing.
    error = jsonrpc.error_from_exception(full)
    assert error.code == jsonrpc.INPUT_ERROR
    assert error.message.startswith("the daemon's disk is full (") and "free some space" in (
        error.message
    )
    assert jsonrpc.error_from_exception(RuntimeError("boom")).code == jsonrpc.INTERNAL_ERROR
