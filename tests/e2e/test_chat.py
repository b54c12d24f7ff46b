"""Chat through the installed command and the real daemon with the real 0.5B model."""

from __future__ import annotations

import json
import os
import select
import signal
import time
from collections.abc import Callable
from pathlib import Path

from codesaga.protocol import jsonrpc as p
from codesaga.protocol.runtime import RuntimePaths
from codesaga.settings import load_settings
from tests.conftest import Cli
from tests.integration.test_daemon import Raw, alive, wait_for

FACT = "Remember this: the deploy password is tulip-42. Reply only with OK."
QUESTION = "What is the deploy password I told you? Reply with the password only."


def session(cli: Cli, name: str) -> dict:  # type: ignore[type-arg]
    proc = cli("--no-daemon", "sessions", "show", name, "--json")
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def read_until(fd: int, enough: Callable[[bytes], bool], seen: bytes = b"") -> bytes:
    """What the chat writes to ``fd`` (after ``seen``) until ``enough`` of it came."""
    deadline = time.monotonic() + 120
    while not enough(seen):
        assert time.monotonic() < deadline, seen
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            chunk = os.read(fd, 4096)
            assert chunk, "the chat ended early"
            seen += chunk
    return seen


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
    assert "does not fit in the model's context" in huge.stderr
    assert len(session(cli, "long")["turns"]) == 8
    # A session made for a first message that failed is not left behind, empty.
    fresh = cli("chat", "word " * 2000, "--session", "fresh", CODESAGA_N_CTX="512")
    assert fresh.returncode == 2 and "does not fit" in fresh.stderr
    assert "fresh" not in cli("sessions", "list").stdout


def test_repl_with_slash_commands(cli: Cli, tmp_path: Path) -> None:
    src = tmp_path / "util.py"
    src.write_text("def double(x):\n    return 2 * x\n")
    (tmp_path / "repl.md").write_text("mine")
    script = (
        "\n".join(
            [
                "/help",
                "/system You answer with numbers only.",
                "/add util.py:1-2",
                "What does double(4) return? Reply with the number only.",
                "/retry",
                "/model qwen2.5-coder-0.5b",
                "/drop util.py:1-2",  # as /add took it
                "/clear",
                "Say OK.",
                "/undo",
                "/sessions",
                "/save",  # repl.md is the user's own file: kept
                "/save no-such-folder/x.md",  # an error, and the chat goes on
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
    assert "/retry" in proc.stdout  # the help
    assert "system prompt replaced" in proc.stderr and "conversation cleared" in proc.stderr
    assert "attached: nothing" in proc.stderr and "model: qwen2.5-coder-0.5b" in proc.stderr
    assert "unknown command /frobnicate" in proc.stderr
    assert "* repl" in proc.stdout
    assert (tmp_path / "notes.md").read_text().startswith("# repl")
    assert "repl.md exists" in proc.stderr and (tmp_path / "repl.md").read_text() == "mine"
    assert "cannot save to no-such-folder/x.md" in proc.stderr
    assert session(cli, "repl")["turns"] == []


def test_lines_pasted_into_the_repl_are_one_question(cli: Cli) -> None:
    # In a terminal, a paste comes bracketed (ESC [200~ ... ESC [201~) when the program
    # asks for it; CPython's readline does not, so each pasted line was a question.
    import pty
    import subprocess

    from tests.conftest import codesaga_exe

    master, child = pty.openpty()
    proc = subprocess.Popen(
        [codesaga_exe(), "chat", "--session", "paste"],
        env={**cli.env, "TERM": "xterm"},
        cwd=cli.cwd,
        stdin=child,
        stdout=child,
        stderr=child,
        start_new_session=True,
    )
    os.close(child)
    seen = b""
    try:
        seen = read_until(master, lambda out: out.count(b"you> ") >= 1)
        assert b"\x1b[?2004h" in seen  # readline asked the terminal to bracket pastes
        os.write(master, b"\x1b[200~Say OK.\rSay it only once.\x1b[201~")
        os.write(master, b"\r")
        seen = read_until(master, lambda out: out.count(b"you> ") >= 2, seen)
        os.write(master, b"\x04")  # Ctrl-D
        assert proc.wait(timeout=60) == 0, seen
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    asked = [t["content"] for t in session(cli, "paste")["turns"] if t["role"] == "user"]
    assert asked == ["Say OK.\nSay it only once."]


def test_the_repl_goes_on_with_a_new_daemon_when_its_own_has_gone(cli: Cli) -> None:
    # The daemon exits after idle_timeout while a chat waits for its next question (here:
    # stopped); the chat used to end with "lost the connection to the daemon".
    import subprocess

    from tests.conftest import codesaga_exe

    proc = subprocess.Popen(
        [codesaga_exe(), "chat", "--session", "again"],
        env=cli.env,
        cwd=cli.cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"Say OK.\n")
    proc.stdin.flush()
    read_until(proc.stdout.fileno(), lambda out: out.count(b"you> ") >= 2)  # answered
    assert cli("daemon", "stop").returncode == 0
    _, err = proc.communicate(b"Say OK again.\n/exit\n", timeout=120)
    assert proc.returncode == 0, err
    assert b"lost the connection" not in err
    asked = [t["content"] for t in session(cli, "again")["turns"] if t["role"] == "user"]
    assert asked == ["Say OK.", "Say OK again."]
    assert len(session(cli, "again")["turns"]) == 4  # both answered


def test_ctrl_c_cancels_the_answer_not_the_session(cli: Cli) -> None:
    import subprocess

    from tests.conftest import codesaga_exe

    proc = subprocess.Popen(
        [codesaga_exe(), "chat", "--session", "intr"],
        env=cli.env,
        cwd=cli.cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
        # As in a terminal: a test run started in the background (`cmd &`) would pass on
        # an ignored SIGINT, and the chat would never see the Ctrl-C.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("Count from 1 to 500, one number per line.\n")
    proc.stdin.flush()
    # Wait until the answer is streaming lines (not just the prompt and the model's label,
    # which come before the daemon has even loaded the model).
    read_until(proc.stdout.fileno(), lambda out: out.split(b"you> ", 1)[-1].count(b"\n") >= 3)
    proc.send_signal(signal.SIGINT)
    time.sleep(1.0)
    out, err = proc.communicate("/sessions\n/exit\n", timeout=60)
    assert proc.returncode == 0, err
    assert "cancelled" in err
    assert "* intr" in out  # the session went on after the cancel
    turns = session(cli, "intr")["turns"]
    assert turns[-1]["interrupted"] and turns[-1]["content"].strip()


def test_sessions_commands(cli: Cli, tmp_path: Path) -> None:
    assert cli("chat", "Say OK.", "--session", "first", "--json").returncode == 0
    assert cli("sessions", "rename", "first", "renamed").returncode == 0
    exported = tmp_path / "s.json"
    assert cli("sessions", "export", "renamed", "-f", "json", "-o", str(exported)).returncode == 0
    data = json.loads(exported.read_text())
    assert data["name"] == "renamed" and data["turns"][0]["content"] == "Say OK."
    markdown = cli("sessions", "export", "renamed").stdout
    assert markdown.startswith("# renamed") and "## You" in markdown
    assert "Say OK." in cli("sessions", "show", "renamed").stdout
    assert cli("sessions", "delete", "renamed").returncode == 0
    missing = cli("sessions", "show", "renamed")
    assert missing.returncode == 2 and "no chat session 'renamed'" in missing.stderr


def test_add_attaches_files_to_a_one_shot_question(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "pay.py").write_text(
        "RATE = 0.19\n\n\ndef zorbulate_invoice(net):\n    return net * (1 + RATE)\n"
    )
    (tmp_path / "big.py").write_text("".join(f"x{i} = {i}\n" for i in range(30)))
    proc = cli(
        "chat",
        "Which function does the attached file define? Reply with its name only.",
        "--add",
        "pay.py",
        "-a",
        "big.py:3-4",
        "--session",
        "attach",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    reply = json.loads(proc.stdout)
    assert "zorbulate_invoice" in reply["text"]  # only the attachment could have told it
    # kept in the session for the next answers, as /add's are
    saved = session(cli, "attach")["attachments"]
    assert [(Path(a["path"]).name, a["lines"]) for a in saved] == [
        ("pay.py", None),
        ("big.py", "3:4"),
    ]
    assert "attached: " in cli("chat", "Say OK.", "-a", "pay.py", "-s", "attach").stderr
    # a missing file stops the command before anything is opened, attached or asked
    missing = cli("chat", "Say OK.", "-a", "pay.py", "--add", "~/nowhere.py", "-s", "fresh")
    assert missing.returncode == 2, missing.stderr
    assert "--add ~/nowhere.py:" in missing.stderr and "no such file" in missing.stderr
    assert "fresh" not in cli("sessions", "list").stdout
