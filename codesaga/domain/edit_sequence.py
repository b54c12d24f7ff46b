"""A document's recent edits as a sequence, oldest first, each span in the text as it was
just before that edit: checked against the text they led to, undone back to the text they
started from, or made from two versions of a file (the CLI's history).

An editor's edits can disagree with the text a later request sends (an edit lost on the
way, the file reloaded from disk): only the latest edits that do lead to it are kept, so
nothing is suggested from an edit that is not in the text.
"""

from __future__ import annotations

from collections.abc import Sequence

from codesaga.domain.edits import Span, TextEdit, diff_edits, offset, span_of


def undo(text: str, edit: TextEdit) -> str | None:
    """The text before ``edit``, from ``text`` as it was right after it; None when ``text``
    does not hold the edit's new text where the edit put it."""
    span = edit.span
    try:
        start = offset(text, span.start_line, span.start_column)
    except ValueError:
        return None
    end = start + len(edit.text)
    if text[start:end] != edit.text:
        return None
    before = text[:start] + edit.removed + text[end:]
    if span_of(before, start, start + len(edit.removed)) != span:
        return None  # the span's end does not fit what it says it removed
    return before


def verified(content: str, history: Sequence[TextEdit]) -> tuple[list[TextEdit], str]:
    """The latest edits of ``history`` that lead to ``content`` (all of them, when the
    history is true to it), and the text before the first of those."""
    text = content
    kept = 0
    for edit in reversed(history):
        before = undo(text, edit)
        if before is None:
            break
        text = before
        kept += 1
    return list(history[len(history) - kept :]), text


def sequence(before: str, after: str) -> list[TextEdit]:
    """The changes from ``before`` to ``after`` (``diff_edits``) as edits made one after
    another from the top of the file down: each span is in the text as the edits above it
    left it, so the last one's result is ``after``."""
    edits = []
    text = before
    shift = 0  # how much longer the edits made so far have made the text
    for edit in diff_edits(before, after):
        start = offset(before, edit.span.start_line, edit.span.start_column) + shift
        end = start + len(edit.removed)
        edits.append(TextEdit(span_of(text, start, end), edit.removed, edit.text))
        text = text[:start] + edit.text + text[end:]
        shift += len(edit.text) - len(edit.removed)
    return edits


def last_place(content: str, history: Sequence[TextEdit]) -> Span | None:
    """Where the last edit of ``history`` (verified against ``content``) put its new text."""
    if not history:
        return None
    last = history[-1]
    start = offset(content, last.span.start_line, last.span.start_column)
    return span_of(content, start, start + len(last.text))
