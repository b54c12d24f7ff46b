"""Prompt-lookup drafting (pure): where copies are found, how drafts grow and stop."""

from __future__ import annotations

from codesaga.domain.drafting import JUDGE_AFTER, PAUSE_TOKENS, PromptLookup

SOURCE = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]


def test_a_copy_is_found_by_its_last_tokens_and_followed() -> None:
    lookup = PromptLookup(SOURCE, first=4)
    assert lookup.draft([99]) == []  # nothing to go by
    assert lookup.draft([99, 3, 4, 5]) == [6, 7, 8, 9]
    lookup.taken(4, 4)  # all right: the draft doubles and follows on
    assert lookup.draft([99, 3, 4, 5, 6, 7, 8, 9, 10]) == SOURCE[10:16]


def test_a_partial_draft_shrinks_and_a_divergence_relocates() -> None:
    lookup = PromptLookup(SOURCE, first=8)
    assert lookup.draft([2, 3]) == SOURCE[3:11]
    lookup.taken(8, 2)  # 4 and 5 were right, then the model wrote 42
    assert lookup.size == 3
    assert lookup.draft([2, 3, 4, 5, 42]) == []  # 42 is nowhere in the source
    assert lookup.draft([2, 3, 4, 5, 42, 12, 13]) == [14, 15, 16]


def test_poor_guesses_pause_drafting() -> None:
    lookup = PromptLookup(list(range(100)) * 2, first=8)
    generated = [0, 1, 2]
    offered = 0
    while draft := lookup.draft(generated):  # every guess rejected
        lookup.taken(len(draft), 0)
        offered += len(draft)
        assert offered < 64, "drafting should have paused"
    assert offered >= JUDGE_AFTER
    assert all(lookup.draft(generated) == [] for _ in range(PAUSE_TOKENS - 1))
    assert lookup.draft(generated)  # and then it tries again
