"""CodeContext: the input every code method takes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from codesaga.domain.errors import InputError
from codesaga.domain.languages import Language, detect_language, language_by_name
from codesaga.domain.source import source_lines


@dataclass(frozen=True)
class Selection:
    """A 1-based, inclusive range of whole lines."""

    start: int
    end: int

    @classmethod
    def parse(cls, spec: str, line_count: int, given_as: str = "--lines") -> Selection:
        """Parse ``A:B`` (also ``A``, ``A:`` and ``:B``) against a file of ``line_count``
        lines; ``given_as`` names what the user gave it as, in the errors."""
        text = spec.strip()
        if ":" in text:
            head, _, tail = text.partition(":")
        else:
            head = tail = text
        try:
            start = int(head) if head.strip() else 1
            end = int(tail) if tail.strip() else line_count
        except ValueError:
            raise InputError(
                f"{given_as} {spec!r} is not A:B with line numbers, e.g. 10:25"
            ) from None
        if start < 1 or end < start:
            raise InputError(f"{given_as} {spec!r} is not a range: it must satisfy 1 <= A <= B")
        if end > line_count:
            raise InputError(
                f"{given_as} {spec!r} is out of range: the file has {line_count} lines"
            )
        return cls(start, end)


@dataclass(frozen=True)
class CodeContext:
    """A file, its language, and the text before / after the cursor or selection.

    ``before + selected + after == content`` always holds. With no selection the whole
    file is selected; for a cursor, ``selected`` is empty.
    """

    path: str | None
    content: str
    language: Language
    before: str = ""
    selected: str = ""
    after: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def whole_file(cls, path: str | None, content: str, language: str | None = None) -> CodeContext:
        return cls(path, content, _language(path, content, language), selected=content)

    @classmethod
    def for_lines(
        cls, path: str | None, content: str, selection: Selection, language: str | None = None
    ) -> CodeContext:
        lines = source_lines(content)
        before = "".join(lines[: selection.start - 1])
        selected = "".join(lines[selection.start - 1 : selection.end])
        after = "".join(lines[selection.end :])
        return cls(
            path,
            content,
            _language(path, content, language),
            before,
            selected,
            after,
            {"lines": [selection.start, selection.end]},
        )

    @classmethod
    def at_cursor(
        cls, path: str | None, content: str, line: int, column: int, language: str | None = None
    ) -> CodeContext:
        """Split at a 1-based line and column; the column may be one past the line's end."""
        offset = cursor_offset(content, line, column)
        return cls(
            path,
            content,
            _language(path, content, language),
            before=content[:offset],
            after=content[offset:],
            metadata={"line": line, "column": column},
        )

    @classmethod
    def around_cursor(
        cls, path: str | None, before: str, after: str, language: str | None = None
    ) -> CodeContext:
        """The cursor given as the text before and after it (what editors send)."""
        content = before + after
        return cls(path, content, _language(path, content, language), before=before, after=after)

    @property
    def is_whole_file(self) -> bool:
        return not self.before and not self.after

    def selection_in(self, text: str) -> str | None:
        """What stands in place of the selection in ``text``, a rewrite of the whole file
        that kept the text around the selection; None when it did not."""
        fits = len(text) >= len(self.before) + len(self.after)
        if not (fits and text.startswith(self.before) and text.endswith(self.after)):
            return None
        return text[len(self.before) : len(text) - len(self.after)]


def cursor_offset(content: str, line: int, column: int) -> int:
    """The offset of a 1-based line and column, lines counted as editors count them (a CRLF
    or a lone CR ends one too) and columns in characters, the line's end not among them
    (column 13 of a CRLF file's 11-character line put the cursor between its CR and LF)."""
    lines = source_lines(content)
    if not lines or lines[-1].endswith(("\n", "\r")):
        lines.append("")  # the line after the last line end, where a cursor can be too
    if line < 1 or line > len(lines):
        # Lines as `wc -l` counts them, and the one after the last line end a cursor may be
        # on: "the file has 5 lines" of a 4-line file, "1 lines" of an empty one.
        whole = len(lines) - (lines[-1] == "")
        raise InputError(
            f"--line {line} is out of range: the file has {whole} line{'s' * (whole != 1)} "
            f"(lines 1..{len(lines)} take a cursor)"
        )
    text = lines[line - 1].rstrip("\r\n")
    if column < 1 or column > len(text) + 1:
        raise InputError(
            f"--column {column} is out of range: line {line} has {len(text)} characters "
            f"(columns 1..{len(text) + 1})"
        )
    return sum(len(x) for x in lines[: line - 1]) + column - 1


def _language(path: str | None, content: str, name: str | None) -> Language:
    if name:
        found = language_by_name(name)
        if found is None:
            raise InputError(f"unknown language {name!r}; try python, javascript, go, rust, ...")
        return found
    return detect_language(path, content)


def lf_only(ctx: CodeContext) -> CodeContext:
    """``ctx`` with its CRLF line ends as LF (the text before and after the cursor, any
    selection, and so the content)."""
    before, selected, after = (
        t.replace("\r\n", "\n") for t in (ctx.before, ctx.selected, ctx.after)
    )
    return dataclasses.replace(
        ctx, content=before + selected + after, before=before, selected=selected, after=after
    )
