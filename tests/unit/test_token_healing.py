"""Token healing over a small made-up vocabulary: which tokens are taken out of the prompt
before the cursor, and which tokens a generation may then begin with."""

from __future__ import annotations

from codesaga.engine.greedy_decoding import _after
from codesaga.engine.token_healing import MAX_HEALED, Vocabulary, heal

PIECES = [
    b"",  # a control token: no text
    b")",
    b"):",
    b"):\n",
    b".d",
    b"ro",
    b".drop",
    b"self",
    b" ",
    b"    ",
    b"   ",
    b" if",
    b"(",
    b"\n",
    b"\xe2\x82",  # the first two bytes of a character
    b"\xe2\x82\xac",  # all three
    b"x",
    b"    \n",
    b"     \n",
    b"     ",
    b"    x",
]
TOKEN = {piece: i for i, piece in enumerate(PIECES)}
VOCAB = Vocabulary(PIECES)


def ids(*pieces: bytes) -> list[int]:
    return [TOKEN[p] for p in pieces]


def texts(tokens: list[int]) -> set[bytes]:
    return {PIECES[t] for t in tokens}


def test_tokens_that_begin_with_the_text_or_that_it_begins_with() -> None:
    assert texts(VOCAB.compatible(b")")) == {b")", b"):", b"):\n"}
    assert texts(VOCAB.compatible(b"):")) == {b"):", b"):\n", b")"}
    assert texts(VOCAB.compatible(b".dro")) == {b".drop", b".d"}
    assert VOCAB.compatible(b"zz") == []


def test_the_last_token_is_taken_out_when_another_token_goes_on_from_it() -> None:
    head = ids(b"(", b"x", b")")
    tokens, healed = heal([*head, 0, TOKEN[b"\n"]], len(head), VOCAB)
    assert healed == b")" and tokens == [*ids(b"(", b"x"), 0, TOKEN[b"\n"]]


def test_several_tokens_are_taken_out_while_one_token_would_cover_them() -> None:
    head = ids(b"self", b".d", b"ro")
    tokens, healed = heal([*head, 0], len(head), VOCAB)
    assert healed == b".dro" and tokens == [TOKEN[b"self"], 0]


def test_nothing_is_healed_when_no_token_goes_on() -> None:
    head = ids(b"(", b"x")  # no token begins with "x" and goes on
    assert heal([*head, 0], len(head), VOCAB) == ([*head, 0], b"")
    broken = [TOKEN[b"\xe2\x82"]]  # a token goes on from it, but it is not whole characters
    assert heal([*broken, 0], 1, VOCAB)[1] == b""


def test_indentation_is_not_healed() -> None:
    head = ids(b"\n", b"    ")
    assert heal([*head, 0], len(head), VOCAB) == ([*head, 0], b"")


def test_a_control_or_bos_token_is_never_taken_out() -> None:
    head = [0, TOKEN[b")"]]  # the FIM prefix mark, then the prefix
    assert heal([*head, 0], len(head), VOCAB) == ([0, 0], b")")


def test_at_most_max_healed_tokens_are_taken_out() -> None:
    letters = Vocabulary([b"", b"a", b"a" * 16])  # one token of 16 goes on from any
    head = [1] * 10
    tokens, healed = heal([*head, 0], len(head), letters)
    assert healed == b"a" * MAX_HEALED and len(tokens) == 11 - MAX_HEALED


def test_what_is_left_to_write_of_the_healed_text() -> None:
    assert _after(b".dro", b".d") == b"ro"
    assert _after(b".dro", b".drop") == b""
    assert _after(b")", b"):\n") == b""
