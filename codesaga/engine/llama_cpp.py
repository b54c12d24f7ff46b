"""The in-process llama.cpp adapter (llama-cpp-python).

One instance owns one loaded model; ``llama_cpp.Llama`` is not thread-safe, so callers
serialize ``stream``. The KV cache is kept between calls and as little as possible is read
again:

- a prompt sharing a prefix with the previous one only evaluates the new part;
- runs of the cached tokens that the new prompt holds later on (a completion window that
  moved forward) are shifted into place instead of re-read, as llama-server's
  ``--cache-reuse`` does;
- each ``cache_slot`` (a document being completed, a chat session) keeps its own copy of the
  KV cache in an LRU sized in bytes, saved when another slot takes the model and brought back
  when it returns;
- the prompt is read in steps, so a cancelled request keeps what it had read for the next.
"""

from __future__ import annotations

import codecs
import ctypes
import logging
import time
from collections import OrderedDict
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from codesaga.domain.drafting import PromptLookup
from codesaga.domain.errors import ContextTooLongError, ModelError
from codesaga.domain.fim import detect_fim_format
from codesaga.domain.stops import StopScanner
from codesaga.engine.port import CancelToken, Delta, EngineInfo, Finished, GenerationRequest

# Prompt tokens per decode call: a cancelled prefill keeps every step it finished, and the
# abort check between steps is cheap. Measured on a 2-core CPU: steps of 128 read a prompt
# as fast as steps of 512.
PREFILL_STEP = 128
# The shortest run of cached tokens worth shifting into place (llama-server's --cache-reuse
# 256 is the same idea; our windows move in whole lines, so shorter runs already pay).
MIN_REUSE = 32
_NGRAM = 4  # tokens per key when looking up where a prompt's run sits in the cache
DEFAULT_STATE_CACHE_MIB = 128


@dataclass
class _SavedState:
    """A copy of one slot's KV cache and the tokens it holds."""

    tokens: list[int]
    data: Any  # a ctypes byte array
    size: int


class StateCache:
    """Saved KV states by slot, least recently used dropped past ``budget`` bytes."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._states: OrderedDict[str, _SavedState] = OrderedDict()
        self.size = 0

    def get(self, slot: str) -> _SavedState | None:
        state = self._states.get(slot)
        if state is not None:
            self._states.move_to_end(slot)
        return state

    def put(self, slot: str, state: _SavedState) -> None:
        self.drop(slot)
        if state.size > self.budget:
            return
        self._states[slot] = state
        self.size += state.size
        while self.size > self.budget:
            _, old = self._states.popitem(last=False)
            self.size -= old.size

    def drop(self, slot: str) -> None:
        old = self._states.pop(slot, None)
        if old is not None:
            self.size -= old.size

    def __contains__(self, slot: object) -> bool:
        return slot in self._states

    def __len__(self) -> int:
        return len(self._states)


# Fast apply accepts a drafted token only when the model prefers it by at least this many
# logits: batched evaluation rounds differently from one token at a time (measured: 0.1 was
# not enough to keep a 0.5B Q4 model's greedy text identical), and only a near tie could
# turn that into another token.
TIE_MARGIN = 1.0


class LlamaCppEngine:
    def __init__(
        self,
        path: Path,
        *,
        name: str | None = None,
        n_ctx: int = 8192,
        n_threads: int = 1,
        n_batch: int = 512,
        state_cache_mib: int = DEFAULT_STATE_CACHE_MIB,
    ) -> None:
        """Load a GGUF model (a file whose header was checked: ``bootstrap.llama_cpp_factory``
        refuses a corrupt one with a clear error before llama.cpp maps it)."""
        import llama_cpp

        self._lib = llama_cpp
        try:
            self._llm = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                n_batch=n_batch,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"llama.cpp could not load {path}: {exc}") from None
        # Prompt evaluation can take seconds: llama.cpp polls this between graph nodes, so a
        # cancelled request stops mid-prompt too. It is only installed during prompt
        # evaluation; between generated tokens we check the token ourselves, for free.
        self._watched: CancelToken | None = None
        self.states = StateCache(state_cache_mib * 2**20)
        self._owner: str | None = None  # the slot whose prompt the context holds now
        self._abort_callback = llama_cpp.ggml_abort_callback(self._should_abort)
        # llama.cpp reports an aborted decode on stderr as an error; for us it is a normal
        # cancellation. Load errors were raised above as exceptions.
        logging.getLogger("llama-cpp-python").setLevel(logging.CRITICAL)
        self._n_vocab = int(self._llm.n_vocab())
        metadata: dict[str, str] = dict(self._llm.metadata)
        self._chat = self._chat_formatter(metadata)
        self.info = EngineInfo(
            name=name or path.stem,
            path=str(path),
            n_ctx=n_ctx,
            family=metadata.get("general.architecture"),
            fim=detect_fim_format(self._is_special_token),
            metadata={k: v for k, v in metadata.items() if k.startswith("general.")},
        )

    def _should_abort(self, _data: object) -> bool:
        return self._watched is not None and self._watched.cancelled

    def _watch_prompt(self, cancel: CancelToken | None) -> None:
        self._watched = cancel
        callback = self._abort_callback if cancel is not None else self._lib.ggml_abort_callback()
        self._lib.llama_set_abort_callback(self._llm._ctx.ctx, callback, None)

    def _chat_formatter(self, metadata: dict[str, str]) -> Any:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = metadata.get("tokenizer.chat_template")
        if not template:
            return None
        return Jinja2ChatFormatter(
            template=template,
            eos_token=self._token_text(self._llm.token_eos()),
            bos_token=self._token_text(self._llm.token_bos()),
            add_generation_prompt=True,
        )

    def _token_text(self, token: int) -> str:
        if token < 0:
            return ""
        return self._llm.detokenize([token], special=True).decode("utf-8", errors="ignore")

    def _is_special_token(self, text: str) -> bool:
        raw = text.encode("utf-8")
        return (
            len(self._llm.tokenize(raw, add_bos=False, special=True)) == 1
            and len(self._llm.tokenize(raw, add_bos=False, special=False)) > 1
        )

    def render(self, request: GenerationRequest) -> str:
        if request.prompt is not None:
            return request.prompt
        if self._chat is None:
            raise ModelError(f"{self.info.name} has no chat template; it cannot do chat tasks")
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        return str(self._chat(messages=messages).prompt)

    def _tokens(self, request: GenerationRequest) -> list[int]:
        text = self.render(request)
        tokens: list[int] = self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        bos = self._llm.token_bos()
        if (
            self._lib.llama_vocab_get_add_bos(self._llm._model.vocab)
            and bos >= 0
            and (not tokens or tokens[0] != bos)
        ):
            tokens.insert(0, bos)
        return tokens

    def count_tokens(self, request: GenerationRequest) -> int:
        return len(self._tokens(request))

    def stream(
        self, request: GenerationRequest, cancel: CancelToken | None = None
    ) -> Iterator[Delta | Finished]:
        tokens = self._tokens(request)
        n_ctx = self.info.n_ctx
        if len(tokens) + request.reserve > n_ctx:
            raise ContextTooLongError(len(tokens), n_ctx, request.reserve)
        max_tokens = min(request.max_tokens, n_ctx - len(tokens))
        # Prefill only (max_tokens 0): the whole prompt goes into the cache, for the request
        # that will follow it. Otherwise the last token is left for the decoder, whose logits
        # it needs.
        upto = len(tokens) if max_tokens <= 0 else len(tokens) - 1
        self._switch_to(request.cache_slot, tokens, upto)
        reused = self._reuse(tokens, upto)
        started = time.perf_counter()
        self._watch_prompt(cancel)
        try:
            read = self._prefill(tokens, upto, cancel)
        finally:
            self._watch_prompt(None)
        if not read or max_tokens <= 0:
            yield Finished.without_output(
                "length" if read else "cancelled",
                prompt_tokens=len(tokens),
                prompt_tokens_evaluated=self._llm.n_tokens - reused,
                prompt_seconds=time.perf_counter() - started,
            )
            return
        if request.seed is not None:
            self._llm.set_seed(request.seed)
        vocab = self._llm._model.vocab
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        scanner = StopScanner(request.stop)
        first_token_at: float | None = None
        produced = 0
        reason: Literal["stop", "length", "cancelled"] = "length"
        lookup: PromptLookup | None = None
        generator: Generator[int, None, None]
        if request.temperature == 0:
            # Greedy: our own loop, so decoding with and without drafting is one piece of
            # code and takes the same decisions (it is also a little faster than the
            # library's sampler chain, which copies every token's logits).
            if request.prompt_lookup:
                lookup = PromptLookup(tokens)
            generator = self._greedy_decode(tokens, lookup)
        else:
            # Sampling for code: a narrow distribution.
            generator = self._llm.generate(
                tokens,
                top_k=40,
                top_p=0.95,
                min_p=0.05,
                temp=request.temperature,
                repeat_penalty=1.0,
                reset=True,
            )
        self._watch_prompt(cancel)
        try:
            for token in generator:
                if first_token_at is None:
                    first_token_at = time.perf_counter()
                    self._watch_prompt(None)
                if self._lib.llama_vocab_is_eog(vocab, token):
                    reason = "stop"
                    break
                produced += 1
                text = scanner.feed(decoder.decode(self._llm.detokenize([token])))
                if text:
                    yield Delta(text)
                if scanner.stopped:
                    reason = "stop"
                    break
                if cancel is not None and cancel.cancelled:
                    reason = "cancelled"
                    break
                if produced >= max_tokens:
                    break
        except RuntimeError:
            # llama_decode returns "aborted" when the callback fired: the request was cancelled
            if cancel is None or not cancel.cancelled:
                raise
            reason = "cancelled"
        finally:
            self._watch_prompt(None)
            generator.close()
        if reason != "cancelled":
            rest = scanner.flush() + decoder.decode(b"", final=True)
            if rest:
                yield Delta(rest)
        done = time.perf_counter()
        first = first_token_at or done
        yield Finished(
            reason=reason,
            prompt_tokens=len(tokens),
            prompt_tokens_evaluated=len(tokens) - reused,
            completion_tokens=produced,
            prompt_seconds=first - started,
            generation_seconds=done - first,
            drafted=lookup.total_drafted if lookup else 0,
            draft_accepted=lookup.total_taken if lookup else 0,
        )

    def _greedy_decode(
        self, prompt: list[int], lookup: PromptLookup | None
    ) -> Generator[int, None, None]:
        """Greedy decoding. With ``lookup`` (fast apply), tokens drafted from the prompt are
        verified in the same evaluation as the next token: each step then yields one token
        plus every drafted token the model agreed with. The tokens are the same either way
        except at a tie closer than llama.cpp's batch-versus-single rounding (see TIE_MARGIN)."""
        llm = self._llm
        # stream() has read all but the prompt's last token: evaluating it gives the logits
        llm.eval(prompt[llm.n_tokens :])
        generated: list[int] = []
        token = self._greedy(-1)
        while True:
            yield token
            generated.append(token)
            room = self.info.n_ctx - llm.n_tokens - 1
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
                token = self._greedy(-1)
                continue
            taken = 0
            token, margin = self._greedy_with_margin(0)
            while taken < len(draft) and token == draft[taken]:
                if margin < TIE_MARGIN:
                    break  # a near tie: batched and single-token logits could disagree
                taken += 1
                token, margin = self._greedy_with_margin(taken)
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
                token = self._greedy(-1)

    def _greedy_with_margin(self, index: int) -> tuple[int, float]:
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

    def _greedy(self, index: int) -> int:
        """The most likely next token after the batch's ``index``-th token (-1: the last)."""
        return int(self._logits(index).argmax())

    def _logits(self, index: int) -> Any:
        """The batch's ``index``-th row of logits, as a numpy view (no copy)."""
        import numpy as np

        return np.ctypeslib.as_array(self._llm._ctx.get_logits_ith(index), shape=(self._n_vocab,))

    def _held_tokens(self) -> list[int]:
        return [int(t) for t in self._llm.input_ids[: self._llm.n_tokens]]

    # -- what the KV cache holds --------------------------------------------------------

    def _switch_to(self, slot: str | None, tokens: list[int], upto: int) -> None:
        """Make ``slot`` the context's owner: save the owner's state if another slot takes
        over, and bring ``slot``'s saved state back if it holds more of ``tokens`` than the
        context does now."""
        if slot == self._owner:
            return
        if self._owner is not None and self._llm.n_tokens > 0:
            self._save(self._owner)
        self._owner = slot
        saved = self.states.get(slot) if slot is not None else None
        if saved is None:
            return
        if min(_common_prefix(saved.tokens, tokens), upto) <= self._cached_prefix(tokens, upto):
            return
        memory = self._lib.llama_get_memory(self._llm._ctx.ctx)
        self._lib.llama_memory_seq_rm(memory, 0, -1, -1)
        if not self._lib.llama_state_seq_set_data(self._llm._ctx.ctx, saved.data, saved.size, 0):
            self._llm.n_tokens = 0  # the cache is empty: the prompt is read in full
            return
        n = len(saved.tokens)
        self._llm.input_ids[:n] = saved.tokens
        self._llm.n_tokens = n

    def _save(self, slot: str) -> None:
        held = self._held_tokens()
        saved = self.states.get(slot)
        if saved is not None and saved.tokens == held:
            return  # nothing new since it was saved
        ctx = self._llm._ctx.ctx
        size = self._lib.llama_state_seq_get_size(ctx, 0)
        data = (ctypes.c_uint8 * size)()
        written = int(self._lib.llama_state_seq_get_data(ctx, data, size, 0))
        if written:
            self.states.put(slot, _SavedState(held, data, written))

    def _reuse(self, tokens: list[int], upto: int) -> int:
        """Keep what the cache holds of ``tokens[:upto]``: the common prefix, then every run
        of at least MIN_REUSE cached tokens that comes next in the prompt, shifted to its new
        position. Returns how many prompt tokens the cache then holds."""
        llm = self._llm
        held = self._held_tokens()
        n = min(_common_prefix(held, tokens), upto)
        if n >= upto or len(held) - n < MIN_REUSE:
            llm.n_tokens = n
            return n
        memory = self._lib.llama_get_memory(llm._ctx.ctx)
        if not self._lib.llama_memory_can_shift(memory):
            llm.n_tokens = n
            return n
        where: dict[tuple[int, ...], list[int]] = {}
        for i in range(n, len(held) - _NGRAM + 1):
            where.setdefault(tuple(held[i : i + _NGRAM]), []).append(i)
        head_p, head_c = n, n  # next prompt position to fill; cache positions before it are used
        while upto - head_p >= MIN_REUSE:
            run_at, run = -1, 0
            for c in where.get(tuple(tokens[head_p : head_p + _NGRAM]), ()):
                if c < head_c:
                    continue
                m = _common_prefix(held[c:], tokens[head_p:upto])
                if m >= MIN_REUSE:
                    run_at, run = c, m
                    break
            if run == 0:
                break
            if run_at > head_p:
                self._lib.llama_memory_seq_rm(memory, 0, head_p, run_at)
                self._lib.llama_memory_seq_add(memory, 0, run_at, run_at + run, head_p - run_at)
            llm.input_ids[head_p : head_p + run] = held[run_at : run_at + run]
            head_p += run
            head_c = run_at + run
        self._lib.llama_memory_seq_rm(memory, 0, head_p, -1)
        llm.n_tokens = head_p
        return head_p

    def _prefill(self, tokens: list[int], upto: int, cancel: CancelToken | None) -> bool:
        """Read ``tokens[:upto]`` into the cache from where it stops, a step at a time.
        False when cancelled: the steps read so far stay for the next request."""
        llm = self._llm
        try:
            while llm.n_tokens < upto:
                if cancel is not None and cancel.cancelled:
                    return False
                llm.eval(tokens[llm.n_tokens : min(upto, llm.n_tokens + PREFILL_STEP)])
        except RuntimeError:
            # llama_decode returns "aborted" when the callback fired: the request was cancelled
            if cancel is None or not cancel.cancelled:
                raise
            return False
        return True

    def _cached_prefix(self, tokens: list[int], upto: int | None = None) -> int:
        """How many leading prompt tokens the KV cache already holds, at most ``upto`` (by
        default all but the last: the decoder re-evaluates one token for its logits)."""
        n = _common_prefix(self._held_tokens(), tokens)
        return min(n, len(tokens) - 1 if upto is None else upto)

    def forget(self) -> None:
        """Drop the KV cache (the next prompt is read in full): llama.cpp's numbers depend
        slightly on how a prompt was split into batches, so exact comparisons start here."""
        self._llm.reset()  # type: ignore[no-untyped-call]
        self._owner = None

    def close(self) -> None:
        self._llm.close()


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
