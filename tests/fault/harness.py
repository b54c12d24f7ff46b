"""Fault scenarios, each a function that runs N trials and returns its figure.

The bounded forms run in CI (tests/fault/test_*.py); bench/fault_bench.py runs the same
functions with the full trial counts. A kill here is SIGKILL at a random moment (seeded, so
a failing trial can be replayed), not at a step the code announces: the point is to find the
moments nobody thought of.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from codesaga.engine.llama_cpp import llama_server_args

CODESAGA = str(Path(sys.executable).with_name("codesaga"))


@dataclass
class Figure:
    """What a scenario measured: trials run, failures (each with its seed), and counts."""

    name: str
    trials: int = 0
    failures: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        return f"{self.name}: {self.trials} trials, {len(self.failures)} failed ({counts})"


def kill_at_random(cmd: list[str], *, within: float, rng: random.Random, **kwargs: object) -> int:
    """Run ``cmd`` and SIGKILL it at a uniformly random moment in [0, within] seconds, unless
    it ends first. Returns its exit code (-9 when killed)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)  # type: ignore[call-overload]
    try:
        proc.wait(rng.uniform(0, within))
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
    proc.communicate()
    return int(proc.returncode)


def timed(cmd: list[str], **kwargs: object) -> float:
    started = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True, **kwargs)  # type: ignore[call-overload]
    return time.monotonic() - started


def recover_and_judge(
    figure: Figure,
    env: dict[str, str],
    code: int,
    state: Callable[[], object],
    allowed: dict[str, object],
    trial: str,
) -> None:
    """Run `codesaga saga recover`, then count which allowed state the files are in; any
    other state (or a failing recover) is a failure."""
    recovered = subprocess.run(
        [CODESAGA, "saga", "recover"], env=env, capture_output=True, text=True, check=False
    )
    now = state()
    outcome = next((name for name, wanted in allowed.items() if now == wanted), "other")
    figure.trials += 1
    figure.counts[f"{'killed' if code == -9 else 'finished'}→{outcome}"] += 1
    if outcome == "other" or recovered.returncode != 0:
        figure.failures.append(f"{trial}: {outcome}, recover: {recovered.stderr}")


# -- sagas: a multi-file refactor with --verify, killed ----------------------------------------

# The saga as the CLI runs it, with a scripted rewrite instead of the model
from tests.unit.test_saga import RUNNER as SAGA_RUNNER  # noqa: E402

SAGA_FILES = {
    f"m{i}.py": (
        f"def f{i}(a, b):\r\n    return a + b\r\n"
        if i % 2
        else f"def f{i}(a, b):\n    return a * b"
    )
    for i in range(4)
}


def saga_kills(trials: int, workdir: Path, seed: int = 1) -> Figure:
    """A four-file refactor with a verify command, killed at random; then `codesaga saga
    recover`. Every file must be all old or all new, and all of them the same one."""
    figure = Figure("saga killed mid-refactor")
    home = workdir / "home"
    env = {**os.environ, "CODESAGA_HOME": str(home)}
    store = home / "state" / "sagas"
    verify = f'"{sys.executable}" -c "import time; time.sleep(0.05)"'

    def fresh() -> list[Path]:
        src = workdir / "src"
        shutil.rmtree(src, ignore_errors=True)
        src.mkdir(parents=True)
        paths = []
        for name, text in SAGA_FILES.items():
            (src / name).write_bytes(text.encode())
            paths.append(src / name)
        return paths

    cmd = [sys.executable, "-c", SAGA_RUNNER, str(store), verify]
    paths = fresh()
    duration = timed([*cmd, *map(str, paths)], env=env)
    new = {p.name: p.read_bytes() for p in paths}
    old = {name: text.encode() for name, text in SAGA_FILES.items()}
    for trial in range(trials):
        rng = random.Random(seed * 100_003 + trial)
        paths = fresh()
        code = kill_at_random([*cmd, *map(str, paths)], within=duration * 1.2, rng=rng, env=env)
        recover_and_judge(
            figure,
            env,
            code,
            # the whole folder: a temp file left beside the files is a failure too
            lambda: {p.name: p.read_bytes() for p in sorted((workdir / "src").iterdir())},
            {"old": old, "new": new},
            f"seed {seed}/{trial}",
        )
    return figure


# -- the pre-commit hook, killed ---------------------------------------------------------------

HOOK_RUNNER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from codesaga.saga import hook
    from codesaga.saga.log import SagaStore
    state = Path(os.environ["CS_STATE"])
    def rewrite(path, text, seconds_left):
        return text.replace("(values):", "(values: list[float]):")
    hook.run(hook.repo_root(), "apply", ["*.py"], rewrite, store=SagaStore(state / "sagas"),
        patches=state / "hook-patches", max_bytes=1 << 20, budget_seconds=60, say=lambda m: None)
    """
)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


def make_repo(root: Path) -> Path:
    """A repository with every kind of change a commit can hold: staged, unstaged, partially
    staged, binary, CRLF, renamed, added and deleted files."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    for key, value in (("user.email", "ada@example.com"), ("user.name", "Ada")):
        git(root, "config", key, value)
    git(root, "config", "commit.gpgsign", "false")
    files = {
        "partial.py": b"def total(values):\n    return sum(values)\n",
        "staged.py": b"def mean(values):\n    return sum(values) / len(values)\n",
        "unstaged.py": b"def peak(values):\n    return max(values)\n",
        "crlf.py": b"def low(values):\r\n    return min(values)\r\n",
        "old_name.py": b"def span(values):\n    return max(values) - min(values)\n",
        "gone.py": b"def nothing(values):\n    return None\n",
        "image.bin": bytes(range(256)) * 4,
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base", "--no-verify")
    # Staged: a new function and notes; unstaged on top: a note past the refactor's reach
    # (its diff context must not touch a line the rewrite changes, or it rightly conflicts)
    notes = b"".join(b"# note %d\n" % i for i in range(8))
    (root / "partial.py").write_bytes(
        files["partial.py"] + b"\n\ndef one(values):\n    return 1\n" + notes
    )
    git(root, "add", "partial.py")
    with (root / "partial.py").open("ab") as f:
        f.write(b"# an unstaged note\n")
    (root / "staged.py").write_bytes(
        files["staged.py"] + b"\n\ndef half(values):\n    return 0.5\n"
    )
    git(root, "add", "staged.py")
    (root / "unstaged.py").write_bytes(files["unstaged.py"] + b"# not staged\n")
    (root / "crlf.py").write_bytes(files["crlf.py"] + b"\r\ndef top(values):\r\n    return 9\r\n")
    git(root, "add", "crlf.py")
    git(root, "mv", "old_name.py", "new_name.py")
    (root / "added.py").write_bytes(b"def added(values):\n    return values\n")
    git(root, "add", "added.py")
    git(root, "rm", "-q", "gone.py")
    (root / "image.bin").write_bytes(bytes(reversed(range(256))) * 4)
    git(root, "add", "image.bin")
    return root


def repo_state(repo: Path) -> tuple[dict[str, str], str]:
    """The work tree (each file's sha256) and the index (mode, blob hash, stage, path)."""
    tree = {
        str(p.relative_to(repo)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }
    return tree, git(repo, "ls-files", "--stage")


def hook_kills(trials: int, workdir: Path, seed: int = 1) -> Figure:
    """The hook (apply mode, a scripted rewrite) killed at random, then `codesaga saga
    recover`: the work tree and the index must be as before the commit, byte for byte (or,
    if the hook had finished, as an uninterrupted run leaves them)."""
    figure = Figure("pre-commit hook killed")
    home = workdir / "home"
    env = {**os.environ, "CODESAGA_HOME": str(home), "CS_STATE": str(home / "state")}
    repo = make_repo(workdir / "repo")
    before = repo_state(repo)
    duration = timed([sys.executable, "-c", HOOK_RUNNER], cwd=repo, env=env)
    after = repo_state(repo)
    assert after != before, "the scripted rewrite changed nothing: the scenario tests nothing"
    for trial in range(trials):
        rng = random.Random(seed * 100_003 + trial)
        repo = make_repo(workdir / "repo")
        cmd = [sys.executable, "-c", HOOK_RUNNER]
        code = kill_at_random(cmd, within=duration * 1.2, rng=rng, cwd=repo, env=env)
        recover_and_judge(
            figure,
            env,
            code,
            lambda repo=repo: repo_state(repo),  # type: ignore[misc]
            {"before": before, "after": after},
            f"seed {seed}/{trial}",
        )
    return figure


# -- stores ----------------------------------------------------------------------------------


def corrupt_stores(home: Path) -> list[str]:
    """Every diskcache database under ``home`` that SQLite finds damaged."""
    bad = []
    for db in home.rglob("cache.db"):
        with sqlite3.connect(db) as conn:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            bad.append(f"{db}: {result}")
    return bad


# -- the daemon, killed ------------------------------------------------------------------------


def daemon_env(home: Path, models_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODESAGA_")}
    env.update(
        CODESAGA_HOME=str(home),
        CODESAGA_MODELS_DIR=str(models_dir),
        CODESAGA_MODEL="qwen2.5-coder-0.5b",
        CODESAGA_MAX_TOKENS="24",
    )
    return {**env, **extra}


def cli(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CODESAGA, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


class Workload:
    """Requests a user would make, one after another on one connection, until the daemon
    dies: chat turns (each acknowledged one remembered), new and cached generations,
    control calls. ``doing`` says what was in flight."""

    def __init__(self, env: dict[str, str], trial: int) -> None:
        import threading

        from codesaga.settings import load_settings

        self.settings = load_settings(env)
        self.trial = trial
        self.doing = "idle"
        self.acknowledged: list[tuple[str, str]] = []  # (session, message) answered
        self.errors: list[str] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self) -> None:
        self._thread.join(30)

    def _run(self) -> None:
        from codesaga.client.lifecycle import connect
        from codesaga.domain.errors import CodeSagaError

        rng = random.Random(self.trial)
        try:
            client = connect(self.settings, start=False)
        except (CodeSagaError, OSError):
            return
        try:
            session = client.call("sessions/open", {"name": "fault"})["id"]
            for step in range(1000):
                op = rng.choice(["chat", "chat", "generate", "cached", "control", "idle"])
                self.doing = op
                if op == "chat":
                    message = f"trial {self.trial} step {step}: name one Python keyword."
                    client.call("chat", {"session": session, "message": message, "stream": True})
                    self.acknowledged.append((session, message))
                elif op == "generate":
                    prompt = f"Write a Python constant named N{step} equal to {step}."
                    client.call("generate", {"prompt": prompt, "stream": True})
                elif op == "cached":
                    client.call("generate", {"prompt": "Write x = 1 in Python."})
                elif op == "control":
                    client.call("status", {})
                    client.call("requests/list", {"limit": 5})
                else:
                    time.sleep(rng.uniform(0.2, 1.0))  # the user reads; the daemon waits
                self.doing = "idle"
        except (CodeSagaError, OSError, ValueError):
            pass  # the daemon died under us: that is the point
        finally:
            client.close()


def daemon_kills(trials: int, workdir: Path, models_dir: Path, seed: int = 1) -> Figure:
    """The daemon SIGKILLed at a random moment under a workload. After each kill: the next
    command works, no request is left in progress, every chat turn the client was told of
    is still in its session, and every store passes SQLite's integrity check."""
    from codesaga.protocol.runtime import RuntimePaths
    from codesaga.settings import load_settings

    figure = Figure("daemon killed under load")
    env = daemon_env(workdir / "home", models_dir)
    paths = RuntimePaths(load_settings(env).runtime_dir)
    acknowledged: list[tuple[str, str]] = []
    try:
        for trial in range(trials):
            rng = random.Random(seed * 100_003 + trial)
            started = cli(env, "daemon", "start")
            pid = paths.read_pid()
            if started.returncode != 0 or pid is None:
                figure.failures.append(f"seed {seed}/{trial}: no daemon: {started.stderr}")
                continue
            work = Workload(env, trial)
            work.start()
            time.sleep(rng.uniform(0, 6))
            figure.counts[work.doing] += 1
            os.kill(pid, signal.SIGKILL)
            work.join()
            acknowledged += work.acknowledged
            figure.trials += 1
            problems = _after_a_kill(env, acknowledged, workdir / "home")
            figure.failures += [f"seed {seed}/{trial}: {p}" for p in problems]
    finally:
        cli(env, "daemon", "stop")
    return figure


def _after_a_kill(
    env: dict[str, str], acknowledged: list[tuple[str, str]], home: Path
) -> list[str]:
    import json

    problems = corrupt_stores(home)
    listed = cli(env, "requests", "--limit", "1000", "--json")  # starts the next daemon
    if listed.returncode != 0:
        return [*problems, f"requests failed: {listed.stderr.strip()}"]
    stuck = [
        r["id"]
        for r in json.loads(listed.stdout)["requests"]
        if r["status"] in ("pending", "processing")
    ]
    if stuck:
        problems.append(f"left in progress: {stuck}")
    if acknowledged:
        shown = cli(env, "sessions", "show", "fault", "--json")
        if shown.returncode != 0:
            return [*problems, f"sessions show failed: {shown.stderr.strip()}"]
        turns = json.loads(shown.stdout)["turns"]
        asked = {t["content"] for t in turns if t["role"] == "user"}
        answered = [t for t in turns if t["role"] == "assistant" and not t.get("interrupted")]
        lost = [m for _, m in acknowledged if m not in asked]
        if lost or len(answered) < len(acknowledged):
            problems.append(f"acknowledged turns lost: {lost or 'an answer'}")
    after = cli(env, "generate", "Write y = 2 in Python.", "--json")
    if after.returncode != 0:
        problems.append(f"the next command failed: {after.stderr.strip()}")
    return problems


def start_races(trials: int, clients: int, workdir: Path, models_dir: Path) -> Figure:
    """``clients`` commands at once against no daemon: exactly one daemon, every command
    answered, every time."""
    from tests.integration.test_daemon import daemon_pids

    figure = Figure(f"start race of {clients} clients")
    for trial in range(trials):
        home = workdir / f"race-{trial}"
        env = daemon_env(home, models_dir)
        procs = [
            subprocess.Popen(
                [CODESAGA, "stats", "--json"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for _ in range(clients)
        ]
        failed = [p.stderr.read().decode() for p in procs if p.wait(300) != 0 and p.stderr]
        for p in procs:
            if p.stderr:
                p.stderr.close()
        daemons = daemon_pids(str(home))
        figure.trials += 1
        figure.counts[f"{len(daemons)} daemon(s)"] += 1
        if len(daemons) != 1 or failed:
            figure.failures.append(
                f"trial {trial}: {len(daemons)} daemons, {len(failed)} failed: {failed[:1]}"
            )
        cli(env, "daemon", "stop")
    return figure


# -- an upstream killed mid-stream --------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_llama_server(
    model: Path, log: Path, binary: str | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """An OpenAI-compatible server on loopback: llama.cpp's own ``binary`` (llama-server)
    when given, else llama-cpp-python's (its [server] extra)."""
    import httpx

    port = free_port()
    with log.open("ab") as out:
        proc = _popen_server(model, port, out, binary)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    proc.wait()
    raise RuntimeError(f"llama_cpp.server did not start; see {log}")


def _popen_server(
    model: Path, port: int, out: object, binary: str | None
) -> subprocess.Popen[bytes]:
    threads = str(os.cpu_count() or 1)
    if binary is not None:
        return subprocess.Popen(
            [
                binary,
                "-m",
                str(model),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "-c",
                "2048",
                "-t",
                threads,
                *llama_server_args(),
            ],
            stdout=out,  # type: ignore[arg-type]
            stderr=subprocess.STDOUT,
        )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--n_threads",
            str(os.cpu_count() or 1),
        ],
        stdout=out,  # type: ignore[arg-type]
        stderr=subprocess.STDOUT,
    )


UPSTREAM_PROMPT = "Count from 1 to 40 in Python comments."


def upstream_kills(
    trials: int, workdir: Path, models_dir: Path, seed: int = 1, binary: str | None = None
) -> Figure:
    """A streamed generation served by a real upstream whose server is SIGKILLed at a
    random moment (before its first token or mid-stream): the daemon fails over to the warm
    local model or fails cleanly, within 1 s of the kill, and journals the request once."""
    import json
    import threading

    from codesaga.model_files.presets import PRESETS
    from codesaga.model_files.store import ModelStore

    figure = Figure(f"upstream ({'llama-server' if binary else 'llama_cpp.server'}) killed")
    model = ModelStore(models_dir).path_for(PRESETS["qwen2.5-coder-0.5b"])
    home = workdir / "home"
    server: subprocess.Popen[bytes] | None = None
    try:
        for trial in range(trials):
            rng = random.Random(seed * 100_003 + trial)
            server, url = start_llama_server(model, workdir / "server.log", binary)
            env = daemon_env(home, models_dir, CODESAGA_UPSTREAM_URL=url, CODESAGA_MAX_TOKENS="64")
            cli(env, "daemon", "restart")  # the upstream's URL changed
            # The local model warm, as on a laptop in use: failing over must not wait for a
            # load (-m naming a local model skips the upstream)
            cli(env, "generate", f"x = {trial} in Python", "-m", "qwen2.5-coder-0.5b")
            events: list[tuple[float, str]] = []
            outcome: dict[str, object] = {}
            asking = threading.Thread(target=_ask, args=(env, events, outcome))
            asking.start()
            time.sleep(rng.uniform(0, 1.5))
            killed_at = time.monotonic()
            streamed = len(events)
            server.send_signal(signal.SIGKILL)
            server.wait()
            asking.join(120)
            figure.trials += 1
            after = [at for at, _ in events[streamed:]]
            reacted = min([*after[:1], float(outcome.get("at", killed_at + 999))]) - killed_at
            result = outcome.get("result")
            served_by = result["model"] if isinstance(result, dict) else "error"
            kind = (
                "failed over"
                if served_by == "qwen2.5-coder-0.5b"
                else "served"
                if result
                else "failed cleanly"
            )
            figure.counts[f"{'mid-stream' if streamed else 'before output'}: {kind}"] += 1
            listed = cli(env, "requests", "--type", "generate", "--limit", "1000", "--json")
            asked = [
                r
                for r in json.loads(listed.stdout)["requests"]
                if r["input"].get("prompt") == UPSTREAM_PROMPT
            ]
            problems = []
            if reacted > 1.0 and kind != "served":
                problems.append(f"took {reacted:.2f} s after the kill")
            if len(asked) != trial + 1 or any(
                r["status"] in ("pending", "processing") for r in asked
            ):
                problems.append(f"journal: {[r['status'] for r in asked]}")
            figure.failures += [f"seed {seed}/{trial}: {p}" for p in problems]
    finally:
        if server is not None and server.poll() is None:  # a trial failed before its kill
            server.kill()
            server.wait()
        cli(daemon_env(home, models_dir), "daemon", "stop")
    return figure


def _ask(env: dict[str, str], events: list[tuple[float, str]], outcome: dict[str, object]) -> None:
    """A streamed generation through the daemon: its deltas (timed) and how it ended."""
    from codesaga.client.lifecycle import connect
    from codesaga.domain.errors import CodeSagaError
    from codesaga.settings import load_settings

    client = connect(load_settings(env), start=False)
    try:
        outcome["result"] = client.call(
            "generate",
            {"prompt": UPSTREAM_PROMPT, "stream": True},
            on_delta=lambda text: events.append((time.monotonic(), text)),
        )
    except CodeSagaError as exc:
        outcome["error"] = str(exc)
    finally:
        outcome["at"] = time.monotonic()
        client.close()


# -- fuzz: handshakes --------------------------------------------------------------------------

ALLOWED_ORIGINS = ["vscode-webview://0a1b2c3d", "vscode-file://vscode-app"]


def _host_forms(port: int) -> list[tuple[str, bool]]:
    good = ["127.0.0.1", "localhost", "[::1]", "127.8.9.10", "LOCALHOST", "localhost."]
    bad = [
        "[::1].evil.com",
        "[::1]evil",
        "[::1]:80.evil.com",
        "127.0.0.1.evil.com",
        "evil.com",
        "",
        "0.0.0.0",
        "[::]",
        "10.0.0.1",
        "127.0.0.1 evil",
        "user@localhost",
        "::1",
        "localhost.evil.com",
        "[::1",
        "127.0.0.1:x",
        "127.0.0.1:80:80",
        "[fe80::1]",
        "xn--localhost",
        "local host",
    ]
    forms = [(h, True) for h in good] + [(f"{h}:{port}", True) for h in good]
    return forms + [(h, False) for h in bad] + [(f"{h}:{port}", False) for h in bad[:8]]


def _auth_forms(token: str) -> list[tuple[str, bool]]:
    return [
        (f"Bearer {token}", True),
        (f"bearer {token}", True),
        (f"BEARER {token}", True),
        (f"Bearer {token}x", False),
        (f"Bearer {token[:-1]}", False),
        ("Bearer wrong", False),
        (f"Basic {token}", False),
        (token, False),
        ("Bearer", False),
        ("Bearer ", False),
        (f"Token {token}", False),
        (f"Bearer {token.upper()}", token == token.upper()),
        # The token shown, not given (docs/protocol.md): an HMAC of the nonce under it.
        (f"CodeSaga n0nce.{_mac(token, 'client:n0nce')}", True),
        (f"codesaga n0nce.{_mac(token, 'client:n0nce')}", True),
        (f"CodeSaga other.{_mac(token, 'client:n0nce')}", False),
        (f"CodeSaga n0nce.{_mac(token, 'daemon:n0nce')}", False),
        (f"CodeSaga n0nce{_mac(token, 'client:n0nce')}", False),
        ("CodeSaga ", False),
    ]


def _mac(token: str, message: str) -> str:
    """HMAC-SHA256 of ``message`` under ``token``, base64url unpadded: worked out here from
    the protocol's words, not by the daemon's own function."""
    import base64
    import hashlib
    import hmac

    digest = hmac.new(token.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _origin_forms() -> list[tuple[str | None, bool]]:
    return [
        (None, True),
        (ALLOWED_ORIGINS[0], True),
        (ALLOWED_ORIGINS[1], True),
        ("", False),
        ("null", False),
        ("https://evil.com", False),
        ("vscode-webview://0a1b.evil.com", False),
        ("vscode-file://vscode-app.evil", False),
        ("http://localhost", False),
        (" vscode-file://vscode-app", True),  # whitespace around a value is not part of it
    ]


@dataclass
class Handshake:
    request: bytes
    allowed: bool  # what the rules say, worked out from the parts, not by our own checker
    label: str


def handshakes(n: int, port: int, token: str, websocket: bool, seed: int) -> list[Handshake]:
    """``n`` generated requests: every part drawn from good and bad forms, some parts
    missing or doubled, some headers oversized, some HTTP/1.0."""
    rng = random.Random(seed)
    hosts, auths, origins = _host_forms(port), _auth_forms(token), _origin_forms()
    out = []
    for _ in range(n):
        allowed, parts = True, []
        version = rng.choice(["HTTP/1.1"] * 9 + ["HTTP/1.0"])
        if websocket and version == "HTTP/1.0":
            allowed = False  # the WebSocket handshake is HTTP/1.1's
        target = rng.choice(["/", f"/?token={token}"]) if websocket else "/v1/models"
        headers: list[tuple[str, str]] = []
        for name, forms in (("Host", hosts), ("Authorization", auths), ("Origin", origins)):
            count = rng.choices([0, 1, 2], weights=[1, 12, 1])[0]
            if name == "Origin" and count == 0:
                count = 1  # drawing None stands for "absent" already
            drawn = [rng.choice(forms) for _ in range(count)]
            values = [(v, ok) for v, ok in drawn if v is not None]
            if count == 0 and name != "Origin":
                allowed = False
            if len(values) > 1:
                allowed = False
            allowed = allowed and all(ok for _, ok in drawn)
            headers += [(name, v) for v, _ in values]
            parts.append(f"{name}×{len(values)}")
        if rng.random() < 0.04:
            size = rng.choice([4_000, 70_000, 200_000])
            headers.append(("X-Padding", "a" * size))
            if size > 64 * 1024:
                allowed = False  # past both servers' header limits
                parts.append("oversized")
        if websocket:
            headers += [
                ("Upgrade", "websocket"),
                ("Connection", "Upgrade"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                ("Sec-WebSocket-Version", "13"),
            ]
        rng.shuffle(headers)
        head = f"GET {target} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
        out.append(Handshake((head + "\r\n").encode("latin-1"), allowed, " ".join(parts)))
    return out


def _status_of(port: int, request: bytes) -> int | None:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        with contextlib.suppress(OSError):  # refused while still sending an oversized header
            sock.sendall(request)
        data = b""
        try:
            while b"\r\n" not in data and (chunk := sock.recv(4096)):
                data += chunk
        except OSError:
            pass
    try:
        return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else None
    except (IndexError, ValueError):
        return None


def handshake_fuzz(n: int, ports: dict[str, int], token: str, seed: int = 1) -> Figure:
    """Generated handshakes against the WebSocket and the HTTP API. Failures: a request the
    rules refuse was let in, or anything was answered with a 5xx."""
    figure = Figure("handshake fuzz")
    for name, port in ports.items():
        websocket = name == "websocket"
        for case in handshakes(n, port, token, websocket, seed):
            status = _status_of(port, case.request)
            let_in = status == 101 if websocket else status == 200
            figure.trials += 1
            figure.counts[f"{name} {status}"] += 1
            if let_in and not case.allowed:
                figure.failures.append(f"{name} let in: {case.label}: {case.request[:300]!r}")
            elif status is not None and status >= 500 and status not in (503, 505):
                # 503 (busy) and 505 (HTTP/1.0 on the WebSocket) are refusals, not faults
                figure.failures.append(f"{name} answered {status}: {case.label}")
            elif not let_in and case.allowed:
                figure.counts["refused though allowed"] += 1
    return figure
