"""When the daemon counts as busy, which keeps it from exiting when idle."""

from __future__ import annotations

from pathlib import Path

import pytest

from codesaga.bootstrap import build_daemon
from codesaga.domain.enums import RequestStatus, RequestType
from codesaga.domain.requests import RequestRecord
from codesaga.engine.fake import FakeEngine
from codesaga.settings import load_settings
from tests.ggufgen import write_gguf


def test_a_request_in_progress_outside_any_connection_keeps_the_daemon_busy(
    tmp_path: Path,
) -> None:
    # An OpenAI API request routed to an upstream runs no model of ours and belongs to no
    # JSON-RPC connection: the idle exit cut its stream, and a version-mismatch restart took
    # the daemon for idle.
    model = write_gguf(tmp_path / "m.gguf")
    env = {"CODESAGA_HOME": str(tmp_path / "home"), "CODESAGA_MODEL": str(model)}
    daemon = build_daemon(load_settings(env), lambda resolved: FakeEngine())
    try:
        assert not daemon.busy()
        record = RequestRecord("r1", RequestType.CHAT, {"api": "openai"})
        daemon.assistant.active[record.id] = record
        assert not daemon.busy()  # pending: not started
        record.status = RequestStatus.PROCESSING
        assert daemon.busy()
        record.status = RequestStatus.COMPLETED
        assert not daemon.busy()
    finally:
        daemon.close()


def test_a_request_that_comes_as_the_daemon_stops_is_refused_untouched_and_sent_again(
    tmp_path: Path,
) -> None:
    # It was taken, cancelled at once and journaled "cancelled", as if the user had stopped
    # it: a chat question asked as the daemon decided on its idle exit was lost.
    from codesaga.client.connection import PatientClient
    from codesaga.domain.errors import NotTakenError
    from codesaga.inprocess import LocalClient

    model = write_gguf(tmp_path / "m.gguf")
    env = {"CODESAGA_HOME": str(tmp_path / "home"), "CODESAGA_MODEL": str(model)}
    settings = load_settings(env)
    engine = FakeEngine()
    stopping = build_daemon(settings, lambda resolved: engine)
    fresh = FakeEngine()
    fresh.enqueue("def f():\n    pass\n")
    clients = [LocalClient(settings, stopping)]
    try:
        stopping.stop_requested.set()
        with pytest.raises(NotTakenError, match="stopping and did nothing of this"):
            clients[0].call("generate", {"prompt": "a function f"})
        assert stopping.journal.query() == [] and engine.history == []
        assert clients[0].call("status")["pid"]  # a look at it is still answered

        def reconnect() -> LocalClient:
            clients.append(LocalClient(settings, build_daemon(settings, lambda r: fresh)))
            return clients[-1]

        patient = PatientClient(clients[0], reconnect=reconnect)
        assert "def f()" in patient.call("generate", {"prompt": "a function f"})["text"]
        assert len(clients) == 2 and len(fresh.history) == 1
    finally:
        for client in clients[1:] or clients:  # the first, once replaced, was closed then
            client.close()


def test_status_says_a_busy_daemon_is_not_idle(tmp_path: Path) -> None:
    # "idle 8 s" while the model answered: the time since the request began.
    import threading
    import time

    from codesaga.inprocess import LocalClient

    model = write_gguf(tmp_path / "m.gguf")
    env = {"CODESAGA_HOME": str(tmp_path / "home"), "CODESAGA_MODEL": str(model)}
    settings = load_settings(env)
    engine = FakeEngine(delay=0.05)
    engine.enqueue(" ".join(["word"] * 40))
    client = LocalClient(settings, build_daemon(settings, lambda resolved: engine))
    try:
        asking = threading.Thread(
            target=client.call, args=("generate", {"prompt": "x"}), daemon=True
        )
        asking.start()
        deadline = time.monotonic() + 10
        while not engine.history and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)
        assert client.call("status")["idle_seconds"] == 0
        asking.join(10)
        time.sleep(0.2)
        assert client.call("status")["idle_seconds"] >= 0.1
    finally:
        client.close()
