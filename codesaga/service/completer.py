"""Inline completion: the path typed against, so every step is about latency.

A request is answered, cheapest first, from:

1. the LRU of recent completions, keyed by the exact prompt (a speculative completion
   lands here too);
2. type-through: the user typed the first characters of a suggestion shown for this
   document, so the rest is returned without the model;
3. a generation already under way for this document whose prompt this one extends
   (the user typed on while it ran), if what it produced so far agrees with the typing;
4. a new generation, which cancels the document's stale one (latest wins) and any
   background work. It stops as soon as post-processing has decided the suggestion.

After answering, the completion that follows the suggestion's acceptance is generated in the
background at the lowest priority, to be cancelled by the next real request if it is not the
one wanted. What a prompt shows is decided in domain/completion_prompt.py; the answers kept
are in completion_cache.py, the generations running in inflight.py.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from codesaga.domain.completion import CompletionOptions, type_through
from codesaga.domain.completion_prompt import (
    PromptLayout,
    WindowLimits,
    after_accepting,
    lay_out,
    prompt_windows,
    shared_prefix,
    short_windows,
    split_at_line,
)
from codesaga.domain.context import CodeContext
from codesaga.domain.enums import Role
from codesaga.domain.errors import CancelledError, ModelError
from codesaga.domain.fim import WindowAnchor, anchor_at
from codesaga.domain.repo_context import Chunk, ContextRing
from codesaga.engine.port import CancelToken, Finished, GenerationRequest
from codesaga.service.completion_cache import CompletionCache
from codesaga.service.inflight import Generation, InFlight
from codesaga.service.resolved_prompt import ResolvedPrompt, document_slot
from codesaga.service.runner import ModelRunner, Priority
from codesaga.settings import Settings

logger = logging.getLogger(__name__)

DOCUMENTS_TRACKED = 32  # documents whose prompt reuse `stats` reports
CONTEXT_REFRESH_IDLE = 1.0  # seconds without completions before new ring chunks are used
CHARS_PER_TOKEN = 3.5  # code, for estimating what a prompt costs to read
SPEED_WEIGHT = 0.3  # of the newest measurement in the prompt reading speed's moving average


@dataclass
class Completion:
    text: str
    model: str
    source: str  # model | cache | type-through | in-flight
    finished: Finished | None = None
    partial: bool = False  # the time budget ran out: only finished lines
    candidates: list[str] | None = None  # when several were asked for


def window_limits(settings: Settings) -> WindowLimits:
    """How much of the document a completion prompt shows, as configured."""
    return WindowLimits(
        prefix_chars=settings.completion_prefix_chars,
        suffix_chars=settings.completion_suffix_chars,
        suffix_lines=settings.completion_suffix_lines,
        suffix_lines_midline=settings.completion_suffix_lines_midline,
    )


class Completer:
    def __init__(self, settings: Settings, runner: ModelRunner, *, speculate: bool) -> None:
        self.settings = settings
        self.runner = runner
        self.may_speculate = speculate
        # Guards the cache, the in-flight registry and the per-document state below: a
        # decision on one and the change it makes to another are one step.
        self._lock = threading.Lock()
        self._cache = CompletionCache()
        self._inflight = InFlight()
        self._anchors: dict[str, WindowAnchor] = {}
        self._documents: OrderedDict[str, Counter[str]] = OrderedDict()
        self._last_read: dict[str, str] = {}  # slot -> the last prompt text given to the model
        self._read_speed: float | None = None  # prompt tokens read per second, lately
        self._rings: dict[str, ContextRing] = {}
        self._snapshots: dict[str, tuple[int, tuple[Chunk, ...]]] = {}
        self._last_request = 0.0
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="complete")
        self.counts: Counter[str] = Counter()

    def reconfigure(self, settings: Settings) -> None:
        """New settings (config.toml changed); cached completions made under other
        completion settings (max tokens, lines) are forgotten."""
        changed = any(
            getattr(settings, f.name) != getattr(self.settings, f.name)
            for f in dataclasses.fields(settings)
            if f.name.startswith("completion_")
        )
        self.settings = settings
        if changed:
            with self._lock:
                self._cache.clear_answers()

    @property
    def speculate(self) -> bool:
        """Guess the next completion while the editor is idle (the daemon's completer only)."""
        return self.may_speculate and bool(self.settings.completion_speculate)

    # -- repository context -----------------------------------------------------------

    def ring(self, workspace: str) -> ContextRing:
        with self._lock:
            ring = self._rings.get(workspace)
            if ring is None:
                ring = self._rings[workspace] = ContextRing()
            return ring

    def add_context(
        self, workspace: str, path: str, text: str, origin: str, line: int | None = None
    ) -> bool:
        ring = self.ring(workspace)
        with self._lock:
            return ring.add(path, text, origin, line)

    def refresh_file(self, path: str, content: str | None) -> None:
        """A file in some ring changed on disk or was deleted (watchfiles tells us)."""
        with self._lock:
            for ring in self._rings.values():
                ring.refresh(path, content)

    def watched_paths(self) -> set[str]:
        with self._lock:
            return set().union(*(ring.paths() for ring in self._rings.values()))

    def _context_chunks(self, workspace: str | None) -> tuple[Chunk, ...]:
        """The ring's chunks as last used; new ones are taken only after a pause in typing,
        so a chunk pushed mid-word does not invalidate the KV cache under the user.
        Called with the lock held."""
        if workspace is None or workspace not in self._rings:
            return ()
        ring = self._rings[workspace]
        version, chunks = self._snapshots.get(workspace, (-1, ()))
        idle = time.monotonic() - self._last_request >= CONTEXT_REFRESH_IDLE
        if version != ring.version and (idle or version == -1):
            chunks = ring.chunks()
            self._snapshots[workspace] = (ring.version, chunks)
        return chunks

    # -- warming up -----------------------------------------------------------------------

    def warm(
        self,
        path: str,
        text: str,
        line: int | None,
        *,
        workspace: str | None = None,
        model: str | None = None,
    ) -> None:
        """Read a document's prompt, up to the cursor's line, before its first completion
        (an editor opened it or switched to it). It runs at idle priority in the background;
        any request someone waits for cancels it at once, and what it read stays in the KV
        cache for that request."""
        self._executor.submit(self._warm, path, text, line, workspace, model)

    def _warm(
        self, path: str, text: str, line: int | None, workspace: str | None, model: str | None
    ) -> None:
        try:
            info, _ = self.runner.info(Role.COMPLETION, model)  # loads the model if need be
        except Exception:  # a warm-up is a favour: the completion will report the real error
            logger.debug("warming %s failed", path, exc_info=True)
            return
        if info.fim is None:
            return
        before, after = split_at_line(text, line)
        layout = self._layout(path, path, before, after, workspace, ())
        ahead = info.fim.stable_start(
            layout.windows.before, layout.files, layout.name, suffix_first=self._suffix_first
        )
        self._read_ahead(path, document_slot(path), ahead, layout.sources, model)

    def _read_ahead(
        self, doc: str, slot: str, text: str, sources: tuple[str, ...], model: str | None
    ) -> None:
        """Read ``text`` into the model's KV cache (slot ``slot``) at idle priority, on this
        thread. Any request someone waits for cancels it at once, keeping what was read."""
        token = CancelToken()
        with self._lock:
            self._inflight.begin_read(doc, token)
            held = shared_prefix(self._last_read.get(slot, ""), text)
        request = GenerationRequest(
            prompt=text,
            max_tokens=0,
            reserve=16 + self.settings.completion_max_tokens,
            sources=sources,
            cache_slot=slot,
        )
        try:
            outcome = self.runner.run(
                Role.COMPLETION, request, cancel=token, priority=Priority.IDLE, model=model
            )
            read = outcome.finished
            cancelled = read.reason == "cancelled"
            self._count_prompt(doc, read, "warm-ups cancelled" if cancelled else "warm-ups")
            # What the model now holds, as far as the next request's estimate goes: a
            # cancelled read kept the steps it finished.
            if cancelled:
                held += int(read.prompt_tokens_evaluated * CHARS_PER_TOKEN)
            with self._lock:
                self._last_read[slot] = text if not cancelled else text[:held]
        except CancelledError:
            self._count("warm-ups cancelled")
        except Exception:  # a favour: the completion will report the real error
            logger.debug("reading ahead for %s failed", doc, exc_info=True)
        finally:
            with self._lock:
                self._inflight.end_read(doc, token)

    # -- the request ----------------------------------------------------------------------

    def complete(
        self,
        ctx: CodeContext,
        options: CompletionOptions,
        *,
        workspace: str | None = None,
        chunks: Sequence[tuple[str, str]] = (),
        cancel: CancelToken | None = None,
        model: str | None = None,
    ) -> Completion:
        prompt = self._prompt(ctx, options, workspace, chunks, model)
        self._count("requests")
        answer = self._answer(prompt, options, cancel)
        self._last_request = time.monotonic()
        if answer.text:
            with self._lock:
                self._cache.remember(prompt, answer.text, self.settings.completion_cache_size)
            if self.speculate and not answer.partial:
                self._speculate(ctx, answer.text, options, workspace, chunks, model)
        if options.candidates > 1 and not answer.partial:
            answer.candidates = self._candidates(prompt, answer.text, options.candidates, cancel)
        return answer

    def _answer(
        self, prompt: ResolvedPrompt, options: CompletionOptions, cancel: CancelToken | None
    ) -> Completion:
        with self._lock:
            self._inflight.supersede(prompt)
            hit = self._cache.lookup(prompt)
        if hit is not None:
            text, source = hit
            self._count(source)
            return Completion(text, prompt.model_name, source)
        deadline = time.monotonic() + options.time_budget if options.time_budget else None
        read_budget = options.time_budget or self.settings.completion_read_budget_ms / 1000
        if read_budget and self._reading_exceeds(prompt, read_budget):
            # Never wait for a re-read: answer from a short window now, then read the whole
            # prompt in the background, where the next keystroke will find it.
            self._count("short-window")
            try:
                short = short_windows(prompt.before, prompt.after, window_limits(self.settings))
                shortened = prompt.shortened(short, suffix_first=self._suffix_first)
                return self._from_model(shortened, deadline, cancel)
            finally:
                self._executor.submit(
                    self._read_ahead, prompt.doc, prompt.slot, prompt.text, prompt.sources,
                    prompt.model,
                )  # fmt: skip
        return self._from_model(prompt, deadline, cancel)

    def _from_model(
        self, prompt: ResolvedPrompt, deadline: float | None, cancel: CancelToken | None
    ) -> Completion:
        for _ in range(2):  # a reused generation may turn out to disagree: then run our own
            gen, typed = self._attach(prompt)
            try:
                done = gen.wait(cancel, deadline)
            finally:
                with self._lock:
                    self._inflight.detach(gen)
            if not done:
                self._count("partial")
                return Completion(gen.finished_lines(), prompt.model_name, "model", None, True)
            if gen.error is not None:
                raise gen.error
            if not gen.succeeded:
                raise CancelledError("a newer completion for this document replaced this one")
            text = gen.suggestion()
            if typed is None:
                self._count("model")
                return Completion(text, prompt.model_name, "model", gen.finished)
            rest = (
                type_through(gen.prompt.before, gen.prompt.after, text, prompt.before, prompt.after)
                if typed
                else text
            )
            if rest is not None:
                self._count("in-flight")
                return Completion(rest, prompt.model_name, "in-flight", gen.finished)
        raise CancelledError("a newer completion for this document replaced this one")

    def _reading_exceeds(self, prompt: ResolvedPrompt, budget: float) -> bool:
        """Whether reading what the model does not hold of ``prompt`` yet would take longer
        than ``budget`` seconds (an estimate from the prompt last read in its slot and the
        speed prompts were read at lately; False until a speed was measured)."""
        with self._lock:
            speed = self._read_speed
            last = self._last_read.get(prompt.slot, "")
        if speed is None:
            return False
        held = shared_prefix(last, prompt.text)
        return (len(prompt.text) - held) / CHARS_PER_TOKEN / speed > budget

    def _prompt(
        self,
        ctx: CodeContext,
        options: CompletionOptions,
        workspace: str | None,
        extra: Sequence[tuple[str, str]],
        model: str | None,
    ) -> ResolvedPrompt:
        info, resolved = self.runner.info(Role.COMPLETION, model)
        fim = info.fim
        if fim is None:
            raise ModelError(
                f"{resolved.name} has no fill-in-the-middle tokens, so it cannot complete "
                "code; point model_completion at a code model such as qwen2.5-coder-0.5b"
            )
        doc = ctx.path or "untitled"
        layout = self._layout(doc, ctx.path, ctx.before, ctx.after, workspace, extra)
        lines = options.lines_allowed(ctx.before, ctx.after)
        return ResolvedPrompt.laid_out(
            doc, model, resolved.name, ctx.before, ctx.after, lines, fim, layout,
            suffix_first=self._suffix_first,
        )  # fmt: skip

    def _layout(
        self,
        doc: str,
        path: str | None,
        before: str,
        after: str,
        workspace: str | None,
        extra: Sequence[tuple[str, str]],
    ) -> PromptLayout:
        """What of document ``doc`` (its file ``path``, if it has one) and of other files a
        prompt shows; moves the document's window anchor."""
        s = self.settings
        limits = window_limits(s)
        with self._lock:
            windows = prompt_windows(before, after, self._anchors.get(doc), limits)
            self._anchors[doc] = anchor_at(before, windows.start)
            ring_chunks = self._context_chunks(workspace)
        return lay_out(
            windows, path, workspace, ring_chunks, extra, context_chars=s.completion_context_chars
        )

    @property
    def _suffix_first(self) -> bool | None:
        return {"psm": False, "spm": True}.get(self.settings.completion_order)

    # -- generations ------------------------------------------------------------------

    def _attach(self, prompt: ResolvedPrompt) -> tuple[Generation, str | None]:
        """The generation that will answer ``prompt`` (a new one is started), and what was
        typed since it started (None: it is a new one)."""
        with self._lock:
            gen, typed = self._inflight.attach(prompt)
        if typed is None:
            self._executor.submit(self._generate, gen)
        return gen, typed

    def _generate(self, gen: Generation) -> None:
        p = gen.prompt
        request = p.request(self.settings.completion_max_tokens)
        with self._lock:
            self._last_read[p.slot] = p.text
        try:
            if gen.cancel.cancelled:
                raise CancelledError("replaced before it started")
            outcome = self.runner.run(
                Role.COMPLETION,
                request,
                on_delta=gen.take,
                cancel=gen.cancel,
                priority=Priority.SPECULATIVE if gen.background else Priority.INTERACTIVE,
                model=p.model,
            )
            gen.finished = f = outcome.finished
            self._count_prompt(p.doc, f)
            if gen.succeeded:
                text = gen.suggestion()
                with self._lock:
                    self._cache.store(p.key, text, self.settings.completion_cache_size)
        except BaseException as exc:  # handed to the requests waiting for it
            gen.error = exc
        finally:
            with self._lock:
                self._inflight.finish(gen)
            gen.done.set()

    def _speculate(
        self,
        ctx: CodeContext,
        text: str,
        options: CompletionOptions,
        workspace: str | None,
        chunks: Sequence[tuple[str, str]],
        model: str | None,
    ) -> None:
        """Start the completion that follows accepting ``text``, if it is not known yet."""
        before = after_accepting(ctx.before, ctx.after, text)
        accepted = CodeContext(ctx.path, before + ctx.after, ctx.language, before, "", ctx.after)
        try:
            nxt = self._prompt(accepted, options, workspace, chunks, model)
        except Exception:
            return
        with self._lock:
            gen = None if nxt.key in self._cache else self._inflight.speculate(nxt)
        if gen is not None:
            self._count("speculated")
            self._executor.submit(self._generate, gen)

    def _candidates(
        self, prompt: ResolvedPrompt, first: str, n: int, cancel: CancelToken | None
    ) -> list[str]:
        """``first`` and up to n-1 different sampled alternatives."""
        found = [first] if first else []
        for seed in range(1, n * 2):
            if len(found) >= n or (cancel is not None and cancel.cancelled):
                break
            request = prompt.request(self.settings.completion_max_tokens, 0.7, seed)
            outcome = self.runner.run(
                Role.COMPLETION,
                request,
                cancel=cancel,
                priority=Priority.INTERACTIVE,
                model=prompt.model,
            )
            text = prompt.suggestion(prompt.answer(outcome.finished.text))
            if text and text not in found:
                found.append(text)
        return found

    def _count(self, what: str, n: int = 1) -> None:
        # Requests run on several threads: a Counter's += is a read and a write.
        with self._lock:
            self.counts[what] += n

    def _count_prompt(self, doc: str, finished: Finished, kind: str = "generations") -> None:
        with self._lock:
            read = finished.prompt_tokens_evaluated
            if read >= 64 and finished.prompt_seconds > 0:  # enough to measure a speed by
                speed = read / finished.prompt_seconds
                last = self._read_speed
                self._read_speed = speed if last is None else last + SPEED_WEIGHT * (speed - last)
            for counts in (self.counts, self._document(doc)):
                counts[kind] += 1
                counts["prompt_tokens"] += finished.prompt_tokens
                counts["prompt_tokens_evaluated"] += finished.prompt_tokens_evaluated

    def _document(self, doc: str) -> Counter[str]:
        """A document's counters, most recently used last. Called with the lock held."""
        counts = self._documents.get(doc)
        if counts is None:
            counts = self._documents[doc] = Counter()
            while len(self._documents) > DOCUMENTS_TRACKED:
                self._documents.popitem(last=False)
        self._documents.move_to_end(doc)
        return counts

    def stats(self) -> dict[str, Any]:
        with self._lock:
            counts: dict[str, Any] = dict(self.counts)
            documents = [
                {"path": doc, **_reuse(dict(c))} for doc, c in reversed(self._documents.items())
            ]
        counts.update(_reuse(counts))
        counts["documents"] = documents
        return counts

    def close(self) -> None:
        with self._lock:
            self._inflight.cancel_all()
        self._executor.shutdown(wait=False, cancel_futures=True)


def _reuse(counts: dict[str, Any]) -> dict[str, Any]:
    """The share of prompt tokens that had to be read (``evaluated_ratio``) and its
    complement, the share the KV cache already held (``reuse``)."""
    submitted = counts.get("prompt_tokens", 0)
    evaluated = counts.get("prompt_tokens_evaluated", 0)
    ratio = round(evaluated / submitted, 4) if submitted else None
    return {
        **counts,
        "evaluated_ratio": ratio,
        "reuse": None if ratio is None else round(1 - ratio, 4),
    }
