"""A saga's durable record: an append-only JSON-lines log, each line fsynced before the step
it announces is taken, and the files' contents as content-addressed blobs.

``STATE_DIR/sagas/ID/`` holds ``log.jsonl``, ``blobs/SHA256`` and ``lock`` (held by the
process running the saga, so ``recover`` never touches a live one).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codesaga.domain.errors import InputError
from codesaga.fs import FileLock, fsync_dir, private_dir, write_bytes_atomic

# Fault injection for the crash tests: "EVENT" or "EVENT:N" kills this process (SIGKILL)
# right after the Nth "EVENT" line is durable, as a power cut or `kill -9` would.
KILL_AFTER_ENV = "CODESAGA_SAGA_KILL_AFTER"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_bytes(path: Path) -> bytes | None:
    """A file's bytes, or None when it does not exist."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def file_sha(path: Path) -> str | None:
    """The sha256 of a file's bytes, or None when it does not exist."""
    data = file_bytes(path)
    return None if data is None else sha256(data)


class SagaLog:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.id = root.name
        self._lock = FileLock(root / "lock")
        self._counts: dict[str, int] = {}

    @property
    def log_path(self) -> Path:
        return self.root / "log.jsonl"

    # -- writing ----------------------------------------------------------------------------

    def append(self, event: str, **fields: Any) -> dict[str, Any]:
        record = {"event": event, "at": round(time.time(), 3), **fields}
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        fd = os.open(self.log_path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                # A crash tore the last record: this one starts a line of its own, or it
                # would be read as part of the torn one and never happen either.
                line = b"\n" + line
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        if not size:  # the log's own name must be durable too, or the saga is not found
            fsync_dir(self.root)
        self._counts[event] = self._counts.get(event, 0) + 1
        _maybe_die(event, self._counts[event])
        return record

    def put_blob(self, data: bytes) -> str:
        digest = sha256(data)
        target = self.blob_path(digest)
        if not target.exists():
            write_bytes_atomic(target, data, mode=0o600)
        return digest

    # -- reading ----------------------------------------------------------------------------

    def events(self) -> list[dict[str, Any]]:
        """Every durable event. A crash mid-append can leave a torn line: it never happened
        (its step was not taken), so it is passed over, and what was appended after it (by
        a recover, an undo) is read."""
        try:
            raw = self.log_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        out = []
        # Records end at "\n" only: str.splitlines also breaks at U+2028, U+0085 and the
        # like, which a record's text may hold (an error message, a test's code), and took
        # the rest of the log for a torn line, so a failed rewrite was never put back.
        for line in raw.split("\n"):
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out

    def kept(self) -> dict[str, Path]:
        """Where what a put-back overwrote is kept, by file ("restored" events' ``kept``)."""
        return {
            e["path"]: self.blob_path(e["kept"])
            for e in self.events()
            if e["event"] == "restored" and e.get("kept")
        }

    def blob(self, digest: str) -> bytes:
        data = self.blob_path(digest).read_bytes()
        if sha256(data) != digest:
            raise InputError(f"saga {self.id}: the stored copy {digest[:12]} is damaged")
        return data

    def blob_path(self, digest: str) -> Path:
        return self.root / "blobs" / digest

    # -- the run lock -------------------------------------------------------------------------

    def try_lock(self) -> bool:
        """Hold the saga's lock until ``unlock`` or process exit; False if someone holds it."""
        return self._lock.acquire()

    def unlock(self) -> None:
        self._lock.release()


MIN_ID_PART = 4  # the fewest characters of an id that name a saga


class SagaStore:
    """The sagas under ``root``. Given ``keep_days``, each new saga prunes the finished ones
    older than that, with the patches the hook saved for them in ``patches``: every commit's
    hook kept copies of the files it touched, for ever."""

    def __init__(self, root: Path, *, keep_days: int = 0, patches: Path | None = None) -> None:
        self.root = root
        self.keep_days = keep_days
        self.patches = patches

    def create(self) -> SagaLog:
        private_dir(self.root)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        saga_id = f"{stamp}-{secrets.token_hex(3)}"
        root = self.root / saga_id
        # Copies of the user's files live here: private whatever the umask (mkdir's
        # parents=True would make the saga's own directory 0777 less the umask), and new:
        # an id taken already raises.
        root.mkdir(mode=0o700)
        (root / "blobs").mkdir(mode=0o700)
        fsync_dir(root)
        fsync_dir(self.root)
        if self.keep_days > 0:
            try:
                self.prune(time.time() - self.keep_days * 86400)
            except Exception:  # housekeeping (a log it cannot read): never the saga's failure
                logging.getLogger(__name__).debug("pruning sagas failed", exc_info=True)
        return SagaLog(root)

    def prune(self, before: float) -> list[str]:
        """Delete the finished sagas begun before ``before`` (a time), and their hook
        patches; an interrupted one stays for `saga recover`, a locked one (running) too,
        and one that left files as they were (the user's originals are only there). The
        ids that went."""
        from codesaga.saga.recovery import TERMINAL, state_of

        def done_with(log: SagaLog) -> bool:
            state = state_of(log)
            return state.status in TERMINAL and not (state.conflicts or state.damaged)

        cutoff = time.strftime("%Y%m%d-%H%M%S", time.localtime(before))
        gone = []
        for path in self._dirs():
            if path.name >= cutoff:  # ids begin with their start, in local time
                continue
            log = SagaLog(path)
            if not done_with(log) or not log.try_lock():
                continue
            try:
                if not done_with(log):  # an undo began in another process meanwhile
                    continue
                shutil.rmtree(path)
            finally:
                log.unlock()
            if self.patches is not None:
                (self.patches / f"{path.name}.patch").unlink(missing_ok=True)
            gone.append(path.name)
        return gone

    def get(self, saga_id: str) -> SagaLog:
        saga_id = saga_id.strip()
        if not saga_id:  # "" ends every id: `saga undo ""` undid the only saga there was
            raise InputError(
                "give a saga's id (or at least four characters of its start or end); "
                "`codesaga saga list` shows them"
            )
        if len(saga_id) < MIN_ID_PART:
            # One character matched some saga's end: `saga undo 1`, meant as "the last
            # one", undid whichever saga's id ended in 1.
            raise InputError(
                f"give at least {MIN_ID_PART} characters of a saga's id (its start or its "
                "end); `codesaga saga list` shows them"
            )
        matches = [
            p
            for p in self._dirs()
            if p.name == saga_id or p.name.endswith(saga_id) or p.name.startswith(saga_id)
        ]
        if not matches:
            raise InputError(f"no saga {saga_id!r}; `codesaga saga list` shows them")
        if len(matches) > 1:
            raise InputError(f"{saga_id!r} names several sagas; give more of the id")
        return SagaLog(matches[0])

    def all(self) -> Iterator[SagaLog]:
        for path in sorted(self._dirs(), reverse=True):
            yield SagaLog(path)

    def _dirs(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return [p for p in self.root.iterdir() if p.is_dir() and (p / "log.jsonl").exists()]


def _maybe_die(event: str, count: int) -> None:
    spec = os.environ.get(KILL_AFTER_ENV)
    if not spec:
        return
    name, _, nth = spec.partition(":")
    if name == event and count == int(nth or 1):
        with contextlib.suppress(OSError):
            os.kill(os.getpid(), signal.SIGKILL)
