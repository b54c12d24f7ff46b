"""``--no-daemon``: the client's calls, served by a daemon built in this process (no socket;
the model loads for this one command)."""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from codesaga.domain.errors import DaemonError
from codesaga.protocol import jsonrpc as p
from codesaga.settings import Settings

if TYPE_CHECKING:
    from codesaga.daemon.dispatch import Daemon


class LocalClient:
    """The same calls as DaemonClient, served by a daemon object in this process.

    ``--no-daemon`` uses it: the model loads for this one command, nothing listens on a
    socket. The daemon's event loop runs on a thread of its own, so any thread (a UI's
    included) may call.
    """

    def __init__(self, settings: Settings, daemon: Daemon | None = None) -> None:
        import asyncio

        from codesaga.bootstrap import build_daemon
        from codesaga.daemon.dispatch import Connection

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
        message = p.parse(data, p.MAX_ANSWER_BYTES)  # the daemon's answers, as a socket's
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
        p.encode_request(method, params, request_id)  # what the socket would refuse, refused
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
