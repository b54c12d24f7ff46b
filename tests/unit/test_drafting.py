"""Prompt-lookup drafting (pure): where copies are found, how long drafts are and when none
is offered, and how batch costs and acceptance are learned."""

from __future__ import annotations

from codesaga.domain.drafting import (
    Acceptance,
    BatchCosts,
    Guess,
    PromptLookup,
    best_draft_size,
)

SOURCE = list(range(1, 101))


def sure_lookup(source: list[int]) -> PromptLookup:
    """A lookup that already knows its guesses are right (as after a long copy)."""
    lookup = PromptLookup(source)
    for kind in Guess:
        lookup.acceptance[kind] = Acceptance(hits=99, misses=1)
    return lookup


def test_a_copy_is_found_by_its_last_tokens_and_followed() -> None:
    lookup = sure_lookup(SOURCE)
    assert lookup.draft([999]) == []  # nothing to go by
    first = lookup.draft([999, 3, 4, 5])
    assert first and first == SOURCE[5 : 5 + len(first)]
    lookup.taken(len(first), len(first))
    generated = [999, 3, 4, 5, *first, SOURCE[5 + len(first)]]
    follow = lookup.draft(generated)
    start = 6 + len(first)
    assert follow and follow == SOURCE[start : start + len(follow)]


def test_a_divergence_relocates_by_the_tokens_written_since() -> None:
    lookup = sure_lookup(SOURCE)
    draft = lookup.draft([2, 3])
    lookup.taken(len(draft), 2)  # 4 and 5 were right, then the model wrote 4242
    assert lookup.draft([2, 3, 4, 5, 4242]) == []  # 4242 is nowhere in the source
    assert lookup.draft([2, 3, 4, 5, 4242, 60, 61])[:3] == [62, 63, 64]


def test_a_copy_from_the_prompt_ends_where_the_prompt_does() -> None:
    lookup = sure_lookup([1, 2, 3, 4, 5, 6])
    assert lookup.draft([1, 2, 3]) == [4, 5, 6]


def test_the_answer_so_far_is_drafted_from_too() -> None:
    lookup = sure_lookup([1, 2, 3])
    repeated = [70, 71, 72, 73, 74, 75, 76, 77, 78, 79]
    generated = [*repeated, 5, 70, 71]  # the answer starts repeating itself
    assert lookup.draft(generated)[:3] == [72, 73, 74]


def test_no_draft_when_batches_cost_more_than_the_guesses_save() -> None:
    cpu = BatchCosts()  # the prior: a batch of n costs 1.2 + 0.38 n single steps
    assert best_draft_size(0.5, 48, cpu, 48) == 0
    assert best_draft_size(0.7, 48, cpu, 48) == 0
    sure = best_draft_size(0.95, 48, cpu, 48)
    surer = best_draft_size(0.99, 48, cpu, 48)
    assert 4 <= sure < surer
    assert best_draft_size(0.99, 5, cpu, 48) == 5  # no more than the copy has
    assert best_draft_size(0.99, 48, cpu, 12) == 12  # nor than the engine allows


def test_batch_costs_are_learned_from_timings() -> None:
    gpu = BatchCosts()
    for _ in range(40):  # batches cost the same as one token: a GPU
        gpu.observe(1, 0.02)
        gpu.observe(9, 0.021)
        gpu.observe(25, 0.022)
    assert gpu.relative(25) < 1.3
    assert best_draft_size(0.95, 48, gpu, 48) >= 32  # guessing is nearly free there
    assert best_draft_size(0.8, 48, gpu, 48) > best_draft_size(0.8, 48, BatchCosts(), 48)
    slow = BatchCosts()
    for _ in range(40):  # every batched token costs as much as one on its own
        slow.observe(1, 0.05)
        slow.observe(4, 0.2)
        slow.observe(16, 0.8)
    assert 15 < slow.relative(16) < 17
    assert best_draft_size(0.99, 48, slow, 48) == 0


def test_guesses_not_offered_are_still_checked() -> None:
    lookup = PromptLookup(SOURCE)  # the prior for fresh guesses: not worth a batch yet
    before = lookup.acceptance[Guess.FRESH].p
    generated = [10, 11, 12]
    assert lookup.draft(generated) == []
    generated += SOURCE[12:20]  # the model wrote exactly what the guess said
    lookup.draft(generated)
    after_right = lookup.acceptance[Guess.FRESH].p
    assert after_right > before

    wrong = PromptLookup(SOURCE)
    generated = [10, 11, 12]
    assert wrong.draft(generated) == []
    generated += [13, 4242]  # one right, then something else
    wrong.draft(generated)
    assert wrong.acceptance[Guess.FRESH].p < before


def test_a_confirmed_copy_is_drafted_without_being_sure_of_fresh_guesses() -> None:
    lookup = PromptLookup(SOURCE)
    generated = [10, 11, 12]
    assert lookup.draft(generated) == []  # a fresh guess: watched, not offered
    generated += SOURCE[12:20]  # the model follows the copy on its own
    draft = lookup.draft(generated)
    assert draft and draft == SOURCE[20 : 20 + len(draft)]  # now it is a copy being followed


def test_a_long_copy_is_trusted_more_than_a_short_one() -> None:
    lookup = PromptLookup(SOURCE)
    lookup.acceptance[Guess.SHORT] = Acceptance(hits=1, misses=9)  # short copies break off
    generated = [10, 11, 12]
    assert lookup.draft(generated) == []  # a fresh guess, watched
    generated += SOURCE[12:20]  # the model copies it: a short copy now, still not trusted
    assert lookup.draft(generated) == []
    assert lookup.acceptance[Guess.SHORT].p < 0.5
    generated += SOURCE[20:28]  # and on: a long copy, with its confident prior
    draft = lookup.draft(generated)
    assert draft and draft == SOURCE[28 : 28 + len(draft)]


def test_a_batch_size_with_its_own_timings_is_predicted_from_them() -> None:
    lumpy = BatchCosts()  # the 1.5B model on 2 cores: 5 tokens are cheap, 9 are not
    for _ in range(10):
        lumpy.observe(1, 0.086)
        lumpy.observe(5, 0.19)
        lumpy.observe(9, 0.47)
    assert abs(lumpy.relative(5) - 0.19 / 0.086) < 0.05
    assert abs(lumpy.relative(9) - 0.47 / 0.086) < 0.05
    assert lumpy.relative(25) > lumpy.relative(9)  # a size not seen: from the fitted line
    assert best_draft_size(0.9, 48, lumpy, 48) == 4  # the cheap batch of 5


def test_a_copy_found_by_two_tokens_is_as_long_as_what_was_copied() -> None:
    lookup = PromptLookup(SOURCE, longest=12)
    for kind in Guess:
        lookup.acceptance[kind] = Acceptance(hits=99, misses=1)
    generated = [999, 11, 12]  # found by its last 2 tokens: 999 is no part of the copy
    first = lookup.draft(generated)
    assert first == SOURCE[12:24]
    lookup.taken(12, 12)
    generated += [*first, SOURCE[24]]  # 15 tokens copied: 11, 12, the draft and one more
    assert lookup.draft(generated)
    lookup.taken(12, 0)  # the result is scored as a short copy, not yet a long one
    assert lookup.acceptance[Guess.SHORT].misses > 1.5
    assert lookup.acceptance[Guess.LONG].misses == 1
