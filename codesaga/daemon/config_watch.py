"""Applies config.toml edits to a running daemon, and never misses one.

An inotify watch only reports what happens after it exists, and a daemon starts answering
before its watch is up: an edit made in between would be lost for good. So the watcher does
not trust events alone. Each check compares the file with what the daemon last applied (its
bytes, then the settings they give), and checks run on every event, once the watch is up, and
on a slow heartbeat besides (which also covers filesystems without inotify, such as NFS homes).
"""

from __future__ import annotations

import asyncio
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
        # The models folder as it was when the file's settings could not be applied (a model
        # not installed yet): they are tried again once it changes (`models pull`).
        self._refused_with: tuple[Path, int | None] | None = None

    async def check(self) -> bool:
        """Apply the file if it gives other settings than those applied; True if it did.
        A bad edit is logged and skipped until the file changes again; one that could not be
        applied (its model is missing or will not load) also when the models folder does."""
        digest = file_digest(self.path)
        if digest == self._seen and not self._models_changed():
            return False
        self._seen, self._refused_with = digest, None
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
            self._refused_with = (fresh.models_dir, _mtime_ns(fresh.models_dir))
            return False
        self.applied = fresh
        return True

    def _models_changed(self) -> bool:
        if self._refused_with is None:
            return False
        folder, mtime = self._refused_with
        return _mtime_ns(folder) != mtime

    async def run(self) -> None:
        """Watch until cancelled. Should the watch fail (inotify's limits, which editors use
        up; no file descriptors left), the file is checked every heartbeat instead."""
        import watchfiles

        private_dir(self.path.parent)
        try:
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
        except Exception as exc:
            log.warning(
                "cannot watch %s (%s); checking it every %g s instead",
                self.path,
                exc,
                self.heartbeat,
            )
        while True:
            await self.check()
            await asyncio.sleep(self.heartbeat)


def _mtime_ns(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None
