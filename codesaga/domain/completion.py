"""Turning a raw fill-in-the-middle generation into something worth inserting.

All pure: the completer feeds the text generated so far to ``settled`` after every token, to
stop the model as soon as more text could not change what ``postprocess`` keeps.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

OPENERS = "([{"
CLOSERS = ")]}"
_PARTNER = {")": "(", "]": "[", "}": "{"}
_ENDS_A_VALUE = ")]}\"'`"  # a call's, a subscript's or a string's end
# How many of the next non-empty lines a completion may not re-type.
SUFFIX_LINES_CHECKED = 3


@dataclass(frozen=True)
class CompletionOptions:
    """What a client asks of one completion.

    ``multiline`` None decides from the cursor: several lines at the start of an empty line
    or after a line that opens a block, the rest of the line otherwise.
    ``time_budget`` (seconds): past it, the lines finished so far are returned, and a prompt
    that would take longer to read is answered from a short window; 0 waits for the whole
    prompt and answer; None leaves the read budget to the settings.
    ``gate``: a suggestion the model is unsure of is hidden (the confidence gate, when the
    settings turn it on); False shows it anyway (a person asked for this one).
    ``replace_rest``: the client can replace text after the cursor on its line, so that a
    suggestion may go on past an auto-closed bracket (see ``fit_rest_of_line``).
    """

    max_lines: int = 8
    multiline: bool | None = None
    candidates: int = 1
    time_budget: float | None = None
    gate: bool = True
    replace_rest: bool = False

    def is_multiline(self, before: str, after: str) -> bool:
        if self.multiline is not None:
            return self.multiline
        return wants_multiline(before, after)

    def lines_allowed(self, before: str, after: str) -> int:
        return self.max_lines if self.is_multiline(before, after) else 1


BLOCK_OPENERS = (":", "{", "(", "[", "=>")


def wants_multiline(before: str, after: str) -> bool:
    """Several lines make sense where a new block's body starts at the cursor (after a line
    that opens one, with no body below yet) or at the end of the file. Elsewhere, on an empty
    line between code, what goes there is most often one line, and a small model given more
    room re-types or rewrites the code that follows; the next line comes from speculation
    once this one is accepted."""
    rest_of_line, _, later = after.partition("\n")
    line = before.rsplit("\n", 1)[-1]
    if rest_of_line.strip():
        # Only the closers an editor put there (`{|}`): the block's body goes before them.
        return _only_closers(rest_of_line) and _opens_block(line)
    if line.strip():
        return _ends_with(line, BLOCK_OPENERS)
    following = next((x for x in later.split("\n") if x.strip()), None)
    if following is None:
        return True  # the end of the file
    previous = _previous_code_line(before)
    return _ends_with(previous, BLOCK_OPENERS) and _indent(following) <= _indent(previous)


def _previous_code_line(before: str) -> str:
    """The last line before the cursor's that holds something, or ""."""
    return next((x for x in reversed(before.split("\n")[:-1]) if x.strip()), "")


def _code_of(line: str) -> str:
    """``line`` up to a comment, right-stripped (`if x > 0:  # note` ends with `:`)."""
    code, quote = _scan_line(line)
    return line.rstrip() if quote else "".join(code).rstrip()


def _ends_with(line: str, openers: tuple[str, ...]) -> bool:
    """Whether ``line`` ends with one of ``openers``, before a comment or not: a `#` is no
    comment in every language (CSS's `#main {`, JavaScript's `this.#ready) {`)."""
    return line.rstrip().endswith(openers) or _code_of(line).endswith(openers)


def _opens_block(line: str) -> bool:
    return bool(line.strip()) and _ends_with(line, ("{", ":"))


def postprocess(
    text: str,
    before: str,
    after: str,
    *,
    max_lines: int = 8,
    multiline: bool = True,
    specials: Sequence[str] = (),
) -> str:
    """Cut a generated insertion down to what belongs at the cursor.

    In order: cut at a stray special token; stop before a line that re-types one of the next
    lines after the cursor or that dedents out of the cursor's block; keep at most
    ``max_lines`` lines (one when not ``multiline``); drop closing brackets nothing opened
    and those the rest of the line already has; return "" for a whitespace-only suggestion.
    """
    text = _fit_indentation(_cut_at_specials(text, specials), before)
    lines, _ = _kept_lines(text, before, after, max_lines if multiline else 1)
    if len(lines) > 1 and _starts_a_next_line(lines[-1], after):
        lines.pop()  # the model began re-typing what follows the cursor, and was cut off
    result = "\n".join(lines)
    if len(lines) > 1:
        result = result.rstrip()
    rest_of_line = after.split("\n", 1)[0]
    if _before_a_lines_code(before, rest_of_line) and not (
        result.endswith(" ") and not rest_of_line[:1].isspace()
    ):
        # At a line's start, or in its indentation, with code after the cursor, what goes
        # there is words put before that code (`async ` before `for`). The model mostly
        # writes a line of its own, and inserted it ran into that code (`\t\tt += x\treturn
        # t`) or typed it again before it (`return y  return y`).
        return ""
    result = balance_brackets(result, before, after)
    cursor_line = before.rsplit("\n", 1)[-1]
    if "\n" in result and rest_of_line.strip() and _opens_block(cursor_line):
        # A body written before an editor's closer (`{|}`): the closer goes on a line of
        # its own, at the opener's indentation.
        result = result.rstrip() + "\n" + cursor_line[: _indent(cursor_line)]
    # The rest of the current line is already there: don't duplicate it (unless that would
    # leave a bracket the suggestion opened unclosed).
    if rest_of_line.strip() and result.endswith(rest_of_line):
        shorter = result[: len(result) - len(rest_of_line)]
        if not open_brackets(shorter):
            result = shorter
    if _word_char(after[:1]) and (_word_char(result[-1:]) or result[-1:] in _ENDS_A_VALUE):
        # The insertion would run into the word after the cursor (`return total` before
        # `for x in xs:` makes `totalfor`, `list(xs)` before `sorted(xs)` makes
        # `list(xs)sorted(xs)`): no sensible code reads so.
        return ""
    return result if result.strip() else ""


def unfinished(suggestion: str) -> bool:
    """Whether ``suggestion`` stops inside a string or a bracket it opened itself (what a
    generation cut off by its token limit often does: `'yonder', 'z`)."""
    last = suggestion.rsplit("\n", 1)[-1]
    return open_string(last) is not None or bool(open_brackets(suggestion))


def _before_a_lines_code(before: str, rest_of_line: str) -> bool:
    """The cursor at a line's start or in its indentation, with code after it on the line
    (not only the closers an editor put there)."""
    return not before.rsplit("\n", 1)[-1].strip() and not _only_closers(rest_of_line, blank=True)


def _word_char(text: str) -> bool:
    """Whether ``text`` (one character, or none) belongs in an identifier. Chinese, Japanese
    and Korean text does not count: it runs on without spaces between its words (a comment
    or string in it is completed in the middle of a sentence)."""
    if not text or unicodedata.east_asian_width(text) in ("W", "F"):
        return False
    return text.isalnum() or text in "_$"


def settled(
    text: str,
    before: str,
    after: str,
    *,
    max_lines: int = 8,
    multiline: bool = True,
    specials: Sequence[str] = (),
) -> bool:
    """True when generating more cannot change what ``postprocess`` keeps of ``text``.

    Only finished lines decide: a line still being written may yet become different.
    """
    cut = _cut_at_specials(text, specials)
    if cut != text:
        return True
    limit = max_lines if multiline else 1
    lines, stopped_at = _kept_lines(text, before, after, limit)
    finished = text.count("\n")  # lines[:finished] are complete
    if stopped_at is not None and stopped_at < finished:
        return True
    return len(lines) >= limit and finished >= limit


def _cut_at_specials(text: str, specials: Sequence[str]) -> str:
    for mark in specials:
        if mark and mark in text:
            text = text[: text.index(mark)]
    return text


HEAD_CHARS = 2000  # where a document's first three lines are looked for
FENCE_CHARS = 20_000  # how far back a fence makes the document one that shows fences


def _kept_lines(text: str, before: str, after: str, limit: int) -> tuple[list[str], int | None]:
    """The lines kept, and the index of the line a rule rejected (None: none was)."""
    next_lines = _next_lines(after)
    cursor_line = before.rsplit("\n", 1)[-1]
    starts_line = not cursor_line.strip()
    block_indent = _indent(cursor_line)
    # After a line that opens a block, the block's body is what belongs: a line back at the
    # opener's own indentation ends it, at the top level too (where a suggestion ran on past
    # the function's `}` into other code and prose). Not after `(` or `[`: the line that
    # closes them goes on with the statement (`) -> int:` and the body).
    opens_block = _opens_block(cursor_line)
    # The document's first lines: a model at the end of a file (or of an empty one's
    # prompt) starts it over, and a fence line ends the Markdown answer it thinks it writes.
    # (Read from the document's start only: this runs after every token streamed.)
    head = [x.strip() for x in before[:HEAD_CHARS].split("\n")[:-1] if x.strip()][:3]
    fenced = "```" in before[-FENCE_CHARS:]  # a Markdown document, or a docstring showing one
    lines = text.split("\n")
    bodies = [x.strip() for x in lines]
    kept: list[str] = []
    for i, line in enumerate(lines):
        if i > 0 and not fenced and bodies[i].startswith("```"):
            return kept, i
        if (i > 0 or starts_line) and len(head) == 3 and bodies[i] == head[0]:
            rest = [b for b in bodies[i:] if b][:3]
            if rest == head:
                return kept, i
        # A first line is a re-type only if it is the very next line: the same statement a
        # few lines further on (both branches of an if) is often what belongs here too.
        repeats = next_lines if i > 0 else next_lines[:1]
        if (i > 0 or starts_line) and line.strip() and line.strip() in repeats:
            return kept, i
        out_of_block = (
            _indent(line) <= block_indent if opens_block else _indent(line) < block_indent
        )
        if i > 0 and line.strip() and out_of_block:
            if _only_closers(line) and len(kept) < limit:
                return [*kept, line], i  # the block's closing bracket ends it, and belongs
            return kept, i
        if len(kept) >= limit:
            return kept, i
        kept.append(line)
    return kept, None


def _fit_indentation(text: str, before: str) -> str:
    """Drop indentation a suggestion adds where the programmer has indented the empty line
    already: a model shown a prompt that ends in indentation sometimes indents once more,
    which Python cannot compile, or continues the deeper block the programmer just left.
    Only after a line that opens a block, with the body's indentation not typed yet, is the
    model's own indentation what the line needs."""
    cursor_line = before.rsplit("\n", 1)[-1]
    extra = text[: len(text) - len(text.lstrip(" \t"))]
    if not extra or not cursor_line or cursor_line.strip() or "\n" in extra:
        return text
    if open_brackets(before):
        return text  # a continuation line: any indentation goes
    previous = _previous_code_line(before)
    if _ends_with(previous, BLOCK_OPENERS) and _indent(cursor_line) <= _indent(previous):
        return text
    # Every line of it was indented once more: only the first was taken back, and the
    # next lines no longer lined up with it (an IndentationError).
    first, *rest = text[len(extra) :].split("\n")
    return "\n".join([first, *(line.removeprefix(extra) for line in rest)])


def _next_lines(after: str) -> list[str]:
    """The next non-empty lines after the cursor's line, stripped."""
    return [line.strip() for line in after.split("\n")[1:] if line.strip()][:SUFFIX_LINES_CHECKED]


def _starts_a_next_line(line: str, after: str) -> bool:
    """An unfinished last line that one of the next lines begins with (a line that equals
    one is already cut by ``_kept_lines``)."""
    body = line.strip()
    return len(body) >= 4 and any(n.startswith(body) for n in _next_lines(after))


def _only_closers(line: str, *, blank: bool = False) -> bool:
    """Whether ``line`` holds closing brackets and nothing else (with ``blank``, or nothing
    at all)."""
    body = line.strip().rstrip(";,")
    return (bool(body) or blank) and all(c in CLOSERS for c in body)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def open_brackets(text: str, lines: int = 40) -> list[str]:
    """The brackets still open at the end of ``text`` (its last ``lines`` lines), innermost
    last. Strings and line comments are skipped, roughly: this steers trimming, not parsing."""
    stack: list[str] = []
    for line in text.split("\n")[-lines:]:
        for char in code_brackets(line):
            if char in OPENERS:
                stack.append(char)
            elif char in CLOSERS:
                if stack and stack[-1] == _PARTNER[char]:
                    stack.pop()
                else:
                    stack.clear()  # we lost track; start afresh rather than guess
    return stack


def code_brackets(line: str) -> list[str]:
    """The bracket characters of one line outside string literals and comments."""
    return [char for char in _scan_line(line)[0] if char in OPENERS or char in CLOSERS]


def open_string(line: str) -> str | None:
    """The quote of a string literal still open at the end of ``line`` (None: none, or the
    line ends in a comment)."""
    return _scan_line(line)[1]


def _scan_line(line: str) -> tuple[list[str], str | None]:
    """The characters of ``line`` outside string literals, up to a comment, and the quote
    of a string literal still open at its end (None: none, or a comment ended the line)."""
    code: list[str] = []
    quote: str | None = None
    escaped = False
    for i, char in enumerate(line):
        if quote is not None:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "\"'`":
            quote = char
        elif char == "#" or line.startswith("//", i):
            return code, None
        else:
            code.append(char)
    return code, quote


def balance_brackets(text: str, before: str, after: str) -> str:
    """Drop closing brackets that close nothing, and those the rest of the line repeats.

    ``f(`` + ``x))`` becomes ``x)``; with ``)`` already after the cursor, ``x)`` becomes
    ``x``. A bracket the completion opens and closes itself is left alone.
    """
    overrun, outer_closers = _closers(text, before)
    if overrun is not None:
        return text[:overrun].rstrip(" ")  # closes nothing: the completion overran
    rest_of_line = after.split("\n", 1)[0]
    # The completion's tail from its first closer of an outer bracket, when the text after
    # the cursor starts with it: those closers are the line's own. From a later closer it
    # would not be: the earlier one closed the bracket the line's first closer closes
    # (`(lnum, 0), '')` before `))`, cut to `(lnum, 0), ''`, would read `''))`).
    if outer_closers and rest_of_line.startswith(text[outer_closers[0] :]):
        return text[: outer_closers[0]]
    # Code after the cursor that closes that bracket itself (`timeout=` before `, headers=h)`):
    # the suggestion's closer would close it twice. A suggestion that goes on past the
    # line's end (an editor's auto-closed bracket: `a, b): pass` before `):`) is
    # fit_rest_of_line's to weigh, as are only closers after the cursor.
    if not outer_closers or _only_closers(rest_of_line):
        return text
    line_end = rest_of_line.rstrip()
    if any(text[i:].startswith(line_end) for i in outer_closers):
        return text
    if _closes(rest_of_line, text[outer_closers[0]]):
        return text[: outer_closers[0]].rstrip(" ")
    return text


def _closes(code: str, closer: str) -> bool:
    """Whether the first bracket ``code`` closes that it did not open is ``closer``."""
    depth = 0
    for char in code_brackets(code):
        if char in OPENERS:
            depth += 1
        elif depth:
            depth -= 1
        else:
            return char == closer
    return False


def _closers(text: str, before: str) -> tuple[int | None, list[int]]:
    """Where ``text`` (inserted after ``before``) first closes a bracket nothing opened
    (None: nowhere), and the positions of its closers of brackets ``before`` opened."""
    stack = open_brackets(before)
    opened_here = 0
    outer_closers: list[int] = []
    quote: str | None = None
    for i, char in enumerate(text):
        if quote is not None:
            if char == quote or char == "\n":
                quote = None
            continue
        if char in "\"'`":
            quote = char
        elif char in OPENERS:
            stack.append(char)
            opened_here += 1
        elif char in CLOSERS:
            if not stack or stack[-1] != _PARTNER[char]:
                return i, outer_closers
            stack.pop()
            if opened_here:
                opened_here -= 1
            else:
                outer_closers.append(i)
    return None, outer_closers


def fit_rest_of_line(text: str, before: str, after: str, *, replace: bool) -> tuple[str, int]:
    """A suggestion that goes on past closers the line already has after the cursor (an
    editor's auto-closed bracket: ``self, chunks):`` before ``)``), fitted to the client:
    with ``replace`` (it can replace text after the cursor) the whole suggestion and how many
    characters after the cursor it replaces (those closers); without, the suggestion cut
    before them, which inserted keeps the line whole (``self, chunks``; as it is, it would
    read ``self, chunks):)``). Any other suggestion: as it is, replacing nothing."""
    line_end = after.split("\n", 1)[0].rstrip()
    if not line_end or "\n" in text:
        return text, 0
    quote = open_string(before.rsplit("\n", 1)[-1])
    if quote is not None and line_end.startswith(quote):
        return _fit_past_string_end(text, before, line_end, quote, replace=replace)
    outer = _closers(text, before)[1]
    for start in outer:
        tail = text[start:]
        if len(tail) > len(line_end) and tail.startswith(line_end):
            return (text, len(line_end)) if replace else (text[:start], 0)
    # The line's closers all closed by the suggestion, with text between them (`g(` + `a),
    # b) + 1` before `))`): it closes them itself.
    closes_them = "".join(text[i] for i in outer).startswith(line_end)
    if outer and all(c in CLOSERS for c in line_end) and closes_them:
        return (text, len(line_end)) if replace else (text[: outer[0]], 0)
    return text, 0


def _fit_past_string_end(
    text: str, before: str, line_end: str, quote: str, *, replace: bool
) -> tuple[str, int]:
    """``fit_rest_of_line`` in a string the editor closed too (`open("` reads `open("|")`,
    ``line_end`` `")`): a suggestion that ends the string and goes on (`data.txt") as f:`)
    replaces the line's end when what follows the string's end lines up with the rest of it
    (the brackets, as ``fit_rest_of_line`` decides); else it stops where the string ends."""
    end = _string_end(text, quote)
    if end is None:
        return text, 0  # ends inside the string
    if not replace:
        return text[:end], 0
    closers = line_end[len(quote) :]
    if not closers or end == len(text) - 1:
        return text, len(quote)  # its quote for the editor's, the rest of the line kept
    after_end = text[end + 1 :]
    _, replaced = fit_rest_of_line(after_end, before + text[: end + 1], closers, replace=True)
    return (text, len(line_end)) if replaced == len(closers) else (text[:end], 0)


def _string_end(text: str, quote: str) -> int | None:
    """Where ``text``, written inside a string opened by ``quote``, ends it (None: never)."""
    escaped = False
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == quote:
            return i
    return None


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


def type_through(
    shown_before: str, shown_after: str, suggestion: str, before: str, after: str
) -> str | None:
    """What is left of a shown suggestion after the user typed its first characters.

    None when the user typed something else, moved, or typed all of it.
    """
    if after != shown_after or not before.startswith(shown_before):
        return None
    typed = before[len(shown_before) :]
    if not typed or not suggestion.startswith(typed):
        return None
    rest = suggestion[len(typed) :]
    return rest if rest.strip() else None
