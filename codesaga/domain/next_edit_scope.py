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

from codesaga.domain.edits import TextEdit
from codesaga.domain.next_edit_conventions import function_lines
from codesaga.domain.next_edit_imports import python_unimported
from codesaga.domain.next_edit_locations import LineIndex

MAX_USES = 64  # uses of a name read for where it is bound, at most

# a name read, not an attribute (`.name`) nor a keyword argument's name (`name=`, not `==`)
_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*+)(?![ \t]*+=(?!=))")
# names the written text binds itself: `for x in`, `as x`, `lambda x:`, `def x(`, `x :=`
_BOUND = re.compile(
    r"\b(?:for|as|lambda|def|class)[ \t]++([A-Za-z_]\w*+)|\b([A-Za-z_]\w*+)[ \t]*+:="
)
_DEF = re.compile(r"[ \t]*(?:async[ \t]+)?def[ \t]+")
_WORD = string.ascii_letters + string.digits + "_"
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
# the names an assignment's targets bind, at the statement's start (`x = …`, `a, b = …`,
# `x: int = …`; not a keyword argument's `x=`)
_TARGETS = re.compile(
    r"^[ \t]*+\(?+((?:[ \t]*+[\w*]++[ \t]*+,?+)++)\)?+[ \t]*+(?::[^=\n]*+)?+=(?!=)", re.MULTILINE
)
_PARAMETERS = re.compile(r"\bdef[ \t]+\w+[ \t]*\(([^)]*)\)")
# a string literal or a comment: its words are no names
_TEXT = re.compile(
    r"#[^\n]*"
    r"|(?:(?<!\w)[rRbBuUfF]{1,2})?(?:'''[\s\S]*?'''"
    r'|"""[\s\S]*?"""'
    r"|'(?:\\.|[^'\\\n])*'"
    r'|"(?:\\.|[^"\\\n])*")'
)


def unbound_by(index: LineIndex, edit: TextEdit, bound: Set[str] = frozenset()) -> list[str]:
    """The names ``edit`` of ``index``'s Python text makes its lines read that they did not
    and that are not bound there (its whole lines compared: `.name` is an attribute, `def
    name(` binds it), but those in ``bound`` (what the other edits suggested with it bind:
    a parameter given to a header and passed on in its body). None for a name put for a
    name (`query` made `query_str`): a local renamed, whose binding is renamed too."""
    old, new = _lines_of(index, edit)
    text = index.text
    start, end = index.offsets(edit.span)
    low = text.rfind("\n", 0, start) + 1
    left = start - low - len(text[low:start].rstrip(_WORD))
    right = len(text[end:]) - len(text[end:].lstrip(_WORD))
    word = new[start - low - left : start - low + len(edit.text) + right]
    was = text[start - left : end + right]
    if _IDENTIFIER.fullmatch(word) and _IDENTIFIER.fullmatch(was):
        return []
    line = edit.span.start_line
    while line > 1 and not index.line_text(line).strip():
        line -= 1  # lines put in at a blank line: in the block above it
    return [n for n in unbound_names(index, line, old, new) if n not in bound]


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


def unbound_names(index: LineIndex, line: int, old: str, new: str) -> list[str]:
    """The names ``new`` (whole lines written in place of ``old``, from line ``line`` of
    ``index``'s Python text) reads that ``old`` did not and that only other functions
    have, one of them binding it."""
    added = _read(new) - _read(old) - _bound(new)
    if not added or _DEF.match(new):  # (a header binds its parameters, reads globals)
        return []
    text = index.text
    here = _outermost(index, line)
    unbound = []
    for name in sorted(added):
        if keyword.iskeyword(name) or keyword.issoftkeyword(name):
            continue
        if not python_unimported(text, name):
            continue  # a builtin, or imported
        lines = [index.line_of(m.start()) for m in re.finditer(rf"(?<![\w.]){name}\b", text)]
        if len(lines) > MAX_USES or any(_scope(index, n, name) in (None, here) for n in lines):
            continue  # (a name used that often is no one function's local)
        # Only a name another function binds (not one it only reads: a global defined in
        # another module; nor one the file has nowhere, the user's to define next)
        if any(_binds(index.line_text(n), name) for n in lines):
            unbound.append(name)
    return unbound


def _read(code: str) -> set[str]:
    return {m[1] for m in _NAME.finditer(_TEXT.sub(" ", code))}


def _bound(code: str) -> set[str]:
    code = _TEXT.sub(" ", code)
    bound = {m[1] or m[2] for m in _BOUND.finditer(code)}
    # (a header's parameters; the words of its annotations too, which read only globals)
    for found in (_TARGETS, _PARAMETERS):
        bound |= {n for m in found.finditer(code) for n in _IDENTIFIER.findall(m[1])}
    return bound


def _scope(index: LineIndex, line: int, name: str) -> tuple[int, int] | None:
    """Where ``name`` on ``line`` is read or bound: the outermost function around the line,
    or the function it heads when ``name`` is one of its parameters (not its name)."""
    header = _DEF.match(index.line_text(line))
    if (
        header
        and line < index.line_count
        and not index.line_text(line).startswith(name, header.end())
    ):
        return _outermost(index, line + 1)
    return _outermost(index, line)


def _binds(line: str, name: str) -> bool:
    return name in _bound(line)


def _outermost(index: LineIndex, line: int) -> tuple[int, int] | None:
    """The lines of the outermost function ``line`` is in; None at the module's level."""
    found = function_lines(index, line)
    while found is not None:
        outer = function_lines(index, found[0])
        if outer is None or outer == found:
            return found
        found = outer
    return None
