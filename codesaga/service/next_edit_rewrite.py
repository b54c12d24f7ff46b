"""The model's part of next-edit suggestions: rewriting the lines of a candidate place by
analogy with the user's recent changes (the prompt, and what its answer means, are in
domain/next_edit_prompt.py), at most MAX_MODEL_CALLS per request within
MODEL_BUDGET_SECONDS, at suggestion priority (see runner.Priority)."""

from __future__ import annotations

import time
from pathlib import PurePath

from codesaga.domain import next_edit_prompt as edit_prompt
from codesaga.domain.confidence import confidence
from codesaga.domain.edit_sequence import last_place
from codesaga.domain.edits import TextEdit
from codesaga.domain.enums import Role
from codesaga.domain.errors import BusyError, CancelledError, InputError, ModelError
from codesaga.domain.next_edit_locations import Candidate
from codesaga.domain.requests import RequestRecord
from codesaga.engine.port import CancelToken, Finished, GenerationRequest
from codesaga.service.runner import ModelRunner, Priority

MAX_MODEL_CALLS = 3
MODEL_BUDGET_SECONDS = 4.0  # no rewrite starts after this
MAX_REWRITE_TOKENS = 192
# A rewrite whose first line the model wrote with a geometric-mean token probability below
# this is a guess, not a pattern it followed: no suggestion.
MIN_REWRITE_MEAN = 0.4


class LinkedCancel(CancelToken):
    """Cancelled on its own (with a reason) or when ``parent`` is."""

    def __init__(self, parent: CancelToken | None) -> None:
        super().__init__(also=parent)

    def stop(self, reason: str) -> None:
        self.cancel(reason)

    def check(self) -> None:
        if self.cancelled:
            raise CancelledError(self.reason or "the request was cancelled")


class Rewriter:
    """The model's rewrites for one request, within its budget of calls and time; the
    first that cannot run (preempted, busy, no model) ends them."""

    def __init__(
        self,
        runner: ModelRunner,
        path: str,
        content: str,
        history: tuple[list[TextEdit], str],
        token: LinkedCancel,
        record: RequestRecord,
        model: str | None = None,
    ) -> None:
        """``history``: the document's recent edits that led to ``content``, and the text
        before them; ``token`` cancels the request; ``record`` gets the calls' usage;
        ``model``: the request's choice (None: the completion role's)."""
        self.runner = runner
        self.path = path
        self.content = content
        self.history, self.before = history
        self.token = token
        self.record = record
        self.model = model
        self.calls = 0
        self.deadline = time.monotonic() + MODEL_BUDGET_SECONDS
        self.stopped = False
        self._recent: list[edit_prompt.Change] | None = None

    @property
    def recent(self) -> list[edit_prompt.Change]:
        """The user's recent changes, as the prompt shows them (found once, when needed)."""
        if self._recent is None:
            content = self.content
            near = last_place(content, self.history)
            line = near.start_line if near else None
            self._recent = edit_prompt.changes(self.before, content, line)
        return self._recent

    def rewrite(self, candidate: Candidate) -> tuple[TextEdit, float] | None:
        if self.stopped or self.calls >= MAX_MODEL_CALLS or time.monotonic() > self.deadline:
            return None
        if not self.recent:
            return None  # no change of the user's to follow
        target = edit_prompt.target_of(self.content, candidate.span)
        if target is None:
            return None
        self.calls += 1
        try:
            finished = self._generate(target)
        except (BusyError, ModelError, InputError) as exc:  # a favour: say why, answer the rest
            self.record.warnings.append(f"no rewrites: {exc}")
            self.stopped = True
            return None
        if finished is None or finished.reason == "length" or not finished.text.strip():
            return None  # (nothing written after the prompt's "+" is no line, not a blank one)
        lines = edit_prompt.rewritten(edit_prompt.answer(finished.text))
        if lines is None:
            return None
        edit = edit_prompt.rewrite_edit(self.content, target, lines)
        old, new = "\n".join(target.lines), "\n".join(lines)
        if edit is None or any(edit_prompt.undoes(c, old, new) for c in self.recent):
            return None  # the same lines, or the user's change taken back
        if edit_prompt.unlike_the_change(self.recent, old, new):
            return None  # the other way from the user's change (an argument lost after one added)
        sure = confidence(finished.text, finished.logprobs)
        if sure is not None and sure.mean < MIN_REWRITE_MEAN:
            return None
        return edit, candidate.score * (sure.mean if sure is not None else 1.0)

    def _generate(self, target: edit_prompt.Target) -> Finished | None:
        """The model's answer; None when it was stopped for a request someone waits for."""
        info, _ = self.runner.info(Role.COMPLETION, self.model)
        fim = info.fim
        prompt = edit_prompt.rewrite_prompt(
            PurePath(self.path).name or self.path,
            self.recent,
            target,
            fim.file_separator if fim else None,
        )
        budget = edit_prompt.answer_budget(target, self.recent, MAX_REWRITE_TOKENS)
        stops = edit_prompt.ONE_LINE_STOPS if len(target.lines) == 1 else edit_prompt.STOPS
        call = LinkedCancel(self.token)
        parts: list[str] = []

        def on_delta(text: str) -> None:
            parts.append(text)
            if edit_prompt.finished(edit_prompt.answer("".join(parts))):
                call.stop("done")

        # No cache slot: the places of one request share the prompt's start anyway (the
        # model's cache keeps what the last prompt read), and a slot's saved state would take
        # room from the documents' completion states.
        generation = GenerationRequest(
            prompt=prompt.text,
            marks=prompt.marks,
            max_tokens=budget,
            temperature=0.0,
            stop=(*stops, *(fim.stops if fim else ())),
            reserve=budget,
            prompt_lookup=True,
            logprobs=True,
            sources=(self.path,),
        )
        try:
            outcome = self.runner.run(
                Role.COMPLETION,
                generation,
                on_delta=on_delta,
                cancel=call,
                # At idle priority, rewrites queued behind the read or the speculation a
                # completion had left running: 4.5 s of a 5 s answer on the benchmark's
                # signature cases. A suggestion goes first (those keep what they had read).
                priority=Priority.SUGGESTION,
                model=self.model,
            )
        except CancelledError:
            self.token.check()
            self.stopped = True  # cancelled before it started, not by the request: preempted
            return None
        self.token.check()
        finished = outcome.finished
        _add_usage(self.record, outcome.model.name, finished, outcome.queue_seconds)
        if finished.reason == "cancelled" and call.reason != "done":
            self.stopped = True  # a request someone waits for took the model
            return None
        return finished


def _add_usage(record: RequestRecord, model: str, finished: Finished, queued: float) -> None:
    """One model call's share of the request's timings."""
    record.model = model
    t = record.timings
    t.queue_seconds += queued
    t.prompt_seconds += finished.prompt_seconds
    t.generation_seconds += finished.generation_seconds
    t.prompt_tokens += finished.prompt_tokens
    t.prompt_tokens_evaluated += finished.prompt_tokens_evaluated
    t.completion_tokens += finished.completion_tokens
