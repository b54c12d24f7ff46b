#!/usr/bin/env python3
"""Start-up time of the CLI: this working tree ÷ a baseline revision, in the same run.

Times ``python -m codesaga --help`` and ``python -m codesaga complete --help`` (which
imports what the complete command needs to parse its options) for both, interleaved so
that both see the same machine, and prints the ratio of the medians. Target: <= 1.05 (the
CLI's start-up must not grow; 5 % is this machine's noise between identical runs).

Usage: python bench/startup_bench.py [--baseline REV] [--runs 15]
The baseline (default: the last commit before the CLI moved into command modules) is
checked out into a temporary git worktree.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "488d5d97e53f7375f10da1a46289264f789a14cb"
COMMANDS = {"--help": ["--help"], "complete --help": ["complete", "--help"]}


def seconds(tree: Path, args: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "codesaga", *args],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="codesaga-startup-") as tmp:
        base = Path(tmp) / "baseline"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(base), args.baseline],
            cwd=ROOT,
            check=True,
        )
        try:
            for name, command in COMMANDS.items():
                ours: list[float] = []
                theirs: list[float] = []
                for tree in (ROOT, base):  # warm the page cache and compile the bytecode
                    seconds(tree, command)
                for _ in range(args.runs):
                    ours.append(seconds(ROOT, command))
                    theirs.append(seconds(base, command))
                ratio = statistics.median(ours) / statistics.median(theirs)
                print(
                    f"codesaga {name:<16} this tree {statistics.median(ours) * 1000:6.0f} ms, "
                    f"baseline {statistics.median(theirs) * 1000:6.0f} ms: ratio {ratio:.3f} "
                    "(target <= 1.05)"
                )
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=False
            )


if __name__ == "__main__":
    main()
