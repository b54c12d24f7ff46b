"""Lines the user added, added again where the same neighbours stand: `t.Parallel()` put at
the top of one test function goes at the top of the tests like it, a name put in one of two
alike lists goes in the other. A slot is the place between two lines; another slot is like
the user's when the line above it is like the line above the added lines and the line below
like the one below, each with the same indentation and a name in it. Lines added like their
neighbours (one more entry in a list of alike entries) belong in one place, or in a list
parallel to it: the same entries with other names, the same names swapped above and below
the slot (`result.isMaxBuffer` and `resultSync.isMaxBuffer`), where it goes with the names
swapped too. An entry put in a list of keyed or named entries (a locale in a table of
locales, a name in an import's list) goes in the lists that have most of its entries' keys
and not its own (the other tables, the list that exports those names), next to the entry
it stands next to there. The added lines are copied as they are: when the neighbours match
this closely, the lines that go between them are, as a rule, the same; the same two lines a
level or two deeper or shallower (a loop's last try repeated after it, a subtest's body) get
them at their depth. An entry appended after a list's
last (`_ctx?: Context` given `,\n  _params?: Params`) is lines added after that line, and is
appended after the last entry of the lists alike. One statement put first in a body that
uses the header's parameters (`t.Parallel()` under `func TestX(t *testing.T) {`) goes first
in the bodies under alike headers, whatever their first line: that line is each body's own.
Lines put beside a line with names, a line without any on their other side (a blank
line, a brace), go beside the same line elsewhere, word for word, when it is long enough to
be that place's own and the lines are a few that close what they open. A comment that
names nothing of the line below it, put under a line that names nothing (a
linter's directive after a blank line, above a test function), goes above the alike lines
under such a line. Lines that check what the statement above them assigned (`if err != nil`
after `infos, err = dir.Readdir(0)`) go after each line that reads the same, at its own
indentation (check_candidates). A name put in a list of quoted names (`"HookImpl",` in
`__all__`) goes in the list of the same names unquoted (the import that brings them in), and
the other way round (respelled_candidates).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from codesaga.domain.edits import TextEdit
from codesaga.domain.next_edit_locations import (
    NEAR_LINES,
    SIMILAR,
    Candidate,
    Change,
    LineIndex,
    nearness,
)
from codesaga.domain.next_edit_patterns import (
    MAX_CHANGED_TOKENS,
    NAME,
    balanced,
    is_name,
    token_kind,
    tokens,
)

MAX_ADDED_LINES = 8  # more lines added than that: a piece of new code, not a repeated one
NEIGHBOUR_RATIO = 0.85  # token likeness of each neighbour of a slot to the user's
# and of a header alone: the parameter the statement uses already ties it to the header
HEADER_RATIO = 0.6
LIKE_NEIGHBOURS = 0.6  # the added lines this like a neighbour: one more entry of a list
COMMENTS = ("#", "//", "/*")
MAX_SHIFT = 8  # columns (a tab is 4) between the user's slot's depth and another's, at most
MAX_PARALLEL = 3  # lists parallel to the user's, at most: more is a common shape


def slot_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """The other slots like the one the user just added whole lines in, each with those lines
    added; [] for any other change."""
    added, sep = _added(index, change, _added_lines(change)), ""
    if added is None:
        added, sep = _added(index, change, _entry_appended(change)), ","
    if added is None:
        return []
    first, last, lines = added.first, added.last, added.lines
    if first < 2 or last >= index.line_count or last - first + 1 > MAX_ADDED_LINES:
        return []  # no neighbour above or below, or a whole new piece of code
    if not any(line.strip() for line in lines):
        return []
    above, below = index.line_text(first - 1), index.line_text(last + 1)
    above = above.rstrip().removesuffix(sep) if sep else above
    words_above, words_below = _words(above), _words(below)
    annotates = not _named(words_above) and _annotation(lines, words_below)
    keyed = [] if sep else _keyed_candidates(index, added)
    if keyed or (not sep and not _named(words_above) and not _named(words_below)):
        return keyed
    if not annotates and not (_named(words_above) and _named(words_below)):
        if sep and _named(words_above):
            return _appended_candidates(index, added, above, below)
        if _named(words_above) or _named(words_below):
            return _beside_candidates(index, added, above, below)
        return []  # `}` above, a blank line below: alike everywhere
    if any(_like(_words(line), words) for line in lines for words in (words_above, words_below)):
        return _parallel_candidates(index, added, words_above, words_below)
    first_in_body = _first_in_body(above, lines)
    block = "\n".join(line.strip() for line in lines)
    candidates = []
    for slot, up, down in _other_slots(index, added):
        put = _reindented(lines, (above, below), (up, down))
        if put is None:
            continue
        above_alike = not _named(_words(up)) if annotates else _alike(words_above, up)
        if not (above_alike and (first_in_body or _alike(words_below, down))):
            continue
        if sep and put != lines:
            continue  # an entry appended at another depth: another list's own
        if _has_block(index, slot, len(lines), block) or (sep and up.rstrip().endswith(sep)):
            continue  # already there, or the line above is no last entry
        ratio = _ratio(words_above, _words(up)) if not annotates else 1.0
        if not first_in_body:
            ratio = min(ratio, _ratio(words_below, _words(down)))
        if ratio < (HEADER_RATIO if first_in_body else NEIGHBOUR_RATIO):
            continue
        base = 0.45 + 0.1 * ratio
        if not sep:
            candidates.append(_inserted(index, slot, put, first, base))
            continue
        # after the last entry, as the user put it: `a` to `a,\n  b`
        at = index.line_bounds(slot - 1)[0] + len(up.rstrip())
        edit = TextEdit(index.span(at, at), "", sep + "\n" + "\n".join(lines))
        score = base + nearness(0.05, abs(slot - first))
        candidates.append(Candidate(edit.span, SIMILAR, score, edit))
    return candidates


MIN_BESIDE_TOKENS = 6  # tokens of the one line that places lines beside it, at least
MIN_APPENDED_TOKENS = 4  # tokens of the last entry an entry is appended after, at least
MAX_BESIDE_LINES = 3  # lines (not blank) put beside it, at most


def _beside_candidates(index: LineIndex, added: _Added, above: str, below: str) -> list[Candidate]:
    """Lines added between a line with names and one without (a blank line, a brace): they
    go where the same two lines stand, word for word, when the named one is long enough to
    be that place's and not a common line."""
    first, lines = added.first, added.lines
    named = above if _named(_words(above)) else below
    # (lines each like it are one more entry of a list: that list's own; a branch put in
    # whose body is like it, `elif callable(maxsize):` above `return _cache(…)`, is not;
    # a comment put with them says nothing of that: `// unicode counts runes` over one
    # more table entry)
    code = [line for line in lines if line.strip() and not line.lstrip().startswith(COMMENTS)]
    like = [_like(_words(line), _words(named)) for line in code or lines if line.strip()]
    if len(_words(named)) < MIN_BESIDE_TOKENS or (all(like) if code else any(like)):
        return []
    if sum(bool(line.strip()) for line in lines) > MAX_BESIDE_LINES or not balanced(
        "\n".join(lines)
    ):
        return []  # a piece of code of its own, or a piece of a longer change
    block = "\n".join(line.strip() for line in lines)
    candidates = []
    for slot, up, down in _other_slots(index, added):
        if up.strip() != above.strip() or down.strip() != below.strip():
            continue
        put = _reindented(lines, (above, below), (up, down))
        if put is not None and not _has_block(index, slot, len(lines), block):
            candidates.append(_inserted(index, slot, put, first))
    return candidates if len(candidates) <= MAX_PARALLEL else []


MIN_ANCHOR_TOKENS = 4  # tokens of a line that places lines beside its copies, at least
ANCHOR_RATIO = 0.8  # token likeness of the line on a copy's other side to the user's


def anchored_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """Lines put beside a line that stands word for word in a few other places (`case
    'NONE': break` put above `case 'VALUE': break`, `if buf.is_next_line_…():` and its
    `raise` between `if lines is None:` and `return None`) go beside each copy whose line
    on the other side reads as the user's does, or nearly (0.8 alike): the same two lines
    again are the same place in another copy of the code, where the slot rules' likeness
    of both neighbours asks too much of a short or a slightly different one. Beside a blank
    line, only a line long enough to be its place's own places them (a blank line says
    nothing); never beside a line found in more than a few places (a common line), nor
    lines that use a name or a literal the user's other side has and the copy's has not
    (`"gzip"`: that place's own)."""
    added = _added(index, change, _added_lines(change))
    if added is None:
        return []
    first, last, lines = added.first, added.last, added.lines
    kept = {line.strip() for line in lines if line.strip()}
    if first < 2 or last >= index.line_count or not kept or len(kept) > MAX_BESIDE_LINES:
        return []
    if not balanced("\n".join(lines)):
        return []  # a piece of a longer change
    above, below = index.line_text(first - 1), index.line_text(last + 1)
    block = "\n".join(line.strip() for line in lines)
    used = {w for line in lines for w in _words(line)}
    candidates = []
    for anchor, other, after in ((above, below, True), (below, above, False)):
        words = _words(anchor)
        own = any(token_kind(w) in ("name", "string") for w in words)  # not `} else {`
        if len(words) < MIN_ANCHOR_TOKENS or not own or anchor.strip() in kept:
            continue
        if any(_like(_words(line), words) for line in kept):
            continue  # one more entry of a list: the slot rules know where lists go
        if not other.strip() and len(words) < MIN_BESIDE_TOKENS:
            continue
        copies = [
            number
            for number in range(1, index.line_count + 1)
            if not first - 1 <= number <= last + 1
            and index.line_text(number).strip() == anchor.strip()
        ]
        if len(copies) > MAX_PARALLEL:
            continue
        others = _words(other)
        for number in copies:
            slot = number + 1 if after else number
            if not 2 <= slot <= index.line_count:
                continue
            up, down = index.line_text(slot - 1), index.line_text(slot)
            theirs = _words(down if after else up)
            if _ratio(others, theirs) < ANCHOR_RATIO:
                continue
            if used & {w for w in set(others) - set(theirs) if _swappable(w, literals=True)}:
                continue  # lines that use what differs there (`"gzip"`): that place's own
            put = _reindented(lines, (above, below), (up, down))
            if put is not None and not _has_block(index, slot, len(lines), block):
                candidates.append(_inserted(index, slot, put, first))
    return candidates


def _appended_candidates(
    index: LineIndex, added: _Added, above: str, below: str
) -> list[Candidate]:
    """An entry appended after a list's last (`filterOptions: options.filterOptions` given
    `,\n    plugins: options.plugins,` above `});`): appended so where the same last entry
    stands, word for word, above the same end of a list (a copy of the list), when each
    added line is like that entry (an entry, not code put after it)."""
    lines, named = added.lines, _words(above)
    if len(named) < MIN_APPENDED_TOKENS:
        return []
    if not all(_shape(line) == _shape(above) for line in lines if line.strip()):
        return []
    candidates = []
    for slot, up, down in _other_slots(index, added):
        if up.strip() != above.strip() or down.strip() != below.strip():
            continue  # (a last entry with the comma after it is not the last)
        put = _reindented(lines, (above, below), (up, down))
        if put is None or _listed(index, slot, put):
            continue
        at = index.line_bounds(slot - 1)[0] + len(up.rstrip())
        edit = TextEdit(index.span(at, at), "", ",\n" + "\n".join(put))
        score = 0.5 + nearness(0.05, abs(slot - added.first))
        candidates.append(Candidate(edit.span, SIMILAR, score, edit))
    return candidates if len(candidates) <= MAX_PARALLEL else []


def _listed(index: LineIndex, slot: int, entries: list[str]) -> bool:
    """Does the list that ends above line ``slot`` (its lines as deep as ``entries``, up
    from there) hold one of ``entries`` already?"""
    depth = len(_indent(entries[0]))
    wanted = {entry.strip().removesuffix(",") for entry in entries if entry.strip()}
    line = slot - 1
    while line >= 1:
        text = index.line_text(line)
        if text.strip() and len(_indent(text)) < depth:
            return False  # the list's opening
        if text.strip().removesuffix(",") in wanted:
            return True
        line -= 1
    return False


def _shape(entry: str) -> list[str]:
    """The kinds of an entry's tokens, less a comma after it."""
    return [token_kind(t[0]) for t in tokens(entry.strip().removesuffix(","))]


def _parallel_candidates(
    index: LineIndex, added: _Added, words_above: list[str], words_below: list[str]
) -> list[Candidate]:
    """One more entry in a list (lines like their neighbours) goes in the lists parallel to
    it: where the same neighbours stand with other names, the same names swapped in each
    (`expectType<boolean>(unicornsResult.isMaxBuffer);` above and `…(unicornsResult.signal);`
    below stand with `unicornsResultSync` a few lines down: the entry goes there too, with
    `unicornsResultSync` in it). Where the same neighbours stand again, or one of them with
    a name or a literal of its own that the entry does not use (`case "deflate":`'s
    `w.Header().Set("Content-Encoding", "deflate")` above the line below the user's), the
    list was copied, and the entry goes there as it is, when each of its lines is like a
    neighbour (an entry of the list, not a piece of code put in it)."""
    first, last, lines = added.first, added.last, added.lines
    above, below = index.line_text(first - 1), index.line_text(last + 1)
    entries = all(
        _like(_words(line), words_above) or _like(_words(line), words_below)
        for line in lines
        if line.strip()
    )
    used = {w for line in lines for w in _words(line)}
    candidates = []
    for slot, up, down in _other_slots(index, added):
        put = _reindented(lines, (above, below), (up, down))
        if put is None or not (_alike(words_above, up) and _alike(words_below, down)):
            continue
        # the same names swapped above and below: another list of the same entries (the
        # same list again has nothing swapped; the lines next to it, other entries' names)
        swaps = _swapped(words_above, _words(up))
        if swaps and swaps == _swapped(words_below, _words(down)):
            moved = [_swap(line, swaps) for line in put]
            if moved == lines:
                continue
        elif entries and _copied(used, (words_above, words_below), (_words(up), _words(down))):
            moved = put
        else:
            continue
        block = "\n".join(line.strip() for line in moved)
        if not _has_block(index, slot, len(lines), block):
            candidates.append(_inserted(index, slot, moved, first))
    return candidates if len(candidates) <= MAX_PARALLEL else []


MIN_SHARED_KEYS = 3  # keys a mapping shares with the user's, at least, to be parallel to it
SHARED_KEYS = 0.75  # and the share of the user's mapping's keys it has
_KEY = re.compile(r"""\s*(?:(["'`])([\w.$-]+)\1|()([A-Za-z_$][\w$]*))\s*(:(?!:)|=>|=(?!=))""")
_LISTED = re.compile(r"\s*([A-Za-z_$][\w$]*)(?:\s+as\s+[A-Za-z_$][\w$]*)?\s*(,?)\s*")


def _keyed_candidates(index: LineIndex, added: _Added) -> list[Candidate]:
    """Entries put in a run of keyed lines (`"lv": " ",` among the locales' separators, a
    name in an import's list) go in the runs parallel to it: those elsewhere that have most
    of its keys and not the new ones, before the entry the user's come before (the order of
    an export's list is its own), or else after the one they follow."""
    keys = [_key(line) for line in added.lines]
    if None in keys:
        return []
    indent = _indent(added.lines[0])
    mine = _keyed_run(index, added.first - 1, -1, indent) + _keyed_run(
        index, added.last + 1, 1, indent
    )
    own = {key for _, key in mine}
    if len(own) < MIN_SHARED_KEYS:
        return []
    before = [key for number, key in mine if number < added.first]
    following = [key for number, key in mine if number > added.last]
    mine_lines = {number for number, _ in mine} | set(range(added.first, added.last + 1))
    candidates = []
    ending = _ending([index.line_text(n) for n, _ in mine])
    for run in _keyed_runs(index, mine_lines):
        theirs = {k: n for n, k in run}
        shared = own & theirs.keys()
        if len(shared) < max(MIN_SHARED_KEYS, SHARED_KEYS * len(own)):
            continue
        if _ending([index.line_text(n) for n, _ in run]) != ending:
            continue  # keyed alike, another kind: an interface's `limit: number;` and an
            # object's `limit: 2,`
        if any(k in theirs for k in keys):
            continue  # there already
        slot = next((theirs[k] for k in following if k in theirs), None)
        if slot is None:
            after = next((theirs[k] for k in reversed(before) if k in theirs), None)
            slot = run[0][0] if after is None else after + 1
        there = _indent(index.line_text(run[0][0]))
        put = [there + line.removeprefix(indent) for line in added.lines]
        candidates.append(_inserted(index, slot, put, added.first))
    return candidates if len(candidates) <= MAX_PARALLEL else []


def _ending(lines: list[str]) -> str:
    """How most of a run's entries end: `,`, `;` or with neither."""
    ends = [line.rstrip()[-1:] for line in lines]
    kinds = [end if end in (",", ";") else "" for end in ends]
    return max(sorted(set(kinds)), key=kinds.count) if kinds else ""


def _keyed_runs(index: LineIndex, skip: set[int]) -> Iterator[list[tuple[int, str]]]:
    """Each run of keyed lines at one indentation, but those with lines in ``skip``."""
    number = 1
    while number <= index.line_count:
        line = index.line_text(number)
        if _key(line) is None or number in skip:
            number += 1
            continue
        run = _keyed_run(index, number, 1, _indent(line))
        number = run[-1][0] + 1
        yield run


def _key(line: str) -> str | None:
    """The key of a keyed line with what follows it (`de_DE:` for `"de_DE": ".",`, `name:`
    for `name: str`, `TIMEOUT=` for `TIMEOUT = 5`: keyword arguments, `app=app`, are not a
    signature's parameters, `app: ASGIApp`), or a listed name with a comma (`Schema,` for
    `Schema as Base,`)."""
    found = _KEY.match(line)
    if found is not None:  # a quoted key, or a name (`self.x = ...` is no entry)
        return (found.group(2) or found.group(4)) + found.group(5)
    listed = _LISTED.fullmatch(line)
    return None if listed is None else listed.group(1) + ","


def _keyed_run(index: LineIndex, start: int, step: int, indent: str) -> list[tuple[int, str]]:
    """The keyed lines at ``indent`` from line ``start`` on, going by ``step``, up to the
    first that is not one, as (number, key), in the file's order."""
    run = []
    number = start
    while 1 <= number <= index.line_count:
        line = index.line_text(number)
        key = _key(line)
        if key is None or _indent(line) != indent:
            break
        run.append((number, key))
        number += step
    return run[::-1] if step < 0 else run


def _other_slots(index: LineIndex, added: _Added) -> Iterator[tuple[int, str, str]]:
    """Each slot but the user's (the number of the line below it), with the lines either
    side of it."""
    for slot in range(2, index.line_count + 1):
        if not added.first <= slot <= added.last + 1:
            yield slot, index.line_text(slot - 1), index.line_text(slot)


def _inserted(
    index: LineIndex, slot: int, lines: list[str], first: int, base: float = 0.5
) -> Candidate:
    """``lines`` put in before line ``slot``, scored ``base`` and its nearness to line
    ``first``."""
    at = index.line_bounds(slot)[0]
    edit = TextEdit(index.span(at, at), "", "\n".join(lines) + "\n")
    return Candidate(edit.span, SIMILAR, base + nearness(0.05, abs(slot - first)), edit)


def _copied(
    used: set[str], mine: tuple[list[str], list[str]], theirs: tuple[list[str], list[str]]
) -> bool:
    """Do the neighbours ``theirs`` (the words above and below a slot) read as the user's
    ``mine``, but for names or literals on one side that the added lines (their words
    ``used``) do not hold?"""
    swaps = [_swapped(a, b, literals=True) for a, b in zip(mine, theirs, strict=True)]
    if any(s is None for s in swaps) or all(swaps):
        return False
    return not any(w in used for s in swaps if s for w in s)


def _swapped(mine: list[str], theirs: list[str], literals: bool = False) -> dict[str, str] | None:
    """The names ``theirs`` has in place of ``mine``'s, token for token, when that is all
    that differs (with ``literals``, strings and numbers too); None when anything else
    does."""
    if len(mine) != len(theirs):
        return None
    swaps: dict[str, str] = {}
    for a, b in zip(mine, theirs, strict=True):
        if a == b:
            continue
        if not (_swappable(a, literals) and _swappable(b, literals)) or swaps.get(a, b) != b:
            return None
        swaps[a] = b
    return swaps


def _swappable(word: str, literals: bool) -> bool:
    return token_kind(word) in (("name", "number", "string") if literals else ("name",))


def _swap(line: str, swaps: dict[str, str]) -> str:
    return NAME.sub(lambda m: swaps.get(m.group(), m.group()), line)


@dataclass(frozen=True)
class _Added:
    """Whole lines the change put in: the first and last line's numbers, and the lines."""

    first: int
    last: int
    lines: list[str]


def _added(index: LineIndex, change: Change, span: tuple[int, int] | None) -> _Added | None:
    """The lines at ``span`` (from _added_lines or _entry_appended), if any."""
    if span is None:
        return None
    lines = change.content[span[0] : span[1]].split("\n")[:-1]
    return _Added(index.line_of(span[0]), index.line_of(span[1] - 1), lines)


def _added_lines(change: Change) -> tuple[int, int] | None:
    """Where the whole lines the change added stand in the content (from the start of the
    first to past the newline of the last); None when it removed anything or added no whole
    line. An insertion of ``"\\nX"`` at a line's end is the line ``X`` after it."""
    if change.removed or "\n" not in change.inserted:
        return None
    content, start, end = change.content, change.start, change.after_end
    if (start == 0 or content[start - 1] == "\n") and content[end - 1] == "\n":
        return _slid_up(content, start, end)
    if content[start] == "\n" and (end == len(content) or content[end] == "\n"):
        return _slid_up(content, start + 1, end + 1) if end < len(content) else None
    return None


def _slid_up(content: str, start: int, end: int) -> tuple[int, int]:
    """The same lines added, read with a blank line they end with as put before them while
    the line above them is blank (a method and the blank line after it, typed below a blank
    line, is that blank line and the method): the same text, with the line they follow
    above them, as a diff of the two versions puts them."""
    if start >= 2 and content[start - 2] == "\n" and content[end - 2 : end] == "\n\n":
        return start - 1, end - 1
    return start, end


def _entry_appended(change: Change) -> tuple[int, int] | None:
    """Where the lines stand of an entry the change appended to a line (`_ctx?: Context` given
    `,\n  _params?: Params`, a parameter or an item put after the last), from the start of
    the first to past the newline of the last; None for any other change."""
    content, start, end = change.content, change.start, change.after_end
    if change.removed or not change.inserted.startswith(",\n") or end >= len(content):
        return None
    if content[end] != "\n" or start == 0 or content[start - 1] == "\n":
        return None
    return start + 2, end + 1


def _annotation(lines: list[str], below: list[str]) -> bool:
    """Are ``lines`` comments that name nothing of the line ``below`` them (a linter's
    directive, `//nolint:paralleltest // modifies global state`, not a doc comment)?"""
    if not _named(below):
        return False
    comments = all(line.strip().startswith(COMMENTS) for line in lines if line.strip())
    return comments and not any(is_name(w) and w in below for line in lines for w in _words(line))


def _first_in_body(header: str, lines: list[str]) -> bool:
    """Are ``lines`` one statement put first in the body ``header`` opens, that uses a name
    from the header's parentheses (a parameter, a method's receiver)?"""
    if sum(bool(line.strip()) for line in lines) != 1 or not header.rstrip().endswith(("{", ":")):
        return False
    opened, closed = header.find("("), header.rfind(")")
    if opened < 0 or closed < opened:
        return False
    given = {w for w in _words(header[opened:closed]) if is_name(w)}
    return any(w in given for line in lines for w in _words(line))


def _has_block(index: LineIndex, slot: int, count: int, block: str) -> bool:
    """Do the lines just above or just below the slot already read as ``block``?"""
    for top in (slot - count, slot):
        if top >= 1 and top + count - 1 <= index.line_count:
            there = "\n".join(index.line_text(n).strip() for n in range(top, top + count))
            if there == block:
                return True
    return False


def _words(line: str) -> list[str]:
    return [t[0] for t in tokens(line)]


def _named(words: list[str]) -> bool:
    return any(is_name(w) for w in words)


def _reindented(
    lines: list[str], mine: tuple[str, str], theirs: tuple[str, str]
) -> list[str] | None:
    """``lines``, put between the lines ``mine``, indented for between ``theirs``: as deep
    again when those stand as deep, a level more or less when both do (the same lines in a
    nested block, `\t\treturn resp, err` for `\treturn resp, err`); None when the two
    lines' depths differ otherwise."""
    (above, below), (up, down) = mine, theirs
    if _indent(up) == _indent(above) and _indent(down) == _indent(below):
        return lines
    shifts = {_shift(_indent(above), _indent(up)), _shift(_indent(below), _indent(down))}
    if len(shifts) != 1:
        return None
    (shift,) = shifts
    if shift is None or len((shift[0] + shift[1]).expandtabs(4)) > MAX_SHIFT:
        return None
    cut, add = shift
    if any(line.strip() and not line.startswith(cut) for line in lines):
        return None
    return [add + line.removeprefix(cut) if line.strip() else line for line in lines]


def _shift(mine: str, theirs: str) -> tuple[str, str] | None:
    """The indentation taken off and put on ``mine`` to make ``theirs`` (one is the other
    with more at its end); None when neither is."""
    if theirs.startswith(mine):
        return "", theirs[len(mine) :]
    if mine.startswith(theirs):
        return mine[len(theirs) :], ""
    return None


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _alike(words: list[str], line: str) -> bool:
    """A quick test before the token alignment: a line shares a name with ``words`` and is
    of about its length."""
    stripped = line.strip()
    size = len(" ".join(words))
    if not 0.5 * size <= len(stripped) <= 2 * size:
        return False
    return any(is_name(w) and w in stripped for w in words)


def _like(a: list[str], b: list[str], least: float = LIKE_NEIGHBOURS) -> bool:
    """Are the tokens ``a`` and ``b`` at least ``least`` alike (the quick upper bounds
    first: most lines compared are not)?"""
    if not a or not b:
        return False
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < least or matcher.quick_ratio() < least:
        return False
    return matcher.ratio() >= least


def _ratio(a: list[str], b: list[str]) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


_ASSIGNED = re.compile(r"^\s*((?:[A-Za-z_$][\w$.]*\s*,\s*)*[A-Za-z_$][\w$.]*)\s*:?=(?!=)")
MAX_CHECK_LINES = 4  # lines added after a statement to check what it assigned, at most


def check_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """Lines added after a statement to check what it assigned (`if err != nil {` after
    `infos, err = dir.Readdir(0)`): added after each other line that reads the same, at that
    line's indentation; [] for any other change."""
    added = _added(index, change, _added_lines(change))
    if added is None:
        return []
    first, last, lines = added.first, added.last, added.lines
    if first < 2 or sum(bool(line.strip()) for line in lines) > MAX_CHECK_LINES:
        return []
    above = index.line_text(first - 1)
    assigned = _ASSIGNED.match(above)
    if assigned is None or _indent(lines[0]) != _indent(above):
        return []
    targets = {w for w in _words(assigned.group(1)) if is_name(w) and w != "_"}
    if not any(w in targets for line in lines for w in _words(line)):
        return []
    indent, block = _indent(above), "\n".join(line.strip() for line in lines)
    candidates = []
    for number in range(1, index.line_count):
        if first - 1 <= number <= last:
            continue
        there = index.line_text(number)
        if there.strip() != above.strip() or _has_block(index, number + 1, len(lines), block):
            continue
        own = _indent(there)
        text = "".join(own + line.removeprefix(indent) + "\n" for line in lines)
        at = index.line_bounds(number + 1)[0]
        edit = TextEdit(index.span(at, at), "", text)
        distance = abs(number - first)
        candidates.append(Candidate(edit.span, SIMILAR, 0.5 + nearness(0.05, distance), edit))
    return candidates


_QUOTED_ENTRY = re.compile(r"""(["'])([A-Za-z_$][\w$]*)\1(,?)""")
_NAME_ENTRY = re.compile(r"([A-Za-z_$][\w$]*)(,?)")


def respelled_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A name put in a list of quoted names (`"HookImpl",` in `__all__`) goes in the list of
    the same names unquoted next to the same neighbour (the import that brings them in), and
    the other way round; [] for any other change."""
    added = _added(index, change, _added_lines(change))
    if added is None:
        return []
    first, last, lines = added.first, added.last, added.lines
    if first < 2 or last >= index.line_count or not all(_respelled(line, '"') for line in lines):
        return []
    above, below = index.line_text(first - 1).strip(), index.line_text(last + 1).strip()
    after_above: list[Candidate] = []
    before_below: list[Candidate] = []
    for slot in range(2, index.line_count + 1):
        if first <= slot <= last + 1:
            continue
        up, down = index.line_text(slot - 1), index.line_text(slot)
        quote = _QUOTED_ENTRY.fullmatch(up.strip()) or _QUOTED_ENTRY.fullmatch(down.strip())
        mark = quote.group(1) if quote else '"'
        # the other list's order may differ: after the same entry, else before the other one
        found = after_above if up.strip() == _respelled(above, mark) else before_below
        if found is before_below and down.strip() != _respelled(below, mark):
            continue
        text = "".join(_indent(up) + str(_respelled(line.strip(), mark)) + "\n" for line in lines)
        at = index.line_bounds(slot)[0]
        edit = TextEdit(index.span(at, at), "", text)
        found.append(Candidate(edit.span, SIMILAR, 0.55, edit))
    return after_above or before_below


def _respelled(entry: str, quote: str) -> str | None:
    """A list's entry of one name the other way: `"Name",` as `Name,`, `Name,` as
    `"Name",` (with ``quote``); None for any other entry."""
    text = entry.strip()
    quoted = _QUOTED_ENTRY.fullmatch(text)
    if quoted is not None:
        return quoted.group(2) + quoted.group(3)
    bare = _NAME_ENTRY.fullmatch(text)
    return None if bare is None else quote + bare.group(1) + quote + bare.group(2)


COPY_LIKENESS = 0.7  # token likeness of a line to the one the user copied, to copy it too
MAX_COPIED = 8  # lines copied alike, at most: more is a common line, not a list of cases


def copied_line_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A line put in as a copy of the line beside it with one piece changed (a test's
    `t.equal(mw1.match('//?/C:/…'), false)` under its `…match('C:/…')…`): each line near it
    like the copied one that holds the same piece gets its copy beside it, the piece
    changed the same. Near: a copy and its tweak are the user's own block's (one more case
    in a test), not every block's that reads alike (another function's tests). The piece is
    a run of whole tokens standing once in each line (`1` is not in `"1"`, and a piece a
    line holds twice has no one place)."""
    added = _added(index, change, _added_lines(change))
    if added is None or len(added.lines) != 1 or not added.lines[0].strip():
        return []
    copied = _copied_from(index, added)
    if copied is None:
        return []
    number, piece, new = copied
    under = number < added.first  # the copy under its line (else over it)
    mine = _words(index.line_text(number))
    candidates: list[Candidate] = []
    low, high = max(1, number - NEAR_LINES), min(index.line_count, number + NEAR_LINES)
    for other in range(low, high + 1):
        slot = other + 1 if under else other
        if other == number or added.first <= other <= added.last or slot > index.line_count:
            continue  # (no line below the last to put the copy before)
        text = index.line_text(other)
        found = tokens(text)
        if not 0.5 * len(mine) <= len(found) <= 2 * len(mine):
            continue
        at = _run_at(found, piece)
        if at is None or not _like(mine, [t[0] for t in found], COPY_LIKENESS):
            continue
        copy = text[: found[at][1]] + new + text[found[at + len(piece) - 1][2] :]
        beside = slot if under else other - 1
        if beside >= 1 and index.line_text(beside).strip() == copy.strip():
            continue  # copied there already
        candidates.append(_inserted(index, slot, [copy], added.first))
        if len(candidates) > MAX_COPIED:
            return []  # a common line, not a list of cases
    return candidates


def _copied_from(index: LineIndex, added: _Added) -> tuple[int, list[str], str] | None:
    """The line above or below the one added that it copies with one piece changed (its
    number, the piece's tokens there, the text put in their place), if either does."""
    line = added.lines[0]
    for number in (added.first - 1, added.last + 1):
        if 1 <= number <= index.line_count:
            source = index.line_text(number)
            if _indent(source) != _indent(line):
                continue
            piece = _one_piece(source, line)
            if piece is not None:
                return number, *piece
    return None


def _run_at(found: list[tuple[str, int, int]], run: list[str]) -> int | None:
    """Where the tokens ``run`` stand in ``found`` (an index), when they stand there once
    before a comment that ends the line (a `# 1` is no argument `1`)."""
    words = [t[0] for t in found]
    for k, word in enumerate(words):
        if word == "#" or (
            word == "/"
            and k + 1 < len(found)
            and found[k + 1][1] == found[k][2]
            and words[k + 1] in ("/", "*")
        ):
            words = words[:k]
            break
    starts = [k for k in range(len(words) - len(run) + 1) if words[k : k + len(run)] == run]
    return starts[0] if len(starts) == 1 else None


def _one_piece(source: str, copy: str) -> tuple[list[str], str] | None:
    """The one run of tokens ``copy`` has changed from ``source`` (its tokens in
    ``source``, standing there once, and the text ``copy`` has in their place), when the
    rest is the same and holds a name; None otherwise."""
    a, b = tokens(source), tokens(copy)
    if max(len(a), len(b)) > MAX_CHANGED_TOKENS:  # (the alignment's time: their square)
        return None
    matcher = difflib.SequenceMatcher(None, [t[0] for t in a], [t[0] for t in b], autojunk=False)
    changed = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    if len(changed) != 1 or changed[0][0] != "replace":
        return None
    _, i1, i2, j1, j2 = changed[0]
    same = [t[0] for t in a[:i1] + a[i2:]]
    piece = [t[0] for t in a[i1:i2]]
    if len(same) < 3 or not _named(same) or _run_at(a, piece) is None:
        return None
    return piece, copy[b[j1][1] : b[j2 - 1][2]]
