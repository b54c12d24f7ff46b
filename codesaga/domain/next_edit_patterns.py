"""The patterns a next edit repeats, each a pure decision over text and the occurrences of a
name the service found: a renamed identifier (the other occurrences get the same new name),
a changed signature (its calls change with it), a changed line like others (they change the
same way). See next_edit_locations.py for the candidates and the rules they pass.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from codesaga.domain.edits import TextEdit
from codesaga.domain.next_edit_locations import (
    RENAME,
    SIGNATURE,
    SIMILAR,
    Candidate,
    Change,
    LineIndex,
)
from codesaga.domain.symbol_refs import NOISE, call_at_cursor

NAME = re.compile(r"[A-Za-z_$][\w$]*")
_TOKEN = re.compile(
    r"""[A-Za-z_$][\w$]*|\d[\w.]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`[^`\n]*`|\S"""
)
MAX_CHANGED_CHARS = 2000  # a change on more lines than that is not read as a rename
MAX_CHANGED_TOKENS = 300  # (the token alignment's time grows with their square)
# Words never renamed: keywords and the builtins and types a one-place change swaps.
_MORE_WORDS = (
    "elif while break continue pass del assert nil iota make append delete panic chan map "
    "byte rune error int8 int16 int32 int64 uint uint8 uint16 uint32 uint64 float32 float64 "
    "bytes complex Any Optional Union List Dict Callable Array Promise Map Set Record String "
    "Number Boolean Object Error unknown never export default extends implements readonly "
    "switch case break do typeof instanceof of debugger goto fallthrough select range var "
    "args kwargs"
)
NOT_NAMES = NOISE | frozenset(_MORE_WORDS.split())

# What an occurrence of a name is, where it stands.
USE = "use"
PARAMETER = "parameter"  # a function's parameter (its declaration)
LOCAL = "local"  # bound inside a function: assigned, declared, a nested definition
DEFINITION = "definition"  # a top-level function, class, type or variable
MEMBER_DEFINITION = "member definition"  # a method or field of a class or struct
KEY = "key"  # a keyword argument's or an object key's name: not the variable itself
SHORTHAND = "shorthand"  # `{name}`: an object key and the variable it takes the value of

Range = tuple[int, int]


@dataclass(frozen=True)
class Occurrence:
    """An identifier token (not in a string or comment) in the current content."""

    start: int
    end: int
    role: str = USE
    receiver: str | None = None  # `x.name`: "x"; None: not a member access
    functions: tuple[Range, ...] = ()  # the functions around it, innermost first
    container: Range | None = None  # a member definition's class or struct


@dataclass(frozen=True)
class Rename:
    old: str
    new: str
    sites: tuple[int, ...]  # where ``new`` stands now, in the content: the places renamed
    alone: bool  # the change renamed and did nothing else


def tokens(text: str, start: int = 0, stop: int | None = None) -> list[tuple[str, int, int]]:
    """Names, numbers, string literals and single symbols of ``text[start:stop]``, with where
    each starts and ends in ``text``."""
    found = _TOKEN.finditer(text, start, len(text) if stop is None else stop)
    return [(m.group(), m.start(), m.end()) for m in found]


def is_name(word: str) -> bool:
    return NAME.fullmatch(word) is not None and word not in NOT_NAMES


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def find_rename(change: Change) -> Rename | None:
    """The one identifier the change renamed (at one place or several on its lines), when
    every identifier it changed became the same new one; None otherwise."""
    first = change.before.rfind("\n", 0, change.start) + 1
    before_stop = _line_end(change.before, change.before_end)
    after_stop = _line_end(change.content, change.after_end)
    if max(before_stop, after_stop) - first > MAX_CHANGED_CHARS:
        return None
    old_tokens = tokens(change.before, first, before_stop)
    new_tokens = tokens(change.content, first, after_stop)
    if max(len(old_tokens), len(new_tokens)) > MAX_CHANGED_TOKENS:
        return None
    matcher = difflib.SequenceMatcher(
        None, [t[0] for t in old_tokens], [t[0] for t in new_tokens], autojunk=False
    )
    pairs: set[tuple[str, str]] = set()
    sites: list[int] = []
    alone = True
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag != "replace" or i2 - i1 != j2 - j1:
            alone = False
            continue
        for (old, _, _), (new, at, _) in zip(old_tokens[i1:i2], new_tokens[j1:j2], strict=True):
            if is_name(old) and is_name(new):
                pairs.add((old, new))
                sites.append(at)
            else:
                alone = False
    if len(pairs) != 1:
        return None
    ((old, new),) = pairs
    return Rename(old, new, tuple(sites), alone)


def rename_scope(site: Occurrence, occurrences: Sequence[Occurrence], whole: Range) -> Range:
    """Where a renamed name is the same thing: the innermost function around ``site`` that
    binds it (as a parameter or a local), else the whole file."""
    for function in site.functions:
        for o in (site, *occurrences):
            if o.role in (PARAMETER, LOCAL) and o.functions[:1] == (function,):
                return function
    return whole


def _same_thing(
    site: Occurrence, occurrences: Sequence[Occurrence], scope: Range
) -> list[Occurrence]:
    """The occurrences that name what ``site`` names: for `x.name`, `x.name` and the member's
    definitions; for a member's definition, any `_.name` (and plain ones in its class, as a
    Python property's `@name.setter`); for a plain name, plain ones in ``scope``."""
    if site.receiver is not None:
        return [
            o
            for o in occurrences
            if o.receiver == site.receiver or (o.role == MEMBER_DEFINITION and o.receiver is None)
        ]
    if site.role == MEMBER_DEFINITION:
        inside = site.container or (0, 0)
        return [
            o
            for o in occurrences
            if o.receiver is not None
            or o.role == MEMBER_DEFINITION
            or (o.role == USE and inside[0] <= o.start < inside[1])
        ]
    low, high = scope
    return [
        o
        for o in occurrences
        if o.receiver is None and o.role not in (KEY, MEMBER_DEFINITION) and low <= o.start < high
    ]


def rename_candidates(
    index: LineIndex,
    change: Change,
    rename: Rename,
    site: Occurrence,
    olds: Sequence[Occurrence],
    news: Sequence[Occurrence],
    function: str | None = None,
) -> list[Candidate]:
    """The remaining occurrences of ``rename.old`` that name what the renamed ``site`` named,
    each with its edit, nearest first scoring highest. None when the new name already named
    such a thing before the change (the user switched a reference, not renamed one: `log.info`
    to `log.debug` where `log.debug` is used), for a keyword argument's name, and for a member
    of an expression (`f().name`) that this file does not define. ``function``: the
    function whose parameter ``site`` is, whose calls' keyword arguments are renamed too."""
    if site.role == KEY:
        return []
    member_access = site.receiver is not None and site.role != MEMBER_DEFINITION
    if member_access and not site.receiver and not any(o.role == MEMBER_DEFINITION for o in olds):
        return []
    made = [*change.earlier, (change.start, change.after_end)]
    scope = rename_scope(site, olds, (0, len(change.content)))
    for o in _same_thing(site, news, scope):
        if o.start not in rename.sites and not any(lo <= o.start < hi for lo, hi in made):
            return []
    line = index.line_of(change.start)
    candidates = []
    targets = _same_thing(site, olds, scope)
    if site.role == PARAMETER and function is not None:
        targets += [o for o in olds if o.role == KEY and _keyword_of(change.content, o, function)]
    for o in targets:
        distance = abs(index.line_of(o.start) - line)
        text = f"{rename.old}: {rename.new}" if o.role == SHORTHAND else rename.new
        edit = TextEdit(index.span(o.start, o.end), rename.old, text)
        candidates.append(Candidate(edit.span, RENAME, 0.8 + 0.2 / (1 + distance / 40), edit, None))
    return candidates


def switch_candidates(
    index: LineIndex,
    change: Change,
    rename: Rename,
    site: Occurrence,
    olds: Sequence[Occurrence],
) -> list[Candidate]:
    """One use of a variable switched to another already there (`lines[i]` to
    `code_lines[i]`): its other plain uses in the same function (or, outside any, the
    file), each switched the same way. A member (`log.info` to `log.debug`) is not: one
    call of many changes more often than all. Scored below a rename: less often all right."""
    if site.receiver is not None or site.role != USE:
        return []
    made = [*change.earlier, (change.start, change.after_end)]
    line = index.line_of(change.start)
    candidates = []
    for o in olds:
        if o.receiver is not None or o.role != USE or o.functions[:1] != site.functions[:1]:
            continue
        if any(lo <= o.start < hi for lo, hi in made):
            continue
        distance = abs(index.line_of(o.start) - line)
        edit = TextEdit(index.span(o.start, o.end), rename.old, rename.new)
        candidates.append(
            Candidate(edit.span, SIMILAR, 0.5 + 0.1 / (1 + distance / 40), edit, None)
        )
    return candidates


def _keyword_of(content: str, key: Occurrence, function: str) -> bool:
    """Is ``key`` a keyword argument in a call of ``function`` (`function(x, key=1)`)?"""
    call = call_at_cursor(content[: key.start])
    return call is not None and call[1] == function


# -- a changed signature ----------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """A function's header in the current content: ``start`` to ``end`` (where its body
    starts), holding its name and parameters."""

    name: str
    start: int
    end: int
    method: bool  # called as `x.name(...)`


@dataclass(frozen=True)
class Parameter:
    name: str
    optional: bool  # a call may leave it out: a default, `?`, `*args`, `...rest`


# a default, TypeScript's `x?`, Python's `*args` and `**kw`, a rest parameter or Go's `...T`
_OPTIONAL = re.compile(r"=|^[\w$]+\s*\?|^\*|\.\.\.")
_MODIFIERS = re.compile(r"^(?:(?:public|private|protected|readonly|override)\s+)+")


def parameters(header: str, name: str) -> list[Parameter] | None:
    """The parameters in the parentheses after ``name`` in ``header``; None when not found."""
    found = re.search(rf"(?<![\w$]){re.escape(name)}\s*(?:<[^()]*>)?\s*\(", header)
    if found is None:
        return None
    close = matching_paren(header, found.end() - 1)
    if close is None:
        return None
    found_params = []
    for piece in _top_level_split(header[found.end() : close]):
        piece = _MODIFIERS.sub("", piece.strip())
        optional = piece.startswith(("*", "...")) or bool(
            re.search(r"=|^[\w$]+\s*\?|\.\.\.", piece)
        )
        word = NAME.search(piece)
        if word is None or piece in ("*", "/") or word.group() in ("self", "cls", "this"):
            continue
        found_params.append(Parameter(word.group(), optional))
    return found_params


def _top_level_split(text: str) -> list[str]:
    pieces, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
    return [p for p in [*pieces, text[start:]] if p.strip()]


def matching_paren(text: str, open_at: int, limit: int = 20_000) -> int | None:
    """The index of the bracket closing the one at ``open_at`` (quotes skipped roughly)."""
    depth, quote = 0, ""
    for i in range(open_at, min(len(text), open_at + limit)):
        c = text[i]
        if quote:
            if c == quote and text[i - 1] != "\\":
                quote = ""
        elif c in "\"'`":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i
    return None


def _parameter_lists(
    change: Change, header: Header, rename: Rename | None
) -> tuple[list[Parameter], list[Parameter]] | None:
    """``header``'s parameters before the change and after it; None when not found."""
    after = change.content[header.start : header.end]
    before = change.before[header.start : header.end - (change.after_end - change.before_end)]
    names = [header.name] + ([rename.old] if rename is not None else [])
    old = next((p for n in names if (p := parameters(before, n)) is not None), None)
    new = parameters(after, header.name)
    return None if old is None or new is None else (old, new)


def adds_optional_parameter(change: Change, header: Header, rename: Rename | None) -> bool:
    """Did the change to ``header`` add an optional parameter (`timeout=None`)? Its calls
    still work, but on real commits some of them then pass it: the model's to judge."""
    found = _parameter_lists(change, header, rename)
    if found is None:
        return False
    old_names = {p.name for p in found[0]}
    return any(p.optional and p.name not in old_names for p in found[1])


def calls_must_change(change: Change, header: Header, rename: Rename | None) -> bool:
    """Did the change to ``header`` make its calls wrong: a parameter removed, a required
    one added, parameters reordered, one made required? (Not a type, a default, an
    optional parameter, or a parameter renamed.)"""
    found = _parameter_lists(change, header, rename)
    if found is None:
        return False
    old, new = found
    old_names, new_names = [p.name for p in old], [p.name for p in new]
    if old_names == new_names:
        return any(o.optional and not n.optional for o, n in zip(old, new, strict=True))
    removed = [n for n in old_names if n not in new_names]
    added = [p for p in new if p.name not in old_names]
    if rename is not None and (removed, [a.name for a in added]) == ([rename.old], [rename.new]):
        return False  # a parameter renamed: its calls pass it as before
    if removed or any(not p.optional for p in added):
        return True
    return [n for n in old_names if n in new_names] != [n for n in new_names if n in old_names]


_CALL = re.compile(r"\s*(?:<[^()<>]*>)?\s*\(")
CALL_SCORE = 0.55  # a call that must change (a model candidate needs MIN_MODEL_SCORE)
OPTIONAL_CALL_SCORE = 0.46  # a call that may pass a new optional parameter


def call_candidates(
    index: LineIndex,
    change: Change,
    header: Header,
    occurrences: Sequence[Occurrence],
    base: float = CALL_SCORE,
) -> list[Candidate]:
    """The calls of ``header``'s function (its uses followed by an argument list), outside
    what the user already edited: each for the model to rewrite, nearest first, scored from
    ``base`` (lower when they may stay as they are)."""
    content = change.content
    line = index.line_of(change.start)
    made = [*change.earlier, (change.start, change.after_end)]
    candidates = []
    for o in occurrences:
        if header.start <= o.start < header.end or o.role != USE:
            continue
        if header.method != (o.receiver is not None):
            continue
        opened = _CALL.match(content, o.end)
        if opened is None:
            continue
        close = matching_paren(content, opened.end() - 1)
        end = o.end if close is None else close + 1
        if any(lo < end and o.start < hi for lo, hi in made):
            continue
        distance = abs(index.line_of(o.start) - line)
        score = base + 0.1 / (1 + distance / 40)
        candidates.append(Candidate(index.span(o.start, end), SIGNATURE, score, None, None))
    return candidates
