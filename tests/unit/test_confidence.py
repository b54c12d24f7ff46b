"""The confidence of a suggestion from its tokens' log-probabilities, and how feedback moves
the gate's threshold."""

from __future__ import annotations

import math
import random

import pytest

from codesaga.domain.confidence import Adaptation, adjusted, confidence, first_line_end, threshold


def offsets(pieces: list[str], logprobs: list[float]) -> list[tuple[int, float]]:
    """The engine's report for tokens ``pieces``: each one's start, and its log-probability."""
    found, at = [], 0
    for piece, logprob in zip(pieces, logprobs, strict=True):
        found.append((at, logprob))
        at += len(piece)
    return found


def test_the_first_line_with_text_is_judged_and_the_rest_is_not() -> None:
    pieces = ["\n", "    ", "return", " x", "\n", "    pass"]
    scores = [-0.1, -0.2, -0.3, -0.4, -5.0, -7.0]
    found = confidence("".join(pieces), offsets(pieces, scores))
    assert found is not None
    assert found.tokens == 4  # the newline that ends the line, and what follows, do not count
    assert found.line == pytest.approx(math.exp(-1.0))
    assert found.mean == pytest.approx(math.exp(-0.25))
    assert found.least == pytest.approx(math.exp(-0.4))


def test_past_what_was_typed_only_the_rest_counts_and_a_half_typed_token_too() -> None:
    pieces = ["self", ".value", " = ", "value"]
    scores = [-3.0, -0.5, -0.1, -0.2]
    text = "".join(pieces)
    whole = confidence(text, offsets(pieces, scores))
    rest = confidence(text, offsets(pieces, scores), start=len("self.va"))  # "lue = value"
    assert whole is not None and rest is not None
    assert rest.tokens == 3 and rest.line == pytest.approx(math.exp(-0.8))
    assert rest.line > whole.line  # what the user typed agreed with the model


def test_nothing_to_judge() -> None:
    assert confidence("x = 1", []) is None  # the engine reported nothing (a remote server)
    assert confidence("  \n ", [(0, -0.1), (3, -0.2)]) is None  # only whitespace
    assert first_line_end("ab\ncd", 0) == 2 and first_line_end("\n  cd", 0) == 5
    assert first_line_end("ab", 2) is None


def test_a_rejection_raises_the_threshold_and_an_acceptance_lowers_it_within_bounds() -> None:
    rule = Adaptation(target=0.3)
    assert adjusted(1.0, False, rule) == pytest.approx(math.exp(0.1 * 0.3))
    assert adjusted(1.0, True, rule) == pytest.approx(math.exp(-0.1 * 0.7))
    factor = 1.0
    for _ in range(1000):
        factor = adjusted(factor, False, rule)
    assert factor == rule.widest
    assert threshold(0.5, factor) == 1.0  # never past certainty


@pytest.mark.parametrize(("rate", "moves"), [(0.1, "up"), (0.6, "down")])
def test_the_threshold_drifts_toward_the_target_acceptance(rate: float, moves: str) -> None:
    """Accepted less often than the target: show fewer (raise it); more often: show more."""
    rule, rng, factor = Adaptation(target=0.3), random.Random(1), 1.0
    for _ in range(300):
        factor = adjusted(factor, rng.random() < rate, rule)
    assert factor > 1.5 if moves == "up" else factor < 1 / 1.5
