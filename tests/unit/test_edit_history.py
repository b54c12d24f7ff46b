"""The recent edits kept per document: bounded in edits, bytes and documents, forgotten after
an idle time, and deaf to edits overtaken on the way."""

from __future__ import annotations

from codesaga.domain.edits import Span, TextEdit
from codesaga.service.edit_history import (
    IDLE_SECONDS,
    MAX_BYTES,
    MAX_DOCUMENTS,
    MAX_EDITS,
    EditHistory,
)


def typed(text: str, column: int = 1) -> TextEdit:
    return TextEdit(Span(1, column, 1, column), "", text)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_latest_edits_are_kept_oldest_first_up_to_the_bound() -> None:
    history = EditHistory()
    edits = [typed(str(i), i + 1) for i in range(MAX_EDITS + 5)]
    for edit in edits:
        history.record("/a.py", edit)
    assert history.edits("/a.py") == edits[-MAX_EDITS:]
    assert history.edits("/b.py") == []


def test_large_edits_push_the_older_ones_out_and_one_over_the_bound_is_not_kept() -> None:
    history = EditHistory()
    history.record("/a.py", typed("x"))
    half = typed("h" * (MAX_BYTES // 2), 2)
    history.record("/a.py", half)
    history.record("/a.py", half)
    assert history.edits("/a.py") == [half, half]  # the bound reached: the small one left
    paste = typed("y" * (MAX_BYTES + 1))
    history.record("/a.py", paste)  # a paste: nothing to repeat, and it moved the rest
    assert history.edits("/a.py") == []
    small = typed("z")
    history.record("/a.py", small)
    assert history.edits("/a.py") == [small]


def test_an_edit_not_newer_than_the_last_kept_is_ignored() -> None:
    history = EditHistory()
    assert history.record("/a.py", typed("a"), version=3, language="python")
    assert not history.record("/a.py", typed("b"), version=3)  # sent twice
    assert not history.record("/a.py", typed("c"), version=2)  # overtaken
    assert history.record("/a.py", typed("d"), version=5)
    assert [e.text for e in history.edits("/a.py")] == ["a", "d"]
    assert history.language("/a.py") == "python"


def test_documents_are_bounded_and_forgotten_when_idle() -> None:
    clock = Clock()
    history = EditHistory(clock)
    for i in range(MAX_DOCUMENTS + 3):
        history.record(f"/d{i}.py", typed("x"))
        clock.now += 1
    assert len(history) == MAX_DOCUMENTS
    assert history.edits("/d0.py") == [] and history.edits(f"/d{MAX_DOCUMENTS}.py") != []
    history.record("/d3.py", typed("y"))  # d3 is edited again: the last to go
    clock.now += IDLE_SECONDS - 1
    assert history.edits("/d3.py") != [] and history.edits("/d4.py") == []
    clock.now += 2
    assert len(history) == 0


def test_replace_and_drop() -> None:
    history = EditHistory()
    history.record("/a.py", typed("a"), version=9)
    history.replace("/a.py", [typed("b"), typed("c")])
    assert [e.text for e in history.edits("/a.py")] == ["b", "c"]
    history.record("/a.py", typed("d"), version=1)  # a fresh history knows no version
    history.drop("/a.py")
    assert history.edits("/a.py") == []


def test_a_reopened_document_takes_edits_whatever_their_version() -> None:
    history = EditHistory()
    assert history.record("/a.py", typed("a"), version=300)
    assert not history.record("/a.py", typed("b"), version=2)
    history.reopened("/a.py")  # closed and opened again: the editor counts from 1
    assert history.record("/a.py", typed("c"), version=2)
    assert not history.record("/a.py", typed("d"), version=2)  # then as before
    assert [e.text for e in history.edits("/a.py")] == ["a", "c"]
    history.reopened("/b.py")  # a document with no history: nothing to do
    assert history.edits("/b.py") == []
