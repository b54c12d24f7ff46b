"""The in-flight registry's request numbers: latest wins, and they stay bounded."""

from __future__ import annotations

from codesaga.engine.port import CancelToken
from codesaga.service.inflight import TRACKED_DOCUMENTS, InFlight


def test_a_newer_request_makes_the_older_one_stale() -> None:
    inflight = InFlight()
    older = inflight.arrive("/w/a.py")
    other = inflight.arrive("/w/b.py")
    newer = inflight.arrive("/w/a.py")
    assert not inflight.is_newest("/w/a.py", older) and inflight.is_newest("/w/a.py", newer)
    assert inflight.is_newest("/w/b.py", other)  # another document's requests do not count


def test_the_numbers_of_idle_documents_are_forgotten_past_the_bound() -> None:
    inflight = InFlight()
    reading = inflight.arrive("/w/reading.py")
    inflight.begin_read("/w/reading.py", CancelToken())  # still reading its prompt first
    for i in range(3 * TRACKED_DOCUMENTS):
        inflight.arrive(f"/w/{i}.py")
    assert len(inflight._newest) <= TRACKED_DOCUMENTS
    assert inflight.is_newest("/w/reading.py", reading)  # a busy document keeps its number
