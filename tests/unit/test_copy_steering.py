"""Steering a retry off code that failed, over a small made-up vocabulary: which tokens
would go on copying it, and when the answer is no longer steered."""

from __future__ import annotations

from codesaga.engine.copy_steering import SYNC, CopySteering, code_block
from codesaga.engine.token_healing import Vocabulary

PIECES = [b"", b"return", b" (", b"f", b" +", b" -", b" 32", b")", b"\n", b"```", b"python", b"r"]
TOKEN = {piece: i for i, piece in enumerate(PIECES)}
FAILED = "return (f + 32)\n"
STEERING = CopySteering(Vocabulary(PIECES), [FAILED])


def copying(answer: bytes) -> set[bytes]:
    return {PIECES[i] for i in STEERING.copying(answer)}


def test_inside_the_code_block_the_tokens_that_would_copy_the_failed_code_are_named() -> None:
    assert copying(b"```python\n") == {b"return", b"r"}
    assert copying(b"Fixed:\n```python\nreturn (f") == {b" +"}  # not " -", the fix


def test_an_answer_that_left_the_failed_code_is_not_steered_where_it_differs() -> None:
    assert copying(b"```python\nreturn (f -") == set()
    assert copying(b"```python\nreturn (f - 32)\n") == set()


def test_a_copy_that_resumes_after_a_change_is_steered_again() -> None:
    """A first change is mostly a harmless one (a comment dropped); the wrong line below it
    would be copied as it was."""
    failed = "# Conversions.\n\ndef to_celsius(f):\n    return (f + 32) * 5 / 9\n"
    pieces = [b"", b" +", b" -", b" 32", b"```", b"\n"]
    steering = CopySteering(Vocabulary(pieces), [failed])
    resumed = b"```python\ndef to_celsius(f):\n    return (f"  # the comment left out
    assert len(resumed.split(b"\n", 1)[1]) >= SYNC
    assert [pieces[i] for i in steering.copying(resumed)] == [b" +"]
    assert steering.copying(resumed + b" -") == []  # where it differs, not steered


def test_nothing_is_steered_outside_the_code_block_or_after_a_whole_copy() -> None:
    assert copying(b"The bug is in return (f") == set()  # prose: no fence yet
    assert copying(b"```py") == set()  # the fence's line is not finished
    assert copying(b"```python\nreturn (f + 32)\n") == set()  # nothing left to copy
    assert copying(b"```python\nreturn (f - 32)\n```\n") == set()  # closed


def test_the_code_block_is_what_follows_the_fence_line_until_it_closes() -> None:
    assert code_block(b"text\n```python\nx = 1\n") == b"x = 1\n"
    assert code_block(b"```\n") == b""
    assert code_block(b"```python\nx = 1\n```") is None
    assert code_block(b"no fence") is None


def test_empty_failed_code_steers_nothing() -> None:
    assert CopySteering(Vocabulary(PIECES), ["", FAILED]).copying(b"```\n") == sorted(
        [TOKEN[b"return"], TOKEN[b"r"]]
    )
