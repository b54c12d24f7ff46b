"""Serving an ASGI app with uvicorn inside the daemon's own event loop, with the limits
uvicorn leaves out.

uvicorn's signal handlers are left out, so the daemon's own (SIGTERM, SIGINT, SIGHUP) stay in
place. uvicorn times out a keep-alive connection only after a response, and never the wait for
a request's headers; its ``limit_concurrency`` counts every open connection, so clients that
trickle headers in would get a real request answered 503. Here, on top of uvicorn's HTTP/1.1
protocol (h11): a new connection that says nothing is timed like an idle keep-alive one, a
request's headers must all arrive within ``HttpLimits.headers`` of their first byte (or 408),
and at ``HttpLimits.max_connections`` the connection that has waited longest for a request
is closed to make room (503 only when every connection is busy with one).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import ClassVar

import h11
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

from codesaga.daemon.openai_wire import ApiError

log = logging.getLogger(__name__)
MAX_HEADER_BYTES = 64 * 1024


@dataclass(frozen=True)
class HttpLimits:
    """What one client may take of the daemon: seconds, and connections."""

    keep_alive: int = 5  # an idle connection, before its first request or between two
    headers: float = 10.0  # from a request's first byte to its last header line
    body_idle: float = 30.0  # between two reads of a body (the app enforces it)
    # A whole body (8 MiB at most), however steadily it trickles in: a client sending a byte
    # every few seconds would otherwise hold its connection, never the idle one closed for
    # room, for as long as it liked.
    body_total: float = 120.0
    max_connections: int = 64
    backlog: int = 128  # connections the kernel holds until they are accepted
    shutdown: int = 2  # a stopping daemon's wait for answers in progress


DEFAULT_LIMITS = HttpLimits()


class HttpServer:
    """``app`` on ``host``:``port`` (0: any free port, then ``port`` says which)."""

    def __init__(self, app: ASGIApp, host: str, port: int, limits: HttpLimits) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.limits = limits
        self._server: _Server | None = None
        self._serving: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen (``OSError`` if the port is taken) and serve in this event loop."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.create_server(
            (self.host, self.port), family=family, backlog=self.limits.backlog
        )
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            http=type("Protocol", (_Protocol,), {"limits": self.limits}),
            ws="none",
            lifespan="off",
            log_config=None,  # the daemon's logging stays as it is
            access_log=False,
            proxy_headers=False,
            server_header=False,
            backlog=self.limits.backlog,
            timeout_keep_alive=self.limits.keep_alive,
            timeout_graceful_shutdown=self.limits.shutdown,
            h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        )
        self._server = server = _Server(config)
        self._serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if self._serving.done():
                self._serving.result()  # raises what stopped it
                raise RuntimeError("the HTTP server stopped as it started")
            await asyncio.sleep(0.005)

    def stop_accepting(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            for listener in getattr(self._server, "servers", ()):
                listener.close()

    async def close(self) -> None:
        """Stop; answers in progress get ``limits.shutdown`` seconds to finish."""
        self.stop_accepting()
        if self._serving is not None:
            await self._serving


class _Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 with a clock on the wait for a whole request head, and room made at
    the connection limit by closing the connection that has waited longest for one."""

    limits: ClassVar[HttpLimits] = DEFAULT_LIMITS  # each server sets its own in a subclass
    waiting_since: float | None = None  # since when it has waited for a request's head
    _head_clock: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_LingeringTransport(transport, self.loop))  # type: ignore[arg-type]
        self.waiting_since = self.loop.time()
        others = [
            c
            for c in self.connections
            if isinstance(c, _Protocol) and c is not self and not c.closing
        ]
        if len(others) >= self.limits.max_connections:
            waiting = [c for c in others if c.waiting_since is not None]
            if not waiting:
                log.warning("refused an HTTP connection: %d open, all busy", len(others))
                self._refuse(HTTPStatus.SERVICE_UNAVAILABLE, "too many connections; try again")
                return
            min(waiting, key=lambda c: c.waiting_since or 0.0).timeout_keep_alive_handler()
        # Nothing said yet: the keep-alive clock runs, as it does between two requests.
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    @property
    def closing(self) -> bool:
        return self.transport.is_closing()

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return  # the rest of a body nobody will read (see _LingeringTransport)
        super().data_received(data)
        self._watch_head()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch_head()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._stop_head_clock()

    def _watch_head(self) -> None:
        """Start the head's clock at its first byte; stop it once the head is in."""
        if self.closing or self.conn.their_state is not h11.IDLE:
            self.waiting_since = None
            self._stop_head_clock()
            return
        if self.waiting_since is None:
            self.waiting_since = self.loop.time()
        if self._head_clock is None and self.conn.trailing_data[0]:
            self._head_clock = self.loop.call_later(self.limits.headers, self._head_timeout)

    def _stop_head_clock(self) -> None:
        if self._head_clock is not None:
            self._head_clock.cancel()
            self._head_clock = None

    def _head_timeout(self) -> None:
        self._head_clock = None
        if not self.closing and self.conn.their_state is h11.IDLE:
            self._refuse(HTTPStatus.REQUEST_TIMEOUT, "the headers came too slowly")

    def _refuse(self, status: HTTPStatus, message: str) -> None:
        """An answer written by hand, where there is no request to answer; then close."""
        kind = "server_error" if status >= 500 else "invalid_request_error"
        body = json.dumps(ApiError(status, message, kind).body()).encode()
        head = (
            f"HTTP/1.1 {status.value} {status.phrase}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        )
        self.transport.write(head.encode("ascii") + body)
        self.transport.close()


LINGER_SECONDS = 2.0


class _LingeringTransport:
    """A transport whose ``close`` lets the client finish sending first. An answer sent
    before its request's body was read (a 401 for a wrong token, a 413 for a body over the
    limit) would otherwise be lost: closing a socket with unread data makes the kernel reset
    the connection, and the client's read of the answer fails. So close sends a FIN after
    the answer, reads and drops what still comes (for at most LINGER_SECONDS), then closes
    (as nginx's lingering_close does)."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._closing = False

    def __getattr__(self, name: str) -> object:
        return getattr(self._transport, name)

    def is_closing(self) -> bool:
        return self._closing or self._transport.is_closing()

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        transport = self._transport
        if transport.is_closing() or not transport.can_write_eof():
            transport.close()
            return
        try:
            transport.write_eof()
        except OSError:  # the client is gone already: nothing to linger for
            transport.close()
            return
        transport.resume_reading()  # flow control may have paused it: drain, do not stall
        self._loop.call_later(LINGER_SECONDS, transport.close)


class _Server(uvicorn.Server):
    """uvicorn's server without its signal handlers: the daemon's own stay in place."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
