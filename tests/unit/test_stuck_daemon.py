"""A daemon that takes connections and never answers (stopped, deadlocked): the client says
so instead of hanging, and ``daemon stop`` still stops it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from codesaga.cli import exits
from codesaga.cli.main import main
from codesaga.client import connection, lifecycle
from codesaga.domain.errors import DaemonError
from codesaga.protocol.runtime import DaemonLock, RuntimePaths, is_locked
from codesaga.settings import Settings, load_settings

# Holds the lock as a daemon does and listens; SIGTERM, which the real daemon takes on its
# event loop, is ignored as a stuck loop never acts on it. Each script goes on from here.
_LISTENING = """
import json, os, signal, socket, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
from pathlib import Path
from codesaga.protocol.runtime import DaemonLock, RuntimePaths
paths = RuntimePaths(Path(sys.argv[1]))
paths.prepare()
lock = DaemonLock(paths.lock)
assert lock.acquire()
paths.pid.write_text(str(os.getpid()))
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(str(paths.socket))
server.listen(8)
print("listening", flush=True)
"""

# Reads nothing: its event loop is stuck.
_STUCK = (
    _LISTENING
    + """
held = []
while True:
    held.append(server.accept()[0])
"""
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"CODESAGA_HOME": str(tmp_path)})


@pytest.fixture
def stuck(settings: Settings) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", _STUCK, str(settings.runtime_dir)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "listening\n"
    process.stdout.close()
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(5)


@pytest.mark.timeout(30)
def test_a_stuck_daemon_is_an_error_not_a_hang(
    settings: Settings, stuck: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection, "CONTROL_ANSWER_SECONDS", 0.5)
    started = time.monotonic()
    with pytest.raises(DaemonError, match=r"did not answer `initialize` within 0\.5 s"):
        lifecycle.connect(settings, start=False)
    assert time.monotonic() - started < 5
    assert stuck.poll() is None  # the client only gave up; stopping is `daemon stop`'s


@pytest.mark.timeout(30)
def test_daemon_stop_signals_a_daemon_that_does_not_answer(
    settings: Settings, stuck: subprocess.Popen[str]
) -> None:
    paths = RuntimePaths(settings.runtime_dir)
    assert is_locked(paths.lock)
    # Asked, SIGTERM, then SIGKILL: said so, not "stopped" as if it had cancelled its work.
    assert lifecycle.stop_daemon(settings, timeout=1.0) is lifecycle.Stop.KILLED
    assert not is_locked(paths.lock)
    with pytest.raises(ProcessLookupError):  # gone (stop_daemon reaped it: our child)
        os.kill(stuck.pid, 0)


@pytest.mark.timeout(30)
def test_daemon_status_says_a_daemon_is_stuck(
    settings: Settings,
    stuck: subprocess.Popen[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(connection, "CONTROL_ANSWER_SECONDS", 0.5)
    monkeypatch.setenv("CODESAGA_HOME", str(settings.state_dir.parent))
    with pytest.raises(SystemExit) as ended:
        main(["daemon", "status"])
    assert ended.value.code == exits.DAEMON
    assert "did not answer `status`" in capsys.readouterr().err


def test_daemon_status_tells_a_starting_daemon_from_none(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # It holds its lock before it listens: "not running (it starts on first use)" was wrong.
    paths = RuntimePaths(settings.runtime_dir)
    paths.prepare()
    lock = DaemonLock(paths.lock)
    assert lock.acquire()
    try:
        monkeypatch.setenv("CODESAGA_HOME", str(settings.state_dir.parent))
        main(["daemon", "status", "--json"])
        assert json.loads(capsys.readouterr().out)["state"] == "starting or stopping"
    finally:
        lock.release()
    main(["daemon", "status"])
    assert "not running" in capsys.readouterr().out


@pytest.mark.timeout(30)
def test_a_config_file_with_an_error_does_not_keep_the_daemon_from_being_stopped(
    settings: Settings,
    stuck: subprocess.Popen[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    # The daemon runs on with what it read before; `daemon stop`, `status` and `logs` all
    # failed on the file's error, so it could be neither looked at nor stopped.
    monkeypatch.setenv("CODESAGA_HOME", str(settings.state_dir.parent))
    monkeypatch.setenv("CODESAGA_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text("idle_timout = 60\n")
    with pytest.raises(SystemExit) as ended:
        main(["daemon", "logs"])
    assert ended.value.code == exits.INPUT and "no daemon log yet" in capsys.readouterr().err
    stop = lifecycle.stop_daemon
    monkeypatch.setattr(lifecycle, "stop_daemon", lambda s: stop(s, timeout=1.0))  # it is stuck
    main(["daemon", "stop"])
    err = capsys.readouterr().err
    assert "it was killed (SIGKILL)" in err and "unknown key 'idle_timout'" in err
    assert stuck.wait(10) is not None
    with pytest.raises(SystemExit) as ended:  # a start still refuses the file
        main(["daemon", "start"])
    assert ended.value.code == exits.USAGE and "idle_timout" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", "killed by signal 9"),
        ("import sys; sys.exit('OSError: the port is taken now')", "the port is taken now"),
        (  # a crash's first line, not the last of its stacks
            "import faulthandler, os, signal; faulthandler.enable(); os.kill(os.getpid(), 11)",
            "Fatal Python error: Segmentation fault (`codesaga daemon logs` shows where)",
        ),
    ],
)
def test_a_failed_start_is_told_by_what_that_daemon_wrote_not_an_older_ones(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, code: str, said: str
) -> None:
    # daemon.stderr is appended to by every start: one killed without a word (out of
    # memory) was reported with the error of a start days before, long mended.
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    (settings.state_dir / "daemon.stderr").write_text("OSError: address already in use\n")
    popen = subprocess.Popen

    def dies(args: list[str], **kw: object) -> subprocess.Popen[bytes]:
        return popen([sys.executable, "-c", code], **kw)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(lifecycle.subprocess, "Popen", dies)
    with pytest.raises(DaemonError, match="failed to start") as failed:
        lifecycle.wait_for_daemon(settings, lifecycle.spawn_daemon(settings), timeout=20)
    assert said in str(failed.value) and "address already in use" not in str(failed.value)


# Answers `shutdown`, takes its pid file away as a stopping daemon did, and hangs.
_HANGS_STOPPING = (
    _LISTENING
    + """
conn = server.accept()[0]
request = json.loads(conn.makefile("rb").readline())
answer = {"jsonrpc": "2.0", "id": request["id"], "result": {"stopping": True}}
conn.sendall(json.dumps(answer).encode() + b"\\n")
paths.pid.unlink()
server.close()
paths.socket.unlink()
while True:
    time.sleep(60)
"""
)


@pytest.mark.timeout(60)
def test_a_daemon_that_hangs_once_stopping_is_still_stopped(settings: Settings) -> None:
    # Its pid file was read only after it was asked, by when it was gone: "the daemon (pid
    # None) did not stop", and the next command waited a minute for a start.
    process = subprocess.Popen(
        [sys.executable, "-c", _HANGS_STOPPING, str(settings.runtime_dir)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdout.readline() == "listening\n"
        process.stdout.close()
        assert lifecycle.stop_daemon(settings, timeout=1.0) is lifecycle.Stop.KILLED  # by pid
        with pytest.raises(ProcessLookupError):  # gone (stop_daemon reaped it: our child)
            os.kill(process.pid, 0)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(5)
