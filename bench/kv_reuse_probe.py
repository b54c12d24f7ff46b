"""What keeping the KV cache costs in answers: the engine keeps cached runs it can shift into
place (a window that moved) and, since 2026-12-01, runs behind new text (a lookahead or
another file's chunk that changed). Their keys were computed in the old prompt, so an answer
from them can differ from a whole read's. This probe measures by how much, against the same
prompt read whole, with the real model.

At random cursors (line starts) of real files that are not this repository's, a completion
prompt is laid out as the daemon lays it out (another file's chunk, the lookahead, the prefix
window, the suffix) and answered after each of these earlier prompts: the window's start 20
lines up (`moved`: the window's run shifted left, as llama-server's cache reuse does); the
cursor 12 lines up (`gaps`: a new lookahead and new lines in front of the kept window);
another file's chunk (`chunk`: a gap at the prompt's start); and, against its own whole
read, the prompt with the line above the cursor deleted, after the prompt with it
(`deleted`: text dropped in front of the suffix). Each is
compared with the same prompt read whole after a forgotten cache, and, as the floor, with
the prompt read after the same prompt less its last line (a common prefix: only how the
prompt was split into batches differs). Printed per case: the share of prompt tokens read,
how often the first line answered is the whole read's, how often it is the file's own line
(exact), and the mean difference in the log-probability of the first token where both
answers begin with the same one.

Usage: python bench/kv_reuse_probe.py [--cursors 24] [--seed 1] [--sources A.py,B.py]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from installed import installed_model

from codesaga.domain.fim import QWEN
from codesaga.engine.llama_cpp import LlamaCppEngine
from codesaga.engine.port import Finished, GenerationRequest, collect
from codesaga.settings import load_settings

MODEL = "qwen2.5-coder-0.5b"
STDLIB = Path(sysconfig.get_paths()["stdlib"])
SOURCES = ("queue.py", "graphlib.py", "textwrap.py", "shlex.py")
WINDOW_LINES = 60
SUFFIX_LINES = 24  # at a line start, as completion_suffix_lines
LOOKAHEAD_CHARS = 1000


@dataclass
class Case:
    read: list[float] = field(default_factory=list)
    same_line: int = 0
    exact: int = 0
    first_token_delta: list[float] = field(default_factory=list)
    n: int = 0

    def add(self, done: Finished, read: float, whole: Finished, want: str) -> None:
        """An answer ``done`` that read ``read`` of its prompt, against the ``whole`` read
        of that prompt and the file's own line ``want``."""
        self.n += 1
        self.read.append(read)
        self.same_line += done.text == whole.text
        self.exact += done.text.strip() == want
        if done.logprobs and whole.logprobs and done.text[:1] == whole.text[:1]:
            self.first_token_delta.append(abs(done.logprobs[0][1] - whole.logprobs[0][1]))


def prompt(lines: list[str], cursor: int, window_start: int, chunk: str) -> str:
    below = "".join(lines[cursor + 1 :])[:LOOKAHEAD_CHARS]
    lookahead = below[: below.rfind("\n") + 1]
    line = lines[cursor]
    indent = line[: len(line) - len(line.lstrip())]
    before = lookahead + "\n" + "".join(lines[window_start:cursor]) + indent
    after = "\n" + "".join(lines[cursor + 1 : cursor + 1 + SUFFIX_LINES])
    # Laid out by hand and read as given (marks=None below): the text is the standard library.
    return f"<|file_sep|>other.py\n{chunk}\n" + QWEN.build(before, after).text


def answer(engine: LlamaCppEngine, text: str, earlier: str | None) -> tuple[Finished, float]:
    engine.forget()
    if earlier is not None:
        collect(engine, GenerationRequest(prompt=earlier, marks=None, max_tokens=0))
    request = GenerationRequest(
        prompt=text, marks=None, max_tokens=24, stop=(*QWEN.stops, "\n"), logprobs=True
    )
    done = collect(engine, request)
    return done, done.prompt_tokens_evaluated / done.prompt_tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cursors", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sources", help="comma-separated Python files (default: stdlib)")
    args = parser.parse_args()
    settings = load_settings()
    files = (
        [Path(s) for s in args.sources.split(",")]
        if args.sources
        else [STDLIB / name for name in SOURCES]
    )
    texts = [f.read_text(encoding="utf-8").splitlines(keepends=True) for f in files]
    rng = random.Random(args.seed)
    engine = LlamaCppEngine(installed_model(settings, MODEL), n_ctx=4096, n_threads=2)
    cases = {name: Case() for name in ("whole", "floor", "moved", "gaps", "chunk", "deleted")}
    try:
        for i in range(args.cursors):
            lines = texts[i % len(texts)]
            places = [
                k
                for k in range(WINDOW_LINES + 20, len(lines) - SUFFIX_LINES)
                if lines[k].strip() and lines[k - 1].strip()
            ]
            cursor = rng.choice(places)
            start = cursor - WINDOW_LINES
            other = texts[(i + 1) % len(texts)]
            at = rng.randrange(0, len(other) - 40)
            chunk, new_chunk = "".join(other[at : at + 20]), "".join(other[at + 20 : at + 40])
            now = prompt(lines, cursor, start, chunk)
            whole, _ = answer(engine, now, None)
            want = lines[cursor].strip()
            cases["whole"].n += 1
            cases["whole"].read.append(1.0)
            cases["whole"].same_line += 1
            cases["whole"].exact += whole.text.strip() == want
            earlier = {
                "floor": now[: now.rfind("\n", 0, now.index("<|fim_suffix|>"))],
                "gaps": prompt(lines, cursor - 12, start, chunk),
                "moved": prompt(lines, cursor, start - 20, chunk),
                "chunk": prompt(lines, cursor, start, new_chunk),
            }
            for name, before in earlier.items():
                done, read = answer(engine, now, before)
                cases[name].add(done, read, whole, want)
            # the line above the cursor deleted: the prompt with it came before
            deleted = prompt([*lines[: cursor - 1], *lines[cursor:]], cursor - 1, start, chunk)
            whole_deleted, _ = answer(engine, deleted, None)
            done, read = answer(engine, deleted, now)
            cases["deleted"].add(done, read, whole_deleted, want)
            print(f"cursor {i + 1}/{args.cursors}", flush=True)
    finally:
        engine.close()
    columns = ("earlier prompt", "read ÷ prompt", "first line as a whole read's", "exact")
    print("| " + " | ".join((*columns, "mean |Δ log p|")) + " |")
    print("|---|---|---|---|---|")
    for name, case in cases.items():
        delta = statistics.mean(case.first_token_delta) if case.first_token_delta else 0.0
        print(
            f"| {name} | {statistics.mean(case.read):.2f} | {case.same_line} / {case.n} | "
            f"{case.exact} / {case.n} | {delta:.3f} |"
        )


if __name__ == "__main__":
    main()
