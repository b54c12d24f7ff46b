"""Every text a client sends is held to max_file_bytes, as files are: a prompt, an error, a
chat message, a completion's chunks (before, only the 8 MiB message limit bounded them, and
each was journaled at that size)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codesaga.bootstrap import build_daemon
from codesaga.domain.errors import InputError
from codesaga.engine.fake import FakeEngine
from codesaga.inprocess import LocalClient
from codesaga.settings import load_settings
from tests.ggufgen import write_gguf

LIMIT = 1000


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[LocalClient, FakeEngine]]:
    env = {
        "CODESAGA_HOME": str(tmp_path / "home"),
        "CODESAGA_MODEL": str(write_gguf(tmp_path / "m.gguf")),
        "CODESAGA_MAX_FILE_BYTES": str(LIMIT),
        "CODESAGA_COMPLETION_SPECULATE": "false",
    }
    settings = load_settings(env)
    engine = FakeEngine(n_ctx=32768)
    local = LocalClient(settings, build_daemon(settings, lambda resolved: engine))
    yield local, engine
    local.close()


BIG = "é" * (LIMIT // 2 + 1)  # over the limit in bytes, not in characters


@pytest.mark.parametrize(
    ("method", "params", "field"),
    [
        ("generate", {"prompt": BIG}, "prompt"),
        ("fix", {"content": "x = 1\n", "label": "a.py", "error": BIG}, "error"),
        (
            "fix",
            {"content": "x = 1\n", "label": "a.py", "error": "E", "failingCode": BIG},
            "failingCode",
        ),
        ("chat", {"messages": [{"role": "user", "content": BIG}]}, "messages"),
        (
            "complete",
            {"prefix": "x = ", "path": "/w/a.py", "chunks": [{"path": "/w/b.py", "text": BIG}]},
            "chunks",
        ),
    ],
)
def test_a_text_over_the_limit_is_an_input_error_and_asks_no_model(
    client: tuple[LocalClient, FakeEngine], method: str, params: dict[str, Any], field: str
) -> None:
    local, engine = client
    with pytest.raises(InputError, match=f"{field} is over the 1,000-byte limit"):
        local.call(method, params)
    assert engine.history == []


def test_a_session_message_over_the_limit_is_refused(
    client: tuple[LocalClient, FakeEngine],
) -> None:
    local, engine = client
    opened = local.call("sessions/open", {"name": "s"})
    with pytest.raises(InputError, match="message is over"):
        local.call("chat", {"session": opened["id"], "message": BIG})
    assert local.call("sessions/get", {"session": opened["id"]})["turns"] == []
    engine.enqueue("fine")
    assert local.call("chat", {"session": opened["id"], "message": "é" * 100})["text"] == "fine"
