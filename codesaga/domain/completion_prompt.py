"""What of the document, and of other files, an inline completion's prompt shows.

All pure: the completer keeps the state (each document's window anchor, the repository
context as last used) and passes it in, with the limits as numbers. Prompts are laid out so
that consecutive keystrokes share the longest prefix in the model's KV cache: stable
repository context first, a prefix window that only moves when it must, a short suffix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from codesaga.domain.completion import split_typed_space
from codesaga.domain.fim import (
    WindowAnchor,
    line_start_at,
    suffix_start,
    suffix_window,
    window_start,
)
from codesaga.domain.repo_context import Chunk, select_chunks

# When a request's time budget cannot hold reading its prompt, it is answered from a short
# window (the last lines before the cursor and the suffix, no other files) and the whole
# prompt is read in the background for the next keystroke.
SHORT_PREFIX_CHARS = 600
SHORT_SUFFIX_CHARS = 400  # the suffix is read again at every new line: keep it short too


@dataclass(frozen=True)
class WindowLimits:
    """How much of the document a prompt shows (the completion settings of the same names)."""

    prefix_chars: int
    suffix_chars: int
    suffix_lines: int  # at the start of a line
    suffix_lines_midline: int
    lookahead_chars: int = 0  # of the text below the mid-line suffix, in front of the prompt


@dataclass(frozen=True)
class PromptWindows:
    """What of the document a completion prompt shows."""

    start: int  # where the prefix window starts in the text before the cursor
    before: str  # the prefix window, without the spaces typed after the last word
    typed_space: str  # those spaces (the model would split a token at them)
    after: str  # the suffix window
    lookahead: str = ""  # the text below the mid-line suffix window (see lookahead), until
    # lay_out puts it at the start of ``before``


@dataclass(frozen=True)
class PromptLayout:
    """The windows, and what of other files goes in front of them."""

    windows: PromptWindows
    files: tuple[tuple[str, str], ...]  # (shown path, text) of other files' chunks
    sources: tuple[str, ...]  # the files whose text is in the prompt
    name: str | None  # the document's path as the model sees it


def prompt_windows(
    before: str,
    after: str,
    anchor: WindowAnchor | None,
    limits: WindowLimits,
    held_lookahead: str = "",
) -> PromptWindows:
    """The prefix window stays anchored while it fits (so consecutive keystrokes share the KV
    cache's prefix); the suffix is short because every keystroke re-reads it (it follows the
    changed text), and shortest mid-line, where the answer is the rest of the line.
    ``held_lookahead``: the document's lookahead as last used (kept while it still fits)."""
    start = window_start(before, anchor, max_chars=limits.prefix_chars)
    prefix, typed_space = split_typed_space(before[start:])
    line_begins = before.rfind("\n") + 1
    midline = bool(before[line_begins:].strip())
    suffix = suffix_window(
        after,
        max_lines=limits.suffix_lines_midline if midline else limits.suffix_lines,
        max_chars=limits.suffix_chars,
        whole_blocks=not midline,
    )
    ahead = ""
    # Counted to the start of the cursor's line, as a warm-up's text ends there: the warm-up
    # and the requests on that line agree on having one.
    if line_begins - start >= LOOKAHEAD_MIN_BEFORE:
        ahead = lookahead(
            after,
            held_lookahead,
            skip_lines=limits.suffix_lines_midline,
            max_chars=limits.lookahead_chars,
        )
    return PromptWindows(start, prefix, typed_space, suffix, ahead)


# Near the top of a file the hole would follow the lookahead, the file's lower part, and the
# model would read the cursor as being there: no lookahead before this much prefix window.
LOOKAHEAD_MIN_BEFORE = 400
# A lookahead is kept while it starts below the cursor's line and at most this many lines
# below where a new one would start: moving the cursor, or an editor adding a line below it
# (the `}` it closed), must not change it, or the whole prefix window after it is read again.
LOOKAHEAD_SLACK_LINES = 8


def lookahead(after: str, held: str = "", *, skip_lines: int, max_chars: int) -> str:
    """The text of ``after`` below the cursor's line and its ``skip_lines`` next (the suffix
    window mid-line), cut at a line end within ``max_chars``; empty when it holds nothing.
    ``held``, the lookahead as last used, is kept instead while ``after`` still holds it (or
    at least half of its start) at a line start below the cursor's line, and not more than
    LOOKAHEAD_SLACK_LINES below where a new one would start.

    It opens the prefix window, where the KV cache keeps it: a suffix is re-read at every
    keystroke, so mid-line it holds two lines, and the model never saw the text further down
    that the line being typed often repeats (a sibling method's docstring, the same call
    again). It starts at the same line whether the cursor is at a line start or mid-line,
    and typing above it leaves it as it is, so it is read once while a block is typed."""
    if max_chars <= 0:
        return ""
    if len(held) <= max_chars:  # (a setting lowered since drops it)
        kept = _still_below(after, held, lines=range(1, skip_lines + 2 + LOOKAHEAD_SLACK_LINES))
        if kept:
            return kept
    start = 0
    for _ in range(skip_lines + 1):
        start = after.find("\n", start) + 1
        if not start:
            return ""
    # Whole lines only: a client that clips the text after the cursor ends it mid-line, and
    # where it ends moves as the cursor does.
    text = after[start : start + max_chars + 1]
    text = text[: text.rfind("\n", 0, max_chars) + 1]
    return text if text.strip() else ""


def _still_below(after: str, held: str, *, lines: range) -> str:
    """What of ``held`` ``after`` holds from a line start in ``lines`` (0: the cursor's), if
    that is at least half of it: all of it, or its whole lines that are still there (a
    lookahead kept costs no read; a new one is read, in front of the window kept after it)."""
    if not held.strip():
        return ""
    probe = "\n" + held[:REUSE_PROBE]
    at = after.find(probe)
    while at >= 0 and after.count("\n", 0, at + 1) in lines:
        same = shared_prefix(held, after[at + 1 : at + 2 + len(held)])
        end = at + 1 + same
        whole = held.endswith("\n") or end == len(after) or after[end] == "\n"
        # A last line the document goes on with is not shown as if it ended there.
        kept = held if same == len(held) and whole else held[: held.rfind("\n", 0, same) + 1]
        if 2 * len(kept) >= len(held) and kept.strip():
            return kept
        at = after.find(probe, at + 1)
    return ""


def short_windows(before: str, after: str, limits: WindowLimits) -> PromptWindows:
    """The windows of a short prompt, answered while the whole one is read: the lines in the
    last SHORT_PREFIX_CHARS before the cursor, and a suffix within SHORT_SUFFIX_CHARS
    (``start`` is into that shortened text). The lines are counted back from the start of
    the cursor's line, so the window keeps its start while that line is typed (and a
    warm-up, which stops before that line, reads the same start)."""
    line_begins = before.rfind("\n") + 1
    if line_begins > SHORT_PREFIX_CHARS:
        before = before[line_start_at(before, line_begins - SHORT_PREFIX_CHARS) :]
    # No lookahead: a short prompt shows nothing in front of its window.
    windows = prompt_windows(before, after, None, replace(limits, lookahead_chars=0))
    suffix = suffix_window(
        windows.after, max_lines=len(windows.after), max_chars=SHORT_SUFFIX_CHARS
    )
    return replace(windows, after=suffix)


def lay_out(
    windows: PromptWindows,
    path: str | None,
    workspace: str | None,
    context: Sequence[Chunk],
    extra: Sequence[tuple[str, str]],
    definitions: Sequence[tuple[str, str]] = (),
    *,
    context_chars: int,
) -> PromptLayout:
    """The prompt's layout for the document at ``path`` (None: it has no file): the
    ``definitions`` (path, outline) its cursor uses, chosen within their own budget and
    stable between keystrokes, first; then the most recent chunks of the repository
    ``context`` and of the client's ``extra`` (path, text) that fit ``context_chars``,
    leaving out the document's own. The document's lookahead opens its prefix window."""
    if windows.lookahead:
        # As a chunk under the file's own name, the 0.5B took it for the file's end: on 40
        # doctested programs it answered 13 where it passed 16 without it (a `__main__`
        # block's print, a Markdown fence). At the prefix window's start it reads as more of
        # the file (16), and still gives what it was for (see ``lookahead``).
        ahead = windows.lookahead.rstrip("\n")
        windows = replace(windows, before=f"{ahead}\n\n{windows.before}", lookahead="")
    chunks = [
        *definitions,
        *select_chunks(
            (*context, *(Chunk(p, text) for p, text in extra)), context_chars, exclude_path=path
        ),
    ]
    sources = tuple(dict.fromkeys([*([path] if path else []), *(p for p, _ in chunks)]))
    files = tuple((shown_path(p, workspace), text) for p, text in chunks)
    name = shown_path(path, workspace) if path else None
    return PromptLayout(windows, files, sources, name)


def shown_path(path: str, workspace: str | None) -> str:
    """A file's name as the model sees it: relative to the workspace, as in the repositories
    models learn from, else just the file's name (an absolute path is noise, and differs
    between machines)."""
    if workspace and path.startswith(workspace.rstrip("/") + "/"):
        return path[len(workspace.rstrip("/")) + 1 :]
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def split_at_line(text: str, line: int | None) -> tuple[str, str]:
    """``text`` before the start of its 1-based ``line`` (the first when None), and the rest:
    what a warm-up reads ahead stops before the cursor's line, the typist's to change."""
    lines = text.split("\n")
    cut = sum(len(x) + 1 for x in lines[: max(0, (line or 1) - 1)])
    return text[:cut], text[cut:]


def after_accepting(before: str, after: str, suggestion: str) -> str:
    """The text before the cursor once ``suggestion`` is accepted. Where nothing follows on
    the line, the programmer goes on to the next one: a new line, indented as an editor
    would indent it."""
    before += suggestion
    if not after.split("\n", 1)[0].strip():
        before += "\n" + next_line_indent(before.rsplit("\n", 1)[-1])
    return before


def next_line_indent(line: str) -> str:
    """The indentation an editor gives the line after ``line``."""
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    if line.rstrip().endswith((":", "{", "(", "[")):
        indent += "\t" if indent.startswith("\t") else "    "
    return indent


def shared_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix (slices compare in C: a binary search)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


REUSE_PROBE = 120  # characters (~32 tokens: the engine moves runs at least that long)


def reusable(held: str, text: str) -> int:
    """How much of ``text`` a model that read ``held`` need not read again: the common
    prefix, then the runs of ``held`` that ``text`` holds later on, in the same order,
    wherever they sat before and whatever new text stands in front of them (the engine moves
    such a run to its new place instead of reading it: a prefix window that moved forward,
    the text after a context chunk that changed), except the suffix of a completion prompt
    once the text in front of it changed (new text, or text dropped), which the engine reads
    again (kv_reuse._behind_changes). An estimate in characters; past the common prefix,
    runs are looked for from line starts."""
    start = shared_prefix(held, text)
    suffix = suffix_start(text)
    kept, at, searched_from, changed = start, start, start, False
    while len(text) - at >= REUSE_PROBE:
        found = held.find(text[at : at + REUSE_PROBE], searched_from)
        if found >= 0:
            changed = changed or found > searched_from  # text dropped in front
            length = shared_prefix(held[found:], text[at:])
            if changed and suffix is not None and at + length > suffix:
                return kept + max(0, suffix - at)
            kept, at, searched_from = kept + length, at + length, found + length
            continue
        changed = True  # new text in front
        at = text.find("\n", at) + 1
        if not at:
            break
    return kept
