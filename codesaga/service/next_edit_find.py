"""PLACEHOLDER for helper A1's module (issue #22): a regex rename finder, so A2's code runs.

The remaining occurrences of a word the last edit renamed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from codesaga.domain.edits import TextEdit, span_of
from codesaga.domain.next_edit_locations import Candidate

_WORD = re.compile(r"\w+")


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
    if not (_WORD.fullmatch(last.removed) and _WORD.fullmatch(last.text)):
        return []
    found = []
    for match in re.finditer(rf"\b{re.escape(last.removed)}\b", content):
        span = span_of(content, match.start(), match.end())
        if cursor is not None and span.start_line <= cursor[0] <= span.end_line:
            continue
        edit = TextEdit(span, last.removed, last.text)
        found.append(Candidate(span, "rename", 0.9, edit, None))
    return found[:limit]
