"""The daemon's OpenAI-compatible HTTP API at its limits, over raw sockets, with the real
0.5B model: who gets in and when, what malformed HTTP is answered, and that no client can
hold the daemon's connections or its model hostage."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.integration.test_daemon import COUNT, records, wait_for


@dataclass
class Api:
    host: str
    port: int
    token: str

    def connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=30)
        return sock

    def post(self, target: str, body: bytes, **headers: str) -> bytes:
        """A POST with the token, its body's length and whatever else is given."""
        auth = {"Authorization": f"Bearer {self.token}", "Content_Length": str(len(body))}
        return self.head(target, "POST", **{**auth, **headers})

    def head(self, target: str = "/v1/models", method: str = "GET", **headers: str) -> bytes:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.fixture
def api(cli: Cli) -> Iterator[Api]:
    assert cli("daemon", "start").returncode == 0
    status = json.loads(cli("daemon", "status", "--json").stdout)
    host, port = status["openai_url"].split("//")[1].split("/")[0].rsplit(":", 1)
    yield Api(host, int(port), Path(status["token_file"]).read_text().strip())


def response(sock: socket.socket, pause: float = 2) -> tuple[int, bytes]:
    """The status code and everything the server sent until it closed or paused."""
    data = b""
    sock.settimeout(pause)
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except TimeoutError:
        pass
    assert data.startswith(b"HTTP/1.1 "), data[:200]
    return int(data.split()[1]), data


def test_a_wrong_token_is_refused_before_the_body_is_read(api: Api) -> None:
    sock = api.connect()
    # 50 MB announced and never sent: the answer must not wait for it
    sock.sendall(
        api.head(
            "/v1/chat/completions",
            "POST",
            Authorization="Bearer wrong",
            Content_Length="50000000",
            Content_Type="application/json",
        )
    )
    started = time.monotonic()
    status, data = response(sock)
    assert status == 401 and b"token" in data
    assert time.monotonic() - started < 5
    sock.close()


def test_expect_100_continue_is_answered_before_the_body(api: Api) -> None:
    body = json.dumps({"prompt": "def one():", "max_tokens": 4}).encode()
    sock = api.connect()
    sock.sendall(api.post("/v1/completions", body, Expect="100-continue", Connection="close"))
    sock.settimeout(5)
    assert sock.recv(100).startswith(b"HTTP/1.1 100 ")  # at once: curl would wait a second
    sock.sendall(body)
    status, _ = response(sock, pause=60)  # the model loads first: on a busy machine, > 2 s
    assert status == 200
    sock.close()


@pytest.mark.parametrize(
    "raw",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n",
        b"POST /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\n"
        b"Content-Length: 2\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: 127.0.0.1\r\n\r\n",
    ],
)
def test_malformed_http_gets_a_400(api: Api, raw: bytes) -> None:
    sock = api.connect()
    sock.sendall(raw)
    status, _ = response(sock)
    assert status == 400
    sock.close()


def test_headers_over_64_kib_are_refused_however_fast_they_come(api: Api) -> None:
    sock = api.connect()
    pad = "a" * 100_000  # in one write: h11 alone would take it, its limit being for slow heads
    sock.sendall(api.head(Authorization=f"Bearer {api.token}", X_Padding=pad))
    status, _ = response(sock)
    assert status == 431
    sock.close()


def test_idle_and_slow_connections_are_closed_and_never_lock_out_a_request(api: Api) -> None:
    idle = api.connect()  # connected, says nothing: closed after the keep-alive timeout
    slow = []
    for _ in range(200):  # a slowloris: headers that never end
        sock = api.connect()
        sock.sendall(b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        slow.append(sock)
    # A real request still gets through (the longest waiting connections make room)
    sock = api.connect()
    sock.sendall(api.head(Authorization=f"Bearer {api.token}", Connection="close"))
    status, data = response(sock)
    assert status == 200 and b"codesaga" in data
    sock.close()
    idle.settimeout(15)
    assert idle.recv(100) == b""  # the daemon closed it
    for sock in slow:  # each ended: made room (closed) or, past the header timeout, a 408
        sock.settimeout(15)
        said = b""
        try:
            while chunk := sock.recv(4096):
                said += chunk
        except ConnectionResetError:
            pass
        assert said == b"" or said.startswith(b"HTTP/1.1 408 "), said[:100]
        sock.close()
    idle.close()


def test_a_non_streaming_client_that_leaves_cancels_its_generation(api: Api, cli: Cli) -> None:
    body = json.dumps(
        {"messages": [{"role": "user", "content": COUNT}], "max_tokens": 600}
    ).encode()
    sock = api.connect()
    sock.sendall(api.post("/v1/chat/completions", body, Content_Type="application/json") + body)
    assert wait_for(lambda: bool(records(cli, status="processing")), 60)
    time.sleep(1)  # some tokens in
    sock.close()
    assert wait_for(lambda: bool(records(cli, status="cancelled")), 30)
    [cancelled] = records(cli, status="cancelled")
    assert cancelled["input"].get("api") == "openai"
    assert cancelled["timings"]["completion_tokens"] < 600


def test_a_stable_key_survives_a_restart_where_the_token_does_not(cli: Cli) -> None:
    # Continue and aider keep the key they were given: the token, new at each start, broke
    # them after every restart (the daemon exits when idle).
    stable = {"CODESAGA_OPENAI_STABLE_KEY": "1"}

    def started(command: str) -> tuple[Api, str, Path]:
        assert cli("daemon", command, **stable).returncode == 0
        status = json.loads(cli("daemon", "status", "--json", **stable).stdout)
        host, port = status["openai_url"].split("//")[1].split("/")[0].rsplit(":", 1)
        key_file = Path(status["openai_key_file"])
        token = Path(status["token_file"]).read_text().strip()
        return Api(host, int(port), key_file.read_text().strip()), token, key_file

    def answered(api: Api, key: str) -> int:
        sock = api.connect()
        sock.sendall(api.head(Authorization=f"Bearer {key}"))
        status, _ = response(sock)
        sock.close()
        return status

    first, first_token, key_file = started("start")
    assert key_file.stat().st_mode & 0o777 == 0o600 and first.token != first_token
    assert answered(first, first.token) == 200
    assert answered(first, first_token) == 401  # the API takes its own key only
    again, again_token, same_file = started("restart")
    assert same_file == key_file and again.token == first.token and again_token != first_token
    assert answered(again, first.token) == 200
