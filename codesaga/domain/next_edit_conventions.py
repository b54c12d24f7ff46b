"""Edits that a language's conventions make follow from the user's, computed.

Each rule reads one narrow kind of change and answers with every place the same convention
now asks for, each with its edit, or [] for any other change:
- a name imported into a module that re-exports its imports in ``__all__``: its entry;
- a JavaScript `let` or `var` made `const`: the file's other declarations of that keyword
  whose names are never assigned again; a `var` made `let`: the other `var`s `let` allows;
- a function made `async` (or no longer): `await` before its calls (or taken away);
- a redundant Python `pass` deleted (its block has another statement): the file's others;
  a redundant Go `return` deleted (the last statement of a function that returns nothing):
  the other functions' last bare `return`s;
- a Python statement's `;` taken from a line's end: the other lines' ending `;`s;
- a Python bare `except:` given `BaseException` or `Exception`: the other bare ones;
- the parentheses taken from around a Python `return`'s tuple: the other such returns';
- ` is not None` put after the name an `assert` or `if` tests: the other such tests;
- a list comprehension unpacked into names made a generator: the others unpacked so;
- `in` before a string literal made `==`: the same operand's other such tests;
- a Python 2 `print x` made `print(x)`: the other print statements, in code or strings;
- two Python strings side by side on one line joined: the other such pairs;
- a name's `None` (assigned, a parameter's default) made a sentinel: its `is None` tests;
- `encoding=` given to a call that opens a file as text: the other such calls;
- a Python `str.format` string's field numbers taken away (`'{0}'` made `'{}'`): the other
  format strings' numbers, where they are in order, each once;
- a line that only printed deleted (a debugging line): the file's few other such lines;
- a Python handler's unused name taken away (`except E as e:` made `except E:`): the
  other handlers' names their bodies do not use;
- a module specifier given Node's `node:` prefix, or a relative one its file extension: the
  file's other specifiers of the kind, alike;
- Go's `if err != nil { … }` added after a call that assigns `err`: after the others left
  unchecked (in functions that have what the check uses);
- a Python import moved to the module's top (added there, or deleted from a function that
  the top now serves): its copies inside functions, deleted;
- a trailing comma put after the last argument or parameter before the line that closes
  them: the other such lists laid out one item a line;
- a long line wrapped, the items in one of its brackets put on lines of their own and
  nothing else changed (a formatter's line limit): the other lines as long, wrapped alike;
- a name imported at the module's top that another of its imports binds too: taken out of
  that one (it was moved: `Sequence` from `typing` to `collections.abc`).
The caller leaves out places in comments and strings."""

from __future__ import annotations

import bisect
import re
import string
from collections.abc import Callable
from functools import partial
from itertools import accumulate, pairwise

from codesaga.domain.edits import TextEdit, narrowed_edit
from codesaga.domain.next_edit_imports import listed_names
from codesaga.domain.next_edit_locations import (
    SIMILAR,
    Candidate,
    Change,
    LineIndex,
    line_end,
    nearness,
    slid_insertions,
    unclosed_bracket,
    unclosed_paren,
)
from codesaga.domain.next_edit_patterns import (
    COMMENT_LINE,
    STRING,
    balanced,
    repeat_score,
    word_bounds,
)
from codesaga.domain.next_edit_signatures import (
    KEYWORD_ARGUMENT,
    code_chars,
    matching_paren,
    split_top_level,
)

_NAME = r"[A-Za-z_$][\w$]*"

# -- an imported name's entry in __all__ -----------------------------------------------------

_IMPORTED = re.compile(rf"^[\s,]*({_NAME})(?:\s+as\s+({_NAME}))?[\s,]*$")
_ALL = re.compile(r"^__all__\s*(?::[^=\n]*)?=\s*([\[(])", re.MULTILINE)
_ENTRY = re.compile(r"""(['"])([A-Za-z_]\w*)\1""")


def exported_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A name added to a Python import (`from .api import decode, decode_complete`) in a
    module whose ``__all__`` lists what it imports: the name's entry, where the list keeps
    its order (sorted, or beside the name's neighbour in the import), in its entries' style.
    (Not an entry taken out with a name taken out of an import: on the broad samples those
    names were moved to another import, not dropped.)"""
    # the insertion as the user typed it, where the diff aligned it across a name's end
    found = next(filter(None, map(_IMPORTED.match, slid_insertions(change))), None)
    if found is None or "\n" in found.group(0).strip():
        return []
    name = found.group(2) or found.group(1)
    statement = _import_statement(change.content, change.start)
    entries = _all_entries(change.content)
    if statement is None or entries is None or len(entries) < 2:
        return []
    bound = _bound_names(statement)
    if name not in bound:
        # a piece typed onto a name (`get_pip_` before one) is a rename, not a name added;
        # a name typed before a longer one (`, decode` before `_complete`) is bound
        return []
    names = [n for n, _, _ in entries]
    others = [n for n in bound if n != name]
    # a module that lists its imports to re-export them, not its own API (where an import
    # of `Callable` is no entry): most of the statement's other names are listed
    if name in names or not others or 2 * sum(n in names for n in others) < len(others):
        return []
    place = _entry_added(change.content, entries, name, bound)
    if place is None:
        return []
    start, end, text = place
    edit = TextEdit(index.span(start, end), change.content[start:end], text)
    line = index.line_of(change.start)
    return [Candidate(edit.span, SIMILAR, repeat_score(abs(edit.span.start_line - line)), edit)]


def entry_renamed(change: Change) -> tuple[str, str] | None:
    """A Python module's ``__all__`` entry renamed by ``change`` (`'throw'` made `'omit'`):
    (the old name, the new one); None for any other change."""
    before, after = _all_entries(change.before), _all_entries(change.content)
    if before is None or after is None or len(before) != len(after):
        return None
    for (old, low, _), (new, start, end) in zip(before, after, strict=True):
        if start <= change.start and change.after_end <= end and low == start:
            return (old, new) if old != new else None
    return None


def renamed_entry_candidates(
    index: LineIndex, change: Change, old: str, new: str
) -> list[Candidate]:
    """A name a Python import binds renamed (``old`` to ``new``: the name imported, or its
    `as` name) in a module whose ``__all__`` lists ``old`` and not ``new``: that entry,
    renamed."""
    statement = _import_statement(change.content, change.start)
    entries = _all_entries(change.content)
    if statement is None or entries is None or new not in _bound_names(statement):
        return []
    names = [n for n, _, _ in entries]
    if old not in names or new in names:
        return []
    _, start, end = entries[names.index(old)]
    edit = narrowed_edit(change.content, start + 1, end - 1, new)
    line = index.line_of(change.start)
    return [Candidate(edit.span, SIMILAR, repeat_score(abs(edit.span.start_line - line)), edit)]


Place = tuple[int, int, str]  # content[start:end] is to become the text


def _import_statement(text: str, at: int) -> str | None:
    """The `from ... import ...` statement ``at`` is in (its text), or None."""
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    if re.match(r"from\s+\S+\s+import\b", line):
        if "(" in line and ")" not in line:
            close = text.find(")", at)
            return text[line_start : close + 1] if close >= 0 else None
        return line
    opened = text.rfind("(", 0, at)
    if opened < 0 or ")" in text[opened:at]:
        return None
    head_start = text.rfind("\n", 0, opened) + 1
    if not re.match(r"from\s+\S+\s+import\s*\($", text[head_start : opened + 1]):
        return None
    close = text.find(")", at)
    return text[head_start : close + 1] if close >= 0 else None


def _bound_names(statement: str) -> list[str]:
    """The names an import statement binds, in order."""
    return listed_names(statement.split(" import ", 1)[-1])


def _all_entries(content: str) -> list[tuple[str, int, int]] | None:
    """``__all__``'s entries (name, start and end of the quoted entry); None when the
    module has no such list of plain strings."""
    found = _ALL.search(content)
    if found is None:
        return None
    closer = "]" if found.group(1) == "[" else ")"
    close = content.find(closer, found.end())
    if close < 0:
        return None
    body = content[found.end() : close]
    if re.search(r"[\[\](){}+*]", re.sub(r"#[^\n]*", "", body)):
        return None  # computed or nested: not a list to keep by hand
    return [(m[2], found.end() + m.start(), found.end() + m.end()) for m in _ENTRY.finditer(body)]


def _entry_added(
    content: str,
    entries: list[tuple[str, int, int]],
    name: str,
    imported: list[str],
) -> Place | None:
    names = [n for n, _, _ in entries]
    quote = content[entries[0][1]]
    after = _neighbour_place(names, name, imported)
    order = _sort_key(names)
    if order is not None:
        keys = [order(n) for n in names]
        if not _in_order(keys, after, order(name)):
            after = _sorted_place(keys, order(name))
    one_per_line = all(
        content[content.rfind("\n", 0, s) + 1 : s].strip() == "" for _, s, _ in entries
    )
    entry = f"{quote}{name}{quote}"
    if one_per_line:
        first = entries[0][1]
        indent = content[content.rfind("\n", 0, first) + 1 : first]
        if after + 1 < len(entries):  # a line of its own before the next entry's
            at = content.rfind("\n", 0, entries[after + 1][1]) + 1
            return at, at, f"{indent}{entry},\n"
        last_end = entries[-1][2]
        if content[last_end : last_end + 1] == ",":
            at = content.find("\n", last_end) + 1
            return (at, at, f"{indent}{entry},\n") if at > 0 else None
        return last_end, last_end, f",\n{indent}{entry}"
    if after + 1 < len(entries):
        at = entries[after + 1][1]
        return at, at, f"{entry}, "
    return entries[-1][2], entries[-1][2], f", {entry}"


def _neighbour_place(names: list[str], name: str, imported: list[str]) -> int:
    """The entry ``name`` goes after (-1: first): its neighbour's in the import, before it
    or else after it; the last when neither is listed."""
    at = imported.index(name) if name in imported else -1
    before = [n for n in imported[:at] if n in names] if at >= 0 else []
    after = [n for n in imported[at + 1 :] if n in names] if at >= 0 else []
    if before:
        return names.index(before[-1])
    if after:
        return names.index(after[0]) - 1
    return len(names) - 1


def _in_order(names: list[str], after: int, name: str) -> bool:
    """Would ``name`` after ``names[after]`` stand in order with its new neighbours?"""
    low = after < 0 or names[after] < name
    return low and (after + 1 >= len(names) or name < names[after + 1])


def _sort_key(names: list[str]) -> Callable[[str], str] | None:
    """How the list is sorted, if at least 80 % of neighbouring entries are in order (a
    sorted list with a few constants first, say): as is, or ignoring case; None if not."""
    for key in (_as_is, str.lower):
        keys = [key(n) for n in names]
        if sum(a < b for a, b in pairwise(keys)) >= 0.8 * (len(names) - 1):
            return key
    return None


def _as_is(name: str) -> str:
    return name


def _sorted_place(names: list[str], name: str) -> int:
    """The entry ``name`` goes after (-1: first) in a mostly sorted list: between two it
    sorts between, in the longest run of sorted entries."""
    runs = [1] * len(names)  # the length of the sorted run each entry is in
    start = 0
    for at in range(1, len(names) + 1):
        if at == len(names) or names[at - 1] >= names[at]:
            runs[start:at] = [at - start] * (at - start)
            start = at
    best, best_run = len(names) - 1, 0
    for at in range(len(names) + 1):
        low = at == 0 or names[at - 1] < name
        high = at == len(names) or name < names[at]
        run = max(runs[at - 1] if at else 0, runs[at] if at < len(names) else 0)
        if low and high and run > best_run:
            best, best_run = at - 1, run
    return best


# -- `let` and `var` made `const` ------------------------------------------------------------

_DECLARED = re.compile(rf"\s+({_NAME}|\{{[^{{}}=]*\}}|\[[^\[\]=]*\])\s*(=(?![=>])|\s(?:of|in)\s)")
_ASSIGN = r"\s*(?:[-+*/%&|^]|\*\*|<<|>>>?|&&|\|\||\?\?)?=(?![=>])"


def const_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A JavaScript `let` or `var` made `const`: each other declaration with that keyword
    whose names are given a value once (none assigned again anywhere in the file: the same
    name in another function assigned again keeps its `let`, as a linter's prefer-const
    would not be sure either). A `var` made `let`: each other `var` whose names the file
    does not use before it nor declare again (where `let` would throw)."""
    old, new = _word_at(change.before, change.start), _word_at(change.content, change.start)
    if old is None or new is None or (old[0], new[0]) not in _KEYWORDS_MADE:
        return []
    if change.after_end > new[2] or change.before_end > old[2]:
        return []
    content = change.content
    line = index.line_of(change.start)
    candidates = []
    for found in re.finditer(rf"(?<![\w$.]){old[0]}\b", content):
        declared = _DECLARED.match(content, found.end())
        if declared is None or index.line_of(found.start()) == line:
            continue
        bound = re.findall(_NAME, re.sub(rf"{_NAME}\s*:", "", declared.group(1)))
        if new[0] == "let":
            if not bound or any(_hoisted(content, name, found.start()) for name in bound):
                continue
        elif not bound or any(_reassigned(content, name, declared.end(1)) for name in bound):
            continue
        edit = TextEdit(index.span(found.start(), found.end()), old[0], new[0])
        number = index.line_of(found.start())
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates


# `let` or `var` made `const` (never assigned again), `var` made `let` (a block's own)
_KEYWORDS_MADE = (("let", "const"), ("var", "const"), ("var", "let"))


def _hoisted(content: str, name: str, declared_at: int) -> bool:
    """Does the file use ``name`` before its `var` declaration at ``declared_at``, or declare
    it with `var` again? `let` would then throw (used before its line, or declared twice)."""
    escaped = re.escape(name)
    if re.search(rf"(?<![\w$.]){escaped}(?![\w$])", content[:declared_at]):
        return True
    return len(re.findall(rf"(?<![\w$.])var\s+{escaped}(?![\w$])", content)) > 1


def _word_at(text: str, at: int) -> tuple[str, int, int] | None:
    """The word (letters only) ``at`` is in or just before, with its bounds."""
    start = at
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    end = at
    while end < len(text) and text[end].isalpha():
        end += 1
    return (text[start:end], start, end) if end > start else None


def _reassigned(content: str, name: str, declared_at: int) -> bool:
    """Is ``name`` assigned (or incremented) anywhere but where it was declared?"""
    escaped = re.escape(name)
    for found in re.finditer(rf"(?<![\w$.]){escaped}{_ASSIGN}", content):
        if found.start() + len(name) != declared_at:
            return True
    return (
        re.search(rf"(?:\+\+|--){escaped}\b|(?<![\w$.]){escaped}\s*(?:\+\+|--)", content)
        is not None
    )


# -- a function made `async`: its calls awaited ----------------------------------------------

_DEFINED_AFTER = re.compile(rf"(?:def|function\*?)\s+({_NAME})\s*\(|({_NAME})\s*\(")
_DEFINED_BEFORE = re.compile(rf"({_NAME})\s*[:=]\s*$")
_METHOD = re.compile(r"[\w$]+\s*\([^)]*\)\s*(?::[^={]*)?\{\s*$")


def await_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A function (or method) made `async`: `await` before each of its calls not awaited
    yet; `async` taken off one: the `await` before its calls taken off. Calls passed as an
    argument (`create_task(fetch())`) are left as they are: they may be meant as they are."""
    added = change.inserted.strip() == "async" and not change.removed
    removed = change.removed.strip() == "async" and not change.inserted
    content, end = change.content, change.start if removed else change.after_end
    line = index.line_of(change.start)
    if added or removed:
        line_start = content.rfind("\n", 0, change.start) + 1
        blank = len(content[end:]) - len(content[end:].lstrip())
        after = _DEFINED_AFTER.match(content, end + blank)
        before = _DEFINED_BEFORE.search(content, line_start, change.start)
        name = (after.group(1) or after.group(2)) if after else before.group(1) if before else None
    else:  # the header rewritten with more (a comment above, a linter's directive after)
        rewritten = _made_async(index, change)
        if rewritten is None:
            return []
        name, added, line = rewritten
        removed = not added
    if name is None or name in ("function", "def", "await"):
        return []
    candidates = []
    for found in re.finditer(rf"(?<![\w$]){re.escape(name)}\s*\(", content):
        number = index.line_of(found.start())
        first, last = index.line_bounds(number)
        start = _expression_start(content, found.start(), first)
        lead = content[first:start]
        if number == line or re.search(r"(?:def|function\*?)\s+$|[(,]\s*$", lead):
            continue  # the definition, another of the same name, or an argument
        if start == found.start() and _METHOD.match(content[start:last]):
            continue  # a JavaScript method of the same name, defined
        awaited = re.search(r"await\s+$", lead)
        if added and awaited is None:
            edit = TextEdit(index.span(start, start), "", "await ")
        elif removed and awaited is not None:
            at = start - len(awaited.group(0))
            edit = TextEdit(index.span(at, start), awaited.group(0), "")
        else:
            continue
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates


_ASYNC_DEF = re.compile(r"\basync\s+(?:def|function\*?)\s+([\w$]+)")
_PLAIN_DEF = re.compile(r"(?<!async )\b(?:def|function\*?)\s+([\w$]+)")


def _made_async(index: LineIndex, change: Change) -> tuple[str, bool, int] | None:
    """A change of whole lines that made one function `async` (or no longer) among other
    edits of them: its name, whether `async` was added, and its header's line."""
    if "async" not in change.inserted + change.removed:
        return None
    before, content = change.before, change.content
    old = before[before.rfind("\n", 0, change.start) + 1 : line_end(before, change.before_end)]
    start = content.rfind("\n", 0, change.start) + 1
    new = content[start : line_end(content, change.after_end)]
    made = [
        (name, added)
        for text, other, added in ((new, old, True), (old, new, False))
        for name in _ASYNC_DEF.findall(text)
        if name in _PLAIN_DEF.findall(other) and name not in _ASYNC_DEF.findall(other)
    ]
    if len(made) != 1:
        return None
    name, added = made[0]
    header = next(m for m in _ASYNC_DEF.finditer(new if added else old) if m.group(1) == name)
    if added:
        return name, added, index.line_of(start + header.start())
    plain = next(m for m in _PLAIN_DEF.finditer(new) if m.group(1) == name)
    return name, added, index.line_of(start + plain.start())


def _expression_start(content: str, at: int, floor: int) -> int:
    """Where the call whose name starts at ``at`` starts, receivers included
    (`get_lib().tasks(` from `tasks`), not before ``floor``."""
    while at > floor and content[at - 1] == ".":
        at -= 1
        while at > floor and content[at - 1] in ")]":
            depth, at = 1, at - 1
            while at > floor and depth:
                at -= 1
                depth += {")": 1, "]": 1, "(": -1, "[": -1}.get(content[at], 0)
        while at > floor and (content[at - 1].isalnum() or content[at - 1] in "_$"):
            at -= 1
    return at


# -- a redundant `pass` deleted ----------------------------------------------------------------


def pass_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A Python `pass` deleted from a block that has another statement (a docstring, or the
    code that replaced it): each other such `pass`, its line deleted."""
    if change.inserted or change.removed.strip() != "pass" or "\n" not in change.removed:
        return []
    lines = change.content.split("\n")
    line = index.line_of(change.start)
    candidates = []
    for number, text in enumerate(lines, start=1):
        if text.strip() != "pass" or not _has_sibling(lines, number - 1):
            continue
        start, end = index.line_bounds(number)
        end = min(end + 1, len(change.content))
        edit = TextEdit(index.span(start, end), change.content[start:end], "")
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates


def redundant_return_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A bare `return` deleted from the end of a Go function that returns nothing (the last
    statement, redundant: a linter's complaint): each other function's such `return`, its
    line deleted. Not one ending an `if` or a loop, where it leaves early."""
    if change.inserted or change.removed.strip() != "return" or "\n" not in change.removed:
        return []
    lines = change.content.split("\n")
    line = index.line_of(change.start)
    if not _ends_void_func(lines, line - 2):  # (the line above the place the return left)
        return []
    candidates = []
    for number, text in enumerate(lines, start=1):
        if text.strip() != "return" or not _ends_void_func(lines, number - 1):
            continue
        start, end = index.line_bounds(number)
        edit = TextEdit(index.span(start, end + 1), change.content[start : end + 1], "")
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates


def _ends_void_func(lines: list[str], at: int) -> bool:
    """Is ``lines[at]`` the last statement of a Go function that returns nothing: the next
    line not blank is the function's closing `}` (flush left, as gofmt puts a top-level
    function's: an `if`'s or a closure's stands indented), its header results none?"""
    after = next((n for n in range(at + 1, len(lines)) if lines[n].strip()), None)
    if at < 0 or after is None or lines[after].rstrip() != "}":
        return False
    # the flush-left line that opened it: a function's header (not `var read = func() …`)
    opened = next((n for n in range(at, -1, -1) if lines[n][:1] not in ("", " ", "\t")), -1)
    return opened >= 0 and lines[opened].startswith("func ") and _returns(lines[opened]) == ""


def semicolon_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A Python statement's `;` taken from a line's end (a linter's "statement ends with a
    semicolon"): the file's other lines ending so, their `;` taken away too. (Python's only:
    the caller asks for Python's; it leaves out strings.)"""
    before, at = change.before, change.start
    if change.inserted or change.removed != ";" or not _LINE_END.match(before, at + 1):
        return []
    if not before[before.rfind("\n", 0, at) + 1 : at].strip():
        return []
    line = index.line_of(at)
    candidates = []
    for found in _ENDING_SEMICOLON.finditer(change.content):
        number = index.line_of(found.start())
        text = index.line_text(number)
        if number == line or text.lstrip().startswith("#") or not balanced(text):
            continue
        edit = TextEdit(index.span(found.start(), found.end()), ";", "")
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates


_LINE_END = re.compile(r"[ \t]*(?:#[^\n]*)?(?:\n|$)")
# a statement's `;` at its line's end, a comment aside (after a word, a closing bracket or
# a quote: not a line that is only `;`)
_ENDING_SEMICOLON = re.compile(r"(?<=[\w)\]}'\"]);(?=[ \t]*(?:#[^\n]*)?$)", re.MULTILINE)


def _line_at(text: str, at: int) -> str:
    """The whole line of ``text`` that ``at`` is on."""
    return text[text.rfind("\n", 0, at) + 1 : line_end(text, at)]


# -- a bare `except:` given the class it catches ------------------------------------------

# a handler that names no class: `except:` (its indentation and keyword, group 1)
_BARE_EXCEPT = re.compile(r"^([ \t]*except)[ \t]*:", re.MULTILINE)
_GIVEN_EXCEPT = re.compile(r"[ \t]*except[ \t]+(BaseException|Exception)[ \t]*:")


def bare_except_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A Python bare `except:` given the broad class it catches, `BaseException` (what a
    bare one catches) or `Exception` (a linter's "do not use bare except"): the file's
    other bare `except:`s, given the same. Not a narrower class: which error a handler
    expects is its own. (Python's only: the caller asks for Python's; it leaves out
    strings.)"""
    if "\n" in change.removed + change.inserted:
        return []
    given = _GIVEN_EXCEPT.match(_line_at(change.content, change.start))
    if given is None or not _BARE_EXCEPT.match(_line_at(change.before, change.start)):
        return []
    line = index.line_of(change.start)
    candidates = []
    for found in _BARE_EXCEPT.finditer(change.content):
        number = index.line_of(found.start())
        if number == line or (given.group(1) != "BaseException" and _reraises(index, number)):
            continue  # (a handler that cleans up and re-raises catches everything by design)
        at = found.end(1)
        edit = TextEdit(index.span(at, at), "", " " + given.group(1))
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates


def _reraises(index: LineIndex, handler: int) -> bool:
    """Does the body of the handler on line ``handler`` re-raise (a bare `raise`)?"""
    return any(line.strip() == "raise" for line in _block_text(index, handler).split("\n"))


# A line's bracketed piece, read by a ``read``er (the line, where the piece opens and closes)
Bracketed = tuple[str, int, int]


def _bracketed_repeats(
    index: LineIndex,
    change: Change,
    read: Callable[[str], Bracketed | None],
    starts: re.Pattern[str],
    rewrite: Callable[[str], str],
    where: Callable[[int], bool] = lambda number: True,
) -> list[Candidate]:
    """The user's line a bracketed piece ``read`` finds in, that piece rewritten by
    ``rewrite`` and nothing else changed on it: each other line ``starts`` begins and
    ``read`` reads so (``where`` its number allows), its piece rewritten the same way."""
    if "\n" in change.removed + change.inserted:
        return []
    mine = read(_line_at(change.before, change.start))
    if mine is None:
        return []
    text, opened, closed = mine
    made = text[:opened] + rewrite(text[opened : closed + 1]) + text[closed + 1 :]
    if _line_at(change.content, change.start) != made:
        return []
    line = index.line_of(change.start)
    candidates = []
    for found in starts.finditer(change.content):
        number = index.line_of(found.start())
        theirs = read(index.line_text(number))
        if number == line or theirs is None or not where(number):
            continue
        text, opened, closed = theirs
        begin = index.line_bounds(number)[0]
        old = text[opened : closed + 1]
        edit = TextEdit(index.span(begin + opened, begin + closed + 1), old, rewrite(old))
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates


def _ending_bracket(line: str, starts: re.Pattern[str]) -> Bracketed | None:
    """``line`` with where its bracket opens and closes, when ``starts`` matches it up to
    that bracket and nothing follows the bracket's close but a comment."""
    found = starts.match(line)
    if found is None:
        return None
    opened = found.end() - 1
    closed = matching_paren(line, opened)
    if closed is None or not _LINE_END.match(line, closed + 1):
        return None
    return line, opened, closed


# -- the parentheses taken from around a returned tuple -----------------------------------

_RETURN_PARENTHESIZED = re.compile(r"^[ \t]*return[ \t]*\(", re.MULTILINE)


def return_parentheses_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """The parentheses taken from around the tuple a Python function returns (`return
    (2, 0)` made `return 2, 0`, a linter's "unnecessary parentheses"): the file's other
    returns of a tuple in parentheses on one line, theirs taken away too. (Python's only:
    in JavaScript `return (a, b)` is the comma operator's.)"""
    return _bracketed_repeats(index, change, _returned_tuple, _RETURN_PARENTHESIZED, _unwrapped)


def _unwrapped(bracketed: str) -> str:
    return bracketed[1:-1]


def _returned_tuple(line: str) -> Bracketed | None:
    """``line`` with where the parentheses open and close, when it is a `return` of a
    tuple in parentheses and nothing after them but a comment: two items or more, none
    blank (not `(a,)`: a tuple of one needs its comma's parentheses to read as one)."""
    bracketed = _ending_bracket(line, _RETURN_PARENTHESIZED)
    if bracketed is None:
        return None
    _, opened, closed = bracketed
    items = split_top_level(line[opened + 1 : closed])
    if len(items) < 2 or any(not item.strip() for item in items):
        return None
    if any(_UNBARED.search(item) for item in items):
        return None  # `(yield x, 2)` is no tuple, `(n := 3, n)` and `(lambda: x, y)` need them
    return line, opened, closed


_UNBARED = re.compile(r"^\s*(?:yield|lambda)\b|:=")


# -- a name tested for truth made tested against None -------------------------------------

_NOT_NONE = " is not None"
# a statement that tests one name (or attribute) for truth, up to the name's end: its
# keyword (group 1) and the name (group 2)
_TRUTH_TESTED = re.compile(r"[ \t]*(assert|if|elif|while)[ \t]+([A-Za-z_]\w*(?:\.\w+)*)")


def none_test_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """` is not None` put after the name a Python `assert`, `if`, `elif` or `while` tests
    for truth (`assert value` made `assert value is not None`: an empty string or a zero is
    a value too): the other statements of that keyword that test that name alone, the
    same way; the file's assertions, the user's function's conditions. (Python's only: the
    caller asks for Python's; it leaves out strings.)"""
    if change.removed or change.inserted != _NOT_NONE:
        return []
    before, at = change.before, change.start
    head = _TRUTH_TESTED.fullmatch(before, before.rfind("\n", 0, at) + 1, at)
    if head is None:
        return []
    keyword, name = head.groups()
    alone = _ASSERTED_ALONE if keyword == "assert" else _CONDITION_ALONE
    if not alone.match(before, at):
        return []
    statement = re.compile(
        rf"^[ \t]*{keyword}[ \t]+{re.escape(name)}(?={alone.pattern})", re.MULTILINE
    )
    line = index.line_of(at)
    # an assertion anywhere in the file (the same check in each test or function); a
    # branch's or a loop's condition in the user's function only (elsewhere an empty list
    # may be what it is there to skip)
    function = None if keyword == "assert" else function_lines(index, line)
    low, high = function or (1, index.line_count)
    candidates = []
    for found in statement.finditer(change.content):
        number = index.line_of(found.start())
        if number == line or not low <= number <= high:
            continue
        edit = TextEdit(index.span(found.end(), found.end()), "", _NOT_NONE)
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates if len(candidates) <= MAX_NONE_TESTS else []


# what follows a name tested alone: an assertion's message or its end; a condition's colon
# (not the end of a line: `if items` on a line of its own is a conditional expression's)
_ASSERTED_ALONE = re.compile(r"[ \t]*(?:,|#|$)", re.MULTILINE)
_CONDITION_ALONE = re.compile(r"[ \t]*:")


def function_lines(index: LineIndex, line: int) -> tuple[int, int] | None:
    """The first and last lines of the Python function ``line`` is in (its header's first
    line, its body's last); None outside any."""
    text = index.line_text(line)
    least = len(text) - len(text.lstrip())  # the least indentation on the way up
    low = line - 1
    while low >= 1:
        text = index.line_text(low)
        depth = len(text) - len(text.lstrip())
        if text.strip() and depth < least:
            if _DEF_LINE.match(text):
                break
            if not _HEADER_CLOSE.match(text):  # (`):` closes a header laid out one a line)
                least = depth  # a block it is in (a loop, a branch, a class)
        low -= 1
    if low < 1:
        return None
    depth = len(index.line_text(low)) - len(index.line_text(low).lstrip())
    high = max(line, low)
    while high < index.line_count:
        text = index.line_text(high + 1)
        closes = _HEADER_CLOSE.match(text) and not _has_body(index, low, high)
        if text.strip() and len(text) - len(text.lstrip()) <= depth and not closes:
            break
        high += 1
    return low, high


def _has_body(index: LineIndex, header: int, last: int) -> bool:
    """Has the function whose header begins on line ``header`` a line of body by line
    ``last`` (a line after the one that ends its header with `:`)?"""
    return any(
        index.line_text(n).rstrip().endswith(":") and n < last for n in range(header, last + 1)
    )


_HEADER_CLOSE = re.compile(r"[ \t]*\)[^\n]*:[ \t]*(?:#[^\n]*)?$")
_DEF_LINE = re.compile(r"[ \t]*(?:async[ \t]+)?def[ \t]")
MAX_NONE_TESTS = 12  # more such tests than that: the file's way of testing, not one slip


# -- a list comprehension made a generator ------------------------------------------------

# a list comprehension unpacked into names (`a, b = [int(i) for i in parts]`), on one line:
# the bracket's offset (group 1 ends before it)
_UNPACKED_LIST = re.compile(
    r"^([ \t]*[A-Za-z_]\w*(?:[ \t]*,[ \t]*[A-Za-z_]\w*)+[ \t]*=[ \t]*)\[", re.MULTILINE
)


def generator_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A list comprehension unpacked into names made a generator expression (`a, b = [int(i)
    for i in parts]` to `(int(i) for i in parts)`: no list built to be taken apart): the
    file's other list comprehensions unpacked so, each the whole of a statement that begins
    its line, made generators too. (Python's only: the caller asks for Python's; it leaves
    out strings.)"""
    # (not `a, key=[…]` in a call's or a header's arguments: no assignment)
    starts = partial(_starts_statement, index)
    return _bracketed_repeats(
        index, change, _unpacked_comprehension, _UNPACKED_LIST, _parenthesized, starts
    )


def _parenthesized(bracketed: str) -> str:
    return "(" + bracketed[1:-1] + ")"


def _starts_statement(index: LineIndex, number: int) -> bool:
    """Does a statement begin on line ``number`` (not inside brackets opened above, nor
    after a backslash)?"""
    begin = index.line_bounds(number)[0]
    above = index.text[:begin].rstrip("\n")
    if above.endswith("\\"):
        return False
    # the brackets open at the line's start, read from a statement a few lines up (brackets
    # in strings and comments left out)
    start = index.line_bounds(max(1, number - MAX_STATEMENT_LINES))[0]
    depths = [depth for _, _, depth in code_chars(index.text, start, begin, comment="#")]
    return not depths or depths[-1] <= 0


def _unpacked_comprehension(line: str) -> Bracketed | None:
    """``line`` with where its brackets open and close, when it unpacks a list
    comprehension into names and ends with it (a comment aside)."""
    bracketed = _ending_bracket(line, _UNPACKED_LIST)
    if bracketed is None:
        return None
    _, opened, closed = bracketed
    inside = line[opened + 1 : closed]
    if len(split_top_level(inside)) != 1 or not re.search(r"\sfor\s", inside):
        return None
    return line, opened, closed


# -- a membership test against a string made an equality -----------------------------------

# `x in "literal"`, the literal the whole right operand: the operand (group 1), the
# operator's place (group 2)
_IN_LITERAL = (
    r"(?<![\w.\])])({operand})([ \t]+in[ \t]+)(?=b?(?:'[^'\n]*'|\"[^\"\n]*\")"
    r"[ \t]*(?:[):,\]#]|and\b|or\b|if\b|else\b|$))"
)
# a string that reads as a value (`b":method"`, `"cookie"`), not a set of characters: a
# word of four letters or more in it (see _word_compared)
_WORDLIKE = re.compile(r"""b?(['"])([^'"\n]*[A-Za-z]{4}[^'"\n]*)\1""")


def _word_compared(text: str, at: int) -> bool:
    """Is the string literal at ``at`` a word to compare with, not a set of characters (a
    set names each once: `'aeiou'`; a word repeats a letter or has more than letters)?"""
    found = _WORDLIKE.match(text, at)
    if found is None:
        return False
    body = found.group(2)
    return not body.isalpha() or len(set(body)) < len(body)


_LOOPED = re.compile(r"\bfor[ \t]+[^\n]*\Z")  # before a loop's target: `for c` in `for c in`


def membership_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """`in` before a Python string literal made `==` (`header[0] in b"cookie"`, true of
    `b"co"` too, made `header[0] == b"cookie"`): the other tests of the same operand against
    a string alone with `in`, made equalities too: in the user's function, and elsewhere
    against a word (not `ch in "+-*/"`, a set of characters). Not another operand's: testing
    for a piece of a string is often what is meant; not a loop's `for c in "xyz"`. (Python's
    only: the caller asks for Python's; it leaves out strings.)"""
    if change.removed.strip() != "in" or change.inserted.strip() != "==":
        return []
    before = change.before
    line_start = before.rfind("\n", 0, change.start) + 1
    head = before[line_start : change.start]
    operand = re.search(r"((?:[A-Za-z_]\w*)(?:\.\w+|\[[^\[\]\n]*\])*)[ \t]*\Z", head)
    if operand is None:
        return []
    pattern = re.compile(_IN_LITERAL.format(operand=re.escape(operand.group(1))), re.MULTILINE)
    found_here = pattern.search(
        before, line_start + operand.start(1), line_end(before, change.start)
    )
    if found_here is None or found_here.start(2) > change.start:
        return []
    line = index.line_of(change.start)
    first, last = function_lines(index, line) or (1, index.line_count)
    candidates = []
    for found in pattern.finditer(change.content):
        number = index.line_of(found.start())
        head = change.content[change.content.rfind("\n", 0, found.start()) + 1 : found.start()]
        if number == line or _LOOPED.search(head):
            continue  # (`for c in "xyz"` loops, whatever the user's test)
        if not first <= number <= last and not _word_compared(change.content, found.end()):
            continue  # (another function's `ch in "+-*/"`: a set of characters)
        low, high = found.span(2)
        edit = TextEdit(index.span(low, high), found.group(2), " == ")
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates if len(candidates) <= MAX_REPEATED_TESTS else []


MAX_REPEATED_TESTS = 12  # more such tests than that: the file's way, not one slip


# -- Python 2's print statement made a call -----------------------------------------------

# a Python 2 `print` statement: its indentation and what it prints (not `print >>f, x`,
# not a call, not the name assigned, compared or tested)
_PRINT_STATEMENT = re.compile(
    r"^([ \t]*)print[ \t]+(?![ \t(>=!<.,;)\]]|(?:is|in|and|or|if|else|for|not)\b)"
    r"([^\n#;]*?)[ \t]*$",
    re.MULTILINE,
)


def print_statement_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A Python 2 `print x` made a call, `print(x)`: the other `print` statements, made calls
    too, each what prints an expression (not a line of prose that begins with the word),
    in the code or in strings, as the user's was (the caller keeps those where the user's
    was: a test's source to parse)."""
    if "\n" in change.removed + change.inserted:
        return []
    mine = _PRINT_STATEMENT.fullmatch(_line_at(change.before, change.start))
    made = _line_at(change.content, change.start)
    if mine is None or made != f"{mine.group(1)}print({mine.group(2)})":
        return []
    line = index.line_of(change.start)
    candidates = []
    for found in _PRINT_STATEMENT.finditer(change.content):
        number = index.line_of(found.start())
        printed = found.group(2)
        if number == line or printed.endswith(("\\", ",")) or not _expression(printed):
            continue  # (a statement that goes on, a print that ends no line, prose: no call)
        low, high = found.end(1) + len("print"), found.end(2)
        edit = TextEdit(index.span(low, high), change.content[low:high], f"({found.group(2)})")
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates if len(candidates) <= MAX_REPEATS_PRINTED else []


def _expression(text: str) -> bool:
    """Is ``text`` a Python expression (not prose: `the report when asked`)?"""
    try:
        compile(text, "<printed>", "eval")
    except (SyntaxError, ValueError):
        return False
    return True


MAX_REPEATS_PRINTED = 24  # more than that: a Python 2 module, ported by a tool, not by hand


# -- strings side by side on one line joined ----------------------------------------------

# two string literals side by side on one line: the first's closing quote, the spaces, the
# second's opening quote (groups: the first's prefix, its quote, the second's prefix)
_FIRST_LITERAL = r"""(?<![\w'"])([rRbBfFuU]{0,2})(['"])(?:(?!\2)[^\\\n]|\\.)*\2"""
# (the second closes on its line: not `", " "` read in `"a", " "`)
_SECOND_CLOSES = r"""(?=(?:(?!\2)[^\\\n]|\\.)*\2)"""
_SIDE_BY_SIDE = re.compile(_FIRST_LITERAL + r"[ \t]+([rRbBfFuU]{0,2})\2" + _SECOND_CLOSES)
# the user's pair: on two lines too, the second with no prefix (an empty group 3)
_SIDE_BY_SIDE_SPLIT = re.compile(_FIRST_LITERAL + r"\s+()\2" + _SECOND_CLOSES)


def joined_strings_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """Two Python string literals side by side joined (`"paths " "(default: false)"` made
    one string: a linter's "implicitly concatenated string on one line"; the user's pair may
    stand on two lines): the file's other pairs side by side on one line, joined too, where
    joining keeps their text (the second with no prefix; see _joinable). (Python's only: the
    caller asks for Python's; it leaves out strings.)"""
    removed = change.removed
    if change.inserted or len(removed) < 3 or removed[0] != removed[-1] or removed[0] not in "'\"":
        return []
    if not any(  # two literals side by side, the user's join between them (lines apart too)
        (found.end() - len(found.group(3)) - len(removed), found.end() - len(found.group(3)))
        == (change.start, change.before_end)
        for found in _SIDE_BY_SIDE_SPLIT.finditer(
            change.before, change.before.rfind("\n", 0, change.start - 1) + 1
        )
        if found.start() < change.start
    ):
        return []
    candidates = []
    line = index.line_of(change.start)
    for found in _SIDE_BY_SIDE.finditer(change.content):
        first, quote, second = found.groups()
        low = found.end() - len(second) - 1
        close = change.content.rfind(quote, found.start(), low)
        if second or not _joinable(change.content, first, quote, found.end()):
            continue
        number = index.line_of(close)
        if number == line:
            continue
        edit = TextEdit(index.span(close, found.end()), change.content[close : found.end()], "")
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates


def _joinable(text: str, prefix: str, quote: str, at: int) -> bool:
    """Does the string literal whose text begins at ``at`` (after its ``quote``) read the
    same after the first string's ``prefix`` and text (no brace after an f, no backslash
    after an r, no digit after an escape it would go on; not a triple-quoted one)?"""
    if text.startswith(quote * 2, at):
        return False  # the second a triple-quoted string
    opened = text.rfind(quote, 0, text.rfind(quote, 0, at - 1))
    first = text[opened + 1 : text.rfind(quote, 0, at - 1)]
    end = at
    while end < len(text) and text[end] not in (quote, "\n"):
        end += 2 if text[end] == "\\" else 1
    body = text[at:end]
    if re.search(r"\\(?:[0-7]{1,2}|x[0-9A-Fa-f]?|[uUN][^\\]*)\Z", first) and body[:1].isalnum():
        return False  # an escape the second's first characters would go on (`"\1" "2"`)
    if "f" in prefix.lower() and ("{" in body or "}" in body):
        return False
    return not ("r" in prefix.lower() and "\\" in body)


# -- None as a name's default made a sentinel -----------------------------------------------

# a sentinel's name: a constant's or a class's (`NoDefault`, `_MISSING`) or a private one's
# (`_unset`); not Python's own constants (`False` is a value, not a mark of none given)
_SENTINEL = re.compile(r"(?!(?:True|False|NotImplemented|Ellipsis)\b)(?:_*[A-Z]\w*|_[a-z]\w*)")
# before a name's None: its assignment (`a = b = `: the names, group 1) or, as a parameter's
# default, the parameter (group 2)
_DEFAULTED = r"([A-Za-z_]\w*)(?:[ \t]*:[^=,()\n]*)?[ \t]*=[ \t]*"  # a parameter, up to its default
_NONE_OF = re.compile(
    rf"(?:^[ \t]*((?:[A-Za-z_]\w*[ \t]*=[ \t]*)+)|[(,][ \t]*{_DEFAULTED})\Z", re.MULTILINE
)
# a parameter's default at a line's start (a header laid out one parameter a line): the
# parameter (group 2, as _NONE_OF's)
_PARAMETER_DEFAULT = re.compile(rf"()^[ \t]*{_DEFAULTED}\Z", re.MULTILINE)
_HEADER_OPENS = re.compile(r"\bdef[ \t]+\w+[ \t]*\Z")  # before a def's `(`


def _block_text(index: LineIndex, header: int) -> str:
    """The lines of the block under line ``header`` (those indented deeper below it)."""
    text = index.line_text(header)
    depth = len(text) - len(text.lstrip())
    lines = []
    for number in range(header + 1, index.line_count + 1):
        text = index.line_text(number)
        if text.strip() and len(text) - len(text.lstrip()) <= depth:
            break
        lines.append(text)
    return "\n".join(lines)


MAX_SENTINEL_TESTS = 12  # more tests than that: not one name's tests being followed


def sentinel_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A name's `None` (assigned, or a parameter's default) made a sentinel (`selector =
    context = None` to `= NoDefault`, `timeout=None` to `timeout=_MISSING`: None becomes a
    value to pass): the tests of those names against None below it, in its function (not in
    a function defined inside it, nor one whose block assigns the sentinel: there None is
    still what it tests), test the sentinel. A name of a module or a class, or a call's
    keyword argument, is no function's. (Python's only: the caller asks for Python's; it
    leaves out strings.)"""
    before, content = change.before, change.content
    low, high = word_bounds(before, change.start, change.before_end)
    shift = change.after_end - change.before_end
    sentinel = content[low : high + shift]
    if before[low:high] != "None" or not _SENTINEL.fullmatch(sentinel):
        return []
    line_start = before.rfind("\n", 0, low) + 1
    head = _NONE_OF.search(before, line_start, low)
    if head is not None and head.group(1) and not _LINE_END.match(before, high):
        # not an assignment's whole value: a parameter's default on a line of its own
        head = _PARAMETER_DEFAULT.search(before, line_start, low)
    if head is None:
        return []
    line = index.line_of(change.start)
    if head.group(1):  # an assignment's, the whole value: the function it is in
        names = [n.strip() for n in head.group(1).split("=") if n.strip()]
        function = function_lines(index, line)
        if not _LINE_END.match(before, high) or function is None:
            return []  # (a module's or a class's name: not one function's)
        last = function[1]
    else:  # a parameter's default: the function's body (the line below is its header's or in it)
        names = [head.group(2)]
        opened = unclosed_bracket(before, low)
        header = before[before.rfind("\n", 0, opened or 0) + 1 : opened or 0]
        if not re.match(r"[ \t]*[,)]", before[high:]) or not _HEADER_OPENS.search(header):
            return []  # (a call's keyword argument: not a parameter)
        function = function_lines(index, min(line + 1, index.line_count))
        if function is None:
            return []
        last = function[1]
    tested = re.compile(
        rf"(?<![\w.])(?:{'|'.join(map(re.escape, names))})[ \t]+is[ \t]+(?:not[ \t]+)?(None)\b"
    )
    candidates = []
    inner = 0  # the last line of a function defined inside (its names are its own)
    for number in range(line + 1, last + 1):
        text = index.line_text(number)
        if number <= inner:
            continue
        if _DEF_LINE.match(text):
            inner = (function_lines(index, min(number + 1, index.line_count)) or (0, number))[1]
            continue
        if sentinel in _block_text(index, number):
            continue  # (`if timeout is None: timeout = DEFAULT`: the None it still stands for)
        begin = index.line_bounds(number)[0]
        for found in tested.finditer(text):
            at = begin + found.start(1)
            edit = TextEdit(index.span(at, at + 4), "None", sentinel)
            candidates.append(Candidate(edit.span, SIMILAR, repeat_score(number - line), edit))
    return candidates if len(candidates) <= MAX_SENTINEL_TESTS else []


# -- a text file's encoding given ----------------------------------------------------------

# `encoding=` given a string (group 1: the string, as written)
_ENCODING_GIVEN = re.compile(r"""\bencoding[ \t]*=[ \t]*((['"])[\w.-]+\2)""")
# a call that reads or writes a file as text unless told otherwise, up to its `(`: `open`
# (not the name defined: `def open`), `read_text`, `write_text`, and an `open` method given a
# text mode first (`path.open("w")`; not `zipfile.open(name)`, `os.open(path, flags)`)
_TEXT_OPENED = re.compile(
    r"""(?:(?<![\w.])(?<!def )(?:io\.)?open|\.read_text|\.write_text)[ \t]*\("""
    r"""|\.open[ \t]*\((?=[ \t]*(?:mode[ \t]*=[ \t]*)?(['"])[rwax]t?\+?\1)"""
)
# a mode that opens a file as bytes (`'rb'`, `mode="wb"`), which takes no encoding
_BINARY_MODE = re.compile(r"""(['"])[rwaxt+]*b[rwaxt+]*\1""")
_LAYOUT = re.compile(r"[\s,()]+")  # what laying a call out anew adds or takes away
MAX_REPEATS_ENCODED = 24  # more than that: a module that has never given one


def encoding_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """`encoding=` given to a Python call that reads or writes a file as text (`open`,
    `Path.open`, `read_text`, `write_text`, which PEP 597 warns of without one), or a file
    call rewritten on its line into one given an encoding (`open(p).read()` made
    `Path(p).read_text(encoding='utf-8')`): the file's other such calls that give none, each
    given the same (not a file opened as bytes or with a mode not written out, not a call
    given `*args` or `**options`, laid over several lines or in a string, nor where the
    module defines its own `open`, `read_text` or `write_text`).
    The caller keeps those in code and in doctests."""
    given = _ENCODING_GIVEN.search(change.inserted)
    if given is None or "encoding" in change.removed:
        return []
    rest = change.inserted[: given.start()] + change.inserted[given.end() :]
    if _LAYOUT.sub("", rest) != _LAYOUT.sub("", change.removed) and (
        not _opens_in_code(change.removed) or "\n" in change.inserted
    ):
        return []  # (more than the encoding given, and no file call rewritten: new code)
    content = change.content
    paren = unclosed_paren(content, change.start + given.start())
    if paren is None or not any(
        found.end() == paren + 1 for found in _TEXT_OPENED.finditer(content, max(paren - 60, 0))
    ):
        return []  # (another call's `encoding`: `json.loads(s, encoding=…)`)
    if _OWN_OPENERS.search(content):
        return []  # (the module's own `open` or a class's `read_text`: not the file's)
    line = index.line_of(change.start)
    candidates = []
    for found in _TEXT_OPENED.finditer(content):
        close = matching_paren(content, found.end() - 1, limit=500)
        if close is None or "\n" in content[found.end() : close]:
            continue
        arguments = content[found.end() : close]
        if "encoding" in arguments or not _text_mode(found.group(0), arguments):
            continue
        number = index.line_of(found.start())
        if number == line or _in_quotes(content, found.start()):
            continue
        given_too = f"encoding={given.group(1)}"
        ending = arguments.rstrip()
        added = (
            f" {given_too}" if ending.endswith(",") else f", {given_too}" if ending else given_too
        )
        edit = TextEdit(index.span(close, close), "", added)
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates if len(candidates) <= MAX_REPEATS_ENCODED else []


def _opens_in_code(text: str) -> bool:
    """Does Python ``text`` call a text-mode file opener outside its strings and comments?"""
    code = {at for at, c, _ in code_chars(text, 0, len(text), "#") if c != "#"}
    return any(found.start() in code for found in _TEXT_OPENED.finditer(text))


# a module's own `open` (defined, imported, assigned, a parameter's with a default), or a
# class's own `read_text` or `write_text`
_OWN_OPENERS = re.compile(
    r"^[ \t]*(?:async[ \t]+)?def[ \t]+(?:open|read_text|write_text)\b"
    r"|^[ \t]*(?:from[ \t]+\S+[ \t]+)?import[ \t][^\n]*\bopen\b"
    r"|^[ \t]*from[ \t]+\S+[ \t]+import[ \t]*\([^)]*\bopen\b"
    r"|(?<![\w.])open[ \t]*(?::[^=\n]*)?=(?!=)",
    re.MULTILINE,
)
# how many arguments a call passes before its encoding would be one more: `read_text(encoding)`,
# `write_text(data, encoding)`, `open(file, mode, buffering, encoding)` (`Path.open(mode,
# buffering, encoding)`: 2)
_BEFORE_ENCODING = {"read_text": 1, "write_text": 2, "open": 4}
_TEXT_LITERAL = re.compile(r"""[rRuU]?(['"])[^'"\n]*\1""")


def _text_mode(called: str, arguments: str) -> bool:
    """Do ``arguments`` of the call ``called`` (`open(`, `.read_text(`…) open a file as
    text for certain: no mode, or a mode written out without `b` (not a mode passed in a
    variable, `open(path, mode)`, nor arguments spread, `*args` or `**options`)?"""
    pieces = [p.strip() for p in split_top_level(arguments) if p.strip()]
    if any(p.startswith("*") for p in pieces):
        return False
    positional = [p for p in pieces if not KEYWORD_ARGUMENT.match(p)]
    name = re.sub(r"[^\w]", "", called.split(".")[-1])
    method = called.lstrip().startswith(".") and name == "open"  # `Path.open(mode, buffering`
    if len(positional) >= (2 if method else _BEFORE_ENCODING.get(name, 4)):
        return False  # (an encoding passed by its place already: `read_text('latin-1')`)
    if not called.lstrip(".").startswith(("open", "io.open")):
        return True  # (read_text, write_text: text always; a text-mode `.open(` by its match)
    modes = positional[1:2] + [
        p.split("=", 1)[1].strip() for p in pieces if re.match(r"mode[ \t]*=(?!=)", p)
    ]
    return all(_TEXT_LITERAL.fullmatch(m) and "b" not in m.strip("'\"rRuU") for m in modes)


def _in_quotes(content: str, at: int) -> bool:
    """Does ``at`` stand inside a quoted string on its line (counted roughly: `run("open(p)")`
    on a doctest's line)?"""
    head = content[content.rfind("\n", 0, at) + 1 : at]
    return head.count('"') % 2 == 1 or head.count("'") % 2 == 1


def format_index_candidates(
    index: LineIndex, change: Change, in_text: Callable[[int], bool] = lambda at: False
) -> list[Candidate]:
    """A Python `str.format` string's field indices taken away (`'{0}'.format(x)` made
    `'{}'.format(x)`, a linter's "use implicit field numbers"): the file's other such
    strings whose fields are numbered in order, each once, theirs taken away too. Only
    strings of the code (``in_text`` tells where strings and comments are: not one quoted
    in another), each whole (not the last piece of strings joined side by side)."""
    before, at, end = change.before, change.start, change.before_end
    if change.inserted or not change.removed.isdigit() or before[at - 1 : at] != "{":
        return []
    content = change.content
    mine = next((m for m in _FORMATTED.finditer(content) if m.start() < at < m.end()), None)
    if before[end : end + 1] not in ("}", ":", "!") or mine is None:
        return []
    pieces = _fields(mine.group("body"))
    numbered = pieces is None or any(name and name[0].isdigit() for _, name, _, _ in pieces)
    if numbered or not _formatted_alone(content, mine, in_text):
        return []  # numbered fields left in the user's: not all of them done
    line = index.line_of(at)
    candidates = []
    for found in _FORMATTED.finditer(content):
        body = found.group("body")
        unnumbered = _unnumbered(body)
        if (
            unnumbered is None
            or unnumbered == body
            or not _formatted_alone(content, found, in_text)
        ):
            continue
        low, high = found.span("body")
        edit = narrowed_edit(content, low, high, unnumbered)
        distance = abs(index.line_of(low) - line)
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(distance), edit))
    return candidates


# a one-line string literal whose `format` method is called (not an f-string's, not bytes)
_FORMATTED = re.compile(
    r"(?<![\w\\])(?P<q>['\"])(?P<body>(?:\\.|(?!(?P=q))[^\\\n])*)(?P=q)\.format\("
)


def _formatted_alone(content: str, found: re.Match[str], in_text: Callable[[int], bool]) -> bool:
    """Is ``found`` a string of the code, whole: not inside another string or a comment,
    not the last of strings joined side by side (`'a {0} ' 'b {1}'.format(…)`)?"""
    start = found.start()
    joined = content[:start].rstrip().endswith(("'", '"'))
    return not joined and not (start and in_text(start - 1))


def _fields(body: str) -> list[tuple[str, str | None, str, str | None]] | None:
    """A format string's pieces (literal text, field name, format, conversion), as
    `string.Formatter` reads them; None when it does not parse."""
    try:
        return [
            (text, name, spec or "", conversion)
            for text, name, spec, conversion in string.Formatter().parse(body)
        ]
    except ValueError:
        return None


def _unnumbered(body: str) -> str | None:
    """``body`` with its fields' numbers taken away, where each field is a number and a
    format and they are 0, 1, … in order, each once; None where they are not (`{}`,
    `{name}`, `{0[key]}`, `{0.attr}`, `{1:>{0}}`: other fields; `{1} {0}`, `{0} {0}`: the
    numbers say something)."""
    pieces = _fields(body)
    if pieces is None:
        return None
    names = [name for _, name, _, _ in pieces if name is not None]
    if not names or names != [str(k) for k in range(len(names))]:
        return None
    if any("{" in spec for _, name, spec, _ in pieces if name is not None):
        return None
    out = []
    for text, name, spec, conversion in pieces:
        out.append(text.replace("{", "{{").replace("}", "}}"))
        if name is not None:
            out.append(
                "{" + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            )
    return "".join(out)


_EXCEPT_AS = re.compile(r"([ \t]*except\b[^\n]*?)( as ([A-Za-z_]\w*))[ \t]*:")


def unused_exception_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A Python handler's unused name taken away (`except TypeError as e:` made `except
    TypeError:`, `e` used nowhere in its body): the file's other handlers that bind a name
    their body does not use lose it too (a linter's unused variable)."""
    before, content = change.before, change.content
    if change.inserted or not re.fullmatch(r" as [A-Za-z_]\w*", change.removed):
        return []
    line_start = before.rfind("\n", 0, change.start) + 1
    made = _EXCEPT_AS.match(before, line_start)
    if made is None or made.start(2) != change.start:
        return []
    lines = content.split("\n")
    line = index.line_of(change.start)
    candidates = []
    for number, text in enumerate(lines, start=1):
        match = _EXCEPT_AS.match(text)
        if match is None or number == line or _uses(lines, number, match):
            continue
        start = index.line_bounds(number)[0]
        low, high = start + match.start(2), start + match.end(2)
        edit = TextEdit(index.span(low, high), match.group(2), "")
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates


def _uses(lines: list[str], number: int, handler: re.Match[str]) -> bool:
    """Does the handler ``handler`` read on line ``number`` (1-based) use its name: after
    its `:` on that line, or in the lines indented deeper under it (comments skipped)? A
    triple-quoted string in the body counts as a use (it may run on at any depth)."""
    header = lines[number - 1]
    word = re.compile(rf"\b{re.escape(handler.group(3))}\b")
    if header[handler.end() :].strip():  # a handler on one line: `except E as e: raise X(e)`
        return word.search(header, handler.end()) is not None
    depth = len(header) - len(header.lstrip())
    for text in lines[number:]:
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(text) - len(text.lstrip()) <= depth:
            return False
        if word.search(text) or '"""' in text or "'''" in text:
            return True
    return False


# the call a line that only prints makes: Python's print, JavaScript's console.log, Go's
# fmt.Print*
_PRINT_CALL = re.compile(r"[ \t]*(print|console\.log|fmt\.Print(?:ln|f)?|println)\(")
_BRACELESS = re.compile(r"(?:\)|\belse|=>)[ \t]*$")  # a JavaScript `if (…)` that holds one
MAX_PRINTS = 4  # other such lines, at most: more are the program's own output


def _printed(text: str) -> str | None:
    """The call ``text`` is a line of, when it is nothing but one print call (its closing
    parenthesis the one its opening matches, then a `;` at most); else None."""
    call = _PRINT_CALL.match(text)
    close = matching_paren(text, call.end() - 1) if call is not None else None
    if call is None or close is None or not re.fullmatch(r"\)[ \t]*;?[ \t]*", text[close:]):
        return None
    return call.group(1)


def print_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A line that only printed deleted (`print(2)`, `console.log('SM: logIn');`,
    `fmt.Println("NEW", i)`): a debugging line taken out, and the file's few other lines
    that only make the same call go with it. Not one whose going would change the code
    around it: a Python block's only statements (it would be empty), what a braceless
    JavaScript `if (…)` or `else` holds (the next line would be held instead), a Go print
    of a variable nothing else uses (unused, it no longer compiles), nor the last use of
    Go's `fmt`. More than a few: the program's output."""
    removed, content = change.removed, change.content
    if change.inserted.strip() or not removed.endswith("\n"):
        return []
    if change.start > 0 and content[change.start - 1] != "\n":
        return []  # (whole lines: the print and the blank lines around it)
    printed = [text for text in removed.split("\n") if text.strip()]
    call = _printed(printed[0]) if len(printed) == 1 else None
    if call is None:
        return []
    lines = content.split("\n")
    prints = {n for n, text in enumerate(lines) if _printed(text) == call}
    if len(prints) > 2 * MAX_PRINTS:
        return []
    # (a Python block whose other statements are prints too is left: they go with it)
    kept = ["" if n in prints else text for n, text in enumerate(lines)]
    line = index.line_of(change.start)
    candidates: list[Candidate] = []
    gone: set[int] = set()  # the lines of the prints that go
    for at in sorted(prints):
        if call == "print" and not _has_sibling([*kept[:at], lines[at], *kept[at + 1 :]], at):
            continue
        above = next((text for text in reversed(lines[:at]) if text.strip()), "")
        if call == "console.log" and _BRACELESS.search(above):
            continue
        if call.startswith("fmt.") and not _go_print_goes(lines, at):
            continue
        start, end = index.line_bounds(at + 1)
        end = min(end + 1, len(content))
        edit = TextEdit(index.span(start, end), content[start:end], "")
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(at + 1 - line)), edit))
        gone.add(at)
    if call.startswith("fmt.") and not any(
        "fmt." in text for n, text in enumerate(lines) if n not in gone
    ):
        return []  # the import would be left unused
    return candidates if len(candidates) <= MAX_PRINTS else []


def _go_print_goes(lines: list[str], at: int) -> bool:
    """Can Go's print on ``lines[at]`` go: is each variable it prints used elsewhere in its
    function (the lines from its `func` to the `}` that ends it)?"""
    top = next((n for n in range(at, -1, -1) if lines[n].startswith("func ")), 0)
    end = next((n for n in range(at, len(lines)) if lines[n].startswith("}")), len(lines))
    body = "\n".join(text for n, text in enumerate(lines[top : end + 1], top) if n != at)
    printed = re.sub(r'"(?:\\.|[^"\\])*"|`[^`]*`', "", lines[at])
    names = set(re.findall(r"(?<![\w.])[A-Za-z_]\w*", printed)) - {"fmt"}
    # (a use, not the name's declaration: `v := step(i)`, `v, err := …`, `var v int`)
    return all(re.search(rf"(?<![\w.])(?<!var ){name}\b(?![\w ,]*:=)", body) for name in names)


def _has_sibling(lines: list[str], at: int) -> bool:
    """Does the statement at ``lines[at]`` share its block with another (the nearest
    non-blank line before or after it, as indented)?"""
    indent = len(lines[at]) - len(lines[at].lstrip())
    for step in (-1, 1):
        near = at + step
        while 0 <= near < len(lines) and (
            not lines[near].strip() or lines[near].lstrip()[0] == "#"
        ):
            near += step
        if 0 <= near < len(lines) and len(lines[near]) - len(lines[near].lstrip()) == indent:
            return True
    return False


# -- a module specifier made explicit -----------------------------------------------------------

NODE_BUILTINS = frozenset((
    "assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants",
    "crypto", "dgram", "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2",
    "https", "inspector", "module", "net", "os", "path", "perf_hooks", "process", "punycode",
    "querystring", "readline", "repl", "stream", "string_decoder", "sys", "timers", "tls",
    "trace_events", "tty", "url", "util", "v8", "vm", "wasi", "worker_threads", "zlib", "test",
))  # fmt: skip
EXTENSIONS = (".js", ".ts", ".mjs", ".cjs", ".jsx", ".tsx")
_SPECIFIER = re.compile(
    r"(?:\bfrom|\brequire\(|\bimport\(|^[ \t]*import|^[ \t]*export\b.*\bfrom)\s*"
    r"""(['"])([^'"\n]+)\1""",
    re.MULTILINE,
)


def specifier_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A module specifier given Node's `node:` prefix (`'fs'` made `'node:fs'`): the file's
    other imports of Node's own modules, prefixed alike; a relative specifier given its
    file's extension (`'./utils'` made `'./utils.js'`): the other relative specifiers
    without one, given it. Places are in strings: the caller must not leave them out."""
    if change.removed or not change.inserted:
        return []
    content = change.content
    at = next(
        (m for m in _SPECIFIER.finditer(content) if m.start(2) <= change.start < m.end(2)), None
    )
    if at is None or change.after_end > at.end(2):
        return []
    specifiers = [m for m in _SPECIFIER.finditer(content) if not _commented(content, m.start())]
    offset = change.start - at.start(2)
    value = at.group(2)
    was = value[:offset] + value[offset + len(change.inserted) :]
    line = index.line_of(change.start)
    edits = []
    if value == "node:" + was and was.split("/")[0] in NODE_BUILTINS:
        for m in specifiers:
            if m.group(2).split("/")[0] in NODE_BUILTINS and m.start() != at.start():
                edits.append(TextEdit(index.span(m.start(2), m.start(2)), "", "node:"))
    elif value.startswith(".") and value[len(was) :] in EXTENSIONS and value.startswith(was):
        ext = value[len(was) :]
        for m in specifiers:
            other = m.group(2)
            if other.startswith(("./", "../")) and "." not in other.rsplit("/", 1)[-1]:
                edits.append(TextEdit(index.span(m.end(2), m.end(2)), "", ext))
    return [
        Candidate(e.span, SIMILAR, repeat_score(abs(e.span.start_line - line)), e)
        for e in edits
        if e.span.start_line != line
    ]


_ADDED_EXTENSION = re.compile(r"(?:\.[A-Za-z][\w-]{0,9}){1,2}")
_FILE_NAME = re.compile(r"[\w./@:-]+")


def extension_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A file's name in a string given an extension at its end (`"passing-sync"` made
    `"passing-sync.fixture.js"`, `"../lib/serializer"` made `"../lib/serializer.mjs"`): the
    same path elsewhere (a key naming the module too), and the string the other calls of the
    same function pass first, when it has no extension either, given it alike. Places are
    in strings: the caller must not leave them out."""
    content, ext = change.content, change.inserted
    if change.removed or not _ADDED_EXTENSION.fullmatch(ext):
        return []
    quote = content[change.after_end : change.after_end + 1]
    line_start = content.rfind("\n", 0, change.start) + 1
    opened = content.rfind(quote, line_start, change.start) if quote in "'\"`" else -1
    was = content[opened + 1 : change.start]
    if opened < 0 or not _FILE_NAME.fullmatch(was) or "." in was.rsplit("/", 1)[-1]:
        return []
    ends = []
    if "/" in was:  # a path, not a word that may be a key of another kind
        ends += [m.end() - 1 for m in re.finditer(rf"""(['"`]){re.escape(was)}\1""", content)]
    paren = unclosed_paren(content, opened)
    callee = None if paren is None else re.search(r"([\w$]+)\s*$", content[:paren])
    if paren is not None and callee is not None and not content[paren + 1 : opened].strip():
        first = rf"""(?<![\w$]){re.escape(callee.group(1))}\(\s*(['"`])({_FILE_NAME.pattern})\1"""
        for m in re.finditer(first, content):
            if m.group(2) != was and "." not in m.group(2).rsplit("/", 1)[-1]:
                ends.append(m.end(2))
    line = index.line_of(change.start)
    edits = [TextEdit(index.span(end, end), "", ext) for end in sorted(set(ends))]
    return [
        Candidate(e.span, SIMILAR, repeat_score(abs(e.span.start_line - line)), e)
        for e in edits
        if e.span.start_line != line
    ]


def _commented(content: str, at: int) -> bool:
    """Is ``at`` on a line comment, or a line of a block comment (a JSDoc example)?"""
    lead = content[content.rfind("\n", 0, at) + 1 : at]
    return "//" in lead or "/*" in lead or lead.lstrip().startswith("*")


# -- `-> None` given to a function ------------------------------------------------------------

_DEF = re.compile(r"^([ \t]*)(?:async[ \t]+)?def[ \t]+(\w+)[ \t]*\(", re.MULTILINE)


def none_return_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A Python function's header given `-> None`: each other function of the same name in
    the file (every class's `__init__`) that has no return annotation and returns nothing
    (no `return` with a value, no `yield`), given it too. Not a property, an overload or an
    abstract method: those say more. Not functions of other names: on the broad samples,
    one test or `__init__` annotated left the file's others as they were as often as not."""
    if change.removed or change.inserted.strip() != "-> None":
        return []
    content = change.content
    headers = list(_DEF.finditer(content, 0, change.start))
    mine = headers[-1] if headers else None  # the header the change is in, if any
    if mine is None or _header_end(content, mine) != change.start:
        return []
    line = index.line_of(change.start)
    candidates = []
    for found in _DEF.finditer(content):
        if found.start() == mine.start() or found[2] != mine[2]:
            continue
        close = _header_end(content, found)
        if close is None or re.match(r"\s*->", content[close:]):
            continue
        if not _returns_nothing(content, found):
            continue
        edit = TextEdit(index.span(close, close), "", " -> None")
        number = index.line_of(found.start())
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates


def _header_end(content: str, found: re.Match[str]) -> int | None:
    """Just after the `)` that closes a `def`'s parameters; None if they do not close."""
    close = matching_paren(content, found.end() - 1, limit=4000)
    return None if close is None else close + 1


def _returns_nothing(content: str, found: re.Match[str]) -> bool:
    """Does the function ``found`` starts return nothing, and say nothing more about it (a
    decorator such as `@property` or `@abstractmethod`)?"""
    indent = len(found.group(1))
    above = content[: found.start()].rstrip("\n").split("\n")
    for line in reversed(above):
        if not line.strip().startswith("@"):
            break
        if re.search(r"property|overload|abstract|setter|getter", line):
            return False
    body = []
    for line in content[found.end() :].split("\n")[1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        body.append(line)
    text = "\n".join(body)
    if re.search(r"\breturn[ \t]+(?!None\b)\S|\byield\b", text):
        return False
    return text.strip() not in ("", "...", "pass")


# -- `require` made `import` ------------------------------------------------------------------

_BINDING = r"(?:[A-Za-z_$][\w$]*|\{[\w$\s,]*\})"  # a name, or names destructured (no renames)
_REQUIRE = re.compile(
    rf"^(?:const|let|var)[ \t]+({_BINDING})[ \t]*=[ \t]*require\([ \t]*(['\"])([^'\"\n]+)\2[ \t]*\)"
    r"[ \t]*(;?)[ \t]*$",
    re.MULTILINE,
)
_IMPORT = re.compile(
    rf"^import[ \t]+({_BINDING})[ \t]+from[ \t]+(['\"])([^'\"\n]+)\2[ \t]*(;?)[ \t]*$"
)


def esm_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A top-level `const x = require('m')` made `import x from 'm'` (a module moved to
    ECMAScript modules): the file's other such requires made imports alike, in the user's
    quotes and semicolons, and with Node's `node:` prefix where the user gave it one."""
    before, content = change.before, change.content
    start = before.rfind("\n", 0, change.start) + 1
    if "\n" in change.removed or "\n" in change.inserted:
        return []
    was = _REQUIRE.match(before[start : line_end(before, change.before_end)])
    now = _IMPORT.match(content[start : line_end(content, change.after_end)])
    if was is None or now is None or _names(was.group(1)) != _names(now.group(1)):
        return []
    prefixed = now.group(3) == "node:" + was.group(3)
    if now.group(3) != was.group(3) and not prefixed:
        return []
    quote, semicolon = now.group(2), now.group(4)
    line = index.line_of(change.start)
    candidates = []
    for found in _REQUIRE.finditer(content):
        binding, module = found.group(1), found.group(3)
        if prefixed and module.split("/")[0] in NODE_BUILTINS:
            module = "node:" + module
        text = f"import {binding} from {quote}{module}{quote}{semicolon}"
        edit = TextEdit(index.span(found.start(), found.end()), found.group(), text)
        candidates.append(
            Candidate(edit.span, SIMILAR, repeat_score(abs(edit.span.start_line - line)), edit)
        )
    return candidates


def _names(binding: str) -> list[str]:
    return re.findall(r"[\w$]+", binding)


# -- a Go error check added -----------------------------------------------------------------

_ERR_CHECK = re.compile(r"([ \t]*)if err != nil \{\n(?:\1[ \t]+.*\n){1,4}\1\}")
_ERR_ASSIGNED = re.compile(r"^[ \t]+(?:var[ \t]+)?(?:[\w.]+[ \t]*,[ \t]*)*err[ \t]*:?=[^=]")
# what may fail: a call, not an error made (`errors.New`, `fmt.Errorf`, `HandshakeError{…}`)
_FAILABLE = re.compile(r"=[ \t]*+(?!errors\.New\(|fmt\.Errorf\()[^{\n]*\w\(")
_RETURNS = re.compile(r"\)\s*([^{()]*|\([^{]*\))\s*\{\s*$")
MAX_STATEMENT_LINES = 12  # lines of an assignment read to its end (a call over several)


def error_check_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """Go's `if err != nil { … }` added right after a statement that assigns `err`: the
    same check after each other statement that assigns `err` and is not followed by
    anything reading it, indented as that statement. A check that returns is copied only
    into functions returning what its own returns, one that uses a parameter (`t.Fatal`)
    only into functions that have it."""
    if change.removed.strip() or "if err != nil {" not in change.inserted:
        return []
    content = change.content
    found = _ERR_CHECK.match(content, content.rfind("\n", 0, change.start) + 1)
    if found is None or found.end() > change.after_end + 1:
        found = _ERR_CHECK.match(content, change.start + 1)  # the newline before it inserted
    if found is None or found.end() > change.after_end + 1:
        return []
    lines = content.split("\n")
    first = index.line_of(found.start())  # 1-based line of the `if`
    above = _previous_statement(lines, first - 2)
    if above is None or above[1] != first - 2:
        return []
    block = found.group().split("\n")
    own = _header_of(lines, first - 1)
    candidates = []
    for number, text in enumerate(lines):
        if number == above[0] or not _ERR_ASSIGNED.match(text) or not _FAILABLE.search(text):
            continue
        end = _statement_end(lines, number)
        if end is None or re.search(r"\berr\b", _next_line(lines, end)):
            continue
        if not _check_fits(found.group(), own, _header_of(lines, number)):
            continue
        indent = text[: len(text) - len(text.lstrip())]
        text_block = "".join(indent + line[len(found.group(1)) :] + "\n" for line in block)
        at = index.line_bounds(end + 1)[1] + 1
        edit = TextEdit(index.span(at, at), "", text_block)
        score = repeat_score(abs(number - above[0]))
        candidates.append(Candidate(edit.span, SIMILAR, score, edit))
    return candidates


_ERR_TARGETS = re.compile(r"(?:[\w]+[ \t]*,[ \t]*)*err[ \t]*(:?=)[ \t]*")


MAX_CHECKED_CALLS = 24  # more calls than that: a common method, not one call site's fix


def checked_call_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """Go: a call whose results were dropped (`c.ipv4Conn.WriteToUDP(buf, addr)`) made to
    assign its error and check it (`_, err = …`, `if err != nil { … }` below): each other
    call of that function or method, on a receiver as deep from the same root (`c.v6Conn`,
    not `wg` for `cmd.Wait()`), standing alone on its line, assigned and checked the same
    way. Only in a function (not a closure in one) returning what the check returns and
    having the parameters it uses; `err =` where the function declares `err` in a block
    around the call (or takes it), `err :=` where it does not."""
    before, content = change.before, change.content
    old_start = before.rfind("\n", 0, change.start) + 1
    old_end = line_end(before, old_start)
    if change.before_end > old_end or "\n" in change.removed:
        return []
    statement = before[old_start:old_end].strip()
    call = _bare_call(statement)
    start = content.rfind("\n", 0, change.start) + 1
    end = line_end(content, start)
    line = content[start:end]
    indent = line[: len(line) - len(line.lstrip())]
    targets = _ERR_TARGETS.match(line, len(indent))
    if call is None or targets is None or line[targets.end() :] != statement:
        return []
    check = _ERR_CHECK.match(content, end + 1)
    if check is None or check.group(1) != indent:
        return []
    lines = content.split("\n")
    raw = _raw_string_lines(lines)
    first = index.line_of(start) - 1  # 0-based, the user's statement
    own = _header_of(lines, first)
    if _in_closure(lines, first, raw):
        return []
    block = check.group().split("\n")
    declared = targets.group(1) == "="
    candidates = []
    for number, text in enumerate(lines):
        body = text.strip()
        other = _bare_call(body)
        if number == first or number in raw or other is None or other[1:] != call[1:]:
            continue
        if not _check_fits(check.group(), own, _header_of(lines, number)):
            continue
        there = text[: len(text) - len(text.lstrip())]
        if _err_declared(lines, number, raw) != declared or _in_closure(lines, number, raw):
            continue
        wrapped = (
            targets.group() + body + "".join("\n" + there + piece[len(indent) :] for piece in block)
        )
        at = index.line_bounds(number + 1)[0] + len(there)
        edit = TextEdit(index.span(at, at + len(body)), body, wrapped)
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - first)), edit))
    return candidates if len(candidates) <= MAX_CHECKED_CALLS else []


# a statement that is a call alone, opening at its function's or method's name
_CALLED = re.compile(r"((?:[A-Za-z_]\w*\.)*)([A-Za-z_]\w*)\(")


def _bare_call(statement: str) -> tuple[str, str, int, str] | None:
    """``statement`` read as a call alone (`c.v4.WriteToUDP(buf, addr)`, not a chain's
    `w.Write(y).Flush()`): its receiver, the receiver's root, how deep it is, and the name
    called; None if it is not one."""
    found = _CALLED.match(statement)
    if found is None or matching_paren(statement, found.end() - 1) != len(statement) - 1:
        return None
    receiver = found.group(1)
    return receiver, receiver.split(".")[0], receiver.count("."), found.group(2)


def _err_declared(lines: list[str], at: int, raw: set[int]) -> bool:
    """Does the Go function around ``lines[at]`` declare `err` before it, in a block around
    it (a line no deeper than every line between: not a sibling block's own, nor an `if
    err := …;` of its own), or take or name it (`err error` in its header)? ``raw``: the
    lines inside raw strings, which are no code."""
    depth = len(lines[at]) - len(lines[at].lstrip())
    for number in range(at - 1, -1, -1):
        text = lines[number]
        if text.startswith("func "):
            return _ERR_IN_HEADER.search(text) is not None
        body = text.lstrip()
        if number in raw or not body or len(text) - len(body) > depth:
            continue  # a raw string's, a blank, or inside a block closed before
        depth = len(text) - len(body)
        if _DECLARES_ERR.match(body):
            return True
    return False


_DECLARES_ERR = re.compile(r"var\s+err\b|(?:[\w]+\s*,\s*)*err\s*(?:,\s*\w+\s*)*:=")
_ERR_IN_HEADER = re.compile(r"\berr\s+error\b")


def _in_closure(lines: list[str], at: int, raw: set[int]) -> bool:
    """Is ``lines[at]`` inside a function literal (`go func() {`), read from the lines
    around it that are indented less (gofmt's layout; ``raw``: the lines inside raw strings,
    whose indentation says nothing)?"""
    depth = len(lines[at]) - len(lines[at].lstrip())
    for number in range(at - 1, -1, -1):
        text = lines[number]
        if text.startswith("func "):
            return False
        body = text.lstrip()
        if number not in raw and body and len(text) - len(body) < depth:
            depth = len(text) - len(body)
            if re.search(r"\bfunc\s*\(", body):
                return True
    return False


def _raw_string_lines(lines: list[str]) -> set[int]:
    """The Go lines that begin inside a raw string (after an odd number of backquotes; a
    backquote in a string or comment is taken as one too)."""
    inside, found = False, set()
    for number, text in enumerate(lines):
        if inside:
            found.add(number)
        inside ^= text.count("`") % 2 == 1
    return found


def _check_fits(check: str, own: str, header: str) -> bool:
    """Does ``check`` (Go's `if err != nil { … }`), written in the function headed ``own``,
    fit the function headed ``header``: returning what ``own`` returns if it returns, and
    having the parameters of ``own`` it uses (`t.Fatal(err)`)?"""
    used = set(re.findall(r"\b[A-Za-z_]\w*\b", check)) & set(_parameters(own))
    returns = "return" in check
    return (not returns or _returns(header) == _returns(own)) and used <= set(_parameters(header))


def _next_line(lines: list[str], at: int) -> str:
    return next((t for t in lines[at + 1 :] if t.strip()), "")


def _previous_statement(lines: list[str], at: int) -> tuple[int, int] | None:
    """The assignment of `err` whose statement ends on ``lines[at]`` or the line before the
    blank ones above it, as (its first line, its last line), 0-based; None if not one."""
    while at >= 0 and not lines[at].strip():
        at -= 1
    for start in range(at, max(-1, at - MAX_STATEMENT_LINES), -1):
        if _ERR_ASSIGNED.match(lines[start]):
            return (start, at) if _statement_end(lines, start) == at else None
    return None


_CONTINUED = (",", "+", "&&", "||", ".")  # a line ending so goes on


def _statement_end(lines: list[str], start: int) -> int | None:
    """The 0-based line where the statement starting at ``lines[start]`` ends (its brackets
    closed, not ending in an operator or comma); None past MAX_STATEMENT_LINES."""
    texts = lines[start : start + MAX_STATEMENT_LINES]
    joined = "".join(text + "\n" for text in texts)
    ends = list(accumulate(len(text) + 1 for text in texts))  # past each newline
    # Read as one text, so that a string spanning lines (a Go raw string) keeps its quote:
    # a line's newline is seen only outside quotes, with the depth of brackets there.
    depth_at: dict[int, int] = {}
    code_end = {number: end - 1 for number, end in enumerate(ends)}  # where a comment starts
    for i, c, depth in code_chars(joined, 0, len(joined), comment="//"):
        number = bisect.bisect_right(ends, i)
        if c == "\n":
            depth_at[number] = depth
        elif c == "//":
            code_end[number] = i
    for number, text in enumerate(texts):
        code = joined[ends[number] - len(text) - 1 : code_end[number]].rstrip()
        closed = depth_at.get(number)  # None: the line ends inside a string
        if closed is not None and closed <= 0 and not code.endswith(_CONTINUED):
            return start + number
    return None


def _header_of(lines: list[str], at: int) -> str:
    """The header line of the Go function around ``lines[at]``; "" outside one."""
    return next((lines[n] for n in range(at, -1, -1) if lines[n].startswith("func ")), "")


def _returns(header: str) -> str | None:
    """A Go function header's result types (`(int, error)`, `error`, "")."""
    found = _RETURNS.search(header)
    return found.group(1).strip() if found else None


def _parameters(header: str) -> list[str]:
    """The parameter names of a Go function header (`t` of `func TestX(t *testing.T) {`)."""
    found = re.match(r"func\s+(?:\([^)]*\)\s*)?\w+\s*(?:\[[^\]]*\])?\(([^)]*)\)", header)
    if found is None:
        return []
    return re.findall(r"(?:^|,)\s*(\w+)(?=\s*(?:,|\s\S))", found.group(1))


# -- a Python import inside a function made redundant ---------------------------------------

_LOCAL_IMPORT = re.compile(r"(?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+[\w., \t]+")


def local_import_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A Python import moved to the module's top: deleted from inside a function while the
    top has it, or added at the top while functions have it: its copies inside functions,
    deleted."""
    added = not change.removed.strip()
    moved = (change.inserted if added else change.removed).strip()
    if "\n" in moved or not _LOCAL_IMPORT.fullmatch(moved):
        return []
    if (change.removed if added else change.inserted).strip():
        return []
    text = change.content if added else change.before
    line_start = text.rfind("\n", 0, change.start) + 1
    around = text[line_start : change.start] + (change.inserted if added else change.removed)
    if text[line_start : change.start].strip() or around[:1].isspace() == added:
        return []  # not a whole line, at the top if added, indented if deleted
    lines = change.content.split("\n")
    if moved not in (t.rstrip() for t in lines):
        return []  # not imported at the module's top
    line = index.line_of(change.start)
    candidates = []
    for number, text in enumerate(lines, start=1):
        if text.strip() != moved or not text[:1].isspace():
            continue
        start, end = index.line_bounds(number)
        first = number > 1 and lines[number - 2].rstrip().endswith(":")
        if first and number < len(lines) and not lines[number].strip():
            end = index.line_bounds(number + 1)[1]  # the blank line after a block's first too
        end = min(end + 1, len(change.content))
        edit = TextEdit(index.span(start, end), change.content[start:end], "")
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates


# -- a trailing comma put before a closing bracket -------------------------------------------

_NOT_AN_ARGUMENT_LIST = re.compile(
    r"(?<![.:])\b(?:if|elif|while|for|switch|catch|return|await|in|not|and|or|else|is|yield"
    r"|throw|typeof|void|new|instanceof|delete|raise|from|match|case|default|of)$|=>$"
)
_ASSERTED = re.compile(r"\bassert\s+$")  # Python's `assert (`, not a JavaScript `assert(` call
_PYTHON_ASSERTED = re.compile(r"\bassert\s*$")  # in Python, `assert(` too: a tuple asserted
_COMPARED = re.compile(r"\s(?:[<>]=?|[=!]==?)\s*$")  # `x > (`: a value compared, no call
# `>(` alone on its line: in TypeScript, where the line above its parameters ends in `<`, a
# generic function's type parameters closed (`atLeast: <\n  N extends number,\n>(`), no
# comparison (`a\n>(\n  b\n)`) nor JSX's text (`<small\n  className="muted"\n>(`)
_TYPE_PARAMETERS_CLOSED = re.compile(r"[ \t]*>")
_MAPPED_KEY = re.compile(r"\s*\[[^\]]*\bin\b")  # a TypeScript mapped type's `[K in keyof T]`
# what follows a definition's parameters or a destructuring's elements: `): string {`, `) =>`,
# `] =`, `} =`, `}) =>`
_BINDS = re.compile(r"\)\s*(?::|\{|=>)|[\]}]\s*(?:=(?![=>])|\)\s*(?::|\{|=>))")
_UNENDED = (",", "(", "[", "{", ";", ":", "\\", "=", "+", "-", "*", "/", "&&", "||", "=>")


def trailing_comma_candidates(
    index: LineIndex, change: Change, *, literals: bool = False, python: bool = False
) -> list[Candidate]:
    """A `,` put at the end of the last line of a call's or a definition's arguments, before
    the line with their closing `)` (a formatter's trailing commas; a TypeScript type's
    parameters, their `>`): the same on every other such line without one. Not in a
    condition's parentheses (`if (`) nor a parenthesized expression (`x = (`, `or (`,
    `throw (`), where a comma would change the code. With ``literals`` (Python, JavaScript,
    TypeScript: not JSON, nor a language whose blocks end in a value), one put after the
    last item of a list or an object (a dict) laid out one item a line, before its `]` or
    `}`: the same after the other such literals' last items (not a block's last statement:
    `if (a) {`, `=> {`, `case 1: {`, a brace on a line of its own; not a comprehension, a
    JSX attribute's value, a rest element, a line that ends in a comment). ``python``: the
    document is Python's (its `assert(` is no call)."""
    content = change.content
    if change.removed or change.inserted != ",":
        return []
    lines = content.split("\n")
    line = index.line_of(change.start)
    if lines[line - 1][: change.start - index.line_bounds(line)[0] + 1].rstrip()[-1:] != ",":
        return []
    if content[change.after_end : line_end(content, change.after_end)].strip():
        return []  # not at the line's end
    closes = partial(_before_closer, index, lines, content=content, python=python)
    literal = not closes(line, with_comma=True)
    if literal and not (literals and closes(line, with_comma=True, literal=True)):
        return []
    candidates = []
    for number in range(1, len(lines) + 1):
        if number != line and closes(number, with_comma=False, literal=literal):
            at = index.line_bounds(number)[0] + len(lines[number - 1].rstrip())
            edit = TextEdit(index.span(at, at), "", ",")
            score = repeat_score(abs(number - line))
            candidates.append(Candidate(edit.span, SIMILAR, score, edit))
    return candidates


def _before_closer(
    index: LineIndex,
    lines: list[str],
    number: int,
    *,
    content: str,
    with_comma: bool,
    literal: bool = False,
    python: bool = False,
) -> bool:
    """Is line ``number`` the last of an argument list whose `)` opens the next line
    (``literal``: the last item of a list or an object, its `]` or `}`), ending with a comma
    (``with_comma``) or able to take one? (``python``: a Python document's.)"""
    text = lines[number - 1].rstrip()
    after = next((n for n in range(number, len(lines)) if lines[n].strip()), None)
    closers = ("]", "}") if literal else (")", ">")
    if not text.strip() or after is None or lines[after].lstrip()[:1] not in closers:
        return False
    if with_comma != text.endswith(","):
        return False
    if not with_comma and (text.endswith(_UNENDED) or COMMENT_LINE.match(text)):
        return False
    if not with_comma and _top_level_comma(text):
        return False  # several arguments on the line: a layout that takes no trailing comma
    if not with_comma and text.lstrip().startswith("...") and _BINDS.match(lines[after].lstrip()):
        return False  # a rest parameter or element takes none (TS1013); a spread argument may
    if literal and not with_comma and text.lstrip().startswith("..."):
        return False  # (a rest element's `}: Props)` is not told from a spread)
    if not with_comma and (_COMMENTED.search(text) or (literal and _MAPPED_KEY.match(text))):
        return False  # (a comma after a comment is in it; a mapped type's member takes `;`)
    if lines[after].lstrip().startswith(">"):
        return _type_parameters_end(lines, number, after)
    closer = index.line_bounds(after + 1)[0] + len(lines[after]) - len(lines[after].lstrip())
    opened = unclosed_bracket(content, closer, lookback=5000)
    if opened is None or index.line_of(opened) == number:
        return False
    if matching_paren(content, opened) != closer:
        return False  # (a bracket in a string read back: not the one read forward)
    if _comprehension(content[opened + 1 : closer]):
        return False  # (`[x for x in xs,]`, `sum(\n x for x in xs,\n)` do not parse)
    spaced = content[content.rfind("\n", 0, opened) + 1 : opened]
    before = spaced.rstrip()
    if literal:  # a list or an object where a value goes: not a block, not an index
        if not before.strip():  # (a bracket on a line of its own: an item of the one above)
            above = content[: content.rfind("\n", 0, opened)].rstrip()
            before = "," if above.endswith((",", "[", "(")) else ""
        return (
            bool(_LITERAL_OPENS.search(before))
            and not _BLOCK_LABEL.match(before)
            and not _JSX_ATTRIBUTE.search(before)
        )
    return (
        content[opened] == "("  # (a `[` after a name is an index: `d[k,]` is a tuple's)
        and bool(re.search(r"[\w$\]>)]$", before))
        and not _NOT_AN_ARGUMENT_LIST.search(before)
        and not (_PYTHON_ASSERTED if python else _ASSERTED).search(spaced)
        and (
            not _COMPARED.search(spaced)
            or (not python and _generic_call(index, lines, spaced, opened))
        )
    )


# what stands before a list's or an object's opening bracket: where a value goes (`= [`,
# `({`, `key: {`, `return [`, an item of a list laid out one a line, a module's `export
# default {`), not a name indexed (`a[`), a block (`) {`, `=> {`, `else {`)
_LITERAL_OPENS = re.compile(r"(?:[(,\[]|(?<![=!<>])=|:|\breturn|\bexport\s+default)$")
# `className={` (JSX's attribute, its value an expression) or `f(config={`: left alone
_JSX_ATTRIBUTE = re.compile(r"[\w-]=$")
_COMMENTED = re.compile(r"#|//|/\*")  # (roughly: a line with a comment, or those in strings)
_NESTED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\}")


def _comprehension(inside: str) -> bool:
    """Is ``inside`` (what a bracket holds) a comprehension: a `for` at its own depth?"""
    while True:
        flat = _NESTED.sub("", inside)
        if flat == inside:
            return re.search(r"(?<![\w.])for\s", flat) is not None
        inside = flat


_BLOCK_LABEL = re.compile(r"[ \t]*(?:case|default)\b")  # a switch's `case 1: {`: a block


MAX_TYPE_PARAMETERS = 20  # lines between a type's `<` and its `>`, at most


def _generic_call(index: LineIndex, lines: list[str], spaced: str, opened: int) -> bool:
    """Does the `(` at ``opened``, after ``spaced`` (its line up to it), follow a `>` alone on
    its line that closes a TypeScript type's parameters, one a line below a line ending in
    `<`, as a generic function type's (`atLeast: <\n  N extends number,\n>(`)?"""
    if _TYPE_PARAMETERS_CLOSED.fullmatch(spaced) is None:
        return False
    row = index.line_of(opened) - 1  # (0-based: the 1-based number of the line above)
    return _type_parameters_end(lines, row, row)


def _type_parameters_end(lines: list[str], number: int, after: int) -> bool:
    """Is line ``number`` (1-based) the last of a TypeScript type's parameters, one a line
    between a line ending in `<` and line ``after`` (0-based), its `>` at the same depth?"""
    depth = len(lines[after]) - len(lines[after].lstrip())
    for n in range(number - 1, max(-1, number - 1 - MAX_TYPE_PARAMETERS), -1):
        text = lines[n]
        if text.strip() and len(text) - len(text.lstrip()) <= depth:
            return n < number - 1 and text.rstrip().endswith("<")
    return False


def _top_level_comma(line: str) -> bool:
    """Does ``line`` hold a comma outside its brackets and strings (quotes read roughly)?"""
    return len(split_top_level(line)) > 1


MIN_WRAPPED_WIDTH = 80  # columns of a line wrapped for its length: no line limit is shorter
# A line this many columns shorter than the one wrapped is as likely past the same limit (a
# line wrapped by hand is seldom the longest); more, and the file's lines that stay as they
# are come in (on the benchmark's samples and one-place commits).
WIDTH_SLACK = 10
MAX_LONG_LINES = 12  # more lines as long than that: the file's layout, not one being fixed


def long_line_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A long line wrapped at one of its brackets, nothing but layout changed (`def
    _to_str(size: int, suffixes: …, separator: str = " "):` made one parameter a line, as a
    formatter's line limit asks): each other line at least as long that holds a bracketed
    list, wrapped the same way (its longest list, one item a line or all on one line, the
    same indentation step, a trailing comma if the user's has one). "As long": within
    WIDTH_SLACK columns, tabs read as four."""
    removed, inserted, before = change.removed, change.inserted, change.before
    if "\n" in removed or "\n" not in inserted or not _layout_only(removed, inserted):
        return []
    if "\r" in inserted:
        return []  # (CRLF lines: the lines it would write are the user's to lay out)
    old_start = before.rfind("\n", 0, change.start) + 1
    width = len(before[old_start : line_end(before, change.start)].expandtabs(4))
    wrapping = _wrapping(index, change)
    if width < MIN_WRAPPED_WIDTH or wrapping is None:
        return []
    step, each, trailing = wrapping
    shortest = max(MIN_WRAPPED_WIDTH, width - WIDTH_SLACK)
    made = [*change.earlier, (change.start, change.after_end)]
    first, last = index.line_of(change.start), index.line_of(change.after_end)
    candidates = []
    for number in range(1, index.line_count + 1):
        text = index.line_text(number)
        if first <= number <= last or len(text.expandtabs(4)) < shortest:
            continue
        if COMMENT_LINE.match(text) or not balanced(text):
            continue  # prose, or a line already wrapped
        longest = _longest_list(text)
        if longest is None:
            continue
        start = index.line_bounds(number)[0]
        at, end = start + longest[0], start + longest[1]
        if any(lo < end and at < hi for lo, hi in made):
            continue
        items = [item.strip() for item in split_top_level(text[longest[0] : longest[1]])]
        items = [item for item in items if item]
        base = text[: len(text) - len(text.lstrip())]
        inner = base + step
        joint = f",\n{inner}" if each else ", "  # one item a line, or all on one line
        rest = items[-1].startswith("...")  # a rest element or parameter takes no comma after
        body = joint.join(items) + ("," if trailing and not rest else "")
        edit = TextEdit(
            index.span(at, end), text[longest[0] : longest[1]], f"\n{inner}{body}\n{base}"
        )
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - first)), edit))
    return candidates if len(candidates) <= MAX_LONG_LINES else []


def _layout_only(removed: str, inserted: str) -> bool:
    """Do ``removed`` and ``inserted`` differ in spaces, line breaks and commas only?"""
    squashed = re.sub(r"[\s,]", "", removed)
    return bool(squashed) and squashed == re.sub(r"[\s,]", "", inserted)


def _wrapping(index: LineIndex, change: Change) -> tuple[str, bool, bool] | None:
    """How the user wrapped the line: the indentation step of the lines inside the bracket,
    whether each item has a line of its own, whether the last one has a trailing comma;
    None unless the first line ends with the bracket, a line starts with its closer and
    there are several items."""
    first, last = index.line_of(change.start), index.line_of(change.after_end)
    opening = index.line_text(first)
    base = opening[: len(opening) - len(opening.lstrip())]
    if opening.rstrip()[-1:] not in ("(", "[", "{"):
        return None
    inside = []
    for number in range(first + 1, min(last, index.line_count) + 1):
        text = index.line_text(number)
        if text.startswith(base) and text[len(base) : len(base) + 1] in (")", "]", "}"):
            break
        inside.append(text)
    else:
        return None
    if not inside or not inside[0].startswith(base) or len(inside[0]) == len(inside[0].lstrip()):
        return None
    step = inside[0][len(base) : len(inside[0]) - len(inside[0].lstrip())]
    if not step:
        return None
    if len(inside) == 1 and len(split_top_level(inside[0].strip().rstrip(","))) == 1:
        return None  # one item: no telling how several would be laid out
    return step, len(inside) > 1, inside[-1].rstrip().endswith(",")


def _longest_list(line: str) -> tuple[int, int] | None:
    """Where the longest of the line's outermost brackets holds its items (inside the
    brackets), of those that hold more than one; None if none does."""
    opened, lists = None, []
    for i, c, depth in code_chars(line, 0, len(line)):
        if c in "([{" and depth == 1:
            opened = i + 1
        elif c in ")]}" and depth == 0 and opened is not None:
            items = [p.strip() for p in split_top_level(line[opened:i]) if p.strip()]
            # (a regular expression's `\d{1,2}`: numbers after an escape, no list)
            escaped = line[max(0, opened - 3) : opened - 2] == "\\"
            if len(items) > 1 and not escaped and not all(p.isdigit() for p in items):
                lists.append((opened, i))
            opened = None
    return max(lists, key=lambda span: span[1] - span[0], default=None)


# -- a name imported from another module ---------------------------------------------------

# a module's top-level imports that list the names they bind: Python's `from m import a, b`
# (in parentheses or not), JavaScript's `import { a, b } from 'm'` (after a default import or
# `type`, the list is the statement's only if nothing comes before it)
_FROM_IMPORT = re.compile(
    r"^from[ \t]+[\w.]+[ \t]+import[ \t]+(?:\(([^)]*)\)|([^\n#;()\\]+))", re.MULTILINE
)
_NAMED_IMPORT = re.compile(
    r"^import[ \t]+(?:type[ \t]+)?([\w$]+[ \t]*,[ \t]*)?\{([^}]*)\}[ \t]*from\b[^\n]*",
    re.MULTILINE,
)
_LISTED_ENTRY = re.compile(r"(?:type\s+)?[\w$]+(?:\s+as\s+[\w$]+)?")
# a statement: its start and end, its entries (name bound, start, end), whether it is all list
_Listing = tuple[int, int, list[tuple[str, int, int]], bool]


def moved_import_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A name the change imports at the module's top (`from collections.abc import
    Sequence` added, `Sequence` put in an import's list) that another top-level import
    already binds (`from typing import (..., Sequence, ...)`): it was moved, and taken out
    of that import (the whole statement when nothing else is left in it). What is taken out
    of one place is one edit: the names of one statement, statements on adjacent lines."""
    content = change.content
    statements = _listing_imports(content)
    mine = [s for s in statements if s[0] < change.after_end and change.start < s[1]]
    added = {
        name
        for _, _, entries, _ in mine
        for name, entry_start, entry_end in entries
        if change.start <= entry_start and entry_end <= change.after_end
    }
    if added:  # (read the text before only then: this runs on every change)
        # a name only the change's statement bound before is no move (an import reflowed)
        bound = [n for _, _, entries, _ in _listing_imports(change.before) for n, _, _ in entries]
        added = {name for name in added if bound.count(name) <= 1}
    if not added:
        return []
    cuts: list[tuple[int, int]] = []
    for statement in statements:
        if statement not in mine:
            cuts += _cuts(content, statement, added)
    line = index.line_of(change.start)
    candidates = []
    for start, end in _union(cuts):
        edit = TextEdit(index.span(start, end), content[start:end], "")
        distance = abs(edit.span.start_line - line)
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(distance), edit))
    return candidates


def _cuts(content: str, statement: _Listing, names: set[str]) -> list[tuple[int, int]]:
    """What to take out of ``content`` to drop the entries of ``statement`` that bind one of
    ``names``: the whole statement when that is all of them (and the list is all it
    imports), else each entry's whole line when it stands alone on it, or the entry and the
    comma and spaces after it (before it, after the entry kept before it, for the last)."""
    start, end, entries, alone = statement
    dropped = [number for number, entry in enumerate(entries) if entry[0] in names]
    if len(dropped) == len(entries):
        return [(start, min(end + 1, len(content)))] if alone else []
    cuts = []
    for number in dropped:
        _, entry_start, entry_end = entries[number]
        line_start = content.rfind("\n", 0, entry_start) + 1
        own_end = line_end(content, entry_end)
        rest = content[entry_end:own_end].strip()
        if not content[line_start:entry_start].strip() and rest in ("", ","):
            cuts.append((line_start, min(own_end + 1, len(content))))
        elif number + 1 < len(entries):
            cuts.append((entry_start, entries[number + 1][1]))
        else:
            kept = max(n for n in range(number) if n not in dropped)
            cuts.append((entries[kept][2], entry_end))
    return cuts


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` merged where they meet or overlap, in order."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _listing_imports(content: str) -> list[_Listing]:
    """The top-level imports that list names: each statement's start and end (its last
    line's end), its entries (the name each binds, the entry's start and end) and whether
    the list is all it imports."""
    found: list[_Listing] = []
    for match in _FROM_IMPORT.finditer(content):
        group = 1 if match.group(1) is not None else 2
        end = line_end(content, match.end())
        rest = content[match.end() : end].split("#")[0].strip()
        if rest or "(" in (match.group(1) or ""):
            continue  # `; import re` or `\` after it, a `)` in a comment: not read whole
        entries = _entries(content, match.start(group), match.end(group))
        found.append((match.start(), end, entries, True))
    for match in _NAMED_IMPORT.finditer(content):
        if ";" in match.group().rstrip().rstrip(";"):
            continue  # another statement on its line
        entries = _entries(content, match.start(2), match.end(2))
        found.append((match.start(), match.end(), entries, match.group(1) is None))
    return [listing for listing in found if listing[2]]


def _entries(content: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """The entries of the list ``content[start:end]`` (comments blanked out): the name each
    binds, its start and end; [] when an entry reads otherwise."""
    listed = re.sub(r"(#|//)[^\n]*", lambda m: " " * len(m.group()), content[start:end])
    entries = []
    at = 0
    for piece in listed.split(","):
        stripped = piece.strip()
        if stripped:
            if not _LISTED_ENTRY.fullmatch(stripped):
                return []
            first = start + at + piece.index(stripped)
            entries.append((stripped.split()[-1], first, first + len(stripped)))
        at += len(piece) + 1
    return entries


_LOCKED = re.compile(r"(\t)([\w.]+)\.(R?)Lock\(\)\n")
_RETURN = re.compile(r"([ \t]*)return\b")
# -- a formatting call made a plain one --------------------------------------------------------

_FORMATTING_CALL = re.compile(r"[A-Za-z_]\w*f$")  # `Sprintf`, `Fatalf`, `Errorf`: its `f`


def unformatted_only(
    index: LineIndex, change: Change, candidates: list[Candidate]
) -> list[Candidate]:
    """``candidates``, but where ``change`` made a formatting call a plain one (`fmt.Fprintf(w,
    "done")` made `fmt.Fprint(w, "done")`, as a linter asks of a format with no directive),
    not the calls whose own strings have a directive (`fmt.Fprintf(w, "%v", e)`: they format)
    or a `%%` (printed as it stands by a plain call). Not where the file defines the name:
    that is a function renamed (`debugf` made `debug`), whose every call follows."""
    before = change.before
    if (
        change.removed != "f"
        or change.inserted
        or before[change.before_end : change.before_end + 1] != "("
    ):
        return candidates
    start = change.start
    while start > 0 and (before[start - 1].isalnum() or before[start - 1] == "_"):
        start -= 1  # (back to the name's start)
    name = before[start : change.before_end]
    if not _FORMATTING_CALL.fullmatch(name) or re.search(
        rf"\b(?:def|func|function)\s+(?:\([^()]*\)\s*)?{re.escape(name)}\b", before
    ):
        return candidates
    return [c for c in candidates if not _formats(index, c)]


def _formats(index: LineIndex, candidate: Candidate) -> bool:
    """Does ``candidate`` make a formatting call plain where the call's own arguments (not a
    call's among them) hold a string with a `%`?"""
    edit = candidate.edit
    if edit is None or not edit.removed.endswith("f") or edit.text != edit.removed[:-1]:
        return False
    content = index.text
    opened = index.offsets(candidate.span)[1]
    close = matching_paren(content, opened) if content[opened : opened + 1] == "(" else None
    if close is None:
        return False
    arguments = content[opened + 1 : close]
    depth, at = 0, 0  # (brackets open between the strings: a call's among the arguments)
    for found in STRING.finditer(arguments):
        between = arguments[at : found.start()]
        depth += between.count("(") + between.count("[") - between.count(")") - between.count("]")
        at = found.end()
        if depth == 0 and "%" in found.group(0):
            return True
    return False


# -- a test typed as returning nothing -------------------------------------------------------

_TEST_DEF = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+test\w*[ \t]*\(", re.M)


def test_return_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """`-> None` given to a Python test function (`def test_parse():` made `def test_parse()
    -> None:`, as a type checker's strict mode asks of every function): the file's other
    test functions with no return type, each given it. Only tests: any other function typed
    leaves the others untyped as often as not, but a test returns nothing by rule (not a
    fixture named `test_…`, nor a helper nested in a test: they give values)."""
    if change.removed or change.inserted.strip() != "-> None":
        return []
    content = change.content
    if not content[change.after_end :].lstrip().startswith(":"):
        return []
    closes = []  # where each test's parameters close
    for found in _TEST_DEF.finditer(content):
        close = matching_paren(content, found.end() - 1)
        if close is not None and _a_test(index, index.line_of(found.start())):
            closes.append(close)
    mine = [c for c in closes if c < change.start][-1:]
    if not mine or content[mine[0] + 1 : change.start].strip():
        return []
    line = index.line_of(change.start)
    candidates = []
    for close in closes:
        if close == mine[0] or not content[close + 1 : close + 80].lstrip().startswith(":"):
            continue
        edit = TextEdit(index.span(close + 1, close + 1), "", change.inserted)
        distance = abs(index.line_of(close) - line)
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(distance), edit))
    return candidates


def _a_test(index: LineIndex, line: int) -> bool:
    """Is the `def test…` on ``line`` a test: not a fixture (`@pytest.fixture` among its
    decorators), nor a helper nested in a function, nor a method of a class that is no
    module-level test class (looked for up to MAX_ENCLOSURE_LINES up; past that, a test)?"""
    text = index.line_text(line)
    indent = len(text) - len(text.lstrip())
    decorating = True  # (still in its decorators, their comments and continuation lines)
    for number in range(line - 1, max(0, line - MAX_ENCLOSURE_LINES), -1):
        above = index.line_text(number)
        stripped = above.lstrip()
        depth = len(above) - len(stripped)
        if decorating:
            if depth == indent and stripped.startswith("@"):
                if _FIXTURE.search(stripped):
                    return False
                continue
            if not stripped or stripped.startswith("#") or depth > indent:
                continue
            decorating = stripped.startswith((")", "]")) and depth == indent
            if decorating:
                continue
            if indent == 0:
                return True  # (a module's own function, its decorators read)
        if not stripped or depth >= indent or stripped.startswith((")", "]")):
            continue  # (a multi-line header's closing bracket: its opening line encloses)
        if _DEF_LINE.match(above):
            return False
        return depth == 0 and _TEST_CLASS.match(above) is not None
    return True


_FIXTURE = re.compile(r"\bfixture\b")
_TEST_CLASS = re.compile(r"class[ \t]+\w*Test")
MAX_ENCLOSURE_LINES = 400  # lines read up from a test's header for what encloses it

UNLOCK_SCORE = 0.7  # computed, and the code would stay locked without it


def unlock_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A Go mutex locked on a line of its own at a top-level function's top level (`w.mu.
    Lock()` put at the top of `Close`), and unlocked nowhere in it (no `defer`, no unlock of
    its own): unlocked again before each `return` after it, and at the function's end if
    its last line is a plain statement. Not in a function with a function literal (its
    returns are its own), nor where a lock is taken in a block (a branch or a loop: the
    returns after the block would unlock what was not locked)."""
    content = change.content
    if change.removed.strip():
        return []
    lock = _LOCKED.fullmatch(change.inserted.lstrip("\n"))
    if lock is None:
        return []
    start = content.find(change.inserted.lstrip("\n"), change.start)
    if start < 0 or content[start - 1 : start] not in ("", "\n"):
        return []
    after = start + len(lock.group())
    unlock = f"{lock.group(2)}.{lock.group(3)}Unlock()"
    header = content.rfind("\nfunc ", 0, start)
    close = content.find("\n}", after)
    if header < 0 or close < 0 or content.find("\nfunc ", header + 1, close) >= 0:
        return []  # not inside one top-level function
    body = content[after : close + 1]
    inside = content.find("{\n", header) + 1  # the function's own lines
    if unlock in body or inside <= 0 or re.search(r"\bfunc\s*\(", content[inside:close]):
        return []
    opened = content[inside:start]
    if opened.count("{") != opened.count("}"):
        return []  # locked inside a block
    line = index.line_of(start)
    places = [
        after + m.start()
        for m in _RETURN.finditer(body)
        if m.start() == 0 or body[m.start() - 1] == "\n"
    ]
    last = body.rstrip("\n").rsplit("\n", 1)[-1]
    if last.startswith("\t") and not last.startswith("\t\t"):
        plain = last.strip()
        if (
            plain
            and not plain.startswith(("return", "panic(", "}", ")"))
            and plain[-1] not in "{,("
        ):
            places.append(close + 1)
    candidates = []
    for at in places:
        indent = _RETURN.match(content, at)
        pad = indent.group(1) if indent else lock.group(1)
        edit = TextEdit(index.span(at, at), "", f"{pad}{unlock}\n")
        distance = abs(index.line_of(at) - line)
        score = UNLOCK_SCORE + nearness(0.1, distance)
        candidates.append(Candidate(edit.span, SIMILAR, score, edit))
    return candidates
