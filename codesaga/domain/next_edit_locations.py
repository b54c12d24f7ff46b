"""Where the next edit goes: the candidates a next-edit suggestion is made from, what the user
just changed (the last edits, merged), and the rules every candidate passes: never on the
cursor's line, never inside what the user just edited, never undoing it, and no two on the
same text. Pure: the service finds the places (service/next_edit_find.py); the patterns that
make a candidate are in next_edit_patterns.py.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from codesaga.domain.edits import Span, TextEdit, apply_edits, offset
from codesaga.domain.line_diff import common_ends

RENAME, SIGNATURE, SIMILAR = "rename", "signature", "similar"
MIN_MODEL_SCORE = 0.45  # a model candidate below it is not worth a model call
MAX_MODEL_PLACES = 3  # model candidates kept: each costs a model call
MAX_MERGED = 16  # edits merged into the change being continued
REVERT_LOOKBACK = 4  # recent edits an edit must not undo
MAX_LINE_CHANGES = 6  # one-line parts of a change over several lines looked at
PAIR_RATIO = 0.5  # likeness of an old and a new line to be one line changed
MAX_PAIRINGS = 400  # line comparisons to pair a run of lines replaced by one of another size
NEAR_LINES = 40  # a candidate this many lines from the change gets half its nearness bonus


def nearness(bonus: float, distance: int) -> float:
    """The part of a candidate's score for being ``distance`` lines from the change:
    ``bonus`` at the change, half of it NEAR_LINES away (of several alike places, the nearest
    is the likeliest next)."""
    return bonus / (1 + distance / NEAR_LINES)


@dataclass(frozen=True)
class Candidate:
    span: Span  # where the suggestion applies, in the current content
    kind: str  # RENAME | SIGNATURE | SIMILAR
    score: float  # 0..1, higher first
    edit: TextEdit | None  # computed edit; None: the model rewrites the span's lines
    path: str | None = None  # another open document the span is in; None: the request's


class LineIndex:
    """Lines of a text, for turning indices into 1-based positions and back quickly."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line_of(self, index: int) -> int:
        return bisect.bisect_right(self.starts, index)

    def position(self, index: int) -> tuple[int, int]:
        line = self.line_of(index)
        return line, index - self.starts[line - 1] + 1

    def index(self, line: int, column: int) -> int:
        """ValueError when the position is past the text."""
        if not 1 <= line <= len(self.starts) or column < 1:
            raise ValueError(f"line {line}, column {column} is not in the text")
        start, end = self.line_bounds(line)
        if start + column - 1 > end:
            raise ValueError(f"column {column} is past the end of line {line}")
        return start + column - 1

    def line_bounds(self, line: int) -> tuple[int, int]:
        """Where ``line`` starts and ends (before its newline)."""
        start = self.starts[line - 1]
        end = self.starts[line] - 1 if line < len(self.starts) else len(self.text)
        return start, end

    def line_text(self, line: int) -> str:
        start, end = self.line_bounds(line)
        return self.text[start:end]

    def span(self, start: int, end: int) -> Span:
        return Span(*self.position(start), *self.position(end))

    def offsets(self, span: Span) -> tuple[int, int]:
        """Where ``span`` starts and ends in the text (``span``'s inverse)."""
        return (
            self.index(span.start_line, span.start_column),
            self.index(span.end_line, span.end_column),
        )


# -- what the user just changed -------------------------------------------------------------

Position = tuple[int, int]


def _start(span: Span) -> Position:
    return span.start_line, span.start_column


def _end(span: Span) -> Position:
    return span.end_line, span.end_column


def advance(position: Position, text: str) -> Position:
    """Where ``text`` laid out from ``position`` ends."""
    newlines = text.count("\n")
    if not newlines:
        return position[0], position[1] + len(text)
    return position[0] + newlines, len(text) - text.rfind("\n")


def inserted_span(edit: TextEdit) -> Span:
    """Where ``edit``'s text stands in the text after it."""
    return Span(*_start(edit.span), *advance(_start(edit.span), edit.text))


def map_position(position: Position, edit: TextEdit, *, at_end: bool = False) -> Position:
    """``position`` in the text before ``edit``, in the text after it (a position inside the
    replaced text goes to the start of what replaced it, or with ``at_end`` to its end)."""
    start, end = _start(edit.span), _end(edit.span)
    if position <= start:
        return position
    new_end = advance(start, edit.text)
    if position < end:
        return new_end if at_end else start
    if position[0] == end[0]:
        return new_end[0], new_end[1] + position[1] - end[1]
    return position[0] + new_end[0] - end[0], position[1]


def _length_to(text: str, start: Position, target: Position) -> int | None:
    """How many characters of ``text``, laid out from ``start``, come before ``target``;
    None when ``target`` is not inside it."""
    offset = 0
    for i, piece in enumerate(text.split("\n")):
        if start[0] + i == target[0]:
            column = start[1] if i == 0 else 1
            k = target[1] - column
            return offset + k if 0 <= k <= len(piece) else None
        offset += len(piece) + 1
    return None


def merge(first: TextEdit, second: TextEdit) -> TextEdit | None:
    """One edit doing ``first`` then ``second`` when ``second`` touches what ``first``
    inserted (a word typed a few characters at a time); None when it is elsewhere."""
    inserted = inserted_span(first)
    if _end(second.span) < _start(inserted) or _start(second.span) > _end(inserted):
        return None
    left: int | None = 0
    at: int | None = 0
    start = _start(first.span)
    if _start(second.span) < _start(inserted):
        left = _length_to(second.removed, _start(second.span), _start(inserted))
        start = _start(second.span)
    else:
        at = _length_to(first.text, _start(inserted), _start(second.span))
    if left is None or at is None:
        return None
    rest = second.removed[left:]
    inside = rest[: len(first.text) - at]
    if first.text[at : at + len(inside)] != inside:
        return None
    right = rest[len(inside) :]
    text = first.text[:at] + second.text + first.text[at + len(inside) :]
    removed = second.removed[:left] + first.removed + right
    span = Span(*start, *advance(_end(first.span), right))
    return TextEdit(span, removed, text)


def trailing_merge(history: Sequence[TextEdit]) -> tuple[TextEdit, int] | None:
    """The last edits merged while each continues the one before, and how many they are."""
    if not history:
        return None
    merged, count = history[-1], 1
    for earlier in reversed(history[-MAX_MERGED:-1]):
        joined = merge(earlier, merged)
        if joined is None:
            break
        merged, count = joined, count + 1
    return merged, count


@dataclass(frozen=True)
class Change:
    """The user's last change: ``before`` became the current content by replacing
    ``before[start:before_end]`` with ``content[start:after_end]``, narrowed to the characters
    that differ. ``earlier``: where older recent edits are in the current content."""

    before: str
    content: str
    start: int
    before_end: int
    after_end: int
    earlier: tuple[tuple[int, int], ...] = ()

    @property
    def removed(self) -> str:
        return self.before[self.start : self.before_end]

    @property
    def inserted(self) -> str:
        return self.content[self.start : self.after_end]


def slid_insertions(change: Change, reach: int = 64) -> Iterator[str]:
    """The texts a pure insertion could equally have been, read from the same before and
    after (a diff aligns `IsIgnoreDict, ` put before `IsPartialDict` as `IgnoreDict, Is`
    after `IsDict, Is`): the change's own first, then each window of its length it slides
    to over equal characters, up to ``reach`` places either way (past that, in a run of
    repeated text, the same windows come round again). Nothing for a change that removed
    text."""
    if change.removed or not change.inserted:
        return
    yield from _slid(change.content, change.start, change.after_end - change.start, reach)


def slid_removals(change: Change, reach: int = 64) -> Iterator[str]:
    """The texts a pure removal could equally have been, on its line, read from the text
    before it (`not ` taken from `not need` is aligned as `ot n`; `"y", ` from a list as
    `y", "`): as slid_insertions. Nothing for a change that put text in."""
    if change.inserted or not change.removed:
        return
    width = change.before_end - change.start
    yield from _slid(change.before, change.start, width, reach, within_line=True)


def _slid(
    text: str, start: int, width: int, reach: int, within_line: bool = False
) -> Iterator[str]:
    """``text``'s window of ``width`` at ``start``, then each it slides to over equal
    characters, up to ``reach`` places either way (``within_line``: not over a newline)."""
    yield text[start : start + width]
    for step in (-1, 1):
        at = start
        for _ in range(min(reach, width)):
            edge = at - 1 if step < 0 else at
            if not 0 <= edge < len(text) - width or text[edge] != text[edge + width]:
                break
            if within_line and text[edge] == "\n":
                break
            at += step
            yield text[at : at + width]


def recent_change(content: str, history: Sequence[TextEdit], index: LineIndex) -> Change | None:
    """The change the last edits made to ``content``; None without history, when it does
    not fit ``content`` (edits of another version), or when it changed nothing."""
    found = trailing_merge(history)
    if found is None:
        return None
    merged, count = found
    try:
        start = index.index(*_start(merged.span))
    except ValueError:
        return None
    before = _undone(content, start, merged)
    removed, text = merged.removed, merged.text
    if before is None or removed == text:
        return None
    head, tail = common_ends(removed, text)
    end = start + len(text)
    earlier = tuple(_earlier_regions(history[:-count], history[-count:], index))
    return Change(before, content, start + head, start + len(removed) - tail, end - tail, earlier)


def _undone(text: str, start: int, edit: TextEdit) -> str | None:
    """``text`` as it was before ``edit``, whose text stands at ``start``; None when it does
    not (an edit of another version of the text)."""
    end = start + len(edit.text)
    if text[start:end] != edit.text:
        return None
    return text[:start] + edit.removed + text[end:]


NEARBY_LINES = 3  # an earlier edit this many lines at most from the change is read with it
MAX_JOINED = 4  # runs of edits read as one change, at most


@dataclass(frozen=True)
class Joined:
    """The last change read with the edits made just before it; ``alike``: each of those
    runs of edits made the same change (the same text put in place of the same text)."""

    change: Change
    alike: bool


def joined_change(content: str, history: Sequence[TextEdit], index: LineIndex) -> Joined | None:
    """The last change read with the edits made just before it a few lines away, as one
    change over those lines (a parameter added to a signature, then used in the body on the
    next line: as an editor's snapshot diff makes it, one change, whose signature line its
    calls repeat); None when no such edit came before it."""
    runs = 0
    text, rest = content, list(history)
    region: tuple[int, int] | None = None  # where the runs undone so far stand in ``text``
    made: set[tuple[str, str]] = set()  # each run's change, narrowed
    while rest and runs < MAX_JOINED:
        found = trailing_merge(rest)
        assert found is not None
        merged, count = found
        try:
            start = offset(text, *_start(merged.span))
        except ValueError:
            break
        undone = _undone(text, start, merged)
        end = start + len(merged.text)
        if undone is None or (region is not None and not _nearby(text, (start, end), region)):
            break
        text = undone
        made.add(narrowed(merged.removed, merged.text))
        high = start + len(merged.removed)
        if region is None:
            region = (start, high)
        elif region[0] < start:  # before this edit: where it was
            region = (region[0], high)
        else:  # after it: moved by what undoing it changed
            shift = len(merged.removed) - len(merged.text)
            region = (start, region[1] + shift)
        rest, runs = rest[:-count], runs + 1
    if runs < 2:
        return None
    head, tail = common_ends(text, content)
    earlier = tuple(_earlier_regions(rest, history[len(rest) :], index))
    change = Change(text, content, head, len(text) - tail, len(content) - tail, earlier)
    return Joined(change, alike=len(made) == 1)


def _nearby(text: str, edit: tuple[int, int], region: tuple[int, int]) -> bool:
    """Are the two spans of ``text`` apart (not touching), with at most NEARBY_LINES line
    breaks between them?"""
    (_, first_end), (second_start, _) = sorted((edit, region))
    return first_end < second_start and text.count("\n", first_end, second_start) <= NEARBY_LINES


def line_changes(change: Change) -> list[Change]:
    """A change over several lines as the one-line changes it is made of, each as if it were
    the last one made (the others already in ``before``): a parameter added to a signature
    and used in the body is, on the signature's line alone, what its calls must repeat.
    Lines are paired in order, a line replaced by several with the likest of them; [] for a
    change within one line."""
    if "\n" not in change.removed + change.inserted:
        return []
    before, content = change.before, change.content
    start = before.rfind("\n", 0, change.start) + 1
    old = before[start : line_end(before, change.before_end)].split("\n")
    new = content[start : line_end(content, change.after_end)].split("\n")
    new_starts = [start]
    for line in new:
        new_starts.append(new_starts[-1] + len(line) + 1)
    parts: list[Change] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        for i, j in _paired(old, range(i1, i2), new, range(j1, j2)):
            at, a, b = new_starts[j], old[i], new[j]
            head, tail = common_ends(a, b)
            line_before = content[:at] + a + content[at + len(b) :]
            end = at + len(a) - tail
            parts.append(Change(line_before, content, at + head, end, at + len(b) - tail))
            if len(parts) >= MAX_LINE_CHANGES:
                return parts
    return parts


def _paired(
    old: Sequence[str], olds: range, new: Sequence[str], news: range
) -> list[tuple[int, int]]:
    if len(olds) == len(news):
        return list(zip(olds, news, strict=True))
    if len(olds) * len(news) > MAX_PAIRINGS:
        return []  # a block rewritten: no line of it is one line changed
    pairs: list[tuple[int, int]] = []
    after = news.start
    for i in olds:
        likeness = [
            (difflib.SequenceMatcher(None, old[i], new[j], autojunk=False).ratio(), j)
            for j in range(after, news.stop)
        ]
        ratio, j = max(likeness, default=(0.0, -1))
        if ratio >= PAIR_RATIO:
            pairs.append((i, j))
            after = j + 1
    return pairs


def alike_lines(change: Change) -> list[Change]:
    """The lines of a change over several lines that made the same change on each, each
    with the others among the user's earlier edits; [] for any other change. Not when the
    change is to indentation alone: a block re-indented is one change (an `if` put around
    it)."""
    parts = line_changes(change)
    made = {(p.removed, p.inserted) for p in parts}
    if len(parts) < 2 or len(made) != 1:
        return []
    if not "".join(made.pop()).strip() and _in_indentation(parts[-1]):
        return []
    spans = [(p.start, p.after_end) for p in parts]
    return [
        replace(p, earlier=(*change.earlier, *spans[:k], *spans[k + 1 :]))
        for k, p in enumerate(parts)
    ]


_TOKEN = re.compile(r"[\w$]+|\S")


def reflowed_core(change: Change) -> Change | None:
    """The one change left in ``change`` once its layout is set aside, as if the new layout
    were already in ``before``: a formatter's wrapping of a signature over several lines
    made along with one annotation changed (`root_path: str,` to `root_path: str |
    os.PathLike,` on a line of its own) is that annotation changed. None unless the change
    put in or took out line breaks and its tokens differ in one place."""
    removed, inserted = change.removed, change.inserted
    if "\n" not in removed + inserted or removed.count("\n") == inserted.count("\n"):
        return None
    old = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(removed)]
    new = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(inserted)]
    matcher = difflib.SequenceMatcher(None, [t[0] for t in old], [t[0] for t in new], False)
    changed = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    if len(changed) != 1:
        return None
    _, i1, i2, j1, j2 = changed[0]
    if j1 == j2 or not (j1 > 0 and j2 < len(new)):
        return None  # tokens taken out only, or at an end: not one piece of code changed
    start = new[j1 - 1][2] if i1 == i2 else new[j1][1]
    end = new[j2 - 1][2]
    was = removed[old[i1][1] : old[i2 - 1][2]] if i1 < i2 else ""
    if "\n" in inserted[start:end] or "\n" in was:
        return None
    at = change.start + start
    content = change.content
    before = content[:at] + was + content[change.start + end :]
    made = (*change.earlier, (change.start, change.after_end))
    return Change(before, content, at, at + len(was), change.start + end, made)


def _in_indentation(change: Change) -> bool:
    """Is ``change`` within its line's indentation (only whitespace before it)?"""
    line_start = change.content.rfind("\n", 0, change.start) + 1
    return not change.content[line_start : change.start].strip()


def line_end(text: str, index: int) -> int:
    """Where the line ``index`` is on ends (its newline, or the text's end)."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def unclosed_bracket(text: str, end: int, lookback: int = 1500) -> int | None:
    """The innermost bracket opened before ``end`` and not closed by then (quotes not read:
    a short lookback); None within ``lookback`` characters."""
    depth = 0
    for i in range(end - 1, max(-1, end - 1 - lookback), -1):
        c = text[i]
        if c in ")]}":
            depth += 1
        elif c in "([{":
            if not depth:
                return i
            depth -= 1
    return None


def unclosed_paren(text: str, end: int, lookback: int = 1500) -> int | None:
    """The parenthesis of the argument list that ``end`` is in: the innermost bracket opened
    before it and not closed by then, or the one before an object argument's brace
    (`f({a, `); None in a list, an index or a block."""
    at = unclosed_bracket(text, end, lookback)
    if at is None or text[at] == "(":
        return at
    before = text[:at].rstrip()
    return len(before) - 1 if text[at] == "{" and before.endswith("(") else None


def _earlier_regions(
    older: Sequence[TextEdit], newer: Sequence[TextEdit], index: LineIndex
) -> Iterable[tuple[int, int]]:
    for k, edit in enumerate(older):
        span = inserted_span(edit)
        start, end = _start(span), _end(span)
        for later in [*older[k + 1 :], *newer]:
            start = map_position(start, later)
            end = map_position(end, later, at_end=True)
        try:
            yield index.index(*start), max(index.index(*start), index.index(*end))
        except ValueError:
            continue


# -- the rules every candidate passes ---------------------------------------------------------


def narrowed(removed: str, text: str) -> tuple[str, str]:
    """``removed`` and ``text`` without what both start and end with."""
    head, tail = common_ends(removed, text)
    return removed[head : len(removed) - tail], text[head : len(text) - tail]


def reverts(edit: TextEdit, history: Sequence[TextEdit]) -> bool:
    """Would ``edit`` (a span in the current text) undo the user's recent edits: put back
    what the last ones replaced (merged, as a word typed a character at a time), anywhere,
    or what one of the few before replaced, where that one was?"""
    change = narrowed(edit.removed, edit.text)
    if change == ("", ""):
        return False
    merged = trailing_merge(history)
    if merged is not None and narrowed(merged[0].text, merged[0].removed) == change:
        return True
    first = max(0, len(history) - REVERT_LOOKBACK)
    for k in range(first, len(history)):
        if narrowed(history[k].text, history[k].removed) != change:
            continue
        span = inserted_span(history[k])
        start, end = _start(span), _end(span)
        for later in history[k + 1 :]:
            start, end = map_position(start, later), map_position(end, later, at_end=True)
        if edit.span.overlaps(Span(*start, *max(start, end))):
            return True
    return False


def span_lines(span: Span) -> tuple[int, int]:
    """The lines a span covers (a span ending at column 1 does not cover its last line)."""
    last = span.end_line - 1 if span.end_column == 1 and span.end_line > span.start_line else 0
    return span.start_line, last or span.end_line


def finalize(
    candidates: Iterable[Candidate],
    index: LineIndex,
    change: Change,
    history: Sequence[TextEdit],
    cursor: tuple[int, int] | None,
    limit: int,
) -> list[Candidate]:
    """The candidates that pass the rules, best first, each clear of the ones before it:
    not on the cursor's line, not touching the lines of the last change, not undoing it;
    a model candidate only above MIN_MODEL_SCORE, not on a line of the user's earlier recent
    edits, at most MAX_MODEL_PLACES of them (one model call each, which rewrites the place's
    own lines)."""
    changed = index.span(change.start, change.after_end)
    blocked = [span_lines(changed)]
    if cursor is not None:
        blocked.append((cursor[0], cursor[0]))
    # The lines of the user's earlier recent edits: a line the user has just been at is no
    # place for the model to change by analogy (three lines re-indented one at a time: the
    # first looked like the last, and would have been rewritten again).
    edited = [span_lines(index.span(start, end)) for start, end in change.earlier]
    kept: list[Candidate] = []
    parts: dict[int, list[TextEdit]] = {}  # the edits a kept candidate's edit merges, by index
    model_places = 0
    # alike scores: the nearer the change first (the like lines a user goes on to are most
    # often the next ones, not the file's first)
    near = changed.start_line
    ranked = sorted(candidates, key=lambda c: (-c.score, abs(c.span.start_line - near)))
    for candidate in ranked:
        if len(kept) >= limit:
            break
        first, last = span_lines(candidate.span)
        if any(low <= last and first <= high for low, high in blocked):
            continue
        if candidate.edit is not None and reverts(candidate.edit, history):
            continue
        if candidate.edit is not None and _assigns_itself(index, candidate.edit):
            continue
        at = _same_line(candidate, kept, parts)
        if at is not None:  # one suggestion a line: a Tab takes the line's edits together
            parts[at].append(candidate.edit)  # type: ignore[arg-type]
            merged = _merged(index, parts[at])
            kept[at] = replace(kept[at], span=merged.span, edit=merged)
            continue
        if any(candidate.span.overlaps(k.span) for k in kept):
            continue
        if candidate.edit is None:
            if candidate.score < MIN_MODEL_SCORE or model_places >= MAX_MODEL_PLACES:
                continue
            if any(low <= last and first <= high for low, high in edited):
                continue  # a computed edit there is still the change's (a second name)
            model_places += 1
        else:
            parts[len(kept)] = [candidate.edit]
        kept.append(candidate)
    return kept


def _same_line(
    candidate: Candidate, kept: list[Candidate], parts: dict[int, list[TextEdit]]
) -> int | None:
    """The index of the kept computed candidate of ``candidate``'s kind and document whose
    edits stand on ``candidate``'s line only, when ``candidate``'s edit does too and meets none
    of them; None otherwise."""
    edit = candidate.edit
    if edit is None or edit.span.start_line != edit.span.end_line:
        return None
    for at, other in enumerate(kept):
        if other.edit is None or (other.kind, other.path) != (candidate.kind, candidate.path):
            continue
        if (
            other.span.start_line != other.span.end_line
            or other.span.start_line != edit.span.start_line
        ):
            continue
        if any(_meets(edit.span, part.span) for part in parts[at]):
            return None
        return at
    return None


def _meets(a: Span, b: Span) -> bool:
    """Do two spans of one line overlap or touch (an insertion where another edit starts)?"""
    return a.start_column <= b.end_column and b.start_column <= a.end_column


def _merged(index: LineIndex, edits: list[TextEdit]) -> TextEdit:
    """``edits`` (of one line, apart) made as one edit: applied to the piece of the line
    from the first's start to the last's end."""
    line = edits[0].span.start_line
    first = min(edit.span.start_column for edit in edits)
    last = max(edit.span.end_column for edit in edits)
    piece = index.line_text(line)[first - 1 : last - 1]
    shift = first - 1  # the edits' columns in ``piece``
    local = [
        replace(e, span=Span(1, e.span.start_column - shift, 1, e.span.end_column - shift))
        for e in edits
    ]
    return TextEdit(Span(line, first, line, last), piece, apply_edits(piece, local))


# `slice = slice`, `var slice = slice;`: a name assigned itself (not Go's `n := n`, an idiom)
_SELF_ASSIGNED = re.compile(r"\s*(?:(?:var|let|const)\s+)?([\w$.]+)\s*=\s*\1\s*;?\s*")


def _assigns_itself(index: LineIndex, edit: TextEdit) -> bool:
    """Would ``edit`` make its line assign a name to itself (`Array.prototype.` taken out of
    a call, repeated on `var slice = Array.prototype.slice;`)? That line defines what the
    user's edit now uses."""
    span = edit.span
    if span.start_line != span.end_line or "\n" in edit.text:
        return False
    line = index.line_text(span.start_line)
    after = line[: span.start_column - 1] + edit.text + line[span.end_column - 1 :]
    return _SELF_ASSIGNED.fullmatch(after) is not None and not _SELF_ASSIGNED.fullmatch(line)
