#!/usr/bin/env python3
"""Multi-turn chat speed: ratios measured in one run on the same model (not a test).

1. time to first token of turn 8 ÷ time to evaluate only turn 8's new message (target <= 1.5);
2. the same with a completion request between turns 7 and 8 (target <= 2).

The first shows the conversation's prefix stays in the KV cache; the second that the
session's saved state comes back after other work used the model.

Usage: python bench/chat_bench.py [--model PRESET] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics

from installed import installed_model

from codesaga.domain.fim import QWEN
from codesaga.domain.prompts import Message
from codesaga.engine.llama_cpp import LlamaCppEngine
from codesaga.engine.port import GenerationRequest, collect
from codesaga.model_files.presets import PRESETS
from codesaga.settings import load_settings

QUESTIONS = [
    "I have a Flask app that reads a CSV upload and stores rows in SQLite. How should I "
    "validate the columns before inserting?",
    "Some uploads are 200 MB. How do I avoid loading the whole file into memory?",
    "How do I report which line failed validation back to the user?",
    "Should the inserts run in one transaction or one per batch?",
    "How do I test this without a real upload?",
    "What about duplicate rows: skip them or fail the upload?",
    "How would I add a progress bar for long uploads?",
    "Now put it together: write the upload handler with streaming, validation and batching.",
]


def conversation(engine: LlamaCppEngine, slot: str, interleave: bool) -> tuple[float, float]:
    """(time to first token of turn 8, time to evaluate only turn 8's new part)."""
    history = [Message("system", "You are a concise senior Python engineer.")]
    held_text = ""
    for n, question in enumerate(QUESTIONS, start=1):
        history.append(Message("user", question))
        request = GenerationRequest(messages=list(history), max_tokens=40, cache_slot=slot)
        if n == len(QUESTIONS):
            if interleave:  # another client's completion takes the model in between
                fim = QWEN.build("def parse_row(row):\n    ", "\n\nrows = []\n")
                fill = GenerationRequest(
                    prompt=fim.text, marks=fim.marks, max_tokens=16, stop=QWEN.stops
                )
                collect(engine, fill)
            turn8 = collect(engine, request)
            new_part = engine.render(request)[len(held_text) :]
            # the peer: only the new tokens, evaluated on a context that shares nothing
            collect(engine, GenerationRequest(prompt="unrelated warm-up text", max_tokens=1))
            alone = collect(engine, GenerationRequest(prompt=new_part, max_tokens=1))
            return turn8.prompt_seconds, alone.prompt_seconds
        answer = collect(engine, request)
        history.append(Message("assistant", answer.text))
        held_text = engine.render(request) + answer.text
    raise AssertionError("unreachable")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-0.5b", choices=sorted(PRESETS))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    settings = load_settings()
    engine = LlamaCppEngine(
        installed_model(settings, args.model),
        name=args.model,
        n_ctx=8192,
        n_threads=settings.threads,
    )
    for label, interleave, target in (
        ("turn 8", False, 1.5),
        ("turn 8 after a completion", True, 2.0),
    ):
        ratios, pairs = [], []
        for run in range(args.runs):
            ttft, alone = conversation(engine, f"{label}-{run}", interleave)
            ratios.append(ttft / alone)
            pairs.append((ttft, alone))
        middle = sorted(range(len(ratios)), key=ratios.__getitem__)[len(ratios) // 2]
        ttft, alone = pairs[middle]
        print(
            f"{label}: first token {ttft * 1000:.0f} ms, new message alone "
            f"{alone * 1000:.0f} ms -> ratio {statistics.median(ratios):.2f} "
            f"(target <= {target})"
        )
    engine.close()


if __name__ == "__main__":
    main()
