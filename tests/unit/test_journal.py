"""The journal never shows as in progress a request that no live process runs."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from codesaga.domain.enums import RequestStatus, RequestType
from codesaga.domain.requests import RequestRecord
from codesaga.service.journal import DiskJournal, Journal, MemoryJournal
from codesaga.service.processes import current_owner, owner_alive

if TYPE_CHECKING:
    from codesaga.inprocess import LocalClient


def a_dead_process() -> str:
    """The owner string of a process that has exited (ours: we ran it)."""
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from codesaga.service.processes import current_owner as o; print(o())",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


def test_owners_are_alive_while_they_run() -> None:
    dead = a_dead_process()
    assert owner_alive(current_owner())
    assert not owner_alive(dead)
    assert not owner_alive(None) and not owner_alive("") and not owner_alive("x")
    pid, _, start = current_owner().partition(":")
    if start:  # a reused pid (same number, another start time) is not the same process
        assert not owner_alive(f"{pid}:{int(start) + 1}")


@pytest.fixture(params=["memory", "disk"])
def journal(request: pytest.FixtureRequest, tmp_path: Path) -> Journal:
    return MemoryJournal() if request.param == "memory" else DiskJournal(tmp_path / "journal")


def test_only_requests_of_dead_processes_are_failed_once(journal: Journal) -> None:
    dead, alive = a_dead_process(), current_owner()
    statuses = [RequestStatus.PENDING, RequestStatus.PROCESSING, RequestStatus.COMPLETED]
    records = {}
    for owner in (dead, alive, None):
        for status in statuses:
            record = RequestRecord(f"{owner}-{status}", RequestType.GENERATE, {}, owner=owner)
            record.status = status
            journal.save(record)
            records[record.id] = (owner, status)
    assert journal.abandon_unfinished() == 4  # the dead one's and the unowned (old) ones
    for rid, (owner, status) in records.items():
        got = journal.get(rid)
        assert got is not None
        if owner != alive and not status.is_final:
            assert got.status is RequestStatus.FAILED
            assert got.error and "stopped before it finished" in got.error
            assert got.finished_at is None  # when it died is not known: not when found
        else:
            assert got.status is status  # a live owner's work and a finished one: untouched
    assert journal.abandon_unfinished() == 0
    journal.close()


def test_listing_returns_the_newest_first_and_reads_no_more_than_it_must(
    journal: Journal,
) -> None:
    import time

    from codesaga.domain.requests import new_request_id

    ids = []
    for i in range(30):
        record = RequestRecord(new_request_id(), RequestType.GENERATE, {}, created_at=float(i))
        record.status = RequestStatus.COMPLETED if i % 3 else RequestStatus.FAILED
        journal.save(record)
        ids.append(record.id)
        time.sleep(0.002)  # ids order by the millisecond
    assert ids == sorted(ids)  # creation order is key order
    assert [r.id for r in journal.query(limit=5)] == ids[::-1][:5]
    failed = journal.query(status=RequestStatus.FAILED, limit=3)
    assert [r.id for r in failed] == [ids[27], ids[24], ids[21]]
    assert journal.query(limit=0) == []  # `requests --limit 0` listed one
    journal.close()


@pytest.fixture
def answered_twice(tmp_path: Path) -> Iterator[LocalClient]:
    """A daemon (in process, a fake engine) that has answered two generate requests."""
    from codesaga.bootstrap import build_daemon
    from codesaga.engine.fake import FakeEngine
    from codesaga.inprocess import LocalClient
    from codesaga.settings import load_settings
    from tests.ggufgen import write_gguf

    env = {
        "CODESAGA_HOME": str(tmp_path / "home"),
        "CODESAGA_MODEL": str(write_gguf(tmp_path / "m.gguf")),
    }
    settings = load_settings(env)
    engine = FakeEngine()
    client = LocalClient(settings, build_daemon(settings, lambda resolved: engine))
    try:
        for answer in ("one", "two"):
            engine.enqueue(answer)
            client.call("generate", {"prompt": f"say {answer}"})
        yield client
    finally:
        client.close()


def test_a_listing_asked_for_no_records_gets_none(answered_twice: LocalClient) -> None:
    listed = [answered_twice.call("requests/list", {"limit": n})["requests"] for n in (0, 1, 5)]
    assert [len(records) for records in listed] == [0, 1, 2]  # 0 listed one


def test_a_listing_stops_at_its_size_and_says_so(
    answered_twice: LocalClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Failed fixes keep their 1 MiB errors: 150 of them made a 73-byte request's answer
    # 150 MB, which the daemon built and buffered whole.
    from codesaga.daemon.handlers import journal as handlers

    whole = answered_twice.call("requests/list", {"limit": 5})
    assert len(whole["requests"]) == 2 and "truncated" not in whole
    monkeypatch.setattr(handlers, "MAX_LISTING_CHARS", 100)  # less than one record
    cut = answered_twice.call("requests/list", {"limit": 5})
    assert cut["requests"] == whole["requests"][:1] and cut["truncated"] is True


def test_stats_read_the_newest_records_and_say_how_many(
    answered_twice: LocalClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # They read up to 100,000 records: 15 s on this machine for a journal of months.
    from codesaga.daemon.handlers import journal as handlers

    stats = answered_twice.call("stats", {})
    assert [m["usage_count"] for m in stats["models"] if m["model"] == "m.gguf"] == [2]
    assert stats["journal_window"] == {"records": 2, "limit": handlers.STATS_RECORDS}
    monkeypatch.setattr(handlers, "STATS_RECORDS", 1)
    stats = answered_twice.call("stats", {})
    assert [m["usage_count"] for m in stats["models"] if m["model"] == "m.gguf"] == [1]
    assert stats["journal_window"] == {"records": 1, "limit": 1}


def _counting_reads(journal: DiskJournal) -> list[str]:
    """The keys the journal's records are read by, from now on."""
    reads: list[str] = []
    store = journal._store
    get = store.get

    def counted(key: str) -> object:
        reads.append(key)
        return get(key)

    store.get = counted  # type: ignore[method-assign]
    return reads


def _record(status: RequestStatus, owner: str | None) -> RequestRecord:
    from codesaga.domain.requests import new_request_id

    record = RequestRecord(new_request_id(), RequestType.COMPLETION, {}, owner=owner)
    record.status = status
    return record


def test_a_sweep_reads_the_unfinished_records_not_the_whole_journal(tmp_path: Path) -> None:
    # Every daemon start read the whole journal for what a dead process left: 10 s per
    # 100,000 records (a month of completions) before the daemon answered anyone.
    dead = a_dead_process()
    journal = DiskJournal(tmp_path / "journal")
    for _ in range(300):
        journal.save(_record(RequestStatus.COMPLETED, None))
    left = _record(RequestStatus.PROCESSING, dead)
    journal.save(left)
    running = _record(RequestStatus.PROCESSING, current_owner())
    journal.save(running)
    reads = _counting_reads(journal)
    assert journal.abandon_unfinished() == 1
    assert len(reads) <= 4, reads  # the two unfinished ones (and a re-read in transaction)
    assert journal.get(left.id).status is RequestStatus.FAILED  # type: ignore[union-attr]
    killed = _record(RequestStatus.PENDING, dead)
    journal.save(killed)
    reads.clear()
    assert journal.abandon_unfinished() == 1
    assert set(reads) <= {running.id, killed.id}  # `left` is final now: its mark is gone
    running.status = RequestStatus.COMPLETED
    journal.save(running)
    reads.clear()
    assert journal.abandon_unfinished() == 0 and reads == []
    journal.close()


def test_a_journal_written_without_marks_is_swept_whole_once(tmp_path: Path) -> None:
    # A journal from the version before the marks: its unfinished records have none.
    dead = a_dead_process()
    from codesaga.service.stores import DiskStore

    older = DiskStore(tmp_path / "journal")  # as the older version wrote it
    old = [_record(s, o) for s, o in [(RequestStatus.PROCESSING, dead),
                                      (RequestStatus.PENDING, current_owner()),
                                      (RequestStatus.COMPLETED, dead)]]  # fmt: skip
    for record in old:
        older.set(record.id, record.to_dict())
    older.close()
    journal = DiskJournal(tmp_path / "journal")
    reads = _counting_reads(journal)
    assert journal.abandon_unfinished() == 1
    assert {old[0].id, old[1].id, old[2].id} <= set(reads)
    journal.close()
    journal = DiskJournal(tmp_path / "journal")  # the next daemon
    reads = _counting_reads(journal)
    assert journal.abandon_unfinished() == 0
    assert set(reads) == {old[1].id}  # the live one's mark was set by the whole sweep
    journal.close()


def test_a_mark_without_its_record_is_kept_while_the_record_may_be_on_its_way(
    tmp_path: Path,
) -> None:
    journal = DiskJournal(tmp_path / "journal")
    journal.abandon_unfinished()  # marked
    fresh = _record(RequestStatus.PENDING, a_dead_process())
    journal._open.set(fresh.id, True)  # marked; the record not written yet
    evicted = "00000000001abcde"  # an id of 1970: its record is long gone
    journal._open.set(evicted, True)
    assert journal.abandon_unfinished() == 0
    assert journal._open.get(fresh.id) and journal._open.get(evicted) is None
    journal._store.set(fresh.id, fresh.to_dict())  # written now: a dead process's
    assert journal.abandon_unfinished() == 1
    journal.close()
