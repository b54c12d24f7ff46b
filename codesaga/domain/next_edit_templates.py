"""An expression rewritten, rewritten again where the same expression stands with other
names: `flag.alias !== undefined` made `Object.hasOwn(flag, 'alias')` is a rule for
`flag.choices !== undefined` a few lines below, `in annotations.errors` made
`of Object.keys(annotations.errors)` one for `in annotations.missing`. The user's replaced
text becomes a template: each name in it that the replacement keeps (as a name, or inside a
string) is a hole, the rest must stand as it is, and the function called is not a hole
(another function is another operation). Another place the template matches with other
names (with several holes, one of them still the user's) gets the replacement with its own
names put in. A whole statement rewritten matches whole statements only. When the names make
no template that matches, the holes are whole operands the replacement keeps (a member, an
index, a call's result, a string): `typeof receivedFlags[flagName] === 'undefined'` made
`receivedFlags[flagName] === undefined` is a rule for `typeof flags === 'undefined'`; such a
template must fix at least MIN_FIXED tokens of its own (`in X` alone stands in every loop).
A call of a named function rewritten (`strings.Replace(a, "x", "y", -1)` to
`strings.ReplaceAll(a, "x", "y")`) takes any arguments in their places, none of them the
user's; a member called made a function of its receiver (`self.oldEmit.apply(this, …)` to
`Reflect.apply(self.oldEmit, this, …)`) takes any receiver, names with members.
Text that stands the same elsewhere is next_edit_similar's text_repeats' to repeat.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from codesaga.domain.edits import TextEdit
from codesaga.domain.next_edit_locations import (
    SIMILAR,
    Candidate,
    Change,
    LineIndex,
    line_end,
    unclosed_bracket,
)
from codesaga.domain.next_edit_patterns import (
    ASSIGNED_AFTER,
    NAME,
    STRING,
    STRING_LITERAL,
    is_name,
    repeat_score,
    tokens,
)

MIN_TOKENS = 3  # a shorter expression (`a.b`) stands everywhere
MAX_TOKENS = 24  # a longer one is a statement rewritten, not an expression
MAX_PLACES = 12  # more matches than that: a common shape, not one being rewritten
# Symbols that say nothing of an expression's shape on their own: a template has to fix
# more than these (`a.b` to `f(a, b)` would match every member access).
_BARE = frozenset(".,()[]{};:")
_INFIX = frozenset("=<>|^?.,%")  # symbols that only stand after an operand
# An operand: a name with its members, indexes and calls (one level deep), or a string.
_OPERAND = re.compile(
    rf"(?:{NAME.pattern}(?:[ \t]*\.[ \t]*{NAME.pattern}|\[[^\[\]\n]*\]|\([^()\n]*\))*"
    rf"|{STRING_LITERAL})"
)
_DELETED = re.compile(r"\b(?:del|delete)[ \t]+\Z")
_QUALIFIER = re.compile(rf"{NAME.pattern}$")
_SPACES = r"[ \t]*"
MIN_FIXED = 2  # tokens of an operand template that are not holes nor bare symbols


@dataclass(frozen=True)
class _Template:
    pattern: re.Pattern[str]  # the replaced text, each hole a group
    holes: tuple[str, ...]  # the user's names in the holes, in group order
    inserted: str  # the replacement, its holes' names to be replaced
    called: bool = False  # a named function's call rewritten: its arguments may all differ


def template_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """The other places the user's replaced expression stands with other names, each with the
    replacement made of their names; [] when the change is no such rewrite."""
    rewrite = _rewrite(change)
    if rewrite is None:
        return []
    for make in (_template, _operand_template):  # the operands' when the names find nothing
        template = make(rewrite)
        found = [] if template is None else _matches(index, change, template)
        if found:
            return found
    return []


def _matches(index: LineIndex, change: Change, template: _Template) -> list[Candidate]:
    content = change.content
    made = [*change.earlier, (change.start, change.after_end)]
    line = index.line_of(change.start)
    candidates: list[Candidate] = []
    targets = 0  # places where it stands as a target: no place for it, but places it stands
    # an expression put in a list of its own (`raise Group("m", TypeError("x"))` made `…,
    # [TypeError("x")])`)
    listed = _listed(change)
    for match in template.pattern.finditer(content):
        at, end = match.span("at")
        if any(low < end and at < high for low, high in made):
            continue
        if _target(content, at, end):
            targets += 1  # an expression rewritten is no target (`os.getenv('DEBUG') = '1'`)
            if len(candidates) + targets > MAX_PLACES:
                return []
            continue
        if listed and _in_list(content, at):
            continue  # (an item of a list already: `[ValueError("a"), TypeError("b")]`)
        names = [match.group(f"h{k}") for k in range(len(template.holes))]
        same = sum(a == b for a, b in zip(names, template.holes, strict=True))
        if same == len(names) or (len(names) > 1 and same == 0 and not template.called):
            continue  # the same text (text_repeats'), or nothing in common with the user's
        text = _fill(template, names)
        if _balanced_already(content, at, end, text):
            continue
        edit = TextEdit(index.span(at, end), content[at:end], text)
        distance = abs(index.line_of(at) - line)
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(distance), edit))
        if len(candidates) + targets > MAX_PLACES:
            return []
    return candidates


def _balanced_already(content: str, at: int, end: int, text: str) -> bool:
    """Does ``text`` in place of ``content[at:end]`` only put in a quote (a backtick before
    `:SS` that was missing one), where the line's quotes of that kind are paired already
    (the prose's `HH:MM` has both: a third would stand)?"""
    removed = content[at:end]
    added = text.replace(removed, "", 1) if removed in text else ""
    if len(added) != 1 or added not in "`'\"":
        return False  # (a pair put in, `load(x)` quoted, is no quote that pairs one)
    line = content[content.rfind("\n", 0, at) + 1 : line_end(content, at)]
    return line.count(added[0]) % 2 == 0


def _listed(change: Change) -> bool:
    """Does the change put an expression in a list of its own (`x` made `[x]`)?"""
    removed, inserted = change.removed.strip(), change.inserted.strip()
    return bool(removed) and inserted == f"[{removed}]"


def _in_list(content: str, at: int) -> bool:
    """Is ``at`` an item of a list, a set or a tuple (or in an index): its innermost bracket
    a `[` or a `{`, or a `(` that no name or call is before? (Brackets in strings are not
    told from code's: read roughly, as far back as LIST_LOOKBACK.)"""
    opened = unclosed_bracket(content, at, LIST_LOOKBACK)
    if opened is None:
        return False
    if content[opened] in "[{":
        return True
    called = re.search(r"([\w$]+|[)\]])\s*\Z", content[max(opened - 40, 0) : opened])
    return called is None or called.group(1) in _NOT_CALLED  # (`in (a, b)`: a tuple)


_NOT_CALLED = frozenset(("in", "return", "yield", "not", "and", "or", "if", "elif", "else"))


LIST_LOOKBACK = 2000  # characters read back for the bracket an expression stands in


def _target(content: str, at: int, end: int) -> bool:
    """Does the text at ``at``..``end`` stand as what a statement assigns to or deletes
    (`os.environ['DEBUG'] = '1'`, `del os.environ['TMP']`, `delete req.headers[k]`; not `x
    ==`, a match that ends in an operator, nor an annotation's type before its default:
    `cfg: Optional[Config] = None`)?"""
    lead = content[content.rfind("\n", 0, at) + 1 : at]
    if _DELETED.search(lead):
        return True
    annotated = lead.rstrip().endswith(":")
    ends_operator = content[end - 1 : end] in ("=", "!", "<", ">")
    return not annotated and not ends_operator and ASSIGNED_AFTER.match(content, end) is not None


@dataclass(frozen=True)
class _Rewrite:
    """The user's change widened to whole tokens: ``removed`` (``before[start:stop]``) became
    ``inserted``."""

    before: str
    start: int
    stop: int
    removed: str
    inserted: str
    words: list[tuple[str, int, int]]  # the tokens of ``removed``, where each stands in it


def _rewrite(change: Change) -> _Rewrite | None:
    """The change as an expression rewritten on one line; None for any other change."""
    before, content = change.before, change.content
    start, stop = _token_bounds(before, change.start, change.before_end)
    # text glued onto a name (`Replace` made `ReplaceAll`) rewrote that name: widen to it
    start, after_stop = _token_bounds(content, start, stop + change.after_end - change.before_end)
    stop = after_stop - (change.after_end - change.before_end)
    while before[start - 1 : start] == ".":  # and what qualifies it: `strings.`
        qualifier = _QUALIFIER.search(before, before.rfind("\n", 0, start) + 1, start - 1)
        if qualifier is None:
            break
        start = qualifier.start()
    removed = before[start:stop]
    inserted = content[start : stop + change.after_end - change.before_end]
    if "\n" in removed + inserted or not removed.strip() or not inserted.strip():
        return None
    words = tokens(removed)
    if not MIN_TOKENS <= len(words) <= MAX_TOKENS:
        return None
    if words[0][0] in _INFIX or [w for w, _, _ in words[:2]] == ["!", "="]:
        return None  # a piece of an expression whose left operand the user kept
    if _names_switched(words, tokens(inserted)):
        return None  # names switched, not an expression rewritten: the rename rules'
    return _Rewrite(before, start, stop, removed, inserted, words)


def _template(rewrite: _Rewrite) -> _Template | None:
    words, inserted = rewrite.words, rewrite.inserted
    kept = {m.group() for m in NAME.finditer(inserted)}
    # The function called stays the one called: another function is another operation.
    called = {w for (w, _, _), (n, _, _) in itertools.pairwise(words) if n == "("}
    holes = [w for w, _, _ in words if is_name(w) and w in kept and w not in called]
    # a string the replacement keeps is a hole too (`req.headers['Origin']` made
    # `req.header('Origin')` is a rule for `req.headers['Accept']`); not one with a prefix
    # (`f'x-{a}'`: its prefix would be a name's hole)
    holes += [
        w
        for w, low, _ in words
        if STRING.fullmatch(w)
        and len(w) > 2
        and w in inserted
        and not _wordy(rewrite.removed[low - 1 : low])
    ]
    fixed = [w for w, _, _ in words if w not in holes]
    if not holes or all(w in _BARE for w in fixed):
        return None  # nothing kept, or too little fixed to be a shape of its own
    order = list(dict.fromkeys(holes))
    head, tail = _statement(rewrite)
    pattern = re.compile(f"{head}(?P<at>{_compile(words, order)}){tail}", re.MULTILINE)
    return _Template(pattern, tuple(order), inserted)


def _operand_template(rewrite: _Rewrite) -> _Template | None:
    """The replaced text as a template whose holes are whole operands the replacement keeps
    (`typeof receivedFlags[flagName] === 'undefined'` to `receivedFlags[flagName] ===
    undefined`: any operand in place of `receivedFlags[flagName]`)."""
    removed, words = rewrite.removed, rewrite.words
    braced = _LITERAL_TYPE.match(removed) is not None  # a type's literal: `Any{test.sep}`
    parts: list[str] = []
    holes: list[str] = []
    fixed, k, arguments, receivers = 0, 0, 0, 0
    while k < len(words):
        word, low, _ = words[k]
        match = _OPERAND.match(removed, low)
        if match is not None:
            text, end = match.group(), match.end()
            called = removed[end:].lstrip()[:1] == "("
            receiver = _kept_receiver(text, called, rewrite.inserted)
            hole = True
            if receiver is not None:
                # the receiver of a member called (`self.oldEmit` of `self.oldEmit.apply(…)`
                # made `Reflect.apply(self.oldEmit, …)`): any names with members there
                parts.append(rf"(?P<h{len(holes)}>{_RECEIVER})")
                holes.append(receiver)
                receivers += 1
                end = low + len(receiver)
            elif not called and _kept(text, rewrite.inserted):
                argument = _argument(removed, low, end, braced)
                if text in holes:
                    parts.append(rf"(?P=h{holes.index(text)})")
                elif argument:  # any argument of the call in its place
                    # (a literal's field is unkeyed: not `Value: v`)
                    parts.append(rf"(?P<h{len(holes)}>{_FIELD if braced else _ARGUMENT})")
                    holes.append(text)
                    arguments += 1
                else:  # a whole operand, not the start of a longer one (`a.b` in `a.b.c`)
                    parts.append(rf"(?P<h{len(holes)}>{_OPERAND.pattern})(?![\w$])(?![ \t]*[.(\[])")
                    holes.append(text)
            else:
                hole = False
            if hole:
                while k < len(words) and words[k][1] < end:  # the hole's words
                    k += 1
                continue
        parts.append(re.escape(word))
        fixed += word not in _BARE
        k += 1
    # (a type's literal made a call, `Any{x}` to `NewAny(x)`: its one name is enough)
    literal = braced and arguments == len(holes)
    if not holes or fixed < MIN_FIXED - (receivers > 0 or literal):
        return None
    boundary = r"(?<![\w$.])" if _wordy(words[0][0][:1]) else ""
    if literal:  # the type's own literal: not `&Any{…}`, `[]Any{…}` nor `map[K]Any{…}`
        boundary = r"(?<![\w$.\]&*])"
    # a whole operand at the end, not the start of a longer one; after a symbol (a call
    # opened, `apply(`), anything may follow
    body = boundary + _SPACES.join(parts) + (r"(?![\w$])" if _wordy(words[-1][0][-1:]) else "")
    head, tail = _statement(rewrite)
    pattern = re.compile(f"{head}(?P<at>{body}){tail}", re.MULTILINE)
    return _Template(pattern, tuple(holes), rewrite.inserted, called=arguments == len(holes))


# a receiver: a name and its members, as few as the fixed text after it allows
_RECEIVER = rf"(?<![\w$.]){NAME.pattern}(?:[ \t]*\.[ \t]*{NAME.pattern})*?"


def _kept_receiver(text: str, called: bool, inserted: str) -> str | None:
    """The receiver of the member ``text`` ends with, when that member is ``called`` and
    ``inserted`` keeps the receiver (`self.oldEmit` of `self.oldEmit.apply(` made
    `Reflect.apply(self.oldEmit, `); None otherwise."""
    member = _LAST_MEMBER.search(text) if called else None
    if member is None:
        return None
    receiver = text[: member.start()]
    return receiver if _DOTTED.fullmatch(receiver) and _kept(receiver, inserted) else None


_LAST_MEMBER = re.compile(rf"[ \t]*\.[ \t]*{NAME.pattern}$")
_DOTTED = re.compile(rf"{NAME.pattern}(?:[ \t]*\.[ \t]*{NAME.pattern})*")


# an argument: anything but a comma or bracket at its level, brackets one level deep inside
_ARGUMENT = r"(?:[^,()\[\]{}\n]|\([^()\n]*\)|\[[^\[\]\n]*\])+?"
_FIELD = r"(?:[^,()\[\]{}\n:]|\([^()\n]*\)|\[[^\[\]\n]*\])+?"  # a literal's, unkeyed


def _argument(removed: str, start: int, end: int, braced: bool) -> bool:
    """Is ``removed[start:end]`` a whole argument of a call (after its `(` or a comma,
    before a comma or its `)`), or, when ``removed`` is a type's literal (``braced``), one
    of its fields (`Any{test.sep}`, `List{test.list, test.not}`)?"""
    before, after = removed[:start].rstrip(), removed[end:].lstrip()
    if before.endswith(("(", ",")) and after[:1] in (",", ")"):
        return True
    return braced and before.endswith(("{", ",")) and after[:1] in (",", "}")


_LITERAL_TYPE = re.compile(rf"(?<![\w$.]){NAME.pattern}\{{")  # `Any{`, not `) {` nor `= {`


def _kept(text: str, inserted: str) -> bool:
    """Does ``text`` stand in ``inserted`` whole (not inside a longer name)?"""
    return re.search(rf"(?<![\w$.]){re.escape(text)}(?![\w$])", inserted) is not None


def _statement(rewrite: _Rewrite) -> tuple[str, str]:
    """A whole statement rewritten (`l.MarshalText()` to `_, _ = l.MarshalText()`) is
    rewritten where a whole statement is alike, not inside an expression: the pattern's
    anchors at a line's start and end when the replaced text stands alone on its line, at
    its start when more of the statement follows it (`a.close();` is not rewritten in
    `const ok = b.close();`); a line that ends in a comma holds an argument or an item, and
    an expression that only ends its line (`? req.headers['Origin']`) is no statement:
    no anchor."""
    before, start, stop = rewrite.before, rewrite.start, rewrite.stop
    if before[before.rfind("\n", 0, start) + 1 : start].strip():
        return "", ""
    rest = before[stop : line_end(before, stop)].strip()
    if not rest:
        return r"^[ \t]*", r"[ \t]*$"
    return ("", "") if rest.endswith(",") else (r"^[ \t]*", "")


def _token_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """``start``..``end`` widened to whole tokens of their line at either end: a change inside
    a string literal widens to the whole literal."""
    for _, low, high in tokens(text, text.rfind("\n", 0, start) + 1, line_end(text, end)):
        if low < start < high:
            start = low
        if low < end < high:
            end = high
    return start, end


def _names_switched(
    removed: Sequence[tuple[str, int, int]], inserted: Sequence[tuple[str, int, int]]
) -> bool:
    """The same tokens, but for names switched for other names (`base: b, layer` to
    `Base: b, Layer`)."""
    return len(removed) == len(inserted) and all(
        a == b or (NAME.fullmatch(a) is not None and NAME.fullmatch(b) is not None)
        for (a, _, _), (b, _, _) in zip(removed, inserted, strict=True)
    )


def _compile(words: Sequence[tuple[str, int, int]], holes: list[str]) -> str:
    """The removed text as a pattern: its fixed tokens as they are, each hole a name (the same
    hole the same name, by back-reference), any run of spaces between tokens, and a boundary
    at each end so that a match is a whole expression, not a piece of a longer one."""
    parts: list[str] = []
    seen: set[str] = set()
    for k, (word, _, _) in enumerate(words):
        if k > 0:
            glued = _wordy(words[k - 1][0][-1:]) and _wordy(word[:1])
            parts.append(r"[ \t]+" if glued else r"[ \t]*")
        if word in holes and word in seen:
            parts.append(rf"(?P={_group(holes, word)})")
        elif word in holes:
            seen.add(word)
            kind = NAME.pattern if is_name(word) else STRING_LITERAL
            parts.append(rf"(?P<{_group(holes, word)}>{kind})")
        else:
            parts.append(re.escape(word))
    head = r"(?<![\w$.])" if _wordy(words[0][0][:1]) else ""
    last = words[-1][0]
    tail = r"(?![\w$])" if _wordy(last[-1:]) else ""
    if last in holes:
        tail += r"(?![ \t]*[.(\[])"  # `a.b` in `a.b.c` or `a.b()`: a longer expression
    return head + "".join(parts) + tail


def _wordy(char: str) -> bool:
    return char.isalnum() or char in ("_", "$")


def _group(holes: list[str], word: str) -> str:
    return f"h{holes.index(word)}"


def _fill(template: _Template, names: Sequence[str]) -> str:
    """The user's replacement with each hole's name replaced by the one that stands there."""
    given = dict(zip(template.holes, names, strict=True))
    pattern = "|".join(re.escape(h) for h in sorted(given, key=len, reverse=True))
    return re.sub(
        rf"(?<![\w$])(?:{pattern})(?![\w$])", lambda m: given[m.group()], template.inserted
    )
