"""The auto-close benchmark's own logic: what an editor has closed after the typed part of a
line, which places make cases, and how a written line is judged."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from autoclose_bench import Case, Side, cases_of, closers_of


def test_the_editor_closes_every_bracket_still_open() -> None:
    assert closers_of("    x = f(g(") == "))"
    assert closers_of("    d = {k: v[") == "]}"
    assert closers_of("    f(a)(") == ")"
    assert closers_of("    s = 'a(") is None  # inside a string: not an editor's guess
    assert closers_of("    x = a])(") is None
    # A string just opened is closed too; one being typed in was closed when it was opened,
    # but an editor closes no bracket inside it; a triple quote is a docstring.
    assert closers_of('    f = open("') == '")'
    assert closers_of("    d = {'") == "'}"
    assert closers_of('    x = "a') is None
    assert closers_of('    x = """') is None


def test_cases_are_code_lines_typed_to_a_bracket_the_line_goes_on_after(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    body = ["    return max(a, b)", "    # call(x)", "    f()"]
    source.write_text("\n" * 30 + "\n".join(["def top(a, b):", *body, ""]))
    found = cases_of(source)
    # Not a comment's; `f(` too: the right answer there is none.
    assert [(c.typed.strip(), c.closers) for c in found] == [
        ("def top(", ")"), ("return max(", ")"), ("f(", ")"),
    ]  # fmt: skip
    assert found[1].after.startswith(")\n    # call(x)")


def test_no_case_in_docstrings_or_after_an_apostrophe(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    body = [
        '    """Return a month\'s (multi-line) calendar.', "", '    Uses f(x).', '    """',
        "    return f'{x}', g(\"y\")",
    ]  # fmt: skip
    source.write_text("\n" * 30 + "\n".join(["def top(x):", *body, ""]))
    typed = [(c.typed.strip(), c.closers) for c in cases_of(source)]
    assert typed == [
        # Not the `{` in the f-string either: editors close no bracket inside a string.
        ("def top(", ")"), ("return f'", "'"), ("return f'{x}', g(", ")"),
        ("return f'{x}', g(\"", "\")"),
    ]  # fmt: skip


def test_a_written_line_is_exact_or_doubles_a_closer() -> None:
    case = Case(Path("m.py"), 31, "    def wrap(self, width):", "    def wrap(", ")", "", ")\n")
    side = Side("s")
    side.judge(case, "self, width):", 1, 0.0)  # replacing the editor's `)`
    side.judge(case, "self, width):", 0, 0.0)  # inserted before it: `):)`
    side.judge(case, "self, width", 0, 0.0)  # stops short
    assert (side.exact, side.doubled, side.empty) == (1, 1, 0)

    string = Case(Path("m.py"), 31, '    f = open("a.txt")', '    f = open("', '")', "", '")\n')
    quotes = Side("q")
    quotes.judge(string, 'a.txt")', 2, 0.0)
    quotes.judge(string, 'a.txt"', 0, 0.0)  # `open("a.txt"")`: the quote doubled
    assert (quotes.exact, quotes.doubled) == (1, 1)

    # Brackets inside a string literal are text, not closers.
    inside = Case(Path("m.py"), 31, "    w('%s)' % (a))", "    w('%s)' % (", "))", "", "))\n")
    judged = Side("i")
    judged.judge(inside, "b", 0, 0.0)
    assert judged.doubled == 0
