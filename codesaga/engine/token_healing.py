"""Token healing: a completion's cursor often falls inside what the tokenizer would make one
token (``quoted)`` before a ``:`` that belongs to the token ``):``; ``self.dro`` before
``p``). The prompt then
ends in a token the model rarely saw there, and it continues from it badly (measured: after
``if self.token or (self.posix and quoted)`` the 0.5B's first choice was a newline, without
the colon). So the prompt's last token before the cursor is taken out, and the generation
is made to begin with its text: the model chooses the token that covers it and what follows,
and the text the prompt already had is dropped from the answer.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

MAX_HEALED = 4  # tokens taken out of the prompt at most


class Vocabulary:
    """Each token's bytes (its piece; empty for control tokens), indexed to find the tokens
    a generation may begin with."""

    def __init__(self, pieces: Sequence[bytes]) -> None:
        self.pieces = list(pieces)
        # The tokens with text, by their bytes: the tokens with a given start are a run.
        self._ids = sorted((i for i, p in enumerate(self.pieces) if p), key=self.pieces.__getitem__)
        self._sorted = [self.pieces[i] for i in self._ids]

    def extends(self, text: bytes) -> bool:
        """Whether some token's piece begins with ``text`` and goes on."""
        at = bisect.bisect_left(self._sorted, text + b"\x00")
        return at < len(self._sorted) and self._sorted[at].startswith(text)

    def compatible(self, rest: bytes) -> list[int]:
        """The tokens that can begin a text beginning with ``rest``: those whose piece starts
        with all of it, and those whose piece is a start of it (the next token goes on)."""
        lo = bisect.bisect_left(self._sorted, rest)
        hi = bisect.bisect_left(self._sorted, _past_prefix(rest)) if rest else len(self._sorted)
        found = self._ids[lo:hi]
        for end in range(1, len(rest)):
            start = rest[:end]
            found += self._ids[
                bisect.bisect_left(self._sorted, start) : bisect.bisect_right(self._sorted, start)
            ]
        return found


def _past_prefix(prefix: bytes) -> bytes:
    """The least bytes greater than every bytes that begin with ``prefix`` (all of them when
    it is only 0xff bytes: then more than any piece)."""
    kept = prefix.rstrip(b"\xff")
    if not kept:
        return b"\xff" * (len(prefix) + 64)
    return kept[:-1] + bytes([kept[-1] + 1])


def heal(tokens: list[int], end: int, vocab: Vocabulary) -> tuple[list[int], bytes]:
    """``tokens`` without the last few of their first ``end`` (the prompt's tokens up to the
    cursor), and those tokens' bytes, which the generation must begin with: the most of the
    last MAX_HEALED tokens whose text some token would cover and go on from (``.d`` ``ro``
    before a ``p``: ``.drop``). Unchanged, with ``b""``, when there is nothing to heal: no
    token goes on from those texts that are whole characters. Control tokens (the FIM marks)
    are never taken out, nor indentation."""
    if end <= 0 or not vocab.pieces[tokens[end - 1]].strip():
        # Indentation is left as it is. Healing its last space (which goes with the word
        # after it, " if") changed many answers on the infill sets and mended none on the
        # whole (standard library 6 of 40 either way, the doctested programs 16 → 15);
        # healing all of it let the model second-guess the indentation and write spaces.
        return tokens, b""
    healed, start, text = b"", end, b""
    for back in range(1, min(MAX_HEALED, end) + 1):
        piece = vocab.pieces[tokens[end - back]]
        if not piece:
            break  # a control token (the FIM prefix mark) stays
        text = piece + text
        if vocab.extends(text) and _whole_characters(text):
            healed, start = text, end - back
    return tokens[:start] + tokens[end:], healed


def _whole_characters(text: bytes) -> bool:
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def token_pieces(lib: Any, vocab: Any, n_vocab: int) -> list[bytes]:
    """Every token's bytes, from llama.cpp (``lib``: the llama_cpp module); control tokens
    have none. About 0.15 s for a 150k-token vocabulary, once per model."""
    import ctypes

    size = 256
    buffer = ctypes.create_string_buffer(size)
    pieces = []
    for token in range(n_vocab):
        n = lib.llama_token_to_piece(vocab, token, buffer, size, 0, False)
        pieces.append(buffer.raw[:n] if n > 0 else b"")
    return pieces
