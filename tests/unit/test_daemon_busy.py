"""When the daemon counts as busy, which keeps it from exiting when idle."""

from __future__ import annotations

from pathlib import Path

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
