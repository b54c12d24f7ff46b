import json
from pathlib import Path
from typing import Any

import pytest

from codesaga.domain.completion import (
    CompletionOptions,
    fit_rest_of_line,
    open_brackets,
    postprocess,
    settled,
    split_typed_space,
    type_through,
    wants_multiline,
)
from codesaga.domain.fim import QWEN

GOLDEN = json.loads((Path(__file__).parent.parent / "data/completion/golden.json").read_text())


@pytest.mark.parametrize("case", GOLDEN, ids=[c["name"] for c in GOLDEN])
def test_golden_postprocessing(case: dict[str, Any]) -> None:
    got = postprocess(
        case["raw"],
        case["before"],
        case["after"],
        max_lines=case.get("max_lines", 8),
        multiline=case.get("multiline", True),
        specials=QWEN.stops,
    )
    assert got == case["want"]


@pytest.mark.parametrize("case", GOLDEN, ids=[c["name"] for c in GOLDEN])
def test_settling_never_changes_the_answer(case: dict[str, Any]) -> None:
    """Stopping the model at the first settled prefix gives what the whole text gives."""
    raw: str = case["raw"]
    kwargs: dict[str, Any] = {
        "max_lines": case.get("max_lines", 8),
        "multiline": case.get("multiline", True),
        "specials": QWEN.stops,
    }
    for end in range(len(raw) + 1):
        if settled(raw[:end], case["before"], case["after"], **kwargs):
            early = postprocess(raw[:end], case["before"], case["after"], **kwargs)
            assert early == case["want"], f"settled too early at {raw[:end]!r}"
            break


def test_settles_on_a_finished_rejected_line_not_a_partial_one() -> None:
    before, after = "def f():\n    ", "\n    return x\n"
    assert not settled("a = 1\n    retur", before, after)
    assert settled("a = 1\n    return x\n", before, after)
    assert settled("a()\nb", "", "", multiline=False)
    assert not settled("a(", "", "", multiline=False)


def test_open_brackets_skip_strings_and_comments() -> None:
    assert open_brackets('x = f(a, "(", [1,  # (\n') == ["(", "["]
    assert open_brackets("f(a)\n") == []


def test_multiline_is_decided_from_the_cursor() -> None:
    assert wants_multiline("def f():\n    ", "\n")
    assert wants_multiline("def f():", "\n")
    assert not wants_multiline("x = fo", "\n")
    assert not wants_multiline("    ", "x = 1\n")
    # An empty line inside a block, with the block's code after it: one line goes there.
    assert not wants_multiline("def f():\n    a = 1\n    ", "\n    return a\n")
    assert not wants_multiline("def f():\n    a = 1\n", "\n    return a\n")
    # At the end of a block too: the next line comes once this one is accepted.
    assert not wants_multiline("def f():\n    a = 1\n    ", "\n\ndef g():\n    pass\n")
    assert not wants_multiline("import os\n", "\nprint(os.sep)\n")
    # A new block's body, or the end of the file: several lines.
    assert wants_multiline("def f():\n    ", "\n\nx = 1\n")
    assert wants_multiline("if x {\n    ", "\n}\n")
    assert wants_multiline("x = 1\n\n", "\n")
    assert not wants_multiline("def f():\n    ", "\n    return 1\n")  # the body is there
    assert CompletionOptions(max_lines=5).lines_allowed("    ", "\n") == 5
    assert CompletionOptions(max_lines=5, multiline=False).lines_allowed("    ", "\n") == 1


def test_type_through() -> None:
    shown = ("x = ", "\n", "compute(a, b)")
    assert type_through(*shown, "x = comp", "\n") == "ute(a, b)"
    assert type_through(*shown, "x = cx", "\n") is None  # typed something else
    assert type_through(*shown, "x = comp", "\ny\n") is None  # the text after changed
    assert type_through(*shown, "x = compute(a, b)", "\n") is None  # typed all of it
    assert type_through(*shown, "x = ", "\n") is None  # nothing typed: not type-through


def test_typed_space_is_split_off_but_indentation_is_not() -> None:
    assert split_typed_space("x = 1\n    return ") == ("x = 1\n    return", " ")
    assert split_typed_space("def f():\n    ") == ("def f():\n    ", "")
    assert split_typed_space("foo(") == ("foo(", "")


# The three faults an infill benchmark showed (blanked lines in real, tested functions).


def test_infill_fault_several_lines_ending_in_the_next_line() -> None:
    before = "def mad(x):\n    m = median(x)\n    "
    after = "\n    return mad\n"
    assert not wants_multiline(before, after)  # between two lines of a block: one line
    answer = "d = [abs(v - m) for v in x]\n    mad = median(d)\n    return mad"
    kept = postprocess(answer, before, after, max_lines=8, multiline=True)
    assert kept == "d = [abs(v - m) for v in x]\n    mad = median(d)"
    cut_off = "d = [abs(v - m) for v in x]\n    mad = median(d)\n    return m"
    assert postprocess(cut_off, before, after) == "d = [abs(v - m) for v in x]\n    mad = median(d)"


def test_infill_fault_indented_past_an_indented_cursor() -> None:
    before = (
        "class A:\n    def f(self, y):\n        for x in y:\n            if x:\n"
        "                a = 1\n                "
    )
    after = "\n                return a\n"
    assert postprocess("    b = a + 1", before, after, multiline=False) == "b = a + 1"
    # The programmer dedented out of the if: the model may not indent back into it.
    dedented = "def f(x):\n    if x is None:\n        x = 0\n    "
    assert postprocess("    self.x = x", dedented, "\n", multiline=False) == "self.x = x"
    # No indentation typed at all: the model's is all there is.
    assert postprocess("    return 1", "def f():\n    a = 1\n", "\n", multiline=False) == (
        "    return 1"
    )
    # After a line that opens a block, with the body's indentation not typed yet, the
    # model's indentation is what the line needs.
    opened = "def f(y):\n    if y:\n    "
    assert postprocess("    return 1", opened, "\n", multiline=False) == "    return 1"
    # Inside brackets any indentation goes.
    call = "total = add(\n    1,\n    "
    assert postprocess("    2)", call, "\n", multiline=False) == "    2)"


def test_infill_fault_empty_when_the_line_also_appears_further_down() -> None:
    before = "def pick(a, b):\n    if a > b:\n        "
    after = "\n    elif b > a:\n        return b\n    return a\n"
    assert postprocess("return a", before, after, multiline=False) == "return a"
    # ... but the very next line, re-typed, is still no suggestion.
    assert postprocess("elif b > a:", before, after, multiline=False) == ""


@pytest.mark.parametrize(
    ("before", "after", "raw", "want"),
    [
        # Before a statement (the cursor after its indentation): two words made one.
        ("    total = 0\n    ", "for x in xs:\n", "return total", ""),
        ("x = ", "foo(1)\n", "bar", ""),  # `barfoo`
        ("print(pri", "nt)\n", "ce", ""),  # the cursor inside a word
        # What ends apart from the word stays: an operator, a call's bracket, a space.
        ("x = ", "foo(1)\n", "bar + ", "bar + "),
        ("print(", "total)\n", "sum(", "sum("),
        ("    ", "for x in xs:\n", "async ", "async "),
        ("x = ", ")\n", "bar", "bar"),  # a closer after the cursor is no word
        # Chinese and Japanese run on without spaces: a sentence completed in its middle.
        ("# 计算列表", "并返回结果\n", "的平均值", "的平均值"),
        ('s = "この関数は', '。"\n', "値を返す", "値を返す"),
    ],
)
def test_an_answer_that_would_run_into_the_word_after_the_cursor_is_dropped(
    before: str, after: str, raw: str, want: str
) -> None:
    assert postprocess(raw, before, after, multiline=False) == want


@pytest.mark.parametrize(
    ("before", "after", "raw", "replaced", "cut"),
    [
        # An editor's auto-closed bracket after the cursor, the line going on past it.
        ("class W:\n    def wrap(", ")\n        pass\n", "self, chunks):\n", 1, "self, chunks"),
        ("const n = count(", ")\nlog(n);\n", "items, 3);", 1, "items, 3"),
        ("x = f(g(", "))\n", "a), b) + 1", 2, "a"),  # both closed, apart
        ("x = f(g(", "))\n", "a), b)", 2, "a"),  # both closed apart: `b))` would double
        ("    yield T(E, (", "))\n", "n, 0), '')", 2, "n, 0"),  # the same, a string between
        ("def f(", "):\n", "a, b): pass", 2, "a, b"),  # an existing line's end
        # A string the editor closed too.
        ('    with open("', '")\n', 'data.txt") as f:', 2, "data.txt"),
        ('x = f("a', '")\n', 'bc", 1) + 2', 2, "bc"),
        ('s = "', '"\n', 'say \\"hi\\"" + x', 1, 'say \\"hi\\"'),  # escaped quotes inside
        ('print("', '")\n', "Hello", 0, "Hello"),  # ends inside the string
        ("write('],' % ('", "'))\n", ",'", 1, ","),  # ends with the string
        # Nothing past the closers the line has: the closers are dropped, nothing replaced.
        ("print(", ")\n", "total)", 0, "total"),
        ("print(", ")\n", "total", 0, "total"),
        # Closers the suggestion opened itself are its own.
        ("x = ", "\n", "f(a):", 0, "f(a):"),
    ],
)
def test_a_suggestion_past_an_auto_closed_bracket_replaces_it_or_stops_before_it(
    before: str, after: str, raw: str, replaced: int, cut: str
) -> None:
    text = postprocess(raw, before, after, multiline=False)
    whole = text if replaced else cut
    assert fit_rest_of_line(text, before, after, replace=True) == (whole, replaced)
    assert fit_rest_of_line(text, before, after, replace=False) == (cut, 0)


# -- found by a review of completion at the edges -----------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "raw", "want"),
    [
        # The rest of the line closes the call itself: the suggestion's `)` closed it twice.
        ("r = get(url, timeout=", ", headers=h)\n", "10, verify=False)", "10, verify=False"),
        ("x = max(a, ", " + 1)\n", "b)", "b"),
        ("items = [f(x) for x in ", " if x]\n", "xs]", "xs"),
        # A bracket it opens and closes itself is its own.
        ("r = get(url, timeout=", ", headers=h)\n", "limit(3)", "limit(3)"),
    ],
)
def test_a_closer_the_rest_of_the_line_already_has_further_on_is_dropped(
    before: str, after: str, raw: str, want: str
) -> None:
    assert postprocess(raw, before, after, multiline=False) == want


@pytest.mark.parametrize(
    ("before", "raw", "want"),
    [
        # At the top level: it ran on past the function's `}` into other code and prose.
        (
            "function add(a, b) {",
            "\n  return a + b;\n}\n\nconsole.log(add(3, 5));\n```\n\nIn this example",
            "\n  return a + b;\n}",
        ),
        (
            "def area(r):",
            "\n    return 3.14 * r * r\n\n\ndef perimeter(r):",
            "\n    return 3.14 * r * r",
        ),
        # Indented: a line back at the opener's level is after the block too.
        ("    if ready:", "\n        go()\n    log('done')", "\n        go()"),
        # After `(` the line that closes it goes on with the statement.
        (
            "def f(",
            "\n    a,\n    b,\n) -> int:\n    return a",
            "\n    a,\n    b,\n) -> int:\n    return a",
        ),
    ],
)
def test_a_block_opened_at_the_cursor_ends_where_its_body_does(
    before: str, raw: str, want: str
) -> None:
    assert postprocess(raw, before, "\n", max_lines=8, multiline=True) == want


@pytest.mark.parametrize(
    ("before", "after", "raw", "want"),
    [
        # A line of its own, glued before the line's code or typing it again.
        ("def f(xs):\n\tfor x in xs:\n", "\treturn t\n", "\t\tt += x", ""),
        ("def f(x):\n    y = x * 2\n  ", "  return y\n", "return y", ""),
        ("def f(x):\n    y = x * 2\n", "    return y\n", "    print(y)", ""),
        # Words put before the line's code stay.
        ("def f(xs):\n    ", "for x in xs:\n", "async ", "async "),
        # An editor's closers after the cursor are no code.
        ("f(\n    ", ")\n", "a, b", "a, b"),
    ],
)
def test_at_a_lines_start_with_code_after_only_words_put_before_it_are_offered(
    before: str, after: str, raw: str, want: str
) -> None:
    assert postprocess(raw, before, after, multiline=False) == want


@pytest.mark.parametrize(
    ("after", "raw"), [("len(msg)\n", "= banner()"), ("sorted(xs)\n", "list(xs)"), ("x\n", "'a'")]
)
def test_a_value_that_would_run_into_the_word_after_the_cursor_is_dropped(
    after: str, raw: str
) -> None:
    assert postprocess(raw, "n = ", after, multiline=False) == ""


def test_a_suggestion_indented_once_too_deep_is_taken_back_on_every_line() -> None:
    # Only its first line was: the next ones no longer lined up (an IndentationError).
    before = "def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n    "
    raw = "    if total > 10:\n            return total\n        return 0"
    text = postprocess(raw, before, "\n", max_lines=8, multiline=True)
    assert text == "if total > 10:\n        return total\n    return 0"
    compile(before + text + "\n", "f.py", "exec")


@pytest.mark.parametrize(
    ("before", "after", "raw", "want"),
    [
        # An editor's auto-closed brace: one line was allowed, and the model's first token,
        # a newline, ended it (no suggestion at all). The closer goes on a line of its own.
        ("function add(a, b) {", "}\n", "\n  return a + b;\n}", "\n  return a + b;\n"),
        ("  if (ready) {", "}\n", "\n    go();\n  }\n", "\n    go();\n  "),
        # A comment after the block's opener.
        ("def f(x):\n    if x > 0:  # note", "\n    return 0\n", "\n        return 1", None),
    ],
)
def test_a_block_opened_before_an_editors_closer_or_a_comment_gets_its_body(
    before: str, after: str, raw: str, want: str | None
) -> None:
    assert wants_multiline(before, after)
    text = postprocess(raw, before, after, max_lines=8, multiline=True)
    assert text == (raw if want is None else want)


def test_a_comment_after_the_previous_lines_opener_still_opens_its_block() -> None:
    # Only the cursor's own line was read without its comment: on the empty line below
    # `if x > 0:  # note` the body got one line, and its indentation was taken away.
    before = "def f(x):\n    if x > 0:  # positive\n    "
    after = "\n    return 0\n"
    assert wants_multiline(before, after)
    text = postprocess("    y = x\n        return y", before, after, max_lines=8)
    assert text == "    y = x\n        return y"
    compile(before + text + after, "f.py", "exec")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("#main {\n", "\n}\n"),  # CSS: an id, no comment
        ("class A {\n  run() {\n    if (this.#ready) {\n", "\n    }\n  }\n}\n"),
        ("fn first<'a>(x: &'a str) -> &'a str {\n", "\n}\n"),
        ("if x:  # note\n", "\nprint(1)\n"),
    ],
)
def test_a_hash_that_is_no_comment_leaves_the_opener_an_opener(before: str, after: str) -> None:
    # Read through _code_of alone, any `#` cut the line: CSS's `#main {` and JavaScript's
    # `this.#ready) {` no longer opened a block, and got one line.
    assert wants_multiline(before, after)
    assert wants_multiline(before.rstrip("\n"), "}" + after)  # `{|}`, the editor's closer


def test_a_suggestion_that_starts_the_file_over_is_cut_there() -> None:
    # At the end of a file the 0.5B wrote the whole file again after a blank line or two.
    before = "def add(a, b):\n    return a + b\n\nprint(add(1, 2))\n"
    again = "\n\n\ndef add(a, b):\n    return a + b\n\nprint(add(1, 2))"
    assert postprocess(again, before, "") == ""
    written = "print(add(3, 4))\n\ndef add(a, b):\n    return a + b\n\nprint(add(1, 2))"
    assert postprocess(written, before, "") == "print(add(3, 4))"
    # Lines like earlier ones, not the file's start, stay (a second test like the first).
    tests = "import pytest\n\ndef test_a():\n    s = make()\n    s.run()\n    assert s.ok\n\n"
    like = "def test_b():\n    s = make()\n    s.run()\n    assert s.ok"
    assert postprocess(like, tests, "") == like


def test_a_markdown_fence_ends_a_suggestion_in_code() -> None:
    # In an empty .py file the answer ended with a fence line, as a chat answer would.
    assert postprocess("def main():\n    pass\n```", "", "") == "def main():\n    pass"
    # In a document that shows fences itself (Markdown, a docstring), a fence is text.
    doc = "Usage:\n\n```python\nrun()\n"
    assert postprocess("stop()\n```\n", doc, "") == "stop()\n```"
