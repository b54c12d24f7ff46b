"""Chat through the installed command and the real daemon with the real 0.5B model."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from codesaga.daemon import protocol as p
from codesaga.daemon.runtime import RuntimePaths
from codesaga.settings import load_settings
from tests.conftest import Cli
from tests.integration.test_daemon import Raw, alive, wait_for

FACT = "Remember this: the deploy password is tulip-42. Reply only with OK."
QUESTION = "What is the deploy password I told you? Reply with the password only."


def session(cli: Cli, name: str) -> dict:  # type: ignore[type-arg]
    proc = cli("--no-daemon", "sessions", "show", name, "--json")
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def test_second_turn_uses_the_first_and_survives_a_restart(cli: Cli) -> None:
    first = cli("chat", FACT, "--session", "ops", "--json")
    assert first.returncode == 0, first.stderr
    second = cli("chat", QUESTION, "--session", "ops", "--json")
    assert second.returncode == 0, second.stderr
    reply = json.loads(second.stdout)
    assert "tulip-42" in reply["text"]
    assert reply["session"]["name"] == "ops"
    assert cli("daemon", "stop").returncode == 0
    saved = session(cli, "ops")
    assert [t["role"] for t in saved["turns"]] == ["user", "assistant", "user", "assistant"]
    assert saved["turns"][0]["content"] == FACT
    assert not any(t["interrupted"] for t in saved["turns"])
    again = cli("chat", QUESTION, "--session", "ops", "--json")  # a new daemon
    assert again.returncode == 0, again.stderr
    assert "tulip-42" in json.loads(again.stdout)["text"]


def test_default_session_follows_the_directory(cli: Cli, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    for where in (a, a, b):
        proc = Cli(cli.env, where)("chat", "Say OK.", "--json")
        assert proc.returncode == 0, proc.stderr
    listed = json.loads(cli("sessions", "list", "--json").stdout)["sessions"]
    assert sorted((s["name"], s["turns"]) for s in listed) == [("a", 4), ("b", 2)]


def test_kill_9_mid_answer_keeps_earlier_turns_and_marks_the_partial_one(cli: Cli) -> None:
    assert cli("chat", FACT, "--session", "crash", "--json").returncode == 0
    paths = RuntimePaths(load_settings(cli.env).runtime_dir)
    pid = paths.read_pid()
    assert pid is not None
    raw = Raw(paths.socket)
    raw.initialize()
    sid = raw.call("sessions/open", {"name": "crash"}, 1)["result"]["id"]
    raw.send(
        p.encode_request(
            "chat",
            {"session": sid, "stream": True, "message": "Count from 1 to 400, one per line."},
            2,
        )
    )
    deltas = 0
    started = time.monotonic()
    while deltas < 10 or time.monotonic() - started < 1.5:  # past one partial save
        if raw.read().get("method") == "$/delta":
            deltas += 1
    os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: not alive(pid))
    raw.close()
    saved = session(cli, "crash")
    turns = saved["turns"]
    assert turns[0]["content"] == FACT and not turns[1]["interrupted"]
    assert turns[2]["content"].startswith("Count from 1 to 400")
    assert turns[3]["interrupted"] and turns[3]["content"].startswith("1")


def test_a_long_history_drops_the_oldest_turns_and_says_so(cli: Cli) -> None:
    filler = " ".join(f"item{i}" for i in range(60))
    notices = []
    for n in range(4):
        proc = cli(
            "chat",
            f"Note {n}: {filler}. Reply only with OK.",
            "--session",
            "long",
            "--json",
            CODESAGA_N_CTX="512",
        )
        assert proc.returncode == 0, proc.stderr
        notices.append(json.loads(proc.stdout).get("notice"))
    assert notices[0] is None
    assert notices[-1] and "oldest" in notices[-1] and "left out" in notices[-1]
    assert len(session(cli, "long")["turns"]) == 8  # nothing is deleted from the session
    huge = cli("chat", "word " * 2000, "--session", "long", CODESAGA_N_CTX="512")
    assert huge.returncode == 2
    assert "do not fit in the model's context" in huge.stderr


def test_repl_with_slash_commands(cli: Cli, tmp_path: Path) -> None:
    src = tmp_path / "util.py"
    src.write_text("def double(x):\n    return 2 * x\n")
    script = (
        "\n".join(
            [
                "/add util.py:1-2",
                "What does double(4) return? Reply with the number only.",
                "/undo",
                "/sessions",
                "/save notes.md",
                "/frobnicate",
                "/exit",
            ]
        )
        + "\n"
    )
    proc = cli("chat", "--session", "repl", stdin=script)
    assert proc.returncode == 0, proc.stderr
    assert "8" in proc.stdout
    assert "attached: " in proc.stderr and "util.py:1:2" in proc.stderr
    assert "removed 2 messages" in proc.stderr
    assert "unknown command /frobnicate" in proc.stderr
    assert "* repl" in proc.stdout
    assert (tmp_path / "notes.md").read_text().startswith("# repl")
    assert session(cli, "repl")["turns"] == []
