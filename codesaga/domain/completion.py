"""Turning a raw fill-in-the-middle generation into something worth inserting."""

from __future__ import annotations


def trim_completion(
    text: str, before: str, after: str, *, max_lines: int = 8, multiline: bool = True
) -> str:
    """Cut a generated insertion down to what belongs at the cursor.

    Stops before a line that repeats the next non-empty line after the cursor (the model
    re-typing the suffix) or that dedents out of the cursor's block, keeps at most
    ``max_lines`` lines (one when not ``multiline``), and returns "" for a whitespace-only
    suggestion.
    """
    next_line = next((line.strip() for line in after.split("\n") if line.strip()), None)
    cursor_line = before.rsplit("\n", 1)[-1]
    block_indent = _indent(cursor_line)
    lines = text.split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        if i > 0 and next_line is not None and line.strip() == next_line:
            break
        if i > 0 and block_indent and line.strip() and _indent(line) < block_indent:
            break
        kept.append(line)
        if len(kept) >= (max_lines if multiline else 1):
            break
    result = "\n".join(kept)
    if len(kept) > 1:
        result = result.rstrip()
    # The rest of the current line is already there: don't duplicate it.
    rest_of_line = after.split("\n", 1)[0]
    if rest_of_line.strip() and result.endswith(rest_of_line):
        result = result[: len(result) - len(rest_of_line)]
    return result if result.strip() else ""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def split_typed_space(before: str) -> tuple[str, str]:
    """Split spaces typed after code on the cursor's line off the prefix.

    Tokenizers merge a space with the word after it (" n"), so a prompt ending in a bare
    space steers the model badly; we prompt without it and drop it from the answer.
    Indentation alone is kept: models complete it well.
    """
    stripped = before.rstrip(" \t")
    line = stripped.rsplit("\n", 1)[-1]
    if stripped == before or not line.strip():
        return before, ""
    return stripped, before[len(stripped) :]
