"""The repository context of completions: a ring of recent chunks of other files for each
workspace, and the chunks each workspace's prompts show. New chunks are taken only after a
pause in typing, so a chunk pushed mid-word does not invalidate the KV cache under the user."""

from __future__ import annotations

import threading
import time

from codesaga.domain.repo_context import Chunk, ContextRing

CONTEXT_REFRESH_IDLE = 1.0  # seconds without completions before new ring chunks are used
# Workspaces whose rings are kept: the least recently used goes past this (a client naming
# a new workspace in every context/add would otherwise grow them without end).
MAX_WORKSPACES = 16


class ContextRings:
    """Safe to use from the completer's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rings: dict[str, ContextRing] = {}
        self._snapshots: dict[str, tuple[int, tuple[Chunk, ...]]] = {}
        self._last_request = 0.0

    def ring(self, workspace: str) -> ContextRing:
        with self._lock:
            ring = self._rings.pop(workspace, None) or ContextRing()
            self._rings[workspace] = ring  # the most recently used last
            while len(self._rings) > MAX_WORKSPACES:
                oldest = next(iter(self._rings))
                del self._rings[oldest]
                self._snapshots.pop(oldest, None)
            return ring

    def add(
        self, workspace: str, path: str, text: str, origin: str, line: int | None = None
    ) -> bool:
        ring = self.ring(workspace)
        with self._lock:
            return ring.add(path, text, origin, line, at=time.time())

    def refresh(self, path: str, content: str | None, written_at: float | None = None) -> None:
        """A file in some ring changed on disk (``content``, written at ``written_at``) or
        was deleted (None)."""
        with self._lock:
            for ring in self._rings.values():
                ring.refresh(path, content, written_at)

    def recent_paths(self, workspace: str | None) -> list[str]:
        """The files of ``workspace``'s ring (opened, edited, saved...), latest first."""
        with self._lock:
            ring = self._rings.get(workspace) if workspace is not None else None
            chunks = () if ring is None else ring.chunks()
        return list(dict.fromkeys(c.path for c in reversed(chunks)))

    def paths(self) -> set[str]:
        with self._lock:
            return set().union(*(ring.paths() for ring in self._rings.values()))

    def requested(self) -> None:
        """A completion was asked for: typing goes on, keep the chunks as they are."""
        self._last_request = time.monotonic()

    def chunks(self, workspace: str | None) -> tuple[Chunk, ...]:
        """The workspace ring's chunks as last used, or as they are now after a pause."""
        with self._lock:
            if workspace is None or workspace not in self._rings:
                return ()
            ring = self._rings[workspace] = self._rings.pop(workspace)  # used: the newest
            version, chunks = self._snapshots.get(workspace, (-1, ()))
            idle = time.monotonic() - self._last_request >= CONTEXT_REFRESH_IDLE
            if version != ring.version and (idle or version == -1):
                chunks = ring.chunks()
                self._snapshots[workspace] = (ring.version, chunks)
            return chunks
