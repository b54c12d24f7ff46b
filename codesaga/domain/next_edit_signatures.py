"""A changed signature: the function's header and parameters read from text, whether a
change to them must change the calls (a required parameter added, removed or moved) or may
(an optional one added), and the calls as candidates for the model to rewrite. Likewise a
call that gained or lost an argument: the other calls of its function."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import TypeVar

from codesaga.domain.edits import TextEdit, narrowed_edit
from codesaga.domain.next_edit_locations import (
    SIGNATURE,
    SIMILAR,
    Candidate,
    Change,
    LineIndex,
    line_end,
    nearness,
    unclosed_bracket,
    unclosed_paren,
)
from codesaga.domain.next_edit_patterns import (
    DEFINITION,
    MEMBER_DEFINITION,
    NAME,
    NOT_NAMES,
    STRING,
    STRING_LITERAL,
    USE,
    Occurrence,
    Rename,
    rename_score,
    token_kind,
    tokens,
    word_bounds,
)
from codesaga.domain.symbol_refs import call_at_cursor

T = TypeVar("T")


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


# a default (`=`, not a type's `=>` or a comparison in it), TypeScript's `x?`, Python's `*args`
# and `**kw`, a rest parameter or Go's `args ...T`
_OPTIONAL = re.compile(r"(?<![=!<>])=(?![=>])|^[\w$]+\s*\?|^\*|^\.\.\.|^[\w$]+\s+\.\.\.")
_MODIFIERS = re.compile(r"^(?:(?:public|private|protected|readonly|override)\s+)+")


_RECEIVERS = ("self", "cls", "this")  # a Python method's first parameter, TypeScript's `this:`
_PYTHON_HEADER = re.compile(r"[ \t]*(?:async[ \t]+)?def\b")


def _parameters_in(pieces: list[str], receivers: tuple[str, ...] = _RECEIVERS) -> list[Parameter]:
    """The parameters among ``pieces`` (what stands between a header's commas); the
    ``receivers`` and a bare `*` or `/` are none."""
    found_params = []
    for piece in pieces:
        piece = _MODIFIERS.sub("", piece.strip())
        optional = _OPTIONAL.search(piece) is not None
        word = NAME.search(piece)
        if word is None or piece in ("*", "/") or word.group() in receivers:
            continue
        found_params.append(Parameter(word.group(), optional))
    return found_params


def header_pieces(header: str, name: str) -> list[str] | None:
    """What stands between the commas of the parentheses after ``name`` in ``header``."""
    found = _opening(header, name)
    close = matching_paren(header, found.end() - 1) if found is not None else None
    if found is None or close is None:
        return None
    return _items(_uncommented(header[found.end() : close]))


# A comment among parameters (`def cls(  # type: ignore[misc]`) says nothing of them; strings
# are matched first so that a `#` or `//` inside one is kept.
_COMMENT = re.compile(rf"({STRING_LITERAL})|#[^\n]*|//[^\n]*|/\*.*?\*/", re.DOTALL)


def _uncommented(text: str) -> str:
    return _COMMENT.sub(lambda m: m.group(1) or "", text)


# a function bound to a name or key (`validate: (value) => {`, `const f = async function (`,
# or as a default: `var f = options.f || function (`)
_BOUND = (
    r"(?::?[:=]\s*(?:[\w$.]+\s*(?:\|\||\?\?)\s*)?(?:async\s+)?"
    r"(?:function\b\s*\*?\s*(?:[\w$]+\s*)?|func\b\s*)?)?"
)  # `name = function (`, `name: async (`, Go's `name := func(`


def _opening(header: str, name: str) -> re.Match[str] | None:
    """``name`` and its type parameters up to the parenthesis that opens its parameters."""
    return re.search(
        rf"(?<![\w$]){re.escape(name)}\s*(?:<[^()]*>|\[[^()]*\])?\s*{_BOUND}\(", header
    )


def matching_paren(text: str, open_at: int, limit: int = 20_000) -> int | None:
    """The index of the bracket closing the one at ``open_at`` (quotes skipped roughly)."""
    for i, c, depth in code_chars(text, open_at, min(len(text), open_at + limit)):
        if depth == 0 and c in ")]}":
            return i
    return None


def code_chars(
    text: str, start: int, stop: int, comment: str = ""
) -> Iterator[tuple[int, str, int]]:
    """The characters of ``text[start:stop]`` outside quotes (skipped roughly), each with its
    index and the depth of brackets after it. With a line ``comment`` marker, ``text`` is
    read as lines of code: a comment is yielded as the marker at its start and skipped to
    its line's end, and only a backtick string goes on past a line's end (a `//` in a
    string is no comment)."""
    depth, quote, escaped, commented = 0, "", False, False
    for i in range(start, stop):
        c = text[i]
        if commented:
            commented = c != "\n"
            if commented:
                continue
        elif quote:
            # A backslash escapes the one character after it: in "\\" the second quote
            # closes the string.
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == quote or (comment and c == "\n" and quote != "`"):
                quote = ""
            if quote or c != "\n":
                continue
        elif comment and text.startswith(comment, i):
            commented = True
            yield i, comment, depth
            continue
        elif c in "\"'`":
            quote = c
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        yield i, c, depth


@dataclass(frozen=True)
class SignatureChange:
    """What a change did to a function's header, read once a request: the text between its
    parameters' commas and its parameters, before the change (under its old name, if the
    change renamed it) and now."""

    header: Header
    rename: Rename | None
    before: str  # the header's text before the change
    pieces: tuple[list[str], list[str]]
    lists: tuple[list[Parameter], list[Parameter]]

    @property
    def positional(self) -> tuple[list[Parameter], list[Parameter]] | None:
        """The parameter lists when the parameters they leave out (`self`, `cls`, a bare
        `*`) stayed as they were, so that the lists' positions are the calls' (`cls` renamed
        `mcs` is no parameter added), and no parameter is unnamed (Go's `_`)."""
        (old, new), (old_pieces, new_pieces) = self.lists, self.pieces
        if any(p.name == "_" for p in old + new):
            return None
        if len(old_pieces) - len(old) != len(new_pieces) - len(new):
            return None
        return self.lists


def read_signature_change(
    change: Change, header: Header, rename: Rename | None
) -> SignatureChange | None:
    """What ``change`` did to ``header``'s parameters; None when its parentheses are not
    found before the change or now."""
    pieces = _before_and_after(change, header, rename, header_pieces)
    if pieces is None:
        return None
    # `self` is a parameter like any other outside Python (`function del (self, hit)` in a
    # JavaScript closure, called as `del(this, hit)`)
    line_start = change.content.rfind("\n", 0, header.start) + 1
    python = _PYTHON_HEADER.match(change.content, line_start) is not None
    receivers = _RECEIVERS if python else ("this",)
    lists = (_parameters_in(pieces[0], receivers), _parameters_in(pieces[1], receivers))
    return SignatureChange(header, rename, _header_texts(change, header)[0], pieces, lists)


def _before_and_after(
    change: Change, header: Header, rename: Rename | None, read: Callable[[str, str], T | None]
) -> tuple[T, T] | None:
    """What ``read`` finds in ``header``'s text before the change (under its old name, if
    the change renamed it) and now; None when it finds nothing in either."""
    before, after = _header_texts(change, header)
    names = [header.name] + ([rename.old] if rename is not None else [])
    old = next((found for n in names if (found := read(before, n)) is not None), None)
    new = read(after, header.name)
    return None if old is None or new is None else (old, new)


def _header_texts(change: Change, header: Header) -> tuple[str, str]:
    """``header``'s text before the change and now."""
    shift = change.after_end - change.before_end
    return change.before[header.start : header.end - shift], change.content[
        header.start : header.end
    ]


def _parentheses(change: Change, header: Header) -> tuple[str, int, int] | None:
    """``header``'s text before the change, and where its parameters' parentheses open
    (just after the `(`) and close in it; None when they are not found."""
    before = _header_texts(change, header)[0]
    opened = _opening(before, header.name)
    close = None if opened is None else matching_paren(before, opened.end() - 1)
    return None if opened is None or close is None else (before, opened.end(), close)


def in_parameters(change: Change, header: Header) -> bool:
    """Does ``change`` begin inside ``header``'s parentheses (not in its return type, nor a
    Go method's receiver)?"""
    found = _parentheses(change, header)
    return found is not None and found[1] <= change.start - header.start <= found[2]


DOCUMENTED_TYPE_SCORE = 0.6  # a parameter's type changed, where its docstring names that type

_DOCSTRING_START = re.compile(r"\s*[rRuU]?(\"\"\"|\'\'\')")


def documented_type_candidates(index: LineIndex, change: Change, header: Header) -> list[Candidate]:
    """A Python parameter's annotation changed, one word of it (`context: Mapping[str, Any]`
    to `object`, `List[int]` to `list`): where its function's docstring gives that
    parameter's type (Google's `context (Mapping[str, Any]): …`, Sphinx's `:type context:
    …`), that word changed there: the same one of its words where the type reads as the
    annotation did, else only where both hold that word once."""
    before, content = change.before, change.content
    low, high = word_bounds(before, change.start, change.before_end)
    shift = change.after_end - change.before_end
    removed, inserted = before[low:high], content[low : high + shift]
    if removed == inserted or not NAME.fullmatch(removed) or not NAME.fullmatch(inserted):
        return []
    found = _parentheses(change, header)
    if found is None or not found[1] <= change.start - header.start <= found[2]:
        return []
    text, opened, closed = found
    parameters = text[opened:closed]
    at = low - header.start - opened  # the changed word, in the parameters
    typed_at = _annotation_at(parameters, at)
    docstring = _DOCSTRING_START.match(content, header.end)
    if typed_at is None or docstring is None:
        return []
    name, first, last = typed_at
    annotation = parameters[first:last]
    word = re.compile(rf"(?<![\w.]){re.escape(removed)}(?!\w)")
    olds = [m.start() for m in word.finditer(annotation)]
    if at - first not in olds:
        return []
    which = olds.index(at - first)
    end = content.find(docstring.group(1), docstring.end())
    body = content[docstring.end() : end if end >= 0 else docstring.end()]
    typed = re.compile(
        rf"^[ \t]*\*{{0,2}}{name}[ \t]*\(([^)\n]*)\)[ \t]*:|^[ \t]*:type[ \t]+{name}:([^\n]*)", re.M
    )
    candidates = []
    for line in typed.finditer(body):
        group = 1 if line.group(1) is not None else 2
        given = line.group(group)
        places = [m.start() for m in word.finditer(given)]
        if "".join(given.split()) == "".join(annotation.split()):
            place = places[which]
        elif len(places) == 1 and len(olds) == 1:
            place = places[0]
        else:
            continue  # another type, or the word more than once: which one is unsure
        there = docstring.end() + line.start(group) + place
        edit = TextEdit(index.span(there, there + len(removed)), removed, inserted)
        candidates.append(Candidate(edit.span, SIGNATURE, DOCUMENTED_TYPE_SCORE, edit))
    return candidates


def _annotation_at(parameters: str, at: int) -> tuple[str, int, int] | None:
    """The parameter whose annotation holds ``at`` in ``parameters`` (a header's, from its
    opening parenthesis): its name and where its annotation starts and ends (before a
    default); None when ``at`` is in no annotation. Brackets in strings open nothing (a
    default's `"("`)."""
    start = 0
    for offset, char, depth in code_chars(parameters, 0, len(parameters)):
        if char == "," and depth == 0:
            if offset >= at:
                break
            start = offset + 1
    found = re.match(r"\s*\*{0,2}(\w+)\s*:(?!=)\s*", parameters[start:])
    if found is None:
        return None
    first = start + found.end()
    last = next(
        (
            offset
            for offset, char, depth in code_chars(parameters, first, len(parameters))
            if char in ",=" and depth == 0
        ),
        len(parameters),
    )
    return (found.group(1), first, last) if first <= at < last else None


def in_results(change: Change, header: Header) -> bool:
    """Does ``change`` begin after ``header``'s parentheses, in the return type it had
    (`IO[Any]` made `IO`, a Go function's results; not `-> int` given where there was
    none)?"""
    found = _parentheses(change, header)
    if found is None or change.start - header.start <= found[2]:
        return False
    before, close = found[0], found[2]
    result = before[close + 1 :].strip().rstrip(":{").strip()
    return result not in ("", "->")


def go_header_types(header: str) -> dict[str, list[str]] | None:
    """The types a Go function's header gives, not the names, by role: its "receiver"'s,
    "parameters"' and "results"' (a result type without parentheses too; go_parameter_types
    reads each list); comments left out. None when a list does not close."""
    text = _uncommented(header)
    lists: list[tuple[int, int]] = []
    at = text.find("(")
    while at >= 0:
        close = matching_paren(text, at)
        if close is None:
            return None
        lists.append((at, close))
        at = text.find("(", close + 1)
    roles = ["parameters", "results"]
    method = lists and text[: lists[0][0]].rstrip().endswith("func")
    if method and re.match(r"\s*[A-Za-z_]\w*\s*[\[(]", text[lists[0][1] + 1 :]):
        roles.insert(0, "receiver")  # (`func (c *C) Get(`: not a literal's `func(`)
    found: dict[str, list[str]] = {role: [] for role in ("receiver", "parameters", "results")}
    for role, (start, close) in zip(roles, lists, strict=False):
        found[role] = [t for _, t in go_parameter_types(_items(text[start + 1 : close]))]
    end = lists[-1][1] + 1 if lists else len(text)  # (a result type with no parentheses)
    found["results"].append(" ".join(text[end:].split()))
    return found


def go_parameter_types(pieces: list[str]) -> list[tuple[str, str]]:
    """Each Go parameter's name and type, a name without one taking the type after it (`y,
    z int`: both `int`)."""
    typed: list[tuple[str, str]] = []
    current = ""
    for piece in reversed(pieces):
        name, _, given = piece.strip().partition(" ")
        current = " ".join(given.split()) or current
        typed.append((name, current))
    return typed[::-1]


def adds_optional_parameter(signature: SignatureChange) -> bool:
    """Did the change to the header add an optional parameter (`timeout=None`)? Its calls
    still work, but on real commits some of them then pass it: the model's to judge."""
    old, new = signature.lists
    old_names = {p.name for p in old}
    return any(p.optional and p.name not in old_names for p in new)


def calls_must_change(signature: SignatureChange) -> bool:
    """Did the change to the header make its calls wrong: a parameter removed, a required
    one added, parameters reordered, one made required? (Not a type, a default, an
    optional parameter, or a parameter renamed.)"""
    old, new = signature.lists
    rename = signature.rename
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


@dataclass(frozen=True)
class Places:
    """Parameters taken out of a signature or put into it and nothing else changed, they
    and those before them required: a call passes them at these positions (or by name)."""

    at: tuple[int, ...]  # among the parameters that have them (the old ones, or the new)
    names: tuple[str, ...]
    # the parameters (of those that have them) a call must pass, where a call passes them all
    # (Go, Python: the caller says); 0: unknown
    required: int = 0


def parameter_places(signature: SignatureChange) -> tuple[Places | None, Places | None]:
    """What the change to the header took out of its parameters, and what it put in, when
    that is all it did and the calls' arguments for them can be told by position."""
    found = signature.positional
    if found is None:
        return None, None
    old, new = found
    return _extra(old, new), _extra(new, old)


def reordering(signature: SignatureChange) -> tuple[int, ...] | None:
    """The parameters' new order as places in the old (`(t, root, fs)` to `(fs, t, root)`:
    (2, 0, 1)), when the change only reordered them and each is required."""
    found = signature.positional
    if found is None:
        return None
    old, new = ([p.name for p in ps] for ps in found)
    if old == new or sorted(old) != sorted(new) or len(set(old)) < len(old):
        return None
    if any(p.optional for p in found[0]):
        return None
    return tuple(old.index(name) for name in new)


def reorder_edit(content: str, opened: int, close: int, order: tuple[int, ...]) -> TextEdit | None:
    """The call whose argument list is ``content[opened + 1 : close]`` with its arguments in
    ``order``, each in the spaces of the place it goes to; None when they cannot be told
    apart by position (another count, a spread, a keyword)."""
    pieces = split_top_level(content[opened + 1 : close])
    if len(pieces) != len(order) or any(_not_by_place(p) for p in pieces):
        return None
    moved = []
    for piece, source in zip(pieces, order, strict=True):
        lead, trail = piece[: len(piece) - len(piece.lstrip())], piece[len(piece.rstrip()) :]
        moved.append(lead + pieces[source].strip() + trail)
    return narrowed_edit(content, opened + 1, close, ",".join(moved))


def _extra(longer: list[Parameter], shorter: list[Parameter]) -> Places | None:
    """The parameters of ``longer`` that ``shorter`` is without, when that is all they
    differ in (none moved or renamed) and they and those before them are required (a call
    that may leave one out says nothing by its arguments' positions)."""
    long_names, short_names = [p.name for p in longer], [p.name for p in shorter]
    if len(set(long_names)) < len(long_names) or len(long_names) == len(short_names):
        return None
    if [n for n in long_names if n in short_names] != short_names:
        return None
    at = tuple(i for i, n in enumerate(long_names) if n not in short_names)
    if any(p.optional for p in longer[: at[-1] + 1]):
        return None
    return Places(at, tuple(long_names[i] for i in at), sum(not p.optional for p in longer))


def optional_removal(signature: SignatureChange) -> Places | None:
    """The optional parameters the change took out of the header (`def f(x, prefix=None)` to
    `def f(x)`), when it took out nothing else and moved nothing, none of them variadic: a
    call passing none of them is as right as it was, one passing some loses those (by
    position or by name; removal_edit)."""
    found = signature.positional
    if found is None:
        return None
    old, new = found
    new_names = [p.name for p in new]
    at = tuple(i for i, p in enumerate(old) if p.name not in new_names)
    kept = [p.name for p in old if p.name in new_names]
    if not at or any(not old[i].optional for i in at) or kept != new_names[: len(kept)]:
        return None
    before = signature.before
    if any(re.search(rf"(?:\*|\.\.\.)\s*{re.escape(old[i].name)}\b", before) for i in at):
        return None  # `*args` or `...rest`: one parameter, any number of arguments
    return Places(at, tuple(old[i].name for i in at))


def passes_any(content: str, opened: int, close: int, places: Places) -> bool:
    """Does the call whose argument list is ``content[opened + 1 : close]`` pass one of
    ``places``: an argument at its position or later, or one by its name? A spread may."""
    pieces = _items(content[opened + 1 : close])
    if any(_SPREAD.match(p) for p in pieces):
        return True
    positional = [p for p in pieces if not KEYWORD_ARGUMENT.match(p)]
    if len(positional) > min(places.at):
        return True
    named = re.compile(rf"\s*(?:{'|'.join(map(re.escape, places.names))})\s*[=:](?!=)")
    return any(named.match(p) for p in pieces)


def addition_edit(content: str, opened: int, close: int, addition: Places) -> TextEdit | None:
    """The call whose argument list is ``content[opened + 1 : close]`` passing each added
    parameter's own name at its place (the caller has a variable of that name: see
    call_candidates); None when the places cannot be told (a spread or a keyword before one,
    too few arguments)."""
    pieces = split_top_level(content[opened + 1 : close])
    if len(pieces) == 1 and not pieces[0].strip():
        pieces = []  # `f()`
    for at, name in zip(addition.at, addition.names, strict=True):
        passed = [p for p in pieces if p.strip()]
        if at > len(passed) or any(_not_by_place(p) for p in passed[:at]):
            return None
        pieces = _inserted(pieces, at, name)
    return narrowed_edit(content, opened + 1, close, ",".join(pieces))


def _inserted(pieces: list[str], at: int, name: str) -> list[str]:
    """Arguments ``pieces`` with ``name`` put in at ``at``, laid out like its neighbours:
    on a line of its own in a call that has one argument per line."""
    if at < len(pieces) and pieces[at].strip():  # before an argument
        lead = _lead(pieces[at])
        if "\n" in lead:
            return [*pieces[:at], lead + name, *pieces[at:]]
        if at == 0:  # `f(a` becomes `f(name, a`
            return [lead + name, " " + pieces[0].lstrip(), *pieces[1:]]
        return [*pieces[:at], " " + name, *pieces[at:]]
    if at == 0:
        return [name, *pieces]
    # After the last argument: before a trailing comma's blank piece, or taking the last
    # one's space before the parenthesis
    last = pieces[at - 1]
    tail = "" if at < len(pieces) else last[len(last.rstrip()) :]
    lead = _lead(last)
    added = (lead if "\n" in lead else " ") + name + tail
    return [*pieces[: at - 1], last[: len(last) - len(tail)], added, *pieces[at:]]


def _lead(piece: str) -> str:
    return piece[: len(piece) - len(piece.lstrip())]


def _passes_fewer(content: str, opened: re.Match[str], close: int, removal: Places) -> bool:
    """Does the call whose argument list ``opened`` opens and ``close`` closes pass fewer
    arguments than the old header required (by position only: no spread, no keyword)?"""
    pieces = [p for p in split_top_level(content[opened.end() : close]) if p.strip()]
    if any(_not_by_place(p) for p in pieces):
        return False
    return removal.required > 0 and len(pieces) < removal.required


def removal_edit(content: str, opened: int, close: int, removal: Places) -> TextEdit | None:
    """The call whose argument list is ``content[opened + 1 : close]`` without the arguments
    of the removed parameters; None when they cannot be told (a spread before them, a
    keyword in their place, too few arguments)."""
    pieces = split_top_level(content[opened + 1 : close])
    gone = set()
    for at, name in zip(removal.at, removal.names, strict=True):
        keyword = re.compile(rf"\s*{re.escape(name)}\s*=(?!=)")
        named = [i for i, piece in enumerate(pieces) if keyword.match(piece)]
        if named:
            gone.add(named[0])
            continue
        if at >= len(pieces) or not pieces[at].strip():
            return None
        if any(_not_by_place(p) for p in pieces[: at + 1]):
            return None
        gone.add(at)
    kept = [p for i, p in enumerate(pieces) if i not in gone]
    if kept and 0 in gone:  # the new first argument sits where the old one did
        kept[0] = _lead(pieces[0]) + kept[0].lstrip()
    text = ",".join(kept) if any(p.strip() for p in kept) else ""
    return narrowed_edit(content, opened + 1, close, text)


_SPREAD = re.compile(r"\s*(?:\*|\.\.\.)")


def _not_by_place(piece: str) -> bool:
    """Is the argument ``piece`` passed spread or by keyword (not by its place)?"""
    return bool(_SPREAD.match(piece) or KEYWORD_ARGUMENT.match(piece))


@dataclass(frozen=True)
class PointerChange:
    """A Go parameter's type made a pointer (`field reflect.StructField` to `field
    *reflect.StructField`), or no longer one: its calls pass the argument's address, or no
    longer take it."""

    at: int  # the parameter's position, among the arguments
    name: str  # the parameter's
    address: bool  # the calls now take `&`; else they drop it


def pointer_change(signature: SignatureChange) -> PointerChange | None:
    """The one parameter whose type the change made a pointer or a value, nothing else
    changed in the parameters; None for any other change."""
    olds, news = (go_parameter_types(pieces) for pieces in signature.pieces)
    if len(olds) != len(news) or [n for n, _ in olds] != [n for n, _ in news]:
        return None
    changed = [
        (i, a, b) for i, ((_, a), (_, b)) in enumerate(zip(olds, news, strict=True)) if a != b
    ]
    if len(changed) != 1:
        return None
    at, old, new = changed[0]
    if new == "*" + old:
        return PointerChange(at, olds[at][0], address=True)
    if old == "*" + new:
        return PointerChange(at, olds[at][0], address=False)
    return None


# an argument whose address is safe to take: a variable, its field, a composite literal (not
# an element: a map's has none; not a constant: `true`, a literal)
_ADDRESSABLE = re.compile(r"(?!(?:true|false|nil|iota)\b)[A-Za-z_][\w.]*(?:\{.*\})?", re.DOTALL)


def pointer_edit(
    content: str, opened: int, close: int, pointer: PointerChange, own: bool = False
) -> TextEdit | None:
    """The call whose argument list is ``content[opened + 1 : close]`` passing the address of
    its argument at ``pointer.at`` (`&field`), or the argument without its `&`; None when
    that argument is not there or not so plain (a call's result, an element, a constant, a
    pointer variable, the parameter itself passed on by a call in the function, ``own``:
    the model's to judge)."""
    pieces = split_top_level(content[opened + 1 : close])
    if pointer.at >= len(pieces) or any(_SPREAD.match(p) for p in pieces[: pointer.at + 1]):
        return None
    start = opened + 1 + sum(len(p) + 1 for p in pieces[: pointer.at])
    argument = pieces[pointer.at].strip()
    at = start + len(pieces[pointer.at]) - len(pieces[pointer.at].lstrip())
    if own and argument == pointer.name:
        return None  # the function passing its own parameter on: already what it now takes
    if pointer.address and _ADDRESSABLE.fullmatch(argument):
        return narrowed_edit(content, at, at, "&")
    if not pointer.address and argument.startswith("&"):
        return narrowed_edit(content, at, at + 1, "")
    return None


def split_top_level(text: str) -> list[str]:
    """``text`` split at its top-level commas, each piece as it stands (a trailing comma
    leaves a blank last piece); brackets and quotes are skipped roughly."""
    pieces, start = [], 0
    for i, c, depth in code_chars(text, 0, len(text)):
        if c == "," and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
    return [*pieces, text[start:]]


def call_candidates(
    index: LineIndex,
    change: Change,
    header: Header,
    occurrences: Sequence[Occurrence],
    base: float = CALL_SCORE,
    removal: Places | None = None,
    addition: tuple[Places, Callable[[str, Occurrence], bool]] | None = None,
    unpassed: Places | None = None,
    needs: Callable[[str], bool] | None = None,
    order: tuple[int, ...] | None = None,
    pointer: PointerChange | None = None,
) -> list[Candidate]:
    """The calls of ``header``'s function (its uses followed by an argument list), outside
    what the user already edited: each for the model to rewrite, nearest first, scored from
    ``base`` (lower when they may stay as they are); with its edit when ``removal`` says
    which arguments go, or ``addition`` which come, and its test says the caller has a
    variable of each one's name (`ctx` added: a call where `ctx` is a parameter or local
    passes it). ``unpassed``: optional parameters taken out; a call passing none of them is
    left alone. ``needs``: whether a call with these arguments may need the change.
    ``order``: the parameters reordered, each call's arguments moved the same way.
    ``pointer``: a Go parameter made a pointer or a value, each call's argument so."""
    content = change.content
    line = index.line_of(change.start)
    made = [*change.earlier, (change.start, change.after_end)]
    body = _body(content, header) if pointer is not None else None
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
        if unpassed and close and not passes_any(content, opened.end() - 1, close, unpassed):
            continue  # it passes none of the optional parameters taken out
        if needs is not None and close is not None and not needs(content[opened.end() : close]):
            continue
        if (
            removal is not None
            and close is not None
            and _passes_fewer(content, opened, close, removal)
        ):
            continue  # it passes what the new header asks already (a call changed before)
        distance = abs(index.line_of(o.start) - line)
        score = base + nearness(0.1, distance)
        edit = None
        if removal is not None and close is not None:
            edit = removal_edit(content, opened.end() - 1, close, removal)
        elif unpassed is not None and close is not None:  # what it passes of them, taken out
            edit = removal_edit(content, opened.end() - 1, close, unpassed)
        elif order is not None and close is not None:
            edit = reorder_edit(content, opened.end() - 1, close, order)
        elif pointer is not None and close is not None:
            own = body is not None and body[0] <= o.start < body[1]
            edit = pointer_edit(content, opened.end() - 1, close, pointer, own)
        if addition is not None and close is not None:
            added, bound = addition
            if all(bound(name, o) for name in added.names):
                edit = addition_edit(content, opened.end() - 1, close, added)
        span = index.span(o.start, end) if edit is None else edit.span
        candidates.append(Candidate(span, SIGNATURE, score, edit))
    return candidates


def method_calls(
    header: Header, occurrences: Sequence[Occurrence], modules: frozenset[str]
) -> list[Occurrence]:
    """``occurrences`` of a function's name, less the calls that cannot be of the method
    ``header`` defines: those on a name an import binds (`time.sleep(...)` for a `sleep`
    method, `os.close(fd)` for `close`). (Calls through `super()` stay: an override's
    `super().acquire(origin)` passes its new parameter on as often as its base's is left.)"""
    if not header.method:
        return list(occurrences)
    return [o for o in occurrences if o.role != USE or o.receiver not in modules]


DECLARATION_SCORE = 0.8  # the same signature elsewhere, given the user's edit
SIBLING_SCORE = 0.6  # another implementation of that name with the very same signature
MIN_SHARED = 2  # parameters (but self) of a signature two implementations share by design
_BODY_OPENERS = ("{", ":", "=>")
_STUB_BODY = re.compile(r"\s*(?::\s*)?(?:\.\.\.|pass)?\s*;?")  # `: ...` after a stub's header


def declaration_candidates(
    index: LineIndex, change: Change, header: Header, occurrences: Sequence[Occurrence]
) -> list[Candidate]:
    """The declarations without a body of the function whose signature the user changed (an
    interface's method, an abstract or overloaded one: `Decode(b []byte, v any) error` for
    `func (d *Decoder) Decode(...)`): each with the user's new parameters and result where it
    had the old ones, else for the model to rewrite; none where it reads as the new one
    already. And the other implementations of that name whose signature is exactly the old
    one (another class's `update(self, fields, transform=update_fields)` when one class's
    lost `transform`), each with the new one: a signature they share word for word is one
    signature more often than two that happen to match."""
    before, after = _header_texts(change, header)
    old, new = _signature_tail(before, header.name), _signature_tail(after, header.name)
    if old is None or new is None or old == new:
        return []
    content = change.content
    made = [*change.earlier, (change.start, change.after_end)]
    line = index.line_of(change.start)
    # (a result annotation alone is each implementation's own: `__hash__(self) -> int` in one
    # class says nothing of another's; and two classes' `__init__(self)` or `forward(self,
    # x)` match by chance: a signature shared word for word tells of one only when it has
    # parameters enough)
    listed = [p for p in split_top_level(_parameters(old)[1:-1]) if not p.strip().startswith("*")]
    shared = len(_parameters_in(listed)) >= MIN_SHARED  # (`*args, **kwargs` are any's)
    params_changed = shared and _parameters(old) != _parameters(new)
    candidates = []
    for o in occurrences:
        if o.role not in (DEFINITION, MEMBER_DEFINITION) or header.start <= o.start < header.end:
            continue
        opened = _CALL.match(content, o.end)
        close = matching_paren(content, opened.end() - 1) if opened is not None else None
        if opened is None or close is None:
            continue
        stop = line_end(content, close)
        tail = _uncommented(content[opened.end() - 1 : stop]).rstrip().rstrip(";,").rstrip()
        if any(lo < stop and o.start < hi for lo, hi in made):
            continue
        start = opened.end() - 1
        distance = abs(index.line_of(o.start) - line)
        if tail.endswith(_BODY_OPENERS):  # a body follows: an implementation of its own
            if _without_body(tail) == old and content.startswith(old, start) and params_changed:
                edit = TextEdit(index.span(start, start + len(old)), old, new)
                score = SIBLING_SCORE + nearness(0.1, distance)
                candidates.append(Candidate(edit.span, SIGNATURE, score, edit))
            continue
        if tail.startswith(new) and _STUB_BODY.fullmatch(tail, len(new)):
            continue  # changed already (`def __hash__(self) -> int: ...`)
        score = DECLARATION_SCORE + nearness(0.1, distance)
        if content.startswith(old, start) and _STUB_BODY.fullmatch(tail, len(old)):
            edit = TextEdit(index.span(start, start + len(old)), old, new)  # (no comment in it)
            candidates.append(Candidate(edit.span, SIGNATURE, score, edit))
        elif not _appended_already(old, new, tail):
            span = index.span(o.start, start + len(tail))
            candidates.append(Candidate(span, SIGNATURE, score - 0.2, None))
    return candidates


def _appended_already(old: str, new: str, tail: str) -> bool:
    """Do the parameters of the declaration whose tail is ``tail`` end as the user's do, where
    the user appended to them (`owner: type[object]` made `owner: type[object] | None = None`
    over an overload's `objtype: type[object] | None = None`), and nothing else changed (not
    the result too: that declaration's is then the model's to rewrite)?"""
    if old[len(_parameters(old)) :] != new[len(_parameters(new)) :]:
        return False
    olds, news, theirs = (
        [p for p in split_top_level(_parameters(t)[1:-1]) if p.strip()] for t in (old, new, tail)
    )  # (a trailing comma's blank piece left out)
    if not len(olds) == len(news) == len(theirs):
        return False
    appended = False
    for o, n, t in zip(olds, news, theirs, strict=True):
        mine, made, their = (" ".join(p.split()) for p in (o, n, t))
        if mine == made:
            continue
        added = made[len(mine) :].strip()
        if not made.startswith(mine) or len(added) < MIN_APPENDED or not their.endswith(added):
            return False
        appended = True
    return appended


MIN_APPENDED = 4  # characters appended to a parameter that tell it (not `]`, not `: T`)


def _signature_tail(header: str, name: str) -> str | None:
    """The parameters and result of the function ``name`` whose header is ``header`` (up to
    its body): `(b []byte, v any) error`."""
    found = _opening(header, name)
    if found is None:
        return None
    return _without_body(_uncommented(header[found.end() - 1 :]).rstrip())


def _parameters(tail: str) -> str:
    """A signature's tail up to the parenthesis closing its parameters (all of it if unclosed)."""
    close = matching_paren(tail, 0) if tail.startswith("(") else None
    return tail if close is None else tail[: close + 1]


def _without_body(tail: str) -> str:
    for opener in _BODY_OPENERS:
        tail = tail.removesuffix(opener).rstrip()
    return tail


ARGUMENT_CALL_SCORE = 0.47  # another call of a function one call of which gained an argument


def argument_candidates(
    index: LineIndex, change: Change, occurrences_of: Callable[[str], Sequence[Occurrence]]
) -> list[Candidate]:
    """A call whose arguments the user changed by adding or removing one (`f(a)` to `f(a, b)`,
    `g({x, y})` to `g({x, y, z})`): the function's other calls, for the model to rewrite."""
    content = change.content
    line = content[content.rfind("\n", 0, change.start) + 1 : change.start]
    if any(line.count(q) % 2 for q in "\"'`"):
        return []  # a change inside a string
    if not any("," in STRING.sub("", t) for t in (change.removed, change.inserted)):
        return []
    called = call_at_cursor(content[: change.start])
    opened = unclosed_paren(content, change.start)
    if called is None or opened is None or called[1] in NOT_NAMES:
        return []  # not in a call, or in a builtin's (`make`, `print`): its calls differ anyway
    receiver, name = called
    if _one_more_value(change, content[opened + 1 : change.start]):
        return []
    callee = re.search(rf"{re.escape(name)}{_CALL.pattern}$", content[: opened + 1])
    close = matching_paren(content, opened)
    if callee is None or close is None or close < change.after_end:
        return []  # in a parenthesized group or a tuple inside the call, or not closed
    # The changed call, read as a header is: call_candidates leaves its own span out.
    call = Header(name, callee.start(), close + 1, bool(receiver))
    now = _count(content[opened + 1 : close])
    was = _count(change.before[opened + 1 : close + change.before_end - change.after_end])

    def needs(arguments: str) -> bool:  # a call with as many arguments has its own already
        count = _count(arguments)
        return count < now if now > was else count > now if now < was else True

    occurrences = occurrences_of(name)
    calls = call_candidates(index, change, call, occurrences, ARGUMENT_CALL_SCORE, needs=needs)
    return [replace(c, kind=SIMILAR) for c in calls]  # a call like the one changed


def _one_more_value(change: Change, before: str) -> bool:
    """Is the change one more literal put among literals (`"idna",` in a list of package
    names passed to `session.install`): an entry of that call's own list, not an argument
    its other calls lack?"""
    if change.removed:
        return False
    added = [t[0] for t in tokens(change.inserted) if t[0] != ","]
    last = [t[0] for t in tokens(before) if t[0] != ","][-1:]
    kinds = {token_kind(w) for w in added[:1] + last}
    return len(added) == 1 and len(last) == 1 and kinds <= {"string", "number"}


def _hands_on(arguments: Sequence[str], name: str, parameters: set[str]) -> bool:
    """Do ``arguments`` pass ``name`` spread, or another of ``parameters`` along with it?"""
    plain = [a.strip().lstrip("*.") for a in arguments]
    spread = any(a.strip() != p and p == name for a, p in zip(arguments, plain, strict=True))
    return spread or len(parameters & set(plain)) > 1


def _items(text: str) -> list[str]:
    """The items of a list of arguments or parameters: its top-level pieces, but a trailing
    comma's blank."""
    return [p for p in split_top_level(text) if p.strip()]


def _count(arguments: str) -> int:
    return len(_items(arguments))


FORWARD_SCORE = 0.56  # above the model rewriting the same call (CALL_SCORE): this is computed


def forwarding_candidates(
    index: LineIndex, change: Change, signature: SignatureChange
) -> list[Candidate]:
    """Parameters put among the others (one, or a few side by side): the calls in the
    function's body that hand its parameters on pass the new ones too. Put last (`(value)`
    to `(value, options)`, `**kwargs` after `*args`), after the last argument of a call that
    passes the parameter before them, spread as declared; put anywhere (`retries: int = 0`
    before `network_backend`), by keyword after the last argument of a call that passes
    their neighbour before by keyword (`http2=http2`), in that call's layout, or before the
    argument that passes their neighbour after by keyword (`body=body, fields=fields`)."""
    old, new = ([p.strip() for p in found] for found in signature.pieces)
    count = len(new) - len(old)
    if old and -MAX_FORWARDED <= count <= -1:
        return _unforwarded(index, change, signature)
    if not old or not 1 <= count <= MAX_FORWARDED:
        return []
    at = next((i for i in range(len(new)) if new[:i] + new[i + count :] == old), None)
    if at is None:
        return []
    neighbour = NAME.search(new[at - 1] if at > 0 else new[count])
    after = NAME.search(new[at + count]) if at + count < len(new) else None
    added = [NAME.search(piece) for piece in new[at : at + count]]
    if neighbour is None or neighbour.group() in ("self", "cls", "this"):
        return []
    names = [m.group() for m in added if m is not None]
    if len(names) < count:
        return []
    spreads = [re.match(r"\*\*|\*|\.\.\.", piece) for piece in new[at : at + count]]
    spread = any(spreads)
    forwarded = ", ".join(
        (s.group() if s else "") + name for s, name in zip(spreads, names, strict=True)
    )
    by_keyword = ", ".join(f"{name}={name}" for name in names)
    content = change.content
    body = _body(content, signature.header)
    if body is None:
        return []
    other = neighbour.group()
    # A call that passes the parameter before the new one among other values (`range(retries)`
    # in `fetch(url, retries)`, `random.uniform(0, max_jitter)`) uses it; it hands the
    # parameters on when it passes that one spread (`*args`), another parameter too, or when
    # that one was the function's only parameter.
    parameters = {p.name for p in _parameters_in(old)}
    alone = len(parameters) == 1
    passed = re.compile(rf"(?:\*\*|\*|\.\.\.)?{re.escape(other)}")
    keyword = _passed_by_keyword(other)
    next_keyword = None if after is None or spread else _passed_by_keyword(after.group())
    mentions = re.compile(rf"(?<![\w$])(?:{'|'.join(map(re.escape, names))})(?![\w$])")
    line = index.line_of(change.start)
    candidates = []
    for call in re.finditer(r"[\w$]\s*\(", content[body[0] : body[1]]):
        opened = body[0] + call.end() - 1
        close = matching_paren(content, opened)
        if close is None or close > body[1]:
            continue
        given = content[opened + 1 : close]
        if mentions.search(given):
            continue  # it has the new one already
        if _defines_before(content, call.start() + body[0] + 1):
            continue  # `def inner(x, fields=fields):` declares, it calls nothing
        following = None if next_keyword is None else _argument_at(given, next_keyword)
        if not spread and _argument_at(given, keyword) is not None:  # last, in its layout
            place, text = _after_last(content, opened, close, by_keyword)
        elif following is not None:  # by keyword, before the one after it
            place, text = _before(content, opened + 1 + following, by_keyword)
        elif (
            after is not None
            and not spread
            and _same_named(content, opened, signature)
            and not content[: opened + 1].endswith(("super().__init__(", "super().__new__("))
            and len(parameters & {a.strip() for a in _items(given)}) >= MIN_HANDED_ON
            and (between := _passed_between(given, other, after.group())) is not None
        ):
            # put between two that a wrapper passes side by side, in order, to the function
            # of its own name (`print_bars(self, label, value, width)` for `domain` put
            # between `value` and `width`): not into another function's call, whose
            # arguments after it would shift (a log line's, a base class's `__init__`)
            place, text = opened + 1 + between, forwarded + ", "
        elif (
            at == len(new) - count
            and any(passed.fullmatch(a.strip()) for a in _items(given))
            and (alone or _hands_on(_items(given), other, parameters))
        ):
            place, text = opened + 1 + len(given.rstrip().rstrip(",")), ", " + forwarded
        elif (
            at == len(new) - count
            and not spread
            and _same_named(content, opened, signature)
            and _handed_on(_items(given), parameters)
        ):
            # a wrapper handing its parameters on to a function of its own name
            # (`t.render(ctx)` in `render(str, ctx)`): the new ones last, by keyword where
            # it passes any by keyword (`fts_version=fts_version`)
            keywords = any(KEYWORD_ARGUMENT.match(a) for a in _items(given))
            place, text = _after_last(content, opened, close, by_keyword if keywords else forwarded)
        else:
            continue  # no call handing the parameters on
        candidates.append(_handed_on_at(index, place, text, line))
    return candidates


def unpacked_forwarding_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A name put into the names a Python `for` or an assignment unpacks into (`for (name,
    codes, decorators, property_decorators) in conf.files():`): the calls below, in the
    loop's body or the assignment's block, that pass the name before it by keyword
    (`decorators=decorators`) pass the new one too, after their last argument, in their
    layout."""
    added = re.fullmatch(r"[\s,]*([A-Za-z_]\w*)[\s,]*", change.inserted)
    if change.removed or added is None or "," not in change.inserted:
        return []
    content, name = change.content, added.group(1)
    if name.startswith("_"):
        return []  # a value thrown away (`_`), or one kept to the loop
    targets = _unpacked_targets(content, change.start)
    if targets is None:
        return []
    names, statement_end, indent, looped = targets
    at = names.index(name) if name in names else -1
    if at <= 0 or names.count(name) > 1:
        return []
    keyword, argument = _passed_by_keyword(names[at - 1]), f"{name}={name}"
    mentions = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
    end = _block_end(index, index.line_of(statement_end) + 1, indent, looped)
    line = index.line_of(change.start)
    candidates = []
    for call in re.finditer(r"[\w$]\s*\(", content[statement_end:end]):
        opened = statement_end + call.end() - 1
        close = matching_paren(content, opened)
        if close is None or close > end:
            continue
        given = content[opened + 1 : close]
        if mentions.search(given) or _argument_at(given, keyword) is None:
            continue
        lead = content[content.rfind("\n", 0, opened) + 1 : opened]
        if "#" in lead or "#" in given or lead.count("'") % 2 or lead.count('"') % 2:
            continue  # a call in a comment or a string, or a comment among its arguments
        place, text = _after_last(content, opened, close, argument)
        candidates.append(_handed_on_at(index, place, text, line))
    return candidates


# a `for` statement's start, before what it unpacks into
_FOR_TARGETS = re.compile(r"\s*(?:async\s+)?for\s+")


def _unpacked_targets(content: str, at: int) -> tuple[list[str], int, int, bool] | None:
    """The bare names of the `for` target list or the assignment's targets that ``at`` is
    in, where that statement's header ends, its indentation, and whether it loops; None
    when ``at`` is in no such list of two names or more."""
    opened = unclosed_bracket(content, at)
    line_start = content.rfind("\n", 0, at if opened is None else opened) + 1
    head = content[line_start : at if opened is None else opened]
    looped = _FOR_TARGETS.match(head) is not None
    if opened is not None:
        close = matching_paren(content, opened)
        if close is None or content[opened] not in "([":
            return None
        if head.strip() not in ("for", "async for", ""):
            return None
        listed, rest = content[opened + 1 : close], content[close + 1 :]
    else:
        if not looped and not re.match(r"\s*[A-Za-z_]", head):
            return None
        stop = re.compile(r"\s+in\s" if looped else r"\s*(?<![=!<>])=(?!=)").search(content, at)
        if stop is None or "\n" in content[at : stop.start()]:
            return None
        listed = content[line_start : stop.start()]
        listed = _FOR_TARGETS.sub("", listed, count=1) if looped else listed
        rest, close = content[stop.start() :], stop.start() - 1
    names = [piece.strip() for piece in split_top_level(listed) if piece.strip()]
    if len(names) < 2 or not all(re.fullmatch(r"[A-Za-z_]\w*", n) for n in names):
        return None
    ends = re.match(r"\s+in\s" if looped else r"\s*=(?!=)", rest)
    if ends is None:
        return None
    statement_end = line_end(content, close + 1)
    indent = len(content[line_start:]) - len(content[line_start:].lstrip(" \t"))
    return names, statement_end, indent, looped


_DEFINES_HERE = re.compile(r"\s*(?:@|(?:async\s+)?def\b|class\b)")
MAX_UNPACKED_REACH = 60  # lines below an assignment whose calls may pass what it unpacks


def _block_end(index: LineIndex, first: int, indent: int, looped: bool) -> int:
    """Where the lines from ``first`` end that stand in a loop's body (indented deeper than
    ``indent``) or, after an assignment, in its block (not less indented)."""
    last = first - 1
    for n in range(first, min(index.line_count, first + MAX_UNPACKED_REACH) + 1):
        text = index.line_text(n)
        if text.strip():
            depth = len(text) - len(text.lstrip(" \t"))
            if depth < indent or (looped and depth == indent):
                break
            if depth == indent and _DEFINES_HERE.match(text):
                break  # another function's: its names are its own
        last = n
    return index.line_bounds(last)[1]  # (the header's line's end when nothing is under it)


def _handed_on_at(index: LineIndex, place: int, text: str, line: int) -> Candidate:
    """The candidate putting ``text`` (an argument handed on) at ``place``, scored nearer the
    user's ``line`` higher."""
    edit = TextEdit(index.span(place, place), "", text)
    distance = abs(index.line_of(place) - line)
    return Candidate(edit.span, SIGNATURE, FORWARD_SCORE + nearness(0.05, distance), edit)


MIN_HANDED_ON = 3  # of the function's parameters a call passes by name: it hands them on


def _passed_between(arguments: str, first: str, second: str) -> int | None:
    """Where the argument ``second`` starts in ``arguments`` when ``first`` is the one
    before it, both passed by position as they are named; None if they are not so. (Before
    the second, as a call's new argument is put: the two are the same edit.)"""
    at = 0
    for piece, following in pairwise(split_top_level(arguments)):
        if piece.strip() == first and following.strip() == second:
            return at + len(piece) + 1 + len(following) - len(following.lstrip())
        at += len(piece) + 1
    return None


MAX_FORWARDED = 3  # parameters added side by side in one edit, handed on together
# an argument passed by keyword, or a mapping spread (`**options`): after either, no
# argument by position (not an arrow function, `err => ...`)
KEYWORD_ARGUMENT = re.compile(r"\s*(?:[\w$]+\s*=(?![=>])|\*\*)")


def _handed_on(arguments: Sequence[str], parameters: set[str]) -> bool:
    """Does some argument hand one of ``parameters`` on whole (`ctx`, `fts4=fts4`)?"""
    return any(
        (found := _HANDED_ON.fullmatch(a)) is not None
        and (found.group("name") or found.group("key")) in parameters
        for a in arguments
    )


def _same_named(content: str, opened: int, signature: SignatureChange) -> bool:
    """Is the call whose parenthesis stands at ``opened`` one of a function named as the one
    whose signature changed (its method on another object: `db[table].enable_fts(`)?"""
    called = re.search(r"(?<![\w$])([\w$]+)\s*$", content[max(0, opened - 200) : opened])
    return called is not None and called.group(1) == signature.header.name


# an argument that hands a parameter on whole: `timeout`, `*args`, `**kwargs`, `timeout=timeout`
_HANDED_ON = re.compile(
    r"\s*(?:\*\*|\*|\.\.\.)?(?P<name>[\w$]+)\s*|\s*(?P<key>[\w$]+)\s*=\s*(?P=key)\s*"
)


# above the model rewriting the line as a use of a name taken away (the finder's
# UNBOUND_SCORE, 0.8): what goes there is computed
UNFORWARD_SCORE = 0.82


# a call: the word before its parenthesis
_CALLED = re.compile(r"(?<![\w$])([\w$]+)\s*\(")
# words before a parenthesis that opens no call's arguments
_NOT_CALLS = frozenset(
    (
        *("return", "if", "elif", "else", "while", "for", "switch", "catch", "and", "or"),
        *("not", "in", "is", "yield", "await", "typeof", "with", "assert", "async"),
        *("function", "lambda", "case"),
    )
)
# after a parameter list (and its return type): an arrow's or a method's body
_DEFINED = re.compile(r"\s*(?::[^=\n{;()]*)?\s*(?:=>|\{)")


def _declares(content: str, opened: int, close: int) -> bool:
    """Do the parentheses at ``opened`` and ``close`` hold parameters (`def inner(`,
    `function (`, `(data, callback) =>`, `handle(data: string): void {`), not arguments?"""
    return _defines_before(content, opened) or _DEFINED.match(content, close + 1) is not None


def _defines_before(content: str, at: int) -> bool:
    """Does a definition's name end at ``at`` (`def inner`, `function handle`), read from its
    line (not the whole file before it: a body's every call asks)?"""
    return _DEFINES.search(content, content.rfind("\n", 0, at) + 1, at) is not None


def _bound_in(content: str, body: tuple[int, int], name: str) -> bool:
    """Is ``name`` given a value in the ``body`` of ``content`` (assigned, a loop's, a
    `with`'s or an `except`'s variable, a nested function's parameter)? Then where it is
    handed on, it is not the parameter taken out. (Read generously: a name wrongly taken
    for bound only leaves a call as it is.)"""
    text = content[body[0] : body[1]]
    word = re.escape(name)
    bound = (
        # at a statement's start, with spaces around `=` or not (but `timeout=timeout,` on a
        # line of its own is an argument)
        rf"^[ \t]*(?:(?:let|const|var)[ \t]+)?(?:[\w$]+[ \t]*,[ \t]*)*{word}(?:[ \t]*:[^=\n]*)?"
        rf"(?:[ \t]+=(?!=)|=(?!=)(?![^\n]*,[ \t]*$))",
        rf"(?<![\w$.]){word}[ \t]*(?:,[^\n=]*)?:=",  # `(timeout := …)`, Go's `timeout, ok :=`
        rf"\bas[ \t]+{word}\b",  # `with … as f`, `except … as err`
        rf"\bfor\b[ \t(]*(?:(?:let|const|var)[ \t]+)?[\w$, \t]*\b{word}\b",
        rf"\blambda\b[^:\n]*(?<![\w$.]){word}(?![\w$])",
        rf"(?<![\w$.]){word}[ \t]*=>",
    )
    if any(re.search(pattern, text, re.MULTILINE) for pattern in bound):
        return True
    for opened in (body[0] + m.start() for m in re.finditer(r"\(", text)):
        close = matching_paren(content, opened)
        if close is None or close > body[1] or not _declares(content, opened, close):
            continue
        if any(
            p.name == name for p in _parameters_in(split_top_level(content[opened + 1 : close]))
        ):
            return True
    return False


def _hands_on_gone(piece: str, gone: list[str], hands_on: bool) -> bool:
    """Is the argument ``piece`` one of the ``gone`` parameters handed on whole (a name
    alone only in a call that ``hands_on`` parameters)?"""
    found = _HANDED_ON.fullmatch(piece)
    name = None if found is None else found.group("name") or found.group("key")
    spelt = found is not None and (found.group("key") is not None or piece.strip() != name)
    return name in gone and (spelt or hands_on)


def _unforwarded(index: LineIndex, change: Change, signature: SignatureChange) -> list[Candidate]:
    """Parameters taken out (`**kwargs` of `get_password(service, username, **kwargs)`): the
    calls in the function's body that hand them on, as a whole argument (`**kwargs`,
    `*args`, `timeout=timeout`, or `timeout` last), no longer pass them; unless the body
    gives that name a value of its own."""
    (old, new), content = signature.lists, change.content
    kept = {p.name for p in new}
    # (a name still in the header is not gone: `{anyProcess, controller}` destructures)
    header = {m.group() for m in NAME.finditer(",".join(signature.pieces[1]))}
    gone = [p.name for p in old if p.name not in kept | header]
    body = _body(content, signature.header)
    if not gone or len(gone) != len(old) - len(new) or body is None:
        return []
    gone = [name for name in gone if not _bound_in(content, body, name)]
    line = index.line_of(change.start)
    candidates = []
    for call in _CALLED.finditer(content, body[0], body[1]):
        opened = call.end() - 1
        close = matching_paren(content, opened)
        if close is None or close > body[1] or call.group(1) in _NOT_CALLS:
            continue  # (`return (url, timeout)` is a tuple)
        if _declares(content, opened, close):
            continue  # `def inner(x, timeout=timeout):` and `(data, callback) =>` declare
        pieces = split_top_level(content[opened + 1 : close])
        # a name alone is handed on where the call hands on a parameter kept, too, and only
        # last or, in the function's own call, in its own place (taken from elsewhere, the
        # arguments after it would shift into its place: `canvas.line(0, 0, color, width)`)
        hands_on = any(p.strip().lstrip("*.") in kept for p in pieces)
        itself = call.group(1) == signature.header.name
        left = list(pieces)
        while left and (not left[-1].strip() or _hands_on_gone(left[-1], gone, hands_on)):
            left.pop()
        if len(left) < len(pieces) and not pieces[-1].strip():
            left.append(pieces[-1])  # the trailing comma of a list one argument a line
        left = [
            p
            for k, p in enumerate(left)
            if not _hands_on_gone(
                p, gone, hands_on and itself and k < len(old) and old[k].name == p.strip()
            )
        ]
        if len(left) == len(pieces):
            continue
        if left and left[0] is not pieces[0]:  # the first taken out: the next in its place
            lead = pieces[0][: len(pieces[0]) - len(pieces[0].lstrip())]
            left[0] = lead + left[0].lstrip()
        edit = narrowed_edit(content, opened + 1, close, ",".join(left))
        distance = abs(edit.span.start_line - line)
        candidates.append(
            Candidate(edit.span, SIGNATURE, UNFORWARD_SCORE + nearness(0.05, distance), edit)
        )
    return candidates


def _passed_by_keyword(name: str) -> re.Pattern[str]:
    """`name=name`, a whole argument."""
    return re.compile(rf"\s*{re.escape(name)}\s*=\s*{re.escape(name)}\s*")


# the word before a parenthesis a definition opens (`def inner(`, `function inner(`)
_DEFINES = re.compile(r"\b(?:def|function|func)\s+[\w$]+\s*\Z")


def _argument_at(arguments: str, argument: re.Pattern[str]) -> int | None:
    """Where the top-level argument ``argument`` matches whole in ``arguments`` (its first
    character past the spaces), if any: not inside a string or a nested call."""
    at = 0
    for piece in split_top_level(arguments):
        if argument.fullmatch(piece):
            return at + len(piece) - len(piece.lstrip())
        at += len(piece) + 1
    return None


def _before(content: str, argument: int, text: str) -> tuple[int, str]:
    """Where ``text`` goes as the argument before the one at ``argument``, and what is put
    there: on a line of its own, indented alike, when that argument begins its line."""
    line_start = content.rfind("\n", 0, argument) + 1
    lead = content[line_start:argument]
    if not lead.strip():
        return line_start, f"{lead}{text},\n"
    return argument, f"{text}, "


def _after_last(content: str, opened: int, close: int, text: str) -> tuple[int, str]:
    """Where ``text`` goes as the last argument of the call whose parentheses stand at
    ``opened`` and ``close``, and what is put there: on a line of its own when the last
    argument stands alone on its line (one argument a line), else after it."""
    given = content[opened + 1 : close]
    last_end = opened + 1 + len(given.rstrip().rstrip(",").rstrip())
    line_start = content.rfind("\n", 0, last_end) + 1
    line = content[line_start:last_end]
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    layout = "\n" in given.rstrip()  # one argument a line
    if layout and given.rstrip().endswith(","):
        return content.find("\n", last_end) + 1, f"{indent}{text},\n"
    if layout:
        return last_end, f",\n{indent}{text}"
    return last_end, f", {text}"


def _body(content: str, header: Header) -> tuple[int, int] | None:
    """Where the body of the function ``header`` opens stands: its braces, or (Python) its
    lines indented under the header's."""
    start = header.end
    if content[start : start + 1] == "{":
        close = matching_paren(content, start)
        return None if close is None else (start + 1, close)
    line_start = content.rfind("\n", 0, header.start) + 1
    # (the header's own line: ``header.start`` may be at its name or at the line's start)
    first_line = content[line_start : line_end(content, line_start)]
    indent = len(first_line) - len(first_line.lstrip())
    at = content.find("\n", start)
    end = at
    while at >= 0 and at + 1 < len(content):
        nxt = content.find("\n", at + 1)
        text = content[at + 1 : nxt if nxt >= 0 else len(content)]
        if text.strip() and len(text) - len(text.lstrip()) <= indent:
            break
        end = nxt if nxt >= 0 else len(content)
        at = nxt
    return None if end <= start else (start, end)


# A Go function's or method's header at a line's start, and a method's named receiver in it
# (`func (f *TextFormatter) needsQuoting(`: `f` and `TextFormatter`; type parameters allowed)
_GO_FUNC = re.compile(r"^func\b", re.MULTILINE)
_GO_HEADER = re.compile(
    r"func[ \t]+(?:\([ \t]*(?:(\w+)[ \t]+)?\*?[ \t]*(\w+)[^()\n]*\)[ \t]*)?(\w+)[ \t]*[\[(]"
)


def receiver_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A Go function made a method (`func needsQuoting(` to `func (f *TextFormatter)
    needsQuoting(`): its calls in the other methods of that type are made on their own
    receiver (`f.needsQuoting(`, `g.needsQuoting(`); a method made a function: its calls on
    the receiver of the method they stand in lose it. Calls elsewhere (a function that has
    no value of the type, another value's method) are left alone. [] for any other change."""
    before, content = change.before, change.content
    start = before.rfind("\n", 0, change.start) + 1
    was, now = _GO_HEADER.match(before, start), _GO_HEADER.match(content, start)
    if was is None or now is None or was.group(3) != now.group(3):
        return []
    name = now.group(3)
    given = was.group(2) is None and now.group(1) is not None
    taken = now.group(2) is None and was.group(1) is not None
    if not given and not taken:
        return []
    owner = (now if given else was).group(2)
    headers = [m.start() for m in _GO_FUNC.finditer(content)]
    made = [*change.earlier, (change.start, change.after_end)]
    line = index.line_of(change.start)
    header_end = line_end(content, start)
    candidates = []
    for call in re.finditer(rf"(?<![\w$]){re.escape(name)}[ \t]*\(", content):
        at = call.start()
        if start <= at < header_end or any(lo <= at < hi for lo, hi in made):
            continue
        k = bisect.bisect_left(headers, at) - 1
        method = _GO_HEADER.match(content, headers[k]) if k >= 0 else None
        if method is None or method.group(1) in (None, "_") or method.group(2) != owner:
            continue  # not in a method of that type: nothing to call it on
        receiver = method.group(1)
        if given:
            if content[at - 1 : at] == ".":
                continue  # called on something already
            edit = TextEdit(index.span(at, at), "", f"{receiver}.")
        else:  # taken: only a call on this method's own receiver loses it
            line_start = content.rfind("\n", 0, at) + 1
            on = re.search(
                rf"(?<![\w$.]){re.escape(receiver)}[ \t]*\.[ \t]*$", content[line_start:at]
            )
            if on is None:
                continue
            qualified = line_start + on.start()
            edit = TextEdit(index.span(qualified, at), content[qualified:at], "")
        distance = abs(index.line_of(at) - line)
        candidates.append(Candidate(edit.span, SIGNATURE, rename_score(distance), edit))
    return candidates


RESULT_SCORE = CALL_SCORE  # a use of a Go function whose results changed in number


def go_results(header: str, name: str) -> int | None:
    """How many results the Go function ``name`` whose header is ``header`` declares (`(n int,
    err error)`: two); None when its parameters' parentheses are not found."""
    found = _opening(header, name)
    close = matching_paren(header, found.end() - 1) if found is not None else None
    if found is None or close is None:
        return None
    rest = _uncommented(header[close + 1 :]).strip().removesuffix("{").strip()
    if not rest.startswith("("):
        return 1 if rest else 0
    end = matching_paren(rest, 0)
    return None if end is None else _count(rest[1:end])


# what stands before a call whose value is used: an assignment's `=` or `:=`, or `return`
_VALUE_TAKEN = re.compile(r"(?:[^=!<>:]=|:=|^\s*return)\s*$")


def result_candidates(
    index: LineIndex, change: Change, signature: SignatureChange, calls: Sequence[Occurrence]
) -> list[Candidate]:
    """A Go function's results made more or fewer (`(net.IP, error)` to `net.IP`, `error`
    added): the statements that take its calls' values (`i, err := s.fromString(v)`, `return
    handle(...)`), or, results added where there were none, its calls standing alone; and the
    `return` statements of its body that still give the old number of values. Each for the
    model to rewrite, nearest first."""
    header = signature.header
    counts = _before_and_after(change, header, signature.rename, go_results)
    if counts is None or counts[0] == counts[1]:
        return []
    old = counts[0]
    content = change.content
    places: list[tuple[int, int]] = []
    for o, _, line_start, lead in _calls_made(content, header, calls):
        if _VALUE_TAKEN.search(lead) is None and not (old == 0 and not lead.strip()):
            continue
        places.append((line_start, line_end(content, o.start)))
    body = _body(content, header)
    if body is not None and old > 0:
        places += _returns_of(content, *body, old)
    return _for_the_model(index, change, places)


def _calls_made(
    content: str, header: Header, calls: Sequence[Occurrence]
) -> Iterator[tuple[Occurrence, re.Match[str], int, str]]:
    """Each call of ``header``'s function outside its header: the use, its argument list's
    opening, its line's start and what stands before it there (less its receiver)."""
    for o in calls:
        if header.start <= o.start < header.end or o.role != USE:
            continue
        opened = _CALL.match(content, o.end)
        if header.method != (o.receiver is not None) or opened is None:
            continue
        line_start = content.rfind("\n", 0, o.start) + 1
        yield o, opened, line_start, re.sub(r"[\w$.]*$", "", content[line_start : o.start])


def _for_the_model(
    index: LineIndex, change: Change, places: Sequence[tuple[int, int]]
) -> list[Candidate]:
    """``places`` (start and end offsets) outside what the user edited, each for the model to
    rewrite, nearer the change scoring higher."""
    line = index.line_of(change.start)
    made = [*change.earlier, (change.start, change.after_end)]
    candidates = []
    for start, end in places:
        if any(lo < end and start < hi for lo, hi in made):
            continue
        score = RESULT_SCORE + nearness(0.1, abs(index.line_of(start) - line))
        candidates.append(Candidate(index.span(start, end), SIGNATURE, score, None))
    return candidates


def gives_nothing(header: str, name: str) -> bool | None:
    """Does the header of the function ``name`` say it gives back nothing (Python's `-> None`,
    TypeScript's `: void`, `: Promise<void>`)? None when it says nothing of it."""
    found = _opening(header, name)
    close = matching_paren(header, found.end() - 1) if found is not None else None
    if found is None or close is None:
        return None
    given = _GIVEN.match(_uncommented(header[close + 1 :]).strip())
    return None if given is None else _NOTHING.fullmatch(given.group(1).strip()) is not None


_GIVEN = re.compile(r"(?:->|:)\s*(.+?)\s*[:{]?$", re.DOTALL)  # `-> T:`, `: T {`
_NOTHING = re.compile(r"None|void|Promise<void>|Awaitable\[None\]")


def value_candidates(
    index: LineIndex, change: Change, signature: SignatureChange, calls: Sequence[Occurrence]
) -> list[Candidate]:
    """A function made to give back a value where it gave nothing (made_to_give_value: the
    caller asks): its calls standing alone as statements, whose value is dropped, each for
    the model to rewrite, nearest first."""
    content = change.content
    places = []
    for _, opened, line_start, lead in _calls_made(content, signature.header, calls):
        close = matching_paren(content, opened.end() - 1)
        if lead.strip() not in ("", "await") or close is None:
            continue
        if content[close + 1 : line_end(content, close)].strip() not in ("", ";"):
            continue  # the call goes on (`.then(...)`): its value is used
        places.append((line_start, line_end(content, close)))
    return _for_the_model(index, change, places)


def made_to_give_value(change: Change, signature: SignatureChange) -> bool:
    """Did the change make the function give back a value where its header said it gave
    nothing (`-> None` made `-> Callable`, `: void` made `: string`)?"""
    found = _before_and_after(change, signature.header, signature.rename, gives_nothing)
    return found == (True, False)


MAX_RETURN_LINES = 12  # lines of a `return` statement read for its values, at most
_RETURN = re.compile(r"^[ \t]*return\b", re.M)
_FUNC_LITERAL = re.compile(r"\bfunc\s*\(")


def _returns_of(content: str, start: int, end: int, count: int) -> list[tuple[int, int]]:
    """The lines of the `return` statements between ``start`` and ``end`` (a Go function's
    body) that give ``count`` values, read to the statement's end and without comments; not
    those of the function literals inside it (`sort.Slice(xs, func(i, j int) bool {`)."""
    nested = []
    for found in _FUNC_LITERAL.finditer(content, start, end):
        close = matching_paren(content, found.end() - 1)
        opened = -1 if close is None else content.find("{", close, end)
        shut = None if opened < 0 else matching_paren(content, opened)
        if shut is not None:
            nested.append((opened, shut))
    places = []
    for found in _RETURN.finditer(content, start, end):
        if any(low < found.start() < high for low, high in nested):
            continue
        stop = line_end(content, found.end())
        for _ in range(MAX_RETURN_LINES):  # a value over several lines: to its end
            if stop >= end or not _unclosed(_uncommented(content[found.end() : stop])):
                break
            stop = line_end(content, stop + 1)
        if _count(_uncommented(content[found.end() : stop])) == count:
            places.append((found.start(), line_end(content, found.end())))
    return places


def _unclosed(text: str) -> bool:
    return unclosed_bracket(text, len(text)) is not None
