"""An answer for some of a file's lines, put in their place: its echoes of the lines around
them are dropped, and a block it ends early is found."""

from __future__ import annotations

import pytest

from codesaga.domain.splice import unreachable_after, without_echoes

ADD_AFTER = "    result = a + b\n    return result\n\n\nprint(add(1, 2))\n"


def test_the_rest_of_a_function_echoed_after_its_first_line_is_dropped() -> None:
    answer = "def add(a: int, b: int) -> int:\n    result = a + b\n    return result\n"
    kept = without_echoes(answer, "", "def add(a, b):\n", ADD_AFTER)
    assert kept == "def add(a: int, b: int) -> int:\n"


def test_the_line_before_the_selection_echoed_at_the_answers_start_is_dropped() -> None:
    selected = "    result = a + b\n    return result\n"
    kept = without_echoes("def add(a, b):\n    return a + b\n", "def add(a, b):\n", selected, "")
    assert kept == "    return a + b\n"


@pytest.mark.parametrize(
    ("answer", "selected", "after"),
    [
        # The selection itself ends as the file goes on: the file repeats that line.
        ("    total += 1\n    total += 1\n", "    total += 1\n", "    total += 1\n"),
        # Only blank lines in common.
        ("x = 1\n\n", "x = 2\n", "\ny = 3\n"),
        # The same text at another indentation is another block's line.
        ("    if ready:\n        go()\n    }\n", "    go()\n", "}\n"),
    ],
)
def test_what_is_not_an_echo_is_kept(answer: str, selected: str, after: str) -> None:
    assert without_echoes(answer, "", selected, after) == answer


def test_an_answer_that_is_all_echo_leaves_nothing_of_itself() -> None:
    # Asked to drop a dead line, the model answered with the lines that follow it.
    assert without_echoes("return x\n", "", "unused = 1\n", "return x\n") == ""


def test_a_crlf_files_echo_is_found() -> None:
    kept = without_echoes("a = 2\r\nb = 1\r\n", "", "a = 1\r\n", "b = 1\r\n")
    assert kept == "a = 2\r\n"


def test_a_return_before_lines_of_the_same_block_leaves_them_unreachable() -> None:
    part = "def add(a: int, b: int) -> int:\n    return a + b\n"
    assert unreachable_after(part, "def add(a, b):\n", ADD_AFTER) == "    result = a + b"


@pytest.mark.parametrize(
    ("part", "selected", "after"),
    [
        # The block ends where the selection did: what follows is outside it.
        ("    return a + b\n", "    return result\n", "\n\nprint(add(1, 2))\n"),
        # Deeper than the lines that follow: only its own block ends.
        ("    if x is None:\n        continue\n", "    pass\n", "    out.append(x)\n"),
        # What follows closes or continues another block.
        ("        return 1\n", "        pass\n", "        }\n"),
        ("    return 1\n", "    pass\n", "    else:\n        return 2\n"),
        # The selection already ended so: the file was that way.
        ("    return a + b  # faster\n", "    return a + b\n", "    print('never')\n"),
        # No ending at all.
        ("    total = 0\n", "    s = 0\n", "    for i in items:\n"),
    ],
)
def test_what_still_runs_is_not_said_unreachable(part: str, selected: str, after: str) -> None:
    assert unreachable_after(part, selected, after) is None


def test_comments_and_blanks_are_looked_past() -> None:
    part = "    raise ValueError(x)\n    # done\n\n"
    assert unreachable_after(part, "    check(x)\n", "\n    # then\n    log(x)\n") == "    log(x)"
