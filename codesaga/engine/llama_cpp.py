"""The in-process llama.cpp adapter (llama-cpp-python).

One instance owns one loaded model; ``llama_cpp.Llama`` is not thread-safe, so callers
serialize ``stream``. The KV cache is kept between calls and as little as possible is read
again:

- a prompt sharing a prefix with the previous one only evaluates the new part;
- runs of the cached tokens that the new prompt holds later on (a completion window that
  moved forward, the text after a context chunk that changed) are shifted into place
  instead of re-read, as llama-server's ``--cache-reuse`` does; new tokens in front of such
  a run (a gap) are read at their positions while the run waits in a second sequence;
- each ``cache_slot`` (a document being completed, a chat session) keeps its own copy of the
  KV cache in an LRU sized in bytes, saved when another slot takes the model and brought back
  when it returns;
- the prompt is read in steps, so a cancelled request keeps what it had read for the next.

The runs kept are found in ``kv_reuse``, the slots' copies kept in ``kv_states``; greedy
decoding (and fast apply's drafts) is ``greedy_decoding``.
"""

from __future__ import annotations

import codecs
import logging
import re
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from codesaga.domain.confidence import TokenLogprob
from codesaga.domain.drafting import PromptLookup
from codesaga.domain.errors import ContextTooLongError, ModelError
from codesaga.domain.fim import detect_fim_format
from codesaga.domain.marked_text import MarkedText, Span
from codesaga.domain.stops import StopScanner
from codesaga.engine import kv_reuse, kv_states, token_healing
from codesaga.engine.chat_marks import marked_chat
from codesaga.engine.greedy_decoding import GreedyDecoder
from codesaga.engine.kv_reuse import held_tokens
from codesaga.engine.kv_states import StateCache
from codesaga.engine.port import CancelToken, Delta, EngineInfo, Finished, GenerationRequest

# Prompt tokens per decode call: a cancelled prefill keeps every step it finished, and the
# abort check between steps is cheap. Measured on a 2-core CPU: steps of 128 read a prompt
# as fast as steps of 512.
PREFILL_STEP = 128
# A read ahead (a prefill nobody waits for) steps in smaller batches: a request cancels it
# mid-step and that step's work is lost. With 128 tokens (about 0.6 s on a 2-core CPU) the
# read behind a short window, interrupted by a keystroke every second or so, never finished
# (a replay of the clip-chars trace with 0.6 s pauses: short windows to the end; with 32, the
# whole prompt was read by the 7th request). 32-token batches read about a fifth slower.
AHEAD_STEP = 32
MIN_TIMED_STEP = 8  # tokens: a read that must end at a time stops rather than read fewer
# The first decode after cached runs were moved applies their shift before it reads, and is
# not cut by a cancellation (see _applying_shifts): it reads one token, so that a cancel
# waits for little more than the shift.
SHIFT_STEP = 1
DEFAULT_STATE_CACHE_MIB = 128

log = logging.getLogger(__name__)

_Reason = Literal["stop", "length", "cancelled"]
_PARKED = 1  # the sequence where kept runs wait while the gap in front of them is read


def amx_compiled(system_info: str) -> bool:
    """Whether llama.cpp was built with its AMX matrix code (``AMX_INT8 = 1`` in its system
    info), which a build with ``GGML_NATIVE`` on an AMX CPU gets."""
    return re.search(r"\bAMX_INT8 = 1\b", system_info) is not None


def llama_server_args(cpuinfo: Path = Path("/proc/cpuinfo")) -> list[str]:
    """Arguments llama.cpp's own server needs to run on this CPU whatever its build (an
    upstream in a fault test, where only a working server matters): on one with AMX a
    native build has the crashing AMX code, which ``--no-repack`` turns off with the other
    extra buffer types (the benchmark's peer is told by its own crash instead)."""
    try:
        info = cpuinfo.read_text(errors="replace")
    except OSError:  # not Linux
        return []
    return ["--no-repack"] if re.search(r"^flags\s*:.*\bamx_tile\b", info, re.M) else []


def _without_extra_buffers(lib: Any) -> None:
    """Load every later model without llama.cpp's extra buffer types (its AMX and repacked
    weights). Its AMX code loads a tile configuration the compiler may have left half
    written, and the process dies in ``ggml_backend_amx_mul_mat`` at the first prompt
    (ggml-org/llama.cpp#26954; seen with GCC 12 on a Xeon). On that Xeon the 0.5B read
    prompts as fast without them. ``Llama`` has no parameter for it, so the defaults it
    starts from are wrapped, once for the process."""
    module = lib.llama_cpp
    defaults = module.llama_model_default_params
    if getattr(defaults, "codesaga_no_extra_buffers", False):
        return

    def no_extra_buffers() -> Any:
        params = defaults()
        params.use_extra_bufts = False
        return params

    no_extra_buffers.codesaga_no_extra_buffers = True  # type: ignore[attr-defined]
    module.llama_model_default_params = no_extra_buffers
    log.warning(
        "this llama-cpp-python was built with llama.cpp's AMX code, which crashes "
        "(ggml-org/llama.cpp#26954): models load without it and without repacked weights; "
        "scripts/dev.py builds llama-cpp-python without AMX"
    )


def _add_parking_sequence(llm: Any) -> None:
    """Give ``llm``'s context a second sequence over the same cache (``kv_unified``), for
    runs to wait in while a gap is read (see ``_read_gap``). llama-cpp-python makes its
    context with one sequence and has no parameter for more, so it is made again."""
    from llama_cpp import _internals

    params = llm.context_params
    params.n_seq_max = _PARKED + 1
    params.kv_unified = True
    llm._ctx.close()  # first: two contexts at once would hold two KV caches
    llm._ctx = _internals.LlamaContext(model=llm._model, params=params, verbose=False)


class _Pace:
    """How many prompt tokens the next step reads: ``step``, or with an ``until`` (a
    ``perf_counter`` time) what reads in the time left, at the speed of the last step."""

    def __init__(self, step: int, until: float | None) -> None:
        self._step = step
        self._until = until
        self._per_token = 0.0  # seconds a token took in the last step (with ``until``)

    def next_step(self, left: int, cancel: CancelToken | None) -> int:
        """Tokens to read next of the ``left`` to read; 0 to stop (cancelled, or too few
        fit in the time left)."""
        if cancel is not None and cancel.cancelled:
            return 0
        n = min(self._step, left)
        if self._until is None:
            return n
        # The first step is small, until a step's time tells the reading speed.
        now = time.perf_counter()
        fits = int((self._until - now) / self._per_token) if self._per_token else AHEAD_STEP
        n = min(n, fits)
        return 0 if n < min(MIN_TIMED_STEP, left) else n

    def took(self, began: float, n: int) -> None:
        self._per_token = (time.perf_counter() - began) / n


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
        if amx_compiled(llama_cpp.llama_print_system_info().decode(errors="replace")):
            _without_extra_buffers(llama_cpp)
        try:
            self._llm = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                n_batch=n_batch,
                verbose=False,
            )
            _add_parking_sequence(self._llm)
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"llama.cpp could not load {path}: {exc}") from None
        # Prompt evaluation can take seconds: llama.cpp polls this between graph nodes, so a
        # cancelled request stops mid-prompt too. It is only installed during prompt
        # evaluation; between generated tokens we check the token ourselves, for free.
        self._watched: CancelToken | None = None
        self.states = StateCache(state_cache_mib * 2**20)
        self._owner: str | None = None  # the slot whose prompt the context holds now
        # The first cache position whose keys wait for a shift llama.cpp applies at the next
        # decode (None: none): a copy of the state taken now would lose it, and the keys from
        # there would sit at the wrong positions once it is brought back.
        self._unshifted_from: int | None = None
        self._abort_callback = llama_cpp.ggml_abort_callback(self._should_abort)
        # llama.cpp reports an aborted decode on stderr as an error; for us it is a normal
        # cancellation. Load errors were raised above as exceptions.
        logging.getLogger("llama-cpp-python").setLevel(logging.CRITICAL)
        self._greedy = GreedyDecoder(self._llm, n_ctx, int(self._llm.n_vocab()))
        self._vocabulary: token_healing.Vocabulary | None = None  # see _healing_vocabulary
        self._controls: re.Pattern[str] | None = None  # see _control_spellings
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
        # Where a completion prompt's suffix begins (prefix first, as the model was trained):
        # runs kept behind a change stop there (see kv_reuse._behind_changes).
        fim = self.info.fim
        self._fim_marks = (
            (self._special_token(fim.prefix.strip()), self._special_token(fim.suffix.strip()))
            if fim
            else None
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
        return request.prompt if request.prompt is not None else self._chat_prompt(request).text

    def _chat_prompt(self, request: GenerationRequest) -> MarkedText:
        """The chat template's prompt for the request's messages, its own control tokens (the
        marks) told from those the contents spell (text): see chat_marks."""
        if self._chat is None:
            raise ModelError(f"{self.info.name} has no chat template; it cannot do chat tasks")

        def render(shown: list[dict[str, str]]) -> str:
            return str(self._chat(messages=shown).prompt)

        return marked_chat(render, request.messages, self._control_spellings())

    def _control_spellings(self) -> re.Pattern[str]:
        """A pattern of the model's control tokens' spellings, longest first (built once:
        about 0.15 s for a 150k-token vocabulary)."""
        if self._controls is None:
            lib, vocab = self._lib, self._llm._model.vocab
            spellings = {
                self._token_text(token)
                for token in range(int(self._llm.n_vocab()))
                if lib.llama_vocab_get_attr(vocab, token) & lib.LLAMA_TOKEN_ATTR_CONTROL
            }
            ordered = sorted(filter(None, spellings), key=len, reverse=True)
            self._controls = re.compile("|".join(map(re.escape, ordered)) or "(?!)")
        return self._controls

    def _tokens(self, request: GenerationRequest) -> list[int]:
        if request.prompt is not None:
            tokens = self._tokenize(request.prompt, request.marks)
        else:
            chat = self._chat_prompt(request)
            tokens = self._tokenize(chat.text, chat.marks)
        bos = self._llm.token_bos()
        if (
            self._lib.llama_vocab_get_add_bos(self._llm._model.vocab)
            and bos >= 0
            and (not tokens or tokens[0] != bos)
        ):
            tokens.insert(0, bos)
        return tokens

    def _tokenize(self, text: str, marks: tuple[Span, ...] | None) -> list[int]:
        """``text``'s tokens: special tokens only in the ``marks`` (None: wherever the text
        spells one). llama.cpp splits a text at its special tokens and reads each part
        between them on its own, so reading the parts between the marks the same way gives
        the very tokens it gave before for a text that spells no mark elsewhere. (Not quite
        for a vocabulary whose special tokens strip the spaces beside them, LSTRIP/RSTRIP,
        as llama.cpp sets for Phi-3's: those spaces are kept here. No preset has one.)"""
        tokenize = self._llm.tokenize
        if marks is None:
            return list(tokenize(text.encode("utf-8"), add_bos=False, special=True))
        tokens: list[int] = []
        at = 0
        for start, end in (*marks, (len(text), len(text))):
            if at < start:
                tokens += tokenize(text[at:start].encode("utf-8"), add_bos=False, special=False)
            if start < end:
                tokens += tokenize(text[start:end].encode("utf-8"), add_bos=False, special=True)
            at = end
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
        unhealed = len(tokens)
        tokens, healed = self._healed(request, tokens)
        max_tokens = min(request.max_tokens, n_ctx - len(tokens))
        # Prefill only (max_tokens 0): the whole prompt goes into the cache, for the request
        # that will follow it. Otherwise the last token is left for the decoder, whose logits
        # it needs.
        upto = len(tokens) if max_tokens <= 0 else len(tokens) - 1
        fresh = self._fresh_part(tokens, healed=unhealed - len(tokens))
        self._switch_to(request.cache_slot, tokens, upto, fresh)
        kept = kv_reuse.reuse(self._lib, self._llm, tokens, upto, fresh)
        if kept.shifted is not None:  # they wait, with any an earlier request left, for a decode
            waiting = self._unshifted_from
            self._unshifted_from = kept.shifted if waiting is None else min(waiting, kept.shifted)
        reused = kept.held
        started = time.perf_counter()
        # A read someone waits for (a request, or a part of its prompt read first) is not
        # cut by the next keystroke before it ends: it reads in full steps.
        ahead = max_tokens <= 0 and request.read_seconds is None
        step = AHEAD_STEP if ahead else PREFILL_STEP
        until = None if request.read_seconds is None else started + request.read_seconds
        read = self._prefill(tokens, upto, kept.gaps, cancel, step, until)
        if ahead and read:
            # A read nobody waits for (a warm-up, a read ahead) comes before a completion:
            # what healing its cursor needs is built now, not in that completion's time.
            self._healing_vocabulary()
        if not read or max_tokens <= 0:
            yield Finished.without_output(
                "length" if read else "cancelled",
                prompt_tokens=len(tokens),
                prompt_tokens_evaluated=self._held() - reused,
                prompt_seconds=time.perf_counter() - started,
            )
            return
        lookup = (
            PromptLookup(tokens) if request.temperature == 0 and request.prompt_lookup else None
        )
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        scanner = StopScanner(request.stop)
        scores: list[float] | None = [] if request.logprobs else None
        generator = self._generate(request, tokens, lookup, scores, healed)
        logprobs: list[TokenLogprob] = []
        reason, produced, first_token_at = yield from self._decode(
            generator, decoder, scanner, max_tokens, cancel, (scores, logprobs),
            healed.decode("utf-8"),
        )  # fmt: skip
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
            logprobs=tuple(logprobs),
        )

    def _healed(self, request: GenerationRequest, tokens: list[int]) -> tuple[list[int], bytes]:
        """The prompt's ``tokens`` with those token healing takes out before the cursor, and
        their bytes (see token_healing); unchanged, with none, when the request does not ask
        for it or is not decoded greedily."""
        if request.heal_at is None or request.prompt is None or request.temperature != 0:
            return tokens, b""
        if request.max_tokens <= 0:
            return tokens, b""
        # The cursor is followed by a FIM mark, a special token, so the prompt's tokens split
        # there: counting the tokens after it finds it (the suffix is short; the prefix long).
        cut = request.heal_at
        marks = request.marks
        shifted = None if marks is None else tuple((a - cut, b - cut) for a, b in marks if a >= cut)
        tail = self._tokenize(request.prompt[cut:], shifted)
        end = len(tokens) - len(tail)
        if not tail or tokens[end:] != tail:
            return tokens, b""
        return token_healing.heal(tokens, end, self._healing_vocabulary())

    def _healing_vocabulary(self) -> token_healing.Vocabulary:
        """What token healing searches, built once per model (about 0.15 s here)."""
        if self._vocabulary is None:
            vocab = self._llm._model.vocab
            pieces = token_healing.token_pieces(self._lib, vocab, int(self._llm.n_vocab()))
            self._vocabulary = token_healing.Vocabulary(pieces)
        return self._vocabulary

    def _prefill(
        self,
        tokens: list[int],
        upto: int,
        gaps: tuple[tuple[int, int], ...],
        cancel: CancelToken | None,
        step: int,
        until: float | None = None,
    ) -> bool:
        """Read ``tokens[:upto]`` into the cache: the ``gaps`` in front of runs it kept,
        then on from where it stops, a step at a time. False when cancelled, or at ``until``
        (a ``perf_counter`` time; the steps are cut to what reads in the time left): the
        steps read so far stay for the next request."""
        llm = self._llm
        pace = _Pace(step, until)
        self._watch_prompt(cancel)
        try:
            for start, end in gaps:
                if not self._read_gap(tokens, start, end, cancel, pace):
                    return False
            while llm.n_tokens < upto:
                n = self._next_step(pace, upto - llm.n_tokens, cancel)
                if not n:
                    return False
                began = time.perf_counter()
                with self._applying_shifts(cancel):
                    llm.eval(tokens[llm.n_tokens : llm.n_tokens + n])
                pace.took(began, n)
        except RuntimeError:
            # llama_decode returns "aborted" when the callback fired: the request was cancelled
            if cancel is None or not cancel.cancelled:
                raise
            return False
        finally:
            self._watch_prompt(None)
        return True

    def _read_gap(
        self, tokens: list[int], start: int, end: int, cancel: CancelToken | None, pace: _Pace
    ) -> bool:
        """Read ``tokens[start:end]`` at their positions, in front of the runs kept after
        them. llama.cpp reads a sequence's tokens only after its last cached position, so
        those runs wait in the parking sequence meanwhile. A part left unread (cancelled, or
        out of time) stays a hole: not in the cache, HOLE in ``input_ids``."""
        lib, llm = self._lib, self._llm
        memory = lib.llama_get_memory(llm._ctx.ctx)
        lib.llama_memory_seq_cp(memory, 0, _PARKED, start, -1)
        lib.llama_memory_seq_rm(memory, 0, start, -1)
        at = start
        try:
            while at < end:
                n = self._next_step(pace, end - at, cancel)
                if not n:
                    return False
                began = time.perf_counter()
                part = tokens[at : at + n]
                llm._batch.set_batch(batch=part, n_past=at, logits_all=False)
                with self._applying_shifts(cancel):
                    llm._ctx.decode(llm._batch)
                llm.input_ids[at : at + n] = part
                at += n
                pace.took(began, n)
            return True
        finally:
            lib.llama_memory_seq_rm(memory, 0, at, -1)  # what an aborted step left
            lib.llama_memory_seq_cp(memory, _PARKED, 0, -1, -1)
            lib.llama_memory_seq_rm(memory, _PARKED, -1, -1)

    def _next_step(self, pace: _Pace, left: int, cancel: CancelToken | None) -> int:
        """How many tokens the next decode reads (0: stop): the pace's step, or SHIFT_STEP
        while a shift waits (_applying_shifts: that decode is not cut, so it is kept short)."""
        n = pace.next_step(left, cancel)
        return n if self._unshifted_from is None else min(n, SHIFT_STEP)

    @contextmanager
    def _applying_shifts(self, cancel: CancelToken | None) -> Iterator[None]:
        """Around a decode: when shifts wait (cached runs were moved), llama.cpp applies them
        first, layer by layer, and forgets them even when the abort callback cuts it midway,
        leaving some layers' keys at their old positions (a read cancelled in those
        milliseconds changed every later answer from that cache). So that decode is not
        cut: the callback is off for it, and its step is short (SHIFT_STEP)."""
        if self._unshifted_from is None:
            yield
            return
        self._watch_prompt(None)
        try:
            yield
        finally:
            self._watch_prompt(cancel)
        self._unshifted_from = None

    def _held(self) -> int:
        """How many prompt tokens the cache holds (its positions less the holes)."""
        llm = self._llm
        return int(llm.n_tokens - (llm.input_ids[: llm.n_tokens] == kv_reuse.HOLE).sum())

    def _generate(
        self,
        request: GenerationRequest,
        tokens: list[int],
        lookup: PromptLookup | None,
        scores: list[float] | None,
        healed: bytes = b"",
    ) -> Generator[int, None, None]:
        """The tokens that follow the prompt ``tokens`` (all but its last token read); greedy
        decoding appends each one's log-probability to ``scores``, if given, and begins with
        the ``healed`` bytes."""
        # Every time: llama-cpp-python keeps a seed set once, and every later sampled answer
        # without one repeated it (a chat's regenerate gave the same text again).
        seed = request.seed if request.seed is not None else self._lib.LLAMA_DEFAULT_SEED
        self._llm.set_seed(seed)
        if request.temperature == 0:
            # Greedy: our own loop, so decoding with and without drafting is one piece of
            # code and takes the same decisions (it is also a little faster than the
            # library's sampler chain, which copies every token's logits).
            vocab = self._vocabulary
            heal = (vocab, healed) if healed and vocab is not None else None
            return self._greedy.decode(tokens, lookup, scores, heal)
        # Sampling for code: a narrow distribution.
        sampled: Generator[int, None, None] = self._llm.generate(
            tokens,
            top_k=40,
            top_p=0.95,
            min_p=0.05,
            temp=request.temperature,
            repeat_penalty=1.0,
            reset=True,
        )
        return sampled

    def _decode(
        self,
        generator: Generator[int, None, None],
        decoder: codecs.IncrementalDecoder,
        scanner: StopScanner,
        max_tokens: int,
        cancel: CancelToken | None,
        scoring: tuple[list[float] | None, list[TokenLogprob]],
        healed: str = "",
    ) -> Generator[Delta, None, tuple[_Reason, int, float | None]]:
        """Turn ``generator``'s tokens into text until the end of generation, a stop, a
        cancellation or ``max_tokens``: why it ended, how many tokens it took, and when the
        first came. ``scoring``: the log-probabilities the generator appends to (None: it
        does not), and where each token's start in the text and score go. ``healed``: the
        text the tokens begin with that the prompt had (token healing), left out."""
        lib, vocab = self._lib, self._llm._model.vocab
        scores, logprobs = scoring
        first_token_at: float | None = None
        produced = 0
        position = 0  # characters decoded so far: where the next token's text starts
        reason: _Reason = "length"
        # The first token's decode applies any shift still waiting (the prompt was held
        # whole): it is not cut (see _applying_shifts), and it reads one token.
        self._watch_prompt(None if self._unshifted_from is not None else cancel)
        try:
            for token in generator:
                if first_token_at is None:
                    first_token_at = time.perf_counter()
                    self._watch_prompt(None)
                    self._unshifted_from = None  # that decode applied any shift waiting
                # A control token is never part of an answer: the end of a turn (an end of
                # generation), or the start of another prompt part (<|fim_prefix|>,
                # <|im_start|>), after which the model writes what belongs to no answer.
                if lib.llama_vocab_is_eog(vocab, token) or lib.llama_vocab_is_control(vocab, token):
                    reason = "stop"
                    break
                produced += 1
                piece = decoder.decode(self._llm.detokenize([token]))
                if healed:
                    cut = min(len(healed), len(piece))
                    piece, healed = piece[cut:], healed[cut:]
                if scores:
                    logprobs.append((position, scores[-1]))
                position += len(piece)
                text = scanner.feed(piece)
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
        return reason, produced, first_token_at

    # -- what the KV cache holds --------------------------------------------------------

    def _special_token(self, mark: str) -> int | None:
        marks = self._llm.tokenize(mark.encode(), add_bos=False, special=True)
        return marks[0] if len(marks) == 1 else None

    def _fresh_part(self, tokens: list[int], healed: int = 0) -> kv_reuse.Fresh:
        """What of the prompt is read again once the text in front of it changed
        (kv_reuse._behind_changes). In a completion prompt built prefix first, its suffix
        (from its last FIM suffix mark, after the prefix mark), behind new or dropped tokens
        (but for the ``healed`` tokens token healing took out before it); built suffix first,
        or a prefix read ahead without its suffix, nothing: the prefix window is what is worth
        keeping. In any other prompt, everything behind new tokens: a chat task's
        instructions come after the code it is given, and the 1.5B's answer to a refactor
        changed when they were kept behind another file's code; a conversation's older turns
        dropped keep the rest, as before."""
        prefix, suffix = self._fim_marks or (None, None)
        last = {token: i for i, token in enumerate(tokens) if token in (prefix, suffix)}
        if prefix is None or prefix not in last:
            return kv_reuse.Fresh(0)
        at = last.get(suffix) if suffix is not None else None
        if at is not None and last[prefix] < at:
            return kv_reuse.Fresh(at, drops=True, healed=healed)
        return kv_reuse.Fresh()

    def _switch_to(
        self, slot: str | None, tokens: list[int], upto: int, fresh: kv_reuse.Fresh
    ) -> None:
        """Make ``slot`` the context's owner: save the owner's state if another slot takes
        over, and bring ``slot``'s saved state back if more of ``tokens`` can be kept from it
        than from what the context holds now."""
        if slot == self._owner:
            return
        # Taken before the owner's state is saved: saving it may push this one out of the
        # cache (two states that each fit but not together were never brought back).
        saved = self.states.get(slot) if slot is not None else None
        if self._owner is not None and self._llm.n_tokens > 0:
            self._save(self._owner)
        self._owner = slot
        if saved is None:
            return
        now = kv_reuse.reusable(held_tokens(self._llm), tokens, upto, fresh)
        if kv_reuse.reusable(saved.tokens, tokens, upto, fresh) <= now:
            return
        kv_states.restore(self._lib, self._llm, saved)
        self._unshifted_from = None

    def _save(self, slot: str) -> None:
        held = held_tokens(self._llm)
        if self._unshifted_from is not None:
            held = held[: self._unshifted_from]  # what follows would come back unshifted
        saved = self.states.get(slot)
        if saved is not None and saved.tokens == held:
            return  # nothing new since it was saved
        state = kv_states.capture(self._lib, self._llm, held, self.states.budget)
        if state is not None:
            self.states.put(slot, state)

    def forget(self) -> None:
        """Drop the KV cache (the next prompt is read in full): llama.cpp's numbers depend
        slightly on how a prompt was split into batches, so exact comparisons start here."""
        self._llm.reset()  # type: ignore[no-untyped-call]
        self._owner = None
        self._unshifted_from = None

    def close(self) -> None:
        self._llm.close()
