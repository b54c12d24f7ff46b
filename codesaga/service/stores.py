"""A small key-value store port with memory and diskcache adapters. The one diskcache
adapter holds every store on disk: the response cache, feedback, the journal, sessions."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Literal, Protocol

from codesaga.domain.errors import InputError
from codesaga.fs import private_dir

log = logging.getLogger(__name__)

# What goes once a store passes its size limit: the oldest written, or nothing at all.
Eviction = Literal["least-recently-stored", "none"]


class KeyValueStore(Protocol):
    def get(self, key: str) -> Any: ...
    def set(self, key: str, value: Any) -> None: ...
    def incr(self, key: str, delta: int = 1) -> int: ...
    def delete(self, key: str) -> bool:
        """False: there was no such key."""
        ...

    def iterkeys(self, *, reverse: bool = False) -> Iterator[str]:
        """In sorted order."""
        ...

    def transact(self) -> AbstractContextManager[object]:
        """Reads and writes inside happen as one, for other threads and other processes."""
        ...

    def close(self) -> None: ...


class MemoryStore:
    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self._lock = threading.RLock()

    def get(self, key: str) -> Any:
        return self._data.get(key)

    def set(self, key: str, value: Any) -> None:
        self._data[key] = value

    def incr(self, key: str, delta: int = 1) -> int:
        with self._lock:
            value = int(self._data.get(key, 0)) + delta
            self._data[key] = value
            return value

    def delete(self, key: str) -> bool:
        return self._data.pop(key, None) is not None

    def iterkeys(self, *, reverse: bool = False) -> Iterator[str]:
        return iter(sorted(self._data, reverse=reverse))

    def transact(self) -> AbstractContextManager[object]:
        return self._lock

    def close(self) -> None:
        pass


class DiskStore:
    """diskcache (SQLite) in a private (0700) directory; values are plain data, so what one
    version wrote the next reads. Past ``size_limit`` bytes ``eviction`` decides what goes."""

    def __init__(
        self,
        directory: Path,
        size_limit: int = 64 * 1024 * 1024,
        eviction: Eviction = "least-recently-stored",
        *,
        disposable: bool = False,
    ) -> None:
        """``disposable``: a store the daemon can do without (the response cache, the
        request journal, the gate's feedback): one found damaged is moved aside, kept, and
        started afresh, where a daemon that would not start until the user moved it helped
        no one. Any other (chat sessions, the user's own words) damaged is an error."""
        import sqlite3

        import diskcache

        def opened() -> Any:
            private_dir(directory)
            return diskcache.Cache(str(directory), size_limit=size_limit, eviction_policy=eviction)

        try:
            self._cache: Any = opened()
        except sqlite3.OperationalError as exc:
            # Not damage: a full disk ("database or disk is full"), a lock, a permission.
            # Said "damaged", a user with a full disk was told to move the sessions aside.
            raise InputError(f"{directory / 'cache.db'} cannot be opened ({exc})") from None
        except sqlite3.DatabaseError as exc:
            if not disposable:
                raise InputError(
                    f"{directory / 'cache.db'} is damaged ({exc}); restore it from a backup, "
                    "or move its directory aside to start it afresh (what it holds is then lost)"
                ) from None
            aside = directory.with_name(f"{directory.name}.damaged-{int(time.time())}")
            directory.rename(aside)
            log.warning("%s was damaged (%s): moved to %s, started afresh", directory, exc, aside)
            self._cache = opened()

    def get(self, key: str) -> Any:
        return self._cache.get(key)

    def set(self, key: str, value: Any) -> None:
        self._cache.set(key, value)

    def incr(self, key: str, delta: int = 1) -> int:
        return int(self._cache.incr(key, delta, default=0))

    def delete(self, key: str) -> bool:
        return bool(self._cache.delete(key))

    def iterkeys(self, *, reverse: bool = False) -> Iterator[str]:
        return iter(self._cache.iterkeys(reverse=reverse))

    def transact(self) -> AbstractContextManager[object]:
        return self._cache.transact()  # type: ignore[no-any-return]

    def close(self) -> None:
        self._cache.close()
