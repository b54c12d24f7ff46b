"""The client's side of a connection, against a scripted daemon on a socket pair."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from codesaga.client import connection
from codesaga.client.connection import DaemonClient
from codesaga.protocol import jsonrpc as p


def test_after_a_cancel_the_next_answer_may_take_its_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The wait for the cancel's confirmation set a timeout on the socket that stayed: the
    # next answer slower than that to start raised TimeoutError and ended the chat REPL.
    monkeypatch.setattr(connection, "CANCEL_CONFIRM_SECONDS", 0.2)
    ours, daemons = socket.socketpair()
    lines = daemons.makefile("rb")

    def daemon() -> None:
        first = json.loads(lines.readline())
        daemons.sendall(p.delta(first["id"], "par") + b"\n")
        assert json.loads(lines.readline())["method"] == "$/cancel"
        daemons.sendall(p.encode_error(first["id"], p.RpcError(p.CANCELLED, "cancelled")) + b"\n")
        second = json.loads(lines.readline())
        time.sleep(0.6)  # a long prompt read before the first token
        daemons.sendall(p.encode_result(second["id"], {"text": "answer"}) + b"\n")

    thread = threading.Thread(target=daemon)
    thread.start()
    client = DaemonClient(ours)

    def ctrl_c(text: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        client.call("chat", {"message": "first"}, on_delta=ctrl_c)
    assert client.call("chat", {"message": "second"}) == {"text": "answer"}
    thread.join(5)
    client.close()
    daemons.close()
