"""A scripted engine for tests: ``enqueue`` answers (and, if wanted, how sure the model was
of each token), read ``history`` of what was asked."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator, Sequence

from codesaga.domain.errors import ContextTooLongError
from codesaga.domain.fim import QWEN, FimFormat
from codesaga.domain.stops import StopScanner
from codesaga.engine.port import CancelToken, Delta, EngineInfo, Finished, GenerationRequest

PREFILL_STEP = 32  # prompt tokens a prefill reads per ``delay``


class FakeEngine:
    """Answers with scripted text, token by token (a token is a word or a run of spaces).

    Counts a token per four characters of the rendered prompt, so context limits can be
    tested. ``delay`` seconds pass between tokens (and between prefill steps), so
    cancellation can be tested too; ``prompt_delay`` seconds pass between the steps of a
    request's prompt read (none by default: the prompt is read at once).
    """

    def __init__(
        self,
        name: str = "fake",
        n_ctx: int = 4096,
        *,
        delay: float = 0.0,
        fim: FimFormat | None = QWEN,
    ) -> None:
        self.info = EngineInfo(name=name, path=None, n_ctx=n_ctx, family="fake", fim=fim)
        self.delay = delay
        self.prompt_delay = 0.0
        self.history: list[GenerationRequest] = []
        self._script: deque[tuple[list[str], list[float] | None]] = deque()
        self.closed = False

    def enqueue(
        self, answer: str | Sequence[str], logprobs: float | Sequence[float] | None = None
    ) -> None:
        """Script the next answer: a string (split into word tokens) or explicit tokens.
        ``logprobs``: each token's log-probability, or one for them all, reported when a
        request asks (``GenerationRequest.logprobs``); None reports none, as a remote
        engine does."""
        tokens = _tokens(answer) if isinstance(answer, str) else list(answer)
        if logprobs is None or isinstance(logprobs, Sequence):
            scores = None if logprobs is None else list(logprobs)
        else:
            scores = [float(logprobs)] * len(tokens)
        if scores is not None and len(scores) != len(tokens):
            raise ValueError(f"{len(scores)} log-probabilities for {len(tokens)} tokens")
        self._script.append((tokens, scores))

    def render(self, request: GenerationRequest) -> str:
        if request.prompt is not None:
            return request.prompt
        return "".join(f"<{m.role}>\n{m.content}\n" for m in request.messages) + "<assistant>\n"

    def count_tokens(self, request: GenerationRequest) -> int:
        return max(1, len(self.render(request)) // 4)

    def stream(
        self, request: GenerationRequest, cancel: CancelToken | None = None
    ) -> Iterator[Delta | Finished]:
        prompt_tokens = self.count_tokens(request)
        if prompt_tokens + request.reserve > self.info.n_ctx:
            raise ContextTooLongError(prompt_tokens, self.info.n_ctx, request.reserve)
        self.history.append(request)
        if request.max_tokens <= 0:  # a prefill: nothing to say, and no scripted answer used
            seconds = request.read_seconds
            until = None if seconds is None else time.monotonic() + seconds
            read = _read_prompt(prompt_tokens, self.delay, cancel, until)
            yield Finished.without_output(
                "cancelled" if read < prompt_tokens else "length",
                prompt_tokens=prompt_tokens,
                prompt_tokens_evaluated=read,
            )
            return
        if self.prompt_delay:
            read = _read_prompt(prompt_tokens, self.prompt_delay, cancel)
            if read < prompt_tokens:
                yield Finished.without_output(
                    "cancelled", prompt_tokens=prompt_tokens, prompt_tokens_evaluated=read
                )
                return
        tokens, scores = self._script.popleft() if self._script else ([], None)
        scanner = StopScanner(request.stop)
        started = time.perf_counter()
        produced = 0
        position = 0  # where the next token's text starts
        logprobs: list[tuple[int, float]] = []
        reason: str = "stop"
        most = min(request.max_tokens, self.info.n_ctx - prompt_tokens)  # as llama.cpp's
        for token, score in zip(tokens, scores or [0.0] * len(tokens), strict=True):
            if cancel is not None and cancel.cancelled:
                reason = "cancelled"
                break
            if produced >= most:
                reason = "length"
                break
            if self.delay:
                time.sleep(self.delay)
            produced += 1
            if scores is not None and request.logprobs:
                logprobs.append((position, score))
            position += len(token)
            text = scanner.feed(token)
            if text:
                yield Delta(text)
            if scanner.stopped:
                break
        else:
            rest = scanner.flush()
            if rest:
                yield Delta(rest)
        elapsed = time.perf_counter() - started
        yield Finished(
            reason=reason,  # type: ignore[arg-type]
            prompt_tokens=prompt_tokens,
            prompt_tokens_evaluated=prompt_tokens,
            completion_tokens=produced,
            prompt_seconds=0.0,
            generation_seconds=elapsed,
            logprobs=tuple(logprobs),
        )

    def close(self) -> None:
        self.closed = True


def _tokens(text: str) -> list[str]:
    import re

    return re.findall(r"\s+|\S+", text)


def _read_prompt(
    prompt_tokens: int, delay: float, cancel: CancelToken | None, until: float | None = None
) -> int:
    """How much of a prompt is read, a step of PREFILL_STEP tokens per ``delay``, before a
    cancel or ``until`` (a ``time.monotonic`` time) stops it: what was read stays."""
    read = 0
    while read < prompt_tokens and not (cancel is not None and cancel.cancelled):
        if until is not None and time.monotonic() + delay > until:
            break
        if delay:
            time.sleep(delay)
        read = min(prompt_tokens, read + PREFILL_STEP)
    return read
