"""The daemon's WebSocket for editors: the security matrix and the protocol, for real."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from codesaga.daemon.websocket_server import MAX_CONNECTIONS
from codesaga.protocol.runtime import RuntimePaths
from codesaga.settings import load_settings
from tests.conftest import Cli


@pytest.fixture
def ws(cli: Cli) -> dict[str, Any]:
    return start(cli, open_timeout=1)


def start(cli: Cli, open_timeout: float) -> dict[str, Any]:
    proc = cli("daemon", "start", CODESAGA_WS_OPEN_TIMEOUT=str(open_timeout))
    assert proc.returncode == 0, proc.stderr
    status = json.loads(cli("daemon", "status", "--json").stdout)
    token = Path(status["token_file"]).read_text().strip()
    paths = RuntimePaths(load_settings(cli.env).runtime_dir)
    return {"url": status["websocket_url"], "token": token, "paths": paths}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def rpc(conn: ClientConnection, method: str, params: dict[str, Any], id: int) -> dict[str, Any]:
    conn.send(json.dumps({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
    while True:
        message = json.loads(conn.recv(timeout=120))
        if message.get("id") == id:
            return dict(message)


def refused(url: str, **kwargs: Any) -> int:
    with pytest.raises(InvalidStatus) as info, connect(url, open_timeout=10, **kwargs):
        pass
    return int(info.value.response.status_code)


def test_files_and_status(ws: dict[str, Any]) -> None:
    paths = ws["paths"]
    assert ws["url"].startswith("ws://127.0.0.1:")
    assert (paths.websocket.stat().st_mode & 0o777) == 0o600
    assert json.loads(paths.websocket.read_text())["url"] == ws["url"]
    assert (paths.token.stat().st_mode & 0o777) == 0o600


def test_security_matrix(ws: dict[str, Any]) -> None:
    url, token = ws["url"], ws["token"]
    assert refused(url) == 401
    assert refused(url, additional_headers=auth("wrong")) == 401
    assert refused(f"{url}/?token={token}") == 401
    assert refused(url, additional_headers=auth(token), origin="https://evil.example") == 403
    assert (
        refused(url, additional_headers=auth(token), origin="vscode-webview://abc.evil.example")
        == 403
    )
    # a browser page on another site cannot choose Host: a DNS-rebinding attack would
    raw = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])))
    raw.sendall(
        b"GET / HTTP/1.1\r\nHost: attacker.example\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer " + token.encode() + b"\r\n\r\n"
    )
    assert raw.recv(100).startswith(b"HTTP/1.1 403")
    raw.close()
    with connect(url, additional_headers=auth(token)) as conn:  # no Origin: an editor
        reply = rpc(conn, "initialize", {"client": {"name": "vscode"}, "protocolVersion": 1}, 1)
        assert reply["result"]["protocolVersion"] == 1
    with connect(url, additional_headers=auth(token), origin="vscode-webview://a1b2") as conn:
        assert rpc(conn, "status", {}, 1)["result"]["websocket_url"] == url


def test_oversized_frame_closes_1009_and_others_carry_on(ws: dict[str, Any]) -> None:
    url, token = ws["url"], ws["token"]
    with connect(url, additional_headers=auth(token)) as other:
        rpc(other, "initialize", {"protocolVersion": 1}, 1)
        with connect(url, additional_headers=auth(token), max_size=None) as big:
            with contextlib.suppress(ConnectionClosed):
                big.send("x" * (9 * 1024 * 1024))
            with pytest.raises(ConnectionClosed) as info:
                big.recv(timeout=30)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1009
        assert rpc(other, "status", {}, 2)["result"]["pid"]


def test_a_slow_handshake_is_closed(ws: dict[str, Any]) -> None:
    port = int(ws["url"].rsplit(":", 1)[1])
    raw = socket.create_connection(("127.0.0.1", port))
    raw.settimeout(10)
    started = time.monotonic()
    assert raw.recv(100) == b""  # we never sent a handshake: the daemon hung up
    assert time.monotonic() - started < 5
    raw.close()


def test_connections_without_a_token_cannot_use_up_the_daemons_descriptors(cli: Cli) -> None:
    # Any local process can open TCP connections to the port; each held its descriptor until
    # the open timeout, so enough of them stopped the daemon opening anything else.
    ws = start(cli, open_timeout=30)
    pid = json.loads(cli("daemon", "status", "--json").stdout)["pid"]
    fds = Path(f"/proc/{pid}/fd")
    before = len(list(fds.iterdir()))
    port = int(ws["url"].rsplit(":", 1)[1])
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(300)]
    try:
        # The daemon accepts them in batches and closes those over the cap at once.
        bound, deadline = before + MAX_CONNECTIONS + 8, time.monotonic() + 10
        while (now := len(list(fds.iterdir()))) > bound:
            assert time.monotonic() < deadline, f"{now} descriptors open, {before} before"
            time.sleep(0.05)
        status = json.loads(cli("daemon", "status", "--json").stdout)  # the Unix socket serves
        assert status["pid"] == pid
        # and an editor is not locked out by them: the oldest in its handshake makes room
        with connect(ws["url"], additional_headers=auth(ws["token"]), open_timeout=10) as conn:
            assert rpc(conn, "status", {}, 1)["result"]["pid"] == pid
    finally:
        for sock in idle:
            sock.close()
    deadline = time.monotonic() + 30
    while True:  # once they are gone, an editor connects as ever
        try:
            with connect(ws["url"], additional_headers=auth(ws["token"])) as conn:
                assert rpc(conn, "status", {}, 1)["result"]["pid"] == pid
            break
        except (ConnectionClosed, OSError, InvalidStatus):
            assert time.monotonic() < deadline
            time.sleep(0.2)


def test_streaming_and_cancel_over_the_websocket(ws: dict[str, Any], tmp_path: Path) -> None:
    src = tmp_path / "even.py"
    src.write_text("def is_even(n):\n    return \n")
    with connect(ws["url"], additional_headers=auth(ws["token"])) as conn:
        rpc(conn, "initialize", {"protocolVersion": 1}, 1)
        done = rpc(conn, "complete", {"path": str(src), "line": 2, "column": 12}, 2)
        assert "% 2" in done["result"]["text"]
        conn.send(
            json.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": 3,
                    "method": "generate",
                    "params": {
                        "prompt": "Count from 1 to 300, one number per line.",
                        "stream": True,
                    },
                }
            )
        )
        deltas = 0
        while deltas < 3:
            if json.loads(conn.recv(timeout=120)).get("method") == "$/delta":
                deltas += 1
        conn.send(json.dumps({"jsonrpc": "2.0", "method": "$/cancel", "params": {"id": 3}}))
        while "id" not in (msg := json.loads(conn.recv(timeout=60))) or msg.get("method"):
            pass
        assert msg["error"]["code"] == -32003


def test_refuses_to_bind_beyond_loopback(cli: Cli) -> None:
    # The setting that once forced it is gone: nothing serves the user's code off the machine.
    proc = cli("daemon", "start", CODESAGA_WS_HOST="0.0.0.0", CODESAGA_WS_FORCE_BIND="1")
    assert proc.returncode != 0
    assert "only loopback addresses are safe" in proc.stderr


def send(conn: ClientConnection, method: str, params: dict[str, Any], id: int) -> None:
    conn.send(json.dumps({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))


def replies(conn: ClientConnection, ids: set[int]) -> dict[int, dict[str, Any]]:
    got: dict[int, dict[str, Any]] = {}
    while set(got) != ids:
        message = json.loads(conn.recv(timeout=120))
        if message.get("id") in ids:
            got[message["id"]] = message
    return got


def test_completion_latest_wins_and_type_through(ws: dict[str, Any]) -> None:
    doc = "/work/calc.py"
    head = "def add(a, b):\n    return "
    with connect(ws["url"], additional_headers=auth(ws["token"])) as conn:
        rpc(conn, "initialize", {"protocolVersion": 1}, 1)
        # A real model completes an obvious line correctly.
        first = rpc(conn, "complete", {"prefix": head, "suffix": "\n", "path": doc}, 2)
        text = first["result"]["text"]
        assert text.replace(" ", "") == "a+b", text
        assert first["result"]["source"] == "model"
        # Typing what was suggested is answered without the model.
        typed = rpc(conn, "complete", {"prefix": head + text[:3], "suffix": "\n", "path": doc}, 3)
        assert typed["result"]["text"] == text[3:]
        assert typed["result"]["source"] == "type-through"
        # A slow request (a long prefix to read) is replaced by a newer one for the document.
        filler = "".join(f"value_{i} = compute({i}, {i * 7})\n" for i in range(250))
        send(conn, "complete", {"prefix": filler + "x = ", "suffix": "\n", "path": doc}, 4)
        time.sleep(0.5)
        send(conn, "complete", {"prefix": head, "suffix": "\n", "path": doc, "maxLines": 2}, 5)
        got = replies(conn, {4, 5})
        assert "error" in got[4] and got[4]["error"]["code"] == -32003, got[4]
        assert "newer completion" in got[4]["error"]["message"]
        assert got[5]["result"]["text"].replace(" ", "") == "a+b"


def test_context_add_puts_other_files_in_the_prompt(ws: dict[str, Any], tmp_path: Path) -> None:
    util = tmp_path / "shapes.py"
    util.write_text(
        "SQUARE_SIDE_METERS = 12\n\n\ndef circle_area(radius):\n"
        "    return 3.14159 * radius * radius\n"
    )
    with connect(ws["url"], additional_headers=auth(ws["token"])) as conn:
        rpc(conn, "initialize", {"protocolVersion": 1}, 1)
        added = rpc(
            conn,
            "context/add",
            {"workspace": str(tmp_path), "path": str(util), "origin": "opened"},
            2,
        )
        assert added["result"] == {"added": True, "chunks": 1}
        bad = rpc(conn, "context/add", {"path": str(util), "origin": "guessed"}, 3)
        assert bad["error"]["code"] == -32602
        done = rpc(
            conn,
            "complete",
            {
                "prefix": "from shapes import circle_area\n\n\ndef disk(r):\n    return circle_",
                "suffix": "\n",
                "path": str(tmp_path / "main.py"),
                "workspace": str(tmp_path),
                # What is asked here is the prompt, not the gate: the 0.5B goes on past
                # `area(r)` to the token limit (`* 3.14159 * ...`), which the gate hides.
                "gate": False,
            },
            4,
        )
        assert done["result"]["text"].startswith("area(r")
        # The file changes on disk: its chunk no longer matches and leaves the context.
        util.write_text("print('rewritten')\n")
        chunks, deadline = 1, time.monotonic() + 10
        while chunks and time.monotonic() < deadline:
            time.sleep(0.2)
            probe = {"workspace": str(tmp_path), "path": "/x", "text": "too short"}
            chunks = rpc(conn, "context/add", probe, 6)["result"]["chunks"]
        assert chunks == 0
