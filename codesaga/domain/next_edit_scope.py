"""Whether the names a next edit writes can be read where it writes them (Python).

A name the user bound inside one function (`usekeys = self.keys()` put before its uses, a
local `catalog` read in a new test) is no name in another function: the same change made
there would read a name that is not bound (a `NameError`), so it is no next edit, however
alike the lines are. So a change is not suggested where it would read a name that the file
has only in other functions, one of them binding it (assigned, a parameter, a loop's or a
`with`'s target). A name is left alone when it stands at the module's level (an import, a
global, a class, a `def`), in the function around the place (the outermost one: a closure
reads its function's names), is a builtin, is read but bound nowhere in the file (defined
in another module, or the user's to define next), or is bound by another edit suggested
with it (a parameter added to a header and passed on in its body).
"""

from __future__ import annotations

import keyword
import re
import string
from collections.abc import Set
from itertools import islice

from codesaga.domain.edits import TextEdit
from codesaga.domain.next_edit_conventions import function_lines
from codesaga.domain.next_edit_imports import python_unimported
from codesaga.domain.next_edit_locations import LineIndex

MAX_USES = 64  # uses of a name read for where it is bound, at most

# a name read, not an attribute (`.name`) nor a keyword argument's name (`name=`, not `==`)
_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*+)(?![ \t]*+=(?!=))")
# names the written text binds itself: `for x in`, `as x`, `lambda x:`, `def x(`, `x :=`
_BOUND = re.compile(r"\b(?:def|class)[ \t]++([A-Za-z_]\w*+)|\b([A-Za-z_]\w*+)[ \t]*+:=")
# the targets a loop, a `with`/`except`/import's `as` or a lambda binds (`for k, (v, w) in`,
# `as (a, b)`, `lambda k, v=None:`): every name up to its `in` or `:` (read so far only: a
# target list is short, and a long line is read in linear time)
_LISTED = re.compile(
    r"\bfor[ \t]++([^\n:]{0,80}?)[ \t]in\b|\bas[ \t]++(\(?[\w \t,]*+\)?)"
    r"|\blambda\b([^:\n]{0,80}+):"
)
# a name a function declares its module's (`global registry`)
_GLOBAL = re.compile(r"^[ \t]*global[ \t]+([\w \t,]+)", re.MULTILINE)
_DEF = re.compile(r"[ \t]*(?:async[ \t]+)?def[ \t]+")
_WORD = string.ascii_letters + string.digits + "_"
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
# the names an assignment's targets bind, at the statement's start (`x = …`, `a, b = …`,
# `x: int = …`; not a keyword argument's `x=`)
_TARGETS = re.compile(
    r"^[ \t]*+\(?+((?:[ \t]*+[\w*]++[ \t]*+,?+)++)\)?+[ \t]*+(?::[^=\n]*+)?+=(?!=)", re.MULTILINE
)
_PARAMETERS = re.compile(r"^[ \t]*+(?:async[ \t]+)?def[ \t]++\w++[ \t]*+\(([^)]*+)\)", re.MULTILINE)
# a string literal or a comment: its words are no names
_TEXT = re.compile(
    r"#[^\n]*"
    r"|(?:(?<!\w)[rRbBuUfF]{1,2})?(?:'''[\s\S]*?'''"
    r'|"""[\s\S]*?"""'
    r"|'(?:\\.|[^'\\\n])*'"
    r'|"(?:\\.|[^"\\\n])*")'
)


class Scopes:
    """Where the names of one Python text are bound, read once for all the edits asked about
    (a request's candidates share the uses of a name and the functions around them)."""

    def __init__(self, index: LineIndex) -> None:
        self.index = index
        self._outermost: dict[int, tuple[int, int] | None] = {}
        self._uses: dict[str, list[int] | None] = {}
        self._globals: set[str] | None = None

    def unbound_by(self, edit: TextEdit, bound: Set[str] = frozenset()) -> list[str]:
        """The names ``edit`` makes its lines read that they did not and that are not bound
        there (its whole lines compared: `.name` is an attribute, `def name(` binds it), but
        those in ``bound`` (what the other edits suggested with it bind: a parameter given
        to a header and passed on in its body). None for a name put for a name (`query` made
        `query_str`): a local renamed, whose binding is renamed too."""
        index = self.index
        old, new = _lines_of(index, edit)
        text = index.text
        start, end = index.offsets(edit.span)
        low = text.rfind("\n", 0, start) + 1
        left = start - low - len(text[low:start].rstrip(_WORD))
        right = len(old) - (end - low) - len(old[end - low :].lstrip(_WORD))
        word = new[start - low - left : start - low + len(edit.text) + right]
        was = text[start - left : end + right]
        if _IDENTIFIER.fullmatch(word) and _IDENTIFIER.fullmatch(was):
            return []
        line = edit.span.start_line
        while line > 1 and not index.line_text(line).strip():
            line -= 1  # lines put in at a blank line: in the block above it
        return [n for n in self.unbound_names(line, old, new) if n not in bound]

    def unbound_names(self, line: int, old: str, new: str) -> list[str]:
        """The names ``new`` (whole lines written in place of ``old``, from line ``line``)
        reads that ``old`` did not and that only other functions have, one binding it."""
        added = _read(new) - _read(old) - _bound(new)
        if not added or _DEF.match(new):  # (a header binds its parameters, reads globals)
            return []
        here = self.outermost(line)
        if here is None and _indented(self.index.line_text(line)):
            # an indented line read as the module's: a string's lines at the left edge
            # ended the function early (`"""` of a query), so where it is, is not known
            return []
        unbound = []
        for name in sorted(added):
            lines = self._uses_of(name)
            if lines is None or any(self._scope(n, name) in (None, here) for n in lines):
                continue
            # Only a name another function binds (not one it only reads: a global defined
            # in another module; nor one the file has nowhere, the user's to define next)
            if any(name in _bound(self.index.line_text(n)) for n in lines):
                unbound.append(name)
        return unbound

    def outermost(self, line: int) -> tuple[int, int] | None:
        """The lines of the outermost function ``line`` is in; None at the module's level."""
        if line not in self._outermost:
            found = function_lines(self.index, line)
            if found is not None and found[0] != line:
                found = self.outermost(found[0]) or found  # (a def's line: its enclosing one)
            self._outermost[line] = found
        return self._outermost[line]

    def _uses_of(self, name: str) -> list[int] | None:
        """The lines that name ``name``; None when it is no one function's to bind: a
        keyword, a builtin, imported, declared `global`, or used too often to read."""
        if name not in self._uses:
            text = self.index.text
            uses: list[int] | None = None
            if not (keyword.iskeyword(name) or keyword.issoftkeyword(name)) and (
                python_unimported(text, name) and name not in self._declared_global()
            ):
                found = islice(re.finditer(rf"(?<![\w.]){name}\b", text), MAX_USES + 1)
                uses = [self.index.line_of(m.start()) for m in found]
                uses = uses if len(uses) <= MAX_USES else None  # (no one function's local)
            self._uses[name] = uses
        return self._uses[name]

    def _declared_global(self) -> set[str]:
        if self._globals is None:
            self._globals = {
                n for m in _GLOBAL.finditer(self.index.text) for n in _IDENTIFIER.findall(m[1])
            }
        return self._globals

    def _scope(self, line: int, name: str) -> tuple[int, int] | None:
        """Where ``name`` on ``line`` is read or bound: the outermost function around the
        line, or the function it heads when ``name`` is a parameter (not its name)."""
        text = self.index.line_text(line)
        header = _DEF.match(text)
        if header and line < self.index.line_count and not text.startswith(name, header.end()):
            return self.outermost(line + 1)
        return self.outermost(line)


def bound_by(index: LineIndex, edit: TextEdit) -> set[str]:
    """The names ``edit``'s lines bind once it is made."""
    return _bound(_lines_of(index, edit)[1])


def _lines_of(index: LineIndex, edit: TextEdit) -> tuple[str, str]:
    """The whole lines ``edit`` touches, before and after it."""
    text = index.text
    start, end = index.offsets(edit.span)
    low = text.rfind("\n", 0, start) + 1
    high = text.find("\n", end)
    high = len(text) if high < 0 else high
    return text[low:high], text[low:start] + edit.text + text[end:high]


def _indented(line: str) -> bool:
    return line[:1] in (" ", "\t")


def _read(code: str) -> set[str]:
    return {m[1] for m in _NAME.finditer(_TEXT.sub(" ", code))}


def _bound(code: str) -> set[str]:
    code = _TEXT.sub(" ", code)
    bound = {m[1] or m[2] for m in _BOUND.finditer(code)}
    # (a header's parameters; the words of its annotations too, which read only globals)
    for found in (_TARGETS, _PARAMETERS):
        bound |= {n for m in found.finditer(code) for n in _IDENTIFIER.findall(m[1])}
    for m in _LISTED.finditer(code):
        listed = m[1] or m[2] or m[3] or ""
        bound |= set(_IDENTIFIER.findall(re.sub(r"=[^,]*", "", listed)))  # (not defaults)
    return bound
