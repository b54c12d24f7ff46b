"""The pure parts of next-edit locations: the user's last change (edits typed a few characters
at a time merged), what undoes it, the rules a candidate passes, renames and signatures read
from a change."""

from __future__ import annotations

from codesaga.domain.edits import Span, TextEdit, apply_edits, diff_edits, narrowed_edit
from codesaga.domain.next_edit_locations import (
    MAX_MODEL_PLACES,
    RENAME,
    SIGNATURE,
    SIMILAR,
    Candidate,
    Change,
    LineIndex,
    finalize,
    line_changes,
    merge,
    recent_change,
    reverts,
    slid_insertions,
)
from codesaga.domain.next_edit_patterns import balanced, find_rename
from codesaga.domain.next_edit_signatures import Header, calls_must_change, read_signature_change
from codesaga.domain.next_edit_similar import similar_candidates

TEXT = "def area(w, h):\n    return w * h\n\n\nprint(area(2, 3))\n"


def _typed(text: str, edits: list[TextEdit]) -> str:
    for edit in edits:
        text = apply_edits(text, [edit])
    return text


def test_characters_typed_one_after_another_merge_into_one_edit() -> None:
    edits = [
        TextEdit(Span(1, 5, 1, 9), "area", "s"),
        TextEdit(Span(1, 6, 1, 6), "", "u"),
        TextEdit(Span(1, 7, 1, 7), "", "rf"),
        TextEdit(Span(1, 8, 1, 9), "f", ""),  # a backspace
        TextEdit(Span(1, 8, 1, 8), "", "face"),
    ]
    merged = edits[0]
    for edit in edits[1:]:
        joined = merge(merged, edit)
        assert joined is not None
        merged = joined
    assert merged == TextEdit(Span(1, 5, 1, 9), "area", "surface")
    assert apply_edits(TEXT, [merged]) == _typed(TEXT, edits)


def test_edits_in_other_places_do_not_merge() -> None:
    assert (
        merge(
            TextEdit(Span(1, 5, 1, 9), "area", "size"), TextEdit(Span(5, 7, 5, 11), "area", "size")
        )
        is None
    )


def test_the_recent_change_is_narrowed_and_knows_where_older_edits_are() -> None:
    older = TextEdit(Span(5, 7, 5, 11), "area", "size")
    last = TextEdit(Span(1, 1, 2, 1), "def area(w, h):\n", "def size(w, h):\n")  # a whole line
    content = _typed(TEXT, [older, last])
    index = LineIndex(content)
    change = recent_change(content, [older, last], index)
    assert change is not None
    assert (change.removed, change.inserted, change.before) == (
        "area",
        "size",
        apply_edits(TEXT, [older]),
    )
    ((start, end),) = change.earlier
    assert content[start:end] == "size" and index.line_of(start) == 5


def test_a_history_that_does_not_fit_the_content_is_no_change() -> None:
    assert (
        recent_change(TEXT, [TextEdit(Span(1, 5, 1, 9), "area", "size")], LineIndex(TEXT)) is None
    )
    assert recent_change(TEXT, [TextEdit(Span(40, 1, 40, 1), "", "x")], LineIndex(TEXT)) is None


def test_putting_back_what_the_user_just_replaced_is_a_reversal_anywhere() -> None:
    history = [TextEdit(Span(1, 5, 1, 9), "area", "s"), TextEdit(Span(1, 6, 1, 6), "", "ize")]
    assert reverts(TextEdit(Span(5, 7, 5, 11), "size", "area"), history)
    assert reverts(TextEdit(Span(5, 1, 5, 18), "print(size(2, 3))", "print(area(2, 3))"), history)
    assert not reverts(TextEdit(Span(5, 7, 5, 11), "area", "size"), history)


def test_undoing_an_older_edit_is_a_reversal_only_where_it_was() -> None:
    older = TextEdit(Span(1, 12, 1, 13), "h", "height")
    last = TextEdit(Span(5, 13, 5, 14), "3", "4")
    back = TextEdit(Span(1, 12, 1, 18), "height", "h")
    assert reverts(back, [older, last])
    elsewhere = TextEdit(Span(2, 16, 2, 22), "height", "h")
    assert not reverts(elsewhere, [older, last])


def _candidate(line: int, score: float, kind: str = RENAME, model: bool = False) -> Candidate:
    span = Span(line, 1, line, 3)
    edit = None if model else TextEdit(span, "ab", "cd")
    return Candidate(span, kind, score, edit)


def _setting(lines: int = 60) -> tuple[LineIndex, list[TextEdit]]:
    text = "".join(f"ab line {i}\n" for i in range(1, lines + 1))
    edit = TextEdit(Span(10, 1, 10, 3), "ab", "xy")  # line 10 changed
    return LineIndex(apply_edits(text, [edit])), [edit]


def test_nothing_on_the_cursors_line_or_the_changed_one_and_best_first() -> None:
    index, history = _setting()
    change = recent_change(index.text, history, index)
    assert change is not None
    found = finalize(
        [_candidate(10, 0.99), _candidate(20, 0.9), _candidate(30, 0.95), _candidate(12, 0.97)],
        index,
        change,
        history,
        (12, 3),
        limit=8,
    )
    assert [c.span.start_line for c in found] == [30, 20]


def test_candidates_on_the_same_text_keep_the_best_and_the_limit_holds() -> None:
    index, history = _setting()
    change = recent_change(index.text, history, index)
    assert change is not None
    same = [_candidate(20, 0.9), _candidate(20, 0.8, SIMILAR)]
    assert [c.kind for c in finalize(same, index, change, history, None, 8)] == [RENAME]
    many = [_candidate(line, 0.9) for line in range(20, 40)]
    assert len(finalize(many, index, change, history, None, 5)) == 5


def test_computed_edits_of_one_kind_on_one_line_are_one_suggestion() -> None:
    index, history = _setting()  # lines "ab line N"
    change = recent_change(index.text, history, index)
    assert change is not None

    def at(
        line: int, column: int, old: str, new: str, score: float, kind: str = RENAME
    ) -> Candidate:
        edit = TextEdit(Span(line, column, line, column + len(old)), old, new)
        return Candidate(edit.span, kind, score, edit)

    found = finalize(
        [
            at(20, 1, "ab", "xy", 0.9),
            at(20, 4, "line", "row", 0.8),  # the same line, the same kind: merged
            at(20, 9, "20", "twenty", 0.7, SIMILAR),  # another kind: apart
            at(30, 4, "line", "row", 0.85),
            at(30, 1, "ab", "ab!", 0.6),  # touches the first's edit? no: one column between
            at(40, 1, "ab", "xy", 0.5),
            at(40, 1, "a", "z", 0.4),  # overlaps: left out
        ],
        index, change, history, None, limit=8,
    )  # fmt: skip
    assert [(c.span.start_line, c.kind, c.edit and c.edit.text) for c in found] == [
        (20, RENAME, "xy row"),
        (30, RENAME, "ab! row"),
        (20, SIMILAR, "twenty"),
        (40, RENAME, "xy"),
    ]
    assert [c.score for c in found][:2] == [0.9, 0.85]  # the best part's
    text = apply_edits(index.text, [c.edit for c in found if c.edit is not None])
    assert "xy row twenty\n" in text and "ab! row 30\n" in text


def test_model_candidates_are_a_few_sure_enough_each_its_own_place() -> None:
    index, history = _setting()
    change = recent_change(index.text, history, index)
    assert change is not None
    candidates = [
        _candidate(13, 0.6, SIGNATURE, model=True),
        _candidate(17, 0.59, SIGNATURE, model=True),  # near the first: its own rewrite still
        _candidate(40, 0.58, SIGNATURE, model=True),
        _candidate(55, 0.57, SIGNATURE, model=True),  # one model call too many
        _candidate(25, 0.3, SIMILAR, model=True),  # too unsure for a model call
    ]
    found = finalize(candidates, index, change, history, (10, 3), limit=8)
    assert [c.span.start_line for c in found] == [13, 17, 40]
    spread = [_candidate(line, 0.6, SIMILAR, model=True) for line in range(15, 60, 11)]
    assert len(finalize(spread, index, change, history, None, 8)) == MAX_MODEL_PLACES


def test_places_alike_in_score_are_taken_nearest_the_change_first() -> None:
    index, history = _setting()  # line 10 changed
    change = recent_change(index.text, history, index)
    assert change is not None
    alike = [_candidate(line, 0.6, SIMILAR, model=True) for line in (2, 4, 6, 13, 16, 40)]
    found = finalize(alike, index, change, history, None, 8)
    assert [c.span.start_line for c in found] == [13, 6, 4]  # not the file's first three


def test_a_rename_is_one_identifier_turned_into_another() -> None:
    index_of = TEXT.index
    after = TEXT.replace("area(w, h)", "surface(w, h)")
    change = recent_change(after, diff_edits(TEXT, after), LineIndex(after))
    assert change is not None
    rename = find_rename(change)
    assert rename is not None and (rename.old, rename.new, rename.alone) == (
        "area",
        "surface",
        True,
    )
    assert rename.sites == (index_of("area"),)
    for other in (
        TEXT.replace("w * h", "h * w"),  # two names swapped
        TEXT.replace("print(area(2, 3))", "print(area(2, 4))"),  # a number
        TEXT.replace("def area", "async def area"),  # a keyword added
    ):
        change = recent_change(other, diff_edits(TEXT, other), LineIndex(other))
        assert change is not None and find_rename(change) is None, other


def _header_change(before: str, after: str, name: str) -> bool:
    change = recent_change(after, diff_edits(before, after), LineIndex(after))
    assert change is not None
    end = after.index("\n")
    signature = read_signature_change(change, Header(name, 0, end, False), find_rename(change))
    return signature is not None and calls_must_change(signature)


def test_calls_must_change_when_a_required_parameter_comes_or_one_goes() -> None:
    assert _header_change("def f(a, b):\n", "def f(a, b, c):\n", "f")
    assert _header_change("def f(a, b):\n", "def f(a):\n", "f")
    assert _header_change("def f(a, b):\n", "def f(b, a):\n", "f")
    assert _header_change("def f(a, b=1):\n", "def f(a, b):\n", "f")
    assert _header_change("func F(a int) {\n", "func F(ctx context.Context, a int) {\n", "F")
    assert not _header_change("def f(a, b):\n", "def f(a, b, c=None):\n", "f")
    assert not _header_change("def f(a, b):\n", "def f(a, b, *rest, **options):\n", "f")
    assert not _header_change("def f(a, b):\n", "def f(a: int, b: str) -> int:\n", "f")
    assert not _header_change("function f(a) {\n", "function f(a, b?: number) {\n", "f")
    assert not _header_change("def f(a, b):\n", "def f(a, size):\n", "f")  # renamed


def test_a_similar_line_needs_a_shared_name_and_what_was_removed() -> None:
    text = "LIMIT = 5\nRETRIES = 5\nrun(a, timeout=5)\nrun(b, timeout=5)\nrun(c, timeout=9)\n"
    after = text.replace("run(a, timeout=5)", "run(a, timeout=10)")
    index = LineIndex(after)
    change = recent_change(after, diff_edits(text, after), index)
    assert change is not None
    found = similar_candidates(index, change)
    assert [(c.span.start_line, c.edit and c.edit.text) for c in found] == [(4, "10")]


def test_a_change_over_lines_is_read_as_the_one_line_changes_it_is_made_of() -> None:
    before = "def area(w, h):\n    return w * h\n\n\nprint(area(2, 3))\n"
    after = "def area(w, h, d):\n    # by depth\n    return w * h * d\n\n\nprint(area(2, 3))\n"
    edit = narrowed_edit(before, 0, len(before), after)  # one edit, as an editor's burst
    change = recent_change(after, [edit], LineIndex(after))
    assert change is not None and "\n" in change.inserted
    parts = line_changes(change)
    assert [(p.removed, p.inserted) for p in parts] == [("", ", d"), ("", " * d")]
    for part in parts:  # each as if it were the last: the others already made
        assert part.content == after
        assert part.before[: part.start] + part.inserted + part.before[part.before_end :] == after
    assert part.before == after.replace("w * h * d", "w * h")
    one_line = TEXT.replace("w * h", "h")
    within = recent_change(one_line, diff_edits(TEXT, one_line), LineIndex(one_line))
    assert within is not None and line_changes(within) == []


def test_balanced_reads_brackets_outside_string_literals_only() -> None:
    assert balanced("f(x[1], {a: 2})")
    assert balanced(", \"(\" + ')'")  # brackets in strings open and close nothing
    assert not balanced("}\n\nif (ready) {\n")  # a piece of a longer change
    assert not balanced("(a") and not balanced("a)") and not balanced("(]")


def test_an_insertion_is_read_at_each_place_it_slides_to_over_equal_characters() -> None:
    before = "from ._dict import IsDict, IsPartialDict\n"
    content = "from ._dict import IsDict, IsIgnoreDict, IsPartialDict\n"
    at = content.index("IgnoreDict, Is")  # where narrowing the edit's ends puts it
    change = Change(before, content, at, at, at + len("IgnoreDict, Is"))
    slid = list(slid_insertions(change))
    assert slid[0] == "IgnoreDict, Is" and "IsIgnoreDict, " in slid and ", IsIgnoreDict" in slid
    # a row typed into a run of like rows: a bounded number of windows, not one a character
    rows = "    0, 0, 0, 0,\n" * 5000
    change = Change(rows, rows + "    0, 0, 0, 0,\n", len(rows), len(rows), len(rows) + 16)
    assert len(list(slid_insertions(change))) <= 1 + 16
    assert list(slid_insertions(Change("ab", "b", 0, 1, 0))) == []  # a removal: none
