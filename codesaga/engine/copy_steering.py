"""Steering a sampled rewrite away from an answer that already failed.

Told that its fix failed, a small model mostly writes the same code again, even sampled:
its copy of the code is confident everywhere, the wrong line included. So wherever a
retry's answer is copying code known to fail (its last SYNC bytes stand in that code), the
token that would go on copying it is made less likely by a fixed amount (in logits). Lines
the model is sure of stay as they are; where it hesitates it goes another way. Not only at
the first such place: that is mostly a harmless one (measured: the 1.5B dropped a file's
first comment line, then copied the wrong line below it), so the copy is found again after
a change, and steered again.
"""

from __future__ import annotations

from collections.abc import Sequence

from codesaga.engine.token_healing import Vocabulary

FENCE = b"```"
LOOKAHEAD = 64  # bytes of the failed code matched against the tokens that would copy them
SYNC = 32  # bytes of the answer found in a failed code: it is copying from there


class CopySteering:
    """Which tokens would go on copying one of ``failed`` (code known to fail) after the
    answer so far."""

    def __init__(self, vocabulary: Vocabulary, failed: Sequence[str]) -> None:
        self._vocabulary = vocabulary
        self._failed = [code.encode("utf-8") for code in failed if code]

    def copying(self, answer: bytes) -> list[int]:
        """The tokens that would go on copying a failed code, when ``answer`` (the generated
        bytes so far) is inside its code block and is copying one: its code so far is the
        start of that code, or its last SYNC bytes stand in it."""
        code = code_block(answer)
        if code is None:
            return []
        found: set[int] = set()
        for failed in self._failed:
            for at in _copied_to(failed, code):
                found.update(self._vocabulary.compatible(failed[at : at + LOOKAHEAD]))
        return sorted(found)


def _copied_to(failed: bytes, code: bytes) -> list[int]:
    """Where in ``failed`` a copy that wrote ``code`` so far goes on (none at its end)."""
    if len(code) < SYNC:
        return [len(code)] if len(failed) > len(code) and failed.startswith(code) else []
    key = code[-SYNC:]
    ends = []
    at = failed.find(key)
    while at != -1:
        if at + SYNC < len(failed):
            ends.append(at + SYNC)
        at = failed.find(key, at + 1)
    return ends


def code_block(answer: bytes) -> bytes | None:
    """What ``answer`` has of its first fenced block's code so far (after the fence's line),
    None before it opens or after it closes."""
    start = answer.find(FENCE)
    if start == -1:
        return None
    line_end = answer.find(b"\n", start)
    if line_end == -1:
        return None
    code = answer[line_end + 1 :]
    if code.startswith(FENCE) or b"\n" + FENCE in code:
        return None
    return code
