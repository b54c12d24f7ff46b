"""The code at the lines a failing check's output points to (a Python traceback, a Node stack,
pytest's ``file:line:``), shown to the model with the error when it fixes a file.

A traceback shows the failing line of a test alone; the lines before it hold what the test
did (the call and its arguments) and what it expected, which the model otherwise has to guess
from the message. The file being fixed is skipped: the model sees all of it already.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from codesaga.domain.prompts import fence

# `File "test_x.py", line 6, in <module>` (Python), `(/p/test.js:11:8)` / `at /p/test.js:11:8`
# (Node), `test_x.py:6: AssertionError` (pytest), `/p/test.js:11` (Node's assertion header).
_PYTHON_FRAME = re.compile(r'File "(?P<path>[^"\n]+)", line (?P<line>\d+)')
_PATH_LINE = re.compile(
    r"(?:^|[\s(])(?P<path>[^\s():\"']+\.(?:py|[cm]?js|jsx|ts|tsx)):(?P<line>\d+)(?=[:)\s]|$)",
    re.MULTILINE,
)
# Installed code is not the user's to fix, and not worth the prompt's room.
_INSTALLED = ("site-packages", "dist-packages", "node_modules", "node:internal")
MOST_FILES = 2  # files whose failing lines are shown
PLACES_PER_FILE = 3
MAX_FILE_BYTES = 256 * 1024  # a larger file named in the output is not shown
LINES_BEFORE = 4  # shown above each failing line
HEADER = "The code at the failing lines (marked >):"


@dataclass(frozen=True)
class Frame:
    path: str  # as the output names it
    line: int  # 1-based


def frames(output: str) -> list[Frame]:
    """The (path, line) places ``output`` names, in the order they appear, each once."""
    found: list[tuple[int, Frame]] = []
    for pattern in (_PYTHON_FRAME, _PATH_LINE):
        for match in pattern.finditer(output):
            path = match["path"]
            if not any(part in path for part in _INSTALLED):
                found.append((match.start(), Frame(path, int(match["line"]))))
    return list(dict.fromkeys(frame for _, frame in sorted(found, key=lambda pair: pair[0])))


def failing_lines(output: str, read: Callable[[str], str | None]) -> str:
    """The lines up to each place ``output`` names (at most PLACES_PER_FILE in a file), in
    the first MOST_FILES files that ``read`` opens (it returns None for the others: outside
    the project, too large, not text, or the file being fixed), as fenced blocks for the
    model; "" when there are none."""
    places: dict[str, list[int]] = {}
    for frame in frames(output):
        places.setdefault(frame.path, []).append(frame.line)
    shown: list[str] = []
    for path, lines in places.items():
        if len(shown) == MOST_FILES:
            break
        text = read(path)
        if text is None:
            continue
        numbered = _numbered(text.splitlines(), sorted(lines[:PLACES_PER_FILE]))
        if numbered:
            shown.append(f"{path}:\n{fence(numbered, '')}")
    if not shown:
        return ""
    return f"{HEADER}\n" + "\n".join(shown)


def unless_shown(problem: str, request: str) -> str:
    """``problem`` (a check's message, which may end with ``failing_lines``' code) for a
    retry of ``request``: the code left out when the request shows the same already (the
    first error named the same test lines), so that the model does not read it twice."""
    said, header, code = problem.partition(HEADER)
    if header and f"{header}{code}".strip() in request:
        return f"{said.rstrip()}\nThe failing lines are the ones shown above."
    return problem


def _numbered(lines: list[str], places: list[int]) -> str:
    """The lines up to each place, numbered, the place marked; a gap as `...`."""
    wanted: set[int] = set()
    for place in places:
        if 1 <= place <= len(lines):
            wanted.update(range(max(1, place - LINES_BEFORE), place + 1))
    width = len(str(max(wanted, default=0)))
    out: list[str] = []
    for n in sorted(wanted):
        if out and n - 1 not in wanted:
            out.append("  ...")
        out.append(f"{'>' if n in places else ' '} {n:>{width}} | {lines[n - 1]}")
    return "\n".join(out)
