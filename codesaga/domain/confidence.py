"""How sure a model was of a suggestion, and the confidence gate's threshold: where it
starts, and how feedback moves it.

A suggestion is judged by the line the user reads first: the tokens that wrote the first
line of it with something on it. Three measures of those tokens' probabilities are kept
(the gate compares the one the setting ``completion_gate_measure`` names; the journal keeps
all three, and bench/gate_bench.py compares them):

- ``line``: their product, the model's own probability that the whole line is what it
  wrote (an exact line needs every token right, so this is what predicts one);
- ``mean``: their geometric mean (the same, not penalising a long line);
- ``least``: the least likely token's probability.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

# A generated token: where its text starts in the generated text, and its log-probability.
TokenLogprob = tuple[int, float]

Measure = Literal["line", "mean", "least"]
MEASURES: tuple[Measure, ...] = ("line", "mean", "least")


@dataclass(frozen=True)
class Confidence:
    line: float
    mean: float
    least: float
    tokens: int  # how many tokens wrote the line

    def value(self, measure: Measure) -> float:
        return float(getattr(self, measure))

    def to_dict(self) -> dict[str, float | int]:
        return {
            "line": round(self.line, 4),
            "mean": round(self.mean, 4),
            "least": round(self.least, 4),
            "tokens": self.tokens,
        }


def first_line_end(text: str, start: int = 0) -> int | None:
    """Where the first line of ``text[start:]`` with something on it ends (its newline, or
    the end of the text); None when there is only whitespace."""
    match = next((i for i in range(start, len(text)) if not text[i].isspace()), None)
    if match is None:
        return None
    newline = text.find("\n", match)
    return len(text) if newline < 0 else newline


def confidence(text: str, logprobs: Sequence[TokenLogprob], start: int = 0) -> Confidence | None:
    """How sure the model was of ``text[start:]`` (the part a suggestion shows: ``start``
    skips what the user typed already), from the log-probabilities of the tokens that wrote
    ``text``; None when they were not reported or there is nothing to show. A token counts
    when its text overlaps the first line with something on it, so a token straddling the
    start (half typed) counts, and the token that ends the line does not."""
    end = first_line_end(text, start)
    if end is None or not logprobs:
        return None
    chosen = []
    for i, (offset, logprob) in enumerate(logprobs):
        next_offset = logprobs[i + 1][0] if i + 1 < len(logprobs) else math.inf
        if offset >= end:
            break
        if next_offset > start:
            chosen.append(logprob)
    if not chosen:
        return None
    total = sum(chosen)
    return Confidence(
        line=math.exp(total),
        mean=math.exp(total / len(chosen)),
        least=math.exp(min(chosen)),
        tokens=len(chosen),
    )


# -- the threshold ------------------------------------------------------------------------


@dataclass(frozen=True)
class Adaptation:
    """How feedback moves a threshold: by ``step`` (in log space) toward the acceptance rate
    ``target``, never further than ``widest`` times from where it started.

    A rejection multiplies the threshold by exp(step * target), an acceptance by
    exp(-step * (1 - target)): they balance exactly when a share ``target`` of the shown
    suggestions is accepted, so the threshold rises while fewer are accepted and falls while
    more are (a stochastic approximation of the threshold that reaches the target)."""

    target: float
    step: float = 0.1
    widest: float = 4.0


def adjusted(factor: float, accepted: bool, rule: Adaptation) -> float:
    """The threshold's new factor (its multiple of the starting threshold) after one
    suggestion shown was ``accepted`` or not."""
    move = -rule.step * (1 - rule.target) if accepted else rule.step * rule.target
    return min(rule.widest, max(1 / rule.widest, factor * math.exp(move)))


def threshold(start: float, factor: float) -> float:
    """The threshold in force: the starting one times what feedback learned (at most 1)."""
    return min(1.0, start * factor)


def shows(value: float, limit: float) -> bool:
    """Whether a suggestion of confidence ``value`` passes the threshold ``limit``."""
    return value >= limit
