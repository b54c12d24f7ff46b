"""The WebSocket transport's own limits, without sockets (test_websocket_check.py has its
handshake checks; tests/integration/test_websocket.py the real thing)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from codesaga.daemon.websocket_server import MAX_UNSENT, WebSocketServer


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
    client = StalledClient(frames=20 * MAX_UNSENT, binary=binary)
    server = WebSocketServer.__new__(WebSocketServer)
    server.daemon = EchoDaemon()  # type: ignore[assignment]

    async def run() -> None:
        serving = asyncio.create_task(server._serve(client))
        for _ in range(200):  # the reader would have read every frame long before this
            await asyncio.sleep(0)
        assert not serving.done()  # asyncio.run cancels it (and its writer) on the way out

    asyncio.run(run())
    assert client.read == MAX_UNSENT


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


def test_an_accepted_handshake_proves_it_holds_the_token() -> None:
    # The editor reads the daemon's address from websocket.json, which a killed daemon
    # leaves behind: whoever took its port next got the editor's code. The answer to a
    # handshake now proves the token (HMAC of the client's challenge), so an editor can tell.
    import base64
    import hashlib
    import hmac

    from websockets.asyncio.client import connect

    from codesaga.daemon.websocket_server import CHALLENGE_HEADER, PROOF_HEADER

    async def proofs(*challenges: str | None) -> list[str | None]:
        server = WebSocketServer(EchoDaemon(), "127.0.0.1", 0, "tok", [], open_timeout=30)  # type: ignore[arg-type]
        await server.start()
        answered = []
        try:
            for challenge in challenges:
                headers = {"Authorization": "Bearer tok"}
                if challenge is not None:
                    headers[CHALLENGE_HEADER] = challenge
                async with connect(server.url, additional_headers=headers) as ws:
                    assert ws.response is not None
                    answered.append(ws.response.headers.get(PROOF_HEADER))
        finally:
            server.stop_accepting()
        return answered

    proof, none, too_long = asyncio.run(proofs("n0nce", None, "x" * 129))
    expected = hmac.new(b"tok", b"n0nce", hashlib.sha256).digest()
    assert proof == base64.b64encode(expected).decode()
    assert none is None and too_long is None
