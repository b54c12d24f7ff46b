"""The transports' own limits, the WebSocket's without sockets (test_websocket_check.py has its
handshake checks; tests/integration/test_websocket.py the real thing)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

import pytest

from codesaga.daemon.connection import MAX_PENDING, MAX_UNREAD_BYTES
from codesaga.daemon.websocket_server import WebSocketServer


class StalledClient:
    """A WebSocket client that sends ``frames`` requests and never reads an answer: the
    daemon's every send to it waits forever."""

    def __init__(self, frames: int, binary: bool) -> None:
        self.frames = frames
        self.binary = binary
        self.read = 0

    def __aiter__(self) -> StalledClient:
        return self

    async def __anext__(self) -> str | bytes:
        if self.read == self.frames:
            raise StopAsyncIteration
        self.read += 1
        text = f'{{"jsonrpc": "2.0", "id": {self.read}, "method": "status"}}'
        return text.encode() if self.binary else text

    async def send(self, data: str) -> None:
        await asyncio.Event().wait()


class EchoDaemon:
    def __init__(self) -> None:
        self.connections: set[object] = set()

    async def handle(self, conn: Any, message: Any) -> None:
        conn.send(b'{"jsonrpc": "2.0", "id": 1, "result": {}}')


@pytest.mark.parametrize("binary", [False, True])  # binary frames are answered with an error
def test_a_client_that_never_reads_is_read_no_more(binary: bool) -> None:
    # The Unix socket stops reading while its writes drain; the WebSocket's answers wait in
    # a queue of their own, which must not grow without end either.
    client = StalledClient(frames=20 * MAX_PENDING, binary=binary)
    server = WebSocketServer.__new__(WebSocketServer)
    server.daemon = EchoDaemon()  # type: ignore[assignment]

    async def run() -> None:
        serving = asyncio.create_task(server._serve(client))
        for _ in range(200):  # the reader would have read every frame long before this
            await asyncio.sleep(0)
        assert not serving.done()  # asyncio.run cancels it (and its writer) on the way out

    asyncio.run(run())
    assert client.read == MAX_PENDING


class BigAnswers:
    """Answers each request with ``size`` bytes, and counts the requests it was cancelled."""

    def __init__(self, size: int) -> None:
        self.connections: set[object] = set()
        self.size = size
        self.cancelled = 0

    async def handle(self, conn: Any, message: Any) -> None:
        from codesaga.engine.port import CancelToken

        token = CancelToken()
        conn.inflight[message.id] = token
        filler = "x" * self.size
        conn.send(f'{{"jsonrpc": "2.0", "id": {message.id}, "result": "{filler}"}}'.encode())
        await asyncio.sleep(0)
        self.cancelled += token.cancelled


class Aborted:
    def __init__(self) -> None:
        self.aborted = False

    def abort(self) -> None:
        self.aborted = True


def test_a_websocket_client_that_leaves_its_answers_unread_is_dropped() -> None:
    # Eight listings left unread (150 MB each) held 2.5 GB: requests read before the reading
    # stopped still answer into the queue.
    client = StalledClient(frames=100, binary=False)
    client.transport = Aborted()  # type: ignore[attr-defined]
    server = WebSocketServer.__new__(WebSocketServer)
    daemon = BigAnswers(4 * 2**20)
    server.daemon = daemon  # type: ignore[assignment]

    async def run() -> None:
        serving = asyncio.create_task(server._serve(client))
        for _ in range(400):
            await asyncio.sleep(0)
        serving.cancel()

    asyncio.run(run())
    assert client.transport.aborted  # type: ignore[attr-defined]
    assert daemon.cancelled > 0  # what it asked for stops


def test_a_unix_socket_client_that_leaves_its_answers_unread_is_dropped(tmp_path: Path) -> None:
    import socket

    from codesaga.daemon.unix_server import UnixServer

    daemon = BigAnswers(4 * 2**20)
    path = tmp_path / "s"

    async def run() -> int:
        server = UnixServer(daemon, path)  # type: ignore[arg-type]
        await server.start()
        client = socket.socket(socket.AF_UNIX)
        client.connect(str(path))
        client.setblocking(False)
        for n in range(1, 101):  # requests, and no answer read
            with contextlib.suppress(BlockingIOError):
                client.send(f'{{"jsonrpc": "2.0", "id": {n}, "method": "status"}}\n'.encode())
        for _ in range(200):
            await asyncio.sleep(0.01)
            if daemon.cancelled:
                break
        read = 0
        with contextlib.suppress(OSError):  # the connection was reset: nothing left to read
            while chunk := client.recv(2**20):
                read += len(chunk)
        client.close()
        server.stop_accepting()
        await server.close_connections()
        return read

    read = asyncio.run(run())
    assert daemon.cancelled > 0 and read <= MAX_UNREAD_BYTES + 5 * 2**20


def test_connections_held_without_a_token_do_not_lock_an_editor_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Over the cap the newest connection was closed: any local process (another user's)
    # holding MAX_CONNECTIONS silent ones open kept every editor out.
    from websockets.asyncio.client import connect

    from codesaga.daemon import websocket_server

    monkeypatch.setattr(websocket_server, "MAX_CONNECTIONS", 4)

    async def run() -> None:
        server = WebSocketServer(EchoDaemon(), "127.0.0.1", 0, "tok", [], open_timeout=30)  # type: ignore[arg-type]
        await server.start()
        idle = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(8)]
        try:
            for _ in range(100):  # let the server accept them all
                await asyncio.sleep(0.01)
            headers = {"Authorization": "Bearer tok"}
            async with connect(server.url, additional_headers=headers, open_timeout=5) as ws:
                await ws.send('{"jsonrpc": "2.0", "id": 1, "method": "status"}')
                assert '"result"' in str(await asyncio.wait_for(ws.recv(), 5))
            # the oldest silent ones were closed to make room
            closed = sum(reader.at_eof() for reader, _ in idle)
        finally:
            for _, writer in idle:
                writer.close()
            server.stop_accepting()
        assert closed >= 4

    asyncio.run(run())


def test_a_handshake_can_show_the_token_without_giving_it_and_is_answered_with_a_proof() -> None:
    # The editor reads the daemon's address from websocket.json, which a killed daemon
    # leaves behind: whoever took its port next read the Bearer token and got the editor's
    # code. A client now shows the token as an HMAC of its nonce, and the daemon answers
    # with another HMAC of it, which only the token holder can make.
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    from codesaga.daemon.websocket_server import PROOF_HEADER, client_proof, daemon_proof

    async def answers(*authorizations: str) -> list[str | int | None]:
        server = WebSocketServer(EchoDaemon(), "127.0.0.1", 0, "tok", [], open_timeout=30)  # type: ignore[arg-type]
        await server.start()
        answered: list[str | int | None] = []
        try:
            for authorization in authorizations:
                try:
                    headers = {"Authorization": authorization}
                    async with connect(server.url, additional_headers=headers) as ws:
                        assert ws.response is not None
                        answered.append(ws.response.headers.get(PROOF_HEADER))
                except InvalidStatus as refused:
                    answered.append(refused.response.status_code)
        finally:
            server.stop_accepting()
        return answered

    shown = f"CodeSaga n0nce.{client_proof('tok', 'n0nce')}"
    proof, bearer, wrong, too_long = asyncio.run(
        answers(
            shown,
            "Bearer tok",
            f"CodeSaga other.{client_proof('tok', 'n0nce')}",
            f"CodeSaga {'x' * 129}.{client_proof('tok', 'x' * 129)}",
        )
    )
    assert proof == daemon_proof("tok", "n0nce") != client_proof("tok", "n0nce")
    assert "tok" not in shown.split(" ", 1)[1]
    assert bearer is None  # served, and nothing to prove to a client that gave the token
    assert wrong == too_long == 401


def test_a_handshake_refused_for_a_header_given_twice_is_answered_without_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The proof was read off every answer's request, refusals too: an Authorization given
    # twice (refused, 400) raised in the response hook and left a traceback in the log.
    async def answer_to_two_authorizations() -> bytes:
        server = WebSocketServer(EchoDaemon(), "127.0.0.1", 0, "tok", [], open_timeout=30)  # type: ignore[arg-type]
        await server.start()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(
                b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                b"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer tok\r\n"
                b"Authorization: CodeSaga n.x\r\n\r\n"
            )
            await writer.drain()
            status = await reader.readline()
            writer.close()
            return status
        finally:
            server.stop_accepting()

    with caplog.at_level(logging.DEBUG):
        status = asyncio.run(answer_to_two_authorizations())
    assert status.startswith(b"HTTP/1.1 400")
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
