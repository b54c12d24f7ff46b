"""Prompt-lookup drafting for fast apply: guess the next tokens of a rewrite by finding where
the text just generated occurs in the prompt (the code being rewritten) and copying what
follows it there. The model then verifies the whole guess in one batch. Pure: token ids in,
token ids out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

NGRAM = 3  # tokens of context that locate the copy in the prompt (then 2 as a fallback)
# A drafted token costs about 0.4 of a generated one to verify (a small batch on this CPU),
# so below that share of drafts accepted, drafting loses time: pause it.
POOR_ACCEPTANCE = 0.4
PAUSE_TOKENS = 32
JUDGE_AFTER = 16  # drafted tokens before acceptance is judged


class PromptLookup:
    """Drafts from ``source`` (the prompt's tokens). Once a copy is found it is followed token
    by token, so a long copied stretch costs one lookup; the draft grows while guesses are
    taken whole and shrinks to what was taken otherwise."""

    def __init__(self, source: Sequence[int], *, first: int = 8, longest: int = 24) -> None:
        self.source: list[int] = []
        self._index: dict[tuple[int, ...], list[int]] = defaultdict(list)
        self._extend(source)
        self._prompt_len = len(self.source)
        self.size = first
        self.longest = longest
        self._follow: int | None = None  # source position aligned with ...
        self._aligned = 0  # ... this many generated tokens
        self._start = 0  # where the last draft began in the source
        self._drafted = 0
        self._taken = 0
        self._pause = 0
        self.total_drafted = 0
        self.total_taken = 0

    def draft(self, generated: Sequence[int]) -> list[int]:
        """Up to ``size`` tokens likely to follow ``generated``; [] when there is no guess."""
        # The answer so far is a source too: rewrites repeat themselves (docstrings, etc.).
        self._extend(generated[len(self.source) - self._prompt_len :])
        if self._pause > 0:
            self._pause -= 1
            return []
        start = self._followed(generated)
        if start is None:
            start = self._locate(generated)
        if start is None or start >= len(self.source):
            return []
        self._start = start
        self._follow, self._aligned = start, len(generated)
        # A copy from the prompt ends where the prompt does (the answer follows it there).
        end = start + self.size
        if start < self._prompt_len:
            end = min(end, self._prompt_len)
        return self.source[start:end]

    def taken(self, offered: int, taken: int) -> None:
        """The last draft of ``offered`` tokens had its first ``taken`` accepted."""
        self.total_drafted += offered
        self.total_taken += taken
        self._drafted += offered
        self._taken += taken
        self.size = min(self.longest, self.size * 2) if taken == offered else max(2, taken + 1)
        self._follow, self._aligned = self._start + taken, self._aligned + taken
        if self._drafted >= JUDGE_AFTER and self._taken < POOR_ACCEPTANCE * self._drafted:
            self._pause = PAUSE_TOKENS  # this part of the answer is not a copy
            self._drafted = self._taken = 0

    def _extend(self, tokens: Sequence[int]) -> None:
        """Append to the source, indexing every n-gram that ends in the new tokens."""
        old = len(self.source)
        self.source.extend(tokens)
        for n in (NGRAM, NGRAM - 1):
            for end in range(max(n, old), len(self.source) + 1):
                self._index[tuple(self.source[end - n : end])].append(end)

    def _followed(self, generated: Sequence[int]) -> int | None:
        """The source position that continues the copy being followed, if the tokens
        generated since still match it."""
        if self._follow is None:
            return None
        pos, aligned = self._follow, self._aligned
        while aligned < len(generated):
            if pos >= len(self.source) or self.source[pos] != generated[aligned]:
                return None
            pos, aligned = pos + 1, aligned + 1
        return pos

    def _locate(self, generated: Sequence[int]) -> int | None:
        for n in (NGRAM, NGRAM - 1):
            if len(generated) < n:
                continue
            # Not the answer's own end: there is nothing after it yet.
            positions = [
                p for p in self._index.get(tuple(generated[-n:]), ()) if p < len(self.source)
            ]
            if positions:
                # Rewrites go through the source in order: prefer the place after the last copy.
                after = [p for p in positions if p >= self._start]
                return after[0] if after else positions[-1]
        return None
