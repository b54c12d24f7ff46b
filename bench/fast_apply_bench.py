"""Fast apply: refactor wall time with prompt-lookup drafting ÷ without, same model, same
inputs, outputs compared byte for byte.

Real files of this repository, as of INPUTS_COMMIT, are refactored with the product's own
refactor prompt, once with plain greedy decoding and once with drafting, each from a cold KV
cache. Rewrites that keep >= 80 % of the lines (docstrings, type hints) should take <= 0.5
of the time; rewrites that keep few lines (a translation to another language) <= 1.05
(drafting must not cost when it cannot help).

Usage: python bench/fast_apply_bench.py [--model qwen2.5-coder-1.5b] [--files N]
"""

from __future__ import annotations

import argparse
import difflib
import time
from pathlib import Path

from installed import installed_model, text_at

from codesaga.domain.context import CodeContext
from codesaga.domain.prompts import refactor_messages
from codesaga.engine.llama_cpp import LlamaCppEngine
from codesaga.engine.port import Delta, Finished, GenerationRequest
from codesaga.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
FILES = [
    ROOT / "examples" / "inventory.py",
    ROOT / "codesaga" / "domain" / "stops.py",
    ROOT / "codesaga" / "service" / "syntax.py",
]
# The commit whose copies of FILES are refactored: the numbers stay comparable across commits
INPUTS_COMMIT = "2e98630a0c669c74f0974b0b49c546245620f32d"
COPY_HEAVY = [
    "add a docstring to every function and class that has none; change nothing else",
    "add type hints to every function signature; change nothing else",
]
FEW_KEPT = ["translate this module to idiomatic JavaScript (Node.js)"]


def kept_share(before: str, after: str) -> float:
    old = before.splitlines()
    matcher = difflib.SequenceMatcher(a=old, b=after.splitlines(), autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / max(1, len(old))


def rewrite(engine: LlamaCppEngine, messages: list, lookup: bool) -> tuple[str, float, Finished]:
    engine.forget()  # a cold cache for both runs: the prompt is read in full each time
    request = GenerationRequest(
        messages=messages, max_tokens=2048, temperature=0.0, prompt_lookup=lookup
    )
    started = time.perf_counter()
    parts: list[str] = []
    finished = None
    for event in engine.stream(request):
        if isinstance(event, Delta):
            parts.append(event.text)
        elif isinstance(event, Finished):
            finished = event
    assert finished is not None
    return "".join(parts), time.perf_counter() - started, finished


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--files", type=int, default=len(FILES))
    args = parser.parse_args()
    settings = load_settings()
    engine = LlamaCppEngine(
        installed_model(settings, args.model), n_ctx=8192, n_threads=settings.threads, n_batch=512
    )
    rows: dict[str, list[float]] = {"copy-heavy": [], "few kept": []}
    identical = True
    for path in FILES[: args.files]:
        source = text_at(INPUTS_COMMIT, path)
        ctx = CodeContext.whole_file(path.name, source)
        for instruction in [*COPY_HEAVY, *FEW_KEPT]:
            messages = refactor_messages(ctx, instruction)
            plain, plain_s, plain_done = rewrite(engine, messages, lookup=False)
            fast, fast_s, finished = rewrite(engine, messages, lookup=True)
            same = plain == fast
            identical &= same
            share = kept_share(source, plain)
            kind = "copy-heavy" if share >= 0.8 else "few kept"
            rows[kind].append(fast_s / plain_s)
            taken = finished.draft_accepted / max(1, finished.drafted)
            print(
                f"{path.name:<14} {instruction[:38]:<38} kept {share:4.0%}  "
                f"plain {plain_s:6.1f} s  fast {fast_s:6.1f} s  ratio {fast_s / plain_s:.2f}  "
                f"drafts taken {taken:4.0%}  {'identical' if same else 'DIFFERENT OUTPUT'}\n"
                f"{'':14} {plain_done.completion_tokens} tokens after a "
                f"{plain_done.prompt_tokens}-token prompt read in "
                f"{plain_done.prompt_seconds:.1f} s; generation alone: ratio "
                f"{finished.generation_seconds / max(1e-9, plain_done.generation_seconds):.2f}",
                flush=True,
            )
    print()
    for kind, target in (("copy-heavy", 0.5), ("few kept", 1.05)):
        ratios = sorted(rows[kind])
        if ratios:
            median = ratios[len(ratios) // 2]
            print(f"{kind}: median ratio {median:.2f} over {len(ratios)} (target <= {target})")
    print("outputs identical with and without drafting:", "yes" if identical else "NO")


if __name__ == "__main__":
    main()
