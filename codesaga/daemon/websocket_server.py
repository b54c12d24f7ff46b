"""The WebSocket transport for editors: the same JSON-RPC, one object per text frame.

Loopback only. Every handshake must carry the daemon's token as ``Authorization: Bearer``
(compared in constant time, never read from the query string); the Origin must be absent or
fullmatch an allowed pattern; the Host must be a loopback name. Frames are bounded and
uncompressed, and a handshake must finish within the open timeout.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import ipaddress
import itertools
import logging
import re
import socket
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from codesaga.daemon.connection import MAX_UNREAD_BYTES, Room
from codesaga.daemon.dispatch import Connection, Daemon
from codesaga.daemon.hushed_log import HushedWarning
from codesaga.domain.errors import UsageError
from codesaga.protocol import jsonrpc as p

log = logging.getLogger(__name__)
_ids = itertools.count(1)
LOOPBACK_NAMES = {"localhost", "localhost.", "ip6-localhost"}
# Open TCP connections, handshakes included: any local process can open one without the
# token, and each holds a file descriptor for up to the open timeout. Past this many a new
# one is closed at once, so that they cannot use up the daemon's descriptors (its model
# files, the Unix socket, the journal). An editor keeps one per window.
MAX_CONNECTIONS = 64


def is_loopback(host: str) -> bool:
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def bind_address(host: str) -> str:
    """The one numeric address to listen on for ``host``: a name is resolved here, and it
    must name loopback addresses only. Left to the server, "localhost" listened on 127.0.0.1
    and ::1 on two different free ports, and the URL given to editors named one of them
    under a name that may resolve to the other (another user's listener, then)."""
    name = host.strip("[]")
    with contextlib.suppress(ValueError):
        return str(ipaddress.ip_address(name))
    try:
        found = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UsageError(f"ws_host {host!r} does not resolve: {exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses or not all(ipaddress.ip_address(a).is_loopback for a in addresses):
        raise UsageError(
            f"refusing to serve the WebSocket on {host}: it resolves to {', '.join(addresses)}, "
            "not only loopback addresses (set CODESAGA_WS_HOST to 127.0.0.1 or ::1)"
        )
    return min(addresses, key=lambda a: ":" in a)  # IPv4 first: every client can reach it


# RFC 3986's authority without userinfo: a bracketed IPv6 address or a name without colons,
# then an optional numeric port, and nothing else ("[::1].evil.com" is no loopback name).
_HOST_HEADER = re.compile(r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[^\s:\[\]/@]+))(?::\d{1,5})?")
CHECKED_HEADERS = ("Host", "Origin", "Authorization")


def host_name(host_header: str) -> str | None:
    """``localhost:8080`` -> ``localhost``; ``[::1]:80`` -> ``::1``; None if malformed."""
    match = _HOST_HEADER.fullmatch(host_header)
    if match is None:
        return None
    return match["ipv6"] or match["name"]


def check_handshake(
    path: str,
    headers: Mapping[str, Sequence[str]],
    token: str,
    origins: Sequence[re.Pattern[str]],
) -> tuple[HTTPStatus, str] | None:
    """Why a handshake must be refused, or None to accept it. Pure: no I/O.

    ``headers`` maps each of ``CHECKED_HEADERS`` to every value the request gave it: one of
    them given twice is refused, since two parsers could each read a different one.
    """
    for name in CHECKED_HEADERS:
        if len(headers.get(name, ())) > 1:
            return HTTPStatus.BAD_REQUEST, f"duplicate {name} header"
    host = next(iter(headers.get("Host", ())), "")
    hostname = host_name(host)
    if hostname is None or not is_loopback(hostname):
        return HTTPStatus.FORBIDDEN, "Host must be a loopback name"
    origin = next(iter(headers.get("Origin", ())), None)
    # An empty Origin is refused like any other unlisted one (browsers send "null", never "")
    if origin is not None and not any(pattern.fullmatch(origin) for pattern in origins):
        return HTTPStatus.FORBIDDEN, "Origin not allowed"
    auth = next(iter(headers.get("Authorization", ())), "")
    if not token_shown(auth, token):
        return HTTPStatus.UNAUTHORIZED, "missing or wrong token (Authorization: Bearer ...)"
    return None


def token_shown(authorization: str, token: str) -> bool:
    """Whether an Authorization header shows the token: ``Bearer TOKEN``, or ``CodeSaga
    NONCE.MAC`` with MAC the client's proof of the token for NONCE (see ``client_proof``),
    which gives the token to nobody who reads the request. Compared in constant time."""
    scheme, offered = _parts(authorization)
    if scheme == "bearer":
        return hmac.compare_digest(offered.encode(), token.encode())
    nonce, _, mac = offered.partition(".")
    if scheme != "codesaga" or not nonce or len(nonce) > MAX_NONCE_CHARS:
        return False
    return hmac.compare_digest(mac.encode(), client_proof(token, nonce).encode())


def _parts(authorization: str) -> tuple[str, str]:
    """An Authorization header's scheme (lower case) and what follows it."""
    scheme, _, offered = authorization.partition(" ")
    return scheme.lower(), offered.strip()


PROOF_HEADER = "X-CodeSaga-Proof"
MAX_NONCE_CHARS = 128


def _mac(token: str, label: str, nonce: str) -> str:
    digest = hmac.new(token.encode(), f"{label}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def client_proof(token: str, nonce: str) -> str:
    """What a client shows of the token for its ``nonce``: HMAC-SHA256 under the token of
    ``client:NONCE``, base64url without padding."""
    return _mac(token, "client", nonce)


def daemon_proof(token: str, nonce: str) -> str:
    """What the daemon answers a ``CodeSaga NONCE.MAC`` handshake with, in ``PROOF_HEADER``:
    the same of ``daemon:NONCE``, which the client's MAC does not give away. A killed
    daemon's address outlives it in ``websocket.json``; a process that takes the port next
    reads no token from such a request and cannot answer it, so the editor sends it
    nothing. (Sent as ``Bearer``, the token itself went to it, and a proof made from the
    token proved nothing.)"""
    return _mac(token, "daemon", nonce)


def parse_origins(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    try:
        return [re.compile(part) for part in patterns]
    except re.error as exc:
        raise UsageError(f"ws_origins has a bad pattern: {exc}") from None


class WebSocketServer:
    def __init__(
        self,
        daemon: Daemon,
        host: str,
        port: int,
        token: str,
        origins: Sequence[re.Pattern[str]],
        open_timeout: float,
    ) -> None:
        # No override: whoever reaches the socket reads the user's code, so it is
        # never served beyond this machine.
        if not is_loopback(host):
            raise UsageError(
                f"refusing to serve the WebSocket on {host}: only loopback addresses are "
                "safe (set CODESAGA_WS_HOST to 127.0.0.1, ::1 or localhost)"
            )
        self.daemon = daemon
        self.host = bind_address(host)
        self.port = port
        self.token = token
        self.origins = list(origins)
        self.open_timeout = open_timeout
        self._refusals = HushedWarning(log)
        self._server: Any = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}"

    async def start(self) -> None:
        from websockets.asyncio.server import serve

        self._server = await serve(
            self._serve,
            self.host,
            self.port,
            process_request=self._check,
            process_response=self._prove,
            compression=None,
            max_size=p.MAX_MESSAGE_BYTES,
            open_timeout=self.open_timeout,
            server_header=None,
            logger=log,
            create_connection=_capped_connection(MAX_CONNECTIONS),
        )
        self.port = self._server.sockets[0].getsockname()[1]

    def _check(self, connection: Any, request: Any) -> Any:
        headers = {name: request.headers.get_all(name) for name in CHECKED_HEADERS}
        refused = check_handshake(request.path, headers, self.token, self.origins)
        if refused is None:
            return None
        status, reason = refused
        self._refusals.warning("refused a WebSocket handshake: %s", reason)
        return connection.respond(status, reason + "\n")

    def _prove(self, connection: Any, request: Any, response: Any) -> None:
        if response.status_code != HTTPStatus.SWITCHING_PROTOCOLS:
            return  # a refusal: its headers may hold anything (an Authorization given twice)
        scheme, offered = _parts(request.headers.get("Authorization", ""))
        if scheme == "codesaga":  # accepted: token_shown checked its nonce and MAC
            response.headers[PROOF_HEADER] = daemon_proof(self.token, offered.partition(".")[0])

    async def _serve(self, ws: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        outbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        unread = 0  # bytes in the outbox
        tasks: set[asyncio.Task[None]] = set()
        room = Room(lambda: len(tasks) + outbox.qsize())  # requests and answers pending

        def send(data: bytes) -> None:
            nonlocal unread
            if unread + len(data) > MAX_UNREAD_BYTES:
                conn.cut_off(unread, ws.transport.abort)
                return
            unread += len(data)
            outbox.put_nowait(data)
            room.update()

        def done(task: asyncio.Task[None]) -> None:
            tasks.discard(task)
            room.update()

        async def writer() -> None:
            nonlocal unread
            while (data := await outbox.get()) is not None:
                unread -= len(data)
                room.update()
                try:
                    await ws.send(data.decode("utf-8"))
                except ConnectionClosed:
                    room.release()  # the reader finds the connection closed
                    return

        conn = Connection(send, f"ws#{next(_ids)}")
        self.daemon.connections.add(conn)
        writing = asyncio.create_task(writer())
        try:
            async for frame in ws:
                if isinstance(frame, bytes):
                    conn.send(
                        p.encode_error(
                            None, p.RpcError(p.INVALID_REQUEST, "send JSON-RPC in text frames")
                        )
                    )
                else:
                    task = asyncio.create_task(self.daemon.handle(conn, p.parse(frame)))
                    tasks.add(task)
                    task.add_done_callback(done)
                    room.update()
                await room.wait()
                if conn.dropped:
                    break
        except ConnectionClosed:
            pass
        finally:
            conn.cancel_all()  # a client that went away cancels what it asked for
            self.daemon.connections.discard(conn)
            outbox.put_nowait(None)
            with contextlib.suppress(Exception):
                await writing

    def stop_accepting(self) -> None:
        if self._server is not None:
            self._server.close()


def _capped_connection(limit: int) -> Any:
    """websockets' server connection, with at most ``limit`` TCP connections open (see
    MAX_CONNECTIONS). Past it, the oldest connection still in its handshake is closed: any
    local process (another user's, too) can open connections without the token, and when
    the newest was the one closed, 64 such held open locked every editor out. Only when
    every connection has shaken hands is the new one closed."""
    from websockets.asyncio.server import ServerConnection
    from websockets.protocol import State

    live: dict[ServerConnection, None] = {}  # open connections, oldest first
    closings = HushedWarning(log)

    class CappedConnection(ServerConnection):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            live[self] = None
            super().connection_made(transport)
            if len(live) <= limit:
                return
            waiting = (c for c in live if c is not self and c.state is State.CONNECTING)
            closed = next(waiting, self)
            live.pop(closed, None)  # counted out now: its connection_lost comes later
            if isinstance(closed.transport, asyncio.Transport):
                closed.transport.abort()  # its handler sees the connection lost and ends
            closings.warning("closed a WebSocket connection: %d are open already", limit)

        def connection_lost(self, exc: Exception | None) -> None:
            live.pop(self, None)
            super().connection_lost(exc)

    return CappedConnection
