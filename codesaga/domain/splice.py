"""An answer for some of a file's lines, put in their place: what of it echoes the lines
around them, and whether it ends a block that goes on after them.

A model asked to rewrite part of a function often answers with the whole function. Spliced
in, the lines it echoed stood twice; where it changed them, the old ones stayed behind its
``return``, never to run. Both parse and keep every name, so no other check caught them.
"""

from __future__ import annotations

import re

from codesaga.domain.source import source_lines

# A statement after which nothing more of its block runs.
_LEAVES = re.compile(r"(?:return|raise|throw|continue|break)\b")
# A line at a block's indentation that is not in that block: it closes or continues another.
_NOT_IN_BLOCK = re.compile(
    r"(?:[}\])]|end\b|else\b|elif\b|except\b|finally\b|catch\b|case\b|default\b)"
)
_COMMENT = ("#", "//", "/*", "* ", "*/")


def without_echoes(part: str, before: str, selected: str, after: str) -> str:
    """``part`` (the answer for ``selected``) without its first lines when they repeat the
    lines just before the selection, nor its last lines when they repeat those just after
    it, unless the selection itself began or ended so (then the file repeats them)."""
    lines = source_lines(part)
    chosen = source_lines(selected)
    tail = _echoed(lines[::-1], chosen[::-1], source_lines(after)[: len(lines)])
    lines = lines[: len(lines) - tail]
    head = _echoed(lines, chosen, source_lines(before)[::-1][: len(lines)])
    return "".join(lines[head:])


def _echoed(edge: list[str], chosen: list[str], beyond: list[str]) -> int:
    """How many of the answer's lines at one edge repeat the file's lines beyond that edge:
    the most that do with a line of code among them. ``edge`` and ``chosen`` (the answer's
    and the selection's lines) are read from that edge inward, ``beyond`` outward."""
    key = [line.rstrip() for line in edge]
    near = [line.rstrip() for line in beyond]
    own = [line.rstrip() for line in chosen]
    most = 0
    for count in range(1, min(len(key), len(near)) + 1):
        echo = key[:count][::-1]
        if echo == near[:count] and any(echo) and own[:count][::-1] != echo:
            most = count
    return most


def unreachable_after(part: str, selected: str, after: str) -> str | None:
    """The first line after the selection when ``part`` ends its block (a ``return``, a
    ``raise``, ...) and that line goes on in the same block, so it would never run; None
    when it does not, or the selection already ended so."""
    last = _last_code_line(source_lines(part))
    following = _first_code_line(source_lines(after))
    if last is None or following is None:
        return None
    indent, code = last
    if not _LEAVES.match(code) or _NOT_IN_BLOCK.match(following[1]):
        return None
    if following[0] != indent:
        return None
    original = _last_code_line(source_lines(selected))
    if original is not None and original[0] == indent and _LEAVES.match(original[1]):
        return None
    return following[0] + following[1]


def _code_lines(lines: list[str]) -> list[tuple[str, str]]:
    """Each line with code on it, as (indentation, the rest), comments and blanks left out."""
    found = []
    for line in lines:
        code = line.strip()
        if code and not code.startswith(_COMMENT):
            found.append((line[: len(line) - len(line.lstrip())], code))
    return found


def _last_code_line(lines: list[str]) -> tuple[str, str] | None:
    found = _code_lines(lines)
    return found[-1] if found else None


def _first_code_line(lines: list[str]) -> tuple[str, str] | None:
    for line in lines:
        found = _code_lines([line])
        if found:
            return found[0]
    return None
