#!/usr/bin/env python3
"""Context assembly on a large tree: how long choosing a prompt's definitions takes, against
the 30 ms p95 limit (#21), on a workspace the size of a large monorepo.

The tree is a folder of installed packages (default: this interpreter's site-packages, some
6,500 Python files; none of them this repository), indexed whole first. Then, at ``--cases``
random cursors in its Python files (the second half of a file, the text before and after
it), a fresh choice is timed: a new document each time, so no choice is kept from the last
keystroke, as when the user opens a file or jumps far. Prints p50, p95 and the largest.

Then the pause a full garbage collection makes with the index held (it stops every thread,
so it lands on whichever completion is running): the longest of five, against the same limit.

Usage: python bench/assembly_bench.py [--root DIR] [--cases 300] [--seed 2]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import sysconfig
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codesaga.service.definitions import Definitions
from codesaga.service.symbol_index import WorkspaceIndex

LIMIT_MS = 30.0
BUDGET_TOKENS = 400


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=sysconfig.get_paths()["purelib"])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args()
    root = os.path.realpath(args.root)
    definitions = Definitions(lambda folder: WorkspaceIndex(folder))
    index = definitions.index(root)
    if index is None:
        sys.exit(f"{root} is not a folder")
    started = time.monotonic()
    print(f"indexing {root}…", flush=True)
    while not index.ready():
        time.sleep(0.5)
    stats = index.stats()
    print(f"indexed {stats['files']:,} files, {stats['definitions']:,} definitions in "
          f"{time.monotonic() - started:.0f} s")  # fmt: skip
    files = [
        os.path.join(d, f) for d, _, names in os.walk(root) for f in names if f.endswith(".py")
    ]
    files.sort()
    rng = random.Random(args.seed)
    times: list[float] = []
    for n in range(args.cases):
        path = rng.choice(files)
        text = Path(path).read_text(errors="replace")
        if len(text) < 200:
            continue
        cut = rng.randrange(len(text) // 2, len(text))
        began = time.perf_counter()
        definitions.chunks(f"doc-{n}", root, path, text[:cut], text[cut:], BUDGET_TOKENS)
        times.append((time.perf_counter() - began) * 1000)
    pauses = _full_collections(5)
    definitions.close()
    times.sort()
    p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95)]
    verdict = "met" if p95 <= LIMIT_MS else "MISSED"
    print(f"\n| cursors | p50 | p95 (≤ {LIMIT_MS:.0f} ms) | largest |")
    print("|---|---|---|---|")
    print(f"| {len(times)} | {p50:.1f} ms | {p95:.1f} ms ({verdict}) | {times[-1]:.1f} ms |")
    longest = max(pauses)
    verdict = "met" if longest <= LIMIT_MS else "MISSED"
    print(f"\n| objects tracked | full collection, longest of 5 (≤ {LIMIT_MS:.0f} ms) |")
    print("|---|---|")
    print(f"| {len(gc.get_objects()):,} | {longest:.1f} ms ({verdict}) |")


def _full_collections(count: int) -> list[float]:
    gc.collect()  # what the cursors left behind, so that each timed one walks the index only
    pauses = []
    for _ in range(count):
        began = time.perf_counter()
        gc.collect()
        pauses.append((time.perf_counter() - began) * 1000)
    return pauses


if __name__ == "__main__":
    main()
