"""Fixtures the unit tests share."""

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
def fake_engine() -> FakeEngine:
    return FakeEngine(n_ctx=4096)


@pytest.fixture
def local_daemon(tmp_path: Path, fake_engine: FakeEngine) -> Iterator[LocalClient]:
    """The whole daemon in this process, its model the scripted ``fake_engine``."""
    model = write_gguf(tmp_path / "m.gguf")
    settings = load_settings({"CODESAGA_HOME": str(tmp_path), "CODESAGA_MODEL": str(model)})
    client = LocalClient(settings, build_daemon(settings, lambda resolved: fake_engine))
    yield client
    client.close()
