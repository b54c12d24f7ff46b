"""How a command ends: its exit code and the JSON error's kind."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from codesaga.cli import exits, render
from codesaga.cli.invocation import Invocation
from codesaga.cli.main import main
from codesaga.domain.errors import CancelledError


def test_a_request_the_daemon_cancelled_is_interrupted_not_a_model_failure() -> None:
    # The daemon shutting down under a refactor said exit 3, kind "model".
    cancelled = CancelledError("the daemon is shutting down")
    assert exits.exit_code_for(cancelled) == exits.INTERRUPTED
    assert exits.error_kind(cancelled) == "cancelled"


class _CtrlCInTheAnswer:
    def __init__(self) -> None:
        self.server: dict[str, Any] = {}

    def call(self, method: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        if method == "sessions/open":
            return {"id": "s1", "attachments": []}
        raise KeyboardInterrupt  # Ctrl-C while the answer streams

    def __enter__(self) -> _CtrlCInTheAnswer:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def test_a_one_shot_chat_stopped_with_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    # It exited 0: a script took the partial answer for a whole one.
    monkeypatch.setattr(Invocation, "client", lambda self, **kw: _CtrlCInTheAnswer())
    with pytest.raises(SystemExit) as ended:
        main(["chat", "explain this"])
    assert ended.value.code == exits.INTERRUPTED


def test_a_session_exported_where_it_cannot_be_written_is_an_input_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A folder, or a path under a missing one, was a traceback.
    monkeypatch.setattr(Invocation, "control", lambda self, method, params=None: {"text": "# s\n"})
    for output in (tmp_path, tmp_path / "missing" / "s.md"):
        with pytest.raises(SystemExit) as ended:
            main(["sessions", "export", "main", "-o", str(output)])
        assert ended.value.code == exits.INPUT
        assert f"cannot write {output}" in capsys.readouterr().err


def test_a_wrong_hook_mode_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # It exited 2 ("input"), where every other wrong option exits 1.
    import subprocess

    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as ended:
        main(["hook", "run", "--mode", "bogus"])
    assert ended.value.code == exits.USAGE
    assert "hook mode must be one of" in capsys.readouterr().err


def test_config_show_names_no_variable_for_the_keys_none_sets() -> None:
    # It listed CODESAGA_UPSTREAMS, which nothing reads.
    from codesaga.settings import load_settings

    variables = {key: env for key, env, _, _ in load_settings().describe()}
    assert variables["upstreams"] == "(config.toml only)"
    assert variables["n_ctx"] == "CODESAGA_N_CTX"


def test_a_session_export_does_not_replace_a_file_unless_forced(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `-o` replaced whatever stood there: a mistyped `-o parser.py` lost the user's code.
    monkeypatch.setattr(Invocation, "control", lambda self, method, params=None: {"text": "# s\n"})
    mine = tmp_path / "parser.py"
    mine.write_text("def parse(): ...\n")
    with pytest.raises(SystemExit) as ended:
        main(["sessions", "export", "main", "-o", str(mine)])
    assert ended.value.code == exits.INPUT
    assert "exists: give --force to replace it" in capsys.readouterr().err
    assert mine.read_text() == "def parse(): ...\n"
    main(["sessions", "export", "main", "-o", str(mine), "--force"])
    assert mine.read_text() == "# s\n"


def test_an_os_error_no_command_foresaw_is_said_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A full disk under a write no command wraps printed a Python traceback.
    import errno

    def full(self: Invocation, method: str, params: object = None) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/home/me/notes.md")

    monkeypatch.setattr(Invocation, "control", full)
    with pytest.raises(SystemExit) as ended:
        main(["sessions", "list", "--json"])
    assert ended.value.code == exits.INPUT
    out, err = capsys.readouterr()
    assert "codesaga: error: /home/me/notes.md: No space left on device" in err
    assert '"kind": "input"' in out and "Traceback" not in err


def test_a_relative_model_path_is_sent_as_this_folders(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # `--model m.gguf` was looked for in the daemon's folder, wherever it had started:
    # "model file m.gguf for generate does not exist" beside the file.
    sent: list[tuple[str, dict[str, Any]]] = []

    class Recording:
        def __init__(self) -> None:
            self.server: dict[str, Any] = {}

        def call(self, method: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
            sent.append((method, params or {}))
            raise KeyboardInterrupt  # enough: what was asked is recorded

        def __enter__(self) -> Recording:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    monkeypatch.setattr(Invocation, "client", lambda self, **kw: Recording())
    monkeypatch.setattr(Invocation, "connect", lambda self, **kw: Recording())
    for args in (["generate", "hi", "--model", "m.gguf"], ["models", "load", "chat", "m.gguf"]):
        with pytest.raises(SystemExit):
            main(args)
        assert sent.pop()[1]["model"] == str(tmp_path / "m.gguf")
    for name in ("qwen2.5-coder-0.5b", "installed.gguf", "gpu/served.gguf"):  # no file here
        with pytest.raises(SystemExit):
            main(["generate", "hi", "--model", name])
        assert sent.pop()[1]["model"] == name


def test_a_reader_that_closed_the_pipe_ends_the_command_with_success(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # `codesaga generate ... | head -1` ended with exit 1 ("usage") under pipefail: Typer
    # turns a broken pipe into that before our own handler could see it.
    import contextlib
    import os

    read, write = os.pipe()
    os.close(read)  # the reader is gone
    closed = os.fdopen(write, "w")
    monkeypatch.setenv("CODESAGA_HOME", str(tmp_path))
    monkeypatch.setattr("sys.stdout", closed)
    monkeypatch.setattr("sys.stderr", sys.stderr)  # put back after Typer wraps it
    # A console of its own: the write the pipe broke leaves rich's buffer open for good.
    from rich.console import Console

    monkeypatch.setattr(render, "stdout", Console(highlight=False, soft_wrap=True, markup=False))
    try:
        with pytest.raises(SystemExit) as ended:
            main(["config", "show"])
    finally:
        with contextlib.suppress(OSError):
            closed.close()  # its buffer cannot be flushed: the pipe is broken
    assert ended.value.code == exits.OK
