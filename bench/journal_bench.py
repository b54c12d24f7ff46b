#!/usr/bin/env python3
"""What a long-used request journal costs a daemon start: large journal ÷ small, one run.

A daemon starting looks for requests a dead process left unfinished (to mark them failed)
before it answers anyone. That sweep read every record: with a month of completions
(100,000 records) it took seconds on every start, each idle exit's included. It now reads
only the records still marked unfinished. This fills one journal with ``--records``
completion records (the last 5 left unfinished by a process that has exited) and another
with ``--small``, then times on each: a start after that crash (the first sweep), a start
after a clean stop (later sweeps; median of ``--runs``) and a listing of the newest 50
(`codesaga requests`). Target: each ratio large ÷ small <= 2 (what a start costs does not
grow with the journal). The whole sweep (a journal an older version wrote, swept once) is
printed for reference.

Usage: python bench/journal_bench.py [--records 50000] [--small 500] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codesaga.domain.enums import RequestStatus, RequestType
from codesaga.domain.requests import RequestRecord, Timings, new_request_id
from codesaga.service.journal import DiskJournal

TARGET = 2.0
LEFT = 5  # requests a killed daemon left unfinished


def dead_owner() -> str:
    """The owner string of a process that has exited."""
    code = "from codesaga.service.processes import current_owner as o; print(o())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return out.stdout.strip()


def filled(directory: Path, records: int, dead: str) -> DiskJournal:
    """A journal of completions as an editor leaves them; the last 5 left unfinished by a
    process that died (a daemon killed)."""
    journal = DiskJournal(directory)
    with journal._store.transact():
        for n in range(records):
            record = RequestRecord(
                new_request_id(),
                RequestType.COMPLETION,
                {"path": f"/home/me/project/src/module_{n % 40}.py", "line": n % 500,
                 "column": 8, "language": "python"},
                created_at=time.time(),
                owner=dead,
                model="qwen2.5-coder-0.5b",
            )  # fmt: skip
            if n >= records - LEFT:
                record.status = RequestStatus.PROCESSING
            else:
                record.status = RequestStatus.COMPLETED
                record.output = "    return self._value + other._value"
                record.finished_at = time.time()
                record.timings = Timings(prompt_tokens=900, prompt_tokens_evaluated=40)
            journal.save(record)
    return journal


def sweep(journal: DiskJournal) -> None:
    journal.abandon_unfinished()


def median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    dead = dead_owner()
    with tempfile.TemporaryDirectory(prefix="codesaga-journal-") as tmp:
        print(f"filling journals of {args.small:,} and {args.records:,} records…", flush=True)
        journals = {size: filled(Path(tmp) / str(size), size, dead)
                    for size in (args.small, args.records)}  # fmt: skip
        rows = []
        for name, work, runs in (
            (f"a start after a crash ({LEFT} left unfinished)", sweep, 1),
            ("a start after a clean stop (× 20)", lambda j: [sweep(j) for _ in range(20)],
             args.runs),
            ("the newest 50 (requests)", lambda j: j.query(limit=50), args.runs),
        ):  # fmt: skip
            small, large = (
                median_seconds(lambda j=journals[size], w=work: w(j), runs)  # type: ignore[misc]
                for size in (args.small, args.records)
            )
            ratio = large / max(small, 1e-6)
            verdict = "met" if ratio <= TARGET else "MISSED"
            rows.append(f"| {name} | {small * 1000:.1f} | {large * 1000:.1f} | {ratio:.2f} "
                        f"(≤ {TARGET}, {verdict}) |")  # fmt: skip
        for journal in journals.values():
            journal.close()
        older = DiskJournal(Path(tmp) / str(args.records))
        older._open.delete("~marked")  # as a journal an older version wrote: swept whole
        started = time.perf_counter()
        older.abandon_unfinished()
        whole = time.perf_counter() - started
        older.close()
    print(f"\n| work | {args.small:,} records (ms) | {args.records:,} records (ms) | ratio |")
    print("|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nthe whole sweep of {args.records:,} records (once, after an upgrade): "
          f"{whole * 1000:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
