"""A small key-value store port with memory and diskcache adapters (cache, feedback)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Protocol

from codesaga.fs import private_dir


class KeyValueStore(Protocol):
    def get(self, key: str) -> Any: ...
    def set(self, key: str, value: Any) -> None: ...
    def incr(self, key: str, delta: int = 1) -> int: ...
    def close(self) -> None: ...


class MemoryStore:
    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        return self._data.get(key)

    def set(self, key: str, value: Any) -> None:
        self._data[key] = value

    def incr(self, key: str, delta: int = 1) -> int:
        with self._lock:
            value = int(self._data.get(key, 0)) + delta
            self._data[key] = value
            return value

    def close(self) -> None:
        pass


class DiskStore:
    """diskcache (SQLite) in a private directory; values are plain data."""

    def __init__(self, directory: Path, size_limit: int = 64 * 1024 * 1024) -> None:
        import diskcache

        private_dir(directory)
        self._cache: Any = diskcache.Cache(str(directory), size_limit=size_limit)

    def get(self, key: str) -> Any:
        return self._cache.get(key)

    def set(self, key: str, value: Any) -> None:
        self._cache.set(key, value)

    def incr(self, key: str, delta: int = 1) -> int:
        return int(self._cache.incr(key, delta, default=0))

    def close(self) -> None:
        self._cache.close()
