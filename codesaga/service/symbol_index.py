"""The symbol index of one workspace folder: the definitions of its source files, built and
kept fresh by one background thread.

The thread runs at the lowest CPU priority, parses one file at a time, waits while
completions are being assembled, and stops growing at a bound on files, on a file's size and
on the definitions held, so a huge repository costs at most one core for a while and bounded
memory. Nothing waits for it: a completion uses whatever is indexed so far.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from codesaga.domain.definitions import Definition, SymbolTable
from codesaga.domain.languages import detect_language
from codesaga.domain.source import BOM
from codesaga.service.definition_extract import LANGUAGES, extract_definitions

log = logging.getLogger(__name__)

MAX_FILES = 20_000
MAX_FILE_BYTES = 256 * 1024  # larger files are generated or vendored, and slow to parse
MAX_DEFINITIONS = 150_000  # ~70 MB at most (~0.45 kB each)
MAX_FOLDERS = 5_000  # folders watched for changes
IGNORED_FRESH = 5.0  # seconds: how long what git ignores is taken as known
QUIET_SECONDS = 0.15  # after a completion asked for definitions, the index waits this long
MAX_QUIET_WAIT = 0.5
# Folders that hold no code of the workspace's own, or only generated code.
SKIPPED = frozenset(
    {"node_modules", "__pycache__", "site-packages", "venv", "dist", "build", "target", "out",
     "vendor", "coverage", "bower_components", "__snapshots__"}
)  # fmt: skip

Extract = Callable[[str, str, str], "list[Definition] | None"]


class WorkspaceIndex:
    """Definitions of the source files under ``root``. ``table`` is read under ``lock``."""

    def __init__(
        self,
        root: str,
        *,
        extract: Extract = extract_definitions,
        max_files: int = MAX_FILES,
        max_file_bytes: int = MAX_FILE_BYTES,
        max_definitions: int = MAX_DEFINITIONS,
        private: Callable[[str], bool] = lambda path: False,
    ) -> None:
        self.root = os.path.realpath(root)
        # private_paths: their definitions would put their content into other files'
        # prompts (and have those refused by upstreams), so they are not indexed.
        self._private = private
        self.table = SymbolTable()
        self.lock = threading.Lock()  # guards the table
        self._extract = extract
        self._max_files = max_files
        self._max_file_bytes = max_file_bytes
        self._max_definitions = max_definitions
        self._work = threading.Condition()  # guards what follows
        self._urgent: deque[str] = deque()  # files changed or opened, and their folders
        self._queued: set[str] = set()  # what ``changed`` queued there and is not taken yet
        self._files: deque[str] = deque()
        self._folders: deque[str] = deque([self.root])
        self._known: dict[str, tuple[int, int]] = {}  # file -> (mtime_ns, size) indexed
        self._in_folder: dict[str, set[str]] = {}  # folder -> its files indexed
        self._listed: set[str] = set()  # folders listed (watched for changes)
        self._busy = False
        self._used_at = 0.0
        self._stopped = False
        # What git ignores under the root (build output, generated code, a virtualenv by
        # another name): asked once, by the index's thread, before its first listing.
        self._ignored: frozenset[str] = frozenset()
        self._ignored_at = 0.0  # when git was last asked
        self.full = False  # a bound was reached: some files are not indexed
        self._thread = threading.Thread(target=self._run, name="symbol-index", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._work:
            self._stopped = True
            self._work.notify_all()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    # -- what others tell it ------------------------------------------------------------

    def touch(self) -> None:
        """A completion is being assembled: keep the GIL and the CPU for it a moment."""
        self._used_at = time.monotonic()

    def prioritize(self, path: str) -> None:
        """The user works on ``path``: index its folder before the rest."""
        real = os.path.realpath(path)
        if not self.covers(real):
            return
        with self._work:
            folder = os.path.dirname(real)
            if folder not in self._listed:
                self._urgent.appendleft(folder)
            self._work.notify()

    def changed(self, paths: Iterable[str]) -> None:
        """Files or folders under the root changed on disk (created, modified, deleted).
        Only source files and folders are queued, each once: a database or log written
        many times a second would otherwise queue without end ahead of the user's saves."""
        with self._work:
            for path in paths:
                real = os.path.realpath(path)
                if real in self._queued or not self.covers(real):
                    continue
                if indexable(os.path.basename(real)) or real in self._listed or os.path.isdir(real):
                    self._urgent.append(real)
                    self._queued.add(real)
            self._work.notify()

    def recheck(self) -> None:
        """Look again at every folder listed (a change may have come before the watch did)."""
        with self._work:
            self._urgent.extend(sorted(self._listed))
            self._work.notify()

    def privacy_changed(self) -> None:
        """private_paths changed: files indexed that are private now are dropped at once (an
        index kept them until they changed, in other files' prompts), and every folder is
        listed again, so that files private before are indexed."""
        with self._work:
            now_private = [path for path in self._known if self._private(path)]
        for path in now_private:
            self._drop(path)
        self.recheck()

    def covers(self, real: str) -> bool:
        """Whether the (real) path is under the root, not in a skipped folder and not what
        git ignores."""
        root = self.root.rstrip(os.sep)  # "/" as a workspace: its files start with "/"
        if real != self.root and not real.startswith(root + os.sep):
            return False
        parts = real[len(root) :].split(os.sep)[1:-1]
        if any(skipped(part) for part in parts):
            return False
        ignored = self._ignored
        if not ignored:
            return True
        while real != self.root and len(real) > len(root):  # it, or a folder above it
            if real in ignored:
                return False
            real = os.path.dirname(real)
        return True

    # -- what it tells ------------------------------------------------------------------

    def folders(self) -> set[str]:
        with self._work:
            return set(self._listed)

    def ready(self) -> bool:
        """The first walk is done and nothing waits to be indexed."""
        with self._work:
            return not (self._urgent or self._files or self._folders or self._busy)

    def stats(self) -> dict[str, Any]:
        with self._work:
            pending = len(self._urgent) + len(self._files) + len(self._folders)
            ready = not pending and not self._busy
        with self.lock:
            files, definitions = len(self.table), self.table.size
        return {
            "root": self.root,
            "files": files,
            "definitions": definitions,
            "pending": pending,
            "ready": ready,
            "full": self.full,
        }

    # -- the thread ---------------------------------------------------------------------

    def _run(self) -> None:
        _lower_priority()
        self._ask_git()
        while True:
            with self._work:
                while not (self._stopped or self._urgent or self._files or self._folders):
                    self._busy = False
                    self._work.wait()
                if self._stopped:
                    return
                path, urgent = self._next()
                self._busy = True
            self._wait_for_quiet()
            if urgent and path not in self._known and path not in self._listed:
                # Something new (a build's output, a generated file): git is asked again,
                # at most every IGNORED_FRESH seconds, whether it is one to leave out.
                if time.monotonic() - self._ignored_at > IGNORED_FRESH:
                    self._ask_git()
                if path != self.root and not self.covers(path):
                    continue
            try:
                if os.path.isdir(path):
                    if path == self.root or not skipped(os.path.basename(path)):
                        self._list(path, urgent)
                else:
                    self._index(path)
            except Exception:  # one bad file must not end the index
                log.debug("indexing %s failed", path, exc_info=True)

    def _ask_git(self) -> None:
        self._ignored = git_ignored(self.root)
        self._ignored_at = time.monotonic()

    def _next(self) -> tuple[str, bool]:
        """Changed and opened paths first, then the files of the folders listed, then the
        next folder (breadth first: the workspace's top levels are indexed first)."""
        if self._urgent:
            path = self._urgent.popleft()
            self._queued.discard(path)
            return path, True
        if self._files:
            return self._files.popleft(), False
        return self._folders.popleft(), False

    def _wait_for_quiet(self) -> None:
        """Wait while completions are being asked for, but not forever: under non-stop
        typing the index still reads a file every MAX_QUIET_WAIT seconds."""
        deadline = time.monotonic() + MAX_QUIET_WAIT
        while not self._stopped:
            now = time.monotonic()
            wait = min(self._used_at + QUIET_SECONDS, deadline) - now
            if wait <= 0:
                return
            time.sleep(wait)

    def _list(self, folder: str, urgent: bool) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            self._forget_folder(folder)
            return
        files, folders = [], []
        for entry in entries:
            if entry.path in self._ignored:
                continue
            if entry.is_dir(follow_symlinks=False):
                if not skipped(entry.name) and entry.path not in self._listed:
                    folders.append(entry.path)
            elif entry.is_file(follow_symlinks=False) and indexable(entry.name):
                files.append(entry.path)
        with self._work:
            if folder not in self._listed and len(self._listed) >= MAX_FOLDERS:
                self.full = True
                return
            self._listed.add(folder)
            room = self._max_files - len(self._known) - len(self._files)
            new = [f for f in sorted(files) if f not in self._known]
            if len(new) > room:
                self.full = True
                new = new[: max(0, room)]
            # A folder listed again after a change: its known files may have changed too.
            known = [f for f in files if f in self._known] if urgent else []
            (self._urgent if urgent else self._files).extend(new + known)
            self._folders.extend(sorted(folders))
            gone = self._in_folder.get(folder, set()) - set(files)
        for path in gone:
            self._drop(path)

    def _index(self, path: str) -> None:
        try:
            info = os.stat(path)
        except OSError:  # deleted: a file, or a folder and all it held
            self._drop(path)
            self._forget_folder(path)
            return
        if self._private(path):  # first: a file known already may have become private
            self._drop(path)
            return
        version = (info.st_mtime_ns, info.st_size)
        with self._work:
            if self._known.get(path) == version:
                return
            if path not in self._known and len(self._known) >= self._max_files:
                self.full = True  # a file the watcher found, past the bound on files
                return
        # Not a regular file (a named pipe would block the thread for good on its open).
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_size > self._max_file_bytes
            or not indexable(os.path.basename(path))
        ):
            self._drop(path)
            return
        try:
            with open(path, "rb") as file:
                # A BOM is no code: Python's parser refused the file, which went unindexed.
                text = file.read(self._max_file_bytes + 1).decode("utf-8").removeprefix(BOM)
        except (OSError, UnicodeDecodeError):
            self._drop(path)
            return
        found = self._extract(detect_language(path).id, text, path)
        if found is None:  # mid-edit and unreadable: keep what it defined last
            return
        with self.lock:
            held = self.table.size - len(self.table.of_file(path))
            if held + len(found) > self._max_definitions:
                # No room for what it defines now: what it defined before is wrong, so it
                # holds nothing (this version is known: it is not parsed again).
                self.full = True
                found = []
            self.table.put(path, found)
        with self._work:
            self._known[path] = version
            self._in_folder.setdefault(os.path.dirname(path), set()).add(path)

    def _drop(self, path: str) -> None:
        with self._work:
            self._known.pop(path, None)
            self._in_folder.get(os.path.dirname(path), set()).discard(path)
        with self.lock:
            self.table.drop(path)

    def _forget_folder(self, folder: str) -> None:
        """A folder went away: so did everything under it."""
        prefix = folder + os.sep
        with self._work:
            self._listed = {f for f in self._listed if f != folder and not f.startswith(prefix)}
            gone = [f for f in self._known if f.startswith(prefix)]
        for path in gone:
            self._drop(path)


def git_ignored(root: str) -> frozenset[str]:
    """The paths under ``root`` that git ignores (a folder whole, as one path), if ``root``
    is in a git work tree; none otherwise, or when git cannot say (not installed, slow)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--others", "--ignored", "--exclude-standard", "--directory", "-z"],
            cwd=root, capture_output=True, timeout=10, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    if listed.returncode != 0:
        return frozenset()
    names = listed.stdout.decode("utf-8", "surrogateescape").split("\0")
    return frozenset(os.path.join(root, name.rstrip("/")) for name in names if name)


def skipped(name: str) -> bool:
    """A folder of no code of the workspace's own, or of only generated code."""
    return name.startswith((".", "dist-")) or name in SKIPPED or name.endswith(".egg-info")


def indexable(name: str) -> bool:
    return detect_language(name).id in LANGUAGES and not name.endswith((".d.ts", ".min.js"))


def _lower_priority() -> None:
    """The lowest CPU priority, for this thread only (Linux gives each thread its own)."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux: the GIL still shares
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
