"""Places like the one the user just changed, not yet changed the same way.

Lines like the changed one (the same call with other arguments, a sibling branch, the same
pattern): a line qualifies when its tokens align with the changed line's before-text
closely, a name is among the aligned tokens, and what the user removed is still there at the
aligned place. When even the tokens around the change are the same, the edit is the user's,
repeated; otherwise the model writes it. And the same text elsewhere: the exact text the user
replaced (`t.Optional[str]` to `str | None`, a parameter list over two lines, a type given
arguments: `Uint8Array` to `Uint8Array<ArrayBuffer>`), with the user's replacement.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

from codesaga.domain.completion import OPENERS
from codesaga.domain.edits import Span, TextEdit, narrowed_edit
from codesaga.domain.next_edit_imports import listed_names
from codesaga.domain.next_edit_locations import (
    SIMILAR,
    Candidate,
    Change,
    LineIndex,
    line_end,
    slid_removals,
    unclosed_bracket,
)
from codesaga.domain.next_edit_patterns import (
    ASSIGNED_AFTER,
    COMMENT_LINE,
    NAME,
    balanced,
    indent_at,
    is_name,
    repeat_score,
    token_kind,
    tokens,
    word_bounds,
)
from codesaga.domain.next_edit_signatures import code_chars, matching_paren

MIN_TOKENS = 4  # a shorter line is like too many others
REPEAT_RATIO = 0.6  # token similarity for repeating the user's edit at the same context
REWRITE_RATIO = 0.8  # for asking the model to rewrite the line (a model call costs)
MAX_LINE = 400  # characters: a longer changed line is not compared
MAX_KEYS = 3  # names of the changed line one of which a like line has (the longest)


@dataclass(frozen=True)
class _Pattern:
    words: list[str]  # the before-line's tokens
    first: int  # the changed tokens are words[first:last]
    last: int
    gap: str  # the before-text between the tokens either side of the change
    replacement: str  # what the after-text has there
    keys: tuple[str, ...]  # a candidate line contains one of them


def _pattern(change: Change) -> _Pattern | None:
    """The changed line's tokens and where the change is among them; None when the change
    is not within one line or the line is too short or long to compare."""
    before, content = change.before, change.content
    start = before.rfind("\n", 0, change.start) + 1
    end = before.find("\n", change.start)
    end = len(before) if end < 0 else end
    if change.before_end > end or "\n" in change.inserted or end - start > MAX_LINE:
        return None
    line = tokens(before, start, end)
    if len(line) < MIN_TOKENS:
        return None
    if change.start == change.before_end:  # an insertion: inside a token, or between two
        changed = [i for i, t in enumerate(line) if t[1] < change.start < t[2]]
    else:
        changed = [
            i for i, t in enumerate(line) if t[1] < change.before_end and t[2] > change.start
        ]
    if changed:
        first, last = changed[0], changed[-1] + 1
    else:
        first = last = sum(t[1] < change.start for t in line)
    gap_start = line[first - 1][2] if first > 0 else start
    gap_end = line[last][1] if last < len(line) else end
    shift = change.after_end - change.before_end
    removed = before[line[first][1] : line[last - 1][2]] if last > first else ""
    # What the user removed, or a name the change left (a line where the removed token has
    # another value, `f"Unknown color {bg!r}"` after `{fg!r}`, is the model's to rewrite).
    kept = [t[0] for k, t in enumerate(line) if not first <= k < last and is_name(t[0])]
    names = sorted(set(kept), key=lambda w: (-len(w), w))[:MAX_KEYS]
    if not kept:
        # the whole line changed: a like line has names of what was removed (`.format(repr(
        # self.type))` made an f-string, another message in the same call), ones long
        # enough not to stand in most lines
        removed_names = {t[0] for t in line[first:last] if is_name(t[0]) and len(t[0]) >= 3}
        names = sorted(removed_names, key=lambda w: (-len(w), w))[:MAX_KEYS]
    keys = tuple(k for k in (removed, *names) if k.strip())
    if not keys:
        return None
    return _Pattern(
        [t[0] for t in line],
        first,
        last,
        before[gap_start:gap_end],
        content[gap_start : gap_end + shift],
        keys,
    )


def similar_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    pattern = _pattern(change)
    if pattern is None:
        return []
    changed = range(index.line_of(change.start), index.line_of(change.after_end) + 1)
    after_line = index.line_text(changed[0])
    size = len(" ".join(pattern.words))
    candidates = []
    for number in range(1, index.line_count + 1):
        text = index.line_text(number)
        if number in changed or text == after_line:
            continue
        if not any(key in text for key in pattern.keys):
            continue
        if not 0.5 * size <= len(text.strip()) <= 2 * size:
            continue
        candidate = _compare(index, number, text, pattern)
        if candidate is not None:
            candidates.append(candidate)
    candidates = slips_only(index, change, candidates)
    return _forward_references(index, change, _redefinitions_only(index, change, candidates))


def slips_only(
    index: LineIndex, change: Change, candidates: list[Candidate], *, numbers: bool = False
) -> list[Candidate]:
    """``candidates``, but where ``change`` fixed a slip (`opts.backgroundColor + ' is not a
    valid borderColor'`: the line agrees with itself now), only on lines that name the
    user's word too: a like line that agrees with itself already is no slip. ``numbers``:
    only a slip in a name's number (`"i64": stressInt32` made `stressInt64`; a name put for
    another already on the line may be a use switched: `asyncio.iscoroutinefunction` made
    `inspect.…` beside an `inspect.isasyncgenfunction`)."""
    agreed = _made_to_agree(change, numbers)
    if agreed is None:
        return candidates
    return [c for c in candidates if agreed in index.line_text(c.span.start_line)]


def _made_to_agree(change: Change, numbers: bool = False) -> str | None:
    """What ``change`` made its line agree with (a copy's slip fixed), None if nothing: a
    name put in place of another where the line named it already and now no longer names
    the other (not with ``numbers``); or the number in a name changed to one the line had
    already (`"i64/std": stressStdInt32` made `… stressStdInt64`) where the old number is
    nowhere on it now and the file has the line's twin with the old number (`"i32/std":
    stressStdInt32`: the line copied from)."""
    before, content = change.before, change.content
    start, stop = word_bounds(before, change.start, change.before_end)
    old = before[start:stop]
    new = content[start : stop + change.after_end - change.before_end]
    if not (is_name(old) and is_name(new)) or old == new:
        return None
    line_start = before.rfind("\n", 0, start) + 1
    rest = before[line_start:start] + " " + before[stop : line_end(before, stop)]
    after_line = content[line_start : line_end(content, start)]
    named = re.compile(rf"(?<![\w$]){re.escape(new)}(?![\w$])")
    unnamed = not re.search(rf"(?<![\w$]){re.escape(old)}(?![\w$])", after_line)
    if not numbers and named.search(rest) and unnamed:
        return new
    was = _digits(before, change.start, change.before_end)
    now = _digits(content, change.start, change.after_end)
    if not was or not now or was == now or now not in rest or was in after_line:
        return None
    twin = after_line.replace(now, was).strip()
    lines = (line.strip() for line in content.splitlines())
    return now if any(line == twin for line in lines) else None


def _digits(text: str, start: int, end: int) -> str:
    """The run of digits ``start``..``end`` is in, widened to the whole run ("" where it
    holds anything else: a change of more than a number)."""
    while start > 0 and text[start - 1].isdigit():
        start -= 1
    while end < len(text) and text[end].isdigit():
        end += 1
    run = text[start:end]
    return run if run.isdigit() else ""


def _redefinitions_only(
    index: LineIndex, change: Change, candidates: list[Candidate]
) -> list[Candidate]:
    """``candidates``, but where ``change`` silenced a type checker's `no-redef`, only those
    on a line that binds a name again, not its first binding (the `try:` import before the
    `except ImportError:` one, the first function a `singledispatch` registers as `_`)."""
    if not candidates or not _REDEFINITION_IGNORED.search(change.inserted):
        return candidates
    bindings = _bindings(index.text)
    return [c for c in candidates if _binds_again(index, bindings, c.span.start_line)]


_REDEFINITION_IGNORED = re.compile(r"#\s*type:\s*ignore\[[^\]]*\bno-redef\b")
# a line that binds names: a `def` or `class` (its name), an import (what follows `import`,
# up to a closing parenthesis where it opens one), an assignment to a name
_BINDING = re.compile(
    r"^([ \t]*)(?:(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)"
    r"|(?:from[ \t]+\S+[ \t]+)?import[ \t]+(\([^)]*\)?|[^\n]*)"
    r"|(\w+)[ \t]*(?::[^=\n]*)?=(?!=))",
    re.MULTILINE,
)


@dataclass(frozen=True)
class _Bindings:
    """A file's binding lines: the names each binds (by its start), and where each name is
    first bound at each indentation."""

    names: dict[int, tuple[int, list[str]]]  # a line's start: its indentation, its names
    first: dict[tuple[int, str], int]  # (indentation, name): the first such line's start


def _bindings(text: str) -> _Bindings:
    names: dict[int, tuple[int, list[str]]] = {}
    first: dict[tuple[int, str], int] = {}
    for match in _BINDING.finditer(text):
        if match[2] or match[4]:
            bound = [match[2] or match[4]]
        else:
            listed = re.sub(r"#[^\n]*", "", match[3]).strip("()\\ \t\n")
            bound = [part.split(" as ")[-1].strip().split(".")[0] for part in listed.split(",")]
        indent = len(match[1])
        names[match.start()] = (indent, [n for n in bound if n])
        for name in names[match.start()][1]:
            first.setdefault((indent, name), match.start())
    return _Bindings(names, first)


def _binds_again(index: LineIndex, bindings: _Bindings, number: int) -> bool:
    """Does line ``number`` (a `def`, a `class`, an import, or a decorator of a `def`)
    bind a name an earlier line at its indentation binds?"""
    while number < index.line_count and index.line_text(number).lstrip().startswith("@"):
        number += 1
    start = index.starts[number - 1]
    if start not in bindings.names:
        return True  # (not a binding read here: as before)
    indent, names = bindings.names[start]
    return any(bindings.first.get((indent, name), start) < start for name in names)


def _compare(index: LineIndex, number: int, text: str, pattern: _Pattern) -> Candidate | None:
    line_start = index.line_bounds(number)[0]
    found = tokens(text)
    words = [t[0] for t in found]
    matcher = difflib.SequenceMatcher(None, pattern.words, words, autojunk=False)
    if matcher.real_quick_ratio() < REPEAT_RATIO or matcher.quick_ratio() < REPEAT_RATIO:
        return None
    ratio = matcher.ratio()
    if ratio < REPEAT_RATIO:
        return None
    aligned: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            aligned[block.a + k] = block.b + k
    first, last = pattern.first, pattern.last
    if not any(is_name(w) for i, w in enumerate(pattern.words) if i in aligned):
        return None  # only symbols, numbers and strings in common: `A = 1` and `B = 1`
    # the tokens either side of the change, here; past either end of the line, its end
    left = -1 if first == 0 else aligned.get(first - 1)
    right = len(found) if last == len(pattern.words) else aligned.get(last)
    if any(i not in aligned for i in range(first, last)):
        # what the user removed is not there: only another value in its place (a string,
        # an argument) between tokens that are, on a line otherwise alike, is the model's
        if left is None or right is None or right - left < 2 or ratio < REWRITE_RATIO:
            return None
        put = [t[0] for t in tokens(pattern.replacement)]
        if _numbers_only(pattern.words[first:last]) and _numbers_only(put):
            return None  # a number changed: another line's own number there is no repeat
        there = [t[0] for t in found[left + 1 : right]]
        if (
            _constants(pattern.words[first:last])
            and _constants(put)
            and not any(_constants([w]) for w in there)
        ):
            # a constant changed (`= 1` made `= True`): a line that has no constant there,
            # computing its value (`= mod`), is no place for it
            return None
        span = index.span(line_start + found[0][1], line_start + found[-1][2])
        return Candidate(span, SIMILAR, 0.2 + 0.4 * ratio, None)
    edit = None
    callee = _callee_before(pattern.words, first) if first == last else None
    if callee is not None and callee not in aligned:
        # text put after a call belongs to that call: `|| utils.isFile(data)` after
        # `utils.isBlob(data)` is not repeated after `utils.isArrayBuffer(data)`
        return None
    if left is not None and right is not None and right - left == last - first + 1:
        gap_start = found[left][2] if left >= 0 else 0
        gap_end = found[right][1] if right < len(found) else len(text)
        if text[gap_start:gap_end] == pattern.gap:
            span = index.span(line_start + gap_start, line_start + gap_end)
            edit = TextEdit(span, pattern.gap, pattern.replacement)
    if edit is None and (ratio < REWRITE_RATIO or (left is None and right is None)):
        return None
    if edit is None and first == last and left is not None and right is not None:
        there = [t[0] for t in found[left + 1 : right]]
        put = [t[0] for t in tokens(pattern.replacement)]
        if there and list(map(token_kind, there)) == list(map(token_kind, put)):
            return None  # it has what the user put in already, its own (`, 'text/javascript'`)
    span = index.span(line_start + found[0][1], line_start + found[-1][2])
    if edit is not None:
        return Candidate(edit.span, SIMILAR, 0.5 + 0.25 * ratio, edit)
    return Candidate(span, SIMILAR, 0.2 + 0.4 * ratio, None)


def _constants(words: list[str]) -> bool:
    """Are ``words`` literals only: numbers, strings, and the languages' named constants?"""
    return bool(words) and all(
        token_kind(w) in ("number", "string") or w in _NAMED_CONSTANTS or w == "-" for w in words
    )


_NAMED_CONSTANTS = frozenset(("True", "False", "None", "true", "false", "null", "undefined", "nil"))


def _numbers_only(words: list[str]) -> bool:
    return bool(words) and all(w.isdigit() for w in words)  # (tokens hold no blanks)


MAX_BLOCK_LINES = 8  # a changed block longer than that is not compared
MIN_BLOCK_TOKENS = 12  # a shorter block is like too many others
BLOCK_RATIO = 0.75  # token similarity for asking the model to rewrite a like block


def similar_blocks(index: LineIndex, change: Change) -> list[Candidate]:
    """Blocks like the lines the user just changed over several lines (the same statements
    for a sibling: `cmd.Reader` handled, then `cmd.Writer`), for the model to rewrite: as
    many lines, their tokens aligned closely with the changed lines' before-text, more than
    with their after-text (else they are changed already), one of its longest names in them."""
    if "\n" not in change.removed or not change.inserted.strip():
        return []  # one line changed (its likes are similar_candidates'), or lines deleted
    before, content = change.before, change.content
    first = before.rfind("\n", 0, change.start) + 1
    old = before[first : line_end(before, change.before_end)]
    new = content[first : line_end(content, change.after_end)]
    lines = old.count("\n") + 1
    words = [t[0] for t in tokens(old)]
    if lines > MAX_BLOCK_LINES or len(words) < MIN_BLOCK_TOKENS:
        return []
    new_words = [t[0] for t in tokens(new)]
    keys = sorted({w for w in words if is_name(w)}, key=lambda w: (-len(w), w))[:MAX_KEYS]
    changed = range(index.line_of(first), index.line_of(first + len(new)) + 1)
    line_words: dict[int, list[str]] = {}  # each line's tokens, read when first compared
    found: list[tuple[float, int]] = []
    for start in range(1, index.line_count - lines + 2):
        end = start + lines - 1
        if start <= changed[-1] and changed[0] <= end:
            continue
        text = "\n".join(index.line_text(n) for n in range(start, end + 1))
        if not any(key in text for key in keys):
            continue
        window = []
        for n in range(start, end + 1):
            if n not in line_words:
                line_words[n] = [t[0] for t in tokens(index.line_text(n))]
            window += line_words[n]
        ratio = _likeness(words, window)
        if ratio >= BLOCK_RATIO and ratio > _likeness(new_words, window):
            found.append((ratio, start))
    candidates: list[Candidate] = []
    taken: set[int] = set()  # lines of the blocks taken (a set: a file of like blocks has
    # thousands of them, and checking each against each took seconds)
    for ratio, start in sorted(found, reverse=True):
        block = range(start, start + lines)
        if not taken.isdisjoint(block):
            continue
        taken.update(block)
        begin = index.line_bounds(start)[0]
        end_at = index.line_bounds(start + lines - 1)[1]
        text = content[begin:end_at]
        indent = len(text) - len(text.lstrip())
        span = index.span(begin + indent, begin + len(text.rstrip()))
        candidates.append(Candidate(span, SIMILAR, 0.2 + 0.4 * ratio, None))
    return candidates


MAX_DELETED_BLOCK = 12  # lines of a deleted block, at most, to look for its copies
DELETED_RATIO = 0.9  # token likeness of a copy of a deleted block (one argument may differ)


def deleted_block_candidates(
    index: LineIndex, change: Change, in_text: Callable[[int], bool] = lambda at: False
) -> list[Candidate]:
    """The copies of several whole lines the user deleted (a version check and its early
    return at the top of each test, the same setup statements before each request): where
    as many lines read the same, as indented, or nearly (a copy passing one other argument),
    deleted too. Nothing when the same lines stand beside the user's place (one of two
    duplicates removed: the other stays, and so do its copies); not a deleted definition's
    copy (a test pasted twice: the copy is the one kept), nor prose's near copy (a sibling's
    own documentation; ``in_text`` tells where the content's prose is, in strings or
    comments)."""
    if change.inserted.strip() or "\n" not in change.removed.strip():
        return []
    start, removed = _slid_to_line_start(change.before, change.start, change.removed)
    if not removed.endswith("\n") or (start and change.before[start - 1] != "\n"):
        return []
    start, removed = _slid_to_statement(change.before, start, removed)
    # blank lines deleted before it (those that parted it from the code above): the block
    # is what follows them; its copies lose as many of theirs as they have
    unbared = _LEADING_BLANKS.sub("", removed, count=1)
    leading = removed.count("\n") - unbared.count("\n")
    removed = unbared
    block = removed.rstrip("\n").split("\n")
    trailing = removed.count("\n") - len(block)  # blank lines deleted after it
    stripped = [line.strip() for line in block]
    words = [t[0] for t in tokens("\n".join(stripped))]
    if len(block) > MAX_DELETED_BLOCK or len(words) < MIN_BLOCK_TOKENS or not stripped[0]:
        return []
    code = [line for line in block if line.strip() and not COMMENT_LINE.match(line)]
    if not balanced(removed) or (code and _DEFINITION_START.match(code[0])):
        return []
    mine = index.line_of(start)  # the line that now stands where the block was
    found: list[Candidate] = []
    first = 1
    while first + len(block) - 1 <= index.line_count:
        last = first + len(block) - 1
        if not _same_shape(index, first, block):
            first += 1
            continue
        theirs = [index.line_text(n).strip() for n in range(first, last + 1)]
        if mine - len(block) - 1 <= first <= mine + 1:  # just above or below the place
            if theirs == stripped:
                return []  # one of two duplicates removed: the other stays, and its copies
            first += 1
            continue
        if theirs != stripped:
            prose = not code or any(  # (where a differing line's first word stands)
                in_text(index.line_bounds(first + k)[0] + len(block[k]) - len(line))
                for k, line in enumerate(stripped)
                if line != theirs[k]
            )
            if prose or not _one_value_apart(stripped, theirs, len(words)):
                first += 1
                continue
        blanks = 0  # the blank lines after it, as many as after the user's
        while blanks < trailing and last + blanks < index.line_count:
            if index.line_text(last + blanks + 1).strip():
                break
            blanks += 1
        # (not those that part it from the next definition)
        end_line = last + blanks if _still_inside(index, last + blanks + 1, block) else last
        above = first  # the first line deleted: the block's, or a blank one above it
        while first - above < leading and above > 1 and not index.line_text(above - 1).strip():
            above -= 1
        begin = index.line_bounds(above)[0]
        end = index.line_bounds(end_line)[1] + 1 if end_line < index.line_count else len(index.text)
        edit = TextEdit(index.span(begin, end), index.text[begin:end], "")
        found.append(Candidate(edit.span, SIMILAR, repeat_score(abs(first - mine)), edit))
        first = last + 1
    return [] if len(found) > MAX_REPEATS else found


_LEADING_BLANKS = re.compile(r"\A(?:[ \t]*\n)+")


def _still_inside(index: LineIndex, number: int, block: list[str]) -> bool:
    """Does line ``number`` stand in the block's body still, at least as indented as the
    block's first line (not a definition's after the blank lines that part it)?"""
    if number > index.line_count:
        return False
    text, head = index.line_text(number), block[0]
    return len(text) - len(text.lstrip()) >= len(head) - len(head.lstrip())


# a definition's first line: a decorator, `def`, `class`, `func`, TypeScript's `declare`, a
# function assigned or a test declared (`it('…', function () {`, `test('…', async t => {`)
_DEFINITION_START = re.compile(
    r"\s*(?:@|(?:export\s+)?(?:async\s+)?(?:def|class|func|function|declare|interface)\b"
    r"|(?:it|test|describe)\s*\(|.*\bfunction\s*\w*\s*\(.*\{\s*$|.*=>\s*\{\s*$)"
)


def _one_value_apart(mine: list[str], theirs: list[str], count: int) -> bool:
    """Do two runs of lines differ only in one value put for another, wherever it stands
    (`getattr(Undefined, …)` and `getattr(StrictUndefined, …)`; `''` and `separator`): a
    name or a string, not a number (another version's guard), not one string for another
    (another message: lines about something else), not an operator (`==` and `!=`: the
    opposite test), and in no more than a tenth of their ``count`` tokens? Line by line, each
    as many tokens: a quick answer for the many alike lines of a long file."""
    swaps, apart = set(), 0
    for a, b in zip(mine, theirs, strict=True):
        if a == b:
            continue
        ours, yours = [t[0] for t in tokens(a)], [t[0] for t in tokens(b)]
        if len(ours) != len(yours):
            return False  # a token put in or taken out (`not`), no value put for another
        for x, y in zip(ours, yours, strict=True):
            if x != y:
                swaps.add((x, y))
                apart += 1
        if len(swaps) > 1:
            return False
    if len(swaps) != 1:
        return False
    ((old, new),) = swaps
    kinds = token_kind(old), token_kind(new)
    if not all(kind in ("name", "string") for kind in kinds):
        return False  # (a number for another: `< (3, 10)` is another version's guard)
    return kinds != ("string", "string") and apart <= (1 - DELETED_RATIO) * count


def _same_shape(index: LineIndex, first: int, block: list[str]) -> bool:
    """Do the lines from ``first`` stand as indented as ``block``'s, blank where it is, and
    begin with its first word (a quick test before comparing their tokens)?"""
    for k, line in enumerate(block):
        theirs = index.line_text(first + k)
        if bool(theirs.strip()) != bool(line.strip()):
            return False
        if line.strip() and len(theirs) - len(theirs.lstrip()) != len(line) - len(line.lstrip()):
            return False
    head = block[0].split(None, 1)[0]
    return index.line_text(first).lstrip().startswith(head)


def _slid_to_statement(before: str, start: int, removed: str) -> tuple[int, str]:
    """Whole lines deleted as the same deletion slid down, line by line, while that is one
    and it does not yet begin on a statement: `}` and the lines of the next block after it
    deleted are that block and the `}` after it deleted (a diff aligns either way)."""
    at, text = start, removed
    for _ in range(MAX_DELETED_BLOCK):
        head = text[: text.index("\n") + 1]
        if head.strip() and balanced(text):
            break
        follows = before[at + len(text) : at + len(text) + len(head)]
        if follows != head:
            return start, removed
        at, text = at + len(head), text[len(head) :] + head
    return at, text


def _callee_before(words: list[str], at: int) -> int | None:
    """The index of the function's name whose call's closing parenthesis is
    ``words[at - 1]``; None when no call ends there."""
    if at == 0 or words[at - 1] != ")":
        return None
    depth = 0
    for k in range(at - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(words[k], 0)
        if depth == 0:
            return k - 1 if k > 0 and is_name(words[k - 1]) else None
    return None


def _likeness(a: list[str], b: list[str]) -> float:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < BLOCK_RATIO or matcher.quick_ratio() < BLOCK_RATIO:
        return 0.0
    return matcher.ratio()


MIN_REPEATED = 4  # characters of removed text worth repeating a replacement of
MIN_DELETED = 8  # characters of text deleted worth deleting elsewhere (`  # type: ignore`)
MIN_LINES_REPLACED = 24  # characters (not blank) of several lines replaced worth repeating
MAX_REPEATS = 24  # more places than that: a common piece of text, not one being replaced
MIN_UNNAMED_TOKENS = 3  # tokens of replaced text with no name in it worth repeating (`1 // 0`)
MIN_UNNAMED_CHARS = 6  # and its characters
MAX_WRAPPING_LINES = 8  # lines a statement is wrapped in, at most, to wrap it elsewhere too
ENTRY_LIKENESS = 0.8  # a deleted line's likeness in shape to a neighbour: one entry of many


def repeated_candidates(index: LineIndex, change: Change, in_text: bool = False) -> list[Candidate]:
    """The other places the exact text the user replaced stands (whole words, with a name in
    it, or a string literal given a constant's name): `t.Optional[str]` to `str | None`, a
    word in strings and comments, parameters over two lines, `"CONNECT"` to
    `http.MethodConnect`, a statement or a comment line deleted, a short word fixed in a
    string (where the same string stands), each with the user's replacement."""
    found = _repeated_candidates(index, change, in_text)
    if change.removed.startswith(":\n"):
        # a block's head changed at its colon (`except E:` given `as err`): heads of the
        # same statement only (not an `if` whose body raises the same)
        head = _head_word(index.line_text(index.line_of(change.start)))
        found = [c for c in found if head == _head_word(index.line_text(c.span.start_line))]
    found = _capitalised_alike(index, change, found)
    if in_text:
        found = _inflected_alike(index, change, found)
    return _forward_references(index, change, slips_only(index, change, found))


def _inflected_alike(index: LineIndex, change: Change, found: list[Candidate]) -> list[Candidate]:
    """``found``, but where a word of prose was given another ending (`should have occurs`
    made `should have occurred`: its sentence's grammar), only where the word before it is
    the user's too (`ERROR status occurs` is right as it is)."""
    return _words_alike(
        index,
        change,
        found,
        _inflected,
        lambda content, mine, at: _word_before(content, mine) == _word_before(content, at),
    )


def _capitalised_alike(index: LineIndex, change: Change, found: list[Candidate]) -> list[Candidate]:
    """``found``, but where a word's first letter was made a capital or a small letter and
    the user's word opens a string, a comment or a sentence (`Errorf("unexpected …` made
    `Errorf("Unexpected …`, a message's first word): only the words that open theirs. A word
    capitalised within a sentence is a name's spelling (`python` made `Python`): everywhere."""
    return _words_alike(
        index,
        change,
        found,
        _first_letter_only,
        lambda content, mine, at: not _opens_text(content, mine) or _opens_text(content, at),
    )


def _words_alike(
    index: LineIndex,
    change: Change,
    found: list[Candidate],
    changed: Callable[[str, str], bool],
    alike: Callable[[str, int, int], bool],
) -> list[Candidate]:
    """``found``, but of the candidates whose edit changes a word as ``changed`` reads it (its
    old text, its new), only those whose word stands as the user's does: ``alike(content,
    the user's word's offset, the candidate's)``."""
    kept = []
    for candidate in found:
        edit = candidate.edit
        if edit is None or not changed(edit.removed, edit.text):
            kept.append(candidate)
            continue
        mine = _user_word(change, edit.text)
        if mine is None or alike(change.content, mine, index.offsets(edit.span)[0]):
            kept.append(candidate)
    return kept


def _inflected(old: str, new: str) -> bool:
    """Are ``old`` and ``new`` one lower-case word with two endings (`occurs`, `occurred`;
    not a misspelling fixed, `explicity` made `explicitly`, `occured` made `occurred`, nor a
    name, `maxint` made `maxsize`)?"""
    if not (old.isalpha() and new.isalpha() and old.islower() and new.islower()):
        return False
    shorter = min(len(old), len(new))
    stem = next((k for k in range(shorter) if old[k] != new[k]), shorter)
    if stem < 3:
        return False
    ending = re.compile(rf"({old[stem - 1]})?(s|es|ed|d|ing|er|ers|est)")
    endings = []
    for tail in (old[stem:], new[stem:]):
        match = ending.fullmatch(tail)
        if tail and match is None:
            return False
        endings.append(match.group(2) if match else "")
    # (the same ending, its consonant doubled or not: a spelling fixed)
    return endings[0] != endings[1]


def _word_before(content: str, at: int) -> str:
    """The word before the one at ``at``, lower case: on its line, or where a comment's line
    holds none before it, the last of the comment's line above (a sentence wrapped)."""
    start = content.rfind("\n", 0, at) + 1
    found = re.search(r"(\w+)\W*$", content[start:at])
    if found is None and start > 0 and _COMMENT_MARKER.fullmatch(content[start:at].strip()):
        found = re.search(r"(\w+)\W*$", _previous_line(content, start))
    return "" if found is None else found.group(1).lower()


def _first_letter_only(old: str, new: str) -> bool:
    return old != new and old[1:] == new[1:] and old[:1].lower() == new[:1].lower()


def _user_word(change: Change, word: str) -> int | None:
    """Where ``word`` stands, a whole word, in what the user wrote (None: nowhere)."""
    pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")
    for match in pattern.finditer(change.content, max(0, change.start - len(word))):
        if match.start() > change.after_end:
            break
        if match.end() > change.start:
            return match.start()
    return None


def _opens_text(content: str, at: int) -> bool:
    """Does the word at ``at`` open a string, a comment (not a comment's line that goes on
    with the sentence of the line above) or a sentence?"""
    start = content.rfind("\n", 0, at) + 1
    lead = content[start:at]
    bare = lead.rstrip(" \t")
    if lead.endswith(('"', "'", "`")) or (bare != lead and bare.endswith((".", "!", "?"))):
        return True
    if not _COMMENT_OPENED.search(bare):
        return False
    marker = bare.strip()
    if not _COMMENT_MARKER.fullmatch(marker) or start == 0:
        return True  # (a comment after code on its line, or the text's first line)
    above = _previous_line(content, start).strip()
    said = above[len(marker) :].strip() if above.startswith(marker) else ""
    return not said or said.endswith((".", "!", "?", ":"))


def _previous_line(content: str, line_start: int) -> str:
    """The line just above the one starting at ``line_start`` (> 0), blank or not."""
    return content[content.rfind("\n", 0, line_start - 1) + 1 : line_start - 1]


_COMMENT_MARKER = re.compile(r"#+|//+|/?\*+|--")  # (`/**`, `*` in a block too)
_COMMENT_OPENED = re.compile(rf"(?:^|\s)(?:{_COMMENT_MARKER.pattern})$")


def moved_apart(index: LineIndex, change: Change, candidates: list[Candidate]) -> list[Candidate]:
    """``candidates``, but where ``change`` switched the module of a Python `from` import
    (`from typing import Buffer` made `from collections.abc import Buffer`: a name moved,
    not the module renamed), none in an import of other names only from the old module
    (`from typing import Any, cast`: they stay where they are)."""
    start = index.line_bounds(index.line_of(change.start))[0]
    mine = _FROM_IMPORT.match(change.content, start)
    if mine is None or not mine.start(1) <= change.start <= mine.end(1) or "\n" in change.removed:
        return candidates
    was = _FROM_IMPORT.match(change.before, start)
    if was is None or was[1].rsplit(".", 1)[-1] == mine[1].rsplit(".", 1)[-1]:
        return candidates  # the same module reached another way (`invoke.util` made `.util`)
    names = _imported_by(change.content, mine.end())
    if not names or names != _imported_by(change.before, was.end()):
        return candidates  # not the same names from elsewhere (`.abc import X` made `import abc`)
    kept = []
    for candidate in candidates:
        at = index.line_bounds(candidate.span.start_line)[0]
        other = _FROM_IMPORT.match(index.text, at)
        theirs = set() if other is None else _imported_by(index.text, other.end())
        if not theirs or names & theirs:  # (names not read: kept, as before this check)
            kept.append(candidate)
    return kept


def _imported_by(text: str, at: int) -> set[str]:
    """The names a `from` import lists from ``at`` (past its `import`): in parentheses over
    lines, comments left out, or to its line's end and past a backslash's; at most
    MAX_IMPORT_CHARS of it read (none when its end is not found within them)."""
    stop = min(len(text), at + MAX_IMPORT_CHARS)
    listed = []
    if text.startswith("(", at):
        for _, c, depth in code_chars(text, at + 1, stop, comment="#"):
            if depth < 0:
                break
            if c != "#":
                listed.append(c)
        else:
            return set()
    else:
        end = at
        while True:
            end = line_end(text, end)
            if end >= stop or text[end - 1 : end] != "\\":
                break
            end += 1
        listed.append(re.sub(r"#[^\n]*", "", text[at:end]))
    entries = "".join(listed).replace("\\", " ").split(",")
    return {e.split()[0] for e in entries if e.split() and e.split()[0].isidentifier()}


MAX_IMPORT_CHARS = 4000  # of a `from` import's list of names, read at most
# a `from` import's head, to its `import`
_FROM_IMPORT = re.compile(r"[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]+")


def _head_word(line: str) -> str:
    found = _HEAD.match(line)
    return found[1] if found else ""


_HEAD = re.compile(r"[ \t]*(\w+)")
_FORWARD_REFERENCE = re.compile(r"""(['"])([A-Za-z_]\w*)\1""")
_POSTPONED = re.compile(r"^from\s+__future__\s+import\b[^\n]*\bannotations\b", re.MULTILINE)


def _forward_references(
    index: LineIndex, change: Change, candidates: list[Candidate]
) -> list[Candidate]:
    """``candidates``, but where ``change`` unquoted a Python forward reference in an
    annotation (`'FilesSpec'` made `FilesSpec`), only those in annotations too (not an alias's
    value, a `cast`'s argument, a dict's value or a `Literal`'s string, which are values).
    Unless the module postpones annotations: where the user's was a function's local
    annotation (never evaluated), only in other such annotations; and only annotations
    evaluated after the name is defined (not above its class, nor in its class's body)."""
    unquoted = _FORWARD_REFERENCE.fullmatch(change.removed)
    text = index.text
    if unquoted is None or change.inserted != unquoted[2] or not _in_annotation(text, change.start):
        return candidates
    if _POSTPONED.search(text):
        return [c for c in candidates if _in_annotation(text, _start_of(index, c))]
    name = unquoted[2]
    local = _local_annotation(index, change.start)
    defined = _defined_at(text, name)
    kept = []
    for candidate in candidates:
        at = _start_of(index, candidate)
        if not _in_annotation(text, at):
            continue
        if _local_annotation(index, at) or (not local and (defined is None or defined[1] <= at)):
            kept.append(candidate)
    return kept


def _start_of(index: LineIndex, candidate: Candidate) -> int:
    return index.index(candidate.span.start_line, candidate.span.start_column)


def _defined_at(text: str, name: str) -> tuple[int, int] | None:
    """Where ``name`` is first defined in Python ``text`` at the top level (a class's body,
    an alias's statement: from its start to the end of the body or statement); None when
    it is not (imported under `TYPE_CHECKING`, or from elsewhere)."""
    found = re.search(rf"^(?:class[ \t]+{name}\b|{name}[ \t]*(?::[^=\n]*)?=(?!=))", text, re.M)
    if found is None:
        return None
    end = re.compile(r"^[^\s#)\]}]", re.MULTILINE).search(text, text.find("\n", found.end()) + 1)
    return found.start(), len(text) if end is None else end.start()


_SUBSCRIPT_VALUES = re.compile(r"(?:Literal|Annotated)[ \t]*$")  # their strings are values


def _in_annotation(text: str, at: int) -> bool:
    """Is ``at`` in a Python annotation: a parameter's (`env: 'Env'`), a result's (`->`),
    a variable's (`self.env: Optional['Env'] = …`, before the `=`)?"""
    while (opener := unclosed_bracket(text, at)) is not None and text[opener] == "[":
        if _SUBSCRIPT_VALUES.search(text, max(opener - 20, 0), opener):
            return False
        at = opener  # out of a subscript (`Optional[`): the annotation it is in
    depth = 0
    for i in range(at - 1, max(at - 400, 0) - 1, -1):
        c = text[i]
        if c in ")]}":
            depth += 1
        elif c in "([{":
            if depth == 0:
                return False  # a call's argument (`cast('Env', x)`), a list's item
            depth -= 1
        elif depth == 0:
            if c == ":":
                return text[i + 1 : i + 2] != "=" and _annotated(text, i)
            if c == ">" and text[i - 1 : i] == "-":
                close = text.rfind(")", 0, i - 1)
                opened = unclosed_bracket(text, close) if close >= 0 else None
                return opened is not None and _def_paren(text, opened)
            if c in ",=;\n":
                return False
    return False


def _def_paren(text: str, opened: int) -> bool:
    """Is the `(` at ``opened`` a Python `def`'s parameter list?"""
    head = text[text.rfind("\n", 0, opened) + 1 : opened]
    return (
        text[opened] == "("
        and re.fullmatch(r"[ \t]*(?:async[ \t]+)?def[ \t]+\w+[ \t]*", head) is not None
    )


_TARGET = re.compile(
    r"[ \t]*(?!(?:if|elif|else|while|for|with|try|except|finally|return|lambda|case|match"
    r"|class|def|yield|assert|del|raise)\b)[\w.]+[ \t]*"
)


def _annotated(text: str, colon: int) -> bool:
    """Is the `:` at ``colon`` the one of a parameter or a variable given a type (not a
    dict's key, a lambda's, a block's head)?"""
    opened = unclosed_bracket(text, colon)
    if opened is not None:
        start = max(text.rfind(",", opened, colon), opened) + 1
        return (
            _def_paren(text, opened)
            and re.fullmatch(r"\s*\*{0,2}\w+\s*", text[start:colon]) is not None
        )
    return _TARGET.fullmatch(text, text.rfind("\n", 0, colon) + 1, colon) is not None


_LOCAL_TARGET = re.compile(  # `target: annotation`, not a block's head (`else:`, `if x: y`)
    r"[ \t]+(?!(?:if|elif|else|while|for|with|try|except|finally|return|lambda|case)\b)"
    r"[\w.]+[ \t]*:(?!=)[ \t]*[^\s#]"
)
_BLOCK_START = re.compile(r"[ \t]*(?:async[ \t]+)?(def|class)[ \t]+(\w+)")
MAX_BLOCK_WALK = 400  # lines read up from a local annotation to the function it is in


def _local_annotation(index: LineIndex, at: int) -> bool:
    """Is ``at`` in the annotation of a variable in a Python function's body (`self.env:
    Environment = env`), which is never evaluated?"""
    number = index.line_of(at)
    line_start = index.starts[number - 1]
    text = index.line_text(number)
    target = _LOCAL_TARGET.match(text)
    if target is None or unclosed_bracket(index.text, line_start) is not None:
        return False  # (a parameter of a signature laid out over lines)
    equals = text.find("=", target.end())
    if at < line_start + target.end() - 1 or 0 <= equals < at - line_start:
        return False  # (the target, or the value assigned)
    indent = len(text) - len(text.lstrip())
    for above in range(number - 1, max(number - MAX_BLOCK_WALK, 0), -1):
        line = index.line_text(above)
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#") or len(line) - len(stripped) >= indent:
            continue
        opener = unclosed_bracket(index.text, index.starts[above - 1])
        if opener is not None:  # the end of a head laid out over lines (`) -> None:`)
            line = index.line_text(index.line_of(opener))
        block = _BLOCK_START.match(line)
        if block is not None:
            return block[1] == "def"
        indent = len(line) - len(line.lstrip())
    return False


def _repeated_candidates(
    index: LineIndex, change: Change, in_text: bool = False
) -> list[Candidate]:
    # `thte` made `the` in a string (``in_text``: one the caller read, over several lines)
    if _misspelling_fixed(change, in_text):  # where the word stands
        return _respelled(index, change)
    host = _host_around(change)
    if host is not None:  # a host renamed (`pypi.python.org` made `pypi.org`): where it stands
        low, high = host
        shift = change.after_end - change.before_end
        repeats = text_repeats(
            index, change, change.before[low:high], change.content[low : high + shift]
        )
        return [  # the whole host (not `test.pypi.python.org`'s end)
            c
            for c in repeats
            if _host_at(change.content, index.index(c.span.start_line, c.span.start_column))
            == high - low
        ]
    if not change.removed.strip() and not _type_arguments(change):
        return []  # text added next to a word: too often right in one place only
    if not change.inserted.strip() and len(change.removed.strip()) < MIN_DELETED:
        return []  # a short piece removed (`n`, `, x`): too often right in one place only
    before, content = change.before, change.content
    start, stop = word_bounds(before, change.start, change.before_end)
    removed = before[start:stop]
    inserted = content[start : stop + change.after_end - change.before_end]
    # a short name given its module's constant (`GET` to `http.MethodGet`) is worth it too
    qualified = is_name(removed) and "." in inserted and _CONSTANT.fullmatch(inserted) is not None
    version = _version_around(before, change.start, change.before_end)
    if version is not None:  # a version bumped (`1.13.4` to `1.13.5`): wherever it is named
        low, high = version
        shift = change.after_end - change.before_end
        bumped = text_repeats(index, change, before[low:high], content[low : high + shift])
        # not on a line that reads as the user's did: a release's copy, the one before it
        line = before[before.rfind("\n", 0, low) + 1 : line_end(before, low)].strip()
        return [c for c in bumped if index.line_text(c.span.start_line).strip() != line]
    if len(removed.strip()) < MIN_REPEATED:
        literal = _literal_around(before, change.start, change.before_end)
        if literal is not None:  # a short word fixed in a string: where the string stands
            low, high = literal
            shift = change.after_end - change.before_end
            return text_repeats(index, change, before[low:high], content[low : high + shift])
        if not qualified:
            return []
    if "\n" in inserted and "\n" not in removed:
        if _wrapped_statement(before, start, removed, inserted):
            if _ERROR_ASSIGNED.match(inserted):
                # Go's error assigned and checked: where that compiles (the function returns
                # what the check does, has an `err` for `err =`) is checked_call_candidates'
                return []
            same = _wrapped_repeats(index, change, removed, inserted, before)
            lines = {c.span.start_line for c in same}
            checked = _checked_calls(index, change, removed, inserted, before)
            return same + [c for c in checked if c.span.start_line not in lines]
        if _distinctive(removed) and inserted.count("\n") <= MAX_WRAPPING_LINES:
            return _reindented_repeats(index, change, removed, inserted, before)
        # lines added (a statement after a changed line): too often in one place only,
        # unless where the whole line reads as the user's did (`return cb(err)` made
        # `cb(err);` and `return` in each callback that returned it)
        if inserted.count("\n") > MAX_WRAPPING_LINES:
            return []
        return _same_line_repeats(
            index, change, _reindented_repeats(index, change, removed, inserted, before)
        )
    if not inserted:  # a deletion diffed from the middle of a line: from its start
        start, removed = _slid_to_line_start(before, start, removed)
    deleted = _line_deleted(before, start, removed, inserted)
    if deleted is not None:
        repeats = _whole_lines(index, text_repeats(index, change, removed, inserted))
        if deleted == _ALIKE:
            # one of alike lines deleted (`defer os.Unsetenv(…)` under `os.Setenv(…)`): only
            # where its copy stands between the same lines (the test below that repeats
            # that setup)
            return [c for c in repeats if _between_same(index, change, start, removed, c)]
        return repeats
    if "\n" in removed and (not inserted.strip() or len(removed.strip()) < MIN_LINES_REPLACED):
        return []  # lines deleted (one copy of a duplicate removed) or a short span of two
    words = [t[0] for t in tokens(removed)]
    unnamed = not any(is_name(w) for w in words)
    if unnamed and _named_literal(words, inserted):
        return text_repeats(index, change, removed, inserted)
    short = len(words) < MIN_UNNAMED_TOKENS or len(removed.strip()) < MIN_UNNAMED_CHARS
    if unnamed and short and not _coded(removed):
        return []  # numbers or symbols replaced (`0` to `1`, `0, 0`): too often one place only
    typed = _type_arguments(change)  # `Uint8Array` given `<ArrayBuffer>`: no wrapping
    wrapped = len(words) == 1 and re.search(rf"\b{re.escape(removed)}\b", inserted)
    if wrapped and not typed:
        # a name wrapped (`sorted(names)`, `{name}`): too often in one place only, unless
        # where the whole line reads as the user's did (`except LookupError:` made `except
        # (LookupError, UnicodeDecodeError):` in each handler)
        return _same_line_repeats(index, change, text_repeats(index, change, removed, inserted))
    found = text_repeats(index, change, removed, inserted)
    if removed.strip() in inserted and not typed:  # wrapped: not where it is assigned to
        found = [c for c in found if not _assigned_to(index, content, c.span)]
    if is_name(removed) and not is_name(inserted.strip()):
        # a name made an expression (`descriptor_rule` made `rules["descriptor"]`): a member
        # where it is a member, a variable where it is one
        dotted = before[start - 1 : start] == "."
        found = [c for c in found if _dotted(index, c) == dotted]
    return [c for c in found if not _parameter_twice(index, c)]


def _parameter_twice(index: LineIndex, candidate: Candidate) -> bool:
    """Would ``candidate`` give a definition's parameters a name they have already (`obj:
    Any` made `data: Dict[str, Any]` in `def flatten(self, obj: Any, data: Dict…)`)?"""
    edit = candidate.edit
    start = _start(index, candidate)
    given = NAME.match(edit.text.strip()) if edit is not None else None
    parameters = parameter_list_at(index.text, start) if given is not None else None
    if edit is None or given is None or parameters is None:
        return False
    opened, close = parameters
    end = start + len(edit.removed)
    rest = index.text[opened + 1 : start] + " " + index.text[end:close]
    return re.search(rf"(?<![\w$.]){re.escape(given.group())}\b", rest) is not None


def _coded(word: str) -> bool:
    """Is ``word`` a code of digits and letters (`11T24` of a date), not a number however
    written (`0x7fff`, `1e100`, `10_000`)?"""
    if len(word) < 5 or re.fullmatch(r"\w*(?:\d[A-Za-z]|[A-Za-z]\d)\w*", word) is None:
        return False
    return _NUMBER.fullmatch(word) is None


# a number literal of Python, JavaScript or Go: hexadecimal, octal, binary, decimal with a
# fraction or an exponent, Python's imaginary `j`, JavaScript's BigInt `n`, Go's imaginary `i`
_NUMBER = re.compile(
    r"0[xX][0-9a-fA-F_]+n?|0[oObB][0-7_]+n?|[\d_]+(?:\.[\d_]*)?(?:[eE][+-]?\d+)?[jni]?"
)


def _assigned_to(index: LineIndex, content: str, span: Span) -> bool:
    """Is the text at ``span`` what an assignment assigns to (`x = …`), not a variable's type
    annotation before its value (`inputs: asyncio.Queue[str] = …`: a name and a colon begin
    the statement; not `if x: y = …` nor `case 'a': y = …`)?"""
    start, end = index.offsets(span)
    annotated = _ANNOTATED.fullmatch(content, content.rfind("\n", 0, start) + 1, start)
    return annotated is None and ASSIGNED_AFTER.match(content, end) is not None


# a variable's name and a colon begin the statement (`inputs: `; not `else: `)
_ANNOTATED = re.compile(r"[ \t]*(?!(?:else|try|finally|default)\b)[A-Za-z_$][\w$.]*[ \t]*:[ \t]*")


_ERROR_ASSIGNED = re.compile(r"\s*(?:\w+\s*,\s*)*err\s*:?=[^\n]*\n\s*if err != nil \{")


def _wrapped_statement(before: str, start: int, removed: str, inserted: str) -> bool:
    """Is ``removed`` a whole statement alone on its line that ``inserted`` wraps in lines
    of its own (`try:` ... `except Exception as e:`, an `if` around it)?"""
    line_start = before.rfind("\n", 0, start) + 1
    line = before[line_start : line_end(before, start)]
    return (
        line.strip() == removed.strip()
        and before[line_start:start].strip() == ""
        and removed.strip() in inserted
        and inserted.count("\n") <= MAX_WRAPPING_LINES
    )


def _wrapped_repeats(
    index: LineIndex, change: Change, removed: str, inserted: str, before: str
) -> list[Candidate]:
    """The same statement wrapped the same way where it stands alone on its line, the
    wrapping lines indented as they are relative to it there."""
    indent = indent_at(before, change.start)
    found = []
    for candidate in text_repeats(index, change, removed, inserted):
        assert candidate.edit is not None
        span = candidate.edit.span
        line = index.line_text(span.start_line)
        there = line[: span.start_column - 1]
        if there.strip() or line.strip() != removed.strip():
            continue  # inside a longer line, or not the whole of its own
        text = inserted.replace("\n" + indent, "\n" + there)
        found.append(replace(candidate, edit=TextEdit(span, removed, text)))
    return found


# A method called at a statement's start (`c.Logger.Printf(`): its receiver, its method
_METHOD_CALL = re.compile(r"((?:[A-Za-z_$][\w$]*\.)+)[A-Za-z_$][\w$]*\(")


def _checked_calls(
    index: LineIndex, change: Change, removed: str, inserted: str, before: str
) -> list[Candidate]:
    """A method's call wrapped in a check of its receiver (`if c.Logger != nil {` around
    `c.Logger.Printf("[DEBUG] …")`): the other calls of that method on that receiver, each a
    statement alone on its line, checked the same way. The check is of the receiver itself
    (`!= nil`, `!== null`, `is not None`, or the receiver alone), so it holds for every
    call on it whatever the arguments; another wrapping (`try:`, `if len(s.buf) > 0`, an
    `else` branch) is only repeated where the same statement stands."""
    statement = removed.strip()
    call = _METHOD_CALL.match(statement)
    wrapper = inserted.strip().split("\n", 1)[0]
    if call is None:
        return []
    receiver = call.group(1)[:-1]
    if not _checks(wrapper, receiver) or not _closes_only(inserted, statement):
        return []
    content = change.content
    indent = indent_at(before, change.start)
    made = [*change.earlier, (change.start, change.after_end)]
    line = index.line_of(change.start)
    candidates = []
    for number in range(1, index.line_count + 1):
        text = index.line_text(number)
        body = text.strip()
        if not body.startswith(call.group()) or body == statement or not balanced(body):
            continue  # another call, the user's statement, or one that goes on below
        start = index.line_bounds(number)[0]
        own = text[: len(text) - len(text.lstrip())]
        at, end = start + len(own), start + len(text.rstrip())
        if any(lo < end and at < hi for lo, hi in made) or _inside(content, start, wrapper):
            continue  # the user's, or checked already
        wrapped = inserted.replace(statement, body, 1).replace("\n" + indent, "\n" + own)
        edit = TextEdit(index.span(at, end), body, wrapped)
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates if len(candidates) <= MAX_REPEATS else []


def _checks(wrapper: str, receiver: str) -> bool:
    """Does the line ``wrapper`` open a block on a check of ``receiver`` itself: not nil,
    null or None, or its truth (`if c.Logger != nil {`, `if (this.socket) {`)?"""
    name = re.escape(receiver)
    tested = rf"(?<![\w$.]){name}(?:\s*(?:!==?\s*(?:nil|null|undefined)|is\s+not\s+None))?"
    return re.fullmatch(rf"(?:if\s*\(?\s*{tested}\s*\)?\s*[{{:])", wrapper.strip()) is not None


def _closes_only(inserted: str, statement: str) -> bool:
    """Do the wrapping lines after ``statement`` only close its block (no `else` branch)?"""
    after = inserted[inserted.find(statement) + len(statement) :]
    return all(line.strip() in ("", "}") for line in after.split("\n"))


def _inside(content: str, start: int, wrapper: str) -> bool:
    """Is the line at ``start`` in a block that ``wrapper`` opens (the nearest line above
    that is indented less)?"""
    indent = len(indent_at(content, start))
    end = start - 1
    while end > 0:
        line_start = content.rfind("\n", 0, end) + 1
        line = content[line_start:end]
        if line.strip() and len(line) - len(line.lstrip()) < indent:
            return line.strip() == wrapper
        end = line_start - 1
    return False


def _same_line_repeats(index: LineIndex, change: Change, found: list[Candidate]) -> list[Candidate]:
    """Of ``found``, the places on a line that reads as the user's line did, the place at
    the same column of its text."""
    before = change.before
    line_start = before.rfind("\n", 0, change.start) + 1
    line = before[line_start : line_end(before, change.start)]
    column = change.start - line_start - (len(line) - len(line.lstrip()))
    kept = []
    for candidate in found:
        text = index.line_text(candidate.span.start_line)
        there = candidate.span.start_column - 1 - (len(text) - len(text.lstrip()))
        if text.strip() == line.strip() and there <= column:
            kept.append(candidate)
    return kept


COMMENT_STARTS = ("#", "//", "/*", "*")
MIN_DISTINCTIVE = 30  # characters of a piece of a line that stands for its place elsewhere
MIN_DISTINCTIVE_NAMES = 2  # and names in it


def _distinctive(text: str) -> bool:
    """Is ``text`` (a piece of one line) long enough and named enough that where it stands
    again, the same change goes (`event_loop: asyncio.AbstractEventLoop) -> None:`)?"""
    names = [w for w, _, _ in tokens(text) if is_name(w)]
    code = any(bracket in text for bracket in "()[]{}")  # not a line of prose
    return code and len(text.strip()) >= MIN_DISTINCTIVE and len(names) >= MIN_DISTINCTIVE_NAMES


def _reindented_repeats(
    index: LineIndex, change: Change, removed: str, inserted: str, before: str
) -> list[Candidate]:
    """The same piece replaced by the same lines where it stands again, the lines indented
    there as they are relative to the user's line (a parameter made a local variable in
    each test function that took it)."""
    line_start = before.rfind("\n", 0, change.start) + 1
    line = before[line_start : line_end(before, change.start)]
    indent = line[: len(line) - len(line.lstrip())]
    opened = before[line_start : change.start].rstrip().endswith(("(", "["))
    emptied = opened and inserted.lstrip().startswith((")", "]"))
    found = []
    for candidate in text_repeats(index, change, removed, inserted):
        assert candidate.edit is not None
        there = index.line_text(candidate.edit.span.start_line)
        own = there[: len(there) - len(there.lstrip())]
        if there.lstrip().startswith(COMMENT_STARTS) or there.split()[:1] != line.split()[:1]:
            continue  # a comment or docstring that quotes it, a continuation line
        if own != indent and not own.startswith(indent) and not indent.startswith(own):
            continue  # indented otherwise (tabs for spaces): no telling how
        text = inserted.replace("\n" + indent, "\n" + own) if own != indent else inserted
        span, cut = candidate.edit.span, removed
        at, end = index.offsets(span)
        if emptied and change.content[at - 2 : at] == ", ":
            # the user's list left empty, this one with the items before the piece: its comma
            # goes with it (`(self, event_loop: …)` to `(self)`)
            span, cut = index.span(at - 2, end), ", " + removed
        found.append(replace(candidate, span=span, edit=TextEdit(span, cut, text)))
    return found


def _slid_to_line_start(before: str, start: int, removed: str) -> tuple[int, str]:
    """A deletion of ``removed`` at ``start`` as the same deletion from its line's start,
    when it is one: deleting `t.Parallel()\n\n\t` after a tab is deleting `\tt.Parallel()\n\n`
    before it. Else as it is."""
    at, text = start, removed
    while at > 0 and text and before[at - 1] != "\n" and before[at - 1] == text[-1]:
        at, text = at - 1, text[-1] + text[:-1]
    return (at, text) if at == 0 or before[at - 1] == "\n" else (start, removed)


def _whole_lines(index: LineIndex, candidates: list[Candidate]) -> list[Candidate]:
    """The ``candidates`` deleting a line, each from its line's start: a copy indented
    deeper (the same line's end, `t.Fail()` in a nested block) loses its own indentation
    too, not the user's line's worth of it."""
    found = []
    for candidate in candidates:
        assert candidate.edit is not None
        span = candidate.span
        lead = index.line_text(span.start_line)[: span.start_column - 1]
        if lead.strip():
            continue  # inside a longer line
        whole = replace(span, start_column=1)
        edit = TextEdit(whole, lead + candidate.edit.removed, candidate.edit.text)
        found.append(replace(candidate, span=whole, edit=edit))
    return found


_ALONE, _ALIKE = "alone", "alike"


def _line_deleted(before: str, start: int, removed: str, inserted: str) -> str | None:
    """Is ``removed`` one whole line deleted, not a block's opening (`if version >= (11,
    0):`, whose body changes with it), nor one copy of a duplicate (the line beside it the
    same)? Then _ALONE: a statement or a comment taken out (`t.Parallel()`, a linter's
    directive), deleted wherever the same line stands; or _ALIKE when it is one of alike
    lines around it (one of a list's items, `"test.log",`, a call among calls). (With the
    blank lines after it, if they went with it and it is a call: `t.Parallel()` and the
    blank line that set it apart.)"""
    whole = removed.endswith("\n") and (start == 0 or before[start - 1] == "\n")
    if inserted.strip() or not whole or "\n" in removed.strip():
        return None
    line = removed.strip()
    if removed.count("\n") > 1 and not line.endswith((")", ";")):
        return None  # a blank line taken with a line of prose (a docstring's): one place
    if line.endswith(OPENERS) or line.endswith(":"):
        return None
    around = _around(before, start, removed)
    if any(neighbour.strip() == line for neighbour in around):
        return None  # one copy of a duplicate removed: the other stays
    return _ALIKE if any(_shaped_alike(line, neighbour) for neighbour in around) else _ALONE


def _around(text: str, start: int, removed: str) -> tuple[str, str]:
    """The line above the one ``removed`` from ``start`` of ``text`` and the line below it."""
    above = text[text.rfind("\n", 0, max(start - 1, 0)) + 1 : max(start - 1, 0)]
    below = text[start + len(removed) : line_end(text, start + len(removed))]
    return above, below


def _between_same(
    index: LineIndex, change: Change, start: int, removed: str, candidate: Candidate
) -> bool:
    """Does ``candidate``'s copy of the deleted line stand under the line that stood above
    the user's, or over the line below it (neither a blank line nor a block's end or a bare
    `return x`, which stand anywhere)?"""
    assert candidate.edit is not None
    at, _ = index.offsets(candidate.span)
    theirs = _around(change.content, at, candidate.edit.removed)
    mine = _around(change.before, start, removed)
    return any(a.strip() == b.strip() and _telling(a) for a, b in zip(mine, theirs, strict=True))


# lines that stand anywhere: a block's end, a bare return (`return nil, err`), raise, break
_PLAIN_LINE = re.compile(r"[\s)\]}\;,]*|\s*(?:return|break|continue|pass|raise)\b[\s\w.,;*&]*")


def _telling(line: str) -> bool:
    """Does ``line`` say where it stands: not blank, a block's end or a bare return?"""
    return _PLAIN_LINE.fullmatch(line) is None


def _shaped_alike(a: str, b: str) -> bool:
    """Do two lines have about the same tokens' kinds (`"test.log",` and `"test.log.rar",`)?"""
    kinds_a = [token_kind(t[0]) for t in tokens(a)]
    kinds_b = [token_kind(t[0]) for t in tokens(b)]
    matcher = difflib.SequenceMatcher(None, kinds_a, kinds_b, autojunk=False)
    return bool(kinds_a) and bool(kinds_b) and matcher.ratio() >= ENTRY_LIKENESS


def _literal_around(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where the one string literal stands that holds ``start``..``end`` (inside its
    quotes), if any."""
    line_start = text.rfind("\n", 0, start) + 1
    for _, low, high in tokens(text, line_start, line_end(text, end)):
        if low < start and end < high and text[low] in "\"'`":
            return low, high
    return None


def _misspelling_fixed(change: Change, in_text: bool = False) -> bool:
    """A letter or two taken out of a word, or put in, in the middle of it (`thte` made
    `the`), in a string or a comment (or ``in_text``: in prose the caller knows of, a
    string over several lines): a word misspelt, fixed."""
    before, start, end = change.before, change.start, change.before_end
    if len(change.removed + change.inserted) > MAX_RESPELLED or not start:
        return False
    if not (change.removed + change.inserted).isalpha() or end >= len(before):
        return False
    if not (before[start - 1].isalpha() and before[end].isalpha()):
        return False  # at a word's end: a word made another (`element` to `elements`)
    low, high = word_bounds(before, start, end)
    if before[low:high].lower() in _WORDS:
        return False  # a word of its own made another (`were` to `where`): the user's choice
    line_start = before.rfind("\n", 0, start) + 1
    commented = re.search(r"#|//|^\s*\*", before[line_start:start]) is not None
    return in_text or commented or _literal_around(before, start, end) is not None


MAX_RESPELLED = 2  # letters taken out or put in to fix a misspelt word
# Words that are words, one or two letters from another (`were` and `where`, `lose` and
# `loose`): a change of one to the other is a choice of word, not a misspelling fixed.
_CONFUSABLE = (
    "were where wear here there their them then than they the these those this thus though "
    "through thorough lose loose chose choose form from its it's your you our are and any "
    "an of off to too two was way weather whether quite quiet accept except affect effect "
    "advice advise breath breathe cloth clothe desert dessert lead led passed past which "
    "witch while whole hole who how now not note no on one once in if or for fro hear new "
    "knew know sit site set seat bear beer later latter dose does goes god good word world "
    "ever even every very envelop envelope aloud allowed angel angle bellow below"
)
_WORDS = frozenset(_CONFUSABLE.split())


def _respelled(index: LineIndex, change: Change) -> list[Candidate]:
    """The misspelt word wherever it stands as a word, spelt as the user fixed it."""
    before, content = change.before, change.content
    start, stop = word_bounds(before, change.start, change.before_end)
    old = before[start:stop]
    new = content[start : stop + change.after_end - change.before_end]
    if len(old) < MIN_REPEATED:
        return []
    # where the word stands as the user's did: as a name of the program's, or as prose's
    coded = _coded_word(content, start, start + len(new))
    return [
        c
        for c in text_repeats(index, change, old, new)
        if _coded_word(content, *index.offsets(c.span)) == coded
    ]


def _coded_word(text: str, start: int, end: int) -> bool:
    """Does the word at ``start``..``end`` of ``text`` stand as code does, whatever it is in
    (a member, `.bookeeping`; a keyword argument or a call, `colour=`, `paint(`; a string
    that is only the word, a key: `"weekDay"`): a name of the program's, not prose's word?"""
    left, right = text[start - 1 : start], text[end : end + 1]
    quoted = left in ("'", '"') and right == left
    member = left == "." and _NAME_CHAR.match(text[start - 2 : start - 1] or " ") is not None
    owner = right == "." and _NAME_CHAR.match(text[end + 1 : end + 2] or " ") is not None
    return quoted or member or owner or left == "_" or right in ("(", "=", "_")


# A version of three or more numbers (`1.13.4`, `1.13.0-2`, `2.0.0rc1`): two are as often a
# number (`1.5`, `3.9` a Python's), and stand alike for other reasons.
_VERSION = re.compile(
    r"(?<![\w.])\d+(?:\.\d+){2,3}(?:[-.]?(?:rc|a|b|alpha|beta|dev|post)?\d*)(?![\w.])"
)


def _version_around(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where the version stands whose digits ``start``..``end`` changes, if one does and it
    is no requirement on another package's."""
    if not re.fullmatch(r"\d*", text[start:end]):
        return None
    line_start = text.rfind("\n", 0, start) + 1
    for found in _VERSION.finditer(text, line_start, line_end(text, end)):
        if found.start() <= start and end <= found.end():
            if _CONSTRAINT.search(text, line_start, found.start()):
                return None  # `"^1.0.0"`, `>=1.2.3`: a requirement on another package
            return found.span()
    return None


def _host_around(change: Change) -> tuple[int, int] | None:
    """Where the host name stands in ``change.before`` (`pypi.python.org`, in a string or
    after a URL's `//`) that the change made another host's name (`pypi.org`), if it did."""
    before, start, end = change.before, change.start, change.before_end
    line_start = before.rfind("\n", 0, start) + 1
    for found in _HOST.finditer(before, line_start, line_end(before, end)):
        if not (found.start() <= start and end <= found.end()):
            continue
        low, high = found.span()
        new = change.content[low : high + change.after_end - change.before_end]
        if not _HOST.fullmatch(new) or new == found.group():
            return None
        quoted = _literal_around(before, low, high) is not None
        return (low, high) if quoted or before.endswith("//", 0, low) else None
    return None


def _host_at(text: str, at: int) -> int:
    """The length of the host's name that begins at ``at`` in ``text``; 0 when none does."""
    found = _HOST.match(text, at)
    return 0 if found is None else found.end() - at


# a host's name: labels joined by dots, the last a top-level domain's
_HOST = re.compile(
    r"(?<![\w.-])(?:[A-Za-z0-9-]+\.)+(?:com|org|net|io|dev|edu|gov|info|co|uk|de|app|me)"
    r"(?![\w-]|\.\w)"
)


_CONSTRAINT = re.compile(r"(?:[\^~<>=!]=?|\bv)[ \t]*\Z")


MIN_LITERAL = 3  # characters inside a string literal worth naming wherever it stands


def _named_literal(words: list[str], inserted: str) -> bool:
    """A string literal given a name (`"CONNECT"` to `http.MethodConnect`): a constant
    introduced for it replaces it wherever it stands."""
    return (
        len(words) == 1
        and words[0][:1] in "\"'`"
        and len(words[0]) - 2 >= MIN_LITERAL
        and _CONSTANT.fullmatch(inserted) is not None
        and is_name(inserted.rsplit(".", 1)[-1])  # not `undefined`, `None`: a value
    )


_CONSTANT = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")


def _type_arguments(change: Change) -> bool:
    """Type arguments added to a name (`Uint8Array` to `Uint8Array<ArrayBuffer>`, `Tuple`
    to `Tuple[Any]`): made wherever that type is named, as a rule."""
    inserted, before, at = change.inserted, change.before, change.start
    if change.removed or at == 0 or not (before[at - 1].isalnum() or before[at - 1] == "_"):
        return False
    if inserted[:1] == "<" and inserted[-1:] == ">":
        return _TYPE_LIST.fullmatch(inserted[1:-1]) is not None
    # Square brackets index too (`items[i]`, `${#list[*]}`): only names with a capital, a
    # dot or a comma (`[Any]`, `[t.Any]`, `[str, int]`)
    inner = inserted[1:-1]
    return (
        inserted[:1] == "["
        and inserted[-1:] == "]"
        and _TYPE_LIST.fullmatch(inner) is not None
        and re.search(r"[A-Z.,]", inner) is not None
    )


_TYPE_NAME = r"(?:[A-Za-z_][\w.]*(?:\[[\w., ]*\]|<[\w., ]*>)?|\.\.\.)"
_TYPE_LIST = re.compile(rf"{_TYPE_NAME}(?:\s*,\s*{_TYPE_NAME})*")


SYMBOLS_CHANGED = 3  # characters at most of a change of symbols repeated by its context
WORDS_INSERTED = 40  # characters at most of words put in, repeated by their context


_MEMBER = re.compile(r"\.[A-Za-z_$][\w$]*")


def context_repeats(index: LineIndex, change: Change, taken_out: bool = False) -> list[Candidate]:
    """A few symbols put in or taken out between two tokens (`(c Codec)` to `(c *Codec)`,
    a comma after a string), or words put in (`"gzip, deflate, br"` given `, zstd`) or, with
    ``taken_out``, taken out: the same change wherever the same text stands around it, two
    tokens on either side, a name among them (or a word in what was taken out). Words put in
    must close what they open (a piece of a longer change the diff cut in two, `options]{{end}}
    [`, is not one). (Not ``taken_out`` where a rename is read: a word's end taken off,
    `assertEquals` made `assertEqual`, is that rename's.)"""
    removed, inserted = change.removed, change.inserted
    if "\n" in removed + inserted or not (removed + inserted).strip():
        return []
    symbols = max(len(removed), len(inserted)) <= SYMBOLS_CHANGED and not re.search(
        r"\w", removed + inserted
    )
    words = not removed and len(inserted) <= WORDS_INSERTED and balanced(inserted)
    # words taken out (`"*py*: error:` made `"*: error:` in one of the expected lines); not
    # an item of a list (`isSync, ` taken from one call's arguments leaves the others' be),
    # nor a word of a sentence (`should not make` made `should make` says so of one test)
    taken = (
        taken_out
        and not inserted
        and len(removed) <= WORDS_INSERTED
        and balanced(removed)
        and not any(_LIST_ITEM.fullmatch(r) or _prose(r) for r in slid_removals(change))
    )
    if not (symbols or words or taken):
        return []
    before, at, stop = change.before, change.start, change.before_end
    left = tokens(before, before.rfind("\n", 0, at) + 1, at)[-2:]
    right = tokens(before, stop, line_end(before, stop))[:2]
    named = any(is_name(t[0]) for t in (*left, *right)) or (taken and _WORDY.search(removed))
    if len(left) < 2 or len(right) < 2 or not named:
        return []
    member = not removed and _MEMBER.fullmatch(inserted) and is_name(left[-1][0])
    if member:
        # a member put after a name (`statuses[status]` to `statuses.message[status]`): that
        # name wherever the same token follows it, as plain or as much a member as it was
        # (not `self.statuses[status]` for `statuses`, nor a local `b[1]` for `a.b[0]`)
        left, right = left[-1:], right[:1]
    line = tokens(before, before.rfind("\n", 0, at) + 1, at)
    callee = _callee_before([t[0] for t in line], len(line))
    if callee is not None and not removed:  # the call it follows, whole: not another call
        left = [line[callee], *left]
    head, tail = before[left[0][1] : at], before[stop : right[-1][2]]
    found = text_repeats(index, change, head + removed + tail, head + inserted + tail)
    if member or taken:  # (not in a longer dotted name: `test.pypi.python.org` for `pypi.`)
        dotted = before[left[0][1] - 1 : left[0][1]] == "."
        found = [c for c in found if _dotted(index, c) == dotted]
    # a call's arguments are no function's parameters (`handler, "reason", reason` in a
    # `console.log(` is not `function(handler, reason)`), nor the other way round
    defines = in_parameter_list(before, at)
    narrowed = [_narrowed(index, c, len(head), len(tail)) for c in found]
    return [c for c in narrowed if in_parameter_list(index.text, _start(index, c)) == defines]


_WORDY = re.compile(r"[A-Za-z]{2}")  # a word in what was taken out: not symbols alone
_ITEM = r"""(?:[\w$.]+|"[^"\n]*"|'[^'\n]*')"""  # a list's item: a name, a number, a string
_LIST_ITEM = re.compile(rf"\s*{_ITEM}\s*,\s*|\s*,\s*{_ITEM}\s*")
# words of prose (`doesn't`, `être`), a space or a string's `\t` after or before them
_PROSE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]*)?(?:\s+[^\W\d_]+(?:['’][^\W\d_]*)?)*")


def _prose(removed: str) -> bool:
    """Is ``removed`` words of a sentence taken out with their space (`not ` from `should not
    make`)?"""
    spaced = re.sub(r"\\[tn]", " ", removed)
    return spaced != spaced.strip() and _PROSE.fullmatch(spaced.strip()) is not None


def _start(index: LineIndex, candidate: Candidate) -> int:
    return index.offsets(candidate.span)[0]


# what stands before a definition's opening parenthesis: `function name`, `def name`, Go's
# `func (r *T) name`
_DEFINES = re.compile(
    r"(?:\bfunction\b\s*\*?\s*[\w$]*|\bdef\s+\w+|\bfunc\b(?:\s*\([^()]*\))?\s*\w*)\s*$"
)


_ARROW = re.compile(r"\s*(?::[^=\n]*)?=>")  # after an arrow function's parameters


def in_parameter_list(text: str, at: int) -> bool:
    """Is ``at`` inside the parentheses of a function's definition?"""
    return parameter_list_at(text, at) is not None


MAX_HEADER_LINES = 8  # lines a definition's parameters are wrapped over, at most


def parameter_list_at(text: str, at: int) -> tuple[int, int] | None:
    """The opening and closing parentheses of the function definition's parameters ``at``
    stands in (a `function`, `def` or `func` before them on their line, an arrow after them,
    or a method's name alone before them and its body after), looked for up the lines that
    continue them (ending in a comma or the parenthesis); None elsewhere."""
    depth, lines = 0, 0
    for k in range(at - 1, -1, -1):
        char = text[k]
        if char == "\n":
            lines += 1
            continued = text[text.rfind("\n", 0, k) + 1 : k].rstrip().endswith((",", "("))
            if lines > MAX_HEADER_LINES or not continued:
                return None
        elif char in ")]}":
            depth += 1
        elif char in "([{":
            if depth == 0:
                close = matching_paren(text, k) if char == "(" else None
                return (k, close) if close is not None and _defines(text, k, close) else None
            depth -= 1
    return None


_METHOD = re.compile(  # a method's name alone (not `if (…) {`, `while (…) {`)
    r"[ \t]*(?:(?:async|static|get|set|public|private|protected|override)\s+)*"
    r"(?!(?:if|for|while|switch|catch|with|return|else|do)\b)[\w$]+[ \t]*$"
)
_BODY = re.compile(r"\s*(?::[^{;\n]*)?\{")  # a method's body after its parameters


def _defines(text: str, opened: int, close: int) -> bool:
    """Are the parentheses at ``opened``..``close`` a function definition's parameters?"""
    line_start = text.rfind("\n", 0, opened) + 1
    if _DEFINES.search(text, line_start, opened) is not None:
        return True
    if _ARROW.match(text, close + 1) is not None:
        return True
    return _METHOD.match(text, line_start, opened) is not None and bool(
        _BODY.match(text, close + 1)
    )


def _dotted(index: LineIndex, candidate: Candidate) -> bool:
    """Is ``candidate``'s place right after a dot (a member of something)?"""
    start = _start(index, candidate)
    return index.text[start - 1 : start] == "."


def _narrowed(index: LineIndex, candidate: Candidate, head: int, tail: int) -> Candidate:
    """``candidate``'s edit without the ``head`` and ``tail`` characters it leaves as they
    are."""
    edit = candidate.edit
    assert edit is not None
    start, end = index.offsets(edit.span)
    start, end = start + head, end - tail
    text = edit.text[head : len(edit.text) - tail]
    narrowed = TextEdit(index.span(start, end), edit.removed[head : len(edit.removed) - tail], text)
    return replace(candidate, span=narrowed.span, edit=narrowed)


def text_repeats(
    index: LineIndex, change: Change, old: str, new: str, kind: str = SIMILAR
) -> list[Candidate]:
    """Each other place ``old`` stands in the content as whole words, not where the user's
    recent edits are, replaced by ``new``, nearest first scoring highest; [] when there are
    more than MAX_REPEATS (a common piece of text, not one being replaced)."""
    content = change.content
    made = [*change.earlier, (change.start, change.after_end)]
    # code changed is not repeated into an import: what is imported follows the uses
    # (`a: Collection` made `a: Set` would have `import Collection` made `import Set`)
    imports = _IMPORT_LINE.match(index.line_text(index.line_of(change.start))) is not None
    # `true|false` made `^(true|false)$`: not where it already reads `^(true|false)$`
    wrap = new.find(old) if old else -1
    head, tail = (new[:wrap], new[wrap + len(old) :]) if wrap >= 0 else ("", "")
    places: list[tuple[int, int]] = []
    at = content.find(old)
    while at >= 0 and len(places) <= MAX_REPEATS:
        end = at + len(old)
        done = wrap >= 0 and content.startswith(head, at - len(head)) and at >= len(head)
        if (
            word_bounds(content, at, end) == (at, end)
            and not any(lo < end and at < hi for lo, hi in made)
            and (imports or _IMPORT_LINE.match(index.line_text(index.line_of(at))) is None)
            and not (done and content.startswith(tail, end))
        ):
            places.append((at, end))
        at = content.find(old, at + 1)
    if len(places) > MAX_REPEATS:
        return []
    line = index.line_of(change.start)
    candidates = []
    for at, end in places:
        edit = TextEdit(index.span(at, end), old, new)
        distance = abs(index.line_of(at) - line)
        candidates.append(Candidate(edit.span, kind, repeat_score(distance), edit))
    return candidates


_IMPORT_LINE = re.compile(r"\s*(?:from\s+\S+\s+import\b|import\b)")
# a linter told an import is used though it looks unused (a re-export: pyflakes' F401, a
# star import's F403) or that it is in a function by design (pylint's PLC0415), or told
# nothing of which (a bare `noqa`)
_UNUSED_IMPORT_CODE = r"[ \t]*(?:F401|F403|PLC0415)[ \t]*"
_UNUSED_IMPORT_NOQA = re.compile(
    rf"[ \t]+#[ \t]*noqa(?::{_UNUSED_IMPORT_CODE}(?:,{_UNUSED_IMPORT_CODE})*)?[ \t]*"
)


def _uses_imported(index: LineIndex, number: int) -> bool:
    """Does the code use a name the Python import on line ``number`` binds (outside imports
    and string literals: not `"name"` in `__all__`)? Not a star import's (no names)."""
    statement, last = index.line_text(number), number
    while "(" in statement and ")" not in statement and last < index.line_count:
        last += 1  # an import in parentheses, over several lines
        statement += "\n" + index.line_text(last)
    head, _, listed = statement.strip().partition(" import ")
    if head.startswith("from "):
        names = listed_names(listed)
    else:  # `import a.b, c as d`: `a` and `d`
        names = [part.split()[-1].split(".")[0] for part in head[7:].split(",") if part.split()]
    for name in (n for n in names if n.isidentifier()):  # (a star binds none by name)
        for found in re.finditer(rf"(?<![\w.'\"]){re.escape(name)}\b(?!['\"])", index.text):
            line = index.line_of(found.start())
            text = index.line_text(line)
            before = text[: found.start() - index.line_bounds(line)[0]]
            if "#" in before or COMMENT_LINE.match(text):
                continue  # (a comment's word)
            if not number <= line <= last and not _IMPORT_LINE.match(text):
                return True
    return False


def _import_form(line: str) -> str:
    """An import line's form: `import`, `from` an absolute module, or `from` a relative one
    (its dots: `from ..`)."""
    found = re.match(r"from\s+(\.*)", line)
    return "import" if found is None else "from " + found.group(1)


_TRAILING_COMMENT = re.compile(r"\s+(?:#|//)[^\n]*")


def comment_repeats(index: LineIndex, change: Change) -> list[Candidate]:
    """A comment put at a line's end (`  # noqa: B018` after `1 / 0`) is put at the end of
    the lines that read the same as that line did and have no comment of their own."""
    before, at = change.before, change.start
    if change.removed or _TRAILING_COMMENT.fullmatch(change.inserted) is None:
        return []
    if at < len(before) and before[at] != "\n":
        return []  # not at the line's end
    line = before[before.rfind("\n", 0, at) + 1 : at].strip()
    if not line:
        return []
    made = [*change.earlier, (change.start, change.after_end)]
    own = index.line_of(change.start)
    candidates = []
    for number in range(1, index.line_count + 1):
        text = index.line_text(number)
        if number == own or text.strip() != line:
            continue
        candidate = _put_at_end(index, number, own, change.inserted, made)
        if candidate is not None:
            candidates.append(candidate)
        if len(candidates) > MAX_REPEATS:
            return []
    if not candidates and _DIRECTIVE.search(change.inserted):
        candidates = _directed_likes(index, change, line, made)
    return _redefinitions_only(index, change, candidates)


# A comment that tells a tool to pass over the line: a linter's, a type checker's, coverage's
_DIRECTIVE = re.compile(
    r"noqa|type:\s*ignore|nolint|nosec|pragma|pyright:|pylint:|eslint-disable|ts-ignore"
    r"|ts-expect-error|istanbul ignore|c8 ignore"
)
MAX_DIRECTED = 6  # lines shaped like the user's, at most, to put a tool's directive on


def _directed_likes(
    index: LineIndex, change: Change, line: str, made: list[tuple[int, int]]
) -> list[Candidate]:
    """A tool's directive put at a line's end (`  # pragma: no cover` after `except
    TypeError:`, `  # noqa: E231` after an f-string): the lines shaped like that line (as
    indented, the same first word, tokens of the same kinds) with no comment of their own,
    where the tool most likely says the same; none when there are more than MAX_DIRECTED."""
    imported = _IMPORT_LINE.match(line) is not None
    if imported and not _UNUSED_IMPORT_NOQA.fullmatch(change.inserted):
        # an import's directive is that module's (`import yaml  # type: ignore`) or says
        # where it stands (flake8's E402, an import below code: each import's place is its
        # own); not a linter's "unused import", true of each re-export of a package's
        # `__init__`, nor its "import in a function", true of each import in one
        return []
    # "unused" (not "in a function"): only of the imports whose names the code does not use
    unused = imported and "PLC0415" not in change.inserted
    own = index.line_of(change.start)
    indent = indent_at(change.content, change.start)
    first = line.split()[:1]
    candidates = []
    for number in range(1, index.line_count + 1):
        text = index.line_text(number)
        if number == own or not text.startswith(indent) or text[len(indent) :][:1].isspace():
            continue  # not a sibling: indented otherwise
        if text.split()[:1] != first or _TRAILING_COMMENT.search(text):
            continue
        if not _shaped_alike(line, text.strip()):
            continue
        if imported and _import_form(text.strip()) != _import_form(line):
            continue  # (`from .parser import x` and `from .bytes import y`, alike)
        if unused and _uses_imported(index, number):
            continue
        candidate = _put_at_end(index, number, own, change.inserted, made)
        if candidate is not None:
            candidates.append(candidate)
    return candidates if len(candidates) <= MAX_DIRECTED else []


_TYPE_CHECKING = re.compile(r"\b(?:typing\.|t\.)?TYPE_CHECKING\b")
_COVERAGE_PRAGMA = re.compile(r"\s+#\s*pragma:?[^\n]*\b(?:no\s*)?cover\b[^\n]*")
_BRANCH = re.compile(r"(?:if|elif|else|try|except|finally)\b[^\n]*:")
_CONTINUED = {"if": ("elif", "else"), "try": ("except", "else", "finally")}
_FLIPPED = {">=": "<", "<": ">=", "<=": ">", ">": "<=", "==": "!=", "!=": "=="}
_VERSION_BOUND = re.compile(r"(>=|<=|==|!=|>|<)(?=\s*\d)")
# a condition on the interpreter's version or the platform (`sys.version_info >= (3, 11)`,
# `_IS_LINUX`, `PY2`, `os.name == "nt"`, Python 2's `str is bytes`)
_VERSIONED = re.compile(
    r"\bsys\.(?:version_info|version|platform|implementation)\b|\bversion_info\b"
    r"|(?<![\w.])platform\.(?:system|machine|python_implementation|python_version)\("
    r"|\bos\.name\b|\bPY_?\d\w*\b|\bPYPY\b|\b(?:str is (?:not )?bytes|bytes is (?:not )?str)\b"
    r"|(?i:(?<![a-z])is_?(?:linux|windows|win32|mac|macos|darwin|pypy|posix)\b)"
)


def branch_pragma_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """A Python coverage pragma put at the end of one branch of an `if` or a `try`, on its
    header (`except TypeError:  # pragma: no cover`) or its first line (`import tomllib  #
    pragma: nocover` under a version check): the other branches of that statement, on the
    same line of theirs, each with the same pragma, where only one branch runs on a version
    or a platform: the pragma bounds a version (`>=3.12 cover`, put bounding it the other
    way: `<3.12 cover`), or the `if` tests one (`if sys.version_info >= (3, 11):`)."""
    before, at = change.before, change.start
    if change.removed or _COVERAGE_PRAGMA.fullmatch(change.inserted) is None:
        return []
    if at < len(before) and before[at] != "\n":
        return []  # not at the line's end
    own = index.line_of(at)
    text = index.line_text(own)
    on_header = _is_branch(text)
    # on a branch's header, or on its first line: the header just above it
    header = own if on_header else _header_above(index, own)
    if header is None:
        return []
    branches = _branches(index, header)
    tried = len(branches) > 1 and index.line_text(branches[0]).strip().startswith("try")
    if tried:
        # a handler and the `else:` (not the `try:` that runs anyway, nor a `finally:`,
        # nor another handler): one runs where the other does not; not a try's body
        words = {b: index.line_text(b).split()[0].rstrip(":") for b in branches}
        branches = [b for b in branches if words[b] in ("except", "else")]
        if not on_header or sorted(words[b] for b in branches) != ["else", "except"]:
            return []
    if len(branches) < 2 or header not in branches:
        return []
    words = {b: _FIRST_WORD.match(index.line_text(b).strip()).group() for b in branches}  # type: ignore[union-attr]
    bounded = _VERSION_BOUND.search(change.inserted) is not None
    if bounded and (len(branches) != 2 or "else" not in words.values()):
        return []  # bounded the other way: true of an `else:` only (not of an `elif`)
    # a branch not covered (`no cover`): the others too only where each runs on some
    # versions or platforms alone, each test the interpreter's (not an optional import's
    # fallback, not a setting's)
    tests = {b: index.line_text(b) for b in branches if words[b] in ("if", "elif")}
    # (a branch only a type checker reads runs on no version: coverage leaves it out itself)
    checked = {b for b, test in tests.items() if _TYPE_CHECKING.search(test)}
    if header in checked:
        return []
    versioned = not tried and all(
        _VERSIONED.search(test) or b in checked for b, test in tests.items()
    )
    if not versioned and not bounded:
        return []
    pragma = _VERSION_BOUND.sub(lambda m: _FLIPPED[m.group()], change.inserted)
    made = [*change.earlier, (change.start, change.after_end)]
    candidates = []
    for branch in branches:
        number = branch + own - header  # the same line of that branch
        if branch == header or branch in checked or number > index.line_count:
            continue
        if not on_header and _header_above(index, number) != branch:
            continue
        text = index.line_text(number)
        if _TRAILING_COMMENT.search(text) or not _ends_statement(text):
            continue
        candidate = _put_at_end(index, number, own, pragma, made)
        if candidate is not None:  # (above a like line's copy of the user's pragma: an
            # `elif` testing another version is bounded the other way, not alike)
            candidates.append(replace(candidate, score=candidate.score + BRANCH_SCORE_LIFT))
    return candidates


BRANCH_SCORE_LIFT = 0.2


def _ends_statement(line: str) -> bool:
    """Does a statement end with ``line`` (not continued by a backslash, an open bracket or
    an open triple-quoted string), so that a comment may follow it?"""
    unquoted = line.count('"""') % 2 == 0 and line.count("'''") % 2 == 0
    return unquoted and balanced(line) and not line.rstrip().endswith("\\")


def _header_above(index: LineIndex, number: int) -> int | None:
    """The branch header right above line ``number``, indented less (its body's first line);
    None if the line above is none."""
    if number < 2:
        return None
    text, above = index.line_text(number), index.line_text(number - 1)
    deeper = len(text) - len(text.lstrip()) > len(above) - len(above.lstrip())
    return number - 1 if deeper and _is_branch(above) else None


def _branches(index: LineIndex, header: int) -> list[int]:
    """The header lines of the `if` or `try` statement whose branch's header is on line
    ``header``: its first, then each `elif`, `else`, `except` or `finally` as indented."""
    lines = [index.line_text(n) for n in range(1, index.line_count + 1)]
    depths = [len(t) - len(t.lstrip()) if t.strip() else -1 for t in lines]  # -1: blank
    words = [_FIRST_WORD.match(t.strip()).group() for t in lines]  # type: ignore[union-attr]
    indent, first = depths[header - 1], header - 1  # (0-based from here)
    while words[first] not in _CONTINUED:  # up to the statement's first line
        first -= 1
        while first >= 0 and (depths[first] < 0 or depths[first] > indent):
            first -= 1
        if first < 0 or depths[first] != indent or not _is_branch(lines[first]):
            return []
    found = [first + 1]
    for k in range(first + 1, len(lines)):
        if depths[k] < 0 or depths[k] > indent:
            continue  # blank, or in a branch's body
        if depths[k] < indent or words[k] not in _CONTINUED[words[first]]:
            break
        if not _is_branch(lines[k]):
            break
        found.append(k + 1)
    return found


_FIRST_WORD = re.compile(r"\w*")


def _is_branch(line: str) -> bool:
    """Is ``line`` a branch's header (`else:`, `except E as e:`), a comment after it aside?"""
    return _BRANCH.fullmatch(_TRAILING_COMMENT.sub("", line).strip()) is not None


def _put_at_end(
    index: LineIndex, number: int, own: int, comment: str, made: list[tuple[int, int]]
) -> Candidate | None:
    """``comment`` put at the end of line ``number`` (``own`` is the user's line); None
    where the user's recent edits are."""
    stop = index.line_bounds(number)[0] + len(index.line_text(number).rstrip())
    if any(low <= stop <= high for low, high in made):
        return None
    edit = TextEdit(index.span(stop, stop), "", comment)
    return Candidate(edit.span, SIMILAR, repeat_score(abs(number - own)), edit)


def line_start_repeats(index: LineIndex, change: Change) -> list[Candidate]:
    """Words put in at a line's start, before its code (`async ` before `with Trace(`, `_, _ = `
    before `io.WriteString(`): put in before the same code at the start of other lines."""
    before, at = change.before, change.start
    line_start = before.rfind("\n", 0, at) + 1
    inserted = change.inserted
    if change.removed or "\n" in inserted or before[line_start:at].strip() or not inserted.strip():
        return []
    if not inserted.endswith((" ", "\t")) or len(inserted) > WORDS_INSERTED:
        return []
    right = tokens(before, at, line_end(before, at))[:3]
    if len(right) < 3 or not any(is_name(t[0]) for t in right):
        return []
    code = before[at : right[-1][2]]
    made = [*change.earlier, (change.start, change.after_end)]
    line = index.line_of(at)
    candidates = []
    for number in range(1, index.line_count + 1):
        text = index.line_text(number)
        rest = text.lstrip()[len(code) :].lstrip()
        if number == line or not text.lstrip().startswith(code) or _assigns(rest):
            continue  # (`module.x = …` is no `module.x.broken`: a target, not the code)
        place = index.line_bounds(number)[0] + len(text) - len(text.lstrip())
        if any(lo <= place < hi for lo, hi in made):
            continue
        edit = TextEdit(index.span(place, place), "", inserted)
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates if len(candidates) <= MAX_REPEATS else []


def _assigns(rest: str) -> bool:
    """Does ``rest`` (what follows a line's first tokens) assign to them (`= 1`, `+= 1`)?"""
    return re.match(r"[-+*/%&|^]?=(?!=)", rest) is not None


# `==` or `!=` that is no part of `===`, `!==`, `<=`, `>=`, `=>` or an assignment
_LOOSE_EQUALITY = re.compile(r"(?<![=!<>])([=!]=)(?!=)")
_NULL_BEFORE = re.compile(r"\bnull\s*$")
_NULL_AFTER = re.compile(r"^\s*null\b")


def strict_equality_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """After `==` was made `===` (or `!=` `!==`): each other loose comparison, made strict.
    Not one with `null` (`null == x` is the one loose comparison eqeqeq's "smart" setting
    and its users keep: it is also `undefined`). [] for any other change. Comments and
    strings are the caller's to leave out."""
    content, start = change.content, change.start
    if change.removed or change.inserted != "=" or change.after_end != start + 1:
        return []
    low, high = start, start + 1
    while low > 0 and content[low - 1] in "=!":
        low -= 1
    while high < len(content) and content[high] == "=":
        high += 1
    if content[low:high] not in ("===", "!=="):
        return []
    line = index.line_of(start)
    candidates = []
    for match in _LOOSE_EQUALITY.finditer(content):
        at = match.end()
        number = index.line_of(at)
        first, last = index.line_bounds(number)
        left, right = content[first : match.start()], content[at:last]
        if number == line or _NULL_BEFORE.search(left) or _NULL_AFTER.match(right):
            continue
        edit = TextEdit(index.span(at, at), "", "=")
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates


MIN_GUARD_TOKENS = 4  # the line above must say something (`}` or `else:` stands everywhere)


def guarded_repeats(index: LineIndex, change: Change) -> list[Candidate]:
    """A line changed under the line above it (`return` made `raise TypeError(...)` under
    `if not isinstance(other, Dataset):`): changed alike wherever the same two lines stand
    together. The line alone may stand everywhere (`return`); the two together are one
    thing the user is changing."""
    before, content = change.before, change.content
    if "\n" in change.removed + change.inserted or not (change.removed + change.inserted).strip():
        return []  # (spaces taken out or put in: a line's layout, its own)
    line_start = before.rfind("\n", 0, change.start) + 1
    old_line = before[line_start : line_end(before, change.start)]
    guard = _line_above(before, line_start)
    said = [] if guard is None else tokens(guard, 0, len(guard))
    if guard is None or len(said) < MIN_GUARD_TOKENS or not any(is_name(t[0]) for t in said):
        return []
    # the user's edit, as offsets in its line: applied the same in a line that is the same
    head, tail = change.start - line_start, len(old_line) - (change.before_end - line_start)
    made = [*change.earlier, (change.start, change.after_end)]
    line = index.line_of(change.start)
    candidates = []
    for number in range(2, index.line_count + 1):
        text = index.line_text(number)
        if number == line or text.lstrip() != old_line.lstrip():
            continue  # (the same to its last space: the user's edit stands at the same place)
        start = index.line_bounds(number)[0]
        above = _line_above(content, start)
        if above is None or above.strip() != guard.strip():
            continue
        shift = (len(text) - len(text.lstrip())) - (len(old_line) - len(old_line.lstrip()))
        place, stop = start + head + shift, start + len(text) - tail
        if any(lo <= place < hi for lo, hi in made) or content[place:stop] != change.removed:
            continue
        edit = TextEdit(index.span(place, stop), content[place:stop], change.inserted)
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates if len(candidates) <= MAX_REPEATS else []


def _line_above(text: str, line_start: int) -> str | None:
    """The nearest line above the one starting at ``line_start`` that is not blank."""
    end = line_start - 1
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        if text[start:end].strip():
            return text[start:end]
        end = start - 1
    return None


# Words that come in pairs in code: what is done to a line naming one is done to its twin
# naming the other (`exclusiveMaximum` and `exclusiveMinimum`, `Request…` and `Response…`).
_COUNTERPARTS = (
    "min max|minimum maximum|start end|begin end|left right|top bottom|width height|get set|"
    "open close|read write|input output|request response|req res|before after|first last|"
    "prev next|previous next|upper lower|push pop|add remove|enable disable|show hide|on off|"
    "inc dec|increment decrement|up down|src dst|lo hi|low high|old new|key value|"
    "keys values|encode decode|marshal unmarshal|serialize deserialize|row col|rows cols|"
    "head tail|client server|send receive|load save|load dump|loads dumps|import export|"
    "asc desc|horizontal vertical|major minor|resolve reject|pre post|lock unlock|start stop|"
    "connect disconnect|inner outer|parent child|since until"
)


@cache  # (compiled on the first change read, not at the daemon's start)
def _counterpart_words() -> list[list[tuple[re.Pattern[str], str]]]:
    """Each word of a pair, as it stands in names (lower, capitalized after a lower-case
    letter in camelCase, upper-case), with its counterpart spelled alike: a line's twin has
    every spelling of the word made the other's (`MAX_SIZE = limit(request_max)`)."""
    words = []
    for pair in _COUNTERPARTS.split("|"):
        a, b = pair.split()
        for one, other in ((a, b), (b, a)):
            capital, upper = one.capitalize(), one.upper()
            words.append(
                [
                    (re.compile(rf"(?<![a-z]){one}(?![a-z])"), other),
                    (re.compile(rf"{capital}(?![a-z])"), other.capitalize()),
                    (re.compile(rf"(?<![A-Z]){upper}(?![A-Z])"), other.upper()),
                ]
            )
    return words


def _twin(line: str, spellings: list[tuple[re.Pattern[str], str]]) -> str:
    """``line`` with the pair's word made the other; as it is unless the word is part of a
    longer name somewhere in it (`exclusiveMaximum`, `MAX_SIZE`): a word alone (`return
    false`, `max(a, b)`) makes a twin of lines that have nothing to do with each other."""
    named = False
    for word, _ in spellings:
        for found in word.finditer(line):
            start, end = found.span()
            named = named or _NAME_CHAR.match(line[start - 1 : start] or " ") is not None
            named = named or _NAME_CHAR.match(line[end : end + 1] or " ") is not None
    if not named:
        return line
    for word, other in spellings:
        line = word.sub(other, line)
    return line


_NAME_CHAR = re.compile(r"[\w$]")


def counterpart_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """The line the user changed, as it was, with one word of a pair made its counterpart
    (`exclusiveMaximum bool` and `exclusiveMinimum bool`, `RequestExtensions = Dict[…]` and
    `ResponseExtensions = Dict[…]`): where that line stands, changed alike, the counterpart
    put in what the user wrote too. The two lines are one thing said twice; only the line
    whole is matched, so a short word (`on`, `up`) finds nothing by chance. Not a value
    changed (`max_value: int = 0` to `100`, `paddingTop: 0` to `24`): each has its own."""
    if "\n" in change.removed + change.inserted:
        return []
    if not any(is_name(t[0]) for t in tokens(change.removed + " " + change.inserted)):
        return []  # a value changed (`max_value = 0` to `100`): the twin keeps its own
    before, content = change.before, change.content
    line_start = before.rfind("\n", 0, change.start) + 1
    old = before[line_start : line_end(before, change.start)].strip()
    new = content[line_start : line_end(content, change.after_end)].strip()
    twins: dict[str, str] = {}
    for spellings in _counterpart_words():
        mirrored = _twin(old, spellings)
        if mirrored != old:
            twins.setdefault(mirrored, _twin(new, spellings))
    if not twins:
        return []
    made = [*change.earlier, (change.start, change.after_end)]
    line = index.line_of(change.start)
    candidates = []
    for number in range(1, index.line_count + 1):
        text = index.line_text(number)
        twin = twins.get(text.strip())
        if twin is None or number == line:
            continue
        at = index.line_bounds(number)[0] + len(text) - len(text.lstrip())
        end = at + len(text.strip())
        if any(lo < end and at < hi for lo, hi in made):
            continue
        edit = narrowed_edit(content, at, end, twin)
        candidates.append(Candidate(edit.span, SIMILAR, repeat_score(abs(number - line)), edit))
    return candidates if len(candidates) <= MAX_REPEATS else []
