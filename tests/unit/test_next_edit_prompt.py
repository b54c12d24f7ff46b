"""The next-edit rewrite prompt (a unified diff the model continues) and the meaning of its
answer."""

from __future__ import annotations

from codesaga.domain.edits import Span, TextEdit, apply_edits
from codesaga.domain.next_edit_prompt import (
    MAX_CHANGE_LINES,
    answer,
    answer_budget,
    changes,
    finished,
    rewrite_edit,
    rewrite_prompt,
    rewritten,
    target_of,
    undoes,
    unlike_the_change,
)

BEFORE = (
    "def load(session):\n"
    "    a = fetch(url, headers)\n"
    "    log(a)\n"
    "    b = fetch(other, auth)\n"
    "    return a, b\n"
)
AFTER = BEFORE.replace("fetch(url, headers)", "fetch(url, headers, timeout=10)")


def test_the_prompt_shows_the_change_then_removes_the_target_lines_alike() -> None:
    recent = changes(BEFORE, AFTER, near_line=2)
    target = target_of(AFTER, Span(4, 9, 4, 26))
    assert target is not None
    prompt = rewrite_prompt("app.py", recent, target, "<|file_sep|>")
    assert prompt.marks == ((0, len("<|file_sep|>")),)
    assert prompt.text == (
        "<|file_sep|>app.py.diff\n"
        "--- a/app.py\n"
        "+++ b/app.py\n"
        "@@ -2,1 +2,1 @@\n"
        "-    a = fetch(url, headers)\n"
        "+    a = fetch(url, headers, timeout=10)\n"
        "@@ -4,1 +4,1 @@\n"
        "-    b = fetch(other, auth)\n"
        "+"  # the answer's first line is the model's to write: not another "-" line
    )


def test_the_nearest_change_comes_last_and_large_ones_are_left_out() -> None:
    lines = [f"x{i} = {i}\n" for i in range(40)]
    before = "".join(lines)
    after = before.replace("x2 = 2", "x2 = 2.0").replace("x30 = 30", "x30 = 30.0")
    after = after.replace("x10 = 10\n", "".join(f"y{i}\n" for i in range(MAX_CHANGE_LINES + 1)))
    found = changes(before, after, near_line=3)
    assert [c.new for c in found] == [("x30 = 30.0",), ("x2 = 2.0",)]


def test_the_answer_is_its_plus_lines_and_generation_stops_after_them() -> None:
    assert not finished("+    b = fetch(other")
    assert not finished("+    b = fetch(other, auth, timeout=10)\n")
    assert not finished("+    b = fetch(other, auth, timeout=10)\n+")
    assert finished("+    b = fetch(other, auth, timeout=10)\n```")
    assert finished(" nothing to change")
    assert rewritten("+    b = fetch(other, auth, timeout=10)\n```\nThis adds") == (
        "    b = fetch(other, auth, timeout=10)",
    )
    assert rewritten("     log(a)\n") is None  # a context line: the model changes nothing
    # what the model writes comes after the prompt's "+"
    assert rewritten(answer("    b = fetch(other, auth, timeout=10)\n-")) == (
        "    b = fetch(other, auth, timeout=10)",
    )
    assert finished(answer("    b = f\n@@"))


def test_a_rewrite_is_narrowed_to_what_differs_and_none_when_nothing_does() -> None:
    target = target_of(AFTER, Span(4, 1, 5, 1))  # ends at the start of line 5: line 4 only
    assert target is not None and target.lines == ("    b = fetch(other, auth)",)
    edit = rewrite_edit(AFTER, target, ("    b = fetch(other, auth, timeout=10)",))
    assert edit == TextEdit(Span(4, 26, 4, 26), "", ", timeout=10")
    assert apply_edits(AFTER, [edit]).count("timeout=10") == 2
    assert rewrite_edit(AFTER, target, target.lines) is None


def test_windows_line_endings_are_kept_and_the_last_line_needs_none() -> None:
    crlf = "a = f(1)\r\nb = f(2)"
    target = target_of(crlf, Span(1, 1, 1, 9))
    assert target is not None and target.lines == ("a = f(1)",)
    edit = rewrite_edit(crlf, target, ("a = g(1)", "c = 3"))
    assert edit is not None and apply_edits(crlf, [edit]) == "a = g(1)\r\nc = 3\r\nb = f(2)"
    last = target_of(crlf, Span(2, 1, 2, 9))
    assert last is not None
    edit = rewrite_edit(crlf, last, ("b = g(2)",))
    assert edit is not None and apply_edits(crlf, [edit]) == "a = f(1)\r\nb = g(2)"


def test_a_target_of_too_many_lines_is_none() -> None:
    text = "".join(f"line {i}\n" for i in range(20))
    assert target_of(text, Span(1, 1, 12, 1)) is None


def test_a_rewrite_that_takes_the_users_change_back_undoes_it() -> None:
    renamed = "def f(result):\n    res = 1\n    log(result)\n"
    [change] = changes(renamed, renamed.replace("res = 1", "r = 1"), 2)
    assert change.old == ("    res = 1",) and change.new == ("    r = 1",)
    assert undoes(change, "    log(r)", "    log(res)")  # r back to res
    assert not undoes(change, "    log(result)", "    log(r)")  # the same change again
    assert not undoes(change, "    log(r)", "    log(r)")  # no change at all


def test_a_rewrite_that_takes_away_after_changes_that_only_added_is_unlike_them() -> None:
    before = "func (s *Store) Get(key string) string {\n\treturn s.data[key]\n}\n"
    added = changes(before, before.replace("Get(key", "Get(ctx context.Context, key"), 1)
    old = "\treturn s.Get(a), s.Get(b)"
    assert unlike_the_change(added, old, "\treturn s.Get(ctx), s.Get(ctx)")  # a and b lost
    assert not unlike_the_change(added, old, "\treturn s.Get(ctx, a), s.Get(ctx, b)")
    # after a change that replaced, a rewrite may replace too
    replaced = changes(before, before.replace("Get(key string)", "Get(name string)"), 1)
    assert not unlike_the_change(replaced, old, "\treturn s.Get(name), s.Get(b)")
    # after changes that only took away, a rewrite that adds is unlike them
    taken = changes(before, before.replace("Get(key string) string", "Get(key string)"), 1)
    assert unlike_the_change(taken, old, "\treturn s.Get(a, nil), s.Get(b)")
    assert not unlike_the_change(taken, "\tv := s.Get(a) string", "\tv := s.Get(a)")


def test_a_rewrite_that_takes_back_part_of_the_users_change_undoes_it() -> None:
    # The user's change: three `res` over two lines; the rewrite put two back on one.
    before = "def run():\n    result = compute()\n    print(result, result)\n"
    [change] = changes(before, before.replace("result", "res"), 2)
    assert undoes(change, "    print(res, res)", "    print(result, result)")
    assert undoes(change, "    print(res, res)", "    print(result, res)")
    assert not undoes(change, "    print(result, total)", "    print(res, total)")  # again
    assert not undoes(change, "    print(res, x)", "    print(result, y)")  # and more


def test_a_rewrite_may_grow_as_the_users_change_grew_its_lines() -> None:
    before = "def f(cmd):\n    cmd.reader = stdin\n    cmd.writer = stdout\n"
    wrapped = (
        "    if cmd.parent is not None:\n"
        "        cmd.reader = cmd.parent.reader\n"
        "    else:\n"
        "        cmd.reader = stdin\n"
    )
    after = before.replace("    cmd.reader = stdin\n", wrapped)
    target = target_of(after, Span(6, 5, 6, 25))
    assert target is not None
    kept = answer_budget(target, changes(before, before.replace("stdin", "stdio"), 2), 192)
    grown = answer_budget(target, changes(before, after, 2), 192)
    assert kept == len("    cmd.writer = stdout\n") // 2 + 24  # a change of the same length
    assert grown > 3 * (kept - 24)  # four lines for one: four times the room, at most
    assert answer_budget(target, changes(before, after, 2), 40) == 40
