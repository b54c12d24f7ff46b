"""The code tasks: generate, refactor, fix and complete, over whichever engine serves the role.

Each task validates its input before touching a model, checks that the prompt fits the
context before generating, and never writes a file unless the result is complete and valid.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from codesaga.domain.completion import CompletionOptions
from codesaga.domain.context import CodeContext, Selection
from codesaga.domain.diff import unified_diff
from codesaga.domain.enums import RequestStatus, RequestType, Role
from codesaga.domain.errors import CancelledError, InputError, UnusableAnswerError
from codesaga.domain.marked_text import MarkedText, Span
from codesaga.domain.prompts import Message, fix_messages, generate_messages, refactor_messages
from codesaga.domain.requests import RequestRecord
from codesaga.domain.retry import FailedRewrite
from codesaga.domain.source import decode_source, source_lines
from codesaga.engine.port import Finished, GenerationRequest, Infill
from codesaga.fs import read_source, write_atomic
from codesaga.service.completer import Completer
from codesaga.service.journal import Journal, journaled
from codesaga.service.rewrite_loop import (
    FocusedRetry,
    Tries,
    focused_retry,
    refusal_after,
    rewrite_with_retries,
)
from codesaga.service.rewrite_warnings import rewrite_warnings
from codesaga.service.runner import NO_OPTIONS, ModelRunner, RunOptions
from codesaga.service.syntax import check_syntax, defined_names
from codesaga.service.task_result import TaskResult, timings_of
from codesaga.settings import Live, Settings, live

OnDelta = Callable[[str], None]


def _moved_on(
    ctx: CodeContext, focused: FocusedRetry | None, retry: FailedRewrite | None
) -> FocusedRetry | None:
    """The focused retry after an attempt that fixed the function first asked about, when
    the check now fails in another one: that one, asked about in the attempt (which keeps
    the first fix) with the check's new failure. Asked again about the first function in
    the file as it was, the model never saw the new failure, and the fix it had made was
    thrown away. None when the failure did not move (the same function is asked afresh)."""
    if retry is None or focused is None or not check_syntax(ctx.language.id, retry.text).ok:
        return None
    attempt = CodeContext.whole_file(ctx.path, retry.text, ctx.language.id)
    now = focused_retry(attempt, retry.problem, retry.problem)
    return now if now is not None and now.name != focused.name else None


class Assistant:
    """The use cases. Every request is journaled: pending, processing, then completed,
    failed or cancelled, with its timings and token counts."""

    def __init__(
        self,
        settings: Settings | Live,
        runner: ModelRunner,
        journal: Journal,
        completer: Completer | None = None,
    ) -> None:
        self._live = live(settings)
        self.runner = runner
        self.journal = journal
        self.completer = completer or Completer(settings, runner, speculate=False)
        # The requests under way in this process, so status need not scan the journal.
        self.active: dict[str, RequestRecord] = {}

    @property
    def settings(self) -> Settings:
        return self._live.current

    # -- the tasks ---------------------------------------------------------------------

    def generate(
        self,
        prompt: str,
        language: str | None = None,
        run: RunOptions = NO_OPTIONS,
    ) -> TaskResult:
        if not prompt.strip():
            raise InputError("the prompt is empty; say what code you want")
        request = GenerationRequest(
            messages=generate_messages(prompt, language),
            max_tokens=self.settings.max_tokens,
            temperature=self.settings.temperature,
        )
        with self._journaled(RequestType.GENERATE, {"prompt": prompt, "language": language}) as rec:
            result = self._run(rec, Role.GENERATE, request, run)
            result.warnings.extend(_cut_off(result, request.max_tokens, "ask for less"))
            return self._done(rec, result)

    def chat(
        self,
        messages: list[Message],
        run: RunOptions = NO_OPTIONS,
        *,
        max_tokens: int | None = None,
        cache_slot: str | None = None,
        sources: tuple[str, ...] = (),
        again: bool = False,
        record: RequestRecord | None = None,
    ) -> TaskResult:
        """One chat turn over the given history; ``sources`` are the files attached to it.
        ``again``: the last message asked once more (/retry), for another answer: sampled as
        a rewrite's retry is (at temperature 0 the cache gave the same answer back)."""
        if not messages or messages[-1].role != "user" or not messages[-1].content.strip():
            raise InputError("a chat needs a last message from the user with some text")
        temperature = self.settings.temperature
        if again:
            temperature = max(temperature, self.settings.rewrite_retry_temperature)
        request = GenerationRequest(
            messages=messages,
            max_tokens=max_tokens or self.settings.max_tokens,
            temperature=temperature,
            cache_slot=cache_slot,
            sources=sources,
        )
        summary = {"messages": len(messages), "last": messages[-1].content}
        if record is not None:  # journaled by the caller, from before the model was found
            record.input = summary
            return self._chat(record, request, run)
        with self._journaled(RequestType.CHAT, summary) as rec:
            return self._chat(rec, request, run)

    def journaled_chat(self, last: str) -> AbstractContextManager[RequestRecord]:
        """The journal's record of a chat turn, for a caller with work to do before the model
        answers (loading it, fitting the conversation): it counts in the turn's time, and a
        failure there is journaled too."""
        return self._journaled(RequestType.CHAT, {"last": last})

    def _chat(
        self, record: RequestRecord, request: GenerationRequest, run: RunOptions
    ) -> TaskResult:
        result = self._run(record, Role.CHAT, request, run)
        # A chat answer may take max_tokens, and at most a quarter of the context.
        quarter = request.max_tokens < self.settings.max_tokens
        result.warnings.extend(
            _cut_off(result, request.max_tokens, "ask it to go on", quarter_of_context=quarter)
        )
        return self._done(record, result)

    def passthrough(
        self,
        *,
        messages: list[Message] | None = None,
        prompt: str | None = None,
        suffix: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] = (),
        seed: int | None = None,
        run: RunOptions = NO_OPTIONS,
    ) -> TaskResult:
        """A request of the OpenAI-compatible API: chat ``messages`` (the chat role) or a raw
        ``prompt`` (the generate role), given to the model as they are. A ``suffix`` makes
        the prompt the text before an insertion point: the completion role's model fills in
        the middle, in its own format."""
        infill = None
        # A raw prompt is the caller's own, laid out for the model by them: special tokens
        # are read wherever it spells them. Messages' contents and a suffix are text.
        marks: tuple[Span, ...] | None = None
        if messages is not None:
            if not messages:
                raise InputError("messages is empty")
            kind, role = RequestType.CHAT, Role.CHAT
            summary: dict[str, Any] = {"api": "openai", "messages": len(messages)}
            summary["last"] = messages[-1].content
        else:
            kind, role = RequestType.GENERATE, Role.GENERATE
            summary = {"api": "openai", "prompt": prompt}
            if suffix is not None:
                summary["suffix"] = suffix
        with self._journaled(kind, summary) as rec:
            if prompt is not None and suffix is not None:
                role = Role.COMPLETION
                infill = Infill(prompt, suffix)
                built, stop = self._fill_in_the_middle(infill, stop, run.model)
                prompt, marks = built.text, built.marks
            request = GenerationRequest(
                messages=messages or (),
                prompt=prompt if messages is None else None,
                marks=marks,
                max_tokens=min(max_tokens or self.settings.max_tokens, self.settings.max_tokens),
                temperature=self.settings.temperature if temperature is None else temperature,
                stop=tuple(stop),
                seed=seed,
                infill=infill,
            )
            result = self._run(rec, role, request, run)
            return self._done(rec, result)

    def _fill_in_the_middle(
        self, infill: Infill, stop: Sequence[str], model: str | None
    ) -> tuple[MarkedText, tuple[str, ...]]:
        """The model's own fill-in-the-middle prompt for ``infill``, and the stops that keep
        its special tokens out of the answer."""
        info, resolved = self.runner.info(Role.COMPLETION, model)
        if info.fim is None:
            raise InputError(
                f"the model {resolved.name} has no fill-in-the-middle tokens, so it cannot "
                "take a suffix: leave suffix out, or choose a code model that has them"
            )
        fim = info.fim
        return fim.build(infill.before, infill.after), (*stop, *fim.stops)

    def refactor(
        self,
        path: Path | None,
        *,
        content: str | None = None,
        lines: str | None = None,
        instruction: str | None = None,
        apply: bool = False,
        label: str | None = None,
        run: RunOptions = NO_OPTIONS,
        attempts: int | None = None,
        retry: FailedRewrite | None = None,
    ) -> TaskResult:
        """``attempts``: most model answers (None: the setting); ``retry``: a rewrite a check
        outside refused (``--verify``), which the first answer repairs."""
        summary = {
            "path": str(path or label),
            "lines": lines,
            "instruction": instruction,
            "apply": apply,
        }
        with self._journaled(RequestType.REFACTOR, summary) as rec:
            if instruction is not None and not instruction.strip():
                raise InputError("--instruction is empty; say how to refactor, or leave it out")
            ctx, original = self._context(path, lines, label, content, apply)
            defined = defined_names(ctx.language.id, ctx.selected) or []
            messages = refactor_messages(ctx, instruction, defined)
            tries = self._tries(attempts, retry)
            return self._rewrite(
                rec,
                Role.REFACTOR,
                path,
                ctx,
                original,
                messages,
                apply,
                run,
                tries,
                keep_names=instruction is None,  # the user's own instruction may rename
            )

    def fix(
        self,
        path: Path | None,
        error: str,
        *,
        failing_code: str = "",
        content: str | None = None,
        lines: str | None = None,
        apply: bool = False,
        label: str | None = None,
        run: RunOptions = NO_OPTIONS,
        attempts: int | None = None,
        retry: FailedRewrite | None = None,
    ) -> TaskResult:
        """``attempts`` and ``retry`` as for ``refactor``; ``failing_code``: the code at the
        lines the error names in other files."""
        summary = {"path": str(path or label), "lines": lines, "error": error, "apply": apply}
        with self._journaled(RequestType.ERROR_FIX, summary) as rec:
            if not error.strip():
                raise InputError(
                    "the error text is empty; pass the message or traceback with --error"
                )
            ctx, original = self._context(path, lines, label, content, apply)
            messages = fix_messages(ctx, error, failing_code)
            tries = self._tries(attempts, retry)
            if ctx.is_whole_file and self.settings.rewrite_retry_focus:
                test_lines = failing_code or (retry.problem if retry is not None else "")
                focused = focused_retry(ctx, error, test_lines)
                moved = _moved_on(ctx, focused, retry)
                tries = dataclasses.replace(tries, focused=moved or focused)
            return self._rewrite(
                rec, Role.FIX, path, ctx, original, messages, apply, run, tries, keep_names=True
            )

    def complete(
        self,
        path: Path,
        line: int,
        column: int,
        *,
        options: CompletionOptions | None = None,
        run: RunOptions = NO_OPTIONS,
    ) -> TaskResult:
        content, _ = read_source(path, self.settings.max_file_bytes)
        ctx = CodeContext.at_cursor(str(path), content, line, column)
        return self.complete_context(ctx, options=options, run=run)

    def complete_context(
        self,
        ctx: CodeContext,
        *,
        options: CompletionOptions | None = None,
        workspace: str | None = None,
        chunks: Sequence[tuple[str, str]] = (),
        run: RunOptions = NO_OPTIONS,
    ) -> TaskResult:
        """Inline completion at the cursor of ``ctx`` (see the Completer for how)."""
        options = options or CompletionOptions(max_lines=self.settings.completion_max_lines)
        summary = {"path": ctx.path, "language": ctx.language.id, **ctx.metadata}
        with self._journaled(RequestType.COMPLETION, summary) as rec:
            done = self.completer.complete(
                ctx, options, workspace=workspace, chunks=chunks, cancel=run.cancel, model=run.model
            )
            rec.model = done.model
            rec.cached = done.source != "model"
            rec.confidence = done.confidence.to_dict() if done.confidence else None
            rec.gated = done.gated
            if done.finished is not None and done.source == "model":
                rec.timings = timings_of(done.finished)
            # An answer without the model evaluated nothing: its usage says so.
            nothing = Finished.without_output()
            result = TaskResult(
                rec.id,
                rec.type,
                done.model,
                done.text,
                finished=done.finished if done.source == "model" else nothing,
                cached=rec.cached,
                source=done.source,
                partial=done.partial,
                candidates=done.candidates,
                confidence=(
                    done.confidence.value(self.settings.completion_gate_measure)
                    if done.confidence
                    else None
                ),
                gated=done.gated,
                replace=done.replaces,
            )
            return self._done(rec, result)

    # -- shared machinery --------------------------------------------------------------

    @contextmanager
    def _journaled(self, kind: RequestType, summary: dict[str, Any]) -> Iterator[RequestRecord]:
        """Journal a request from pending to its final state, whatever happens inside."""
        with journaled(self.journal, kind, summary, self.active) as record:
            yield record

    def _done(self, record: RequestRecord, result: TaskResult) -> TaskResult:
        record.output = result.text
        record.finished_at = time.time()
        record.warnings = result.warnings
        record.transition(RequestStatus.COMPLETED)
        self.journal.save(record)
        return result

    def _context(
        self,
        path: Path | None,
        lines: str | None,
        label: str | None,
        content: str | None = None,
        apply: bool = False,
    ) -> tuple[CodeContext, bytes]:
        """The file (or ``content``, an editor's possibly unsaved text) as a context;
        ``label`` is the name shown to the model and in diffs."""
        name = label or str(path or "untitled")
        if content is None:
            if path is None:
                raise InputError("give the file's path, or its content")
            content, original = read_source(path, self.settings.max_file_bytes)
        else:
            if apply:
                raise InputError(
                    "apply writes files on disk; with content, apply the returned text yourself"
                )
            original = content.encode()
            content = decode_source(original, name, self.settings.max_file_bytes)
        if not content.strip():
            raise InputError(f"{name} is empty; there is nothing to change")
        if lines is None:
            return CodeContext.whole_file(name, content), original
        selection = Selection.parse(lines, len(source_lines(content)))
        return CodeContext.for_lines(name, content, selection), original

    def _tries(self, attempts: int | None, retry: FailedRewrite | None) -> Tries:
        settings = self.settings
        most = settings.rewrite_attempts if attempts is None else attempts
        return Tries(max(1, most), settings.rewrite_budget_seconds, retry)

    def _rewrite(
        self,
        record: RequestRecord,
        role: Role,
        file: Path | None,
        ctx: CodeContext,
        original: bytes,
        messages: list[Message],
        apply: bool,
        run: RunOptions,
        tries: Tries,
        *,
        keep_names: bool,
    ) -> TaskResult:
        # The answer repeats the code: keep room for it, and a little more for the changes.
        code_tokens = self.runner.count_tokens(
            role, GenerationRequest(prompt=ctx.selected), run.model
        )
        request = GenerationRequest(
            messages=messages,
            temperature=self.settings.temperature,
            max_tokens=max(self.settings.max_tokens, code_tokens * 3 // 2 + 256),
            reserve=code_tokens + 32,
            prompt_lookup=bool(self.settings.fast_apply),
            sources=tuple(dict.fromkeys(str(p) for p in (file, ctx.path) if p)),
        )

        def ask(asked: list[Message], again: bool) -> TaskResult:
            # A retry at temperature 0 mostly repeats the answer that failed: sample it.
            temperature = request.temperature
            if again:
                temperature = max(temperature, self.settings.rewrite_retry_temperature)
            retry = dataclasses.replace(request, messages=asked, temperature=temperature)
            return self._run(record, role, retry, run)

        done = rewrite_with_retries(ask, ctx, record.type, messages, tries, keep_names=keep_names)
        record.attempts, record.failed_checks = done.count, done.problems
        refusal = refusal_after(done)
        if refusal is not None:
            raise UnusableAnswerError(refusal)
        result, new_text = done.result, done.verdict.text
        result.text = new_text
        result.path = ctx.path
        result.attempts, result.failed_checks = done.count, done.problems
        result.diff = unified_diff(ctx.content, new_text, ctx.path or "file")
        result.warnings.extend(rewrite_warnings(ctx, record.type, result.diff, new_text))
        if apply and result.diff and file is not None:
            write_atomic(file, new_text, expected=original)
            result.applied = True
        return self._done(record, result)

    def _run(
        self,
        record: RequestRecord,
        role: Role,
        request: GenerationRequest,
        run: RunOptions,
    ) -> TaskResult:
        def started(model_name: str) -> None:
            record.transition(RequestStatus.PROCESSING)
            record.model = model_name  # kept if this process dies before the answer
            self.journal.save(record)

        outcome = self.runner.run(
            role,
            request,
            on_delta=run.on_delta,
            cancel=run.cancel,
            priority=run.priority,
            on_start=started,
            model=run.model,
        )
        finished, resolved = outcome.finished, outcome.model
        record.model = resolved.name
        record.cached = outcome.cached
        record.timings = timings_of(finished, outcome.queue_seconds)
        if finished.reason == "cancelled":
            record.output = finished.text
            why = run.cancel.reason if run.cancel is not None else None
            raise CancelledError(why or "the request was cancelled")
        return TaskResult(
            record.id,
            record.type,
            resolved.name,
            finished.text,
            finished=finished,
            warnings=[*([resolved.warning] if resolved.warning else []), *outcome.notes],
            cached=outcome.cached,
        )


def _cut_off(
    result: TaskResult, max_tokens: int, instead: str, *, quarter_of_context: bool = False
) -> list[str]:
    """The warning for an answer that its token limit or a full context cut off: nothing
    else says so but a finish reason few clients show. ``instead``: what the user may do
    rather than raise the limit."""
    done = result.finished
    if done is None or done.reason != "length":
        return []
    if done.completion_tokens < max_tokens:
        why = f"where the model's context was full: {instead}, or raise CODESAGA_N_CTX"
    elif quarter_of_context:
        why = (
            f"the most one answer may take (a quarter of the context): {instead}, or raise "
            "CODESAGA_N_CTX"
        )
    else:
        why = f"the most one answer may take: {instead}, or raise max_tokens (CODESAGA_MAX_TOKENS)"
    return [f"the answer was cut off at {done.completion_tokens} tokens, {why}"]
