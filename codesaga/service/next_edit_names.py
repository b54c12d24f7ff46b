"""The identifier occurrences and function headers of a document, for next-edit candidates:
where a name stands as an identifier (not in a string or comment), what it is there (a
parameter, a local, a definition, a member, a keyword argument's name), and the functions
around it. What every reader shares, and the reader for a language without a grammar here:
regular expressions that skip its strings and comments. Python is read by
next_edit_python.py, the tree-sitter grammars by next_edit_tree.py.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Protocol

from codesaga.domain.next_edit_locations import LineIndex
from codesaga.domain.next_edit_patterns import USE, Occurrence
from codesaga.domain.next_edit_signatures import Header


class Names(Protocol):
    def occurrences(self, name: str) -> list[Occurrence]:
        """Where ``name`` stands as an identifier, in order."""
        ...

    def occurrence_at(self, start: int, name: str) -> Occurrence | None:
        """``name`` at ``start`` if it is an identifier there."""
        ...

    def header_at(self, start: int, end: int) -> Header | None:
        """The function whose header holds ``start``..``end``, if any."""
        ...

    def in_text(self, at: int) -> bool:
        """Is ``at`` inside a comment or a string (not code)?"""
        ...


def name_matches(content: str, name: str) -> Iterator[re.Match[str]]:
    return re.finditer(rf"(?<![\w$]){re.escape(name)}(?![\w$])", content)


_RECEIVER = re.compile(r"([\w$]+(?:\s*\.\s*[\w$]+)*|\)|\])?\s*$")
ACCESSES = (".", "->", "::")  # `?.` ends with a dot too


def receiver_before(content: str, start: int, accesses: tuple[str, ...] = ACCESSES) -> str | None:
    """The receiver of `receiver.name` when ``name`` at ``start`` follows a dot ("" when it
    is an expression: a call, an index, a line above); None when no dot precedes it.
    ``accesses``: the language's member operators (Python's `->` is a return type's)."""
    prefix = content[max(0, start - 200) : start].rstrip()
    if not prefix.endswith(accesses):
        return None
    prefix = prefix.removesuffix("?.") if prefix.endswith("?.") else prefix
    prefix = prefix[: -2 if prefix.endswith(("->", "::")) else -1]
    found = _RECEIVER.search(prefix, max(0, len(prefix) - 120))
    return _WHITESPACE.sub("", found.group(1) or "") if found is not None else ""


_WHITESPACE = re.compile(r"\s+")
_STRINGS_AND_BLOCKS = (
    r"""/\*[\s\S]*?\*/|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`"""
)


class Masks:
    """The strings and comments of a text, sorted and apart: is an index inside one?"""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        pairs = list(spans)
        self.starts = [start for start, _ in pairs]
        self.ends = [end for _, end in pairs]

    def covers(self, at: int) -> bool:
        k = bisect.bisect_right(self.starts, at) - 1
        return k >= 0 and at < self.ends[k]

    def starts_at(self, at: int) -> bool:
        """Does a masked span (a comment, where ``at`` holds its marker) begin at ``at``?"""
        k = bisect.bisect_left(self.starts, at)
        return k < len(self.starts) and self.starts[k] == at


class MaskedNames:
    """A reader by regular expressions: a name's matches outside the spans it masks
    (strings, comments), each read by ``_occurrence``."""

    content: str

    @cached_property
    def _masks(self) -> Masks:
        raise NotImplementedError

    def _occurrence(self, start: int, end: int) -> Occurrence:
        raise NotImplementedError

    def occurrences(self, name: str) -> list[Occurrence]:
        return [
            self._occurrence(m.start(), m.end())
            for m in name_matches(self.content, name)
            if not self._masks.covers(m.start())
        ]

    def occurrence_at(self, start: int, name: str) -> Occurrence | None:
        end = start + len(name)
        if self.content[start:end] != name or self._masks.covers(start):
            return None
        return self._occurrence(start, end)

    def in_text(self, at: int) -> bool:
        return self._masks.covers(at)

    def _receiver(self, start: int, accesses: tuple[str, ...] = ACCESSES) -> str | None:
        """receiver_before, but not for a dot that ends a comment above the name (`#: An
        anchor or resource.` over `AnchorOrResource = ...` is no `resource.AnchorOrResource`)."""
        low = max(0, start - 200)  # (receiver_before's reach)
        dot = low + len(self.content[low:start].rstrip()) - 1
        if dot >= 0 and self._masks.covers(dot):
            return None
        return receiver_before(self.content, start, accesses)


class PlainNames(MaskedNames):
    """A language without a grammar here: identifiers outside its strings and comments."""

    def __init__(self, content: str, index: LineIndex, line_comment: str | None) -> None:
        self.content = content
        self.index = index
        comment = re.escape(line_comment) + r"[^\n]*|" if line_comment else ""
        self._skip = re.compile(comment + _STRINGS_AND_BLOCKS)

    @cached_property
    def _masks(self) -> Masks:
        return Masks((m.start(), m.end()) for m in self._skip.finditer(self.content))

    def _occurrence(self, start: int, end: int) -> Occurrence:
        return Occurrence(start, end, USE, self._receiver(start))

    def header_at(self, start: int, end: int) -> Header | None:
        return None
