"""Texts, positions and edits as the next-edit benchmark sees them, on its own (it does not
use the daemon's codesaga.domain.edits, so that a fault there cannot hide in the scoring).

Positions are the protocol's: lines and columns 1-based, a column counts ``str`` characters,
a range's end is exclusive. Lines end at ``\\n`` only (the benchmark keeps no file with a
``\\r``).
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Range:
    start_line: int
    start_column: int
    end_line: int
    end_column: int

    def to_json(self) -> dict[str, int]:
        return {
            "startLine": self.start_line, "startColumn": self.start_column,
            "endLine": self.end_line, "endColumn": self.end_column,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Range:
        return cls(
            int(data["startLine"]), int(data["startColumn"]),
            int(data["endLine"]), int(data["endColumn"]),
        )  # fmt: skip


@dataclass(frozen=True)
class Edit:
    """``range`` (in the text the edit applies to) covered ``removed`` and becomes ``text``."""

    range: Range
    text: str
    removed: str

    def to_json(self) -> dict[str, Any]:
        return {"range": self.range.to_json(), "text": self.text, "removed": self.removed}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Edit:
        return cls(Range.from_json(data["range"]), str(data["text"]), str(data.get("removed", "")))


class Lines:
    """Offsets <-> positions of one text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        at = text.find("\n")
        while at != -1:
            self.starts.append(at + 1)
            at = text.find("\n", at + 1)

    def offset(self, line: int, column: int) -> int:
        """The offset of a position; ValueError when the text has no such position."""
        if not 1 <= line <= len(self.starts):
            raise ValueError(f"no line {line} (the text has {len(self.starts)})")
        start = self.starts[line - 1]
        end = self.starts[line] - 1 if line < len(self.starts) else len(self.text)
        if not 1 <= column <= end - start + 1:
            raise ValueError(f"no column {column} on line {line}")
        return start + column - 1

    def position(self, offset: int) -> tuple[int, int]:
        if not 0 <= offset <= len(self.text):
            raise ValueError(f"no offset {offset}")
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def span(self, edit_range: Range) -> tuple[int, int]:
        start = self.offset(edit_range.start_line, edit_range.start_column)
        end = self.offset(edit_range.end_line, edit_range.end_column)
        if end < start:
            raise ValueError(f"range ends before it starts: {edit_range}")
        return start, end

    def range_of(self, start: int, end: int) -> Range:
        return Range(*self.position(start), *self.position(end))


def apply_edits(text: str, edits: Sequence[Edit], check_removed: bool = True) -> str:
    """``text`` with ``edits`` (ranges in ``text``, not overlapping) applied; ValueError when
    one does not apply (a range outside the text, overlapping another, or, with
    ``check_removed``, not covering its ``removed``)."""
    lines = Lines(text)
    spans = sorted((lines.span(e.range), e) for e in edits)
    out, at = [], 0
    for (start, end), edit in spans:
        if start < at:
            raise ValueError(f"edits overlap at {edit.range}")
        if check_removed and text[start:end] != edit.removed:
            raise ValueError(f"the text at {edit.range} is not what the edit removes")
        out += [text[at:start], edit.text]
        at = end
    out.append(text[at:])
    return "".join(out)


def line_list(text: str) -> list[str]:
    """The lines of ``text``, each with its ``\\n`` (the last may have none)."""
    parts = text.split("\n")
    found = [p + "\n" for p in parts[:-1]]
    return [*found, parts[-1]] if parts[-1] else found


@dataclass(frozen=True)
class Hunk:
    """One changed place between two texts: lines [a_start, a_end) of the first became
    [b_start, b_end) of the second (0-based), and that change narrowed to characters."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    removed_lines: str
    added_lines: str
    edit: Edit  # in the first text


def hunks(before: str, after: str) -> list[Hunk]:
    """Every changed place, in order: difflib's line diff without context (so two changes
    with a line between them are two hunks), each narrowed to the characters that differ."""
    a, b = line_list(before), line_list(after)
    lines = Lines(before)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    found = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        start = lines.starts[i1] if i1 < len(lines.starts) else len(before)
        edit = narrowed(lines, start, removed, added)
        found.append(Hunk(i1, i2, j1, j2, removed, added, edit))
    return found


def narrowed(lines: Lines, start: int, removed: str, added: str) -> Edit:
    """``removed`` (at offset ``start`` of ``lines``' text) -> ``added``, without the
    characters both begin and end with."""
    prefix = 0
    limit = min(len(removed), len(added))
    while prefix < limit and removed[prefix] == added[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and removed[-1 - suffix] == added[-1 - suffix]:
        suffix += 1
    old = removed[prefix : len(removed) - suffix]
    new = added[prefix : len(added) - suffix]
    begin = start + prefix
    return Edit(lines.range_of(begin, begin + len(old)), new, old)


def shifted(offset: int, edit_start: int, edit_end: int, inserted: int) -> int:
    """Where ``offset`` of a text lands once [edit_start, edit_end) became ``inserted``
    characters (an offset inside the replaced span moves to the span's end)."""
    if offset <= edit_start:
        return offset
    if offset >= edit_end:
        return offset + inserted - (edit_end - edit_start)
    return edit_start + inserted


def rebase(edit: Edit, before: str, applied: Edit) -> Edit:
    """``edit`` (a range in ``before``) moved into the text ``before`` becomes once
    ``applied`` (another edit in ``before``, not overlapping it) is made."""
    lines = Lines(before)
    start, end = lines.span(edit.range)
    a_start, a_end = lines.span(applied.range)
    after = apply_edits(before, [applied])
    moved_start = shifted(start, a_start, a_end, len(applied.text))
    moved_end = shifted(end, a_start, a_end, len(applied.text))
    return Edit(Lines(after).range_of(moved_start, moved_end), edit.text, edit.removed)
