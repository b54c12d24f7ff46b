"""A prompt with its format's own marks told apart from the text it holds.

A model's prompt formats are spelled with special tokens (``<|fim_middle|>``, ``<|im_end|>``,
``<|file_sep|>``). Read from a string, the same spelling in the user's code would be taken for
the token too: a file about tokenizers, a pasted chat log or a planted comment would end the
prompt's parts where the format did not, and the model would answer something else. So the
code that lays a prompt out says where its marks are, and the engine reads everything else as
plain text.
"""

from __future__ import annotations

from dataclasses import dataclass

Span = tuple[int, int]  # [start, end) in characters


@dataclass(frozen=True)
class MarkedText:
    """``text`` and the spans of it that are the format's marks (each one mark's spelling,
    in order, apart); the rest is text, whatever it spells."""

    text: str
    marks: tuple[Span, ...] = ()

    def __post_init__(self) -> None:
        check_marks(self.text, self.marks)

    def upto(self, end: int) -> MarkedText:
        """The first ``end`` characters, with the marks that lie in them."""
        return MarkedText(self.text[:end], tuple(m for m in self.marks if m[1] <= end))


def check_marks(text: str, marks: tuple[Span, ...]) -> None:
    at = 0
    for start, end in marks:
        if not at <= start < end <= len(text):
            raise ValueError(f"marks must be ordered, apart and inside the text: {marks[:4]}")
        at = end


class Layout:
    """Builds a ``MarkedText`` piece by piece."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._marks: list[Span] = []
        self._length = 0

    def text(self, text: str) -> Layout:
        self._parts.append(text)
        self._length += len(text)
        return self

    def mark(self, mark: str) -> Layout:
        """A mark: the span is its spelling without the spaces around it (``" <SUF>"``), which
        the tokenizer reads with the text next to them."""
        core = mark.strip()
        if core:
            start = self._length + mark.index(core)
            self._marks.append((start, start + len(core)))
        return self.text(mark)

    def done(self) -> MarkedText:
        return MarkedText("".join(self._parts), tuple(self._marks))
