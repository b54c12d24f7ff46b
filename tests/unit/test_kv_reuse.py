from codesaga.engine.kv_reuse import MIN_REUSE, Run, find_runs, reusable


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
