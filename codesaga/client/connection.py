"""A connection to the daemon: handshake, call, stream, cancel, and patience with a busy one."""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, Self

from codesaga import __version__
from codesaga.domain.errors import BusyError, CancelledError, DaemonError, NotTakenError
from codesaga.protocol import jsonrpc as p
from codesaga.protocol.runtime import peer_uid
from codesaga.settings import Settings

BUSY_PATIENCE_SECONDS = 60.0


class Client(Protocol):
    """What the commands, the chat and the TUI need of a daemon, remote or in-process."""

    @property
    def server(self) -> dict[str, Any]:
        """What the daemon said at the handshake (its version, models, settings it differs
        in)."""
        ...

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        on_delta: Callable[[str], None] | None = None,
    ) -> Any: ...
    def cancel_current(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...


CANCEL_CONFIRM_SECONDS = 5.0  # after Ctrl-C, the wait for the daemon to confirm the cancel
# The handshake and control calls are answered by the daemon's event loop, never behind the
# model: a daemon silent this long is stuck (stopped, deadlocked), not busy.
CONTROL_ANSWER_SECONDS = 10.0


class StrangerError(DaemonError):
    """The daemon's socket is served by another user's process."""


def _stranger(path: Path, uid: int) -> str:
    return (
        f"{path} belongs to another user (uid {uid}), not to a CodeSaga daemon of yours: "
        "nothing was sent to it. Set CODESAGA_HOME (or XDG_RUNTIME_DIR) to a short path of "
        "yours, so that the socket stays in a directory of your own"
    )


class NotSentError(DaemonError):
    """A request could not be sent: the daemon was gone (an idle exit, a stop) before it
    arrived, so nothing of it was done and it can be sent to a new one."""


class DaemonClient:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._reader = sock.makefile("rb")
        self._ids = itertools.count(1)
        self.server: dict[str, Any] = {}
        self._current: int | None = None

    @classmethod
    def connect(cls, path: Path, timeout: float | None = None) -> DaemonClient:
        """Raises ``ConnectionError``/``FileNotFoundError`` when nobody listens there, and
        ``StrangerError`` when another user's process does."""
        # Nothing is sent to another user's socket: its directory can be theirs (a long
        # runtime path moves it to /tmp, where its name can be guessed and taken first), and
        # a fake daemon there would read the user's code and answer with its own. The
        # socket's owner is checked first (everywhere), then the peer's (Linux).
        owner = path.stat().st_uid  # FileNotFoundError when nobody listens: as connect's
        if owner != os.getuid():
            raise StrangerError(_stranger(path, owner))
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
            uid = peer_uid(sock)
        except BaseException:
            sock.close()
            raise
        if uid is not None and uid != os.getuid():
            sock.close()
            raise StrangerError(_stranger(path, uid))
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
        (``settingsDiffer``). A daemon that accepts the connection and never answers is an
        error after ``CONTROL_ANSWER_SECONDS``, not a client that hangs."""
        params: dict[str, Any] = {
            "client": {"name": "codesaga", "version": __version__},
            "protocolVersion": p.PROTOCOL_VERSION,
        }
        if settings is not None:
            params["settings"] = settings.fingerprint()
        self.server = self.call("initialize", params, timeout=CONTROL_ANSWER_SECONDS)
        return self.server

    def _send(self, data: bytes) -> None:
        try:
            self._sock.sendall(data + b"\n")
        except OSError as exc:
            raise NotSentError(f"lost the connection to the daemon: {exc}") from None

    def _receive(self) -> p.Message:
        try:
            line = self._reader.readline(p.MAX_ANSWER_BYTES + 1)
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
        return p.parse(line, p.MAX_ANSWER_BYTES)

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        on_delta: Callable[[str], None] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Send a request and wait for its result, passing streamed text to ``on_delta``.

        Ctrl-C sends ``$/cancel`` and waits briefly for the daemon to confirm, then raises
        KeyboardInterrupt. Error responses raise the matching CodeSaga error. With
        ``timeout``, a daemon silent that long closes this connection with a DaemonError
        (for calls the daemon answers at once, never for the model's work).
        """
        request_id = next(self._ids)
        self._send(p.encode_request(method, params or {}, request_id))
        self._current = request_id
        if timeout is not None:
            self._sock.settimeout(timeout)
        try:
            return self._wait(request_id, on_delta)
        except TimeoutError:
            if timeout is None:
                raise
            self.close()  # the answer may still come: this connection can no longer tell
            raise DaemonError(
                f"the daemon did not answer `{method}` within {timeout:g} s: it may be stuck; "
                "`codesaga daemon stop` stops it (by a signal if it must), and the next "
                "command starts a new one"
            ) from None
        except KeyboardInterrupt:
            self._send(p.encode_request("$/cancel", {"id": request_id}))
            self._sock.settimeout(CANCEL_CONFIRM_SECONDS)
            try:
                with contextlib.suppress(Exception):
                    # What streams until the cancel lands is shown too: it is in the answer
                    # the daemon keeps (a chat's partial answer), so what was seen is all
                    # that was kept.
                    self._wait(request_id, on_delta)
            finally:
                # Only the wait for the cancel's confirmation is bounded: left at 5 s, the
                # next answer slower than that to start (a long prompt read) ended the REPL.
                self._sock.settimeout(None)
            raise
        finally:
            self._current = None
            if timeout is not None and self._sock.fileno() != -1:
                self._sock.settimeout(None)

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


class PatientClient:
    """A client that retries a full queue for a while: a person would rather wait than see
    "busy". The CLI, the chat and the TUI all call through one. Given ``reconnect`` (which
    connects to the daemon, starting one if need be), a request that could not be sent
    because the daemon had gone (it exits after idle_timeout, while a chat waits for its
    next question) is sent once more through a new connection."""

    def __init__(
        self,
        client: Client,
        patience: float = BUSY_PATIENCE_SECONDS,
        *,
        reconnect: Callable[[], Client] | None = None,
    ) -> None:
        self.inner = client
        self.patience = patience
        self._reconnect = reconnect
        # A cancel while no request is out (waiting out "busy", connecting again): the call
        # ends at once, not with the whole answer after all.
        self._calling = False
        self._cancelled = threading.Event()

    @property
    def server(self) -> dict[str, Any]:
        return self.inner.server

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        on_delta: Callable[[str], None] | None = None,
    ) -> Any:
        deadline = time.monotonic() + self.patience
        delay = 0.1
        reconnected = False
        self._cancelled.clear()
        self._calling = True
        try:
            while True:
                if self._cancelled.is_set():
                    raise CancelledError("cancelled before the daemon took the request")
                try:
                    return self.inner.call(method, params, on_delta=on_delta)
                except (NotSentError, NotTakenError):
                    # Not sent, or refused untouched by a daemon that is stopping: a new
                    # one is asked (the reconnect starts it once the old one is gone).
                    if self._reconnect is None or reconnected:
                        raise
                    reconnected = True
                    self.inner.close()
                    self.inner = self._reconnect()
                except BusyError:
                    if time.monotonic() + delay > deadline:
                        raise
                    self._cancelled.wait(delay)
                    delay = min(delay * 2, 2.0)
        finally:
            self._calling = False

    def cancel_current(self) -> None:
        if self._calling:
            self._cancelled.set()
        self.inner.cancel_current()

    def close(self) -> None:
        self.inner.close()

    def __enter__(self) -> PatientClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
