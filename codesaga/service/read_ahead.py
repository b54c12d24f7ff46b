"""Reading completion prompts into the model's KV cache before anyone waits for them: a
document an editor opened or switched to (a warm-up), or the whole prompt after a short
window answered a request (which is decided here too: when the whole prompt would take too
long to read). At idle priority: any request someone waits for cancels a read at once, and
what it read stays in the KV cache for that request."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from codesaga.domain.completion_prompt import PromptLayout, short_windows
from codesaga.domain.enums import Role
from codesaga.domain.errors import CancelledError
from codesaga.domain.fim import FimFormat
from codesaga.domain.marked_text import MarkedText
from codesaga.engine.port import CancelToken, GenerationRequest
from codesaga.service.completion_stats import CompletionStats
from codesaga.service.inflight import REPLACED, InFlight
from codesaga.service.prompt_reads import CHARS_PER_TOKEN, PromptReads
from codesaga.service.resolved_prompt import (
    ResolvedPrompt,
    document_slot,
    short_slot,
    window_limits,
)
from codesaga.service.runner import ModelRunner, Priority
from codesaga.settings import Settings

logger = logging.getLogger(__name__)

# A request over its read budget first reads its whole prompt for a share of the time that
# whole read takes (from the first token), less its short window's own read. A typist who
# asks again as soon as an answer comes leaves no idle time to read it in the background,
# and answers from the short window see a few lines of the file: so the first four or so
# requests in a file read it whole, each waiting a quarter of what the peer (which reads the
# prompt on every request) waits each time. Reading first is for the typist who leaves no
# idle time: what was read of the document at idle priority since the last such read (a
# warm-up when the file was opened, its short window's included; the read behind a short
# window) takes that much of the next request's turn, which waits that much less.
LEAD_SHARE = 0.25
# But no request reads first for longer than this many read budgets (on a slow machine a
# quarter of the whole read is long), nor, when it set its own time budget (a deadline for
# its answer too), for more than this share of it: the rest is for reading its short window
# and generating the answer, which would otherwise come back empty.
LEAD_BUDGETS = 2.0
LEAD_DEADLINE_SHARE = 0.5
MIN_LEAD = 0.05  # seconds: less than a step of reading
IDLE_READS_KEPT = 64  # documents whose reading at idle priority is remembered for that


class ReadAhead:
    """Shares the completer's lock, in-flight registry, reads and stats."""

    def __init__(
        self,
        runner: ModelRunner,
        settings: Callable[[], Settings],
        *,
        lock: threading.Lock,
        inflight: InFlight,
        reads: PromptReads,
        stats: CompletionStats,
    ) -> None:
        self.runner = runner
        self._settings = settings
        self._lock = lock
        self._inflight = inflight
        self._reads = reads
        self._stats = stats
        # Characters of each document's prompts read at idle priority (an editor's warm-up,
        # the read behind a short window) since a request last read first in it: that reading
        # took the turn of the next request's own share (see LEAD_SHARE).
        self._idle_read: dict[str, int] = {}

    def short_window(
        self,
        prompt: ResolvedPrompt,
        budget: float,
        cancel: CancelToken | None,
        arrival: int,
        *,
        deadline: bool,
        suffix_first: bool | None,
    ) -> ResolvedPrompt | None:
        """The short-window prompt a request answers from, when reading ``prompt`` whole
        would take longer than its read ``budget`` (seconds; a ``deadline`` for its answer
        too when the request set it). Part of that read is done first, as part of the
        request (``cancel``: its token), so that a few requests read it whole even when the
        typist leaves no pause to read it in; None when this part finished it. Raises
        CancelledError when a newer request for the document came meanwhile (``arrival``:
        this one's number)."""
        short = self._short_if_cheaper(prompt, budget, suffix_first=suffix_first)
        if short is None:
            return None
        read = self._read_first(prompt, short, budget, cancel, deadline=deadline)
        with self._lock:
            if not self._inflight.is_newest(prompt.doc, arrival):
                raise CancelledError(REPLACED)
        return None if read else short

    def _short_if_cheaper(
        self, prompt: ResolvedPrompt, budget: float, *, suffix_first: bool | None
    ) -> ResolvedPrompt | None:
        """The short-window prompt, when reading ``prompt`` would not fit the read ``budget``
        (seconds; 0: no limit) and the short one is quicker to read."""
        settings = self._settings()
        if not budget or not self._reads.exceeds(prompt.slot, prompt.text, budget):
            return None  # the common case, on every keystroke: no short prompt is built
        windows = short_windows(prompt.before, prompt.after, window_limits(settings))
        short = prompt.shortened(windows, suffix_first=suffix_first)
        unread = self._reads.unread
        return short if unread(short.slot, short.text) < unread(prompt.slot, prompt.text) else None

    def _read_first(
        self,
        prompt: ResolvedPrompt,
        short: ResolvedPrompt,
        budget: float,
        cancel: CancelToken | None,
        *,
        deadline: bool,
    ) -> bool:
        """Before a request is answered from its ``short`` window: read its whole ``prompt``
        for a while (see LEAD_SHARE) as part of the request (``cancel``: the request's own
        token; ``budget``: its read budget, a ``deadline`` for the answer too when the request
        set it); whether it was read whole, so that the request can be answered from it."""
        reads = self._reads
        cap = (LEAD_DEADLINE_SHARE if deadline else LEAD_BUDGETS) * budget
        # A share of the whole read, not of what is left of it: a share of the rest would
        # leave a part unread after any number of requests.
        whole = reads.time_for(len(prompt.text))
        with self._lock:
            idle = reads.time_for(self._idle_read.pop(prompt.doc, 0))
        lead = min(LEAD_SHARE * whole, cap) - idle - reads.seconds(short.slot, short.text)
        if lead < MIN_LEAD:
            return False
        return self.read(
            prompt.doc, prompt.slot, prompt.marked, prompt.sources, prompt.model,
            seconds=lead, kind="reads first", cancel=cancel,
        )  # fmt: skip

    def warm(
        self,
        fim: FimFormat,
        path: str,
        layout: PromptLayout,
        before: str,
        after: str,
        model: str | None,
        *,
        suffix_first: bool | None,
    ) -> None:
        """Read the start of document ``path``'s prompt (``layout``, the text split at the
        cursor's line into ``before`` and ``after``) that typing on that line keeps."""
        ahead = fim.stable_start(
            layout.windows.before, layout.files, layout.name, suffix_first=suffix_first
        )
        settings = self._settings()
        budget = settings.completion_read_budget
        if budget and self._reads.exceeds(document_slot(path), ahead.text, budget):
            # The first request would not wait for all of that: it is answered from a short
            # window, so read that first (its start stays put while the line is typed).
            short = short_windows(before, after, window_limits(settings))
            short_ahead = fim.stable_start(short.before, (), layout.name, suffix_first=suffix_first)
            if not self.read(path, short_slot(path), short_ahead, (path,), model, opened=True):
                return  # a request came: it reads the rest in the background itself
        self.read(path, document_slot(path), ahead, layout.sources, model, opened=True)

    def read(
        self,
        doc: str,
        slot: str,
        prompt: MarkedText,
        sources: tuple[str, ...],
        model: str | None,
        *,
        opened: bool = False,
        seconds: float | None = None,
        kind: str = "warm-ups",
        cancel: CancelToken | None = None,
    ) -> bool:
        """Read ``prompt`` into the KV-cache slot ``slot``, on this thread; whether it was read
        whole. ``opened``: a warm-up of a document an editor opened. ``seconds``: read for
        at most about that long, as part of a request someone waits for (interactive, not
        idle priority); ``kind``: what the read is counted as in the stats; ``cancel``: a
        token that cancels it too."""
        token = CancelToken(also=cancel)
        with self._lock:
            self._inflight.begin_read(doc, token)
        text = prompt.text
        since = self._reads.since(slot, text)
        request = GenerationRequest(
            prompt=text,
            marks=prompt.marks,
            max_tokens=0,
            reserve=16 + self._settings().completion_max_tokens,
            sources=sources,
            cache_slot=slot,
            read_seconds=seconds,
        )
        priority = Priority.IDLE if seconds is None else Priority.INTERACTIVE
        try:
            outcome = self.runner.run(
                Role.COMPLETION, request, cancel=token, priority=priority, model=model
            )
            read = outcome.finished
            cancelled = read.reason == "cancelled"
            self._reads.measure(read)
            counted = f"{kind} cancelled" if cancelled else kind
            self._stats.count_prompt(doc, read, counted, opened=opened)
            self._reads.read_ahead(slot, text, since, read)  # for the next request's estimate
            if seconds is None:
                with self._lock:
                    evaluated = int(read.prompt_tokens_evaluated * CHARS_PER_TOKEN)
                    self._idle_read[doc] = self._idle_read.pop(doc, 0) + evaluated
                    while len(self._idle_read) > IDLE_READS_KEPT:
                        del self._idle_read[next(iter(self._idle_read))]  # the oldest
            return not cancelled
        except CancelledError:
            self._stats.count(f"{kind} cancelled")
        except Exception:  # a favour: the completion will report the real error
            logger.debug("reading ahead for %s failed", doc, exc_info=True)
        finally:
            with self._lock:
                self._inflight.end_read(doc, token)
        return False
