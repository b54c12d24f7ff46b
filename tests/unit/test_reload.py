"""How the daemon takes new settings (a config.toml edit, `models load`), with a scripted
engine: what applies at once, what waits for a restart, and what a client is told."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from codesaga.bootstrap import build_daemon
from codesaga.daemon.connection import Connection
from codesaga.domain.enums import Role
from codesaga.engine.fake import FakeEngine
from codesaga.protocol.jsonrpc import Request
from codesaga.settings import load_settings
from tests.ggufgen import write_gguf


def test_reload_applies_live_keys_keeps_start_keys_and_models_load(tmp_path: Path) -> None:
    small, other, third = (write_gguf(tmp_path / f"{n}.gguf") for n in ("small", "other", "3"))
    env = {"CODESAGA_HOME": str(tmp_path / "home")}
    for role in ("completion", "refactor", "fix", "generate"):
        env[f"CODESAGA_MODEL_{role.upper()}"] = str(small)
    config = load_settings(env).config_dir / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'model_chat = "{small}"\n')
    boot = load_settings(env)
    daemon = build_daemon(boot, lambda resolved: FakeEngine(n_ctx=4096))
    completer = daemon.assistant.completer
    completer._cache.store("answered before", "x", None, capacity=8)  # made under the old settings

    async def scenario() -> None:
        sent: list[bytes] = []
        conn = Connection(sent.append, "test")
        conn.initialized = True
        await daemon.handle(conn, Request("models/load", {"role": "chat", "model": str(other)}, 1))
        loaded = json.loads(sent[-1])["result"]
        assert loaded["roles"]["chat"] == "other.gguf"
        config.write_text(
            f'model_chat = "{small}"\nmax_queue = 3\ncompletion_max_tokens = 40\nmax_tokens = 300\n'
        )
        result = await daemon.reload_settings(load_settings(env))
        assert result["restart_needed_for"] == ["max_queue"]
        assert daemon.scheduler.max_queue == boot.max_queue  # read at start: still the old
        assert daemon.assistant.settings.max_tokens == 300  # live
        assert completer.settings.completion_max_tokens == 40  # live in the completer too
        assert len(completer._cache) == 0  # nothing answered under the old limits is reused
        assert daemon.settings.model_for(Role.CHAT) == str(other)  # models/load lasts
        # A client with the file's values: only the start-time key and the loaded model differ
        theirs = load_settings(env).fingerprint()
        ours = daemon.fingerprint()
        assert {k for k in theirs if theirs[k] != ours[k]} == {"max_queue", "model_chat"}
        # config.toml setting the loaded key itself wins over models/load
        config.write_text(f'max_queue = 3\nmodel_chat = "{third}"\n')
        await daemon.reload_settings(load_settings(env))
        assert daemon.settings.model_for(Role.CHAT) == str(third)

    try:
        asyncio.run(scenario())
    finally:
        daemon.close()
