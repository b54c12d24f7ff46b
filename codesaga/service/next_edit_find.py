"""PLACEHOLDER for helper A1's module (issue #22): a regex rename finder, so A2's code runs.

The remaining occurrences of a word the last edit renamed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from codesaga.domain.edit_sequence import undo
from codesaga.domain.edits import TextEdit, offset, span_of
from codesaga.domain.next_edit_locations import Candidate

_WORD = re.compile(r"\w+")


def _word_at(text: str, index: int) -> tuple[int, int]:
    start = index
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    end = index
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return start, end


def find_candidates(
    content: str,
    language: str | None,
    history: Sequence[TextEdit],
    cursor: tuple[int, int] | None,
    others: Mapping[str, str] = {},  # the contract's signature; never mutated
    limit: int = 8,
) -> list[Candidate]:
    if not history:
        return []
    last = history[-1]
    before = undo(content, last)
    if before is None:
        return []
    at = offset(content, last.span.start_line, last.span.start_column)
    new_start, new_end = _word_at(content, at)
    old_start, old_end = _word_at(before, at)
    old, new = before[old_start:old_end], content[new_start:new_end]
    if not (_WORD.fullmatch(old) and _WORD.fullmatch(new)) or old == new:
        return []
    found = []
    for match in re.finditer(rf"\b{re.escape(old)}\b", content):
        span = span_of(content, match.start(), match.end())
        if cursor is not None and span.start_line <= cursor[0] <= span.end_line:
            continue
        found.append(Candidate(span, "rename", 0.9, TextEdit(span, old, new), None))
    return found[:limit]
