"""An item added to a list that another list of the file repeats: added there too.

Two lists with the same items are one list said twice: the names a module exports and the
ones its default export gathers (`export { a, b }` and `export default { a, b }`), an
object's keys built from two sources (`meridiem: this.$locale().meridiem` and
`meridiem: localeObject.meridiem`), two tables of the same fields. An item the user adds to
one goes into the other, after the item it follows in the user's (or first, where the user
put it first). The items are read by their keys (their first token, a name or a string:
`ordinal` of `ordinal: this.$locale().ordinal`); the other list must hold most
of the user's keys, and the user's list most of its, or it is another list. Where the item
the new one follows reads the same in both lists, the user's item is copied as typed, in
the other list's layout; else the model writes it there.
"""

from __future__ import annotations

from dataclasses import dataclass

from codesaga.domain.completion import CLOSERS, OPENERS
from codesaga.domain.edits import TextEdit
from codesaga.domain.next_edit_locations import SIMILAR, Candidate, Change, LineIndex, line_end
from codesaga.domain.next_edit_patterns import indent_at, is_name, repeat_score, tokens

_CLOSING = dict(zip(OPENERS, CLOSERS, strict=True))  # each bracket and what closes it
MIN_SHARED_KEYS = 3  # keys both lists hold, at least: two are a coincidence (`a, b`)
SHARED_SHARE = 0.75  # of each list's keys the other holds, at least
MAX_PARALLEL = 3  # lists more like the user's than that: a common shape, not one list twice
MAX_LIST_CHARS = 200_000  # a longer file is not read for lists


@dataclass(frozen=True)
class _List:
    opened: int  # where its bracket stands in the text
    closed: int  # where its closing bracket stands
    items: list[tuple[int, int]]  # each item's first and last character (last + 1)
    keys: list[str | None]  # each item's key, None for an item without one


def parallel_list_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """One item put into a list (`,\\n  mergeConfig` after `formToJSON`): where another list
    of the file holds the same keys, the item after the same key, copied where that key's
    item reads the same in both (the model's to write where it does not)."""
    if change.removed.strip() or "," not in change.inserted:
        return []
    content = change.content
    if len(content) > MAX_LIST_CHARS:
        return []
    lists = _lists(content, tokens(content))
    around = [
        found for found in lists if found.opened < change.start and change.after_end <= found.closed
    ]
    if not around:
        return []
    user = max(around, key=lambda found: found.opened)  # the innermost
    added = [
        k
        for k, (start, end) in enumerate(user.items)
        if change.start <= start and end <= change.after_end
    ]
    if len(added) != 1 or None in user.keys:
        return []
    at = added[0]
    key = user.keys[at]
    others = [k for k in user.keys if k != key]
    if len(set(others)) != len(others) or len(others) < MIN_SHARED_KEYS:
        return []
    bracket = content[user.opened]
    before = user.keys[at - 1] if at > 0 else None
    candidates = []
    line = index.line_of(change.start)
    for other in lists:
        if other is user or content[other.opened] != bracket or key in other.keys:
            continue
        if None in other.keys or not _shares_keys(other.keys, others):
            continue
        if before is not None and before not in other.keys:
            continue
        edit = _added_to(index, content, user, at, other, before)
        # after the item it follows, or before the first
        place = other.items[0][0] if before is None else other.items[other.keys.index(before)][1]
        number = index.line_of(place)
        if edit is None:  # the model's to write: that item's line
            low, _ = index.line_bounds(number)
            span = index.span(low, low + len(index.line_text(number)))
        else:
            span = edit.span
        candidates.append(Candidate(span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates if len(candidates) <= MAX_PARALLEL else []


def _shares_keys(keys: list[str | None], others: list[str | None]) -> bool:
    """Does a list of ``keys`` hold most of ``others``, and ``others`` most of its?"""
    shared = len(set(keys) & set(others))
    return shared >= max(MIN_SHARED_KEYS, SHARED_SHARE * len(others), SHARED_SHARE * len(keys))


def _added_to(
    index: LineIndex, content: str, user: _List, at: int, other: _List, before: str | None
) -> TextEdit | None:
    """The item ``at`` of ``user`` put into ``other`` after the item keyed ``before``: None
    where the item it follows reads otherwise in the two lists, the item is on lines of its
    own or goes first."""
    start, end = user.items[at]
    item = content[start:end]
    if before is None or "\n" in item:
        return None
    previous = user.items[at - 1]
    there = other.items[other.keys.index(before)]
    if content[previous[0] : previous[1]] != content[there[0] : there[1]]:
        return None
    # in that list's layout: on the same line where more of it follows, else on a line of
    # its own at that item's indentation
    following = content[there[1] : line_end(content, there[1])]
    separator = ", " if following.strip(" \t,") else ",\n" + indent_at(content, there[0])
    return TextEdit(index.span(there[1], there[1]), "", separator + item)


def _lists(content: str, words: list[tuple[str, int, int]]) -> list[_List]:
    """Every bracketed list of ``content`` whose items all have keys, from its tokens."""
    found = []
    stack: list[int] = []
    for k, (word, _, _) in enumerate(words):
        if word in _CLOSING:
            stack.append(k)
        elif word in _CLOSING.values():
            if not stack or _CLOSING[words[stack[-1]][0]] != word:
                stack = []  # unbalanced (a bracket in a regular expression): start again
                continue
            opened = stack.pop()
            found.append(_read_list(words, opened, k))
    return found


def _read_list(words: list[tuple[str, int, int]], opened: int, closed: int) -> _List:
    items: list[tuple[int, int]] = []
    keys: list[str | None] = []
    depth, first, last = 0, None, None  # (first: the item's first token and where it is)
    for word, start, end in [*words[opened + 1 : closed], (",", -1, -1)]:
        if depth == 0 and word == ",":
            if first is not None and last is not None:
                items.append((first[1], last))
                keys.append(_key(first[0]))
            first = last = None
            continue
        if word in _CLOSING:
            depth += 1
        elif word in _CLOSING.values():
            depth -= 1
        if first is None:
            first = (word, start)
        last = end
    return _List(words[opened][1], words[closed][1], items, keys)


def _key(word: str) -> str | None:
    """An item's key, from its first token: a name or a string; None for another."""
    if is_name(word) or word[:1] in "\"'`":
        return word
    return None
