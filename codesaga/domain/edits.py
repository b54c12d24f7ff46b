"""Edits of a document: where (a span of 1-based lines and columns, end exclusive), what was
there, and what replaced it; found by diffing two versions, or applied to a text.

Columns count ``str`` characters, as ``complete``'s do; editors convert from their own units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from codesaga.domain.line_diff import common_ends, opcodes
from codesaga.domain.source import source_lines


@dataclass(frozen=True)
class Span:
    """1-based, end exclusive: (1, 1, 1, 1) is the empty span at the start of the text."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int

    def __post_init__(self) -> None:
        if min(self.start_line, self.start_column, self.end_line, self.end_column) < 1:
            raise ValueError("lines and columns start at 1")
        if (self.end_line, self.end_column) < (self.start_line, self.start_column):
            raise ValueError("a span ends before it starts")

    def overlaps(self, other: Span) -> bool:
        """Shares a character with ``other``; an empty span overlaps what it touches."""
        start, end = (self.start_line, self.start_column), (self.end_line, self.end_column)
        o_start, o_end = (other.start_line, other.start_column), (other.end_line, other.end_column)
        if start == end or o_start == o_end:
            return o_start <= end and start <= o_end
        return start < o_end and o_start < end


@dataclass(frozen=True)
class TextEdit:
    """One change: ``span`` (in the text before the change) held ``removed``; now ``text``."""

    span: Span
    removed: str
    text: str

    @property
    def size(self) -> int:
        """Bytes (UTF-8) of what it removed and what it wrote: what holding it costs."""
        return len(self.removed.encode()) + len(self.text.encode())


def offset(text: str, line: int, column: int) -> int:
    """The index into ``text`` of a 1-based line and column; ValueError when past the text."""
    start = 0
    for _ in range(line - 1):
        newline = text.find("\n", start)
        if newline < 0:
            raise ValueError(f"line {line} is past the end of the text")
        start = newline + 1
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    if column - 1 > end - start:
        raise ValueError(f"column {column} is past the end of line {line}")
    return start + column - 1


def position(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of an index into ``text``."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def span_of(text: str, start: int, end: int) -> Span:
    """The span of ``text[start:end]``."""
    return Span(*position(text, start), *position(text, end))


def bounds(text: str, span: Span) -> tuple[int, int]:
    """``span`` as indices into ``text``."""
    return offset(text, span.start_line, span.start_column), offset(
        text, span.end_line, span.end_column
    )


def apply_edits(text: str, edits: Sequence[TextEdit]) -> str:
    """``edits`` (spans in ``text``, none overlapping another) applied to ``text``.

    ValueError when an edit's ``removed`` is not what its span covers: the edit was made to
    another version of the text, and applying it would corrupt this one."""
    placed = sorted(((*bounds(text, e.span), e) for e in edits), key=lambda p: p[0])
    pieces: list[str] = []
    done = 0
    for start, end, edit in placed:
        if start < done:
            raise ValueError("edits overlap")
        if text[start:end] != edit.removed:
            raise ValueError("an edit's removed text is not what its span covers")
        pieces += [text[done:start], edit.text]
        done = end
    return "".join([*pieces, text[done:]])


def diff_edits(before: str, after: str) -> list[TextEdit]:
    """The changes from ``before`` to ``after``: one per changed line where as many lines
    replace as many, else one per changed run of lines; each narrowed to the characters that
    differ (so a renamed word is an edit of that word, not of its line).
    Spans are in ``before``, in order; ``apply_edits(before, diff_edits(before, after))``
    is ``after``."""
    old_lines = source_lines(before)
    new_lines = source_lines(after)
    old_starts = _line_starts(old_lines)
    new_starts = _line_starts(new_lines)
    edits: list[TextEdit] = []
    for tag, i1, i2, j1, j2 in opcodes(old_lines, new_lines):
        if tag == "equal":
            continue
        one_to_one = i2 - i1 == j2 - j1
        pairs = list(zip(range(i1, i2), range(j1, j2), strict=True)) if one_to_one else [(i1, j1)]
        for i, j in pairs:
            last_i, last_j = (i + 1, j + 1) if one_to_one else (i2, j2)
            new_text = after[new_starts[j] : new_starts[last_j]]
            edits.append(narrowed_edit(before, old_starts[i], old_starts[last_i], new_text))
    return [edit for edit in edits if edit.removed != edit.text]


def _line_starts(lines: Sequence[str]) -> list[int]:
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return starts


def narrowed_edit(before: str, start: int, end: int, text: str) -> TextEdit:
    """``before[start:end]`` replaced by ``text``, without the characters both share at
    either end."""
    head, tail = common_ends(before[start:end], text)
    start, end = start + head, end - tail
    return TextEdit(span_of(before, start, end), before[start:end], text[head : len(text) - tail])
