"""The daemon's runtime files: a private directory, the lock, the socket, pid and token.

The lock, held for the daemon's whole life, is the only proof that a daemon is alive: the
pid file and the socket are hints that a crashed daemon may leave behind, and the next
daemon (holding the lock) cleans them up. A daemon removes its files before releasing the
lock, so it can never remove a successor's socket.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import socket
import struct
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from codesaga.fs import FileLock, private_dir, write_atomic

ALREADY_RUNNING = 75  # exit code of a daemon that found another one holding the lock

# sun_path holds 108 bytes on Linux (104 on macOS); stay under both with room to spare
_MAX_SOCKET_PATH = 100


@dataclass(frozen=True)
class RuntimePaths:
    root: Path

    @property
    def lock(self) -> Path:
        return self.root / "daemon.lock"

    @property
    def pid(self) -> Path:
        return self.root / "daemon.pid"

    @property
    def token(self) -> Path:
        return self.root / "token"

    @property
    def websocket(self) -> Path:
        """Where editors find the WebSocket's URL (and the token file's path)."""
        return self.root / "websocket.json"

    @property
    def openai(self) -> Path:
        """Where other tools find the OpenAI-compatible API's URL (and the token file)."""
        return self.root / "openai.json"

    @property
    def socket(self) -> Path:
        """The Unix socket; moved to a short private dir when the runtime dir's path is long."""
        path = self.root / "daemon.sock"
        if len(os.fsencode(path)) <= _MAX_SOCKET_PATH:
            return path
        digest = hashlib.sha256(os.fsencode(self.root)).hexdigest()[:16]
        short = Path(tempfile.gettempdir()) / f"codesaga-{os.getuid()}-{digest}"
        return short / "daemon.sock"

    def prepare(self) -> None:
        private_dir(self.root)  # it holds the socket and the token: another user's is refused
        private_dir(self.socket.parent)

    def read_pid(self) -> int | None:
        try:
            return int(self.pid.read_text().strip())
        except (OSError, ValueError):
            return None


def log_path(state_dir: Path) -> Path:
    """The daemon's (rotated) log."""
    return state_dir / "daemon.log"


def stderr_path(state_dir: Path) -> Path:
    """Where a started daemon's stderr goes (every start appends): what it could not log,
    a start that failed before its log was open, a native crash's Python stacks."""
    return state_dir / "daemon.stderr"


CRASH_MARK = "Fatal Python error:"  # how faulthandler begins a crash's report
START_MARK = "-- codesaga daemon "  # each daemon's first line there, once it holds the lock
CRASH_LEAD_LINES = 3  # before the report: what llama.cpp said as it aborted (GGML_ASSERT)
# The lines of a report (and so of an earlier one): its stacks, indented, and their heads.
_REPORT_LINE = re.compile(r"\s|Thread 0x|Current thread 0x|Extension modules:|Fatal Python")


def start_line(pid: int) -> str:
    return f"{START_MARK}{pid} started {time.strftime('%Y-%m-%d %H:%M:%S')}"


@dataclass(frozen=True)
class Crash:
    """The last crash report in a daemon's stderr: the daemon's pid (None: written before
    daemons said who they were), whether no daemon started after it, and its lines."""

    pid: int | None
    latest: bool
    lines: list[str]


def last_crash(text: str) -> Crash | None:
    """The last crash report in ``text`` (a daemon's stderr), with the few non-blank lines
    its daemon wrote just before it (a GGML_ASSERT's message); None: no crash."""
    lines = text.splitlines()
    marks = [i for i, line in enumerate(lines) if line.startswith(CRASH_MARK)]
    if not marks:
        return None
    report = marks[-1]
    starts = [i for i, line in enumerate(lines) if line.startswith(START_MARK)]
    began = max((i for i in starts if i < report), default=None)
    pid = None
    if began is not None:
        word = lines[began][len(START_MARK) :].split(" ", 1)[0]
        pid = int(word) if word.isdigit() else None
    # Not before its daemon's start, nor into an earlier report (indented stacks, heads).
    first = max(report - CRASH_LEAD_LINES, 0 if began is None else began + 1)
    lead: list[str] = []
    for line in reversed(lines[first:report]):
        if line.strip() and _REPORT_LINE.match(line):
            break
        if line.strip():
            lead.insert(0, line)
    latest = not any(i > report for i in starts)
    return Crash(pid, latest, lead + lines[report:])


def write_private(path: Path, text: str) -> None:
    """Write a 0600 file atomically, whatever the umask."""
    write_atomic(path, text, mode=0o600)


def new_token() -> str:
    return secrets.token_urlsafe(32)


class DaemonLock(FileLock):
    """The daemon's lock file: held for the daemon's whole life, the only proof it is alive."""


def is_locked(path: Path) -> bool:
    """Whether a live daemon holds the lock (without taking it for long)."""
    if not path.exists():
        return False
    probe = DaemonLock(path)
    if probe.acquire():
        probe.release()
        return False
    return True


def remove_quietly(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


# Linux's struct ucred; other systems with SO_PEERCRED (OpenBSD) order it differently
_UCRED = struct.Struct("iII")  # pid, uid, gid


def peer_uid(sock: socket.socket | None) -> int | None:
    """The user id of the process at the other end of a Unix socket (Linux: SO_PEERCRED),
    or None where the system does not tell."""
    if sock is None or not sys.platform.startswith("linux"):
        return None
    try:
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    except OSError:
        return None
    _pid, uid, _gid = _UCRED.unpack(creds)
    return int(uid)
