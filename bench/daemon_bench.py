#!/usr/bin/env python3
"""Daemon benchmarks: ratios against a peer measured in the same run (not tests).

1. generation tokens/s through the daemon ÷ llama-cpp-python in-process, same prompt and model
   (target >= 0.97); ÷ llama-bench tg128 when a llama-bench binary is on PATH.
2. a warm `codesaga complete` round trip ÷ a cold in-process one (`--no-daemon`) (target <= 0.1).
3. a cached answer's round trip ÷ the time of one generated token (target <= 1).

Usage: python bench/daemon_bench.py [--runs N]. Uses a temporary CODESAGA_HOME and the
installed qwen2.5-coder-0.5b model (codesaga models pull qwen2.5-coder-0.5b).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from installed import installed_model

from codesaga.client.lifecycle import connect, stop_daemon
from codesaga.domain.prompts import generate_messages
from codesaga.settings import load_settings

MODEL = "qwen2.5-coder-0.5b"
PROMPT = "Write the numbers from 1 to 200 separated by commas, nothing else."
MAX_TOKENS = 128
SOURCE = "import math\n\n\ndef circle_area(r):\n    return \n\n\nprint(circle_area(2))\n"


def in_process_tokens_per_second(model_path: Path, threads: int) -> float:
    """The reference: llama-cpp-python's own streaming chat completion, greedy."""
    import llama_cpp

    llm = llama_cpp.Llama(
        model_path=str(model_path),
        n_ctx=8192,
        n_threads=threads,
        n_threads_batch=threads,
        verbose=False,
    )
    messages = [{"role": m.role, "content": m.content} for m in generate_messages(PROMPT, None)]
    stamps = []
    for _chunk in llm.create_chat_completion(
        messages=messages, max_tokens=MAX_TOKENS, temperature=0.0, stream=True
    ):
        stamps.append(time.perf_counter())
    llm.close()
    # the first chunk is the role header, the second the first token
    return (len(stamps) - 3) / (stamps[-1] - stamps[2])


def daemon_tokens_per_second(settings_env: dict[str, str]) -> float:
    """The same prompt through the daemon, timed at the client from first to last delta."""
    settings = load_settings(settings_env)
    stamps: list[float] = []
    with connect(settings) as client:
        result = client.call(
            "generate",
            {"prompt": PROMPT, "stream": True},
            on_delta=lambda _text: stamps.append(time.perf_counter()),
        )
    done = time.perf_counter()
    tokens = result["usage"]["completion_tokens"]
    return (tokens - 1) / (done - stamps[0])


def wall(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {proc.stderr.strip()}")
    return elapsed


def llama_bench_tg128(model_path: Path, threads: int) -> float | None:
    exe = shutil.which("llama-bench")
    if exe is None:
        return None
    out = subprocess.run(
        [exe, "-m", str(model_path), "-p", "0", "-n", "128", "-t", str(threads), "-o", "csv"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    rows = [line.split(",") for line in out.splitlines()[1:] if line.strip()]
    return float(rows[-1][-2].strip('"')) if rows else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each timing")
    args = parser.parse_args()

    real = load_settings()
    model_path = installed_model(real, MODEL)
    threads = real.threads
    exe = str(Path(sys.executable).with_name("codesaga"))

    with tempfile.TemporaryDirectory(prefix="codesaga-bench-") as tmp:
        work = Path(tmp)
        (work / "circle.py").write_text(SOURCE)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CODESAGA_")}
        env.update(
            CODESAGA_HOME=str(work / "home"),
            CODESAGA_MODELS_DIR=str(real.models_dir),
            CODESAGA_MODEL=MODEL,
            CODESAGA_MAX_TOKENS=str(MAX_TOKENS),
            CODESAGA_CACHE_RESPONSES="0",
            CODESAGA_N_THREADS=str(threads),  # as the in-process peer; else every core
        )
        os.environ.clear()
        os.environ.update(env)  # the daemon this process starts inherits these settings
        try:
            # 1. generation speed, alternating so drift hits both sides alike
            direct, daemon = [], []
            daemon_tokens_per_second(env)  # start and warm the daemon
            for _ in range(args.runs):
                direct.append(in_process_tokens_per_second(model_path, threads))
                daemon.append(daemon_tokens_per_second(env))
            d_med, i_med = statistics.median(daemon), statistics.median(direct)
            print(
                f"generation: daemon {d_med:.1f} tok/s, llama-cpp-python in-process "
                f"{i_med:.1f} tok/s -> ratio {d_med / i_med:.3f} (target >= 0.97)"
            )
            bench = llama_bench_tg128(model_path, threads)
            if bench is None:
                print("generation vs llama-bench tg128: skipped (no llama-bench on PATH)")
            else:
                print(
                    f"generation vs llama-bench tg128 {bench:.1f} tok/s -> ratio "
                    f"{d_med / bench:.3f} (the binding alone reaches about 0.8)"
                )

            # 2. warm daemon round trip vs a cold in-process one-shot
            # Each run a file of its own: the same request again came from the completer's
            # in-memory cache (CODESAGA_CACHE_RESPONSES is the disk cache), not the model.
            def complete(n: int, *how: str) -> float:
                name = f"circle_{n}.py"
                (work / name).write_text(f"# run {n}\n{SOURCE}")
                return wall(
                    [exe, *how, "complete", name, "--line", "6", "--column", "12"], env, work
                )

            warm = [complete(n) for n in range(args.runs)]
            cold = [complete(args.runs + n, "--no-daemon") for n in range(max(2, args.runs // 2))]
            w_med, c_med = statistics.median(warm), statistics.median(cold)
            startup = statistics.median(wall([exe, "--version"], env, work) for _ in warm)
            print(
                f"complete round trip: warm daemon {w_med * 1000:.0f} ms (starting the command "
                f"alone: {startup * 1000:.0f} ms), cold in-process {c_med * 1000:.0f} ms -> "
                f"ratio {w_med / c_med:.3f} (target <= 0.1)"
            )
        finally:
            stop_daemon(load_settings(env))

        # 3. a cached answer vs one generated token
        env["CODESAGA_CACHE_RESPONSES"] = os.environ["CODESAGA_CACHE_RESPONSES"] = "1"
        settings = load_settings(env)
        params = {"path": str(work / "circle.py"), "line": 5, "column": 12}
        try:
            with connect(settings) as client:
                first = client.call("complete", params)
                usage = first["usage"]
                per_token = usage["generation_seconds"] / max(1, usage["completion_tokens"] - 1)
                hits = []
                for _ in range(args.runs * 4):
                    started = time.perf_counter()
                    again = client.call("complete", params)
                    hits.append(time.perf_counter() - started)
                    assert again["usage"]["cached"], "expected a cache hit"
            h_med = statistics.median(hits)
            print(
                f"cached answer: round trip {h_med * 1000:.2f} ms, one generated token "
                f"{per_token * 1000:.2f} ms -> ratio {h_med / per_token:.3f} (target <= 1)"
            )
        finally:
            stop_daemon(settings)


if __name__ == "__main__":
    main()
