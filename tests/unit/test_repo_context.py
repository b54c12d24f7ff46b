"""The repository context's rings and what a prompt shows of them."""

from __future__ import annotations

from codesaga.domain.repo_context import Chunk, ContextRing, middle_lines, select_chunks
from codesaga.service.context_rings import MAX_WORKSPACES, ContextRings

LINES = [f"value_{i} = compute({i}, scale=factor)" for i in range(64)]
CHUNK = "\n".join(LINES)  # a whole ring chunk: 2,347 characters


def test_a_chunk_longer_than_the_budget_shows_its_middle_lines() -> None:
    # 64 lines of code are more than the default budget of 2,000 characters more often than
    # not; such a chunk was left out whole, so the most recent file never showed.
    [(path, text)] = select_chunks([Chunk("/w/a.py", CHUNK)], 2000)
    assert path == "/w/a.py" and len(text) <= 2000
    shown = text.split("\n")
    start = LINES.index(shown[0])
    end = start + len(shown)
    assert shown == LINES[start:end] and abs(start - (64 - end)) <= 1  # the middle lines
    assert len(text) + len(LINES[end]) + 1 > 2000  # as many as fit


def test_chunks_that_fit_are_whole_and_the_rest_fills_what_is_left() -> None:
    small = "a = 1\nb = 2\nc = 3"
    picked = select_chunks([Chunk("/w/old.py", CHUNK), Chunk("/w/new.py", small)], 1000)
    assert picked[1] == ("/w/new.py", small)
    old = picked[0][1]
    assert picked[0][0] == "/w/old.py" and len(old) + len(small) <= 1000
    assert old in CHUNK and LINES[32] in old
    # No room for three lines: left out, not a fragment.
    assert select_chunks([Chunk("/w/a.py", CHUNK)], 100) == []


def test_middle_lines() -> None:
    text = "\n".join(f"line{i}" for i in range(10))  # 5 characters a line
    assert middle_lines(text, 17) == "line4\nline5\nline6"
    assert middle_lines(text, 29) == "line3\nline4\nline5\nline6\nline7"
    assert middle_lines(text, 1000) == text
    assert middle_lines(text, 16) is None and middle_lines("a\n\n\nb", 100) is None


def test_rings_of_many_workspaces_keep_the_most_recently_used() -> None:
    rings = ContextRings()
    for i in range(5 * MAX_WORKSPACES):  # a client naming a new workspace every time
        rings.add(f"/ws{i}", f"/ws{i}/a.py", "a = 1\nb = 2\nc = 3", "opened")
        if i % 4 == 0:
            assert rings.chunks("/ws0")  # used all along: kept
    assert len(rings.paths()) == MAX_WORKSPACES
    assert rings.chunks("/ws0") and rings.chunks(f"/ws{5 * MAX_WORKSPACES - 1}")
    assert rings.chunks("/ws1") == ()


def test_ring_keeps_recent_distinct_chunks() -> None:
    ring = ContextRing(capacity=2)
    assert not ring.add("/a.py", "x = 1")  # a line or two tells the model nothing
    assert ring.add("/a.py", CHUNK, line=32)
    assert ring.add("/b.py", CHUNK.replace("compute", "measure"))
    assert ring.add("/c.py", "p = 1\nq = 2\nr = 3")
    assert [c.path for c in ring.chunks()] == ["/b.py", "/c.py"]


def test_the_same_chunk_again_changes_nothing_a_prompt_holds() -> None:
    # Switching back to a file sent its chunk again: moved to the end, it reordered every
    # prompt's chunks and each file's saved KV state was read again from the first chunk.
    ring = ContextRing()
    other = "p = 1\nq = 2\nr = 3"
    assert ring.add("/a.py", CHUNK, line=32, at=1.0) and ring.add("/c.py", other, at=2.0)
    version = ring.version
    assert ring.add("/a.py", CHUNK, line=32, at=3.0)
    assert [c.path for c in ring.chunks()] == ["/a.py", "/c.py"] and ring.version == version
    assert ring.chunks()[0].taken_at == 3.0  # it is as recent as the disk now knows
