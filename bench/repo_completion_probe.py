#!/usr/bin/env python3
"""Repository-level completion, probed: how likely the model finds each blanked line with and
without other files' definitions in the prompt.

The cases are repo_completion_bench.py's (same packages, seed and count). Their prompts are
the daemon's own: each case is asked, as in that bench, of an in-process daemon with
``completion_definitions`` off and one with it on, both on a scripted engine that records
what it is asked (the blank line's request, after the priming one; a scripted engine
answers at once, so no model runs here). Then the real model reads each recorded prompt and
is scored on the blanked line: its log-probability token by token (teacher forcing), whether
the model's first choice is the line's first token, and its greedy answer up to the line's
end (compared as the bench compares).

``--at member`` puts the cursor instead after the receiver's dot and two letters of the
member the line uses (`this.cryptoProvider.ge`), on the lines that use one: the place, when
typing, where the definitions should count most. The line's rest is then what is scored.

Why: the bench's exact lines move by one or two cases of 60 with any change to the prompt,
which is ±15 % relative. The log-probability of the line moves case by case, so a change to
what the prompt shows can be judged on a few dozen cases, before a run of the bench.

Usage: python bench/repo_completion_probe.py [--cases 60] [--seed 5] [--model PRESET]
       [--sources DIR,DIR] [--budget TOKENS] [--at line|member] [--show]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from installed import installed_model
from repo_completion_bench import (
    MODEL,
    Case,
    build_cases,
    case_requests,
    default_sources,
    member_typed,
    same_line,
    shows_definition,
    start_side,
    wait_for_index,
)

from codesaga.engine.port import GenerationRequest
from codesaga.model_files.presets import PRESETS
from codesaga.settings import load_settings

MAX_ANSWER_TOKENS = 48


@dataclass
class Score:
    logprob: float  # of the blanked line, given the prompt
    first: bool  # the model's first choice is the line's first token
    answer: str  # greedy, up to the end of the line
    exact: bool


def record_prompts(
    cases: Sequence[Case], typed: Sequence[str], definitions: bool, budget: int | None
) -> list[GenerationRequest]:
    """Each case's prompt as the bench's daemon builds it (primed first), with ``typed``, the
    start of the line, typed after its indentation (empty: the blank line)."""
    from codesaga.bootstrap import build_daemon
    from codesaga.engine.fake import FakeEngine
    from codesaga.inprocess import LocalClient

    prompts = []
    with tempfile.TemporaryDirectory(prefix="codesaga-probe-") as tmp:
        overrides = {"CODESAGA_COMPLETION_DEFINITIONS_TOKENS": str(budget)} if budget else {}
        settings = start_side(definitions, overrides, Path(tmp), MODEL)
        engine = FakeEngine(MODEL, n_ctx=settings.n_ctx)  # answers nothing: prompts only
        client = LocalClient(settings, build_daemon(settings, lambda _resolved: engine))
        try:
            for i, (case, start) in enumerate(zip(cases, typed, strict=True)):
                if definitions and (i == 0 or case.root != cases[i - 1].root):
                    wait_for_index(client, case)
                priming, line = case_requests(case, start)
                client.call("complete", priming)
                asked = len(engine.history)
                client.call("complete", line)
                if len(engine.history) == asked:
                    sys.exit(f"{case.name()}: the line's request never reached the engine")
                prompts.append(engine.history[-1])
        finally:
            client.close()
    return prompts


class Scorer:
    """The real model, reading a prompt and scoring a line after it. The cursor is healed as
    the engine heals it (token_healing): the tokens it takes out of the prompt begin what is
    scored, and the greedy answer begins with their text."""

    def __init__(self, path: Path, n_ctx: int) -> None:
        import llama_cpp

        from codesaga.engine import token_healing

        self._llm = llama_cpp.Llama(
            str(path), n_ctx=n_ctx, n_batch=512, n_threads=load_settings().threads, verbose=False
        )
        n_vocab = int(self._llm.n_vocab())
        pieces = token_healing.token_pieces(llama_cpp, self._llm._model.vocab, n_vocab)
        self._vocab = token_healing.Vocabulary(pieces)

    def _logits(self) -> Any:
        import numpy as np

        llm = self._llm
        row = llm._ctx.get_logits_ith(-1)
        return np.ctypeslib.as_array(row, shape=(llm.n_vocab(),)).astype(np.float64)

    def _healed(self, request: GenerationRequest) -> tuple[list[int], bytes]:
        from codesaga.engine import token_healing

        assert request.prompt is not None
        tokens = self._llm.tokenize(request.prompt.encode(), add_bos=False, special=True)
        if request.heal_at is None:
            return tokens, b""
        tail = self._llm.tokenize(
            request.prompt[request.heal_at :].encode(), add_bos=False, special=True
        )
        end = len(tokens) - len(tail)
        if not tail or tokens[end:] != tail:
            return tokens, b""
        return token_healing.heal(tokens, end, self._vocab)

    def score(self, request: GenerationRequest, target: str) -> Score:
        import numpy as np

        llm = self._llm
        tokens, healed = self._healed(request)
        text = (healed + target.encode()).decode()
        wanted = llm.tokenize(text.encode(), add_bos=False, special=False)
        llm.reset()
        llm.eval(tokens)
        logprob, first = 0.0, False
        for k, token in enumerate(wanted):
            logits = self._logits()
            top = float(logits.max())
            logprob += float(logits[token]) - top - math.log(float(np.exp(logits - top).sum()))
            first = first or (k == 0 and int(logits.argmax()) == token)
            llm.eval([token])
        llm.n_tokens = len(tokens) - 1  # back to the prompt's end: the greedy answer
        llm.eval(tokens[-1:])
        produced: list[int] = []
        rest = healed  # what the answer must begin with
        for _ in range(MAX_ANSWER_TOKENS):
            logits = self._logits()
            allowed = self._vocab.compatible(rest) if rest else None
            token = (
                int(logits.argmax()) if allowed is None else max(allowed, key=logits.__getitem__)
            )
            piece = llm.detokenize([token], special=True)
            if token == llm.token_eos() or piece.startswith(b"<|"):
                break  # the end of the middle, or another FIM mark
            produced.append(token)
            rest = rest[len(piece) :] if rest.startswith(piece) else b""
            if b"\n" in piece:
                break
            llm.eval([token])
        answer = llm.detokenize(produced)[len(healed) :].decode(errors="replace")
        answer = answer.split("\n")[0]
        return Score(logprob, first, answer, same_line(answer, target))


def report(cases: Sequence[Case], off: list[Score], on: list[Score], shown: list[bool]) -> None:
    for name, scores in (("without", off), ("with", on)):
        print(
            f"{name:<8} exact {sum(s.exact for s in scores):>3}/{len(cases)}  first token right "
            f"{sum(s.first for s in scores):>3}/{len(cases)}  log p(line): mean "
            f"{statistics.mean(s.logprob for s in scores):7.2f}, median "
            f"{statistics.median(s.logprob for s in scores):7.2f}"
        )
    gains = [b.logprob - a.logprob for a, b in zip(off, on, strict=True)]
    print(
        f"with - without, log p(line): mean {statistics.mean(gains):+.2f}; more likely with "
        f"(by > 0.5) {sum(g > 0.5 for g in gains)}, less likely {sum(g < -0.5 for g in gains)}"
    )
    for label, keep in (("definition shown", True), ("not shown", False)):
        part = [g for g, s in zip(gains, shown, strict=True) if s == keep]
        if part:
            print(f"  {label}: {len(part)} cases, mean {statistics.mean(part):+.2f}")
    firsts = [(a.first, b.first) for a, b in zip(off, on, strict=True)]
    print(
        f"first token: right only with {sum(b and not a for a, b in firsts)}, "
        f"only without {sum(a and not b for a, b in firsts)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--sources", help="comma-separated package folders (as the bench)")
    parser.add_argument("--model", default=MODEL, choices=sorted(PRESETS), help="the scorer")
    parser.add_argument("--budget", type=int, help="completion_definitions_tokens")
    parser.add_argument(
        "--at",
        choices=["line", "member"],
        default="line",
        help="the cursor at the blank line's start (the bench's cases), or after the "
        "receiver's dot and two letters of the member the line uses (only such lines)",
    )
    parser.add_argument("--show", action="store_true", help="print every case's answers")
    args = parser.parse_args()
    settings = load_settings()
    model = installed_model(settings, args.model)
    sources = [Path(s).resolve() for s in args.sources.split(",")] if args.sources else (
        default_sources()
    )  # fmt: skip
    cases, tables = build_cases(sources, args.cases, args.seed)
    cases.sort(key=lambda case: str(case.root))
    typed = [""] * len(cases)
    if args.at == "member":
        starts = [member_typed(case) for case in cases]
        cases = [c for c, s in zip(cases, starts, strict=True) if s is not None]
        typed = [s for s in starts if s is not None]
    budget = args.budget or settings.completion_definitions_tokens
    shown = [
        shows_definition(c, tables[c.root], budget, c.before + start)
        for c, start in zip(cases, typed, strict=True)
    ]
    started = time.perf_counter()
    prompts = [record_prompts(cases, typed, on, args.budget) for on in (False, True)]
    print(f"{len(cases)} cases; prompts recorded in {time.perf_counter() - started:.0f} s")
    scorer = Scorer(model, settings.n_ctx)
    scores: list[list[Score]] = [[], []]
    for i, (case, start) in enumerate(zip(cases, typed, strict=True)):
        for side in (0, 1):
            scores[side].append(scorer.score(prompts[side][i], case.target[len(start) :]))
        print(".", end="", flush=True)
    print()
    if args.show:
        for case, start, a, b in zip(cases, typed, *scores, strict=True):
            print(f"{case.name()}  uses {case.uses}\n  want    {case.target!r}")
            print(f"  without {start + a.answer!r} ({a.logprob:.1f})")
            print(f"  with    {start + b.answer!r} ({b.logprob:.1f})")
    report(cases, scores[0], scores[1], shown)


if __name__ == "__main__":
    main()
