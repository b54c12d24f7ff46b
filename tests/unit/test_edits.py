"""Edits found by diffing two versions of a text, and applied back."""

from __future__ import annotations

import pytest

from codesaga.domain.edits import (
    Span,
    TextEdit,
    apply_edits,
    diff_edits,
    offset,
    position,
)

BEFORE = "def area(w, h):\n    return w * h\n\n\nprint(area(2, 3))\n"


def test_a_renamed_word_is_an_edit_of_that_word() -> None:
    after = BEFORE.replace("def area", "def surface")
    (edit,) = diff_edits(BEFORE, after)
    assert edit == TextEdit(Span(1, 5, 1, 9), "area", "surface")


def test_edits_in_several_places_apply_back_to_the_new_version() -> None:
    after = BEFORE.replace("area", "surface").replace("w * h", "w * h * 1")
    edits = diff_edits(BEFORE, after)
    assert len(edits) == 3
    assert apply_edits(BEFORE, edits) == after


@pytest.mark.parametrize(
    "after",
    [
        BEFORE + "extra\n",
        "# head\n" + BEFORE,
        BEFORE.replace("\n\n\n", "\n"),
        "",
        BEFORE.rstrip("\n"),
    ],
)
def test_insertions_and_deletions_of_lines_apply_back(after: str) -> None:
    assert apply_edits(BEFORE, diff_edits(BEFORE, after)) == after


def test_an_edit_made_to_another_version_is_refused() -> None:
    stale = TextEdit(Span(1, 5, 1, 9), "size", "surface")
    with pytest.raises(ValueError, match="removed text"):
        apply_edits(BEFORE, [stale])


def test_positions_and_offsets_are_1_based_and_inverse() -> None:
    for index in range(len(BEFORE) + 1):
        assert offset(BEFORE, *position(BEFORE, index)) == index
    with pytest.raises(ValueError):
        offset(BEFORE, 1, 40)


def test_spans_overlap_when_they_share_a_character_or_an_empty_one_touches() -> None:
    word = Span(2, 5, 2, 11)
    assert word.overlaps(Span(2, 10, 3, 1))
    assert not word.overlaps(Span(2, 11, 2, 12))
    assert word.overlaps(Span(2, 11, 2, 11))
    with pytest.raises(ValueError):
        Span(2, 5, 1, 1)
