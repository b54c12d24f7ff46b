"""How the daemon takes new settings (a config.toml edit, `models load`), with a scripted
engine: what applies at once, what waits for a restart, and what a client is told."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from codesaga.bootstrap import build_daemon
from codesaga.daemon.connection import Connection
from codesaga.domain.enums import Role
from codesaga.domain.errors import ModelFileError
from codesaga.engine.fake import FakeEngine
from codesaga.protocol.jsonrpc import Request
from codesaga.settings import load_settings
from tests.ggufgen import write_gguf


def home_with(tmp_path: Path, model: Path, config_text: str) -> tuple[dict[str, str], Path]:
    """A home whose roles use ``model`` from the environment, but the chat role, which its
    config.toml (``config_text``) sets: the file's keys are what a reload can change."""
    env = {"CODESAGA_HOME": str(tmp_path / "home")}
    for role in ("completion", "refactor", "fix", "generate"):
        env[f"CODESAGA_MODEL_{role.upper()}"] = str(model)
    config = load_settings(env).config_dir / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(config_text)
    return env, config


def connected() -> tuple[list[bytes], Connection]:
    """A client connection past its handshake, and what the daemon sends it."""
    sent: list[bytes] = []
    conn = Connection(sent.append, "test")
    conn.initialized = True
    return sent, conn


def test_reload_applies_live_keys_keeps_start_keys_and_models_load(tmp_path: Path) -> None:
    small, other, third = (write_gguf(tmp_path / f"{n}.gguf") for n in ("small", "other", "3"))
    env, config = home_with(tmp_path, small, f'model_chat = "{small}"\n')
    boot = load_settings(env)
    daemon = build_daemon(boot, lambda resolved: FakeEngine(n_ctx=4096))
    completer = daemon.assistant.completer
    completer._cache.store("answered before", "x", None, capacity=8)  # made under the old settings

    async def scenario() -> None:
        sent, conn = connected()
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


def test_a_model_that_fails_to_load_leaves_the_settings_as_they_were(tmp_path: Path) -> None:
    # `models load` with a name that is not installed stayed chosen, and every later
    # `models load` and config reload failed on it; a reload with a corrupt model kept half
    # of the new settings in force while the log said it was not applied.
    small, good = (write_gguf(tmp_path / f"{n}.gguf") for n in ("small", "good"))
    corrupt = tmp_path / "corrupt.gguf"
    corrupt.write_bytes(b"GGUF")
    env, config = home_with(tmp_path, small, f'max_tokens = 100\nmodel_chat = "{small}"\n')

    def engine(resolved: object) -> FakeEngine:
        if getattr(resolved, "path", None) == corrupt:
            raise ModelFileError(f"{corrupt} is truncated")
        return FakeEngine(n_ctx=4096)

    daemon = build_daemon(load_settings(env), engine)

    async def scenario() -> None:
        sent, conn = connected()
        await daemon.handle(conn, Request("models/load", {"role": "chat", "model": "nosuch"}, 1))
        assert "unknown model 'nosuch'" in json.loads(sent[-1])["error"]["message"]
        await daemon.handle(
            conn, Request("models/load", {"role": "refactor", "model": str(good)}, 2)
        )
        assert json.loads(sent[-1])["result"]["roles"]["refactor"] == "good.gguf", sent[-1]
        config.write_text(f'max_tokens = 300\nmodel_chat = "{corrupt}"\n')
        with pytest.raises(ModelFileError):
            await daemon.reload_settings(load_settings(env))
        assert daemon.settings.max_tokens == 100  # none of that edit is in force
        assert daemon.settings.model_for(Role.CHAT) == str(small)

    try:
        asyncio.run(scenario())
    finally:
        daemon.close()


def test_a_reload_during_a_models_load_keeps_both(tmp_path: Path) -> None:
    # Two changes at once each took the settings they started from: the reload, begun while
    # `models load` was loading its model, put the chat role back to the file's model, and
    # the load answered that it was in force.
    import threading

    small, slow = (write_gguf(tmp_path / f"{n}.gguf") for n in ("small", "slow"))
    env, config = home_with(tmp_path, small, f'max_tokens = 100\nmodel_chat = "{small}"\n')
    loading = threading.Event()

    def engine(resolved: object) -> FakeEngine:
        if getattr(resolved, "path", None) == slow:
            loading.set()
            threading.Event().wait(0.5)
        return FakeEngine(n_ctx=4096)

    daemon = build_daemon(load_settings(env), engine)

    async def scenario() -> None:
        sent, conn = connected()
        load = asyncio.create_task(
            daemon.handle(conn, Request("models/load", {"role": "chat", "model": str(slow)}, 1))
        )
        await asyncio.get_running_loop().run_in_executor(None, loading.wait, 5)
        config.write_text(f'max_tokens = 300\nmodel_chat = "{small}"\n')
        await daemon.reload_settings(load_settings(env))
        await load
        assert json.loads(sent[-1])["result"]["roles"]["chat"] == "slow.gguf"
        assert daemon.settings.model_for(Role.CHAT) == str(slow)  # the load lasts
        assert daemon.settings.max_tokens == 300  # and the edit is in force

    try:
        asyncio.run(scenario())
    finally:
        daemon.close()


def test_models_load_with_one_model_for_every_role_changes_only_that_role(
    tmp_path: Path,
) -> None:
    # With `model` (CODESAGA_MODEL) set, `models load chat X` cleared it: every other role
    # fell back to its preset (not installed here: the load failed; installed: a surprise).
    small, other = (write_gguf(tmp_path / f"{n}.gguf") for n in ("small", "other"))
    env = {"CODESAGA_HOME": str(tmp_path / "home"), "CODESAGA_MODEL": str(small)}
    daemon = build_daemon(load_settings(env), lambda resolved: FakeEngine(n_ctx=4096))

    async def scenario() -> None:
        sent, conn = connected()
        await daemon.handle(conn, Request("models/load", {"role": "chat", "model": str(other)}, 1))
        assert json.loads(sent[-1])["result"]["roles"]["chat"] == "other.gguf", sent[-1]
        for role in Role:
            assert daemon.settings.model_for(role) == str(other if role is Role.CHAT else small)

    try:
        asyncio.run(scenario())
    finally:
        daemon.close()


def test_a_preset_not_installed_is_not_loaded_in_silence_and_status_names_the_stand_in(
    tmp_path: Path,
) -> None:
    # `models load refactor qwen2.5-coder-1.5b` (its default, not installed) said "refactor now
    # uses qwen2.5-coder-0.5b" and exited 0; `daemon status` and `models list` named the 1.5B
    # for every role the 0.5B answered.
    from codesaga.model_files.presets import PRESETS
    from codesaga.model_files.store import ModelStore
    from codesaga.service.model_listing import list_models

    settings = load_settings({"CODESAGA_HOME": str(tmp_path / "home")})
    store = ModelStore(settings.models_dir)
    small = PRESETS["qwen2.5-coder-0.5b"]
    assert small.sha256 is not None
    store.root.mkdir(parents=True)
    store.install(write_gguf(tmp_path / "small.gguf"), small.filename, small.sha256)
    daemon = build_daemon(settings, lambda resolved: FakeEngine(n_ctx=4096))

    async def scenario() -> None:
        sent, conn = connected()
        load = {"role": "refactor", "model": "qwen2.5-coder-1.5b"}
        await daemon.handle(conn, Request("models/load", load, 1))
        assert "is not installed" in json.loads(sent[-1])["error"]["message"]
        await daemon.handle(conn, Request("status", {}, 2))
        roles = json.loads(sent[-1])["result"]["roles"]
        assert roles["completion"] == "qwen2.5-coder-0.5b"
        assert (
            roles["refactor"]
            == "qwen2.5-coder-0.5b (in place of qwen2.5-coder-1.5b, not installed)"
        )

    try:
        asyncio.run(scenario())
    finally:
        daemon.close()
    listed = {m.name: m.roles for m in list_models(settings, store)}
    assert listed["qwen2.5-coder-0.5b"] == tuple(str(r) for r in Role)  # it answers them all
    assert listed["qwen2.5-coder-1.5b"] == ()
    # A role set by a .gguf path is that file's.
    mine = write_gguf(store.root / "mine.gguf")
    chosen = load_settings(
        {"CODESAGA_HOME": str(tmp_path / "home"), "CODESAGA_MODEL_CHAT": str(mine)}
    )
    assert {m.name: m.roles for m in list_models(chosen, store)}["mine"] == ("chat",)
