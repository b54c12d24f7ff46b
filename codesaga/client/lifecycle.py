"""Finding the daemon, starting it when it is not running, and stopping it."""

from __future__ import annotations

import contextlib
import enum
import os
import shutil
import signal
import subprocess
import sys
import time
from typing import Any

from codesaga.client.connection import CONTROL_ANSWER_SECONDS, DaemonClient
from codesaga.domain.errors import CodeSagaError, DaemonError, VersionMismatchError
from codesaga.fs import private_dir
from codesaga.protocol import jsonrpc as p
from codesaga.protocol.runtime import (
    ALREADY_RUNNING,
    CRASH_MARK,
    RuntimePaths,
    is_locked,
    last_crash,
    log_path,
    stderr_path,
)
from codesaga.settings import Settings

START_TIMEOUT = 60.0


def running_status(settings: Settings, params: dict[str, Any] | None = None) -> Any:
    """The running daemon's answer to `status` (``params``), or None when none listens;
    never starts one (a look, not a use)."""
    socket = RuntimePaths(settings.runtime_dir).socket
    try:
        with DaemonClient.connect(socket, timeout=2.0) as client:
            return client.call("status", params or {}, timeout=CONTROL_ANSWER_SECONDS)
    except OSError:
        return None


def spawn_daemon(settings: Settings) -> subprocess.Popen[bytes]:
    """Start the daemon (``python -m codesaga.serve``) detached from this terminal."""
    private_dir(settings.state_dir)
    # The daemon reads its own settings (so it can reload config.toml), but it must live
    # where this client will look for it, whatever mapping these settings came from.
    # Not git's variables of the command that started it: a daemon started by the commit
    # hook lives on with GIT_INDEX_FILE (the commit's temporary index) and GIT_DIR, and
    # every git it ran later (the symbol index asks what git ignores) read those.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    for key in ("config_dir", "data_dir", "cache_dir", "state_dir", "runtime_dir", "models_dir"):
        env[f"CODESAGA_{key.upper()}"] = str(getattr(settings, key))
    # 0600 whatever the umask: a crashing daemon's traceback may quote the user's code.
    fd = os.open(stderr_path(settings.state_dir), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)
    stderr = os.fdopen(fd, "ab")
    written_before = os.fstat(fd).st_size
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "codesaga.serve"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
            close_fds=True,
            env=env,
        )
    finally:
        stderr.close()
    _STDERR_FROM[process.pid] = written_before
    return process


# Where each daemon this process started began writing to daemon.stderr, which every start
# appends to: a daemon that died without a word was reported with an older one's error.
_STDERR_FROM: dict[int, int] = {}


def _stderr_tail(settings: Settings, process: subprocess.Popen[bytes]) -> str:
    """The last line ``process`` (a daemon this process started) wrote to its stderr; of a
    crash, its first ("Fatal Python error: Segmentation fault"), the rest being stacks."""
    try:
        with open(stderr_path(settings.state_dir), "rb") as written:
            written.seek(_STDERR_FROM.get(process.pid, 0))
            text = written.read().decode(errors="replace")
    except OSError:
        return ""
    crash = last_crash(text)
    if crash:
        said = next(line for line in crash.lines if line.startswith(CRASH_MARK))
        return f"{said.strip()} (`codesaga daemon logs` shows where)"
    lines = text.splitlines()
    return lines[-1].strip() if lines else ""


def _silent(process: subprocess.Popen[bytes]) -> str:
    """Why a daemon that wrote nothing ended, as far as its exit says."""
    code = process.returncode
    if code is not None and code < 0:
        return (
            f"it was killed by signal {-code} without a word (out of memory?); "
            "see `codesaga daemon logs`"
        )
    return "it said nothing; see `codesaga daemon logs`"


NO_ROOM_BYTES = 1024 * 1024  # free space under which a store cannot be opened


def _no_room(settings: Settings) -> str:
    """What to say when the disk the daemon writes to is full: it could not say so, as
    its log and stderr are on that disk."""
    for where in (settings.state_dir, settings.data_dir):
        try:
            free = shutil.disk_usage(where).free
        except OSError:
            continue
        if free < NO_ROOM_BYTES:
            return f"the disk holding {where} is full ({free:,} bytes free); free some space"
    return ""


def wait_for_daemon(
    settings: Settings, process: subprocess.Popen[bytes] | None, timeout: float = START_TIMEOUT
) -> DaemonClient:
    paths = RuntimePaths(settings.runtime_dir)
    deadline = time.monotonic() + timeout
    respawns = 0
    while time.monotonic() < deadline:
        try:
            return DaemonClient.connect(paths.socket, timeout=2.0)
        except OSError:
            pass
        if process is not None and process.poll() is not None:
            if process.returncode != ALREADY_RUNNING:
                why = _stderr_tail(settings, process) or _no_room(settings) or _silent(process)
                raise DaemonError(f"the daemon failed to start (exit {process.returncode}): {why}")
            process = None  # another client's daemon won the lock: wait for its socket
        if process is None and respawns < 3 and not is_locked(paths.lock):
            # The daemon that held the lock is gone without serving: one that was stopping
            # (it stops listening before it lets go of the lock) or one that failed to start.
            respawns += 1
            process = spawn_daemon(settings)
        time.sleep(0.05)
    raise DaemonError(
        f"the daemon did not start within {timeout:.0f} s; see {log_path(settings.state_dir)}"
    )


def connect(settings: Settings, *, start: bool = True) -> DaemonClient:
    """A connected, initialized client; starts the daemon when it is not running.

    A daemon of another version is restarted when it is idle; a busy one is left alone
    and reported.
    """
    paths = RuntimePaths(settings.runtime_dir)
    for attempt in range(2):
        try:
            client = DaemonClient.connect(paths.socket, timeout=2.0)
        except OSError:
            if not start:
                raise DaemonError(
                    "the daemon is not running; start it with `codesaga daemon start`"
                ) from None
            client = wait_for_daemon(settings, _spawn(settings, paths))
        try:
            client.initialize(settings)
            return client
        except VersionMismatchError as exc:
            if attempt or not start:
                client.close()
                raise
            status = client.call("status", timeout=CONTROL_ANSWER_SECONDS)
            models_busy = any(m.get("busy") for m in status.get("models", []))
            if status.get("inflight") or status.get("processing") or models_busy:
                client.close()
                raise DaemonError(f"{exc} (it is busy now; try again when it is idle)") from None
            client.call("shutdown", timeout=CONTROL_ANSWER_SECONDS)
            client.close()
            wait_until_stopped(paths, 10.0)
    raise DaemonError("could not connect to a daemon of this version")


def _spawn(settings: Settings, paths: RuntimePaths) -> subprocess.Popen[bytes]:
    """The daemon's directories made and the daemon started, or a one-line error saying
    where it could not write (a read-only or full disk, another user's XDG_RUNTIME_DIR)."""
    try:
        paths.prepare()
        return spawn_daemon(settings)
    except OSError as exc:
        where = exc.filename or settings.state_dir
        raise DaemonError(
            f"cannot start the daemon: {where}: {exc.strerror or exc}; point CODESAGA_HOME "
            "(or XDG_RUNTIME_DIR) at a directory of yours that can be written"
        ) from None


def wait_until_stopped(paths: RuntimePaths, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_locked(paths.lock):
            return True
        time.sleep(0.05)
    return False


class Stop(enum.Enum):
    """How ``stop_daemon`` ended: false when no daemon ran."""

    NOT_RUNNING = "not running"
    STOPPED = "stopped"  # it took the shutdown, or SIGTERM: its requests journaled cancelled
    KILLED = "killed"  # SIGKILL: the next daemon marks what it was running as failed

    def __bool__(self) -> bool:
        return self is not Stop.NOT_RUNNING


def stop_daemon(settings: Settings, timeout: float = 10.0) -> Stop:
    """Ask the daemon to stop; SIGTERM, then SIGKILL it (by its pid file) if it does not."""
    paths = RuntimePaths(settings.runtime_dir)
    if not is_locked(paths.lock):
        return Stop.NOT_RUNNING
    deadline = time.monotonic() + timeout
    pid = paths.read_pid()  # before asking: a daemon that stops takes its pid file away
    # A daemon still starting holds the lock before it writes its pid file and listens:
    # ask until it can be asked (a stop right after a start used to wait 15 s and fail).
    # A stuck daemon (stopped, deadlocked) takes the connection and never answers: the
    # ask gives up by the deadline, and the signal below stops it.
    while (
        is_locked(paths.lock)
        and not _ask_to_stop(paths, max(0.5, deadline - time.monotonic()))
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    pid = paths.read_pid() or pid  # a starting daemon's, written while it was asked
    if wait_until_stopped(paths, max(0.0, deadline - time.monotonic())):
        _wait_for_exit(pid, 5.0)
        return Stop.STOPPED
    # SIGTERM, then SIGKILL: the daemon takes SIGTERM on its event loop, so a stuck loop (or
    # a stopped process) never acts on it. Killed, it leaves its files to the next daemon,
    # which cleans them up as after a crash; the lock goes with the process.
    outcome = Stop.STOPPED
    for signum, sent in ((signal.SIGTERM, Stop.STOPPED), (signal.SIGKILL, Stop.KILLED)):
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)
                outcome = sent  # "killed" only once SIGKILL was sent
        if wait_until_stopped(paths, 5.0):
            _wait_for_exit(pid, 5.0)
            return outcome
    raise DaemonError(
        f"the daemon (pid {pid}) did not stop; kill it and run `codesaga daemon start` again"
    )


def _ask_to_stop(paths: RuntimePaths, timeout: float) -> bool:
    """Whether the daemon listening at ``paths`` took a ``shutdown`` within ``timeout``."""
    try:
        with DaemonClient.connect(paths.socket, timeout=2.0) as client:
            client.call("shutdown", timeout=timeout)
        return True
    except (OSError, CodeSagaError, p.RpcError):
        return False


def _wait_for_exit(pid: int | None, timeout: float) -> None:
    """After the lock is free the process only has to exit; wait so `stop` means gone."""
    deadline = time.monotonic() + timeout
    while pid is not None and time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        try:  # our own child (a test's daemon) lingers as a zombie until reaped
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:
            pass
        time.sleep(0.02)
