"""A Python definition added to a family of definitions whose every one has a twin: the new
one's twin, written as its neighbour's twin is and put beside it.

Some classes keep two families of members in step: platformdirs' `user_videos_dir` and
`user_videos_path`, `user_music_dir` and `user_music_path`. The names of a family differ from
each other in one word (`videos`, `music`) and from their twins in another (`dir` against
`path`). When the user adds a definition (a name not defined before: not one renamed) next
to a sibling named as it is but for one word (`user_music_dir` after `user_videos_dir`),
and the runs of definitions of its class around it named as it is at the twin's word (each
`*_dir` up to the first that is not) all have twins, at least MIN_TWINS of them, the new
one's twin goes after the twin of that sibling (before it, for the sibling below): that
twin's definition copied, the sibling's word (`videos`) made the new one's (`music`)
wherever it stands as a word (`user_videos_dir`, `videos path`). Fewer twins are as often
chance (`test_min_delta`, `test_max_delta`); twins laid out in pairs (`x_dir`, `x_path`,
`y_dir`, `y_path`) make runs of one, and are left to the like-block rules. A name defined
twice in the class (a property and its setter) is no one block to copy."""

from __future__ import annotations

import re
from dataclasses import dataclass

from codesaga.domain.edits import TextEdit
from codesaga.domain.next_edit_locations import SIMILAR, Candidate, Change, LineIndex

MIN_TWINS = 3  # siblings around the new definition with twins, at least
TWIN_SCORE = 0.62  # above a like line's repeat: the family's shape says where it goes
MAX_TWIN_LINES = 40  # a twin longer than that is no accessor to copy


@dataclass(frozen=True)
class _Definition:
    name: str
    indent: str
    first: int  # its first line (a decorator's, when it has one)
    header: int  # its `def` line
    last: int  # its last line that is not blank


_HEADER = re.compile(r"^([ \t]*)(?:async[ \t]+)?def[ \t]+(\w+)[ \t]*\(", re.MULTILINE)


def twin_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """The twin of the Python definition ``change`` added (a name not defined before it),
    when its siblings around it each have one; [] for any other change."""
    before, content = change.before, change.content
    defined_before = {m.group(2) for m in _HEADER.finditer(before)}
    defined_now = {m.group(2) for m in _HEADER.finditer(content)}
    if not defined_before <= defined_now:
        return []  # a definition renamed, not one added: its uses follow it
    added = [
        m
        for m in _HEADER.finditer(content, content.rfind("\n", 0, change.start) + 1)
        if m.start(2) <= change.after_end and m.group(2) not in defined_before
    ]
    if len(added) != 1:
        return []
    definitions = _definitions(index)
    mine = next((d for d in definitions if d.name == added[0].group(2)), None)
    if mine is None:
        return []
    low, high = _parent_lines(index, mine)  # the class (or module) it is defined in
    members = [d for d in definitions if d.indent == mine.indent and low <= d.header <= high]
    names = [d.name for d in members]
    # (a name defined twice, a property and its setter, an overload: no one block to copy)
    by_name = {d.name: d for d in members if names.count(d.name) == 1}
    siblings = [d for d in members if d is not mine]
    words = mine.name.split("_")
    above = [d for d in siblings if d.header < mine.header]
    below = [d for d in siblings if d.header > mine.header]
    # the siblings of the new one's family: its neighbours named as it is but for one word
    family = [
        (d, at)
        for d in [*above[-1:], *below[:1]]
        if (at := _one_word_apart(words, d.name.split("_"))) is not None
    ]
    if not family:
        return []
    sibling, kept = family[0]
    for twin_at, twin_word in _twin_words(sibling, kept, by_name):
        twinned = _twinned(above, below, words, twin_at, twin_word, by_name)
        if twinned < MIN_TWINS:
            continue
        twin_name = _with_word(words, twin_at, twin_word)
        if twin_name in by_name:
            return []  # it has its twin already
        return _twin_after(index, sibling, mine, kept, twin_at, twin_word, by_name)
    return []


def _parent_lines(index: LineIndex, definition: _Definition) -> tuple[int, int]:
    """The first and last lines of the block ``definition`` stands in: its class's (the
    lines up to the next less indented one), or the whole module's."""
    depth = len(definition.indent)
    low = definition.first
    while low > 1:
        text = index.line_text(low - 1)
        if text.strip() and len(text) - len(text.lstrip()) < depth:
            break
        low -= 1
    high = definition.last
    while high < index.line_count:
        text = index.line_text(high + 1)
        if text.strip() and len(text) - len(text.lstrip()) < depth:
            break
        high += 1
    return low, high


def _definitions(index: LineIndex) -> list[_Definition]:
    """The file's `def`s, in order, each with its decorators and its last line."""
    found = []
    count = index.line_count
    for match in _HEADER.finditer(index.text):
        header = index.line_of(match.start())
        indent = match.group(1)
        first = header
        while first > 1 and index.line_text(first - 1).strip().startswith("@"):
            first -= 1
        last = header
        number = header + 1
        while number <= count:
            text = index.line_text(number)
            if text.strip():
                if len(text) - len(text.lstrip()) <= len(indent):
                    break
                last = number
            number += 1
        found.append(_Definition(match.group(2), indent, first, header, last))
    return found


def _with_word(words: list[str], at: int, word: str) -> str:
    """The name of ``words`` with ``word`` at ``at``."""
    return "_".join([*words[:at], word, *words[at + 1 :]])


def _one_word_apart(words: list[str], others: list[str]) -> int | None:
    """The one position where two names' words differ, when they differ in one only."""
    if len(words) != len(others):
        return None
    apart = [k for k, (a, b) in enumerate(zip(words, others, strict=True)) if a != b]
    return apart[0] if len(apart) == 1 and all(words[k] for k in apart) else None


def _twin_words(
    sibling: _Definition, kept: int, by_name: dict[str, _Definition]
) -> list[tuple[int, str]]:
    """Where a twin of ``sibling`` differs from it, and its word there: each definition named
    as it is but for one word other than the family's (``kept``)."""
    words = sibling.name.split("_")
    found = []
    for name in by_name:
        at = _one_word_apart(words, name.split("_"))
        if at is not None and at != kept and name.split("_")[at]:
            found.append((at, name.split("_")[at]))
    return found


def _twinned(
    above: list[_Definition],
    below: list[_Definition],
    words: list[str],
    twin_at: int,
    twin_word: str,
    by_name: dict[str, _Definition],
) -> int:
    """How many siblings beside the new definition, named as it is at ``twin_at`` (`*_dir`
    beside `user_music_dir`), have a twin with ``twin_word`` there; 0 when one of them has
    none. The runs end at a sibling named otherwise."""
    count = 0
    for run in (reversed(above), below):
        for sibling in run:
            theirs = sibling.name.split("_")
            if len(theirs) != len(words) or theirs[twin_at] != words[twin_at]:
                break  # the run of the family ends
            if _with_word(theirs, twin_at, twin_word) not in by_name:
                return 0
            count += 1
    return count


def _twin_after(
    index: LineIndex,
    sibling: _Definition,
    mine: _Definition,
    kept: int,
    twin_at: int,
    twin_word: str,
    by_name: dict[str, _Definition],
) -> list[Candidate]:
    """The new definition's twin, put after (or, the sibling below the new one, before)
    ``sibling``'s twin: that twin's lines with the sibling's word made the new one's."""
    theirs = sibling.name.split("_")
    twin = by_name[_with_word(theirs, twin_at, twin_word)]
    if twin.last - twin.first >= MAX_TWIN_LINES:
        return []
    old, new = theirs[kept], mine.name.split("_")[kept]
    lines = [index.line_text(n) for n in range(twin.first, twin.last + 1)]
    written = _respelled("\n".join(lines), old, new)
    if written is None:
        return []
    blanks = _blanks_after(index, twin)
    # as many blank lines as part the twin from what follows it, or, the last, from what
    # stands above it
    gap = blanks if blanks and twin.last + blanks < index.line_count else _blanks_above(index, twin)
    # after the twin (the sibling above the new one): at the line after its blank lines;
    # else before it: at its first line
    after = twin.last + blanks + 1 if sibling.header < mine.header else twin.first
    if after <= index.line_count and index.line_text(after).strip():
        # the copy and as many blank lines, at a line's start
        at = index.line_bounds(after)[0]
        edit = TextEdit(index.span(at, at), "", written + "\n" * (gap + 1))
    else:  # nothing after the twin: the copy right after its last line (what ends the
        # file, a newline or blank lines, after the copy as it was after the twin)
        at = index.line_bounds(twin.last)[1]
        edit = TextEdit(index.span(at, at), "", "\n" * (gap + 1) + written)
    return [Candidate(edit.span, SIMILAR, TWIN_SCORE, edit)]


def _respelled(text: str, old: str, new: str) -> str | None:
    """``text`` with the word ``old`` made ``new`` wherever it stands as a word or a part of
    a name (as written, capitalized or upper case); None when it stands nowhere."""
    spelled = text
    for a, b in {(old, new), (old.capitalize(), new.capitalize()), (old.upper(), new.upper())}:
        spelled = re.sub(rf"(?<![A-Za-z0-9]){re.escape(a)}(?![A-Za-z0-9])", b, spelled)
    return None if spelled == text else spelled


def _blanks_above(index: LineIndex, definition: _Definition) -> int:
    """The blank lines above ``definition``'s first line, one when there are none."""
    number = definition.first - 1
    while number > 0 and not index.line_text(number).strip():
        number -= 1
    return max(1, definition.first - 1 - number)


def _blanks_after(index: LineIndex, definition: _Definition) -> int:
    """The blank lines after ``definition``'s last line."""
    number = definition.last + 1
    while number <= index.line_count and not index.line_text(number).strip():
        number += 1
    return number - definition.last - 1
