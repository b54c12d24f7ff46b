"""Greedy decoding on llama-cpp-python's token-level API, and fast apply: tokens drafted
from the prompt are verified in the same evaluation as the next token."""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any

from codesaga.domain.drafting import PromptLookup

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

    def decode(self, prompt: list[int], lookup: PromptLookup | None) -> Generator[int, None, None]:
        """Greedy decoding. With ``lookup`` (fast apply), tokens drafted from the prompt are
        verified in the same evaluation as the next token: each step then yields one token
        plus every drafted token the model agreed with. The tokens are the same either way
        except at a tie closer than llama.cpp's batch-versus-single rounding (see TIE_MARGIN)."""
        llm = self._llm
        # LlamaCppEngine.stream has read all but the last prompt token: evaluating it gives
        # the logits
        llm.eval(prompt[llm.n_tokens :])
        generated: list[int] = []
        token = self._best(-1)
        while True:
            yield token
            generated.append(token)
            room = self._n_ctx - llm.n_tokens - 1
            draft = lookup.draft(generated)[: max(0, room)] if lookup is not None else []
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
                token = self._best(-1)
                continue
            taken = 0
            token, margin = self._best_with_margin(0)
            while taken < len(draft) and token == draft[taken]:
                if margin < TIE_MARGIN:
                    break  # a near tie: batched and single-token logits could disagree
                taken += 1
                token, margin = self._best_with_margin(taken)
            kept = 1 + taken
            llm.input_ids[n_past : n_past + kept] = batch[:kept]
            llm.n_tokens = n_past + kept
            if kept < len(batch):  # the cache must not keep the rejected guesses
                llm._ctx.kv_cache_seq_rm(-1, llm.n_tokens, -1)
            assert lookup is not None
            lookup.taken(len(draft), taken)
            for accepted in draft[:taken]:
                yield accepted
                generated.append(accepted)
            if margin < TIE_MARGIN:
                # Decide a near tie as plain decoding does, with the last kept token on its
                # own (the cache still holds batch-computed rows before it, so a tie closer
                # than their rounding, measured up to 0.2 logits, can still go the other way).
                llm.n_tokens -= 1
                llm._ctx.kv_cache_seq_rm(-1, llm.n_tokens, -1)
                llm.eval([batch[taken]])
                token = self._best(-1)

    def _best_with_margin(self, index: int) -> tuple[int, float]:
        """The most likely next token after the batch's ``index``-th token, and by how much
        its logit leads the runner-up."""
        import numpy as np

        logits = self._logits(index)
        best = int(logits.argmax())
        runner_up = max(
            float(logits[:best].max()) if best > 0 else -np.inf,
            float(logits[best + 1 :].max()) if best + 1 < logits.size else -np.inf,
        )
        return best, float(logits[best]) - runner_up

    def _best(self, index: int) -> int:
        """The most likely next token after the batch's ``index``-th token (-1: the last)."""
        return int(self._logits(index).argmax())

    def _logits(self, index: int) -> Any:
        """The batch's ``index``-th row of logits, as a numpy view (no copy)."""
        import numpy as np

        return np.ctypeslib.as_array(self._llm._ctx.get_logits_ith(index), shape=(self._n_vocab,))
