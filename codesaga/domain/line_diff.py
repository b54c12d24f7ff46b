"""Which lines changed between two versions of a text, in time that grows with the text's
length and the number of changes, never with the square of the length.

``difflib.SequenceMatcher`` (without its junk heuristic, which throws away the lines a file
repeats) takes time that grows with the square of how often lines repeat: 383 s for two
versions of a 90,000-line data file of two distinct lines differing in two places. Recent
edits touch a few places of a file that may be long and repetitive, so a long middle is
diffed with Myers' algorithm instead, which follows runs of equal lines in a walk and stops
once it has done more than MAX_WORK comparisons (then the middle is one change).
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Sequence
from typing import TypeVar

T = TypeVar("T")

Opcode = tuple[str, int, int, int, int]  # as difflib's: tag, a[i1:i2], b[j1:j2]

# Past this many lines on either side, a middle is diffed with Myers' algorithm: difflib's
# diffs read better (it aligns on the longest runs), and below this it is quick however
# often lines repeat.
DIFFLIB_LINES = 2000
MERGE_GAP = 8  # equal lines that part two changes diffed alone (see _regions)
CONTEXT = MERGE_GAP // 2  # equal lines either side a change is diffed again with
MAX_WORK = 2_000_000  # line comparisons (about a second of Python), then the middle is one change


def opcodes(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Opcode]:
    """How to turn ``a`` into ``b``, as ``difflib.SequenceMatcher.get_opcodes`` says it: the
    items both share at either end are equal; what lies between is diffed."""
    head, tail = common_ends(a, b)
    mid_a, mid_b = a[head : len(a) - tail], b[head : len(b) - tail]
    if max(len(mid_a), len(mid_b)) <= DIFFLIB_LINES:
        middle = _difflib(mid_a, mid_b)
    else:
        middle = _regions(mid_a, mid_b)
    codes: list[Opcode] = [("equal", 0, head, 0, head)] if head else []
    codes += _shifted(middle, head, head)
    if tail:
        codes.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return codes


def _difflib(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Opcode]:
    codes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return [code for code in codes if code[1] != code[2] or code[3] != code[4]]


def _regions(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Opcode]:
    """Myers' changes, each with those fewer than MERGE_GAP equal lines away and CONTEXT
    equal lines either side, diffed again by difflib: of two equally short scripts, Myers may
    pair an inserted line with the deletion of a like line further on (repeated lines) where
    difflib, aligning the longest runs, replaces the line in place."""
    codes = myers(a, b, MAX_WORK)
    if codes is None:
        return [_changed(0, len(a), 0, len(b))]
    parts: list[Opcode] = []  # equal runs of MERGE_GAP lines or more, and what lies between
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 >= MERGE_GAP:
            parts.append((tag, i1, i2, j1, j2))
        elif parts and parts[-1][0] != "equal":
            parts[-1] = ("changed", parts[-1][1], i2, parts[-1][3], j2)
        else:
            parts.append(("changed", i1, i2, j1, j2))
    out: list[Opcode] = []
    for n, (tag, i1, i2, j1, j2) in enumerate(parts):
        before = CONTEXT if n > 0 else 0  # lines of the part before (an equal run) or after
        after = CONTEXT if n < len(parts) - 1 else 0
        if tag == "equal":  # less what the changes either side are diffed with
            out.append((tag, i1 + before, i2 - after, j1 + before, j2 - after))
        else:
            out += _rediffed(a, b, i1 - before, i2 + after, j1 - before, j2 + after)
    return _joined(out)


def _joined(codes: list[Opcode]) -> list[Opcode]:
    """``codes`` without empty ones, each run of equal ones made one."""
    out: list[Opcode] = []
    for code in codes:
        if code[1] == code[2] and code[3] == code[4]:
            continue
        if out and code[0] == out[-1][0] == "equal":
            out[-1] = ("equal", out[-1][1], code[2], out[-1][3], code[4])
        else:
            out.append(code)
    return out


def _rediffed(
    a: Sequence[Hashable], b: Sequence[Hashable], i1: int, i2: int, j1: int, j2: int
) -> list[Opcode]:
    if max(i2 - i1, j2 - j1) > DIFFLIB_LINES:
        return [_changed(i1, i2, j1, j2)]
    return _shifted(_difflib(a[i1:i2], b[j1:j2]), i1, j1)


def _shifted(codes: list[Opcode], i: int, j: int) -> list[Opcode]:
    return [(tag, i1 + i, i2 + i, j1 + j, j2 + j) for tag, i1, i2, j1, j2 in codes]


def common_ends(a: Sequence[T], b: Sequence[T]) -> tuple[int, int]:
    """How many items ``a`` and ``b`` share at their start, and then at their end (the two
    never overlap: ``abc`` and ``abbc`` share 2 and 1)."""
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    limit = min(len(a), len(b)) - head
    while tail < limit and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    return head, tail


def myers(a: Sequence[Hashable], b: Sequence[Hashable], max_work: int) -> list[Opcode] | None:
    """A shortest edit script from ``a`` to ``b`` as opcodes (Myers 1986, the greedy forward
    walk, keeping each round's furthest points to walk back); None when finding it would
    take more than ``max_work`` comparisons."""
    n, m = len(a), len(b)
    furthest: dict[int, int] = {1: 0}  # diagonal k = x - y -> the furthest x reached on it
    rounds: list[dict[int, int]] = []
    work = 0
    for d in range(n + m + 1):
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and furthest[k - 1] < furthest[k + 1]):
                x = furthest[k + 1]  # down: an insertion of b[y - 1]
            else:
                x = furthest[k - 1] + 1  # right: a deletion of a[x - 1]
            y = x - k
            start = x
            while x < n and y < m and a[x] == b[y]:
                x += 1
                y += 1
            work += x - start + 1
            furthest[k] = x
            if x >= n and y >= m:
                rounds.append(dict(furthest))
                return _opcodes(_walk_back(rounds, n, m), n, m)
        rounds.append(dict(furthest))
        if work > max_work:
            return None
    return None  # unreachable: n + m rounds always reach the end


def _walk_back(rounds: list[dict[int, int]], n: int, m: int) -> list[tuple[bool, int, int]]:
    """The shortest path's steps that are not equal lines, in order: (inserted, x, y), a
    deletion of ``a[x]`` or an insertion of ``b[y]``, taken at the point (x, y)."""
    steps: list[tuple[bool, int, int]] = []
    x, y = n, m
    for d in range(len(rounds) - 1, 0, -1):
        before = rounds[d - 1]
        k = x - y
        down = k == -d or (k != d and before[k - 1] < before[k + 1])
        prev_k = k + 1 if down else k - 1
        x = before[prev_k]
        y = x - prev_k
        steps.append((down, x, y))
    steps.reverse()
    return steps


def _opcodes(steps: list[tuple[bool, int, int]], n: int, m: int) -> list[Opcode]:
    codes: list[Opcode] = []
    i = j = 0  # how far the opcodes reach
    block: list[int] | None = None  # the change being gathered: [i1, i2, j1, j2]
    for inserted, x, y in steps:
        if (x, y) != (i, j):  # equal lines before this step
            if block is not None:
                codes.append(_changed(*block))
                block = None
            codes.append(("equal", i, x, j, y))
        if block is None:
            block = [x, x, y, y]
        i, j = (x, y + 1) if inserted else (x + 1, y)
        block[1], block[3] = i, j
    if block is not None:
        codes.append(_changed(*block))
    if (i, j) != (n, m):
        codes.append(("equal", i, n, j, m))
    return codes


def _changed(i1: int, i2: int, j1: int, j2: int) -> Opcode:
    tag = "replace" if i1 < i2 and j1 < j2 else "delete" if i1 < i2 else "insert"
    return (tag, i1, i2, j1, j2)
