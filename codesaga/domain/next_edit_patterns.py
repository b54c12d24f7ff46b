"""The patterns a next edit repeats, each a pure decision over text and the occurrences of a
name the service found: a renamed identifier (the other occurrences get the same new name)
and a variable switched for another; a changed signature is next_edit_signatures.py's, a
changed line like others next_edit_similar.py's. See next_edit_locations.py for the
candidates and the rules they pass.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from codesaga.domain.completion import CLOSERS, OPENERS
from codesaga.domain.edits import TextEdit
from codesaga.domain.line_diff import common_ends
from codesaga.domain.next_edit_locations import (
    RENAME,
    SIMILAR,
    Candidate,
    Change,
    LineIndex,
    line_end,
    nearness,
    unclosed_bracket,
    unclosed_paren,
)
from codesaga.domain.symbol_refs import NOISE, call_at_cursor

NAME = re.compile(r"[A-Za-z_$][\w$]*")
# A string literal on one line: double, single or back quotes.
STRING_LITERAL = r""""(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`[^`\n]*`"""
STRING = re.compile(STRING_LITERAL)
# after an assignment's target: its `=` or an augmented one (`+=`, `//=`), not `==`
ASSIGNED_AFTER = re.compile(r"[ \t]*(?:[-+*/%&|^@]|//|\*\*|<<|>>)?=(?!=)")
_TOKEN = re.compile(rf"[A-Za-z_$][\w$]*|\d[\w.]*|{STRING_LITERAL}|\S")
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
# The same for one language: its keywords, and the builtins and types a one-place change
# swaps. Another language's keyword is a name there (`str` a JavaScript parameter, `func` a
# Python one); NOT_NAMES, all of them together, is for a language not listed.
_PYTHON_WORDS = (
    "False None True and as assert async await break class continue def del elif else except "
    "finally for from global if import in is lambda nonlocal not or pass raise return try "
    "while with yield self cls super int float str bytes bool complex list dict set tuple "
    "object type len print range isinstance map Any Optional Union List Dict Set Callable args "
    "kwargs"
)
_SCRIPT_WORDS = (
    "break case catch class const continue debugger default delete do else enum export "
    "extends false finally for function if import in instanceof new null return super "
    "switch this throw true try typeof var void while with yield let static implements "
    "interface package private protected public await async of undefined Array Promise Map "
    "Set Record String Number Boolean Object Error"
)
# TypeScript's types: in JavaScript, plain names (`function(string, location)`)
_TYPE_WORDS = "any unknown never string number boolean object type readonly"
_GO_WORDS = (
    "break case chan const continue default defer else fallthrough for func go goto if "
    "import interface map package range return select struct switch type var nil iota true "
    "false append complex delete len make new panic print "
    "bool byte complex64 complex128 error float32 float64 int int8 int16 int32 int64 rune "
    "string uint uint8 uint16 uint32 uint64 uintptr any"
)
_RESERVED = {
    "python": frozenset(_PYTHON_WORDS.split()),
    "javascript": frozenset(_SCRIPT_WORDS.split()),
    "typescript": frozenset(f"{_SCRIPT_WORDS} {_TYPE_WORDS}".split()),
    "go": frozenset(_GO_WORDS.split()),
}


def reserved_words(language: str | None) -> frozenset[str]:
    """The words a rename in ``language`` (a language id) never renames."""
    return _RESERVED.get(language or "", NOT_NAMES)


MAX_KEYS_RENAMED = 12  # objects' keys of one name renamed along with the user's, at most
_IMPORT_WORDS = frozenset(("from", "import", "as", "type"))  # an import's own words

# What an occurrence of a name is, where it stands.
USE = "use"
PARAMETER = "parameter"  # a function's parameter (its declaration)
LOCAL = "local"  # bound inside a function: assigned, declared, a nested definition
DEFINITION = "definition"  # a top-level function, class, type or variable
MEMBER_DEFINITION = "member definition"  # a method or field of a class or struct
KEY = "key"  # a keyword argument's or an object key's name: not the variable itself
SHORTHAND = "shorthand"  # `{name}`: an object key and the variable it takes the value of
BINDINGS = (DEFINITION, MEMBER_DEFINITION, PARAMETER, LOCAL)  # the roles that bind a name

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


# a comment's line: `#`, `//`, a block comment's `/*` or `*` (not `*args` or `**kwargs`)
COMMENT_LINE = re.compile(r"\s*(?:#|//|/\*|\*(?:\s|/|$))")


def balanced(text: str) -> bool:
    """Does ``text`` close every bracket it opens, and open every one it closes (brackets in
    its string literals left out: `", ("` opens none)?"""
    opened: list[str] = []
    for match in _TOKEN.finditer(text):
        char = match.group()
        if char in OPENERS:
            opened.append(char)
        elif char in CLOSERS and (not opened or opened.pop() != OPENERS[CLOSERS.index(char)]):
            return False
    return not opened


def is_name(word: str) -> bool:
    return NAME.fullmatch(word) is not None and word not in NOT_NAMES


def token_kind(word: str) -> str:
    """A token as its kind: "name", "number", "string"; any other token is its own kind."""
    if is_name(word):
        return "name"
    if word[:1].isdigit():
        return "number"
    return "string" if word[:1] in ("'", '"', "`") else word


def rename_score(distance: int, base: float = 0.8) -> float:
    """The score of a rename ``distance`` lines away: ``base`` to ``base`` + 0.2, nearer
    higher (a keyword's or key's from a lower base)."""
    return base + nearness(0.2, distance)


def repeat_score(distance: int) -> float:
    """The score of the user's edit repeated ``distance`` lines away: 0.5 to 0.6, nearer
    higher."""
    return 0.5 + nearness(0.1, distance)


def _after_dot(words: Sequence[tuple[str, int, int]], at: int) -> bool:
    """Does a dot (not the last of a spread's three) stand before ``words[at]``?"""
    dots = [w for w, _, _ in words[max(0, at - 2) : at]]
    return dots[-1:] == ["."] and dots != [".", "."]


_DEFINING = frozenset(("def", "function", "class", "func"))
MAX_RECEIVER_TOKENS = 12  # of a Go method's receiver, `(p *parser)`


def _defined_after(words: Sequence[tuple[str, int, int]], at: int) -> bool:
    """Does ``words[at]`` follow `def`, `function`, `class` or `func`, or a Go method's
    receiver (`func (p *parser) panic(`): a name being defined, whatever its spelling (a
    method `def print(self)`)?"""
    if at > 0 and words[at - 1][0] == ")":
        if at + 1 >= len(words) or words[at + 1][0] not in "([":
            return False  # `func(s string) string {`: a result's type
        for k in range(at - 2, max(-1, at - 2 - MAX_RECEIVER_TOKENS), -1):
            if words[k][0] in "()":
                return words[k][0] == "(" and k > 0 and words[k - 1][0] == "func"
        return False
    return at > 0 and words[at - 1][0] in _DEFINING


def _named(word: str, member: bool, reserved: frozenset[str] = NOT_NAMES) -> bool:
    """A name, or any word after a dot: a member (`table.append`, `Joi.func`) is no keyword
    or builtin, whatever its spelling."""
    return NAME.fullmatch(word) is not None and (member or word not in reserved)


def find_rename(change: Change, reserved: frozenset[str] = NOT_NAMES) -> Rename | None:
    """The one identifier the change renamed (at one place or several on its lines), when
    every identifier it changed became the same new one; None otherwise. ``reserved``: the
    words that are no identifier (reserved_words of the document's language)."""
    return find_renames(change, reserved)[0]


def find_renames(
    change: Change, reserved: frozenset[str] = NOT_NAMES
) -> tuple[Rename | None, list[Rename], list[Rename]]:
    """What the change renamed, read once: the one identifier (as find_rename), or else the
    several a change that did nothing but rename renamed alike (the same prefix or suffix
    put in place of another: `isStandardBrowserEnv || platform.isWebWorkerEnv` to
    `hasStandardBrowserEnv || platform.hasWebWorkerEnv`), and the several it renamed however
    unlike (`restrict_to=None, omit=None` to `keep=None, drop=None`: the caller judges them);
    (None, [], []) for anything else."""
    renames = _renames_in(change, reserved)
    if len(renames) == 1:
        return renames[0], [], []
    if len(renames) < 2 or not all(r.alone for r in renames):
        return None, [], []
    affixes = {_affix(r.old, r.new) for r in renames}
    return None, renames if len(affixes) == 1 and None not in affixes else [], renames


def _affix(old: str, new: str) -> tuple[str, str, str] | None:
    """How ``new`` differs from ``old`` at one end: ("prefix" or "suffix", the old piece,
    the new one); None when both ends differ, or neither does."""
    head, tail = common_ends(old, new)
    if (head == 0) == (tail == 0):
        return None
    if head == 0:
        return ("prefix", old[: len(old) - tail], new[: len(new) - tail])
    return ("suffix", old[head:], new[head:])


def _renames_in(change: Change, reserved: frozenset[str]) -> list[Rename]:
    """Each identifier the change replaced by another (one Rename per pair), all of them
    ``alone`` when the change did nothing else."""
    first = change.before.rfind("\n", 0, change.start) + 1
    before_stop = line_end(change.before, change.before_end)
    after_stop = line_end(change.content, change.after_end)
    if max(before_stop, after_stop) - first > MAX_CHANGED_CHARS:
        return []
    old_tokens = tokens(change.before, first, before_stop)
    new_tokens = tokens(change.content, first, after_stop)
    if max(len(old_tokens), len(new_tokens)) > MAX_CHANGED_TOKENS:
        return []
    matcher = difflib.SequenceMatcher(
        None, [t[0] for t in old_tokens], [t[0] for t in new_tokens], autojunk=False
    )
    # an import names what it imports, whatever its spelling (`from typing import Union`)
    imported = change.before[first:before_stop].lstrip().startswith(("from ", "import "))
    # an import of another form is no rename (`import asyncio` made `from asyncio import
    # sleep`: what it brought is imported by name now, not `asyncio` renamed `sleep`)
    if (
        imported
        and change.content[first:after_stop].split()[:1]
        != change.before[first:before_stop].split()[:1]
    ):
        return []
    sites: dict[tuple[str, str], list[int]] = {}
    alone = True
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag != "replace" or i2 - i1 != j2 - j1:
            alone = False
            continue
        for k, ((old, _, _), (new, at, _)) in enumerate(
            zip(old_tokens[i1:i2], new_tokens[j1:j2], strict=True)
        ):
            member = (
                _after_dot(old_tokens, i1 + k)
                or _defined_after(old_tokens, i1 + k)
                or (imported and old not in _IMPORT_WORDS)
            )
            # a builtin's name a local shadowed, given its own (`bytes` to `bytes_`), where
            # the changed lines bind it (not `this` made `_this`, `print` made `_print`)
            shadowed = new in (f"{old}_", f"_{old}") and _binds(
                change.before[first:before_stop], old
            )
            if (shadowed or _named(old, member, reserved)) and _named(new, member, reserved):
                sites.setdefault((old, new), []).append(at)
            else:
                alone = False
    return [Rename(old, new, tuple(at), alone) for (old, new), at in sites.items()]


def _binds(lines: str, name: str) -> bool:
    """Do ``lines`` assign ``name`` (`bytes = float(value)`, `type: str = ...`) or take it
    as a parameter (`def size(bytes, unit)`)?"""
    word = re.escape(name)
    assigned = rf"(?<![\w$.]){word}\s*(?::[^=\n]+)?=(?!=)"
    parameter = rf"\bdef\s+\w+\s*\([^)]*(?<![\w$.]){word}\s*[,):=]"
    return re.search(f"{assigned}|{parameter}", lines) is not None


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
    definitions; for a member's definition, any `_.name` (and plain ones in its class's own
    body, as a Python property's `@name.setter`: in a method, a plain name is not the
    class's); for a plain name, plain ones in ``scope``."""
    if site.receiver is not None:
        return [
            o
            for o in occurrences
            if o.receiver == site.receiver
            or _field_of_that_name(o.receiver, site.receiver)
            or (o.role == MEMBER_DEFINITION and o.receiver is None and not delegates(site, o))
        ]
    if site.role == MEMBER_DEFINITION:
        inside = site.container or (0, 0)
        return [
            o
            for o in occurrences
            if o.receiver is not None
            or o.role == MEMBER_DEFINITION
            or (
                o.role == USE and inside[0] <= o.start < inside[1] and o.functions == site.functions
            )
        ]
    low, high = scope
    return [
        o
        for o in occurrences
        if o.receiver is None and o.role not in (KEY, MEMBER_DEFINITION) and low <= o.start < high
    ]


def _field_of_that_name(receiver: str | None, named: str) -> bool:
    """Is ``receiver`` a field named as the variable ``named`` (`uploads[name].file` for
    `file`): most likely a value of the same kind, whose members are the same."""
    return (
        receiver is not None
        and NAME.fullmatch(named) is not None
        and receiver.endswith("." + named)
    )


def delegates(site: Occurrence, definition: Occurrence) -> bool:
    """Is ``site`` a call of a field's member inside the method of the same name that
    ``definition`` declares (`func (s Fs) Rename(…) { return s.client.Rename(…) }`): a wrapper
    handing its work on, whose own name the field's type does not decide?"""
    inner = site.functions[:1]
    return (
        site.receiver is not None
        and "." in site.receiver
        and bool(inner)
        and inner[0][0] <= definition.start < site.start
    )


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
    to `log.debug` where `log.debug` is used), and for a member of an expression (`f().name`)
    that this file does not define. A keyword argument's name is renamed in the other calls
    of its function. ``function``: the function whose parameter ``site`` is, whose calls'
    keyword arguments are renamed too."""
    if site.role == KEY:
        return _method_key_renames(index, change, rename, site, olds, news) + _keyword_renames(
            index, change, rename, site, olds
        )
    member_access = site.receiver is not None and site.role != MEMBER_DEFINITION
    if member_access and not site.receiver and not any(o.role == MEMBER_DEFINITION for o in olds):
        return []
    made = [*change.earlier, (change.start, change.after_end)]
    scope = rename_scope(site, olds, (0, len(change.content)))
    if site.role == DEFINITION and not site.functions:  # a module's own name
        news = _unshadowed(change.content, rename.new, news, olds)
    # (unless the old name is a misspelling of the new, bound nowhere: the others are fixed)
    misspelled = _misspelling(rename.old, rename.new) and not any(
        o.role in BINDINGS or _ASSIGNED_TO.match(change.content, o.end) for o in olds
    )
    for o in [] if misspelled else _same_thing(site, news, scope):
        if _value_of(change.content, site, o):
            continue
        if o.start not in rename.sites and not any(lo <= o.start < hi for lo, hi in made):
            return []
    line = index.line_of(change.start)
    candidates = []
    targets = _same_thing(site, olds, scope)
    if _assigned_from_itself(change.content, site, targets):
        # `query_str, args = compile(query)`: a new name for what the statement makes, the
        # old one still read by it: its uses after the statement, not the binding before
        statement_end = line_end(change.content, site.end)
        targets = [o for o in targets if o.start > statement_end]
    if site.role == PARAMETER and function is not None:
        targets += [o for o in olds if o.role == KEY and _keyword_of(change.content, o, function)]
    spots = [(o.start, o.end, o.role) for o in targets]
    if site.role == MEMBER_DEFINITION and site.container is not None:
        spots += _field_spots(change.content, site, rename.old, olds)
    for start, end, role in spots:
        distance = abs(index.line_of(start) - line)
        text = f"{rename.old}: {rename.new}" if role == SHORTHAND else rename.new
        edit = TextEdit(index.span(start, end), rename.old, text)
        candidates.append(Candidate(edit.span, RENAME, rename_score(distance), edit))
    return candidates


def _value_of(content: str, site: Occurrence, o: Occurrence) -> bool:
    """Is ``o`` in the value assigned to the member ``site`` defines, on its line (a class's
    `BasicLexer: Type[Lexer] = BasicLexer`): the module's name, not the member's."""
    if site.role != MEMBER_DEFINITION or o.receiver is not None or o.start < site.end:
        return False
    between = content[site.end : o.start]
    return "\n" not in between and _ASSIGNED_TO.match(content, site.end) is not None


_ASSIGNED_TO = re.compile(r"\s*(?:,\s*[\w.]+\s*)*(?::[^=\n]*)?=(?!=)")


def _unshadowed(
    content: str, name: str, occurrences: Sequence[Occurrence], olds: Sequence[Occurrence]
) -> list[Occurrence]:
    """``occurrences`` of ``name`` less the plain ones inside a function that declares or
    assigns ``name`` for itself (`_console = get_console()` is that function's own
    `_console`), unless it declares the name `global` (or `nonlocal`) or uses ``olds``
    there (a rename would hand those uses to its local). (Parameters are not counted: Go's
    `checkFunc checkFunc` names a parameter after its type.)"""
    declared = re.compile(
        rf"^[ \t]*(?:global|nonlocal)[ \t][^\n]*(?<![\w$]){re.escape(name)}\b", re.M
    )
    shadowing = {
        o.functions[0]  # (the innermost)
        for o in occurrences
        if o.role == LOCAL and o.functions and o.receiver is None
    }
    shadowing = {
        f
        for f in shadowing
        if not declared.search(content, f[0], f[1])
        and not any(f in o.functions for o in olds if o.receiver is None)
    }
    return [
        o
        for o in occurrences
        if o.receiver is not None or not any(f in o.functions for f in shadowing)
    ]


def _assigned_from_itself(content: str, site: Occurrence, targets: Sequence[Occurrence]) -> bool:
    """Is ``site`` assigned by a statement (on its line) that reads one of ``targets``?"""
    if _ASSIGNED_TO.match(content, site.end) is None:
        return False
    end = line_end(content, site.end)
    return any(site.end < o.start < end for o in targets)


LIKE_SCOPE_BASE = 0.6  # a rename repeated in another function binding the same name


def like_scope_renames(
    index: LineIndex, change: Change, rename: Rename, site: Occurrence, olds: Sequence[Occurrence]
) -> list[Candidate]:
    """A parameter or local renamed with every use in its function (`err` to `error`,
    `target` to `state` in one of a proxy handler's methods): the same name bound the same
    way in the functions beside it, renamed there with all its uses. Beside it: directly in
    the same function, or all at the top, and indented as it is (a class's or an object's
    methods, not the functions around them). Nothing while the renamed function still uses
    the old name (the rename is not done: rename_candidates' places). (A name made `_` is
    kept where it is unused by the caller, as every reading's places are.)"""
    if site.role not in (PARAMETER, LOCAL) or site.receiver is not None or not site.functions:
        return []
    own, parent = site.functions[0], site.functions[1:2]
    if any(own[0] <= o.start < own[1] for o in olds) or _passed_by_name(index.text, olds):
        return []
    indent = indent_at(index.text, own[0])
    scopes = {
        o.functions[0]
        for o in olds
        if o.role == site.role
        and o.functions
        and o.functions[1:2] == parent
        and indent_at(index.text, o.functions[0][0]) == indent
        and not _destructured(index.text, o)
    }
    beside = [o for o in olds if o.receiver is None and any(f in scopes for f in o.functions)]
    return _renamed_at(index, change, rename, beside, LIKE_SCOPE_BASE)


def _passed_by_name(content: str, olds: Sequence[Occurrence]) -> bool:
    """Is the name passed as a keyword argument somewhere (`h.on_close("x", err=None)`)? A
    parameter of that name renamed would break the call."""
    return any(o.role == KEY and not _object_key(content, o) for o in olds)


def _destructured(content: str, o: Occurrence) -> bool:
    """Is the parameter ``o`` a property destructured (`function f({ err, res })`)? Its name
    is the key it reads: renamed, it reads another."""
    if o.role != PARAMETER:
        return False
    opened = unclosed_bracket(content, o.start)
    return opened is not None and content[opened] in "{["


def unused_marked_renames(
    index: LineIndex, change: Change, rename: Rename, site: Occurrence, olds: Sequence[Occurrence]
) -> list[Candidate]:
    """A parameter its function does not use marked so (`err` to `_err`, as a linter asks):
    the parameters of that name elsewhere in the file that their functions do not use
    either (the other tests' callbacks), marked alike. Not one whose function uses it."""
    if rename.new != "_" + rename.old or site.role != PARAMETER or not site.functions:
        return []
    own = site.functions[0]
    if any(own in o.functions for o in olds) or _passed_by_name(change.content, olds):
        return []
    unused = [
        o
        for o in olds
        if o.role == PARAMETER
        and o.receiver is None
        and o.functions
        and not any(u is not o and o.functions[0] in u.functions for u in olds)  # used there
        and not _destructured(change.content, o)
    ]
    return _renamed_at(index, change, rename, unused, LIKE_SCOPE_BASE)


def indent_at(text: str, at: int) -> str:
    """The indentation of the line ``at`` is on."""
    start = text.rfind("\n", 0, at) + 1
    return _INDENT.match(text, start).group()  # type: ignore[union-attr]  # always matches


_INDENT = re.compile(r"[ \t]*")


_CLASS_NAME = re.compile(r"\s*class\s+([A-Za-z_]\w*)")
_INIT = re.compile(r"^[ \t]*def\s+__init__\s*\(", re.MULTILINE)
_SLOTS = re.compile(r"^[ \t]*__slots__\s*=\s*[(\[{]", re.MULTILINE)
_SELF_CLASS = ("cls", "__class__", "type(self)")  # what a class's methods construct it by
_CALLED = re.compile(r"(?:type\(self\)|[\w.]+)\s*$")
CALL_LOOKBACK = 3000  # characters searched back from a keyword argument for its call


def _callee_of(content: str, at: int) -> str:
    """What is called by the call whose argument stands at ``at`` (`cls`, `self.__class__`,
    `type(self)`); "" outside an argument list."""
    opened = unclosed_paren(content, at, CALL_LOOKBACK)
    found = None if opened is None else _CALLED.search(content, max(0, opened - 200), opened)
    return "" if found is None else found.group().strip()


def _field_spots(
    content: str, site: Occurrence, name: str, olds: Sequence[Occurrence]
) -> list[tuple[int, int, str]]:
    """A Python class's member ``name`` where it is named apart from its uses: its
    `__slots__` entry, and for a field declared in a class without an `__init__` (a
    dataclass, an attrs or pydantic model: its fields are its constructor's parameters) the
    keyword arguments of the class's own construction (`cls(name=…)`, `Retrying(name=…)`)."""
    assert site.container is not None
    low, high = site.container
    found = _CLASS_NAME.match(content, low)
    constructors = (*_SELF_CLASS, found.group(1)) if found is not None else _SELF_CLASS
    declared = content[site.end : site.end + 40].lstrip().startswith(":")
    generated = declared and _INIT.search(content, low, high) is None
    spots = []
    for o in olds if generated else ():
        if o.role == KEY and _callee_of(content, o.start).rsplit(".", 1)[-1] in constructors:
            spots.append((o.start, o.end, KEY))
    slots = _SLOTS.search(content, low, high)
    if slots is None:
        return spots
    opened = slots.end()  # a list of strings: its first closer is its own
    close = content.find(CLOSERS[OPENERS.index(content[opened - 1])], opened)
    for entry in re.finditer(rf"([\"']){re.escape(name)}\1", content[opened : max(close, opened)]):
        at = opened + entry.start() + 1
        spots.append((at, at + len(name), USE))
    return spots


_FUNCTION_VALUE = re.compile(r"\s*:\s*(?:async\s+)?(?:function\b|\([^()]*\)\s*=>|\w+\s*=>)")


def _method_key_renames(
    index: LineIndex,
    change: Change,
    rename: Rename,
    site: Occurrence,
    olds: Sequence[Occurrence],
    news: Sequence[Occurrence],
) -> list[Candidate]:
    """An object's key whose value is a function renamed (`findVariable: function(name)` to
    `lookup: function(name)`): a method, renamed where it is called as a member of this
    object (`this.`, the variable the object is assigned to on its line); not another value's
    method of that name (`this.items.push(x)` in a `push` method, a socket's `close()`), nor
    where a member of the new name is used already (another object's method)."""
    content = change.content
    value = _FUNCTION_VALUE.match(content, site.end)
    if value is None:
        return []
    if any(o.receiver is not None for o in news):
        return []
    opened = unclosed_bracket(content, site.start)
    line_start = 0 if opened is None else content.rfind("\n", 0, opened) + 1
    assigned = None if opened is None else _ASSIGNED_OBJECT.search(content, line_start, opened + 1)
    ours = {"this"} | ({assigned.group(1)} if assigned else set())
    made = [*change.earlier, (change.start, change.after_end)]
    calls = [
        o for o in olds if o.receiver in ours and not any(lo <= o.start < hi for lo, hi in made)
    ]
    return _renamed_at(index, change, rename, calls)


_ASSIGNED_OBJECT = re.compile(r"(?<![\w$])([A-Za-z_$][\w$]*)\s*=\s*\{$")


def _keyword_renames(
    index: LineIndex, change: Change, rename: Rename, site: Occurrence, olds: Sequence[Occurrence]
) -> list[Candidate]:
    """A keyword argument renamed in one call (`Attribute(default_value=x)` to `default=x`,
    `configure({columns: 80})` to `{helpWidth: 80}`): the same keyword in the other calls of
    that function, where the function's parameter was most likely renamed. Scored below a
    rename the file itself shows. An object's key (`children: {` to `keys: {`) that no other
    call of the function has: the same key in the other objects, scored lower still."""
    content = change.content
    made = [*change.earlier, (change.start, change.after_end)]
    keys = [o for o in olds if o.role == KEY and not any(lo <= o.start < hi for lo, hi in made)]
    call = call_at_cursor(content[: site.start])
    if call is not None:
        same_call = [o for o in keys if _keyword_of(content, o, call[1])]
        if same_call:
            return _renamed_at(index, change, rename, same_call, 0.6)
    if not _object_key(content, site):
        return []
    objects = [o for o in keys if _object_key(content, o)]
    if len(objects) > MAX_KEYS_RENAMED:
        return []  # a key every object has (`name:`, `type:`): one of them renamed
    return _renamed_at(index, change, rename, objects, 0.5)


def _renamed_at(
    index: LineIndex,
    change: Change,
    rename: Rename,
    places: Sequence[Occurrence],
    score: float = 0.8,
) -> list[Candidate]:
    """Each of ``places`` renamed, nearer the change scoring up to 0.2 above ``score``."""
    line = index.line_of(change.start)
    candidates = []
    for o in places:
        distance = abs(index.line_of(o.start) - line)
        edit = TextEdit(index.span(o.start, o.end), rename.old, rename.new)
        candidates.append(Candidate(edit.span, RENAME, rename_score(distance, score), edit))
    return candidates


def _object_key(content: str, key: Occurrence) -> bool:
    """Is ``key`` an object's key (`children: {`), not a keyword argument (`key=value`)?"""
    return content[key.end : key.end + 8].lstrip().startswith(":")


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
    typed = _annotates(change.content, site.start)  # (a type is no variable: nor the other way)
    uses = [
        o
        for o in olds
        if o.receiver is None
        and o.role == USE
        and o.functions[:1] == site.functions[:1]
        and _annotates(change.content, o.start) == typed
    ]
    return _switched(index, change, rename, uses)


def _annotates(text: str, at: int) -> bool:
    """Does the name at ``at`` begin an annotation's type (after a parameter's or a
    variable's `:`, not a slice's or a lambda's, or after `->`)?"""
    k = at - 1
    while k >= 0 and text[k] in " \t":
        k -= 1
    if text[k - 1 : k + 1] == "->":
        return True
    if k < 0 or text[k] != ":":
        return False
    before = text[text.rfind("\n", 0, k) + 1 : k].rstrip()
    if before.count("[") > before.count("]") or re.search(r"\blambda\b", before):
        return False
    return re.search(r"[\w$]\??$", before) is not None


def _switched(
    index: LineIndex, change: Change, rename: Rename, uses: Sequence[Occurrence]
) -> list[Candidate]:
    """Each of ``uses`` of ``rename.old`` switched to ``rename.new``, but where the user's
    recent edits are, nearest first scoring highest."""
    made = [*change.earlier, (change.start, change.after_end)]
    line = index.line_of(change.start)
    candidates = []
    for o in uses:
        if any(lo <= o.start < hi for lo, hi in made):
            continue
        distance = abs(index.line_of(o.start) - line)
        edit = TextEdit(index.span(o.start, o.end), rename.old, rename.new)
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(distance), edit))
    return candidates


def qualifier_candidates(
    index: LineIndex,
    change: Change,
    rename: Rename,
    site: Occurrence,
    olds: Sequence[Occurrence],
    news: Sequence[Occurrence],
) -> list[Candidate]:
    """One module's function called from another (`asyncio.iscoroutinefunction(obj)` to
    `inspect.iscoroutinefunction(obj)`, the first deprecated): the same member's other uses
    through the old module, wherever they are. Only where both names are modules: bound by
    nothing but imports (a Go package by none) and used as nothing but qualifiers (`name.`)
    outside imports; a variable's member switched is not (`cache.get(k)` made
    `fallback.get(k)`, `requests.get` made a parameter's `session.get`)."""
    content = change.content
    member = _QUALIFIED.match(content, site.end)
    if site.receiver is not None or site.role != USE or member is None:
        return []
    uses = _module_uses(content, index, olds)
    if not uses or _module_uses(content, index, news) is None:
        return []
    called = [
        o
        for o in uses
        if (there := _QUALIFIED.match(content, o.end)) and there.group(1) == member.group(1)
    ]
    return _switched(index, change, rename, called)


def _imports(index: LineIndex, o: Occurrence) -> bool:
    """Does ``o`` stand in an import: a line of one (`import asyncio`, `const util =
    require("util")`), or a name of a parenthesized one (`from . import (` above it)?"""
    line = index.line_of(o.start)
    text = index.line_text(line)
    if _IMPORTING.match(text) or _REQUIRED.search(text):
        return True
    for above in range(line - 1, max(0, line - MAX_IMPORT_LINES), -1):
        text = index.line_text(above)
        if ")" in text:
            return False
        if _IMPORT_OPENED.match(text):
            return True
    return False


MAX_IMPORT_LINES = 40  # names of a parenthesized import, one a line, looked back over
_REQUIRED = re.compile(r"=\s*require\s*\(")  # CommonJS: `const util = require("util")`
_IMPORT_OPENED = re.compile(r"\s*from\s+\S+\s+import\s*\(")


def _module_uses(
    content: str, index: LineIndex, occurrences: Sequence[Occurrence]
) -> list[Occurrence] | None:
    """``occurrences`` outside imports, when they read as a module's name: bound only by
    imports, used only as a qualifier (`name.member`) outside them; None otherwise."""
    uses = []
    for o in occurrences:
        if _imports(index, o):
            continue
        if o.role != USE or o.receiver is not None or not _QUALIFIED.match(content, o.end):
            return None
        uses.append(o)
    return uses


_QUALIFIED = re.compile(r"\s*\.\s*([A-Za-z_$][\w$]*)")
_IMPORTING = re.compile(r"\s*(?:from|import)\s")  # `from asyncio import X` names the module


def _keyword_of(content: str, key: Occurrence, function: str) -> bool:
    """Is ``key`` a keyword argument in a call of ``function`` (`function(x, key=1)`)?"""
    call = call_at_cursor(content[: key.start])
    return call is not None and call[1] == function


# Go's import of a package under a name of its own: `log "github.com/sirupsen/logrus"`
_GO_IMPORT = re.compile(r'^\s*(?:import\s+)?(?:([A-Za-z_]\w*)\s+)?"([^"\n]*/)?([A-Za-z_]\w*)"\s*$')


def alias_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A Go import's own name taken away or given (`log "…/logrus"` to `"…/logrus"`): each
    use of the old qualifier (`log.Level`) qualified by the new one (`logrus.Level`); [] for
    any other change."""
    before, content = change.before, change.content
    start = before.rfind("\n", 0, change.start) + 1
    was = _GO_IMPORT.match(before[start : line_end(before, change.before_end)])
    now = _GO_IMPORT.match(content[start : line_end(content, change.after_end)])
    if was is None or now is None or was.group(2, 3) != now.group(2, 3):
        return []
    old, new = was.group(1) or was.group(3), now.group(1) or now.group(3)
    if old == new or "_" in (old, new) or "." in (old, new):
        return []
    made = [*change.earlier, (change.start, change.after_end)]
    line = index.line_of(change.start)
    candidates = []
    for use in re.finditer(rf"(?<![\w$.]){re.escape(old)}(?=\.[A-Za-z_])", content):
        if any(lo <= use.start() < hi for lo, hi in made):
            continue
        edit = TextEdit(index.span(use.start(), use.end()), old, new)
        distance = abs(index.line_of(use.start()) - line)
        candidates.append(Candidate(edit.span, RENAME, rename_score(distance), edit))
    return candidates


MIN_MISSPELLED = 8  # characters of a name read as misspelled, at least


def _misspelling(old: str, new: str) -> bool:
    """Is ``old`` a misspelling of ``new`` (`headerSent` for `headersSent`): a letter
    inserted, dropped or replaced inside a long name? Not at either end, where names that
    differ are other names (`_value` and `value`, `result` and `results`), nor a digit."""
    if min(len(old), len(new)) < MIN_MISSPELLED or any(c.isdigit() for c in old + new):
        return False
    changed = [
        op for op in difflib.SequenceMatcher(None, old, new).get_opcodes() if op[0] != "equal"
    ]
    if len(changed) != 1:
        return False
    _, i1, i2, j1, j2 = changed[0]
    return max(i2 - i1, j2 - j1) == 1 and i1 > 0 and i2 < len(old) and j2 < len(new)


def word_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """``start``..``end`` widened to whole words at either end."""
    while (
        start > 0
        and (text[start - 1].isalnum() or text[start - 1] in "_$")
        and (start == end or text[start].isalnum() or text[start] in "_$")
    ):
        start -= 1
    while (
        end < len(text)
        and (text[end].isalnum() or text[end] in "_$")
        and (end == start or text[end - 1].isalnum() or text[end - 1] in "_$")
    ):
        end += 1
    return start, end
