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


def test_a_written_line_is_exact_or_doubles_a_closer() -> None:
    case = Case(Path("m.py"), 31, "    def wrap(self, width):", "    def wrap(", ")", "", ")\n")
    side = Side("s")
    side.judge(case, "self, width):", 1, 0.0)  # replacing the editor's `)`
    side.judge(case, "self, width):", 0, 0.0)  # inserted before it: `):)`
    side.judge(case, "self, width", 0, 0.0)  # stops short
    assert (side.exact, side.doubled, side.empty) == (1, 1, 0)
