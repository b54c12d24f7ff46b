"""The daemon client: connect (starting the daemon if needed), handshake, call, stream.

The CLI talks to the daemon only through this module, which speaks the same sans-I/O
protocol module the daemon uses.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from codesaga import __version__
from codesaga.daemon import protocol as p
from codesaga.daemon.runtime import ALREADY_RUNNING, RuntimePaths, is_locked, log_path
from codesaga.domain.errors import CodeSagaError, DaemonError, VersionMismatchError
from codesaga.fs import private_dir
from codesaga.settings import Settings

if TYPE_CHECKING:
    from codesaga.daemon.service import Daemon

START_TIMEOUT = 60.0


class Client(Protocol):
    """What the commands, the chat and the TUI need of a daemon, remote or in-process."""

    server: dict[str, Any]

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        on_delta: Callable[[str], None] | None = None,
    ) -> Any: ...
    def cancel_current(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> Client: ...
    def __exit__(self, *exc: object) -> None: ...


class DaemonClient:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._reader = sock.makefile("rb")
        self._ids = itertools.count(1)
        self.server: dict[str, Any] = {}
        self._current: int | None = None

    @classmethod
    def connect(cls, path: Path, timeout: float | None = None) -> DaemonClient:
        """Raises ``ConnectionError``/``FileNotFoundError`` when nobody listens there."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except BaseException:
            sock.close()
            raise
        sock.settimeout(None)
        return cls(sock)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._reader.close()
            self._sock.close()

    def __enter__(self) -> DaemonClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def initialize(self, settings: Settings | None = None) -> dict[str, Any]:
        """The handshake; with ``settings``, the daemon also names the ones it does not share
        (``settingsDiffer``)."""
        params: dict[str, Any] = {
            "client": {"name": "codesaga", "version": __version__},
            "protocolVersion": p.PROTOCOL_VERSION,
        }
        if settings is not None:
            params["settings"] = settings.fingerprint()
        self.server = self.call("initialize", params)
        return self.server

    def _send(self, data: bytes) -> None:
        try:
            self._sock.sendall(data + b"\n")
        except OSError as exc:
            raise DaemonError(f"lost the connection to the daemon: {exc}") from None

    def _receive(self) -> p.Message:
        try:
            line = self._reader.readline(p.MAX_MESSAGE_BYTES + 1)
        except OSError as exc:
            if isinstance(exc, TimeoutError):
                raise
            raise DaemonError(
                f"lost the connection to the daemon ({exc.strerror or exc}); "
                "see `codesaga daemon logs`"
            ) from None
        if not line:
            raise DaemonError(
                "the daemon closed the connection (it may have stopped or "
                "crashed; see `codesaga daemon logs`)"
            )
        return p.parse(line)

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        on_delta: Callable[[str], None] | None = None,
    ) -> Any:
        """Send a request and wait for its result, passing streamed text to ``on_delta``.

        Ctrl-C sends ``$/cancel`` and waits briefly for the daemon to confirm, then raises
        KeyboardInterrupt. Error responses raise the matching CodeSaga error.
        """
        request_id = next(self._ids)
        self._send(p.encode_request(method, params or {}, request_id))
        self._current = request_id
        try:
            return self._wait(request_id, on_delta)
        except KeyboardInterrupt:
            self._send(p.encode_request("$/cancel", {"id": request_id}))
            self._sock.settimeout(5.0)
            with contextlib.suppress(Exception):
                self._wait(request_id, None)
            raise
        finally:
            self._current = None

    def cancel_current(self) -> None:
        """Cancel the request ``call`` is waiting for (from another thread, e.g. a UI)."""
        current = self._current
        if current is not None:
            self._send(p.encode_request("$/cancel", {"id": current}))

    def _wait(self, request_id: int, on_delta: Callable[[str], None] | None) -> Any:
        while True:
            message = self._receive()
            if isinstance(message, p.Request):
                if (
                    message.method == "$/delta"
                    and message.params.get("id") == request_id
                    and on_delta is not None
                ):
                    on_delta(str(message.params.get("text", "")))
                continue
            if isinstance(message, p.Invalid):
                raise DaemonError(f"the daemon sent something unreadable: {message.error.message}")
            if message.id != request_id and message.id is not None:
                continue
            if message.error is not None:
                raise p.exception_from_error(message.error)
            return message.result


# -- starting, finding and stopping the daemon ----------------------------------------------


def spawn_daemon(settings: Settings) -> subprocess.Popen[bytes]:
    """Start ``codesaga daemon start --foreground`` detached from this terminal."""
    private_dir(settings.state_dir)
    # The daemon reads its own settings (so it can reload config.toml), but it must live
    # where this client will look for it, whatever mapping these settings came from.
    env = dict(os.environ)
    for key in ("config_dir", "data_dir", "cache_dir", "state_dir", "runtime_dir", "models_dir"):
        env[f"CODESAGA_{key.upper()}"] = str(getattr(settings, key))
    # 0600 whatever the umask: a crashing daemon's traceback may quote the user's code.
    fd = os.open(
        settings.state_dir / "daemon.stderr", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600
    )
    os.fchmod(fd, 0o600)
    stderr = os.fdopen(fd, "ab")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "codesaga", "daemon", "start", "--foreground"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
            close_fds=True,
            env=env,
        )
    finally:
        stderr.close()


def _stderr_tail(settings: Settings) -> str:
    try:
        lines = (settings.state_dir / "daemon.stderr").read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return lines[-1].strip() if lines else ""


def wait_for_daemon(
    settings: Settings, process: subprocess.Popen[bytes] | None, timeout: float = START_TIMEOUT
) -> DaemonClient:
    paths = RuntimePaths(settings.runtime_dir)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return DaemonClient.connect(paths.socket, timeout=2.0)
        except OSError:
            pass
        if process is not None and process.poll() is not None:
            if process.returncode != ALREADY_RUNNING:
                raise DaemonError(
                    f"the daemon failed to start (exit {process.returncode}): "
                    f"{_stderr_tail(settings) or 'see codesaga daemon logs'}"
                )
            process = None  # another client's daemon won the lock: wait for its socket
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
            paths.prepare()
            client = wait_for_daemon(settings, spawn_daemon(settings))
        try:
            client.initialize(settings)
            return client
        except VersionMismatchError as exc:
            if attempt or not start:
                client.close()
                raise
            status = client.call("status")
            if status.get("inflight") or any(m.get("busy") for m in status.get("models", [])):
                client.close()
                raise DaemonError(f"{exc} (it is busy now; try again when it is idle)") from None
            client.call("shutdown")
            client.close()
            wait_until_stopped(paths, 10.0)
    raise DaemonError("could not connect to a daemon of this version")


def wait_until_stopped(paths: RuntimePaths, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_locked(paths.lock):
            return True
        time.sleep(0.05)
    return False


def stop_daemon(settings: Settings, timeout: float = 10.0) -> bool:
    """Ask the daemon to stop; SIGTERM it (by its pid file) if it does not. False if none ran."""
    paths = RuntimePaths(settings.runtime_dir)
    if not is_locked(paths.lock):
        return False
    pid = paths.read_pid()
    with (
        contextlib.suppress(OSError, CodeSagaError, p.RpcError),
        DaemonClient.connect(paths.socket, timeout=2.0) as client,
    ):
        client.call("shutdown")
    if wait_until_stopped(paths, timeout):
        _wait_for_exit(pid, 5.0)
        return True
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 15)
    if not wait_until_stopped(paths, 5.0):
        raise DaemonError(
            f"the daemon (pid {pid}) did not stop; kill it and run `codesaga daemon start` again"
        )
    _wait_for_exit(pid, 5.0)
    return True


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


class LocalClient:
    """The same calls as DaemonClient, served by a daemon object in this process.

    ``--no-daemon`` uses it: the model loads for this one command, nothing listens on a
    socket. The daemon's event loop runs on a thread of its own, so any thread (a UI's
    included) may call.
    """

    def __init__(self, settings: Settings, daemon: Daemon | None = None) -> None:
        import asyncio

        from codesaga.bootstrap import build_daemon
        from codesaga.daemon.service import Connection

        self._daemon = daemon or build_daemon(settings)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="local-daemon", daemon=True
        )
        self._thread.start()
        self._conn = Connection(self._receive, "local")
        self._ids = itertools.count(1)
        self._deltas: dict[int, Callable[[str], None]] = {}
        self._replies: dict[int, p.Response] = {}
        self.server: dict[str, Any] = self.call("initialize", {})

    def _receive(self, data: bytes) -> None:
        message = p.parse(data)
        if isinstance(message, p.Request) and message.method == "$/delta":
            on_delta = self._deltas.get(message.params.get("id"))  # type: ignore[arg-type]
            if on_delta is not None:
                on_delta(str(message.params.get("text", "")))
        elif isinstance(message, p.Response) and isinstance(message.id, int):
            self._replies[message.id] = message

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        on_delta: Callable[[str], None] | None = None,
    ) -> Any:
        import asyncio

        request_id = next(self._ids)
        if on_delta is not None:
            self._deltas[request_id] = on_delta
        request = p.Request(method, params or {}, request_id)
        future = asyncio.run_coroutine_threadsafe(
            self._daemon.handle(self._conn, request), self._loop
        )
        try:
            future.result()
        except KeyboardInterrupt:
            self._conn.cancel_all()
            with contextlib.suppress(Exception):
                future.result(timeout=5)
            raise
        finally:
            self._deltas.pop(request_id, None)
        reply = self._replies.pop(request_id, None)
        if reply is None:
            raise DaemonError(f"{method} gave no answer")
        if reply.error is not None:
            raise p.exception_from_error(reply.error)
        return reply.result

    def cancel_current(self) -> None:
        self._conn.cancel_all()

    def close(self) -> None:
        self._daemon.scheduler.close()
        self._daemon.close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def __enter__(self) -> LocalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
