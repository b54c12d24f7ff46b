import pytest

from codesaga.domain.context import CodeContext, Selection
from codesaga.domain.errors import InputError
from codesaga.domain.source import keep_bom

TEXT = "a = 1\nb = 2\nc = 3\nd = 4\n"


@pytest.mark.parametrize(
    ("spec", "expected"), [("2:3", (2, 3)), ("2", (2, 2)), ("3:", (3, 4)), (":2", (1, 2))]
)
def test_selection_parses(spec: str, expected: tuple[int, int]) -> None:
    sel = Selection.parse(spec, 4)
    assert (sel.start, sel.end) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("3:9", "out of range: the file has 4 lines"),
        ("0:2", "1 <= A <= B"),
        ("3:2", "1 <= A <= B"),
        ("x:y", "not A:B"),
    ],
)
def test_bad_selection_says_why(spec: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Selection.parse(spec, 4)


def test_lines_split_the_file_exactly() -> None:
    ctx = CodeContext.for_lines("x.py", TEXT, Selection(2, 3))
    assert ctx.selected == "b = 2\nc = 3\n"
    assert ctx.before + ctx.selected + ctx.after == TEXT
    assert ctx.language.id == "python"
    assert not ctx.is_whole_file


def test_cursor_splits_at_line_and_column() -> None:
    ctx = CodeContext.at_cursor("x.py", TEXT, 2, 3)
    assert ctx.before == "a = 1\nb "
    assert ctx.after == "= 2\nc = 3\nd = 4\n"


def test_cursor_at_end_of_line_and_errors() -> None:
    assert CodeContext.at_cursor("x.py", TEXT, 1, 6).after.startswith("\nb")
    with pytest.raises(InputError, match="--line 9 is out of range"):
        CodeContext.at_cursor("x.py", TEXT, 9, 1)
    with pytest.raises(InputError, match="--column 8 is out of range"):
        CodeContext.at_cursor("x.py", TEXT, 1, 8)


def test_explicit_unknown_language_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown language"):
        CodeContext.whole_file("x", "x", language="klingon")


def test_keep_bom() -> None:
    assert keep_bom("\ufeffa = 1\n", "a = 2\n") == "\ufeffa = 2\n"
    assert keep_bom(b"\xef\xbb\xbfa = 1\n", "\ufeffa = 2\n") == "\ufeffa = 2\n"  # once
    assert keep_bom("a = 1\n", "a = 2\n") == "a = 2\n"
    assert keep_bom(b"a = 1\n", "a = 2\n") == "a = 2\n"


def test_a_cursor_in_a_crlf_or_cr_file_counts_lines_and_columns_as_editors_do() -> None:
    # A CRLF line's CR was a column of it (column 13 of an 11-character line put the cursor
    # between CR and LF, and the error counted 12 characters); a lone-CR file was one line.
    crlf = "def f(x):\r\n    return g(x)\r\n"
    ctx = CodeContext.at_cursor("f.py", crlf, 2, 16)
    assert ctx.before == "def f(x):\r\n    return g(x)" and ctx.after == "\r\n"
    with pytest.raises(InputError, match=r"line 2 has 15 characters \(columns 1\.\.16\)"):
        CodeContext.at_cursor("f.py", crlf, 2, 17)
    assert CodeContext.at_cursor("f.py", crlf, 3, 1).before == crlf  # after the last line end
    cr = "a = 1\rb = 2\r"
    assert CodeContext.at_cursor("f.py", cr, 2, 3).before == "a = 1\rb "
    with pytest.raises(InputError, match=r"the file has 2 lines \(lines 1\.\.3 take a cursor\)"):
        CodeContext.at_cursor("f.py", cr, 4, 1)
