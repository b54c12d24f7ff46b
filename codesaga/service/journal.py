"""The request journal port: every request's record, queryable. Memory and disk adapters."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from codesaga.domain.enums import RequestStatus, RequestType
from codesaga.domain.errors import CancelledError
from codesaga.domain.requests import RequestRecord, made_at, new_request_id
from codesaga.service.processes import current_owner, owner_alive
from codesaga.service.stores import DiskStore

log = logging.getLogger(__name__)


class Journal(Protocol):
    def save(self, record: RequestRecord) -> None: ...
    def get(self, request_id: str) -> RequestRecord | None: ...
    def query(
        self,
        *,
        status: RequestStatus | None = None,
        type: RequestType | None = None,
        limit: int = 50,
    ) -> list[RequestRecord]:
        """Newest first."""
        ...

    def abandon_unfinished(self, alive: Callable[[str | None], bool] = owner_alive) -> int:
        """Mark failed every pending or processing record whose owner process no longer runs
        (killed, crashed): nobody will finish it. Each record changes once, atomically.
        Returns how many did."""
        ...

    def close(self) -> None: ...


@contextmanager
def journaled(
    journal: Journal,
    kind: RequestType,
    summary: dict[str, Any],
    active: MutableMapping[str, RequestRecord] | None = None,
) -> Iterator[RequestRecord]:
    """Journal a request from pending to its final state, whatever happens inside; while it
    runs it is in ``active`` (what ``status`` lists as processing)."""
    record = RequestRecord(
        new_request_id(), kind, summary, created_at=time.time(), owner=current_owner()
    )
    journal.save(record)
    if active is not None:
        active[record.id] = record
    try:
        yield record
    except BaseException as exc:
        record.error = str(exc) or type(exc).__name__
        record.finished_at = time.time()
        cancelled = isinstance(exc, CancelledError | KeyboardInterrupt)
        record.status = RequestStatus.CANCELLED if cancelled else RequestStatus.FAILED
        journal.save(record)
        raise
    finally:
        if active is not None:
            active.pop(record.id, None)


ABANDONED = "the process running this request stopped before it finished (killed or crashed)"


def _matches(r: RequestRecord, status: RequestStatus | None, type: RequestType | None) -> bool:
    return (status is None or r.status == status) and (type is None or r.type == type)


class MemoryJournal:
    def __init__(self) -> None:
        self._records: dict[str, RequestRecord] = {}
        self._lock = threading.Lock()

    def save(self, record: RequestRecord) -> None:
        with self._lock:
            self._records[record.id] = RequestRecord.from_dict(record.to_dict())

    def get(self, request_id: str) -> RequestRecord | None:
        return self._records.get(request_id)

    def query(
        self,
        *,
        status: RequestStatus | None = None,
        type: RequestType | None = None,
        limit: int = 50,
    ) -> list[RequestRecord]:
        with self._lock:
            found = [r for r in self._records.values() if _matches(r, status, type)]
        return sorted(found, key=lambda r: r.created_at, reverse=True)[:limit]

    def abandon_unfinished(self, alive: Callable[[str | None], bool] = owner_alive) -> int:
        with self._lock:
            unfinished = [
                r for r in self._records.values() if not r.status.is_final and not alive(r.owner)
            ]
            for record in unfinished:
                record.abandon(ABANDONED)
        return len(unfinished)

    def close(self) -> None:
        pass


class DiskJournal:
    """Records in a diskcache (SQLite) directory; the oldest are evicted past ``size_limit``.

    Values are plain dicts, so a journal written by one version reads in the next. Beside it,
    the ids of the records not yet final (``DIR/open``): finding what a dead process left
    reads those, not the whole journal, which took 10 s per 100,000 records at every daemon
    start (a month of completions).
    """

    def __init__(self, directory: Path, size_limit: int = 256 * 1024 * 1024) -> None:
        # Records of what was asked, not the user's work: a damaged journal is set aside.
        self._store = DiskStore(
            directory, size_limit, eviction="least-recently-stored", disposable=True
        )
        # diskcache names its own subdirectories by two hex digits: "open" is no one's.
        self._open = DiskStore(
            directory / "open", 64 * 1024 * 1024, eviction="none", disposable=True
        )
        if next(self._store.iterkeys(), None) is None:  # new: no record without its mark
            self._open.set(_MARKED, True)
        self._failing = False  # the last save found no room

    def save(self, record: RequestRecord) -> None:
        """Best effort: on a full disk the request is answered all the same, unrecorded (every
        completion failed with "database or disk is full"); the log says when it starts and
        when records are written again."""
        import sqlite3

        try:
            self._save(record)
        except (sqlite3.Error, OSError) as exc:
            if not self._failing:
                log.warning("the request journal cannot be written (%s): requests are "
                            "answered but not recorded until it can", exc)  # fmt: skip
            self._failing = True
            return
        if self._failing:
            log.warning("the request journal is written again")
            self._failing = False

    def _save(self, record: RequestRecord) -> None:
        # The mark is set before a record is left unfinished and taken off after it is final,
        # so that a process killed between the two writes leaves a mark too many (dropped by
        # the next sweep), never an unfinished record without one.
        if record.status.is_final:
            self._store.set(record.id, record.to_dict())
            self._open.delete(record.id)
        else:
            self._open.set(record.id, True)
            self._store.set(record.id, record.to_dict())

    def get(self, request_id: str) -> RequestRecord | None:
        data = self._store.get(request_id)
        return RequestRecord.from_dict(data) if data is not None else None

    def query(
        self,
        *,
        status: RequestStatus | None = None,
        type: RequestType | None = None,
        limit: int = 50,
    ) -> list[RequestRecord]:
        # Ids sort by creation time, so the newest come first read backwards: a listing costs
        # the records it returns (and those it skips for a filter), not the whole journal.
        records: list[RequestRecord] = []
        if limit <= 0:
            return records
        for key in self._store.iterkeys(reverse=True):
            data = self._store.get(key)
            if data is not None:
                record = RequestRecord.from_dict(data)
                if _matches(record, status, type):
                    records.append(record)
                    if len(records) >= limit:
                        break
        return sorted(records, key=lambda r: r.created_at, reverse=True)

    def abandon_unfinished(self, alive: Callable[[str | None], bool] = owner_alive) -> int:
        # A journal an older version wrote has no marks: the first sweep reads it whole once.
        whole = self._open.get(_MARKED) is None
        keys = list(self._store.iterkeys() if whole else self._open.iterkeys())
        count = 0
        for key in keys:
            if key == _MARKED:
                continue
            data = self._store.get(key)
            if data is None or RequestStatus(data["status"]).is_final:
                if not whole and (data is not None or _older_than(key, _WRITE_SECONDS)):
                    self._open.delete(key)  # finished, or evicted (not yet written: kept)
                continue
            if alive(data.get("owner")):
                if whole:
                    self._open.set(key, True)
                continue
            # Re-read inside a transaction: another process may have closed it meanwhile.
            with self._store.transact():
                record = self.get(key)
                if record is None or record.status.is_final:
                    continue
                record.abandon(ABANDONED)
                self.save(record)
                count += 1
        if whole:
            self._open.set(_MARKED, True)
        return count

    def close(self) -> None:
        self._store.close()
        self._open.close()


# The mark that every unfinished record of the journal has its mark (after one whole sweep);
# it sorts after every id.
_MARKED = "~marked"
# A mark whose record is not there may be of a record about to be written: kept this long.
_WRITE_SECONDS = 3600.0


def _older_than(request_id: str, seconds: float) -> bool:
    """Whether the request was made over ``seconds`` ago, read from its id (an id not made by
    new_request_id counts as old)."""
    made = made_at(request_id)
    return made is None or time.time() - made > seconds
