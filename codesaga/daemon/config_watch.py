"""Applies config.toml edits to a running daemon, and never misses one.

An inotify watch only reports what happens after it exists, and a daemon starts answering
before its watch is up: an edit made in between would be lost for good. So the watcher does
not trust events alone. Each check compares the file with what the daemon last applied (its
bytes, then the settings they give), and checks run on every event, once the watch is up, and
on a slow heartbeat besides (which also covers filesystems without inotify, such as NFS homes).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from codesaga.fs import private_dir
from codesaga.settings import Settings

log = logging.getLogger("codesaga.daemon")
HEARTBEAT_SECONDS = 1.0


def file_digest(path: Path) -> str | None:
    """The file's content digest, or None when there is no file to read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class ConfigWatcher:
    def __init__(
        self,
        path: Path,
        applied: Settings,
        load: Callable[[], Settings],
        apply: Callable[[Settings], Awaitable[None]],
        heartbeat: float = HEARTBEAT_SECONDS,
    ) -> None:
        """``applied`` are the settings the daemon runs on, ``load`` reads them afresh from
        the environment and the file, ``apply`` switches the daemon to them."""
        self.path = path
        self.applied = applied
        self.load = load
        self.apply = apply
        self.heartbeat = heartbeat
        # Nothing seen yet (no digest is empty), so the first check compares settings: the
        # daemon's may have been read before this watcher existed, and the file changed since.
        self._seen: str | None = ""

    async def check(self) -> bool:
        """Apply the file if it gives other settings than those applied; True if it did.
        A bad edit is logged and skipped until the file changes again."""
        digest = file_digest(self.path)
        if digest == self._seen:
            return False
        self._seen = digest
        try:
            fresh = self.load()
        except Exception as exc:  # a half-written or mistyped edit must not kill the daemon
            log.warning("config not reloaded: %s", exc)
            return False
        if fresh == self.applied:
            return False
        try:
            await self.apply(fresh)
        except Exception as exc:
            log.warning("config not reloaded: %s", exc)
            return False
        self.applied = fresh
        return True

    async def run(self) -> None:
        """Watch until cancelled."""
        import watchfiles

        private_dir(self.path.parent)
        # yield_on_timeout: the loop also wakes with no change, every heartbeat. Its first
        # pass comes once the watch exists, so an edit made before that is seen there.
        async for _changes in watchfiles.awatch(
            self.path.parent,
            debounce=200,
            recursive=False,
            rust_timeout=int(self.heartbeat * 1000),
            yield_on_timeout=True,
        ):
            await self.check()
