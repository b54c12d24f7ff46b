"""PLACEHOLDER for helper A1's module (issue #22): the contract's types only, so A2's code runs.

Where a next edit may go: a candidate location, and whether an edit would undo the user's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from codesaga.domain.edits import Span, TextEdit


@dataclass(frozen=True)
class Candidate:
    span: Span  # where the suggestion applies, in the current content
    kind: str  # "rename" | "signature" | "similar"
    score: float  # 0..1, higher first
    edit: TextEdit | None  # computed edit for deterministic kinds; None: the model writes it
    window: Span | None  # for model kinds: the window to rewrite (whole lines)


def reverts(edit: TextEdit, history: Sequence[TextEdit]) -> bool:
    """Would ``edit`` put back what one of the recent edits took away?"""
    return any(
        edit.text == past.removed and edit.removed == past.text and edit.text != edit.removed
        for past in history
    )
