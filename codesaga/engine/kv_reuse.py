"""Keeping what llama.cpp's KV cache holds of a new prompt: the common prefix, then every
cached run that the prompt holds later on, shifted into place instead of read again. Unlike
llama-server's ``--cache-reuse``, which only drops cached tokens between runs, a run may
also come after new tokens (a gap): a context chunk that changed, text added in front of a
window. The engine reads a gap at its positions in front of the runs after it.

Which runs to keep is decided by ``find_runs``, a pure function; ``reuse`` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The shortest run of cached tokens worth shifting into place (llama-server's --cache-reuse
# 256 is the same idea; our windows move in whole lines, so shorter runs already pay).
MIN_REUSE = 32
_NGRAM = 4  # tokens per key when looking up where a prompt's run sits in the cache
# An n-gram the cache holds more often than this (indentation, a repeated call) does not
# start a search: one of the run's rarer n-grams finds it, and it is extended back.
_MAX_CANDIDATES = 16
_MAX_MATCHES = 64  # the longest cached stretches a chain is chosen among
# A prompt position whose token the cache does not hold: a gap left unread (a cancelled
# request). No prompt token equals it, so nothing is kept across it.
HOLE = -1


@dataclass(frozen=True)
class Fresh:
    """The part of a prompt read again once the text in front of it changed: from ``at``
    (None: none). A change is new tokens (a gap) and, with ``drops``, also cached tokens the
    prompt no longer holds, but for up to ``healed`` of them right in front of ``at``: the
    tokens token healing took out of the prompt before the cursor, whose text is still the
    document's (the answer begins with it). See ``_behind_changes``."""

    at: int | None = None
    drops: bool = False
    healed: int = 0


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


def find_runs(
    held: list[int], tokens: list[int], start: int, upto: int, fresh: Fresh = Fresh()
) -> list[Run]:
    """The runs of at least MIN_REUSE tokens of ``held`` past ``start`` that
    ``tokens[start:upto]`` holds, in the same order in both, chosen to keep the most tokens.
    New tokens may stand between two runs, or before the first (gaps). Behind a change, none
    reaches into the ``fresh`` part: see ``_behind_changes``."""
    where: dict[tuple[int, ...], list[int]] = {}
    for i in range(start, len(held) - _NGRAM + 1):
        where.setdefault(tuple(held[i : i + _NGRAM]), []).append(i)
    matches = _matches(held, tokens, start, upto, where)
    return _behind_changes(_best_chain(matches), start, fresh)


def _behind_changes(chain: list[Run], start: int, fresh: Fresh) -> list[Run]:
    """``chain`` with the runs behind a change cut where the ``fresh`` part begins. A run
    kept behind new tokens, or behind dropped ones, holds keys computed in the old text; in
    a completion prompt, the text next to the cursor (the suffix) is read fresh: the model's
    answer leans on it most. Kept behind the line just typed, it cost exact lines in a
    held-out run (`long`: 12 of 51 against 15 and 16); kept behind a line deleted above the
    cursor, the answer was a whole read's at 6 of 32 cursors, against 31 read fresh."""
    if fresh.at is None:
        return chain
    kept: list[Run] = []
    head, cached, changed = start, start, False
    for run in chain:
        dropped = run.cached_at - cached
        healed = run.prompt_at == fresh.at and dropped <= fresh.healed
        changed = changed or run.prompt_at > head or (fresh.drops and dropped > 0 and not healed)
        if changed and run.prompt_at + run.length > fresh.at:
            length = fresh.at - run.prompt_at
            if length >= MIN_REUSE:
                kept.append(Run(run.cached_at, run.prompt_at, length))
            break
        kept.append(run)
        head, cached = run.prompt_at + run.length, run.cached_at + run.length
    return kept


def _matches(
    held: list[int],
    tokens: list[int],
    start: int,
    upto: int,
    where: dict[tuple[int, ...], list[int]],
) -> list[Run]:
    """Every longest stretch (at least MIN_REUSE) that ``held`` and ``tokens[:upto]`` share
    past ``start``, once each, in prompt order."""
    found: list[Run] = []
    covered: dict[int, int] = {}  # per diagonal (cache minus prompt position): where found ends
    for p in range(start, upto - MIN_REUSE + 1):
        candidates = where.get(tuple(tokens[p : p + _NGRAM]), ())
        if len(candidates) > _MAX_CANDIDATES:
            continue  # too common to anchor a run: a rarer n-gram of the same run will
        for c in candidates:
            if covered.get(c - p, -1) > p:
                continue
            first_p, first_c = p, c
            while first_p > start and first_c > start and held[first_c - 1] == tokens[first_p - 1]:
                first_p, first_c = first_p - 1, first_c - 1
            length, most = 0, min(len(held) - first_c, upto - first_p)
            while length < most and held[first_c + length] == tokens[first_p + length]:
                length += 1
            covered[c - p] = first_p + length
            if length >= MIN_REUSE:
                found.append(Run(cached_at=first_c, prompt_at=first_p, length=length))
    found.sort(key=lambda run: (run.prompt_at, run.cached_at))
    return found


def _best_chain(matches: list[Run]) -> list[Run]:
    """The runs among ``matches`` that follow each other in the cache and in the prompt and
    keep the most tokens between them (a longest chain). A run may lose its first tokens to
    the one before it (a stretch often goes on a few tokens into the next, when dropped text
    began as the text after it does). Only the longest matches compete (repetitive code has
    hundreds of short ones, and the search is quadratic)."""
    matches = sorted(
        sorted(matches, key=lambda run: -run.length)[:_MAX_MATCHES],
        key=lambda run: (run.prompt_at, run.cached_at),
    )
    # per match: tokens its best chain keeps, its predecessor there, and itself as kept
    best: list[tuple[int, int, Run]] = []
    for i, run in enumerate(matches):
        kept, before, as_kept = run.length, -1, run
        for j in range(i):
            prior = matches[j]
            overlap = max(
                prior.prompt_at + prior.length - run.prompt_at,
                prior.cached_at + prior.length - run.cached_at,
                0,
            )
            length = run.length - overlap
            if length >= MIN_REUSE and best[j][0] + length > kept:
                trimmed = Run(run.cached_at + overlap, run.prompt_at + overlap, length)
                kept, before, as_kept = best[j][0] + length, j, trimmed
        best.append((kept, before, as_kept))
    if not best:
        return []
    i = max(range(len(best)), key=lambda k: best[k][0])
    chain: list[Run] = []
    while i >= 0:
        chain.append(best[i][2])
        i = best[i][1]
    return chain[::-1]


def kept(
    held: list[int], tokens: list[int], upto: int, fresh: Fresh = Fresh()
) -> tuple[int, list[Run]]:
    """What a cache holding ``held`` keeps of ``tokens[:upto]``: the common prefix, and the
    runs after it that ``find_runs`` finds (none when too little is left to find one in)."""
    n = min(common_prefix(held, tokens), upto)
    if n >= upto or len(held) - n < MIN_REUSE:
        return n, []
    return n, find_runs(held, tokens, n, upto, fresh)


def reusable(held: list[int], tokens: list[int], upto: int, fresh: Fresh = Fresh()) -> int:
    """How many of ``tokens[:upto]`` a cache holding ``held`` would keep (see ``reuse``):
    which of two caches to start from is decided by this, not by the common prefix alone
    (two documents' prompts may share only their first token, and a window that moved keeps
    most of its text further on)."""
    n, runs = kept(held, tokens, upto, fresh)
    return n + sum(run.length for run in runs)


@dataclass(frozen=True)
class Reused:
    """What ``reuse`` kept: ``held`` of the prompt's tokens. From ``shifted`` on (None:
    nowhere) their keys wait for the shift llama.cpp applies at the next decode. ``gaps``:
    the prompt's ranges in front of kept runs that are still to be read, in order (the
    context's ``n_tokens`` counts them; their ``input_ids`` are HOLE)."""

    held: int
    shifted: int | None = None
    gaps: tuple[tuple[int, int], ...] = ()


def reuse(lib: Any, llm: Any, tokens: list[int], upto: int, fresh: Fresh = Fresh()) -> Reused:
    """Keep what the cache of ``llm`` (a ``llama_cpp.Llama``; ``lib`` is the ``llama_cpp``
    module) holds of ``tokens[:upto]``: the common prefix, then every run ``find_runs``
    finds (``fresh``: see there), shifted to its new position; the rest of the cache is
    dropped. A cache that cannot drop part of itself (a recurrent model's) is emptied: the
    prompt is read in full."""
    held = held_tokens(llm)
    n, runs = kept(held, tokens, upto, fresh)
    memory = lib.llama_get_memory(llm._ctx.ctx)
    if n >= upto or not runs or not lib.llama_memory_can_shift(memory):
        return Reused(keep_first(lib, llm, memory, n))
    # Drop every cached token that is neither the prefix nor in a run...
    head = n
    for run in runs:
        if not lib.llama_memory_seq_rm(memory, 0, head, run.cached_at):
            return Reused(keep_first(lib, llm, memory, 0))
        head = run.cached_at + run.length
    lib.llama_memory_seq_rm(memory, 0, head, -1)
    # ...then move each run to its place: those moving left in order, those moving right in
    # reverse, so that no run is moved onto cached positions of one not moved yet (llama.cpp
    # moves whatever sits in a range).
    left = [run for run in runs if run.prompt_at < run.cached_at]
    right = [run for run in runs if run.prompt_at > run.cached_at]
    for run in left + right[::-1]:
        end = run.cached_at + run.length
        lib.llama_memory_seq_add(memory, 0, run.cached_at, end, run.prompt_at - run.cached_at)
    gaps: list[tuple[int, int]] = []
    head = n
    for run in runs:
        if run.prompt_at > head:
            gaps.append((head, run.prompt_at))
            llm.input_ids[head : run.prompt_at] = HOLE
        llm.input_ids[run.prompt_at : run.prompt_at + run.length] = held[
            run.cached_at : run.cached_at + run.length
        ]
        head = run.prompt_at + run.length
    llm.n_tokens = head
    moved = [run.prompt_at for run in left + right]
    return Reused(n + sum(run.length for run in runs), min(moved, default=None), tuple(gaps))


def keep_first(lib: Any, llm: Any, memory: Any, n: int) -> int:
    """Have the cache of ``llm`` (its llama.cpp ``memory``) hold its first ``n`` tokens and
    no more, or nothing when it cannot drop a part (llama.cpp says so for a recurrent
    model's state); how many it holds then."""
    if not lib.llama_memory_seq_rm(memory, 0, n, -1):
        lib.llama_memory_seq_rm(memory, 0, -1, -1)
        n = 0
    llm.n_tokens = n
    return n
