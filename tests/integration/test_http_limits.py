"""The OpenAI-compatible HTTP API's limits, over raw sockets: the real server (Starlette on
uvicorn, in an event loop of its own here) in front of a real daemon graph whose engine is
scripted, so limits can be short and generations slow on purpose."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from codesaga.bootstrap import build_daemon
from codesaga.daemon.dispatch import Daemon
from codesaga.daemon.http_api import HttpApi
from codesaga.daemon.http_server import HttpLimits
from codesaga.domain.enums import RequestStatus
from codesaga.domain.requests import RequestRecord
from codesaga.engine.fake import FakeEngine
from codesaga.settings import load_settings
from tests.ggufgen import write_gguf

TOKEN = "secret-token-for-the-test"
SHORT = HttpLimits(keep_alive=1, headers=1.0, body_idle=1.0)
LONG_ANSWER = " ".join(f"w{i}" for i in range(400))  # 400 tokens, 20 s at 0.05 s each


@dataclass
class Served:
    api: HttpApi
    daemon: Daemon
    engine: FakeEngine

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.api.port), timeout=10)

    def head(self, method: str, target: str, token: str = TOKEN, **headers: str) -> bytes:
        lines = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{self.api.port}"]
        lines.append(f"Authorization: Bearer {token}")
        lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def post(self, target: str, payload: dict[str, Any]) -> bytes:
        body = json.dumps(payload).encode()
        head = self.head("POST", target, Content_Type="application/json")
        return head[:-2] + f"Content-Length: {len(body)}\r\n\r\n".encode() + body

    def records(self, status: RequestStatus) -> list[RequestRecord]:
        return self.daemon.journal.query(status=status)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[[HttpLimits], Served]]:
    """A factory: the API with the given limits, on a free port, until the test ends."""
    model = write_gguf(tmp_path / "fake.gguf")
    env = {"CODESAGA_HOME": str(tmp_path / "home"), "CODESAGA_MODEL": str(model)}
    engine = FakeEngine(n_ctx=32768, delay=0.05)
    daemon = build_daemon(load_settings(env), lambda resolved: engine)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    apis: list[HttpApi] = []

    def run(coroutine: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, loop).result(30)

    def factory(limits: HttpLimits) -> Served:
        api = HttpApi(daemon, "127.0.0.1", 0, TOKEN, [], limits)
        run(api.start())
        apis.append(api)
        return Served(api, daemon, engine)

    try:
        yield factory
    finally:
        for api in apis:
            run(api.close())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        daemon.close()


def read_response(sock: socket.socket, timeout: float = 10) -> tuple[int, bytes]:
    """The status and everything after it up to the end of one response with a
    Content-Length (or, without one, until the server closes)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before a response: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.lower().split(b"\r\n")[1:]
            if line.startswith(b"content-length:")
        ),
        None,
    )
    while (length is None or len(rest) < length) and (chunk := sock.recv(65536)):
        rest += chunk
    return int(head.split()[1]), head + b"\r\n\r\n" + rest


def closed_after(sock: socket.socket, timeout: float) -> float:
    """Seconds until the server closes ``sock`` (reading and dropping what it sends)."""
    started = time.monotonic()
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    return time.monotonic() - started


def wait_for(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def test_a_wrong_token_is_answered_before_a_50_mb_body_is_read(
    serve: Callable[[HttpLimits], Served],
) -> None:
    served = serve(SHORT)
    sock = served.connect()
    # 50 MB announced, and the client waits to be asked for it: asking would be a 100
    sock.sendall(
        served.head(
            "POST",
            "/v1/chat/completions",
            token="wrong",
            Content_Length="50000000",
            Expect="100-continue",
        )
    )
    started = time.monotonic()
    status, data = read_response(sock)
    assert status == 401 and b"token" in data and b"authentication_error" in data
    assert time.monotonic() - started < 1
    assert closed_after(sock, 5) < 1  # closed at once: the body will never be read
    sock.close()


def test_a_body_over_the_limit_is_refused_from_its_length_alone(
    serve: Callable[[HttpLimits], Served],
) -> None:
    served = serve(SHORT)
    sock = served.connect()
    sock.sendall(
        served.head("POST", "/v1/completions", Content_Length="50000000", Expect="100-continue")
    )
    status, data = read_response(sock)
    assert status == 413 and b"over 8 MiB" in data
    assert closed_after(sock, 5) < 1
    sock.close()


def test_a_refusal_reaches_a_client_still_sending_its_body(
    serve: Callable[[HttpLimits], Served],
) -> None:
    """A client that does not wait for 100-continue sends its whole body while the answer
    (413, 401) is already written: the connection must not be reset under it, or the
    client loses the answer."""
    import httpx

    served = serve(SHORT)
    url = f"http://127.0.0.1:{served.api.port}/v1/chat/completions"
    body = b'{"messages": "' + b"x" * (9 * 1024 * 1024) + b'"}'
    with httpx.Client(timeout=30) as http:
        for token, status in [(TOKEN, 413), ("wrong", 401)] * 4:
            answer = http.post(url, content=body, headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == status and answer.json()["error"]["message"]


def test_an_idle_keep_alive_connection_is_closed_after_the_timeout(
    serve: Callable[[HttpLimits], Served],
) -> None:
    served = serve(SHORT)
    sock = served.connect()
    sock.sendall(served.head("GET", "/v1/models"))
    status, data = read_response(sock)
    assert status == 200 and b"codesaga" in data
    sock.sendall(served.head("GET", "/v1/models"))  # kept alive: a second request
    assert read_response(sock)[0] == 200
    assert 0.5 < closed_after(sock, 10) < 3  # then idle for keep_alive (1 s): closed
    sock.close()
    silent = served.connect()  # never says a word: the same clock
    assert 0.5 < closed_after(silent, 10) < 3
    silent.close()


def test_headers_that_never_end_are_answered_408(serve: Callable[[HttpLimits], Served]) -> None:
    served = serve(SHORT)
    sock = served.connect()
    sock.sendall(b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    started = time.monotonic()
    for _ in range(3):  # a byte now and then does not restart the clock
        time.sleep(0.2)
        sock.sendall(b"X")
    status, data = read_response(sock, timeout=5)
    assert status == 408 and b"headers came too slowly" in data
    assert 0.8 < time.monotonic() - started < 3
    sock.close()


def test_a_body_that_stops_coming_is_answered_408(serve: Callable[[HttpLimits], Served]) -> None:
    served = serve(SHORT)
    sock = served.connect()
    head = served.head("POST", "/v1/completions", Content_Length="100")
    sock.sendall(head + b'{"prompt": ')
    status, data = read_response(sock, timeout=5)
    assert status == 408 and b"body came too slowly" in data
    assert closed_after(sock, 5) < 1
    sock.close()


def test_a_body_that_trickles_in_is_answered_408_at_its_deadline(
    serve: Callable[[HttpLimits], Served],
) -> None:
    # A byte every half second never pauses for body_idle; it held the connection as long as
    # the client liked.
    served = serve(HttpLimits(keep_alive=1, headers=1.0, body_idle=1.0, body_total=2.0))
    sock = served.connect()
    sock.sendall(served.head("POST", "/v1/completions", Content_Length="100"))
    started = time.monotonic()
    sock.settimeout(0.5)
    answer = b""
    while not answer and time.monotonic() - started < 10:
        with contextlib.suppress(OSError):
            sock.sendall(b" ")
        with contextlib.suppress(TimeoutError):
            answer = sock.recv(4096)
    took = time.monotonic() - started
    sock.settimeout(5)
    while rest := sock.recv(4096):  # the answer's body, then the close
        answer += rest
    assert answer.startswith(b"HTTP/1.1 408") and b"body came too slowly" in answer
    assert 1.8 < took < 4
    sock.close()


def test_200_slow_header_connections_do_not_stop_a_normal_request(
    serve: Callable[[HttpLimits], Served],
) -> None:
    served = serve(HttpLimits(headers=60.0, keep_alive=60))  # 64 connections at most
    slow = []
    for _ in range(200):  # a slowloris: headers that never end
        sock = served.connect()
        sock.sendall(b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        slow.append(sock)
    sock = served.connect()
    started = time.monotonic()
    sock.sendall(served.head("GET", "/v1/models"))
    status, data = read_response(sock)
    assert status == 200 and b"codesaga" in data
    assert time.monotonic() - started < 2
    # the oldest slow ones were closed to make room; the newest are still open
    assert closed_after(slow[0], 1) < 1
    slow[-1].settimeout(0.2)
    with pytest.raises(TimeoutError):
        slow[-1].recv(1)
    for s in [*slow, sock]:
        s.close()


def test_a_non_streaming_client_that_disconnects_cancels_its_generation(
    serve: Callable[[HttpLimits], Served],
) -> None:
    served = serve(SHORT)
    served.engine.enqueue(LONG_ANSWER)
    sock = served.connect()
    chat = {"messages": [{"role": "user", "content": "count to 400"}], "max_tokens": 1000}
    sock.sendall(served.post("/v1/chat/completions", chat))
    assert wait_for(lambda: bool(served.records(RequestStatus.PROCESSING)), 10)
    time.sleep(0.5)  # some tokens in
    sock.close()
    assert wait_for(lambda: bool(served.records(RequestStatus.CANCELLED)), 5)
    [cancelled] = served.records(RequestStatus.CANCELLED)
    assert cancelled.input.get("api") == "openai"
    assert 0 < cancelled.timings.completion_tokens < 100


def test_a_streaming_client_that_disconnects_cancels_its_generation(
    serve: Callable[[HttpLimits], Served],
) -> None:
    served = serve(SHORT)
    served.engine.enqueue(LONG_ANSWER)
    sock = served.connect()
    sock.sendall(served.post("/v1/completions", {"prompt": "count", "stream": True}))
    sock.settimeout(10)
    data = b""
    while data.count(b"data: ") < 3:
        data += sock.recv(65536)
    assert data.startswith(b"HTTP/1.1 200 ") and b"text/event-stream" in data
    sock.close()
    assert wait_for(lambda: bool(served.records(RequestStatus.CANCELLED)), 5)
    [cancelled] = served.records(RequestStatus.CANCELLED)
    assert cancelled.timings.completion_tokens < 100


def test_streamed_answers_have_ids_of_their_own(serve: Callable[[HttpLimits], Served]) -> None:
    served = serve(SHORT)
    ids = set()
    for _ in range(2):
        served.engine.enqueue("one two")
        sock = served.connect()
        sock.sendall(served.post("/v1/completions", {"prompt": "say", "stream": True}))
        sock.settimeout(10)
        data = b""
        while b"[DONE]" not in data:
            data += sock.recv(65536)
        chunks = [json.loads(line[6:]) for line in data.split(b"\n") if line[:7] == b"data: {"]
        assert len({c["id"] for c in chunks}) == 1
        ids.add(chunks[0]["id"])
        sock.close()
    assert len(ids) == 2


def test_starting_the_server_leaves_the_daemons_signal_handlers_alone(tmp_path: Path) -> None:
    def stop(signum: int, frame: object) -> None:
        pass

    env = {"CODESAGA_HOME": str(tmp_path / "home")}
    daemon = build_daemon(load_settings(env), lambda resolved: FakeEngine())
    before = signal.signal(signal.SIGTERM, stop)

    async def scenario() -> None:
        api = HttpApi(daemon, "127.0.0.1", 0, TOKEN, [])
        sigint = signal.getsignal(signal.SIGINT)  # asyncio.run's
        await api.start()  # in the main thread: where uvicorn would take signals over
        assert signal.getsignal(signal.SIGTERM) is stop
        assert signal.getsignal(signal.SIGINT) is sigint
        await api.close()

    try:
        asyncio.run(scenario())
        assert signal.getsignal(signal.SIGTERM) is stop
    finally:
        signal.signal(signal.SIGTERM, before)
        daemon.close()
