"""The journal never shows as in progress a request that no live process runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codesaga.domain.enums import RequestStatus, RequestType
from codesaga.domain.requests import RequestRecord
from codesaga.service.journal import DiskJournal, Journal, MemoryJournal
from codesaga.service.processes import current_owner, owner_alive


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
            assert got.finished_at
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


def test_a_listing_asked_for_no_records_gets_none(tmp_path: Path) -> None:
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
        listed = [client.call("requests/list", {"limit": n})["requests"] for n in (0, 1, 5)]
        assert [len(records) for records in listed] == [0, 1, 2]  # 0 listed one
    finally:
        client.close()
