"""Fill-in-the-middle prompt formats, one per model family, found by the model's own tokens."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from codesaga.domain.marked_text import Layout, MarkedText


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
    ) -> MarkedText:
        """The prompt; ``files`` are (path, content) chunks from other files, oldest first,
        and ``path`` names the file being edited among them (both only where the model has a
        file-separator token). ``suffix_first`` overrides the family's usual order."""
        blank = not (before.strip() or after.strip())
        layout = self._head(files, path, alone=path if blank else None)
        if self.suffix_first if suffix_first is None else suffix_first:
            layout.mark(self.suffix).text(after).mark(self.prefix).text(before)
        else:
            layout.mark(self.prefix).text(before).mark(self.suffix).text(after)
        return layout.mark(self.middle).done()

    def cursor(self, text: str, after: str, *, suffix_first: bool | None = None) -> int:
        """Where the prefix ends in ``text``, a prompt ``build`` made with ``after``: the place
        the generated text goes."""
        if self.suffix_first if suffix_first is None else suffix_first:
            return len(text) - len(self.middle)
        return len(text) - len(self.middle) - len(after) - len(self.suffix)

    def stable_start(
        self,
        before: str,
        files: Sequence[tuple[str, str]] = (),
        path: str | None = None,
        *,
        suffix_first: bool | None = None,
    ) -> MarkedText:
        """The start of what ``build`` gives that typing after ``before`` leaves as it is:
        the repository files and the prefix, or only the files when the suffix comes first
        (it changes with every edit). Read ahead of time, it makes the first request fast."""
        layout = self._head(files, path)
        if not (self.suffix_first if suffix_first is None else suffix_first):
            layout.mark(self.prefix).text(before)
        return layout.done()

    def _head(
        self, files: Sequence[tuple[str, str]], path: str | None, alone: str | None = None
    ) -> Layout:
        # The file's name only after other files: on its own it made the prompt read as a
        # whole file, whose middle is its end (on two infill sets the 0.5B then answered
        # with lines of the `__main__` block: 13 of 40 passed against 16 without the name).
        # Except (``alone``) for a blank file, where nothing else says what language it is
        # in (an empty .py, .go or .rs file was answered with Angular's imports).
        layout = Layout()
        if self.file_separator and alone and not files:
            return layout.mark(self.file_separator).text(f"{alone}\n")
        if not (self.file_separator and files):
            return layout
        for name, text in files:
            layout.mark(self.file_separator).text(f"{name}\n{text}\n")
        return layout.mark(self.file_separator).text(f"{path or 'untitled'}\n")


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


def suffix_start(prompt: str) -> int | None:
    """Where the suffix begins in a completion ``prompt`` built prefix first (its last
    suffix mark, after the prefix mark), in any known format; None for another prompt."""
    for fmt in FORMATS:
        at = prompt.rfind(fmt.suffix)
        if at >= 0 and 0 <= prompt.rfind(fmt.prefix) < at:
            return at
    return None


def detect_fim_format(is_special_token: Callable[[str], bool]) -> FimFormat | None:
    """The first format whose marker tokens the model's vocabulary has as single tokens."""
    for fmt in FORMATS:
        marks = [m.strip() for m in (fmt.prefix, fmt.suffix, fmt.middle) if m.strip()]
        if all(is_special_token(m) for m in marks):
            return fmt
    return None


@dataclass(frozen=True)
class WindowAnchor:
    """Where a document's prefix window started, by content: its first lines, and how far
    they were from the cursor. Clients send different amounts of text before the cursor (the
    whole file, the last N characters, the last N lines), so an offset into what one request
    sent says nothing about the next; the text itself can be found again."""

    text: str
    from_end: int  # len(before) - start, when last used
    seen: str = ""  # the start of the text before the cursor it was last used with
    whole: bool = False  # the window showed all of that text
    seen_end: str = ""  # and its end, when longer than ``seen`` (see SEEN_END_CHARS)
    seen_end_at: int = 0  # where ``seen_end`` starts in that text


# The share of the window a move keeps: the rest is room to type into before the next
# move. A move costs little (the kept tokens are shifted, not re-read), and a larger window
# completes better.
KEPT_AFTER_MOVE = 0.75
ANCHOR_CHARS = 160  # enough of the window's first lines to be unlikely to repeat nearby
# Of the text an anchor was last used with, its start and its end are kept: a clipping
# client's next text starts a little after its last one began, but its first text after a
# warm-up (which read the whole document before the cursor) starts within what it sends of
# the cursor, up to 24,000 characters for our extension.
SEEN_CHARS = 4096
SEEN_END_CHARS = 32_768
CLIP_PROBE = 64
# A first request whose text is this close to what clients were learned to send
# (``reach``) was most likely cut there too.
REACH_TOLERANCE = 0.1


def window_start(before: str, anchor: WindowAnchor | None, *, max_chars: int) -> int:
    """Where the prompt's prefix starts in ``before``.

    The start stays on its anchor while the window still fits ``max_chars``, so consecutive
    keystrokes share the whole prefix in the model's KV cache, whatever the client cut off
    in front of it. When it no longer fits (or the client's text no longer reaches back to
    it) it moves forward in one large step, to keep KEPT_AFTER_MOVE of what fits, and stays
    there again: the window moves rarely, and a move shifts the cached tokens instead of
    re-reading them. A first request sees everything that fits.
    """
    if anchor is not None:
        found = find_anchor(before, anchor, max_chars=max_chars)
        if found == 0 or (found is not None and not (anchor.whole and len(before) <= max_chars)):
            return found
        if found is not None:
            return 0  # text appeared above a window that showed everything: show it too
        behind = find_anchor(before, anchor, max_chars=len(before))
        # Typed past the window's room since the last request (a jump further down is not):
        grown_past = behind is not None and len(before) - behind - anchor.from_end < max_chars // 4
        if grown_past or client_clipped(before, anchor):
            # The user typed on past what the window holds, or the client's text slid past
            # its start: one step forward, with room to type into.
            keep = int(min(len(before), max_chars) * KEPT_AFTER_MOVE)
            return line_start_at(before, len(before) - keep)
    # A first request, or the anchor is gone (an edit, another place): all that fits.
    if len(before) <= max_chars:
        return 0
    return line_start_at(before, len(before) - max_chars)


def client_clipped(before: str, anchor: WindowAnchor) -> bool:
    """True when the text starts later in the document than last time: the client sends a
    bounded stretch before the cursor, which slid on. (Otherwise the anchor was lost to an
    edit or a jump, and a text that fits is shown whole again.)"""
    probe = before[:CLIP_PROBE]
    if len(probe) < CLIP_PROBE:
        return False
    if anchor.seen.find(probe) > 0:
        return True
    at = anchor.seen_end.find(probe)
    return at != -1 and anchor.seen_end_at + at > 0


def sent_at_reach(before: str, reach: int) -> bool:
    """Whether a document's first text (``before``, nothing to compare it with yet) is as
    long as clients were learned to send (``reach``), so most likely cut there."""
    return abs(len(before) - reach) <= reach * REACH_TOLERANCE


def learned_reach(before: str, anchor: WindowAnchor, reach: int | None) -> int | None:
    """How much text before the cursor clients send, from a request's ``before`` and its
    document's ``anchor`` (``reach``: what was learned so far; None: all of it, or not
    known). A text that starts later in the document than last time was cut at its length;
    one longer than the reach was not cut there."""
    if client_clipped(before, anchor):
        return len(before)
    if reach is not None and len(before) > reach:
        return None
    return reach


def reach_anchor(before: str, reach: int, *, max_chars: int) -> WindowAnchor:
    """Where the first window of a document starts in ``before`` (the text before the cursor
    of a document an editor opened, or a first request's text) for a client that sends
    ``reach`` characters before the cursor: as a request's window does after the client's
    text slid past it (KEPT_AFTER_MOVE of what fits), so that the requests that follow find
    it in what they send until that much more is typed. A window of all that fits would
    start before anything they send, and what was read of it would be read again."""
    keep = int(min(reach, max_chars) * KEPT_AFTER_MOVE)
    start = line_start_at(before, max(0, len(before) - keep))
    return WindowAnchor(before[start : start + ANCHOR_CHARS], len(before) - start)


def anchor_at(before: str, start: int) -> WindowAnchor:
    text = before[start : start + ANCHOR_CHARS]
    end = before[-SEEN_END_CHARS:] if len(before) > SEEN_CHARS else ""
    return WindowAnchor(
        text, len(before) - start, before[:SEEN_CHARS], start == 0, end, len(before) - len(end)
    )


def find_anchor(before: str, anchor: WindowAnchor, *, max_chars: int) -> int | None:
    """The start of ``anchor``'s text in ``before`` within ``max_chars`` of the cursor, the
    occurrence nearest to where it was; None when it is gone or too far back."""
    if not anchor.text:
        return None
    best: int | None = None
    at = before.find(anchor.text, max(0, len(before) - max_chars))
    while at != -1:
        if best is None or abs(len(before) - at - anchor.from_end) < abs(
            len(before) - best - anchor.from_end
        ):
            best = at
        at = before.find(anchor.text, at + 1)
    return best


def line_start_at(text: str, position: int) -> int:
    """The start of the first non-blank line at or after ``position`` (else ``position``).

    A blank line would split differently into tokens on its own than after the line before
    it (newlines merge into one token), so the cached tokens would not match from there.
    """
    at = text.find("\n", max(0, position - 1))
    while at != -1 and at + 1 < len(text):
        end = text.find("\n", at + 1)
        line = text[at + 1 : end if end != -1 else len(text)]
        if line.strip():
            return at + 1
        at = end
    return position


def suffix_window(after: str, *, max_lines: int, max_chars: int, whole_blocks: bool = False) -> str:
    """The start of ``after``: the rest of the cursor's line and up to ``max_lines`` more,
    cut at a line end within ``max_chars``. Short, because it is re-read on every keystroke.

    With ``whole_blocks``, a window that leaves text out ends before its last line of the
    least indentation (a new statement at the level of the window's outermost block), not
    inside a block: a small model reads a suffix cut in the middle of a function as code to
    go on with, and answered with the next line of that function instead of the missing one.
    """
    lines = after.split("\n")
    text = "\n".join(lines[: max_lines + 1])
    if len(text) > max_chars:
        text = text[:max_chars]
        if "\n" in text:
            text = text[: text.rfind("\n") + 1]
    if whole_blocks and len(text) < len(after):
        text = _before_last_outer_line(text)
    return text


CLOSERS = (")", "]", "}")  # a line that closes a block belongs to the block


def _before_last_outer_line(text: str) -> str:
    """``text`` up to its last line (after the first) that starts a statement at the least
    indentation found after the first line; all of it when there is none."""
    lines = text.split("\n")
    starts = [
        (len(line) - len(line.lstrip(" \t")), i)
        for i, line in enumerate(lines[1:], start=1)
        if line.strip() and not line.lstrip(" \t").startswith(CLOSERS)
    ]
    if not starts:
        return text
    least = min(indent for indent, _ in starts)
    last = max(i for indent, i in starts if indent == least)
    if last <= 1:
        return text  # the cursor's block ends at once: keep what follows as look-ahead
    return "\n".join(lines[:last]).rstrip("\n") + "\n"
