"""The real daemon process with the real 0.5B model, over the real Unix socket."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codesaga.protocol import jsonrpc as p
from codesaga.protocol.runtime import RuntimePaths
from codesaga.settings import Settings, load_settings
from tests.conftest import Cli, codesaga_exe, stop_daemon

SOURCE = "def add(a, b):\n    return a + b\n\n\nprint(add(2, 3))\n"
COUNT = "Count from 1 to 300, one number per line, no other text."


@pytest.fixture
def settings(cli_env: dict[str, str]) -> Settings:
    return load_settings(cli_env)


@pytest.fixture
def paths(settings: Settings) -> RuntimePaths:
    return RuntimePaths(settings.runtime_dir)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    path = tmp_path / "calc.py"
    path.write_text(SOURCE)
    return path


@pytest.fixture
def running(cli: Cli, paths: RuntimePaths) -> Iterator[int]:
    """A started daemon's pid."""
    proc = cli("daemon", "start")
    assert proc.returncode == 0, proc.stderr
    pid = paths.read_pid()
    assert pid is not None
    yield pid


class Raw:
    """A hand-driven protocol connection, to send what a well-behaved client never would."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(60)
        self.sock.connect(str(path))
        self.file = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data + b"\n")

    def read(self) -> dict[str, Any]:
        line = self.file.readline()
        assert line, "connection closed"
        return dict(json.loads(line))

    def call(self, method: str, params: dict[str, Any], id: int) -> dict[str, Any]:
        self.send(p.encode_request(method, params, id))
        while True:
            msg = self.read()
            if msg.get("id") == id:
                return msg

    def initialize(self, version: str | None = None) -> dict[str, Any]:
        from codesaga import __version__

        client = {"name": "codesaga", "version": version or __version__}
        return self.call("initialize", {"client": client, "protocolVersion": 1}, 0)

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def daemon_pids(home: str) -> list[int]:
    """Live daemon processes of this CODESAGA_HOME (ours: we started them)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"codesaga.serve" in cmdline and f"CODESAGA_HOME={home}".encode() in environ:
            pids.append(int(proc.name))
    return pids


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat_line = Path(f"/proc/{pid}/stat").read_text()
    return stat_line.split()[2] != "Z"


def wait_for(predicate: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def records(cli: Cli, **filters: str) -> list[dict[str, Any]]:
    args = [f"--{k}={v}" for k, v in filters.items()]
    proc = cli("--no-daemon", "requests", "--limit", "100", *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return list(json.loads(proc.stdout)["requests"])


# -- lifecycle ------------------------------------------------------------------------------


def test_start_status_stop(cli: Cli, paths: RuntimePaths, running: int) -> None:
    status = json.loads(cli("daemon", "status", "--json").stdout)
    assert status["running"] and status["pid"] == running
    assert cli("daemon", "start").returncode == 0  # a second start finds it running
    assert paths.read_pid() == running
    proc = cli("daemon", "stop")
    assert proc.returncode == 0 and "stopped" in proc.stderr
    assert not alive(running)
    assert not paths.socket.exists() and not paths.pid.exists() and not paths.token.exists()
    assert json.loads(cli("daemon", "status", "--json").stdout) == {"running": False}


def test_a_stop_with_clients_connected_logs_no_traceback(
    cli: Cli, paths: RuntimePaths, settings: Settings, running: int
) -> None:
    raw = Raw(paths.socket)
    raw.initialize()
    idle = Raw(paths.socket)  # connected, never said a word
    openai = json.loads((paths.root / "openai.json").read_text())["url"]
    host, port = openai.split("//")[1].split("/")[0].rsplit(":", 1)
    http = socket.create_connection((host, int(port)))  # an idle keep-alive HTTP client
    http.sendall(b"GET /v1/models HTTP/1.1\r\nHost: " + host.encode() + b"\r\n\r\n")
    assert http.recv(100).startswith(b"HTTP/1.1 401")  # no token, but the connection stays
    assert cli("daemon", "stop").returncode == 0
    assert not alive(running)
    log = (settings.state_dir / "daemon.log").read_text()
    assert "stopped" in log
    assert "Traceback" not in log and "Exception in callback" not in log
    for conn in (raw, idle):
        conn.close()
    http.close()


def test_auto_start_and_recovery_after_kill_9(cli: Cli, paths: RuntimePaths, src: Path) -> None:
    first = cli("complete", str(src), "--line", "2", "--column", "12", "--json")
    assert first.returncode == 0, first.stderr
    pid = paths.read_pid()
    assert pid is not None and alive(pid)
    os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: not alive(pid))
    assert paths.socket.exists() and paths.websocket.exists()  # stale files stay behind
    # The next daemon serves no WebSocket: the dead one's websocket.json would send editors
    # to its port, with its token.
    again = cli(
        "complete", str(src), "--line", "2", "--column", "12", "--json", CODESAGA_WS_PORT="-1"
    )
    assert again.returncode == 0, again.stderr
    new_pid = paths.read_pid()
    assert new_pid is not None and new_pid != pid and alive(new_pid)
    assert not paths.websocket.exists()


def test_a_native_crash_is_shown_by_daemon_logs(cli: Cli, running: int) -> None:
    # llama.cpp built with its AMX code died at the first prompt: the daemon's log ended with
    # "listening", its stderr was empty, and the user had "the daemon closed the connection".
    os.kill(running, signal.SIGSEGV)
    assert wait_for(lambda: not alive(running))
    logs = cli("daemon", "logs")
    assert logs.returncode == 0, logs.stderr
    shown, _, crash = logs.stdout.partition(f"-- daemon {running} crashed")
    assert "listening on" in shown
    assert "Fatal Python error: Segmentation fault" in crash
    assert 'File "' in crash and "serve.py" in crash  # where each thread was
    assert "crashed" not in cli("daemon", "logs", "-n", "0").stdout


def test_twenty_clients_at_once_start_exactly_one_daemon(cli: Cli, src: Path) -> None:
    procs = [
        subprocess.Popen(
            [codesaga_exe(), "complete", str(src), "--line", "5", "--column", "1", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli.env,
        )
        for _ in range(20)
    ]
    outputs = [proc.communicate(timeout=300) for proc in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "request_id" in json.loads(out)
    assert len(daemon_pids(cli.env["CODESAGA_HOME"])) == 1
    assert len(records(cli, type="completion", status="completed")) == 20


def test_a_command_while_a_daemon_lets_go_of_its_lock_starts_another(
    cli: Cli, paths: RuntimePaths
) -> None:
    # A daemon stopping (idle, or `daemon stop`) has closed its socket but holds its lock a
    # while longer: the daemon a command started then exited at once (another holds the
    # lock), and the command waited 60 s for a socket nobody would make.
    from codesaga.protocol.runtime import DaemonLock

    paths.prepare()
    held = DaemonLock(paths.lock)
    assert held.acquire()
    started = time.monotonic()
    try:
        command = subprocess.Popen(
            [codesaga_exe(), "requests", "--json"], env=cli.env, cwd=cli.cwd,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(1.5)  # its daemon found the lock taken and exited
    finally:
        held.release()
    out, err = command.communicate(timeout=60)
    assert command.returncode == 0, err
    assert "requests" in json.loads(out) and time.monotonic() - started < 20


def test_a_stop_while_the_daemon_starts_stops_it(cli: Cli, paths: RuntimePaths) -> None:
    # Between taking its lock and writing its pid file and socket, a starting daemon could
    # not be asked: `daemon stop` waited 15 s, said "pid None did not stop", and it ran on.
    from codesaga.client import lifecycle
    from codesaga.protocol.runtime import is_locked

    daemon = subprocess.Popen(
        [sys.executable, "-m", "codesaga.serve"], env=cli.env, cwd=cli.cwd,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not is_locked(paths.lock):
            assert time.monotonic() < deadline and daemon.poll() is None
            time.sleep(0.005)
        assert not paths.socket.exists()  # still starting
        started = time.monotonic()
        stopped = lifecycle.stop_daemon(load_settings(cli.env))  # what `daemon stop` runs
        assert stopped is lifecycle.Stop.STOPPED  # asked, not signalled
        assert daemon.wait(timeout=10) == 0 and time.monotonic() - started < 10
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()


def test_a_runtime_dir_that_cannot_be_made_is_one_line_not_a_traceback(
    cli: Cli, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    proc = cli("daemon", "start", CODESAGA_RUNTIME_DIR=str(blocker / "run"))
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot start the daemon" in lines[0], proc.stderr
    assert "a-file" in lines[0] and "Traceback" not in proc.stderr


def test_a_port_in_use_fails_the_start_and_leaves_no_runtime_files(
    cli: Cli, paths: RuntimePaths
) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = str(taken.getsockname()[1])
        proc = cli("daemon", "start", CODESAGA_WS_PORT=port)
    finally:
        taken.close()
    assert proc.returncode != 0 and "address already in use" in proc.stderr, proc.stderr
    # The socket, pid and token were written before the WebSocket failed, and stayed.
    assert not any(f.exists() for f in (paths.socket, paths.pid, paths.token, paths.websocket))


def test_version_mismatch_restarts_an_idle_daemon(cli: Cli, paths: RuntimePaths, src: Path) -> None:
    from codesaga import __version__

    old = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import codesaga; codesaga.__version__ = '0.0.1'\n"
            "from codesaga.serve import run; raise SystemExit(run())",
        ],
        env=cli.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(paths.socket.exists, 30)
        raw = Raw(paths.socket)
        reply = raw.initialize()
        raw.close()
        assert reply["error"]["code"] == p.VERSION_MISMATCH
        assert "codesaga daemon restart" in reply["error"]["message"]
        proc = cli("complete", str(src), "--line", "2", "--column", "12", "--json")
        assert proc.returncode == 0, proc.stderr
        assert old.wait(10) == 0  # the old daemon was asked to stop, and did
        status = json.loads(cli("daemon", "status", "--json").stdout)
        assert status["version"] == __version__ and status["pid"] != old.pid
    finally:
        if old.poll() is None:
            old.kill()
            old.wait()


def test_every_file_is_private_even_under_umask_000(
    cli: Cli, paths: RuntimePaths, settings: Settings, codesaga_home: Path
) -> None:
    def umask_000(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["sh", "-c", 'umask 000 && exec "$0" "$@"', codesaga_exe(), *args],
            env=cli.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    settings.cache_dir.mkdir(parents=True)
    settings.cache_dir.chmod(0o777)  # left loose by something else: tightened, not trusted
    proc = umask_000("daemon", "start")
    assert proc.returncode == 0, proc.stderr
    assert umask_000("generate", "Say hi in Python", "--json").returncode == 0
    assert umask_000("chat", "Say hi", "--json").returncode == 0
    assert wait_for(lambda: settings.config_dir.is_dir(), 30)  # the config watcher's
    stop_daemon(cli.env)  # the log's last lines, the journal's final state: all written
    found = {path: stat.S_IMODE(path.stat().st_mode) for path in codesaga_home.rglob("*")}
    assert len([p for p in found if p.suffix == ".db"]) >= 4  # journal, sessions, caches
    assert (settings.state_dir / "daemon.stderr") in found
    loose = {
        str(path.relative_to(codesaga_home)): oct(mode)
        for path, mode in found.items()
        if mode != (0o700 if path.is_dir() else 0o600)
    }
    assert loose == {}


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to hand a directory to another user")
def test_refuses_a_runtime_dir_owned_by_someone_else(cli: Cli, paths: RuntimePaths) -> None:
    paths.root.mkdir(parents=True)
    os.chown(paths.root, 65534, 65534)
    proc = cli("daemon", "start")
    assert proc.returncode != 0
    assert "belongs to uid 65534" in proc.stderr


@pytest.mark.skipif(
    os.getuid() != 0 or not hasattr(socket, "SO_PEERCRED"),
    reason="needs root to connect as another user, and Linux to tell who connects",
)
def test_another_user_is_refused_even_through_a_loosened_socket(
    running: int, paths: RuntimePaths
) -> None:
    # Someone made the socket world-writable: the 0700 directory is the only wall left, and
    # an O_PATH descriptor handed to a process of another user walks around it.
    handle = os.open(paths.socket, os.O_PATH)
    os.chmod(paths.socket, 0o666)
    answer_from, answer_to = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the forked child
        try:
            os.setgid(65534)
            os.setuid(65534)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(30)
            sock.connect(f"/proc/self/fd/{handle}")
            sock.sendall(p.encode_request("status", {}, 1) + b"\n")
            os.write(answer_to, sock.makefile("rb").readline())
        except BaseException as exc:
            os.write(answer_to, repr(exc).encode())
        os._exit(0)
    os.close(answer_to)
    os.waitpid(child, 0)
    answer = os.read(answer_from, 1 << 16).decode()
    os.close(answer_from)
    os.close(handle)
    refused = json.loads(answer)
    assert refused["error"]["code"] == p.UNAUTHORIZED
    assert "serves only its own user (uid 0), not uid 65534" in refused["error"]["message"]
    assert "version" not in answer  # nothing of the status leaked
    own = Raw(paths.socket)  # its own user is still served
    assert own.call("status", {}, 1)["result"]["pid"] == running
    own.close()


def test_idle_daemon_exits_by_itself(cli: Cli, paths: RuntimePaths, src: Path) -> None:
    proc = cli("complete", str(src), "--line", "2", "--column", "12", CODESAGA_IDLE_TIMEOUT="2")
    assert proc.returncode == 0, proc.stderr
    pid = paths.read_pid()
    assert pid is not None
    assert wait_for(lambda: not alive(pid), 15)
    assert not paths.socket.exists() and not paths.pid.exists()


# -- protocol robustness --------------------------------------------------------------------


def test_bad_messages_get_errors_and_the_daemon_keeps_serving(
    running: int, paths: RuntimePaths
) -> None:
    raw = Raw(paths.socket)
    raw.send(p.encode_request("status", {}, 1))
    assert raw.read()["result"]["pid"] == running  # status works before initialize
    raw.send(p.encode_request("complete", {"line": 1}, 2))
    assert raw.read()["error"]["code"] == p.NOT_INITIALIZED
    raw.initialize()
    raw.send(b"{this is not json")
    assert raw.read()["error"]["code"] == p.PARSE_ERROR
    raw.send(b'[{"jsonrpc":"2.0","method":"status","id":3}]')
    assert raw.read()["error"]["code"] == p.INVALID_REQUEST
    assert raw.call("frobnicate", {}, 4)["error"]["code"] == p.METHOD_NOT_FOUND
    unknown = raw.call("x" * 100_000, {}, 4)["error"]  # its name is not sent back whole
    assert unknown["code"] == p.METHOD_NOT_FOUND and len(unknown["message"]) < 120
    bad = raw.call("complete", {"path": "/x.py", "line": "two", "column": 1}, 5)
    assert bad["error"]["code"] == p.INVALID_PARAMS and "'line'" in bad["error"]["message"]
    rel = raw.call("refactor", {"path": "relative.py"}, 6)
    assert rel["error"]["code"] == p.INVALID_PARAMS and "absolute" in rel["error"]["message"]

    # JSON nested past the decoder's recursion limit, then a line over the size limit: each
    # gets its error, and the same connection goes on serving (once a RecursionError closed
    # it, and the oversized line reset it before the client could read why).
    deep = b"[" * 1000 + b"]" * 1000
    raw.send(b'{"jsonrpc":"2.0","method":"status","params":{"x":' + deep + b'},"id":7}')
    error = raw.read()["error"]
    assert error["code"] == p.PARSE_ERROR and "nested" in error["message"]
    huge = b'{"jsonrpc":"2.0","method":"status","params":{"x":"' + b"a" * 10_000_000 + b'"}}\n'
    raw.sock.sendall(huge)
    error = raw.read()["error"]
    assert error["code"] == p.INVALID_REQUEST and "over" in error["message"]
    # A lone surrogate as the id: once no answer could be encoded and the client waited on.
    raw.send(rb'{"jsonrpc":"2.0","method":"status","id":"\ud800"}')
    error = raw.read()["error"]
    assert error["code"] == p.PARSE_ERROR and "surrogate" in error["message"]
    # `$/cancel` is a notification; sent with an id, a request, it is answered all the same.
    assert raw.call("$/cancel", {"id": 99}, 9)["result"] == {"cancelled": False}
    assert raw.call("status", {}, 10)["result"]["pid"] == running
    raw.close()


# -- streaming, cancellation, shutdown -------------------------------------------------------


def test_cancel_mid_stream_stops_the_model(
    running: int, paths: RuntimePaths, cli: Cli, src: Path
) -> None:
    raw = Raw(paths.socket)
    raw.initialize()
    raw.send(p.encode_request("generate", {"prompt": COUNT, "stream": True}, 1))
    deltas = 0
    while deltas < 5:
        msg = raw.read()
        if msg.get("method") == "$/delta":
            deltas += 1
    other = Raw(paths.socket)  # control methods answer while the model generates
    status = other.call("status", {}, 9)["result"]
    other.close()
    assert [m["busy"] for m in status["models"]] == [True] and status["inflight"] == 1
    assert len(status["processing"]) == 1
    raw.send(p.encode_request("$/cancel", {"id": 1}))
    while "id" not in (msg := raw.read()) or msg.get("method"):
        deltas += 1
    assert msg["error"]["code"] == p.CANCELLED
    started = time.monotonic()
    done = raw.call("complete", {"path": str(src), "line": 5, "column": 1}, 2)
    assert "result" in done
    raw.close()
    [cancelled] = records(cli, status="cancelled")
    assert cancelled["type"] == "generate"
    assert cancelled["timings"]["completion_tokens"] <= deltas + 2
    [completed] = records(cli, type="completion")
    assert completed["timings"]["queue_seconds"] < 1.0  # not stuck behind the cancelled one
    assert time.monotonic() - started < 30


def test_disconnect_mid_stream_stops_the_model(running: int, paths: RuntimePaths, cli: Cli) -> None:
    raw = Raw(paths.socket)
    raw.initialize()
    raw.send(p.encode_request("generate", {"prompt": COUNT, "stream": True}, 1))
    for _ in range(3):
        assert raw.read().get("method") == "$/delta"
    raw.close()
    assert wait_for(lambda: bool(records(cli, status="cancelled")), 30)
    [cancelled] = records(cli, status="cancelled")
    assert cancelled["timings"]["completion_tokens"] < 40
    status = json.loads(cli("daemon", "status", "--json").stdout)
    assert not any(m["busy"] for m in status["models"])


def generating(paths: RuntimePaths) -> Raw:
    """A connection whose long streamed generation has sent its first delta."""
    raw = Raw(paths.socket)
    raw.initialize()
    raw.send(p.encode_request("generate", {"prompt": COUNT, "stream": True}, 1))
    assert raw.read().get("method") == "$/delta"
    return raw


def test_sigterm_during_generation_closes_the_journal_and_cleans_up(
    running: int, paths: RuntimePaths, cli: Cli
) -> None:
    raw = generating(paths)
    started = time.monotonic()
    os.kill(running, signal.SIGTERM)
    assert wait_for(lambda: not alive(running), 5.0), "the daemon took over 5 s to stop"
    assert time.monotonic() - started < 5.0
    while "id" not in (msg := raw.read()) or msg.get("method"):
        pass
    assert msg["error"]["code"] == p.CANCELLED
    # Said so: "the request was cancelled" read as if the user had stopped it.
    assert msg["error"]["message"].startswith("the daemon stopped (codesaga daemon stop")
    raw.close()
    assert not paths.socket.exists() and not paths.pid.exists()
    [record] = records(cli, type="generate")
    assert record["status"] == "cancelled" and record["finished_at"]


def test_kill_9_mid_request_leaves_no_request_in_progress(
    running: int, paths: RuntimePaths, cli: Cli
) -> None:
    raw = generating(paths)
    [processing] = records(cli, status="processing")  # this daemon is alive: left alone
    os.kill(running, signal.SIGKILL)
    assert wait_for(lambda: not alive(running), 10)
    raw.close()
    # Any reader of the journal, and the next daemon, sees it failed: nobody will finish it
    [record] = records(cli, type="generate")
    assert record["id"] == processing["id"] and record["status"] == "failed"
    assert "stopped before it finished" in record["error"]
    # When it died is not known; which model it ran on is (journaled as the model started).
    assert record["finished_at"] is None and record["model"] == "qwen2.5-coder-0.5b"
    assert cli("daemon", "start").returncode == 0
    listed = json.loads(cli("requests", "--json").stdout)["requests"]
    assert [r["status"] for r in listed] == ["failed"]  # once: no duplicate, nothing pending


# -- journal, cache, stats -----------------------------------------------------------------


def test_journal_states_cache_hits_and_stats(running: int, cli: Cli, tmp_path: Path) -> None:
    # A cursor with something to suggest: feedback on an empty one (which no editor shows)
    # counts for nothing.
    typing = tmp_path / "typing.py"
    typing.write_text("def add(a, b):\n    return \n\n\nprint(add(2, 3))\n")
    args = ("complete", str(typing), "--line", "2", "--column", "12", "--json")
    first = json.loads(cli(*args).stdout)
    second = json.loads(cli(*args).stdout)
    assert second["text"] == first["text"] and first["text"].strip()
    assert not first["usage"]["cached"] and second["usage"]["cached"]
    assert second["usage"]["prompt_tokens_evaluated"] == 0

    # Refused by the daemon before a model was chosen (a binary file is refused by the
    # command itself now, before a daemon is asked).
    assert cli("refactor", str(typing), "--lines", "40:50").returncode == 2

    by_id = {r["id"]: r for r in records(cli)}
    assert by_id[first["request_id"]]["status"] == "completed"
    assert by_id[second["request_id"]]["cached"] is True
    [failed] = records(cli, status="failed")
    assert failed["type"] == "refactor" and "out of range" in failed["error"]
    shown = json.loads(cli("requests", "show", first["request_id"], "--json").stdout)
    assert shown["output"] == first["text"] and shown["timings"]["prompt_tokens"] > 0

    raw = Raw(RuntimePaths(load_settings(cli.env).runtime_dir).socket)
    raw.initialize()
    assert raw.call("feedback", {"request_id": first["request_id"], "accepted": True}, 1)["result"]
    assert raw.call("feedback", {"request_id": second["request_id"], "accepted": False}, 2)
    raw.close()
    models = {m["model"]: m for m in json.loads(cli("stats", "--json").stdout)["models"]}
    assert list(models) == ["qwen2.5-coder-0.5b", None]  # the range: failed before a model
    assert models[None]["failed"] == models[None]["usage_count"] == 1
    model = models["qwen2.5-coder-0.5b"]
    assert model["usage_count"] == 2 and model["cached"] == 1
    assert model["accuracy"] == 0.5
    assert model["p95_seconds"] >= model["mean_seconds"] > 0
    text = cli("stats").stdout
    assert "qwen2.5-coder-0.5b" in text and "50%" in text


def test_config_change_reloads_roles_without_restart(
    cli: Cli, settings: Settings, small_model: Path
) -> None:
    env = {k: v for k, v in cli.env.items() if k != "CODESAGA_MODEL"}
    live = Cli(env, cli.cwd)
    proc = live("daemon", "start")
    assert proc.returncode == 0, proc.stderr
    try:
        pid = RuntimePaths(settings.runtime_dir).read_pid()
        config = settings.config_dir / "config.toml"
        # Written the moment `daemon start` returns, before its watch may be up: still applied
        config.write_text('model_fix = "qwen2.5-coder-0.5b"\n')
        log = settings.state_dir / "daemon.log"
        # The bound only ends a broken run; the reload itself is not raced against it
        assert wait_for(lambda: "config reloaded" in log.read_text(), 120)
        status = json.loads(live("daemon", "status", "--json").stdout)
        assert status["roles"]["fix"] == "qwen2.5-coder-0.5b"
        loaded = live("models", "load", "chat", "qwen2.5-coder-0.5b")
        assert loaded.returncode == 0, loaded.stderr
        status = json.loads(live("daemon", "status", "--json").stdout)
        assert status["roles"]["chat"] == "qwen2.5-coder-0.5b"
        assert status["pid"] == pid  # the same daemon, not a restart
        assert [m["model"] for m in status["models"]] == ["qwen2.5-coder-0.5b"]
    finally:
        stop_daemon(env)


def test_a_generated_answer_cut_off_at_max_tokens_says_so_and_its_code_is_not_printed(
    cli: Cli,
) -> None:
    # `generate --code > file.py` wrote a function cut off in its docstring, exit 0, and
    # nothing said the answer had run out of tokens.
    ask = "a Python function that parses ISO dates, with a long docstring"
    answer = cli("generate", ask, "--json", CODESAGA_MAX_TOKENS="16")
    assert answer.returncode == 0, answer.stderr
    result = json.loads(answer.stdout)
    assert result["finish_reason"] == "length" and result["usage"]["completion_tokens"] == 16
    assert any("cut off at 16 tokens" in w for w in result["warnings"])
    code = cli("generate", ask, "--code", CODESAGA_MAX_TOKENS="16")
    assert code.returncode == 3 and code.stdout == ""
    assert "the answer was cut off (at max_tokens" in code.stderr
    assert "codesaga requests show " in code.stderr
    whole = json.loads(cli("generate", "Say hi in Python", "--json").stdout)
    assert whole["finish_reason"] == "stop" and "warnings" not in whole
