"""Line diffs that stay quick on long, repetitive files (Myers past DIFFLIB_LINES)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from itertools import pairwise

import pytest

from codesaga.domain import line_diff
from codesaga.domain.line_diff import Opcode, common_ends, myers, opcodes
from codesaga.domain.next_edit_prompt import changes


def applied(a: Sequence[str], b: Sequence[str], codes: list[Opcode]) -> list[str]:
    """``a`` turned by ``codes`` into what they say ``b`` is, checking they cover both."""
    out: list[str] = []
    i = j = 0
    for tag, i1, i2, j1, j2 in codes:
        assert (i1, j1) == (i, j)
        if tag == "equal":
            assert list(a[i1:i2]) == list(b[j1:j2])
        out += b[j1:j2]
        i, j = i2, j2
    assert (i, j) == (len(a), len(b))
    return out


def lcs(a: Sequence[str], b: Sequence[str]) -> int:
    row = [0] * (len(b) + 1)
    for x in reversed(a):
        nxt = [0] * (len(b) + 1)
        for j in range(len(b) - 1, -1, -1):
            nxt[j] = row[j + 1] + 1 if x == b[j] else max(row[j], nxt[j + 1])
        row = nxt
    return row[0]


def test_common_ends_never_overlap() -> None:
    assert common_ends("abc", "abbc") == (2, 1)
    assert common_ends("aaa", "aaa") == (3, 0)
    assert common_ends(["x", "y"], ["z"]) == (0, 0)


def test_myers_finds_a_shortest_script() -> None:
    rng = random.Random(3)
    for _ in range(3000):
        a = [rng.choice("abc") for _ in range(rng.randint(0, 10))]
        b = [rng.choice("abc") for _ in range(rng.randint(0, 10))]
        codes = myers(a, b, 10**9)
        assert codes is not None
        assert applied(a, b, codes) == b
        changed = sum(i2 - i1 + j2 - j1 for tag, i1, i2, j1, j2 in codes if tag != "equal")
        assert changed == len(a) + len(b) - 2 * lcs(a, b)
        tags = [code[0] == "equal" for code in codes]
        assert all(x != y for x, y in pairwise(tags))  # changes are whole


def test_myers_gives_up_past_its_work() -> None:
    rng = random.Random(4)
    a = [str(rng.random()) for _ in range(3000)]
    b = [str(rng.random()) for _ in range(3000)]
    assert myers(a, b, 100_000) is None


def test_long_middles_are_diffed_by_myers_and_still_cover_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(line_diff, "DIFFLIB_LINES", 0)
    rng = random.Random(5)
    for _ in range(2000):
        a = [rng.choice("abcd") for _ in range(rng.randint(0, 40))]
        b = list(a)
        for _ in range(rng.randint(0, 4)):
            at = rng.randint(0, len(b))
            b[at : at + rng.randint(0, 2)] = [rng.choice("abcde") for _ in range(rng.randint(0, 2))]
        assert applied(a, b, opcodes(a, b)) == b


def test_a_long_repetitive_file_is_diffed_change_by_change() -> None:
    # Two distinct lines, 90,000 of them: difflib took 383 s on this; a shortest script
    # could also pair the new line with the deletion of a like line further on.
    old = ["    0," if i % 3 else "    1," for i in range(90_000)]
    new = list(old)
    new[100] = "    9, 9, 9,"
    new[89_000] = "    8, 8, 8,"
    assert [code for code in opcodes(old, new) if code[0] != "equal"] == [
        ("replace", 100, 101, 100, 101),
        ("replace", 89_000, 89_001, 89_000, 89_001),
    ]
    found = changes("\n".join(old), "\n".join(new), 89_000)
    assert [(c.old_start, c.old, c.new) for c in found] == [
        (101, ("    0,",), ("    9, 9, 9,",)),
        (89_001, ("    0,",), ("    8, 8, 8,",)),
    ]


def test_a_long_file_changed_everywhere_is_one_change() -> None:
    rng = random.Random(6)
    a = [str(rng.random()) for _ in range(5000)]
    b = [str(rng.random()) for _ in range(5000)]
    assert opcodes(a, b) == [("replace", 0, 5000, 0, 5000)]
