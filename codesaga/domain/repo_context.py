"""Repository context for completions: a ring of recent chunks from other files.

Editors tell us what the programmer looks at (files opened, edited, saved, text copied); the
completer puts the most recent chunks before the file being edited, with the model's
file-separator tokens, so a completion can use names defined elsewhere. Near-duplicates
replace each other instead of filling the ring with the same lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

ORIGINS = ("opened", "edited", "saved", "copied", "client")
# A chunk taken this long after its file was last written is newer than the disk (an
# editor's unsaved text): a file's time is kept to the second on some filesystems.
DISK_TIME_MARGIN = 1.0


@dataclass(frozen=True)
class Chunk:
    path: str
    text: str
    origin: str = "client"
    taken_at: float = field(default=0.0, compare=False)  # when it came (time.time())


def chunk_around(text: str, line: int | None, lines: int) -> str:
    """At most ``lines`` lines of ``text`` centred on 1-based ``line`` (the start if None)."""
    all_lines = text.split("\n")
    if len(all_lines) <= lines:
        return text
    centre = (line or 1) - 1
    start = max(0, min(centre - lines // 2, len(all_lines) - lines))
    return "\n".join(all_lines[start : start + lines])


def similarity(a: str, b: str) -> float:
    """How much two chunks share, by their non-blank lines (Dice coefficient, 0..1)."""
    lines_a = {line.strip() for line in a.split("\n") if line.strip()}
    lines_b = {line.strip() for line in b.split("\n") if line.strip()}
    if not lines_a or not lines_b:
        return 0.0
    return 2 * len(lines_a & lines_b) / (len(lines_a) + len(lines_b))


class ContextRing:
    """The recent chunks of one workspace, oldest first, at most ``capacity``.

    ``version`` changes whenever the chunks do, so a user of a snapshot knows it is stale.
    """

    def __init__(
        self, capacity: int = 16, chunk_lines: int = 64, max_similarity: float = 0.8
    ) -> None:
        self.capacity = capacity
        self.chunk_lines = chunk_lines
        self.max_similarity = max_similarity
        self._chunks: list[Chunk] = []
        self.version = 0

    def __len__(self) -> int:
        return len(self._chunks)

    def add(
        self,
        path: str,
        text: str,
        origin: str = "client",
        line: int | None = None,
        *,
        at: float = 0.0,
    ) -> bool:
        """Add a chunk of ``text`` (around ``line``), taken at ``at``; returns False for one
        not worth keeping."""
        chunk_text = chunk_around(text, line, self.chunk_lines).strip("\n")
        if len([x for x in chunk_text.split("\n") if x.strip()]) < 3:
            return False  # a word or two tells the model nothing
        chunk = Chunk(path, chunk_text, origin, at)
        for i, c in enumerate(self._chunks):
            if (c.path, c.text) == (path, chunk_text):
                # The same lines again (an editor switching back to a file): kept where they
                # are, so the prompts that hold them, and their KV states, stay as they were.
                self._chunks[i] = chunk
                return True
        kept = [c for c in self._chunks if similarity(c.text, chunk_text) < self.max_similarity]
        kept.append(chunk)
        self._chunks = kept[-self.capacity :]
        self.version += 1
        return True

    def refresh(self, path: str, content: str | None, written_at: float | None = None) -> bool:
        """A file changed on disk (``content``, last written at ``written_at``) or went away
        (None): drop its chunks that it no longer holds, but those taken after it was
        written (an editor's unsaved text, newer than the disk)."""

        def current(c: Chunk) -> bool:
            if c.path != path or (content is not None and c.text in content):
                return True
            return written_at is not None and c.taken_at > written_at + DISK_TIME_MARGIN

        kept = [c for c in self._chunks if current(c)]
        if len(kept) == len(self._chunks):
            return False
        self._chunks = kept
        self.version += 1
        return True

    def paths(self) -> set[str]:
        return {c.path for c in self._chunks}

    def chunks(self) -> tuple[Chunk, ...]:
        return tuple(self._chunks)


def select_chunks(
    chunks: Sequence[Chunk], budget_chars: int, exclude_path: str | None = None
) -> list[tuple[str, str]]:
    """The most recent chunks that fit ``budget_chars``, as (path, text), oldest first.

    Chunks of the file being completed are left out: it is in the prompt already.
    """
    picked: list[tuple[str, str]] = []
    used = 0
    for chunk in reversed(chunks):
        if chunk.path == exclude_path:
            continue
        # A chunk is 64 lines, more than the default budget in most code: one that does not
        # fit whole is cut to its middle lines (around the place it was taken at) that do.
        text = chunk.text if used + len(chunk.text) <= budget_chars else None
        text = text or middle_lines(chunk.text, budget_chars - used)
        if text is None:
            continue
        picked.append((chunk.path, text))
        used += len(text)
    picked.reverse()
    return picked


def middle_lines(text: str, room: int) -> str | None:
    """The lines around the middle of ``text`` that fit ``room`` characters (joined by
    newlines); None when fewer than three of them hold anything (see ContextRing.add)."""
    lines = text.split("\n")
    middle = len(lines) // 2
    # Nearest the middle first: any run of them from the start is a run of lines.
    nearest = sorted(range(len(lines)), key=lambda i: (abs(i - middle), i))
    taken, used = 0, -1  # n lines take their lengths and n - 1 newlines
    for index in nearest:
        used += len(lines[index]) + 1
        if used > room:
            break
        taken += 1
    kept = sorted(nearest[:taken])
    if not kept:
        return None
    block = lines[kept[0] : kept[-1] + 1]
    if len([line for line in block if line.strip()]) < 3:
        return None
    return "\n".join(block)
