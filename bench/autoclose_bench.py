#!/usr/bin/env python3
"""Completion after an editor's auto-closed bracket: `codesaga complete` ÷ the same model raw.

Editors close a bracket as it is typed (VS Code does by default): typed `def wrap(`, the line
reads `def wrap(|)`. A completion there must finish the line without doubling the `)`. No
other bench asks at such a place (their typists never have text after the cursor).

A case is a line of real code that is not this repository's (by default pure-Python modules
of the standard library; ``--sources`` takes any Python or TypeScript/JavaScript files): the
line is typed up to one of its opening brackets, the editor has closed every bracket still
open there (`))` after `f(g(`), and the lines after it are in place. Three answers:

- raw: a plain FIM prompt of the same text (the last PREFIX_CHARS before the cursor, the
  first SUFFIX_CHARS after it), greedy, stopped at the newline, inserted at the cursor;
- insert: the daemon's `complete`, inserted at the cursor (what a client that cannot replace
  text gets, as `codesaga complete`: cut before the line's closers when it goes past them);
- replace: the same with `replaceRest` (the VS Code extension): the suggestion replaces the
  `replace` characters after the cursor that it says it replaces.

Reported per side: the line exactly as it was written, lines with a doubled closer (one with
nothing left to close, counting what earlier lines left open: `def wrap(self):)`), and empty
answers; the model
time of raw and of the daemon's first request (the second, the same prompt, comes from its
cache). Target: replace writes at least as many exact lines as raw and doubles none.

Usage: python bench/autoclose_bench.py [--cases 40] [--seed 1] [--sources FILE,FILE] [--show]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path

from infill_bench import PREFIX_CHARS, SUFFIX_CHARS, raw_line
from installed import fresh_daemon, installed_model

from codesaga.client.lifecycle import connect
from codesaga.domain.completion import open_brackets
from codesaga.engine.llama_cpp import LlamaCppEngine
from codesaga.settings import load_settings

MODEL = "qwen2.5-coder-0.5b"
MODULES = ["textwrap", "shlex", "calendar", "fractions", "difflib", "heapq", "bisect", "argparse"]
PARTNER = {"(": ")", "[": "]", "{": "}"}
QUOTES = "\"'"
COMMENTS = ("#", "//", "*", "/*", '"', "'")


@dataclass(frozen=True)
class Case:
    path: Path
    number: int  # 0-based
    line: str  # as written
    typed: str  # the line up to and including an opening bracket
    closers: str  # what the editor closed after the cursor
    before: str
    after: str  # the closers, then the rest of the file

    def name(self) -> str:
        return f"{self.path.name}:{self.number + 1}"

    @property
    def open_before(self) -> int:
        """Brackets earlier lines left open (the line continues an expression)."""
        return len(open_brackets(self.before[: len(self.before) - len(self.typed)]))


def closers_of(typed: str) -> str | None:
    """What an editor has added after ``typed`` as it was typed: the quote of a string it
    ends by opening, then the closers of the brackets opened and not closed. None where that
    is a guess: typed inside a string (editors close no bracket there), an unbalanced
    closer, a triple quote."""
    code, quote = outside_strings(typed)
    stack: list[str] = []
    for char in code:
        if char in PARTNER:
            stack.append(PARTNER[char])
        elif char in ")]}" and (not stack or stack.pop() != char):
            return None
    if quote is not None and (not typed.endswith(quote) or typed.endswith(quote * 3)):
        return None
    return (quote or "") + "".join(reversed(stack))


def outside_strings(line: str) -> tuple[str, str | None]:
    """The characters of ``line`` outside its string literals, and the quote of one still
    open at its end (None: none)."""
    code: list[str] = []
    quote: str | None = None
    escaped = False
    for char in line:
        if quote is not None:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in QUOTES:
            quote = char
        else:
            code.append(char)
    return "".join(code), quote


def cases_of(path: Path) -> list[Case]:
    lines = path.read_text().split("\n")
    found = []
    in_docstring = False
    for i, line in enumerate(lines):
        triple = line.count('"""') + line.count("'''")
        prose = in_docstring or triple > 0
        in_docstring ^= triple % 2 == 1
        if i < 30 or prose or line.lstrip().startswith(COMMENTS):
            continue  # a module's docstring and imports; docstrings' and comments' prose
        for k, char in enumerate(line):
            if char not in PARTNER and char not in QUOTES:
                continue
            if char in QUOTES and not opens_string_at(line, k):
                continue
            typed = line[: k + 1]
            closers = closers_of(typed)
            if not closers or not line[k + 1 :].strip() or (char in QUOTES) != (closers[0] == char):
                continue  # the line ends there; no closer of ours; a string's end, not start
            before = "\n".join([*lines[:i], typed])
            after = closers + "\n" + "\n".join(lines[i + 1 :])
            found.append(Case(path, i, line, typed, closers, before, after))
    return found


def opens_string_at(line: str, k: int) -> bool:
    """Whether an editor closes the quote typed at ``line[k]``: not after a word (an
    apostrophe), except a string prefix (`f"`, `rb'`)."""
    word = re.search(r"\w*$", line[:k])
    return word is None or word.group(0).lower() in ("", "f", "r", "b", "u", "rb", "br", "fr", "rf")


def build_cases(sources: list[Path], count: int, seed: int) -> list[Case]:
    """``count`` cases spread evenly over ``sources``, at most one a line."""
    rng = random.Random(seed)
    pools = []
    for path in sources:
        by_line: dict[int, list[Case]] = {}
        for case in cases_of(path):
            by_line.setdefault(case.number, []).append(case)
        pool = [rng.choice(options) for options in by_line.values()]
        rng.shuffle(pool)
        pools.append(pool)
    chosen: list[Case] = []
    while len(chosen) < count and any(pools):
        for pool in pools:
            if pool and len(chosen) < count:
                chosen.append(pool.pop())
    return chosen


@dataclass
class Side:
    name: str
    exact: int = 0
    doubled: int = 0
    empty: int = 0
    seconds: float = 0.0
    lines: list[str] = field(default_factory=list)

    def judge(self, case: Case, answer: str, replaced: int, seconds: float) -> None:
        self.seconds += seconds
        written = case.typed + answer + case.closers[replaced:]
        self.lines.append(written)
        self.exact += written.strip() == case.line.strip()
        # A closer with nothing left to close, counting what earlier lines left open:
        # a closer doubled (`def wrap(self):)`).
        self.doubled += lowest_depth(written, case.open_before) < 0 or any(
            unescaped(written, q) % 2 != unescaped(case.line, q) % 2 for q in QUOTES
        )
        self.empty += not answer.strip()

    def row(self, total: int) -> str:
        seconds = f"{self.seconds:.1f} s" if self.seconds >= 1 else "(cached)"
        return f"| {self.name} | {self.exact}/{total} | {self.doubled} | {self.empty} | {seconds} |"


def unescaped(line: str, quote: str) -> int:
    """How many times ``quote`` stands in ``line`` unescaped (an odd count: a string left
    open, or one closed twice)."""
    return line.count(quote) - line.count("\\" + quote)


def lowest_depth(line: str, depth: int) -> int:
    """The fewest brackets open along ``line`` (string literals' own left out), ``depth``
    open at its start (negative: it closed one that nothing opened)."""
    lowest = depth
    for char in outside_strings(line)[0]:
        depth += (char in PARTNER) - (char in ")]}")
        lowest = min(lowest, depth)
    return lowest


def default_sources() -> list[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return [stdlib / f"{name}.py" for name in MODULES if (stdlib / f"{name}.py").exists()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sources", help="comma-separated source files (default: stdlib)")
    parser.add_argument("--show", action="store_true", help="print every case's lines")
    args = parser.parse_args()
    sources = [Path(p) for p in args.sources.split(",")] if args.sources else default_sources()
    cases = build_cases(sources, args.cases, args.seed)
    if not cases:
        sys.exit("no cases: no line of these sources has a bracket to type into")
    real = load_settings()
    model_path = installed_model(real, MODEL)

    raw = Side("raw (plain FIM, greedy, to the newline)")
    engine = LlamaCppEngine(model_path, n_threads=real.threads)
    for case in cases:
        started = time.perf_counter()
        answer = raw_line(engine, case.before, case.after)
        raw.judge(case, answer, 0, time.perf_counter() - started)
    engine.close()

    insert = Side("codesaga, inserted")
    replace = Side("codesaga, replacing (replaceRest)")
    daemon = fresh_daemon(
        real.models_dir,
        CODESAGA_MODEL=MODEL,
        CODESAGA_COMPLETION_SPECULATE="0",  # each case stands alone
        CODESAGA_COMPLETION_READ_BUDGET_MS="0",  # quality: every prompt read whole
    )
    with daemon as settings, connect(settings) as client:
        for case in cases:
            for side, replace_rest in ((insert, False), (replace, True)):
                params = {
                    "prefix": case.before[-PREFIX_CHARS:],
                    "suffix": case.after[:SUFFIX_CHARS],
                    "path": str(case.path),
                    "gate": False,  # as `codesaga complete` asks: shown however unsure
                    "replaceRest": replace_rest,
                }
                started = time.perf_counter()
                result = client.call("complete", params)
                seconds = time.perf_counter() - started
                side.judge(case, str(result["text"]), int(result["replace"]), seconds)

    if args.show:
        for i, case in enumerate(cases):
            print(f"{case.name()}: {case.line.strip()}")
            for side in (raw, insert, replace):
                mark = "=" if side.lines[i].strip() == case.line.strip() else " "
                print(f"  {mark} {side.name[:8]:<8} {side.lines[i].strip()}")
    print(f"\n{len(cases)} cases from {len(sources)} files, {MODEL}\n")
    print("| side | exact line | doubled closer | empty | model time |")
    print("|---|---|---|---|---|")
    for side in (raw, insert, replace):
        print(side.row(len(cases)))
    met = replace.exact >= raw.exact and replace.doubled == 0
    print(f"\ntarget (replace >= raw exact, no doubled closer): {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
