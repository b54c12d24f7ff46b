"""Greedy decoding on llama-cpp-python's token-level API, and fast apply: tokens drafted
from the prompt are verified in the same evaluation as the next token."""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any

from codesaga.domain.drafting import PromptLookup
from codesaga.engine.token_healing import Vocabulary

# Fast apply accepts a drafted token only when the model prefers it by at least this many
# logits: batched evaluation rounds differently from one token at a time (measured: 0.1 was
# not enough to keep a 0.5B Q4 model's greedy text identical), and only a near tie could
# turn that into another token.
TIE_MARGIN = 1.0


class GreedyDecoder:
    """Greedy decoding for one ``llama_cpp.Llama`` (``llm``), whose context holds ``n_ctx``
    tokens and whose vocabulary ``n_vocab``."""

    def __init__(self, llm: Any, n_ctx: int, n_vocab: int) -> None:
        self._llm = llm
        self._n_ctx = n_ctx
        self._n_vocab = n_vocab

    def decode(
        self,
        prompt: list[int],
        lookup: PromptLookup | None,
        scores: list[float] | None = None,
        healed: tuple[Vocabulary, bytes] | None = None,
    ) -> Generator[int, None, None]:
        """Greedy decoding. With ``lookup`` (fast apply), tokens drafted from the prompt are
        verified in the same evaluation as the next token: each step then yields one token
        plus every drafted token the model agreed with. The tokens are the same either way
        except at a tie closer than llama.cpp's batch-versus-single rounding (see TIE_MARGIN).
        With ``scores``, each token's log-probability is appended to it before the token is
        yielded. With ``healed`` (see token_healing), the tokens begin with those bytes: each
        is the best of the vocabulary's tokens that agree with what is left of them, and
        scored among those."""
        llm = self._llm
        vocab, rest = healed if healed is not None else (None, b"")

        def allowed() -> list[int] | None:
            """The tokens that may come next: any, once the healed bytes are written."""
            return vocab.compatible(rest) if vocab is not None and rest else None

        scored = scores is not None
        record = scores.append if scores is not None else _ignore
        # LlamaCppEngine.stream has read all but the last prompt token: evaluating it gives
        # the logits
        llm.eval(prompt[llm.n_tokens :])
        generated: list[int] = []
        token, score = self._best(-1, scored, allowed())
        while True:
            record(score)
            yield token
            generated.append(token)
            if vocab is not None and rest:
                rest = _after(rest, vocab.pieces[token])
            room = self._n_ctx - llm.n_tokens - 1
            # No drafts while the healed bytes are being written: each token is chosen alone.
            draft = []
            if lookup is not None and not rest:
                draft = lookup.draft(generated)[: max(0, room)]
            batch = [token, *draft]
            n_past = llm.n_tokens
            llm._batch.set_batch(batch=batch, n_past=n_past, logits_all=bool(draft))
            started = time.perf_counter()
            llm._ctx.decode(llm._batch)
            if lookup is not None:
                lookup.timed(len(batch), time.perf_counter() - started)
            if not draft:
                llm.input_ids[n_past] = token
                llm.n_tokens = n_past + 1
                token, score = self._best(-1, scored, allowed())
                continue
            taken_scores, token, margin, score = self._verify(draft, scored)
            taken = len(taken_scores)
            kept = 1 + taken
            llm.input_ids[n_past : n_past + kept] = batch[:kept]
            llm.n_tokens = n_past + kept
            if kept < len(batch):  # the cache must not keep the rejected guesses
                llm._ctx.kv_cache_seq_rm(-1, llm.n_tokens, -1)
            assert lookup is not None
            lookup.taken(len(draft), taken)
            for accepted, accepted_score in zip(draft[:taken], taken_scores, strict=True):
                record(accepted_score)
                yield accepted
                generated.append(accepted)
            if margin < TIE_MARGIN:
                # Decide a near tie as plain decoding does, with the last kept token on its
                # own (the cache still holds batch-computed rows before it, so a tie closer
                # than their rounding, measured up to 0.2 logits, can still go the other way).
                llm.n_tokens -= 1
                llm._ctx.kv_cache_seq_rm(-1, llm.n_tokens, -1)
                llm.eval([batch[taken]])
                token, score = self._best(-1, scored)

    def _verify(self, draft: list[int], scored: bool) -> tuple[list[float], int, float, float]:
        """Check ``draft`` against the batch's rows of logits: the scores of the drafted
        tokens the model agrees with (by at least TIE_MARGIN: a near tie, where batched and
        single-token logits could disagree, ends the run), then the token it chose after
        them, by what margin, and its score."""
        taken: list[float] = []
        token, margin, score = self._best_with_margin(0, scored)
        while len(taken) < len(draft) and token == draft[len(taken)] and margin >= TIE_MARGIN:
            taken.append(score)
            token, margin, score = self._best_with_margin(len(taken), scored)
        return taken, token, margin, score

    def _best_with_margin(self, index: int, scored: bool) -> tuple[int, float, float]:
        """The most likely next token after the batch's ``index``-th token, by how much its
        logit leads the runner-up, and its log-probability (0.0 unless ``scored``)."""
        import numpy as np

        logits = self._logits(index)
        best = int(logits.argmax())
        runner_up = max(
            float(logits[:best].max()) if best > 0 else -np.inf,
            float(logits[best + 1 :].max()) if best + 1 < logits.size else -np.inf,
        )
        score = log_probability(logits, best) if scored else 0.0
        return best, float(logits[best]) - runner_up, score

    def _best(
        self, index: int, scored: bool, allowed: list[int] | None = None
    ) -> tuple[int, float]:
        """The most likely next token after the batch's ``index``-th token (-1: the last),
        and its log-probability (0.0 unless ``scored``); with ``allowed``, the most likely
        of those tokens, and its log-probability among them."""
        logits = self._logits(index)
        if allowed is not None:
            logits = logits[allowed]
        best = int(logits.argmax())
        score = log_probability(logits, best) if scored else 0.0
        return (best if allowed is None else allowed[best]), score

    def _logits(self, index: int) -> Any:
        """The batch's ``index``-th row of logits, as a numpy view (no copy)."""
        import numpy as np

        return np.ctypeslib.as_array(self._llm._ctx.get_logits_ith(index), shape=(self._n_vocab,))


def _after(rest: bytes, piece: bytes) -> bytes:
    """What is left to generate of the healed bytes ``rest`` after a token ``piece`` that
    agrees with them."""
    return b"" if piece.startswith(rest) else rest[len(piece) :]


def _ignore(score: float) -> None:
    """Where the scores go when nobody asked for them."""


def log_probability(logits: Any, token: int) -> float:
    """log softmax(``logits``)[``token``], for the most likely ``token`` (so no exp can
    overflow): about 0.1 ms over a 150k-token vocabulary, 0.5 % of a 0.5B model's step."""
    import numpy as np

    return -float(np.log(np.exp(logits - logits[token]).sum(dtype=np.float64)))
