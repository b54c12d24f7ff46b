"""Keeping what llama.cpp's KV cache holds of a new prompt, as llama-server's
``--cache-reuse`` does: the common prefix, then the cached runs that the prompt holds later
on (a completion window that moved forward), shifted into place instead of read again.

Which runs to keep is decided by ``find_runs``, a pure function; ``reuse`` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The shortest run of cached tokens worth shifting into place (llama-server's --cache-reuse
# 256 is the same idea; our windows move in whole lines, so shorter runs already pay).
MIN_REUSE = 32
_NGRAM = 4  # tokens per key when looking up where a prompt's run sits in the cache


@dataclass(frozen=True)
class Run:
    """``length`` cached tokens at cache position ``cached_at`` that the prompt holds at
    ``prompt_at``."""

    cached_at: int
    prompt_at: int
    length: int


def common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def held_tokens(llm: Any) -> list[int]:
    """The tokens the ``llama_cpp.Llama``'s context holds."""
    return [int(t) for t in llm.input_ids[: llm.n_tokens]]


def find_runs(held: list[int], tokens: list[int], start: int, upto: int) -> list[Run]:
    """The runs of at least MIN_REUSE tokens of ``held`` past ``start`` that come next, one
    after the other, in ``tokens[start:upto]``; each starts past the previous one in both."""
    where: dict[tuple[int, ...], list[int]] = {}
    for i in range(start, len(held) - _NGRAM + 1):
        where.setdefault(tuple(held[i : i + _NGRAM]), []).append(i)
    runs: list[Run] = []
    # head_p: the next prompt position to fill; head_c: the first cache position not used
    head_p, head_c = start, start
    while upto - head_p >= MIN_REUSE:
        found: Run | None = None
        for c in where.get(tuple(tokens[head_p : head_p + _NGRAM]), ()):
            if c < head_c:
                continue
            m = common_prefix(held[c:], tokens[head_p:upto])
            if m >= MIN_REUSE:
                found = Run(cached_at=c, prompt_at=head_p, length=m)
                break
        if found is None:
            break
        runs.append(found)
        head_p += found.length
        head_c = found.cached_at + found.length
    return runs


def kept(held: list[int], tokens: list[int], upto: int) -> tuple[int, list[Run]]:
    """What a cache holding ``held`` keeps of ``tokens[:upto]``: the common prefix, and the
    runs after it that ``find_runs`` finds (none when too little is left to find one in)."""
    n = min(common_prefix(held, tokens), upto)
    if n >= upto or len(held) - n < MIN_REUSE:
        return n, []
    return n, find_runs(held, tokens, n, upto)


def reusable(held: list[int], tokens: list[int], upto: int) -> int:
    """How many of ``tokens[:upto]`` a cache holding ``held`` would keep (see ``reuse``):
    which of two caches to start from is decided by this, not by the common prefix alone
    (two documents' prompts may share only their first token, and a window that moved keeps
    most of its text further on)."""
    n, runs = kept(held, tokens, upto)
    return n + sum(run.length for run in runs)


@dataclass(frozen=True)
class Reused:
    """What ``reuse`` kept: the cache holds ``held`` prompt tokens; from ``shifted`` on (None:
    nowhere) their keys wait for the shift llama.cpp applies at the next decode."""

    held: int
    shifted: int | None = None


def reuse(lib: Any, llm: Any, tokens: list[int], upto: int) -> Reused:
    """Keep what the cache of ``llm`` (a ``llama_cpp.Llama``; ``lib`` is the ``llama_cpp``
    module) holds of ``tokens[:upto]``: the common prefix, then every run ``find_runs``
    finds, shifted to its new position; the rest of the cache is dropped. A cache that
    cannot drop part of itself (a recurrent model's) is emptied: the prompt is read in full."""
    held = held_tokens(llm)
    n, runs = kept(held, tokens, upto)
    memory = lib.llama_get_memory(llm._ctx.ctx)
    if n >= upto or not lib.llama_memory_can_shift(memory):
        return Reused(keep_first(lib, llm, memory, n))
    head, shifted = n, None
    for run in runs:
        start, end = run.cached_at, run.cached_at + run.length
        if start > run.prompt_at:
            if not lib.llama_memory_seq_rm(memory, 0, run.prompt_at, start):
                return Reused(keep_first(lib, llm, memory, 0))
            lib.llama_memory_seq_add(memory, 0, start, end, run.prompt_at - start)
            shifted = run.prompt_at if shifted is None else shifted
        llm.input_ids[run.prompt_at : run.prompt_at + run.length] = held[start:end]
        head = run.prompt_at + run.length
    held_now = keep_first(lib, llm, memory, head)
    return Reused(held_now, shifted if held_now else None)


def keep_first(lib: Any, llm: Any, memory: Any, n: int) -> int:
    """Have the cache of ``llm`` (its llama.cpp ``memory``) hold its first ``n`` tokens and
    no more, or nothing when it cannot drop a part (llama.cpp says so for a recurrent
    model's state); how many it holds then."""
    if not lib.llama_memory_seq_rm(memory, 0, n, -1):
        lib.llama_memory_seq_rm(memory, 0, -1, -1)
        n = 0
    llm.n_tokens = n
    return n
