"""The prompt that has a code model write a next edit, and what its answer means.

The prompt is a unified diff: the user's recent changes as hunks (``-`` the lines as they
were, ``+`` as they are now), then a hunk that removes the lines of the place to change and
stops at the ``+`` of the first line that replaces them. The model writes the ``+`` lines,
by analogy with the hunks above; it stops at the first line that is not a ``+`` line.

Why a diff, and why only the lines to change:

- The completion models (Qwen2.5-Coder 0.5B and 1.5B, used through raw prompts) have read
  a great many diffs. On hand-made cases (an argument added to a call, ``assertEquals`` to
  ``assertEqual``, ``== None`` to ``is None``, ``print`` to ``log.info``) the 0.5B continued
  such a diff with the right line in 3 of 4 where before/after file pairs (``<|file_sep|>``
  blocks) got 1 of 4 (it copied the line unchanged or changed it the other way); on 7 cases
  (6 changes, 1 unrelated line) the diff got 6 right with no context lines and 5 with one
  above each hunk: a target hunk that looks like the user's hunk is followed more closely.
- Cost: the answer is as long as the lines it replaces, so the place to change is its own
  lines (at most MAX_TARGET_LINES), not a 20-line window. A rewrite of a line then
  generates about as many tokens as a one-line completion, from a prompt of a hundred or
  so tokens whose start (the user's changes) is the same for every place of one request,
  so the KV cache reads it once. The lines it copies are drafted from the prompt
  (``prompt_lookup``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from codesaga.domain.edits import Span, TextEdit, narrowed_edit, offset
from codesaga.domain.line_diff import opcodes
from codesaga.domain.marked_text import Layout, MarkedText

CONTEXT_LINES = 0  # unchanged lines shown above each hunk (see above: none is better)
MAX_CHANGES = 3  # the user's recent changes shown, the nearest to the last edit last
MAX_CHANGE_LINES = 12  # a change of more lines is no example to follow (a paste, a reformat)
MAX_TARGET_LINES = 6  # the most lines one rewrite replaces
# Where the model's hunk ends: a line that is not a "+" line (context, a removal, the next
# hunk, a code fence an instruct model adds) or another file. Each starts with the newline
# that ends the last "+" line, so the text before a stop is whole lines.
STOPS = ("\n@@", "\n ", "\n-", "\n`", "\n\n")
ONE_LINE_STOPS = ("\n",)  # a one-line target: its line ends the answer (no token past it)
# The prompt ends with the "+" that starts the answer's first line, so the model writes that
# line. Left to choose, after a user's hunk that removed more lines than it added (a function
# of three lines made two) the 0.5B went on removing: it wrote "-" first, which is no answer.
ANSWER_START = "+"
_TOKEN = re.compile(r"\w+|\S")


@dataclass(frozen=True)
class Change:
    """One changed run of lines: ``old`` (from line ``old_start`` of the text before the
    recent edits) is ``new`` now (from line ``new_start``); ``context``: the unchanged lines
    above it."""

    old_start: int
    old: tuple[str, ...]
    new_start: int
    new: tuple[str, ...]
    context: tuple[str, ...]


@dataclass(frozen=True)
class Target:
    """The lines to rewrite: from line ``first_line`` of the text; ``context``: the
    unchanged lines above them."""

    first_line: int
    lines: tuple[str, ...]
    context: tuple[str, ...]

    @property
    def last_line(self) -> int:
        return self.first_line + len(self.lines) - 1


def _lines(text: str) -> list[str]:
    """The lines of ``text`` without their endings (a last line without one counts)."""
    return [line.removesuffix("\r") for line in text.split("\n")]


MAX_GROWTH = 4.0  # a rewrite may be this many times as long as its lines, at most


def answer_budget(target: Target, recent: Sequence[Change], cap: int) -> int:
    """Tokens the model may write for ``target``'s rewrite, at most ``cap``: half a token a
    character of its lines (the marks included), times as much as the user's last change
    grew its lines (two lines put in an if/else come back as seven), and some room."""
    chars = sum(len(line) + 1 for line in target.lines)
    growth = 1.0
    if recent:
        last = recent[-1]
        old = sum(len(line) + 1 for line in last.old)
        new = sum(len(line) + 1 for line in last.new)
        growth = min(MAX_GROWTH, max(1.0, new / max(1, old)))
    return min(cap, int(chars * growth) // 2 + 24)


def changes(before: str, content: str, near_line: int | None) -> list[Change]:
    """The changed runs of lines from ``before`` to ``content``, at most MAX_CHANGES, the
    nearest to line ``near_line`` of ``content`` (the last edit's) last: that is the one the
    model follows most."""
    old, new = _lines(before), _lines(content)
    found = []
    for tag, i1, i2, j1, j2 in opcodes(old, new):
        if tag == "equal" or max(i2 - i1, j2 - j1) > MAX_CHANGE_LINES:
            continue
        context = tuple(new[max(0, j1 - CONTEXT_LINES) : j1])
        found.append(Change(i1 + 1, tuple(old[i1:i2]), j1 + 1, tuple(new[j1:j2]), context))
    if near_line is not None:
        found.sort(key=lambda c: -abs(c.new_start - near_line))
    return found[-MAX_CHANGES:]


def target_of(content: str, span: Span) -> Target | None:
    """The whole lines ``span`` touches in ``content`` (a span that ends at the start of a
    line does not touch it); None when they are more than MAX_TARGET_LINES."""
    last = span.end_line
    if span.end_column == 1 and last > span.start_line:
        last -= 1
    lines = _lines(content)
    if last - span.start_line + 1 > MAX_TARGET_LINES or last > len(lines):
        return None
    first = span.start_line
    context = tuple(lines[max(0, first - 1 - CONTEXT_LINES) : first - 1])
    return Target(first, tuple(lines[first - 1 : last]), context)


def rewrite_prompt(
    name: str, recent: list[Change], target: Target, file_separator: str | None = None
) -> MarkedText:
    """The diff the model continues; ``file_separator`` (the model's token for the start of
    a file, if it has one) marks where the diff starts."""
    layout = Layout()
    if file_separator:
        layout.mark(file_separator).text(f"{name}.diff\n")
    parts = [f"--- a/{name}\n+++ b/{name}\n"]
    for change in recent:
        shown = len(change.context)
        parts.append(
            f"@@ -{change.old_start - shown},{len(change.old) + shown} "
            f"+{change.new_start - shown},{len(change.new) + shown} @@\n"
        )
        parts += [f" {line}\n" for line in change.context]
        parts += [f"-{line}\n" for line in change.old]
        parts += [f"+{line}\n" for line in change.new]
    shown = len(target.context)
    size = len(target.lines) + shown
    parts.append(f"@@ -{target.first_line - shown},{size} +{target.first_line - shown},{size} @@\n")
    parts += [f" {line}\n" for line in target.context]
    parts += [f"-{line}\n" for line in target.lines]
    parts.append(ANSWER_START)
    return layout.text("".join(parts)).done()


def answer(text: str) -> str:
    """The model's answer to rewrite_prompt, whole: ``text`` (what it wrote) after the "+"
    the prompt ends with."""
    return ANSWER_START + text


def finished(text: str) -> bool:
    """Whether the model's answer so far holds all its ``+`` lines (it went on past them),
    so generating can stop."""
    if text and not text.startswith("+"):
        return True
    return any(text[i + 1] != "+" for i in range(len(text) - 1) if text[i] == "\n")


def rewritten(text: str) -> tuple[str, ...] | None:
    """The lines the model wrote in place of the target's (its leading ``+`` lines); None
    when it wrote none."""
    lines = []
    for line in text.split("\n"):
        if not line.startswith("+"):
            break
        lines.append(line[1:].removesuffix("\r"))
    return tuple(lines) or None


def rewrite_edit(content: str, target: Target, lines: tuple[str, ...]) -> TextEdit | None:
    """The edit that puts ``lines`` in place of the target's, narrowed to the characters
    that differ; None when nothing differs."""
    start = offset(content, target.first_line, 1)
    try:
        end = offset(content, target.last_line + 1, 1)
    except ValueError:
        end = len(content)  # the target ends the text
    old = content[start:end]
    ending = "\r\n" if old.split("\n", 1)[0].endswith("\r") else "\n"
    new = ending.join(lines) + (ending if old.endswith("\n") else "")
    if old == new:
        return None
    return narrowed_edit(content, start, end, new)


def undoes(change: Change, old: str, new: str) -> bool:
    """Whether turning ``old`` into ``new`` takes back ``change``, or part of it: it removes
    tokens the change added and adds tokens it removed, and nothing else (``res`` back to
    ``result`` after the user renamed ``result`` to ``res``), wherever that happens. Part:
    the user's change covered three `res` over two lines, the rewrite of one of them two."""
    added, removed = _token_changes(old, new)
    user_added, user_removed = _token_changes("\n".join(change.old), "\n".join(change.new))
    if added and removed:
        return added <= user_removed and removed <= user_added
    return bool(added or removed) and added == user_removed and removed == user_added


def only_adds(old: str, new: str) -> bool:
    """Does ``new`` hold all of ``old``'s tokens, in order, with more among them (an argument
    added to a call, a field to a literal)?"""
    rest = iter(_TOKEN.findall(new))
    return all(token in rest for token in _TOKEN.findall(old))


def unlike_the_change(changes: Sequence[Change], old: str, new: str) -> bool:
    """Did the user's changes only add (each of them) where the rewrite of ``old`` takes
    something away (`s.Get(a)` made `s.Get(ctx)` after `ctx` was put before a parameter),
    or only take away where it adds?"""
    pairs = [("\n".join(c.old), "\n".join(c.new)) for c in changes]
    if not pairs:
        return False
    if all(only_adds(a, b) for a, b in pairs):
        return not only_adds(old, new)
    if all(only_adds(b, a) for a, b in pairs):
        return not only_adds(new, old)
    return False


def _token_changes(old: str, new: str) -> tuple[Counter[str], Counter[str]]:
    """The tokens ``new`` has more of than ``old``, and those it has fewer of."""
    before, after = Counter(_TOKEN.findall(old)), Counter(_TOKEN.findall(new))
    return after - before, before - after
