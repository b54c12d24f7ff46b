"""The Engine port: a small, streaming, cancellable interface to a language model.

An engine is not thread-safe; exactly one worker may call ``stream`` at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from codesaga.domain.confidence import TokenLogprob
from codesaga.domain.fim import FimFormat
from codesaga.domain.marked_text import Span, check_marks
from codesaga.domain.prompts import Message


class CancelToken:
    """Set from any thread; the engine checks it between tokens. ``also``: another token
    that cancels this one too (a request's own, for work done on its behalf)."""

    def __init__(self, also: CancelToken | None = None) -> None:
        self._event = threading.Event()
        self._also = also
        self._reason: str | None = None

    def cancel(self, reason: str | None = None) -> None:
        """``reason``: why, when it is news to the one who asked (the daemon stopping)."""
        if reason is not None and self._reason is None:
            self._reason = reason
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or (self._also is not None and self._also.cancelled)

    @property
    def reason(self) -> str | None:
        if self._reason is not None or self._also is None:
            return self._reason
        return self._also.reason


@dataclass(frozen=True)
class Infill:
    """A completion's parts, for servers with their own fill-in-the-middle endpoint
    (llama.cpp's /infill); local engines use the request's FIM ``prompt`` instead."""

    before: str
    after: str
    files: tuple[tuple[str, str], ...] = ()  # (path, text) of other files' chunks


@dataclass(frozen=True)
class GenerationRequest:
    """Either chat ``messages`` (rendered with the model's own template) or a raw ``prompt``."""

    messages: Sequence[Message] = ()
    prompt: str | None = None
    # Where ``prompt``'s format puts its own special tokens (``MarkedText.marks``): the rest
    # is read as plain text, so code that spells "<|fim_middle|>" or "<|im_end|>" is text to
    # the model, not a mark that ends a part of its prompt. None: the prompt is the caller's
    # own, special tokens read wherever it spells them (the OpenAI API's raw prompt).
    # (Messages' contents are always text; their template's marks are the engine's.)
    marks: tuple[Span, ...] | None = ()
    max_tokens: int = 512
    temperature: float = 0.0
    stop: Sequence[str] = ()
    seed: int | None = None
    # Tokens kept free for the answer when checking that the prompt fits the context.
    reserve: int = 64
    # A conversation's name: the engine keeps its model state after answering, and brings
    # it back when another request used the model in between, so the next turn only
    # evaluates what is new. None: no state is kept.
    cache_slot: str | None = None
    # Fast apply: at temperature 0, draft the next tokens from the prompt itself (a rewrite
    # mostly copies its input) and verify them in one batch. Same output, fewer steps.
    prompt_lookup: bool = False
    # The files whose content is in the prompt: files matched by private_paths never
    # leave the machine (the router keeps such a request local or refuses it).
    sources: tuple[str, ...] = ()
    infill: Infill | None = None
    # Report each generated token's log-probability in ``Finished.logprobs`` (greedy local
    # decoding only: sampled and remote answers report none). Costs a softmax per token.
    logprobs: bool = False
    # A prefill only (max_tokens 0): stop reading, between steps, once about this many
    # seconds have passed; what was read stays in the cache and the reason is "cancelled".
    read_seconds: float | None = None
    # Where in ``prompt`` the generated text goes (the end of a fill-in-the-middle prefix):
    # an engine that can steer greedy decoding takes the prompt's last tokens before it out
    # and makes the generation begin with their text (token healing: the cursor is often
    # inside a token), then returns what follows that text. Others ignore it.
    heal_at: int | None = None

    def __post_init__(self) -> None:
        if (self.prompt is None) == (not self.messages):
            raise ValueError("give exactly one of messages or prompt")
        if self.prompt is not None and self.marks:
            check_marks(self.prompt, self.marks)


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True, kw_only=True)
class Finished:
    reason: Literal["stop", "length", "cancelled"]
    prompt_tokens: int
    prompt_tokens_evaluated: int  # after reusing the KV cache's common prefix
    completion_tokens: int
    prompt_seconds: float  # until the first token was sampled
    generation_seconds: float  # after that
    text: str = ""
    drafted: int = 0  # fast apply: tokens guessed from the prompt ...
    draft_accepted: int = 0  # ... and how many of them the model confirmed
    # With ``request.logprobs``: each generated token's start in ``text`` and log-probability
    # (tokens of a stop string start at or past its end). Empty: the engine reported none.
    logprobs: tuple[TokenLogprob, ...] = ()

    @classmethod
    def without_output(
        cls,
        reason: Literal["stop", "length", "cancelled"] = "stop",
        *,
        prompt_tokens: int = 0,
        prompt_tokens_evaluated: int = 0,
        prompt_seconds: float = 0.0,
    ) -> Finished:
        """A request that generated nothing: answered without the model, or a prefill."""
        return cls(
            reason=reason,
            prompt_tokens=prompt_tokens,
            prompt_tokens_evaluated=prompt_tokens_evaluated,
            completion_tokens=0,
            prompt_seconds=prompt_seconds,
            generation_seconds=0.0,
        )


Event = Delta | Finished


@dataclass(frozen=True)
class EngineInfo:
    name: str  # preset name or file name
    path: str | None
    n_ctx: int
    family: str | None = None
    fim: FimFormat | None = None
    metadata: dict[str, str] = field(default_factory=dict)


class Engine(Protocol):
    info: EngineInfo

    def count_tokens(self, request: GenerationRequest) -> int:
        """Tokens the rendered prompt of ``request`` takes."""
        ...

    def stream(
        self, request: GenerationRequest, cancel: CancelToken | None = None
    ) -> Iterator[Delta | Finished]:
        """Yield text deltas, then exactly one ``Finished``.

        Raises ``ContextTooLongError`` before generating when the prompt does not fit.
        Cancellation is checked between tokens; the stream then ends with reason "cancelled".
        """
        ...

    def close(self) -> None: ...


def collect(
    engine: Engine,
    request: GenerationRequest,
    on_delta: Callable[[str], None] | None = None,
    cancel: CancelToken | None = None,
) -> Finished:
    """Run a request to the end; the returned ``Finished`` carries the whole text."""
    parts: list[str] = []
    for event in engine.stream(request, cancel):
        if isinstance(event, Delta):
            parts.append(event.text)
            if on_delta:
                on_delta(event.text)
        else:
            return replace(event, text="".join(parts))
    raise RuntimeError("engine stream ended without Finished")
