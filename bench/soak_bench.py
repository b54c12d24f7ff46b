#!/usr/bin/env python3
"""Load and soak: many clients at once against one daemon on the 0.5B model (not a test).

64 clients (threads, each with its own connection) for --minutes, each looping over a mix a
team would make: completions in its own file (typing: the text grows), chat turns in its own
session, and control calls (status, requests, stats, sessions). Reports:
  errors          anything but `busy` (retried after a pause, as the CLI does) -> target 0
  control p99     control calls' p99 while generations run ÷ the 50 ms limit -> target <= 1
  memory, fds     the daemon's RSS and open descriptors, after warm-up and at the end
                  -> end ÷ warm-up <= 1.2 (flat)

Usage: python bench/soak_bench.py [--clients 64] [--minutes 10]
Uses a temporary CODESAGA_HOME and the installed qwen2.5-coder-0.5b.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from installed import installed_model

from codesaga.client.lifecycle import connect, stop_daemon
from codesaga.domain.errors import BusyError, CodeSagaError
from codesaga.protocol.runtime import RuntimePaths
from codesaga.settings import Settings, load_settings

SOURCE = "import math\n\n\ndef area(r):\n    return math.pi * r * r\n\n\ndef perimeter(r):\n"
CONTROL = ["status", "requests/list", "stats", "sessions/list"]
PROBE = """
import sys, time
from codesaga.client.lifecycle import connect
from codesaga.settings import load_settings
client = connect(load_settings(), start=False)
until = time.monotonic() + float(sys.argv[1]) - 5
while time.monotonic() < until:
    started = time.monotonic()
    client.call("status", {})
    print(time.monotonic() - started, flush=True)
    time.sleep(0.1)
"""


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.control: dict[str, list[float]] = {name: [] for name in CONTROL}
        self.busy = 0
        self.done = 0
        self.errors: list[str] = []

    def add(self, field: str, value: object) -> None:
        with self.lock:
            if field == "control":
                method, seconds = value  # type: ignore[misc]
                self.control[method].append(seconds)
            elif field == "error":
                self.errors.append(str(value))
            else:
                setattr(self, field, getattr(self, field) + 1)


def client_loop(settings: Settings, n: int, until: float, tally: Tally, workdir: Path) -> None:
    rng = random.Random(n)
    source = workdir / f"client{n}.py"
    source.write_text(SOURCE)
    client = connect(settings)
    session = client.call("sessions/open", {"name": f"soak-{n}"})["id"]
    try:
        while time.monotonic() < until:
            op = rng.choices(["complete", "chat", "control"], weights=[5, 1, 4])[0]
            try:
                if op == "control":
                    method = rng.choice(CONTROL)
                    started = time.monotonic()
                    client.call(method, {"limit": 5} if method == "requests/list" else {})
                    tally.add("control", (method, time.monotonic() - started))
                elif op == "complete":
                    text = source.read_text() + rng.choice(["    ", "    return ", "\n"])
                    source.write_text(text)
                    lines = text.split("\n")
                    client.call(
                        "complete",
                        {"path": str(source), "line": len(lines), "column": len(lines[-1]) + 1},
                    )
                else:
                    message = f"In one line: what does {rng.choice(['zip', 'map', 'any'])} do?"
                    client.call("chat", {"session": session, "message": message})
                tally.add("done", 1)
            except BusyError:
                tally.add("busy", 1)
                time.sleep(rng.uniform(0.2, 0.6))  # the CLI's busy-retry, in short
            except CodeSagaError as exc:
                tally.add("error", f"{op}: {exc}")
    finally:
        client.close()


def p99_of(seconds: list[float]) -> float:
    return statistics.quantiles(seconds, n=100)[98] if len(seconds) > 1 else 0.0


def daemon_usage(pid: int) -> tuple[int, int]:
    """(RSS in KiB, open descriptors) of the daemon."""
    rss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    models_dir = load_settings().models_dir
    installed_model(load_settings(), "qwen2.5-coder-0.5b")
    with tempfile.TemporaryDirectory(prefix="codesaga-soak-") as tmp:
        env = {
            "CODESAGA_HOME": str(Path(tmp) / "home"),
            "CODESAGA_MODELS_DIR": str(models_dir),
            "CODESAGA_MODEL": "qwen2.5-coder-0.5b",
            "CODESAGA_MAX_TOKENS": "32",
            "CODESAGA_COMPLETION_MAX_TOKENS": "16",
        }
        os.environ.update(env)
        settings = load_settings()
        connect(settings).close()
        pid = RuntimePaths(settings.runtime_dir).read_pid()
        assert pid is not None
        tally = Tally()
        until = time.monotonic() + args.minutes * 60
        threads = [
            threading.Thread(target=client_loop, args=(settings, n, until, tally, Path(tmp)))
            for n in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        # The control latency a user sees: a separate process (the clients' threads share
        # this one's GIL, which would count their time against the daemon)
        probe = subprocess.Popen(
            [sys.executable, "-c", PROBE, str(args.minutes * 60)], stdout=subprocess.PIPE, text=True
        )
        samples = []
        while any(t.is_alive() for t in threads):
            samples.append(daemon_usage(pid))
            time.sleep(5)
        for thread in threads:
            thread.join()
        probed = [float(x) for x in probe.communicate()[0].split()]
        stop_daemon(settings)
    warm = samples[min(len(samples) - 1, max(1, len(samples) // 5))]  # after a fifth
    end = samples[-1]
    every = [s for seconds in tally.control.values() for s in seconds]
    p99 = p99_of(every)
    print(f"{args.clients} clients for {args.minutes:g} min: {tally.done} requests answered")
    print(f"  errors (not busy)     {len(tally.errors)}   busy, retried: {tally.busy}")
    for error in tally.errors[:5]:
        print(f"    {error}")
    alone = p99_of(probed)
    print(
        f"  control p99           {alone * 1000:.1f} ms  ÷ 50 ms = {alone / 0.05:.2f}"
        f"  (target <= 1; status from its own process, {len(probed)} calls)"
    )
    print(f"  control p99 in-bench  {p99 * 1000:.1f} ms  (64 threads sharing one GIL)")
    for method, seconds in tally.control.items():
        print(f"    {method:<20}{p99_of(seconds) * 1000:.1f} ms p99 of {len(seconds)}")
    rss = (warm[0] // 1024, end[0] // 1024, max(s[0] for s in samples) // 1024)
    print(
        f"  daemon RSS            {rss[0]} MB after warm-up, {rss[1]} MB at the end,"
        f" max {rss[2]} MB  (end ÷ warm {end[0] / warm[0]:.2f})"
    )
    print(
        f"  open descriptors      {warm[1]} after warm-up, {end[1]} at the end,"
        f" max {max(s[1] for s in samples)}  (end ÷ warm {end[1] / warm[1]:.2f})"
    )


if __name__ == "__main__":
    main()
