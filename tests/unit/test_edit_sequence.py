"""A document's edits as a sequence: checked against the text they led to, undone, and made
from two versions of a file."""

from __future__ import annotations

from codesaga.domain.edit_sequence import last_place, sequence, undo, verified
from codesaga.domain.edits import Span, TextEdit, apply_edits, bounds

BEFORE = "def area(width, height):\n    return width * height\n"


def test_undo_gives_back_the_text_before_an_edit_that_is_in_the_text() -> None:
    edit = TextEdit(Span(1, 10, 1, 15), "width", "w")
    after = apply_edits(BEFORE, [edit])
    assert undo(after, edit) == BEFORE
    other = TextEdit(Span(1, 10, 1, 15), "width", "size")
    assert undo(after, other) is None  # "size" is not at 1:10: an edit of another text


def test_only_the_latest_edits_that_lead_to_the_content_are_kept() -> None:
    first = TextEdit(Span(1, 10, 1, 15), "width", "w")
    second = TextEdit(Span(2, 12, 2, 17), "width", "w")
    text = apply_edits(apply_edits(BEFORE, [first]), [second])
    assert verified(text, [first, second]) == ([first, second], BEFORE)
    lost = TextEdit(Span(1, 1, 1, 3), "fn", "class")  # of another version: no "class" at 1:1
    assert verified(text, [lost, first, second]) == ([first, second], BEFORE)
    reloaded = "def area(size):\n    return size\n"  # another text: none of the edits is in it
    assert verified(reloaded, [first, second]) == ([], reloaded)


def test_two_versions_become_edits_made_from_the_top_down() -> None:
    after = "def area(w, h):\n    return w * h\n"
    edits = sequence(BEFORE, after)
    assert len(edits) == 2
    text = BEFORE
    for edit in edits:  # each span is in the text as the edits before it left it
        text = apply_edits(text, [edit])
    assert text == after
    assert verified(after, edits) == (edits, BEFORE)
    place = last_place(after, edits)  # the last edit's text, on line 2
    assert place is not None and place.start_line == 2
    start, end = bounds(after, place)
    assert after[start:end] == edits[-1].text


def test_a_deletion_leaves_an_empty_place() -> None:
    edit = TextEdit(Span(1, 15, 1, 23), ", height", "")
    after = apply_edits(BEFORE, [edit])
    assert last_place(after, [edit]) == Span(1, 15, 1, 15)
    assert last_place(after, []) is None
