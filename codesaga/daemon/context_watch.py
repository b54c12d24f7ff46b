"""Keeps the completion context true to the disk: chunks of a file that changed lose what
no longer matches it, a deleted file's chunks go, and the workspaces' symbol indexes look
again at what changed.

It watches the folders of the files the context holds and the folders the indexes listed
(not recursively: a workspace can be huge, and holds folders nobody indexes, such as
node_modules), and re-watches when that set changes: at once for the context's files, at
most every REWATCH_SECONDS for the indexes' folders (they grow while an index is built).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from pathlib import Path

from codesaga.domain.errors import CodeSagaError
from codesaga.fs import read_source
from codesaga.service.completer import Completer

log = logging.getLogger(__name__)
FIRST_PASS_MS = 1000  # the watch also wakes this often with no change
REWATCH_SECONDS = 5.0
RETRY_SECONDS, MAX_RETRY_SECONDS = 0.5, 30.0  # after a failed watch, doubling
OVER_LIMIT_SECONDS = 300  # past the OS's watch limit, how long the indexes' folders wait


class ContextWatcher:
    def __init__(self, completer: Completer) -> None:
        self.completer = completer
        self._changed = asyncio.Event()
        # When the OS refused more watches: the indexes' folders are left out until then.
        self._over_limit_until = 0.0

    def update(self) -> None:
        """The set of files in the context may have changed (call on the event loop)."""
        self._changed.set()

    def _files(self) -> dict[str, str]:
        """Real path on disk -> the path as the context names it."""
        files = {}
        for name in self.completer.watched_paths():
            if os.path.isabs(name) and "\0" not in name:  # a NUL: no file (realpath raises)
                files[os.path.realpath(name)] = name
        return files

    def _index_folders(self) -> set[str]:
        definitions = self.completer.definitions
        return definitions.folders() if definitions is not None else set()

    def refresh(self, changed: set[str]) -> None:
        files = self._files()
        for real in changed:
            name = files.get(os.path.realpath(real))
            if name is None:
                continue
            written_at: float | None = None
            try:
                limit = self.completer.settings.max_file_bytes  # live: config.toml may change it
                written_at = os.stat(real).st_mtime
                content: str | None = read_source(Path(real), limit)[0]
            except (OSError, CodeSagaError):
                content = None  # deleted, unreadable or no longer text: its chunks go
            # Chunks taken since the file was written stay: an editor's unsaved text.
            self.completer.refresh_file(name, content, written_at)
        if self.completer.definitions is not None:
            self.completer.definitions.changed(changed)

    @property
    def _over_limit(self) -> bool:
        return time.monotonic() < self._over_limit_until

    def _indexed(self) -> set[str]:
        """The indexes' folders to watch: none while past the OS's limit."""
        return set() if self._over_limit else self._index_folders()

    def _folders(self) -> tuple[set[str], set[str]]:
        """The folders to watch, and the indexes' among them."""
        indexed = self._indexed()
        folders = {str(Path(real).parent) for real in self._files()} | indexed
        return {f for f in folders if os.path.isdir(f)}, indexed

    async def _until_other_folders(self, folders: set[str], stop: asyncio.Event) -> None:
        """Set ``stop`` once the folders to watch are others: a file added to the context in
        a folder watched already changes nothing (each `context/add`, an editor's every
        switch, save and copy, rebuilt the whole watch, blocking the loop for 150 ms with
        5,000 folders, and a save made meanwhile was missed)."""
        loop = asyncio.get_running_loop()
        while True:
            await self._changed.wait()
            self._changed.clear()
            now, _ = await loop.run_in_executor(None, self._folders)
            if now != folders:
                stop.set()
                return

    async def run(self) -> None:
        import watchfiles

        loop = asyncio.get_running_loop()
        watched: set[str] = set()
        pause = RETRY_SECONDS
        while True:
            self._changed.clear()
            folders, indexed = await loop.run_in_executor(None, self._folders)
            if not folders:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), FIRST_PASS_MS / 1000)
                continue
            stop = asyncio.Event()
            relay = asyncio.create_task(self._until_other_folders(folders, stop))
            # A file may have changed after the context or an index read it and before this
            # watch began: its first pass (which comes once the watch exists, with or without
            # a change) re-reads every context file, and has the indexes look again at the
            # folders this watch adds.
            unchecked = set(self._files()) | (folders - watched)
            watched = folders
            started = loop.time()
            try:
                async for changes in watchfiles.awatch(
                    *sorted(folders),
                    stop_event=stop,
                    recursive=False,
                    debounce=100,
                    rust_timeout=FIRST_PASS_MS,
                    yield_on_timeout=True,
                ):
                    pause = RETRY_SECONDS  # watching: a later failure starts over soon
                    paths = {path for _, path in changes} | unchecked
                    unchecked = set()
                    if paths:
                        await loop.run_in_executor(None, self.refresh, paths)
                    if loop.time() - started >= REWATCH_SECONDS and self._indexed() != indexed:
                        # the indexes listed more folders, or the limit's wait is over
                        stop.set()
            except Exception as exc:  # a folder vanished under the watch: start over
                if "limit" in str(exc) and indexed:
                    # The OS's watches per user are spent (editors use them too): retried as
                    # they were, nothing was watched, for the daemon's life, and the loop
                    # lost a sixth of its time to the retries. All are tried again later.
                    self._over_limit_until = time.monotonic() + OVER_LIMIT_SECONDS
                    log.warning(
                        "the OS's file watch limit is reached (%s): only the completion "
                        "context's folders are watched for %d minutes, not the %d the symbol "
                        "indexes list; raise fs.inotify.max_user_watches to watch them all",
                        exc, OVER_LIMIT_SECONDS // 60, len(indexed),
                    )  # fmt: skip
                else:
                    log.debug("context watch restarts in %.1f s: %s", pause, exc)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, MAX_RETRY_SECONDS)
                watched = set()  # and look again at every folder: changes may have been missed
            finally:
                relay.cancel()
