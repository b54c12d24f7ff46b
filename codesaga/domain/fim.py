"""Fill-in-the-middle prompt formats, one per model family, found by the model's own tokens."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FimFormat:
    family: str
    prefix: str
    suffix: str
    middle: str
    suffix_first: bool = False  # Codestral-style: suffix, then prefix, then generate
    file_separator: str | None = None  # for repository-level context
    extra_stops: tuple[str, ...] = ()

    @property
    def stops(self) -> tuple[str, ...]:
        """Special tokens that must never appear in an inserted completion."""
        marks = (self.prefix, self.suffix, self.middle, self.file_separator, *self.extra_stops)
        return tuple(m.strip() for m in marks if m)

    def build(
        self,
        before: str,
        after: str,
        files: Sequence[tuple[str, str]] = (),
        path: str | None = None,
        *,
        suffix_first: bool | None = None,
    ) -> str:
        """The prompt text; ``files`` are (path, content) chunks from other files, oldest
        first, and ``path`` names the file being edited (both only where the model has a
        file-separator token). ``suffix_first`` overrides the family's usual order."""
        head = ""
        if self.file_separator and (files or path):
            head = "".join(f"{self.file_separator}{name}\n{text}\n" for name, text in files)
            head += f"{self.file_separator}{path or 'untitled'}\n"
        if self.suffix_first if suffix_first is None else suffix_first:
            return f"{head}{self.suffix}{after}{self.prefix}{before}{self.middle}"
        return f"{head}{self.prefix}{before}{self.suffix}{after}{self.middle}"


QWEN = FimFormat(
    "qwen",
    "<|fim_prefix|>",
    "<|fim_suffix|>",
    "<|fim_middle|>",
    file_separator="<|file_sep|>",
    extra_stops=("<|fim_pad|>", "<|repo_name|>", "<|endoftext|>", "<|im_end|>"),
)
STARCODER = FimFormat(
    "starcoder",
    "<fim_prefix>",
    "<fim_suffix>",
    "<fim_middle>",
    file_separator="<file_sep>",
    extra_stops=("<|endoftext|>",),
)
DEEPSEEK = FimFormat(
    "deepseek",
    "<｜fim▁begin｜>",
    "<｜fim▁hole｜>",
    "<｜fim▁end｜>",
    extra_stops=("<｜end▁of▁sentence｜>",),
)
CODELLAMA = FimFormat("codellama", "<PRE> ", " <SUF>", " <MID>", extra_stops=("<EOT>",))
CODESTRAL = FimFormat("codestral", "[PREFIX]", "[SUFFIX]", "", suffix_first=True)

FORMATS: tuple[FimFormat, ...] = (QWEN, STARCODER, DEEPSEEK, CODELLAMA, CODESTRAL)


def detect_fim_format(is_special_token: Callable[[str], bool]) -> FimFormat | None:
    """The first format whose marker tokens the model's vocabulary has as single tokens."""
    for fmt in FORMATS:
        marks = [m.strip() for m in (fmt.prefix, fmt.suffix, fmt.middle) if m.strip()]
        if all(is_special_token(m) for m in marks):
            return fmt
    return None


def window_start(before: str, previous: int | None, *, max_chars: int) -> int:
    """Where the prompt's prefix starts in ``before``: the start of a line.

    The start stays where it was while the window still fits ``max_chars``, so consecutive
    keystrokes share the whole prefix in the model's KV cache; when it no longer fits, it
    moves forward to keep half of ``max_chars``, and stays there again.
    """
    if len(before) <= max_chars:
        return 0
    if (
        previous is not None
        and 0 < previous <= len(before)
        and len(before) - previous <= max_chars
        and before[previous - 1] == "\n"
    ):
        return previous
    newline = before.find("\n", len(before) - max_chars // 2)
    return newline + 1 if newline != -1 else len(before) - max_chars // 2


def suffix_window(after: str, *, max_lines: int, max_chars: int) -> str:
    """The start of ``after``: the rest of the cursor's line and up to ``max_lines`` more,
    cut at a line end within ``max_chars``. Short, because it is re-read on every keystroke."""
    lines = after.split("\n")
    text = "\n".join(lines[: max_lines + 1])
    if len(text) > max_chars:
        text = text[:max_chars]
        if "\n" in text:
            text = text[: text.rfind("\n") + 1]
    return text
