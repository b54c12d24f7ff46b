"""What runs for the documents being completed: at most one generation per document
(latest wins), which a request that only extends its prompt joins instead of starting its
own, and the reads ahead that any request someone waits for cancels.

Not thread-safe: the completer calls the registry with its lock held, so that deciding on a
running generation and changing it are one step.
"""

from __future__ import annotations

import itertools
import threading
import time

from codesaga.domain.completion import unfinished
from codesaga.domain.confidence import Confidence, confidence
from codesaga.domain.errors import CancelledError
from codesaga.engine.port import CancelToken, Finished
from codesaga.service.resolved_prompt import ResolvedPrompt, typed_since

WAIT_SLICE = 0.02  # how often a waiting request checks its cancel token
REPLACED = "a newer completion for this document replaced this one"  # latest wins


class Generation:
    """One generation of a completion, and how many requests wait for it."""

    def __init__(self, prompt: ResolvedPrompt, background: bool) -> None:
        self.prompt = prompt
        self.background = background  # speculative, or nobody waits for it any more
        self.cancel = CancelToken()
        self.parts: list[str] = []
        self.done = threading.Event()
        self.finished: Finished | None = None
        self.error: BaseException | None = None
        self.settled = False
        self.waiters = 0
        self.stale = False  # a newer request for its document replaced it

    def raw(self) -> str:
        return self.prompt.answer("".join(self.parts))

    @property
    def succeeded(self) -> bool:
        f = self.finished
        return f is not None and (f.reason != "cancelled" or self.settled)

    def take(self, text: str) -> None:
        """More output; once what is kept of it is settled, generating stops."""
        self.parts.append(text)
        if self.prompt.settled(self.raw()):
            self.settled = True
            self.cancel.cancel()

    def suggestion(self) -> str:
        text = self.prompt.suggestion(self.raw())
        if self.finished is not None and self.finished.reason == "length" and unfinished(text):
            # Cut off by the token limit inside a string or a bracket of its own (`'yonder',
            # 'z`): only the lines it finished are offered. A line the rules cut where it
            # closes what it opened is whole, and kept.
            return self.finished_lines()
        return text

    def confidence(self, typed: str = "") -> Confidence | None:
        """How sure the model was of its suggestion, once it finished, past the ``typed``
        start of it that the user typed since it started; None if the engine did not say."""
        if self.finished is None or not self.finished.logprobs:
            return None
        generated = "".join(self.parts)
        start = len(generated) - len(self.raw()) + len(typed)  # past the prompt's typed space
        return confidence(generated, self.finished.logprobs, start)

    def finished_lines(self) -> str:
        """The suggestion from the lines generated to their end so far."""
        raw = self.raw()
        return self.prompt.suggestion(raw[: raw.rfind("\n")] if "\n" in raw else "")

    def wait(self, cancel: CancelToken | None, deadline: float | None) -> bool:
        """Whether it finished by ``deadline`` (a ``time.monotonic()``; None: no limit).
        Raises CancelledError as soon as ``cancel`` is."""
        while True:
            timeout = (
                WAIT_SLICE if deadline is None else min(WAIT_SLICE, deadline - time.monotonic())
            )
            if self.done.wait(max(timeout, 0.0)):
                return True
            if cancel is not None and cancel.cancelled:
                raise CancelledError("the request was cancelled")
            if deadline is not None and time.monotonic() >= deadline:
                return False


TRACKED_DOCUMENTS = 256  # documents whose newest request's number is kept (see arrive)


class InFlight:
    """The running generation of each document, and its running read ahead."""

    def __init__(self) -> None:
        self._generations: dict[str, Generation] = {}
        self._reads: dict[str, CancelToken] = {}
        self._newest: dict[str, int] = {}  # document -> its newest request's number
        self._arrivals = itertools.count()

    def arrive(self, doc: str) -> int:
        """A request for ``doc`` arrived: its number, for ``is_newest``. The numbers of
        documents with nothing running are forgotten once TRACKED_DOCUMENTS have some."""
        if doc not in self._newest and len(self._newest) >= TRACKED_DOCUMENTS:
            busy = self._generations.keys() | self._reads.keys()
            self._newest = {d: n for d, n in self._newest.items() if d in busy}
        number = self._newest[doc] = next(self._arrivals)
        return number

    def is_newest(self, doc: str, number: int) -> bool:
        """Whether request ``number`` is still the newest for ``doc`` (a request that waited
        for something, such as reading its prompt first, is stale once another came)."""
        return self._newest.get(doc) == number

    def __len__(self) -> int:
        return len(self._generations)

    def __contains__(self, doc: str) -> bool:
        return doc in self._generations

    def supersede(self, prompt: ResolvedPrompt) -> None:
        """Latest wins: a generation someone waits for, that ``prompt`` does not extend, is
        stale (even when ``prompt`` is answered without the model)."""
        current = self._generations.get(prompt.doc)
        if (
            current is not None
            and current.waiters > 0
            and typed_since(current.prompt, prompt) is None
        ):
            current.stale = True
            current.cancel.cancel()

    def attach(self, prompt: ResolvedPrompt) -> tuple[Generation, str | None]:
        """The generation that will answer ``prompt``, and what was typed since it started
        (None: it is a new one, for the caller to run). Stale and background generations
        are cancelled, and so are reads ahead (what they read stays in the KV cache)."""
        current = self._generations.get(prompt.doc)
        if current is not None and (not current.cancel.cancelled or current.settled):
            typed = typed_since(current.prompt, prompt)
            raw = current.raw()
            if typed is not None and (raw.startswith(typed) or typed.startswith(raw)):
                current.waiters += 1
                current.background = False
                return current, typed
            current.stale = True
            current.cancel.cancel()  # latest wins
        for other in self._generations.values():
            if other.background:
                other.cancel.cancel()
        for read in self._reads.values():
            read.cancel()
        gen = Generation(prompt, background=False)
        gen.waiters = 1
        self._generations[prompt.doc] = gen
        return gen, None

    def detach(self, gen: Generation) -> None:
        # Nobody waits any more, but the next keystroke may extend it: it runs on in the
        # background until a request that cannot use it cancels it.
        gen.waiters -= 1
        if gen.waiters <= 0:
            gen.background = True

    def speculate(self, prompt: ResolvedPrompt) -> Generation | None:
        """A new background generation for ``prompt``, for the caller to run; None when its
        document has one running."""
        if prompt.doc in self._generations:
            return None
        gen = self._generations[prompt.doc] = Generation(prompt, background=True)
        return gen

    def finish(self, gen: Generation) -> None:
        if self._generations.get(gen.prompt.doc) is gen:
            del self._generations[gen.prompt.doc]

    def begin_read(self, doc: str, token: CancelToken) -> None:
        """A read ahead of ``doc``'s prompt starts; the one it replaces is cancelled."""
        previous = self._reads.get(doc)
        if previous is not None:
            previous.cancel()
        self._reads[doc] = token

    def end_read(self, doc: str, token: CancelToken) -> None:
        if self._reads.get(doc) is token:
            del self._reads[doc]

    def focus(self, doc: str) -> None:
        """The user turned to ``doc``: the background work of other documents (a guess at
        their next keystroke, a read ahead) is of no use now, and would hold up ``doc``'s."""
        for other, gen in self._generations.items():
            if other != doc and gen.background:
                gen.cancel.cancel()
        for other, read in self._reads.items():
            if other != doc:
                read.cancel()

    def cancel_all(self) -> None:
        for gen in self._generations.values():
            gen.cancel.cancel()
        for read in self._reads.values():
            read.cancel()
