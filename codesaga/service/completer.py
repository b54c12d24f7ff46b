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
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codesaga.domain.completion import CompletionOptions, fit_rest_of_line, type_through
from codesaga.domain.completion_prompt import (
    SHORT_SUFFIX_CHARS,
    PromptLayout,
    after_accepting,
    lay_out,
    prompt_windows,
    split_at_line,
)
from codesaga.domain.confidence import Confidence
from codesaga.domain.context import CodeContext, lf_only
from codesaga.domain.enums import Role
from codesaga.domain.errors import CancelledError, ModelError
from codesaga.domain.fim import (
    WindowAnchor,
    anchor_at,
    learned_reach,
    reach_anchor,
    sent_at_reach,
)
from codesaga.domain.repo_context import ContextRing
from codesaga.engine.port import CancelToken, Finished
from codesaga.service.candidates import sample_candidates
from codesaga.service.completion_cache import CompletionCache, Judge
from codesaga.service.completion_stats import CompletionStats
from codesaga.service.confidence_gate import ConfidenceGate
from codesaga.service.context_rings import ContextRings
from codesaga.service.definitions import Definitions
from codesaga.service.engine_pool import file_identity
from codesaga.service.inflight import REPLACED, Generation, InFlight
from codesaga.service.prompt_reads import PromptReads
from codesaga.service.read_ahead import ReadAhead
from codesaga.service.resolved_prompt import (
    ResolvedPrompt,
    window_limits,
)
from codesaga.service.runner import ModelRunner, Priority
from codesaga.service.stores import MemoryStore
from codesaga.settings import Live, Settings, live

logger = logging.getLogger(__name__)

ANCHORS_KEPT = 64  # documents whose window anchor is remembered (up to ~38 KB each)
SUFFIX_SHARE = 0.5  # of the read budget that a new line's suffix may take to read


@dataclass
class Completion:
    text: str
    model: str
    source: str  # model | cache | type-through | in-flight
    finished: Finished | None = None
    partial: bool = False  # the time budget ran out: only finished lines
    candidates: list[str] | None = None  # when several were asked for
    confidence: Confidence | None = None  # None: the engine did not say, or a type-through
    gated: bool = False  # the model was unsure: the text is hidden (empty)
    replaces: int = 0  # characters after the cursor the text replaces (see replace_rest)
    # How sure the model is of the text's rest once its start is typed (from a generation)
    judge: Judge | None = dataclasses.field(default=None, repr=False, compare=False)


MAX_WARM_UPS_WAITING = 2  # documents opened, not read yet: the latest ones (the user left the rest)


@dataclass(frozen=True)
class _WarmUp:
    text: str
    line: int | None
    workspace: str | None
    model: str | None


class Completer:
    def __init__(
        self,
        settings: Settings | Live,
        runner: ModelRunner,
        *,
        speculate: bool,
        definitions: Definitions | None = None,
        gate: ConfidenceGate | None = None,
    ) -> None:
        self._live = live(settings)
        self.definitions = definitions  # of the workspaces' other files, for the prompt
        self.gate = gate or ConfidenceGate(self._live, MemoryStore())
        self.runner = runner
        self.may_speculate = speculate
        # Guards the cache, the in-flight registry and the window anchors: a decision on
        # one and the change it makes to another are one step.
        self._lock = threading.Lock()
        self._cache = CompletionCache()
        self._inflight = InFlight()
        # Each document's window anchor and lookahead as last used, most recent last.
        self._anchors: OrderedDict[str, tuple[WindowAnchor, str]] = OrderedDict()
        # How much text before the cursor clients send lately (None: all of it, or not known
        # yet): a warm-up lays its window out where their requests will find it.
        self._reach: int | None = None
        self._context = ContextRings()
        self._reads = PromptReads()
        self._stats = CompletionStats()
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="complete")
        # Documents opened and not read yet, the latest last; one worker reads them.
        self._to_warm: OrderedDict[str, _WarmUp] = OrderedDict()
        self._warming = False  # that worker's job is queued or running
        self._reader = ReadAhead(
            runner, lambda: self.settings, lock=self._lock, inflight=self._inflight,
            reads=self._reads, stats=self._stats,
        )  # fmt: skip

    @property
    def settings(self) -> Settings:
        return self._live.current

    def reconfigure(self, previous: Settings) -> None:
        """The settings in force replaced ``previous`` (config.toml changed): cached
        completions made under other completion settings (max tokens, lines) are forgotten,
        and the indexes judge their files again by new private_paths."""
        changed = any(
            getattr(previous, f.name) != getattr(self.settings, f.name)
            for f in dataclasses.fields(previous)
            if f.name.startswith("completion_")
        )
        if changed:
            with self._lock:
                self._cache.clear_answers()
        if previous.private_paths != self.settings.private_paths and self.definitions:
            self.definitions.privacy_changed()

    @property
    def speculate(self) -> bool:
        """Guess the next completion while the editor is idle (the daemon's completer only)."""
        return self.may_speculate and bool(self.settings.completion_speculate)

    # -- repository context -----------------------------------------------------------

    def ring(self, workspace: str) -> ContextRing:
        return self._context.ring(workspace)

    def recent_paths(self, workspace: str | None) -> list[str]:
        return self._context.recent_paths(workspace)

    def add_context(
        self, workspace: str, path: str, text: str, origin: str, line: int | None = None
    ) -> bool:
        if self.definitions is not None and self.settings.completion_definitions:
            self.definitions.opened(workspace, path)
        return self._context.add(workspace, path, text, origin, line)

    def refresh_file(self, path: str, content: str | None, written_at: float | None = None) -> None:
        """A file in some ring changed on disk (last written at ``written_at``, its mtime)
        or was deleted (watchfiles tells us)."""
        self._context.refresh(path, content, written_at)

    def watched_paths(self) -> set[str]:
        return self._context.paths()

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
        cache for that request. Other documents' background work gives way to it.

        One worker reads the documents waiting, the latest opened first, and no more than
        MAX_WARM_UPS_WAITING wait: a burst of openings (a client restoring its tabs, or a
        flood) queued one read per document, and completions waited behind them all."""
        with self._lock:
            self._inflight.focus(path)
            self._to_warm.pop(path, None)
            self._to_warm[path] = _WarmUp(text, line, workspace, model)
            while len(self._to_warm) > MAX_WARM_UPS_WAITING:
                self._to_warm.popitem(last=False)  # opened before the others: left already
            if self._warming:
                return
            self._warming = True
        self._executor.submit(self._warm_waiting)

    def _warm_waiting(self) -> None:
        while True:
            with self._lock:
                if not self._to_warm:
                    self._warming = False
                    return
                path, up = self._to_warm.popitem()
            try:
                self._warm(path, up.text, up.line, up.workspace, up.model)
            except Exception:  # the next ones still get read
                logger.exception("warming %s failed", path)

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
        layout = self._layout(path, path, before, after, workspace, (), warm=True)
        self._reader.warm(
            info.fim, path, layout, before, after, model, suffix_first=self._suffix_first
        )

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
        # A CRLF document is completed as LF text (its prompt, stops, the rest of the line
        # and the next completion's guess all reason in "\n") and answered in its own ends.
        crlf = "\r\n" in ctx.before[-2000:] or "\r\n" in ctx.after[:2000]
        if crlf:
            ctx = lf_only(ctx)
        answer = self._complete(ctx, options, workspace, chunks, cancel, model)
        if crlf:
            candidates = [c.replace("\n", "\r\n") for c in answer.candidates or ()]
            answer = dataclasses.replace(
                answer,
                text=answer.text.replace("\n", "\r\n"),
                candidates=candidates if answer.candidates is not None else None,
            )
        return answer

    def _complete(
        self,
        ctx: CodeContext,
        options: CompletionOptions,
        workspace: str | None,
        chunks: Sequence[tuple[str, str]],
        cancel: CancelToken | None,
        model: str | None,
    ) -> Completion:
        prompt = self._prompt(ctx, options, workspace, chunks, model)
        # Typing goes on, whether this request is answered or cancelled by the next key (a
        # model slower than the keys): new chunks wait for a pause, not for an answer.
        self._context.requested()
        self._stats.count("requests")
        answer = self._answer(prompt, options, cancel, ctx.language.id)
        judged = options.gate and bool(answer.text)  # the confidence gate may hide it
        if judged and not self.gate.shows(answer.model, ctx.language.id, answer.confidence):
            self._stats.count("gated")
            if answer.judge is not None:  # typed on anyway, its rest may be sure enough
                with self._lock:
                    self._cache.hide(prompt, answer.text, answer.judge)
            answer = dataclasses.replace(answer, text="", gated=True)
        if answer.text:
            with self._lock:  # whole: a client that cannot replace gets it cut, below
                self._cache.remember(
                    prompt, answer.text, answer.confidence, self.settings.completion_cache_size
                )
        text, replaces = fit_rest_of_line(
            answer.text, ctx.before, ctx.after, replace=options.replace_rest
        )
        answer = dataclasses.replace(answer, text=text, replaces=replaces)
        if answer.text and self.speculate and not answer.partial:
            # Accepted, the suggestion stands where the text it replaces stood.
            rest = ctx.after[replaces:]
            accepted = dataclasses.replace(ctx, content=ctx.before + rest, after=rest)
            self._speculate(accepted, answer.text, options, workspace, chunks, model)
        if options.candidates > 1 and not answer.partial and not answer.gated:
            sampled = sample_candidates(
                self.runner, prompt, answer.text, options.candidates,
                max_tokens=self.settings.completion_max_tokens, cancel=cancel,
            )  # fmt: skip
            # Insertions all: cut, two may have become one.
            fitted = (fit_rest_of_line(c, ctx.before, ctx.after, replace=False)[0] for c in sampled)
            answer.candidates = list(dict.fromkeys(c for c in fitted if c))
        return answer

    def _answer(
        self,
        prompt: ResolvedPrompt,
        options: CompletionOptions,
        cancel: CancelToken | None,
        language: str,
    ) -> Completion:
        def shows(confidence: Confidence | None) -> bool:
            return self.gate.would_show(prompt.model_name, language, confidence)

        with self._lock:
            self._inflight.supersede(prompt)
            arrival = self._inflight.arrive(prompt.doc)
            hit = self._cache.lookup(prompt, shows if options.gate else lambda c: True)
        if hit is not None:
            text, source, confidence = hit
            self._stats.count(source)
            return Completion(text, prompt.model_name, source, confidence=confidence)
        deadline = time.monotonic() + options.time_budget if options.time_budget else None
        short = self._reader.short_window(
            prompt, self._read_budget(options), cancel, arrival,
            deadline=options.time_budget is not None, suffix_first=self._suffix_first,
        )  # fmt: skip
        if short is not None:
            # Never wait for a whole re-read: answer from a short window now, then read the
            # rest of the whole prompt in the background, where the next keystroke finds it.
            self._stats.count("short-window")
            try:
                return self._from_model(short, deadline, cancel)
            finally:
                self._executor.submit(
                    self._reader.read, prompt.doc, prompt.slot, prompt.marked, prompt.sources,
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
                self._stats.count("partial")
                return Completion(gen.finished_lines(), prompt.model_name, "model", None, True)
            if gen.error is not None:
                if gen.stale and isinstance(gen.error, CancelledError):
                    # Wherever the cancel found it (queued behind another model call, say),
                    # the reason is the newer request.
                    raise CancelledError(REPLACED) from None
                raise gen.error
            if not gen.succeeded:
                raise CancelledError(REPLACED)
            text = gen.suggestion()
            if typed is None:
                self._stats.count("model")
                return Completion(
                    text,
                    prompt.model_name,
                    "model",
                    gen.finished,
                    confidence=gen.confidence(),
                    judge=gen.confidence,
                )
            rest = (
                type_through(gen.prompt.before, gen.prompt.after, text, prompt.before, prompt.after)
                if typed
                else text
            )
            if rest is not None:
                self._stats.count("in-flight")
                confidence = gen.confidence(typed)
                return Completion(
                    rest,
                    prompt.model_name,
                    "in-flight",
                    gen.finished,
                    confidence=confidence,
                    judge=_past(gen, typed),
                )
        raise CancelledError(REPLACED)

    def _prompt(
        self,
        ctx: CodeContext,
        options: CompletionOptions,
        workspace: str | None,
        extra: Sequence[tuple[str, str]],
        model: str | None,
        *,
        keep: bool = True,
    ) -> ResolvedPrompt:
        """The prompt for ``ctx``; ``keep=False`` (a speculation: a guess at a later state of
        the document) leaves the document's window anchor and definitions where they were."""
        info, resolved = self.runner.info(Role.COMPLETION, model)
        fim = info.fim
        if fim is None:
            raise ModelError(
                f"{resolved.name} has no fill-in-the-middle tokens, so it cannot complete "
                "code; point model_completion at a code model such as qwen2.5-coder-0.5b"
            )
        doc = ctx.path or "untitled"
        layout = self._layout(
            doc, ctx.path, ctx.before, ctx.after, workspace, extra,
            keep=keep, budget=self._read_budget(options),
        )  # fmt: skip
        lines = options.lines_allowed(ctx.before, ctx.after)
        return ResolvedPrompt.laid_out(
            doc, model, resolved.name, ctx.before, ctx.after, lines, fim, layout,
            suffix_first=self._suffix_first, model_file=_model_file(resolved.path),
        )  # fmt: skip

    def _layout(
        self,
        doc: str,
        path: str | None,
        before: str,
        after: str,
        workspace: str | None,
        extra: Sequence[tuple[str, str]],
        *,
        keep: bool = True,
        budget: float = 0.0,
        warm: bool = False,
    ) -> PromptLayout:
        """What of document ``doc`` (its file ``path``, if it has one) and of other files a
        prompt shows; moves the document's window anchor (unless ``keep`` is False).
        ``budget``: the request's read budget in seconds (0: none). ``warm``: for a warm-up
        of the document (``before``: all the text before the cursor's line)."""
        s = self.settings
        limits = window_limits(s)
        if budget:
            # The suffix follows the changed text, so each new line reads it again: no more
            # of it than reads in part of the budget, or every new line would take a short
            # window (24 lines of suffix took two to three seconds on a 2-core CPU).
            fits = max(SHORT_SUFFIX_CHARS, self._reads.chars_within(SUFFIX_SHARE * budget))
            limits = dataclasses.replace(limits, suffix_chars=min(limits.suffix_chars, fits))
        with self._lock:
            anchor, held = self._anchors.get(doc, (None, ""))
            if (
                anchor is None
                and self._reach is not None
                and (warm or sent_at_reach(before, self._reach))
            ):
                anchor = reach_anchor(before, self._reach, max_chars=limits.prefix_chars)
            elif keep and not warm and anchor is not None:
                self._reach = learned_reach(before, anchor, self._reach)
            windows = prompt_windows(before, after, anchor, limits, held)
            if keep:
                self._anchors[doc] = (anchor_at(before, windows.start), windows.lookahead)
                self._anchors.move_to_end(doc)
                while len(self._anchors) > ANCHORS_KEPT:
                    self._anchors.popitem(last=False)
        context = self._context.chunks(workspace)
        definitions: tuple[tuple[str, str], ...] = ()
        if self.definitions is not None and s.completion_definitions:
            tokens = s.completion_definitions_tokens
            definitions = self.definitions.chunks(
                doc, workspace, path, before, after, tokens, keep=keep
            )
        return lay_out(
            windows, path, workspace, context, extra, definitions,
            context_chars=s.completion_context_chars,
        )  # fmt: skip

    def _read_budget(self, options: CompletionOptions) -> float:
        """Seconds a request may spend reading its prompt before it takes a short window
        (0: no limit): its own time budget, else the setting."""
        if options.time_budget is not None:
            return options.time_budget
        return self.settings.completion_read_budget

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
        given = self._reads.reading(p.slot, p.text)
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
            self._reads.measure(f)
            self._stats.count_prompt(p.doc, f)
            if gen.succeeded:
                text = gen.suggestion()
                with self._lock:
                    self._cache.store(
                        p.key, text, gen.confidence(), self.settings.completion_cache_size
                    )
        except BaseException as exc:  # handed to the requests waiting for it
            gen.error = exc
        finally:
            # A request replaced by the next keystroke, before or while its prompt was read:
            # the next request's estimate counts what is left of it.
            if gen.cancel.cancelled:
                self._reads.request_ended(p.slot, p.text, given, gen.finished)
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
            nxt = self._prompt(accepted, options, workspace, chunks, model, keep=False)
        except Exception:
            return
        # A guess whose prompt is not read yet would be a long read, and the next keystroke
        # would wait for it whole instead of taking the short window: the background read
        # that the short window started reads it anyway.
        budget = self.settings.completion_read_budget
        if budget and self._reads.exceeds(nxt.slot, nxt.text, budget):
            self._stats.count("not speculated")
            return
        with self._lock:
            gen = None if nxt.key in self._cache else self._inflight.speculate(nxt)
        if gen is not None:
            self._stats.count("speculated")
            self._executor.submit(self._generate, gen)

    # -- the rest ---------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        report = self._stats.report()
        if self.definitions is not None:
            report["definitions"] = self.definitions.stats()
        return report

    def close(self) -> None:
        if self.definitions is not None:
            self.definitions.close()
        self.gate.save()
        with self._lock:
            self._inflight.cancel_all()
        self._executor.shutdown(wait=False, cancel_futures=True)


def _past(gen: Generation, typed: str) -> Judge:
    """How sure ``gen`` was of its suggestion past ``typed``, and past more typed later."""

    def judge(more: str) -> Confidence | None:
        return gen.confidence(typed + more)

    return judge


def _model_file(path: Path) -> str:
    """The identity of the model file at ``path``, for the completion cache's keys ("" when
    there is none there: an upstream's model)."""
    identity = file_identity(path)
    return "" if identity is None else ":".join(map(str, identity))
