"""Prompt-lookup drafting for fast apply: guess the next tokens of a rewrite by finding where
the text just generated occurs in the prompt (the code being rewritten) and copying what
follows it there. The model then verifies the whole guess in one batch. Pure: token ids and
measured seconds in, token ids out.

A guess only pays when enough of it is right: verifying a batch costs more than generating
one token (on a laptop CPU a batch of 2 costs about 2 tokens' time, a batch of 25 about 10).
So each draft's length is chosen to maximise expected tokens per second, from what batches
have cost so far and how often guesses of the same kind were right, and no draft is offered
when generating one token at a time is expected to be faster. Guesses that were not offered
are still checked against what the model wrote, so the estimates keep learning.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

NGRAM = 3  # tokens of context that locate the copy in the prompt (then 2 as a fallback)
DRAFT_SIZES = (3, 4, 6, 8, 12, 16, 24, 32, 48)
SHADOW_SIZE = 8  # how far an un-offered guess is checked
LONG_RUN = 16  # tokens the model has copied in a row before a copy counts as established
GAIN_NEEDED = 1.05  # a draft must promise 5% more tokens per second than plain decoding
DECAY = 0.97  # older observations fade: a rewrite changes character as it goes


class Guess(Enum):
    FRESH = "fresh"  # a new place in the source, found by its last few tokens
    SHORT = "short"  # continues a copy the model has followed for a few tokens
    LONG = "long"  # continues a copy the model has followed for LONG_RUN tokens or more


@dataclass
class Acceptance:
    """How often a guessed token is right, as a geometric run: ``hits`` right tokens,
    ``misses`` runs that ended early. Starts from a prior worth a few observations."""

    hits: float
    misses: float

    @property
    def p(self) -> float:
        return self.hits / (self.hits + self.misses)

    def record(self, offered: int, taken: int) -> None:
        self.hits = self.hits * DECAY + taken
        self.misses = self.misses * DECAY + (1 if taken < offered else 0)


@dataclass
class BatchCosts:
    """What evaluation costs here, learned from the engine's timings: one token on its own
    (``single`` seconds), and a batch of n relative to that. A size seen before is predicted
    from its own timings (kernels have sweet spots: on a 2-core CPU the 1.5B model verifies 5
    tokens for 2.2 single steps but 9 for 5.5); other sizes from a line fitted by decayed
    least squares on top of a prior measured on a 2-core CPU (a GPU's batches are nearly
    free, and the fit finds that out within a few drafts)."""

    single: float | None = None
    # Weighted sums for the fit of relative cost against batch size, seeded with the prior
    # fixed=1.2, per_token=0.38 (two points of weight 2 at n=4 and n=24).
    _sums: list[float] = field(default_factory=lambda: _seed_sums(((4, 2.72), (24, 10.32)), 2))
    _seen: dict[int, float] = field(default_factory=dict)

    def observe(self, n: int, seconds: float) -> None:
        if n <= 1:
            self.single = seconds if self.single is None else 0.8 * self.single + 0.2 * seconds
            return
        if self.single is None or self.single <= 0:
            return
        w, sx, sy, sxx, sxy = (value * DECAY for value in self._sums)
        y = seconds / self.single
        self._sums = [w + 1, sx + n, sy + y, sxx + n * n, sxy + n * y]
        seen = self._seen.get(n)
        self._seen[n] = y if seen is None else 0.7 * seen + 0.3 * y

    def relative(self, n: int) -> float:
        """A batch of ``n`` tokens costs this many single-token evaluations."""
        if n <= 1:
            return 1.0
        if n in self._seen:
            return max(1.0, self._seen[n])
        w, sx, sy, sxx, sxy = self._sums
        spread = w * sxx - sx * sx
        per_token = (w * sxy - sx * sy) / spread if spread > 1e-9 else 0.38
        per_token = max(0.0, per_token)
        fixed = (sy - per_token * sx) / w
        return max(1.0, fixed + per_token * n)


def _seed_sums(points: tuple[tuple[int, float], ...], weight: float) -> list[float]:
    sums = [0.0] * 5
    for n, y in points:
        for i, value in enumerate((1.0, n, y, n * n, n * y)):
            sums[i] += weight * value
    return sums


def best_draft_size(p: float, available: int, costs: BatchCosts, longest: int) -> int:
    """The draft length with the most expected tokens per unit of time, or 0 when
    generating one token at a time is expected to be faster."""
    best_size, best_rate = 0, GAIN_NEEDED  # plain decoding makes 1 token per unit of time
    for size in sorted({min(size, available, longest) for size in DRAFT_SIZES}):
        if size <= 0:
            continue
        expected = 1 + sum(p**i for i in range(1, size + 1))  # the verified token + hits
        rate = expected / costs.relative(size + 1)
        if rate > best_rate:
            best_size, best_rate = size, rate
    return best_size


@dataclass
class _Shadow:
    """A guess that was not offered, checked against what the model writes."""

    kind: Guess
    tokens: list[int]
    at: int  # len(generated) when it was made


class PromptLookup:
    """Drafts from ``source`` (the prompt's tokens). Once a copy is found it is followed token
    by token, so a long copied stretch costs one lookup."""

    def __init__(self, source: Sequence[int], *, longest: int = DRAFT_SIZES[-1]) -> None:
        self.source: list[int] = []
        self._index: dict[tuple[int, ...], list[int]] = defaultdict(list)
        self._extend(source)
        self._prompt_len = len(self.source)
        self.longest = longest
        self.costs = BatchCosts()
        # Priors worth a few observations; a translation quickly teaches them otherwise.
        self.acceptance = {
            Guess.FRESH: Acceptance(3, 2),
            Guess.SHORT: Acceptance(6, 1),
            Guess.LONG: Acceptance(19, 1),
        }
        self._follow: int | None = None  # source position aligned with ...
        self._aligned = 0  # ... this many generated tokens
        self._run_from = 0  # where in the answer the copy being followed began
        self._start = 0  # where the last draft began in the source
        self._kind = Guess.FRESH
        self._shadow: _Shadow | None = None
        self.total_drafted = 0
        self.total_taken = 0

    def draft(self, generated: Sequence[int]) -> list[int]:
        """Tokens likely to follow ``generated``; [] when there is no guess worth checking."""
        # The answer so far is a source too: rewrites repeat themselves (docstrings, etc.).
        self._extend(generated[len(self.source) - self._prompt_len :])
        if self._shadow is not None and not self._check_shadow(generated):
            return []  # still watching a guess that was not worth a batch
        start = self._followed(generated)
        if start is not None:
            run = len(generated) - self._run_from
            kind = Guess.LONG if run >= LONG_RUN else Guess.SHORT
        else:
            found = self._locate(generated)
            if found is None:
                return []
            kind, (start, matched) = Guess.FRESH, found
            self._run_from = len(generated) - matched
        if start >= len(self.source):
            return []
        self._start, self._kind = start, kind
        self._follow, self._aligned = start, len(generated)
        # A copy from the prompt ends where the prompt does (the answer follows it there).
        end = len(self.source) if start >= self._prompt_len else self._prompt_len
        available = end - start
        size = best_draft_size(self.acceptance[kind].p, available, self.costs, self.longest)
        if size == 0:
            shadow = self.source[start : start + min(SHADOW_SIZE, available)]
            self._shadow = _Shadow(kind, shadow, len(generated))
            return []
        return self.source[start : start + size]

    def taken(self, offered: int, taken: int) -> None:
        """The last draft of ``offered`` tokens had its first ``taken`` accepted."""
        self.total_drafted += offered
        self.total_taken += taken
        self.acceptance[self._kind].record(offered, taken)
        self._follow, self._aligned = self._start + taken, self._aligned + taken

    def timed(self, batch_size: int, seconds: float) -> None:
        """The engine evaluated ``batch_size`` tokens in one go in ``seconds``."""
        self.costs.observe(batch_size, seconds)

    def _check_shadow(self, generated: Sequence[int]) -> bool:
        """Score the watched guess once the model's tokens settle it; True when done."""
        shadow = self._shadow
        assert shadow is not None
        written = generated[shadow.at : shadow.at + len(shadow.tokens)]
        right = 0
        while right < len(written) and written[right] == shadow.tokens[right]:
            right += 1
        if right == len(shadow.tokens) or right < len(written):  # all right, or a miss
            self.acceptance[shadow.kind].record(len(shadow.tokens), right)
            self._shadow = None
            return True
        return False

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

    def _locate(self, generated: Sequence[int]) -> tuple[int, int] | None:
        """Where in the source the answer's last tokens continue, and how many tokens matched."""
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
                return (after[0] if after else positions[-1]), n
        return None
