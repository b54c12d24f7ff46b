"""The function a failing test points at, for a fix's retries.

A retry of a whole-file fix mostly wrote the same code again: the 1.5B is sure of the wrong
line once it has read it in a file it was asked to repair (bench/fix_loop_bench.py: 2 to 4
of the 13 programs the first answer left failing were fixed by two more attempts). Asked
instead to write one function again, named as the one the failing test calls, with the file,
the error and the test's lines, two sampled answers fixed 9 of 14 such programs in a probe
(8 of 11 without the test file's text). So a retry names that function and asks for it
alone; the rest of the file stays.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Function:
    name: str
    first_line: int  # 1-based, its decorators included
    last_line: int
    def_line: int | None = None  # where the function itself begins, after its decorators


_CALL = re.compile(r"([A-Za-z_$][\w$]*)\s*\(")
# failing_lines' numbered lines: `> 6 | got = median(...)` (the failing one), `  5 | ...`
_NUMBERED = re.compile(r"^(?P<mark>[ >]) *\d+ \| ?(?P<code>.*)$")


def failing_function(functions: Sequence[Function], failing_code: str) -> Function | None:
    """The function of the file being fixed that a failing line of another file calls (a
    test's, numbered and marked as failing_lines shows it): the first one named on the
    failing line, else on the lines shown above it, nearest first. None when none is, or
    the name is defined twice in the file (two classes' methods)."""
    counts = Counter(f.name for f in functions)
    by_name = {f.name: f for f in functions if counts[f.name] == 1}
    lines = failing_code.splitlines()
    for at, line in enumerate(lines):
        marked = _NUMBERED.match(line)
        if marked is None or marked["mark"] != ">":
            continue
        for above in range(at, -1, -1):
            shown = _NUMBERED.match(lines[above])
            if shown is None:
                break  # a gap, or the start of the file's block
            for name in _CALL.findall(shown["code"]):
                if name in by_name:
                    return by_name[name]
    return None
