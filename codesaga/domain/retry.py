"""A rewrite that a check refused, to be fed back to the model with the check's message."""

from __future__ import annotations

from dataclasses import dataclass

# The most attempts a fix or refactor may be given: a model that failed ten times will not
# pass the eleventh.
MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class FailedRewrite:
    text: str  # the whole file as the refused rewrite left it
    problem: str  # what the check said, addressed to the model
