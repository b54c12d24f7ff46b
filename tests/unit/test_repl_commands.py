"""The chat REPL's slash commands against a scripted client."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from codesaga.cli import render, repl
from codesaga.engine.fake import FakeEngine
from codesaga.inprocess import LocalClient
from codesaga.settings import Settings, load_settings


class ScriptedClient:
    """Answers each method with a function of its params; a KeyboardInterrupt raised there
    is a Ctrl-C while the daemon works on it."""

    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.server: dict[str, Any] = {}

    def call(self, method: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.answers[method.replace("/", "_")](params or {})

    def cancel_current(self) -> None:
        pass


def typed(*lines: str) -> Iterator[str]:
    yield from lines


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"CODESAGA_HOME": str(tmp_path)})


def run(
    monkeypatch: pytest.MonkeyPatch, client: ScriptedClient, settings: Settings, *lines: str
) -> str:
    keys = typed(*lines)

    def keyboard(prompt: str) -> str:
        try:
            return next(keys)
        except StopIteration:
            raise EOFError from None

    out = io.StringIO()
    monkeypatch.setattr("builtins.input", keyboard)
    monkeypatch.setattr(render, "stdout", Console(file=out, width=100))
    monkeypatch.setattr(render, "stderr", Console(file=out, width=100))
    session = {"id": "s1", "name": "../../etc/notes", "turns": 0}
    repl.Repl(client, session, settings, None).run()  # type: ignore[arg-type]
    return out.getvalue()


def test_ctrl_c_during_a_command_stops_it_not_the_chat(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    # Only an answer caught Ctrl-C: during /sessions (or the daemon's restart after an idle
    # exit) it ended the whole REPL, where README says it cancels, not the session.
    def interrupted(params: dict[str, Any]) -> Any:
        raise KeyboardInterrupt

    client = ScriptedClient(sessions_list=interrupted, sessions_clear=lambda p: {})
    try:
        said = run(monkeypatch, client, settings, "/sessions", "/clear")
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C during /sessions ended the chat")
    assert "(interrupted)" in said and "conversation cleared" in said


def test_save_without_a_path_writes_here_whatever_the_sessions_name(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, tmp_path: Path
) -> None:
    # The file was named after the session: "../../etc/notes" wrote two folders up.
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    client = ScriptedClient(sessions_export=lambda p: {"text": "# notes\n"})
    run(monkeypatch, client, settings, "/save")
    assert [p.name for p in work.iterdir()] == ["etc_notes.md"]
    assert (work / "etc_notes.md").read_text() == "# notes\n"
    # A repository's dangling link of the name /save picks wrote where it pointed.
    (work / "etc_notes.md").unlink()
    elsewhere = tmp_path / "planted.sh"
    (work / "etc_notes.md").symlink_to(elsewhere)
    said = run(monkeypatch, client, settings, "/save")
    assert "exists; /save --force etc_notes.md replaces it" in said and not elsewhere.exists()
    # A file named is not replaced either (a mistyped `/save notes.txt` lost the notes),
    # unless asked.
    notes = work / "notes.txt"
    notes.write_text("my notes\n")
    said = run(monkeypatch, client, settings, f"/save {notes}")
    assert f"exists; /save --force {notes} replaces it" in " ".join(said.split())
    assert notes.read_text() == "my notes\n"
    run(monkeypatch, client, settings, f"/save --force {notes}")
    assert notes.read_text() == "# notes\n"


def test_a_session_shown_later_sends_no_escape_sequence_to_the_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The REPL and the TUI clean a model's answer; `sessions show` passed it to Rich, which
    # lets ESC through: a session viewed later could clear the screen or set the clipboard.
    from codesaga.cli.invocation import Invocation
    from codesaga.cli.main import main

    answer = "**You**\n\nhi\n\nSure.\x1b[2J\x1b]52;c;ZXZpbA==\x07 Done."
    monkeypatch.setattr(Invocation, "control", lambda self, method, params=None: {"text": answer})
    out = io.StringIO()
    monkeypatch.setattr(render, "stdout", Console(file=out, force_terminal=True, width=80))
    main(["sessions", "show", "notes"])
    shown = out.getvalue()
    assert "Sure." in shown and "Done." in shown
    assert "\x1b[2J" not in shown and "\x1b]52" not in shown


def test_two_chats_ending_keep_each_others_history(tmp_path: Path) -> None:
    # The history file was written whole at exit: the last of two chats to end erased the
    # lines the other had added meanwhile.
    import readline

    path = tmp_path / "chat_history"
    path.write_text("first\n")
    readline.clear_history()
    readline.read_history_file(str(path))
    start = readline.get_current_history_length()
    with path.open("a") as other:  # another chat, ended while this one ran
        other.write("from the other chat\n")
    readline.add_history("from this chat")
    repl._save_history(readline, path, start)
    assert path.read_text().splitlines() == ["first", "from the other chat", "from this chat"]
    assert path.stat().st_mode & 0o777 == 0o600
    readline.clear_history()


def test_model_says_it_loads_the_model_while_it_is_checked(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    # /model loads the model to check it: seconds (a minute for a large one) without a word.
    shown: list[str] = []
    out = io.StringIO()

    def set_model(params: dict[str, Any]) -> dict[str, Any]:
        time.sleep(0.5)  # the status line is drawn a few times a second
        shown.append(out.getvalue())
        return {}

    client = ScriptedClient(sessions_set=set_model)
    keys = typed("/model qwen2.5-coder-1.5b")
    monkeypatch.setattr("builtins.input", lambda prompt: next(keys))
    monkeypatch.setattr(render, "stdout", Console(file=io.StringIO(), width=100))
    monkeypatch.setattr(render, "stderr", Console(file=out, width=100, force_terminal=True))
    with pytest.raises(StopIteration):
        repl.Repl(client, {"id": "s1", "name": "n", "turns": 0}, settings, None).run()  # type: ignore[arg-type]
    assert "qwen2.5-coder-1.5b: loading the model…" in shown[0]


def test_keys_are_not_echoed_while_an_answer_streams_and_ctrl_c_is_said_after_it(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    # An Enter typed while the answer streamed was echoed: the cursor moved a line and the
    # next redraw drew lines twice. Ctrl-C's note was printed before the final redraw, which
    # erased it: no word that the answer was cancelled.
    import os
    import pty
    import sys
    import termios

    master, follower = pty.openpty()
    terminal = os.fdopen(follower, "r")
    echoing: list[bool] = []

    class Streaming(ScriptedClient):
        def call(self, method: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
            kw["on_delta"]("line one\n")
            echoing.append(bool(termios.tcgetattr(follower)[3] & termios.ECHO))
            kw["on_delta"]("line two")
            raise KeyboardInterrupt

    out = io.StringIO()
    keys = typed("tell me")
    monkeypatch.setattr("builtins.input", lambda prompt: next(keys))
    monkeypatch.setattr(sys, "stdin", terminal)
    monkeypatch.setattr(render, "stdout", Console(file=out, width=100, force_terminal=True))
    monkeypatch.setattr(render, "stderr", Console(file=out, width=100))
    try:
        with pytest.raises(StopIteration):
            repl.Repl(Streaming(), {"id": "s1", "name": "n", "turns": 0}, settings, None).run()  # type: ignore[arg-type]
        assert echoing == [False]
        assert termios.tcgetattr(follower)[3] & termios.ECHO  # given back
    finally:
        terminal.close()
        os.close(master)
    said = out.getvalue()
    assert said.rfind("(cancelled; the partial answer is kept") > said.rfind("line two")


def test_a_session_deleted_meanwhile_goes_on_as_a_new_one_of_its_name(
    monkeypatch: pytest.MonkeyPatch,
    local_daemon: LocalClient,
    fake_engine: FakeEngine,
    settings: Settings,
) -> None:
    # Deleted from another terminal, every later message failed with "no chat session",
    # and the REPL had no way out but to quit.
    client, engine = local_daemon, fake_engine
    session = client.call("sessions/open", {"name": "doomed"})
    engine.enqueue("one")
    engine.enqueue("two")
    lines = iter(["say one", "say two"])

    def keyboard(prompt: str) -> str:
        line = next(lines, None)
        if line is None:
            raise EOFError
        if line == "say two":  # another terminal: `codesaga sessions delete doomed`
            client.call("sessions/delete", {"session": session["id"]})
        return line

    out = io.StringIO()
    monkeypatch.setattr("builtins.input", keyboard)
    monkeypatch.setattr(render, "stdout", Console(file=out, width=100))
    monkeypatch.setattr(render, "stderr", Console(file=out, width=100))
    repl.Repl(client, session, settings, None).run()  # type: ignore[arg-type]
    assert "session 'doomed' was deleted meanwhile" in out.getvalue()
    [now] = client.call("sessions/list", {})["sessions"]
    shown = client.call("sessions/get", {"session": now["id"]})
    assert now["name"] == "doomed" and now["id"] != session["id"]
    assert [t["content"] for t in shown["turns"]] == ["say two", "two"]
