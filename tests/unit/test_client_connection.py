"""The client's side of a connection, against a scripted daemon on a socket pair."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

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
    lines.close()
    daemons.close()


def test_what_streams_until_a_cancel_lands_is_shown_as_the_daemon_keeps_it() -> None:
    # A chat's partial answer is kept as the daemon streamed it up to the cancel: the few
    # tokens sent after Ctrl-C and before the cancel landed were kept and never shown.
    ours, daemons = socket.socketpair()
    lines = daemons.makefile("rb")

    def daemon() -> None:
        first = json.loads(lines.readline())
        daemons.sendall(p.delta(first["id"], "par") + b"\n")
        assert json.loads(lines.readline())["method"] == "$/cancel"
        daemons.sendall(p.delta(first["id"], "tial") + b"\n")
        daemons.sendall(p.encode_error(first["id"], p.RpcError(p.CANCELLED, "cancelled")) + b"\n")

    thread = threading.Thread(target=daemon)
    thread.start()
    client = DaemonClient(ours)
    shown: list[str] = []

    def ctrl_c_after_the_first(text: str) -> None:
        shown.append(text)
        if len(shown) == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        client.call("chat", {"message": "first"}, on_delta=ctrl_c_after_the_first)
    assert shown == ["par", "tial"]
    thread.join(5)
    client.close()
    lines.close()
    daemons.close()


def test_a_request_the_gone_daemon_never_got_is_sent_to_a_new_one() -> None:
    from codesaga.client.connection import NotSentError, PatientClient
    from codesaga.domain.errors import DaemonError

    gone, peer = socket.socketpair()
    peer.close()  # the daemon exited (idle) while the chat waited for a question
    ours, daemons = socket.socketpair()
    lines = daemons.makefile("rb")

    def daemon() -> None:
        request = json.loads(lines.readline())
        daemons.sendall(p.encode_result(request["id"], {"echo": request["params"]}) + b"\n")

    thread = threading.Thread(target=daemon)
    thread.start()
    connects: list[DaemonClient] = []

    def reconnect() -> DaemonClient:
        connects.append(DaemonClient(ours))
        return connects[-1]

    client = PatientClient(DaemonClient(gone), reconnect=reconnect)
    assert client.call("chat", {"message": "hi"}) == {"echo": {"message": "hi"}}
    thread.join()
    assert len(connects) == 1 and client.inner is connects[0]
    # Once only: a daemon gone again is reported.
    lines.close()
    daemons.close()
    again = PatientClient(DaemonClient(ours), reconnect=lambda: DaemonClient(ours))
    with pytest.raises(NotSentError):
        again.call("status")
    again.close()
    # A request the daemon got is never sent twice: it read it, then closed.
    half, other = socket.socketpair()
    other.shutdown(socket.SHUT_WR)
    third = PatientClient(DaemonClient(half), reconnect=reconnect)
    with pytest.raises(DaemonError, match="closed the connection"):
        third.call("chat", {"message": "x"})
    assert len(connects) == 1
    third.close()
    other.close()
    client.close()


def test_a_cancel_while_waiting_out_a_full_queue_ends_the_call_at_once() -> None:
    # No request was out, so Esc sent nothing: the status said "cancelling…" and the whole
    # answer came once the queue had room.
    from codesaga.domain.errors import BusyError, CancelledError

    class Busy:
        def __init__(self) -> None:
            self.server: dict[str, object] = {}
            self.calls = 0

        def call(self, method: str, params: object = None, **kwargs: object) -> object:
            self.calls += 1
            raise BusyError("the queue is full")

        def cancel_current(self) -> None:
            pass

        def close(self) -> None:
            pass

    inner = Busy()
    client = connection.PatientClient(inner, patience=30)  # type: ignore[arg-type]
    threading.Timer(0.3, client.cancel_current).start()
    started = time.monotonic()
    with pytest.raises(CancelledError):
        client.call("chat", {})
    assert time.monotonic() - started < 2 and inner.calls >= 2
    client.patience = 0.05
    with pytest.raises(BusyError):  # the next call is not cancelled by the last one's Esc
        client.call("chat", {})


def test_an_answer_longer_than_a_request_may_be_is_read() -> None:
    # A long session's history is the daemon's answer, not a request: it was refused at
    # the requests' 8 MiB limit ("the daemon sent something unreadable").
    ours, daemons = socket.socketpair()
    lines = daemons.makefile("rb")
    history = "x" * (p.MAX_MESSAGE_BYTES + 1024)

    def daemon() -> None:
        asked = json.loads(lines.readline())
        daemons.sendall(p.encode_result(asked["id"], {"turns": history}) + b"\n")

    thread = threading.Thread(target=daemon)
    thread.start()
    client = DaemonClient(ours)
    assert client.call("sessions/get", {"session": "s"}) == {"turns": history}
    thread.join(5)
    client.close()
    lines.close()
    daemons.close()


def test_an_in_process_daemons_long_answer_is_read_too() -> None:
    # --no-daemon parsed its answers at the requests' 8 MiB limit: a long session's history
    # was dropped and the call said it "gave no answer".
    from codesaga.inprocess import LocalClient

    client = LocalClient.__new__(LocalClient)
    client._deltas, client._replies = {}, {}
    history = "x" * (p.MAX_MESSAGE_BYTES + 1024)
    client._receive(p.encode_result(3, {"turns": history}))
    assert client._replies[3].result == {"turns": history}


@pytest.mark.skipif(
    os.getuid() != 0 or not hasattr(socket, "SO_PEERCRED"),
    reason="needs root to listen as another user, and Linux to tell who listens",
)
def test_a_socket_another_user_serves_gets_nothing(tmp_path: Path) -> None:
    # A long CODESAGA_HOME moves the socket to a short directory in /tmp whose name can be
    # guessed: another user made it first and listened there, and the CLI sent it the
    # user's code and wrote its answer into their files.
    from codesaga.client.lifecycle import connect
    from codesaga.protocol.runtime import RuntimePaths
    from codesaga.settings import load_settings

    home = tmp_path / ("long-" * 20)
    settings = load_settings({"CODESAGA_HOME": str(home)})
    socket_path = RuntimePaths(settings.runtime_dir).socket
    assert socket_path.parent.parent == Path(tempfile.gettempdir())  # the guessable place
    heard_from, heard_to = os.pipe()
    ready_from, ready_to = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the forked child
        try:
            os.setgid(65534)
            os.setuid(65534)
            socket_path.parent.mkdir(mode=0o755)
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(str(socket_path))
            listener.listen()
            listener.settimeout(5)
            os.write(ready_to, b"1")
            heard = b""
            with contextlib.suppress(OSError):  # not even connected to, or closed at once
                conn, _ = listener.accept()
                conn.settimeout(5)
                while chunk := conn.recv(65536):
                    heard += chunk
            os.write(heard_to, heard or b"(nothing)")
        except BaseException as exc:
            os.write(heard_to, repr(exc).encode())
        os._exit(0)
    try:
        os.close(heard_to)
        os.close(ready_to)
        assert os.read(ready_from, 1) == b"1"
        with pytest.raises(
            connection.StrangerError, match=r"belongs to another user \(uid 65534\)"
        ):
            connect(settings)
        os.waitpid(child, 0)
        assert os.read(heard_from, 1 << 16) == b"(nothing)"
    finally:
        shutil.rmtree(socket_path.parent, ignore_errors=True)


def test_a_socket_whose_peer_is_another_user_gets_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The socket file is ours, the process serving it is not (a socket passed on, a
    # directory loosened): the peer's uid is what counts (SO_PEERCRED, faked here so that
    # the check runs without root).
    path = tmp_path / "daemon.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen()
    monkeypatch.setattr(connection, "peer_uid", lambda sock: os.getuid() + 1)
    try:
        with pytest.raises(connection.StrangerError, match="belongs to another user"):
            DaemonClient.connect(path, timeout=5)
        accepted, _ = listener.accept()
        accepted.settimeout(2)
        assert accepted.recv(1024) == b""  # closed with nothing sent
        accepted.close()
    finally:
        listener.close()
