"""The key-value stores: memory and diskcache behave alike, and the disk store opens what the
journal, the sessions and the caches wrote before they shared it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from codesaga.domain.chat import Session
from codesaga.domain.enums import RequestType
from codesaga.domain.errors import InputError
from codesaga.domain.requests import RequestRecord
from codesaga.service.journal import DiskJournal
from codesaga.service.sessions import DiskSessionStore
from codesaga.service.stores import DiskStore, KeyValueStore, MemoryStore


@pytest.fixture(params=["memory", "disk"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> KeyValueStore:
    return MemoryStore() if request.param == "memory" else DiskStore(tmp_path / "store")


def test_values_counters_keys_and_deletes(store: KeyValueStore) -> None:
    assert store.get("b") is None
    store.set("b", {"answer": [1, 2]})
    store.set("a", "first")
    assert store.get("b") == {"answer": [1, 2]}
    assert store.incr("hits") == 1 and store.incr("hits", 4) == 5
    assert list(store.iterkeys()) == ["a", "b", "hits"]
    assert list(store.iterkeys(reverse=True)) == ["hits", "b", "a"]
    with store.transact():
        store.set("a", store.get("a") + " and second")
    assert store.get("a") == "first and second"
    assert store.delete("a") and not store.delete("a")
    assert store.get("a") is None
    store.close()


def test_the_disk_store_is_private_and_keeps_its_data(tmp_path: Path) -> None:
    store = DiskStore(tmp_path / "deep" / "store")
    store.set("k", 1)
    store.close()
    assert stat.S_IMODE((tmp_path / "deep" / "store").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "deep").stat().st_mode) == 0o700
    assert DiskStore(tmp_path / "deep" / "store").get("k") == 1


def test_data_written_before_the_shared_store_still_opens(tmp_path: Path) -> None:
    import diskcache

    # As the journal and the sessions opened their directories themselves, before.
    record = RequestRecord("r1", RequestType.GENERATE, {"file": "a.py"})
    with diskcache.Cache(
        str(tmp_path / "journal"),
        size_limit=256 * 1024 * 1024,
        eviction_policy="least-recently-stored",
    ) as cache:
        cache.set(record.id, record.to_dict())
    session = Session.new("old chat", None)
    with diskcache.Cache(
        str(tmp_path / "sessions"), eviction_policy="none", size_limit=2**62
    ) as cache:
        cache.set(session.id, session.to_dict())

    journal = DiskJournal(tmp_path / "journal")
    found = journal.get("r1")
    assert found is not None and found.input == {"file": "a.py"}
    journal.close()
    sessions = DiskSessionStore(tmp_path / "sessions")
    assert [s.name for s in sessions.all()] == ["old chat"]
    sessions.close()
    # ...and the settings the old code stored are the ones the new code keeps.
    with diskcache.Cache(str(tmp_path / "sessions")) as cache:
        assert cache.eviction_policy == "none" and cache.size_limit == 2**62
    with diskcache.Cache(str(tmp_path / "journal")) as cache:
        assert cache.eviction_policy == "least-recently-stored"


def test_records_a_newer_version_wrote_are_read() -> None:
    # A field added by a newer version made the journal (`codesaga requests`) and the
    # confidence gate's lane fail on every read after a downgrade.
    from codesaga.domain.requests import RequestRecord
    from codesaga.service.confidence_gate import KEY_PREFIX, ConfidenceGate
    from codesaga.settings import load_settings

    record = RequestRecord.from_dict(
        {"id": "r1", "type": "chat", "input": {}, "status": "completed", "priority": 3,
         "timings": {"queue_seconds": 0.1, "gpu_seconds": 2.0}}
    )  # fmt: skip
    assert record.id == "r1" and record.timings.queue_seconds == 0.1
    feedback = MemoryStore()
    feedback.set(f"{KEY_PREFIX}python:m", {"factor": 2.0, "shown": 3, "streak": 9})
    gate = ConfidenceGate(load_settings({}), feedback)
    assert gate.threshold("m", "python") == 2.0 * gate.threshold("other", "python")


def test_a_damaged_store_is_said_or_for_a_cache_started_afresh(tmp_path: Path) -> None:
    # sqlite3's "file is not a database" ended the daemon's start in a traceback, for the
    # throwaway response cache too.
    for name in ("sessions", "responses"):
        store = DiskStore(tmp_path / name)
        store.set("k", "v")
        store.close()
        (tmp_path / name / "cache.db").write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(InputError, match=r"sessions/cache.db is damaged .*restore it"):
        DiskStore(tmp_path / "sessions")
    fresh = DiskStore(tmp_path / "responses", disposable=True)
    assert fresh.get("k") is None
    fresh.set("k", "again")
    assert [p.name for p in tmp_path.glob("responses.damaged-*")]  # kept aside, not deleted


def test_a_store_that_cannot_be_opened_on_a_full_disk_is_not_called_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "cache.db is damaged (database or disk is full); ... move its directory aside": a
    # user with a full disk was told to put their chat sessions aside, and the response
    # cache was moved aside for it.
    import sqlite3

    import diskcache

    for name in ("sessions", "responses"):
        DiskStore(tmp_path / name).close()

    def full(*args: object, **kw: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(diskcache, "Cache", full)
    with pytest.raises(InputError) as caught:
        DiskStore(tmp_path / "sessions")
    assert "cannot be opened (database or disk is full)" in str(caught.value)
    assert "damaged" not in str(caught.value)
    with pytest.raises(InputError, match="cannot be opened"):
        DiskStore(tmp_path / "responses", disposable=True)
    assert not list(tmp_path.glob("*.damaged-*"))  # nothing moved aside


def test_a_damaged_journal_or_feedback_is_set_aside_and_the_daemon_starts(
    tmp_path: Path,
) -> None:
    # A journal found damaged stopped the daemon from starting until the user moved it:
    # records of what was asked, and the gate's counts, are nothing to stop work for.
    from codesaga.bootstrap import build_daemon
    from codesaga.engine.fake import FakeEngine
    from codesaga.settings import load_settings

    env = {"CODESAGA_HOME": str(tmp_path / "home")}
    settings = load_settings(env)
    for name in ("journal", "feedback"):
        DiskStore(settings.state_dir / name).close()
        (settings.state_dir / name / "cache.db").write_bytes(b"not sqlite at all" * 100)
    daemon = build_daemon(settings, lambda resolved: FakeEngine())
    try:
        assert daemon.journal.query() == []
    finally:
        daemon.close()
    aside = sorted(p.name.split(".")[0] for p in settings.state_dir.glob("*.damaged-*"))
    assert aside == ["feedback", "journal"]  # kept, not deleted
