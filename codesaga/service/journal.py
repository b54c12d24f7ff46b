"""The request journal port: every request's record, queryable. Memory and disk adapters."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Protocol

from codesaga.domain.enums import RequestStatus, RequestType
from codesaga.domain.requests import RequestRecord


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

    def close(self) -> None: ...


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

    def close(self) -> None:
        pass


class DiskJournal:
    """Records in a diskcache (SQLite) directory; the oldest are evicted past ``size_limit``.

    Values are plain dicts, so a journal written by one version reads in the next.
    """

    def __init__(self, directory: Path, size_limit: int = 256 * 1024 * 1024) -> None:
        import diskcache

        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._cache: Any = diskcache.Cache(
            str(directory), size_limit=size_limit, eviction_policy="least-recently-stored"
        )

    def save(self, record: RequestRecord) -> None:
        self._cache.set(record.id, record.to_dict())

    def get(self, request_id: str) -> RequestRecord | None:
        data = self._cache.get(request_id)
        return RequestRecord.from_dict(data) if data is not None else None

    def query(
        self,
        *,
        status: RequestStatus | None = None,
        type: RequestType | None = None,
        limit: int = 50,
    ) -> list[RequestRecord]:
        records = []
        for key in self._cache.iterkeys():
            data = self._cache.get(key)
            if data is not None:
                record = RequestRecord.from_dict(data)
                if _matches(record, status, type):
                    records.append(record)
        return sorted(records, key=lambda r: r.created_at, reverse=True)[:limit]

    def close(self) -> None:
        self._cache.close()
