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

    def build(self, before: str, after: str, files: Sequence[tuple[str, str]] = ()) -> str:
        """The prompt text; ``files`` are (path, content) chunks from other files, oldest first."""
        head = ""
        if self.file_separator:
            head = "".join(f"{self.file_separator}{path}\n{text}\n" for path, text in files)
        if self.suffix_first:
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
