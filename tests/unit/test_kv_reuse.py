from codesaga.engine.kv_reuse import HOLE, MIN_REUSE, Run, find_runs, reusable


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


def test_a_hole_left_by_an_unread_gap_is_never_kept() -> None:
    held = block(0, 10) + [HOLE] * 40 + block(100, 60)
    tokens = block(0, 10) + block(500, 40) + block(100, 60)
    assert find_runs(held, tokens, start=10, upto=len(tokens)) == [
        Run(cached_at=50, prompt_at=50, length=60)
    ]


def test_behind_a_gap_no_run_reaches_into_the_fresh_part() -> None:
    # A line typed at the cursor: the suffix after it is still cached, but behind new tokens
    # its keys would not have seen them, and the answer leans on it most: it is read again.
    window, typed, suffix = block(0, 100), block(500, 10), block(200, 80)
    held = window + [7] + suffix
    tokens = window + typed + [7] + suffix
    mark = len(window) + len(typed)  # where the suffix begins
    assert find_runs(held, tokens, start=100, upto=len(tokens), fresh_from=mark) == []
    assert find_runs(held, tokens, start=100, upto=len(tokens)) == [
        Run(cached_at=100, prompt_at=110, length=81)
    ]


def test_a_run_behind_a_gap_is_cut_where_the_fresh_part_begins() -> None:
    chunk, window, suffix = block(900, 20), block(0, 100), block(200, 80)
    held = block(950, 5) + window + suffix
    tokens = chunk + window + suffix
    assert find_runs(held, tokens, start=0, upto=len(tokens), fresh_from=120) == [
        Run(cached_at=5, prompt_at=20, length=100)
    ]


def test_with_nothing_new_in_front_a_run_may_reach_into_the_fresh_part() -> None:
    # A window that moved: its runs follow the kept prefix directly, as before gaps.
    header, dropped, kept = block(0, 40), block(100, 50), block(200, 60)
    held = header + dropped + kept
    tokens = header + kept
    assert find_runs(held, tokens, start=40, upto=len(tokens), fresh_from=50) == [
        Run(cached_at=90, prompt_at=40, length=60)
    ]
