"""Completion requests as an editor sends them, over the in-process client and a scripted
engine: the editor's own language ids, and a window with no workspace folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codesaga.bootstrap import build_daemon
from codesaga.engine.fake import FakeEngine
from codesaga.inprocess import LocalClient
from codesaga.settings import load_settings
from tests.ggufgen import write_gguf


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[LocalClient, FakeEngine]]:
    env = {
        "CODESAGA_HOME": str(tmp_path / "home"),
        "CODESAGA_MODEL": str(write_gguf(tmp_path / "m.gguf")),
        "CODESAGA_COMPLETION_SPECULATE": "false",
        "CODESAGA_COMPLETION_WARM": "false",
        "CODESAGA_COMPLETION_READ_BUDGET_MS": "0",
    }
    settings = load_settings(env)
    engine = FakeEngine(n_ctx=32768)
    local = LocalClient(settings, build_daemon(settings, lambda resolved: engine))
    yield local, engine
    local.close()


@pytest.mark.parametrize(
    ("language", "path"),
    [
        ("typescriptreact", "/w/App.tsx"),  # VS Code's ids: every keystroke was refused
        ("javascriptreact", "/w/App.jsx"),
        ("shellscript", "/w/run.sh"),
        ("vue", "/w/App.vue"),  # one we have no name for: the file's name decides
    ],
)
def test_an_editors_language_id_is_understood_or_left_to_the_file_name(
    client: tuple[LocalClient, FakeEngine], language: str, path: str
) -> None:
    local, engine = client
    engine.enqueue("1;")
    params = {"prefix": "const x = ", "suffix": "\n", "path": path, "language": language}
    assert local.call("complete", params)["text"] == "1;"


def test_a_window_without_a_workspace_gets_its_context(
    client: tuple[LocalClient, FakeEngine],
) -> None:
    # context/add without a workspace went to "default", and complete without one read none.
    local, engine = client
    chunk = "def helper_from_another_file(x):\n    y = x + 1\n    return y * 2\n"
    local.call("context/add", {"path": "/loose/util.py", "text": chunk, "origin": "opened"})
    engine.enqueue("helper_from_another_file(1)")
    local.call("complete", {"prefix": "y = ", "suffix": "\n", "path": "/loose/main.py"})
    assert "helper_from_another_file" in str(engine.history[-1].prompt)
