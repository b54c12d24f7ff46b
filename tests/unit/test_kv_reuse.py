from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from codesaga.engine.kv_reuse import (
    HOLE,
    MIN_REUSE,
    Fresh,
    Reused,
    Run,
    find_runs,
    reusable,
    reuse,
)


def block(start: int, n: int) -> list[int]:
    return list(range(start, start + n))


def test_a_window_that_moved_keeps_the_cached_run_it_still_holds() -> None:
    header, dropped, kept, new = block(0, 40), block(100, 50), block(200, 60), block(300, 40)
    held = header + dropped + kept
    runs = find_runs(held, header + kept + new, start=40, upto=40 + 60 + 40 - 1)
    assert runs == [Run(cached_at=90, prompt_at=40, length=60)]


def test_runs_follow_each_other_in_the_cache_and_in_the_prompt() -> None:
    a, b, c = block(100, 40), block(200, 40), block(300, 40)
    held = a + block(900, 10) + b + block(950, 10) + c
    tokens = b + c
    runs = find_runs(held, tokens, start=0, upto=len(tokens))
    assert runs == [
        Run(cached_at=50, prompt_at=0, length=40),
        Run(cached_at=100, prompt_at=40, length=40),
    ]


def test_a_run_shorter_than_min_reuse_is_read_again() -> None:
    short = block(100, MIN_REUSE - 1)
    held = block(0, 10) + short
    tokens = short + block(500, 40)
    assert find_runs(held, tokens, start=0, upto=len(tokens)) == []


def test_what_a_cache_keeps_counts_its_shifted_runs_not_only_the_common_prefix() -> None:
    fim = [1]  # two documents' prompts may share only their first token
    a_then = fim + block(100, 300)
    a_now = fim + block(130, 300)  # the window moved 30 tokens on: the rest is held further on
    b = fim + block(5000, 300)
    assert reusable(a_then, a_now, len(a_now)) == 1 + 270
    assert reusable(b, a_now, len(a_now)) == 1  # so the document's own state is the one to use
    assert reusable(a_now, a_now, 10) == 10


def test_a_run_after_new_tokens_is_kept_behind_the_gap() -> None:
    # A context chunk in front of the window changed: the window is kept, moved to where the
    # new chunk ends (the engine reads the chunk in front of it).
    header, old_chunk, new_chunk, window = (
        block(0, 20),
        block(100, 30),
        block(500, 45),
        block(200, 300),
    )
    held = header + old_chunk + window
    tokens = header + new_chunk + window + block(900, 5)
    runs = find_runs(held, tokens, start=20, upto=len(tokens) - 1)
    assert runs == [Run(cached_at=50, prompt_at=65, length=300)]
    assert reusable(held, tokens, len(tokens) - 1) == 20 + 300


def test_the_runs_kept_are_those_that_keep_the_most_not_the_first_found() -> None:
    # Two stretches the prompt holds in the other order than the cache: only one can be kept
    # (the cache's order is the prompt's), and the longer one is.
    short, long = block(100, 40), block(300, 200)
    held = long + short
    tokens = short + long
    assert find_runs(held, tokens, start=0, upto=len(tokens)) == [
        Run(cached_at=0, prompt_at=40, length=200)
    ]


def test_a_run_that_begins_with_a_common_ngram_is_still_found_whole() -> None:
    # Indentation repeated more often than a search starts from: the run is found from a
    # rarer n-gram of it and extended back to its start.
    held = [5] * 30 + block(100, 40)
    tokens = block(900, 3) + [5] * 4 + block(100, 40)
    assert find_runs(held, tokens, start=0, upto=len(tokens)) == [
        Run(cached_at=26, prompt_at=3, length=44)
    ]


def test_a_run_that_went_on_into_the_next_loses_its_first_tokens_not_the_next() -> None:
    # Lines dropped inside the window, where the dropped text began as the text after it
    # does: the stretch before runs two tokens into the next, which is kept less those two.
    header, dropped, a, b = block(0, 20), block(100, 50), block(200, 200), block(500, 300)
    x = [*b[:2], *block(900, 2)]
    held = header + dropped + a + x + b
    tokens = header + a + b
    assert find_runs(held, tokens, start=20, upto=len(tokens)) == [
        Run(cached_at=70, prompt_at=20, length=202),
        Run(cached_at=276, prompt_at=222, length=298),
    ]


class FakeMemory:
    """llama.cpp's KV cache as cells of (position, token), for one sequence: what reuse
    does to it is checked against the prompt."""

    def __init__(self, held: list[int]) -> None:
        self.cells = [[pos, token] for pos, token in enumerate(held)]
        self.calls: list[tuple[str, int, int, int]] = []

    # the llama_cpp module's functions that reuse calls
    def llama_get_memory(self, _ctx: object) -> FakeMemory:
        return self

    def llama_memory_can_shift(self, _memory: object) -> bool:
        return True

    def llama_memory_seq_rm(self, _m: object, _seq: int, p0: int, p1: int) -> bool:
        high = p1 if p1 >= 0 else 1 << 30
        self.cells = [c for c in self.cells if not max(p0, 0) <= c[0] < high]
        return True

    def llama_memory_seq_add(self, _m: object, _seq: int, p0: int, p1: int, delta: int) -> None:
        self.calls.append(("add", p0, p1, delta))
        for cell in self.cells:
            if p0 <= cell[0] < p1:
                cell[0] += delta


def reused(held: list[int], tokens: list[int]) -> tuple[FakeMemory, SimpleNamespace, Reused]:
    memory = FakeMemory(held)
    llm = SimpleNamespace(
        input_ids=np.array([*held, *([0] * 200)], dtype=np.intc),
        n_tokens=len(held),
        _ctx=SimpleNamespace(ctx=None),
    )
    return memory, llm, reuse(memory, llm, tokens, len(tokens))


def assert_in_place(memory: FakeMemory, tokens: list[int], kept: Reused) -> None:
    """Every cell left sits where the prompt holds its token, once; the gaps hold none."""
    positions = [pos for pos, _ in memory.cells]
    assert len(positions) == len(set(positions)) == kept.held
    assert all(tokens[pos] == token for pos, token in memory.cells)


def test_reuse_moves_every_kept_run_to_its_place_and_marks_the_gaps() -> None:
    header, a, x, b, c = (
        block(0, 20),
        block(100, 40),
        block(300, 30),
        block(400, 50),
        block(600, 40),
    )
    held = header + a + x + b + c  # a at 20, b at 90, c at 140
    new1, new2 = block(700, 10), block(800, 60)
    tokens = header + new1 + a + b + new2 + c  # a moves right, b left, c right
    memory, llm, kept = reused(held, tokens)
    assert kept.held == 20 + 40 + 50 + 40
    assert kept.gaps == ((20, 30), (120, 180))
    assert llm.n_tokens == len(tokens)
    assert_in_place(memory, tokens, kept)
    assert list(llm.input_ids[20:30]) == [HOLE] * 10
    assert list(llm.input_ids[:20]) == header and list(llm.input_ids[30:120]) == a + b


def test_runs_moving_right_onto_each_other_are_moved_last_first() -> None:
    # a's new place overlaps b's old one: moved first, a would be moved again with b.
    header, a, b = block(0, 20), block(100, 40), block(200, 40)
    tokens = header + block(700, 50) + a + block(800, 10) + b
    memory, _, kept = reused(header + a + b, tokens)
    assert kept.gaps == ((20, 70), (110, 120))
    assert_in_place(memory, tokens, kept)


def test_behind_a_gap_no_run_reaches_into_the_fresh_part() -> None:
    # A line typed at the cursor: the suffix after it is still cached, but behind new tokens
    # its keys would not have seen them, and the answer leans on it most: it is read again.
    window, typed, suffix = block(0, 100), block(500, 10), block(200, 80)
    held = [*window, 7, *suffix]
    tokens = [*window, *typed, 7, *suffix]
    mark = len(window) + len(typed)  # where the suffix begins
    assert find_runs(held, tokens, start=100, upto=len(tokens), fresh=Fresh(mark)) == []
    assert find_runs(held, tokens, start=100, upto=len(tokens)) == [
        Run(cached_at=100, prompt_at=110, length=81)
    ]


def test_a_run_behind_a_gap_is_cut_where_the_fresh_part_begins() -> None:
    chunk, window, suffix = block(900, 20), block(0, 100), block(200, 80)
    held = block(950, 5) + window + suffix
    tokens = chunk + window + suffix
    assert find_runs(held, tokens, start=0, upto=len(tokens), fresh=Fresh(120)) == [
        Run(cached_at=5, prompt_at=20, length=100)
    ]


def test_behind_dropped_tokens_a_run_reaches_into_the_fresh_part_unless_drops_count() -> None:
    # Text dropped in front (a line deleted above the cursor, a window that moved): in a
    # completion prompt the suffix after it is read again; in a conversation whose older
    # turns were dropped, the rest is kept.
    header, dropped, kept = block(0, 40), block(100, 50), block(200, 60)
    held = header + dropped + kept
    tokens = header + kept
    assert find_runs(held, tokens, start=40, upto=len(tokens), fresh=Fresh(50)) == [
        Run(cached_at=90, prompt_at=40, length=60)
    ]
    assert find_runs(held, tokens, start=40, upto=len(tokens), fresh=Fresh(50, drops=True)) == []
    assert find_runs(held, tokens, start=40, upto=len(tokens), fresh=Fresh(80, drops=True)) == [
        Run(cached_at=90, prompt_at=40, length=40)
    ]


def test_tokens_token_healing_took_out_in_front_of_the_fresh_part_are_no_change() -> None:
    # The prompt read ahead whole, then asked with its last two tokens before the suffix
    # taken out (their text begins the answer): the suffix's keys saw the document's text.
    window, healed, suffix = block(0, 100), block(500, 2), block(200, 80)
    held = [*window, *healed, 7, *suffix]
    tokens = [*window, 7, *suffix]
    at = len(window)
    assert find_runs(held, tokens, 100, len(tokens), Fresh(at, drops=True, healed=2)) == [
        Run(cached_at=102, prompt_at=100, length=81)
    ]
    assert find_runs(held, tokens, 100, len(tokens), Fresh(at, drops=True, healed=1)) == []
    assert find_runs(held, tokens, 100, len(tokens), Fresh(at, drops=True)) == []
