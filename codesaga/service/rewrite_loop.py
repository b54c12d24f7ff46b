"""Fix and refactor that retry: an answer that fails a check (no code, does not parse, loses
a name the code defined, a fix that changes nothing) is shown to the model again with what
the check said, until an answer passes or the attempts or the time budget run out.

A check outside the daemon (``--verify``, run by the saga) comes back as a ``FailedRewrite``
that the first attempt starts from.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from codesaga.domain.context import CodeContext, Selection
from codesaga.domain.enums import RequestType
from codesaga.domain.errors import ContextTooLongError, ModelError, UnusableAnswerError
from codesaga.domain.extract import extract_code, match_layout
from codesaga.domain.failing_lines import unless_shown
from codesaga.domain.fix_focus import failing_function
from codesaga.domain.prompts import Message, focused_fix_messages, retry_messages
from codesaga.domain.retry import FailedRewrite
from codesaga.domain.splice import unreachable_after, without_echoes
from codesaga.service.syntax import (
    check_syntax,
    defined_names,
    functions_in,
    lost_names,
    repeated_definitions,
    require_parses,
)
from codesaga.service.task_result import TaskResult

# One model answer to these messages (journaled by the caller); True: a retry, of an answer
# that failed a check (here or outside: --verify), which samples more freely.
Ask = Callable[[list[Message], bool], TaskResult]


@dataclass(frozen=True)
class FocusedRetry:
    """A retry that asks for one function written again (see domain/fix_focus.py): the
    function's lines as the selection its answer replaces, and the messages that ask."""

    name: str  # the function's
    ctx: CodeContext
    messages: list[Message]
    # The function's lines without its decorators, for an answer that leaves them out (it
    # took their place, and `@staticmethod` or a route was gone); None: it has none.
    undecorated: CodeContext | None = None


@dataclass(frozen=True)
class Tries:
    attempts: int = 1  # most model answers
    budget_seconds: float = 300.0  # no retry starts after this long
    retry: FailedRewrite | None = None  # what the first attempt repairs
    focused: FocusedRetry | None = None  # how retries ask, when not the first request again


@dataclass(frozen=True)
class Verdict:
    text: str  # the whole new file ("" when the answer had no code)
    problem: str | None = None  # why it fails, said to the model; None: it passes
    refusal: str | None = None  # the user's error when no attempt is left; None: usable


@dataclass
class Attempts:
    result: TaskResult  # the last answer
    verdict: Verdict  # and what the checks said of it
    count: int
    problems: list[str] = field(default_factory=list)  # of every answer that failed, in order


def rewrite_with_retries(
    ask: Ask,
    ctx: CodeContext,
    kind: RequestType,
    messages: list[Message],
    tries: Tries,
    *,
    keep_names: bool,
) -> Attempts:
    """Answers until one passes the checks; the last one when none did. Raises for an
    answer that was cut off (a retry would be cut off too) and for a first prompt that does
    not fit; a retry's prompt that does not fit ends the retries instead."""
    deadline = time.monotonic() + tries.budget_seconds
    asked, focus = messages, None
    if tries.retry is not None:
        asked, focus = _retry(messages, ctx, tries, tries.retry.text, tries.retry.problem)
    done: Attempts | None = None
    for n in range(1, max(1, tries.attempts) + 1):
        try:
            result = ask(asked, n > 1 or tries.retry is not None)
        except ContextTooLongError:
            if done is None:
                raise
            break
        _refuse_cut_off(result)
        verdict = judge(
            _judged_in(focus, ctx, result.text), kind, result.text, keep_names=keep_names
        )
        problems = list(done.problems) if done else []
        if verdict.problem is not None:
            problems.append(verdict.problem)
        done = Attempts(result, verdict, n, problems)
        if verdict.problem is None or time.monotonic() > deadline:
            break
        asked, focus = _retry(messages, ctx, tries, verdict.text or ctx.content, verdict.problem)
    assert done is not None
    return done


def _retry(
    messages: list[Message], ctx: CodeContext, tries: Tries, attempt: str, problem: str
) -> tuple[list[Message], FocusedRetry | None]:
    """A retry's messages, and its focus when it asks for one function: the same question
    afresh each time, sampled (shown its failed answers, the 1.5B wrote them again); else
    the first request told what the attempt changed and what failed."""
    if tries.focused is not None:
        return tries.focused.messages, tries.focused
    return _again(messages, ctx, attempt, problem), None


def _judged_in(focus: FocusedRetry | None, ctx: CodeContext, answer: str) -> CodeContext:
    """The context to judge ``answer`` in: the focused function's lines, unless the answer
    holds more of the file than that function (it defines another of the file's functions
    or classes), when it is taken as the whole file."""
    if focus is None:
        return ctx
    language = ctx.language.id
    code = extract_code(answer, language)
    names = defined_names(language, code) or []
    others = set(defined_names(language, ctx.content) or []) - {focus.name}
    if others.intersection(names):
        return ctx
    if focus.undecorated is not None and not _decorated(code):
        return focus.undecorated
    return focus.ctx


def _decorated(code: str) -> bool:
    """Whether ``code`` begins with a decorator (after blank and comment lines)."""
    for line in code.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "//")):
            return stripped.startswith("@")
    return False


def focused_retry(ctx: CodeContext, error: str, test_lines: str) -> FocusedRetry | None:
    """The focused retry of a fix of the whole file ``ctx``: for the function that the
    failing lines of a test (``test_lines``, as failing_lines shows them) call; None when
    they call none of the file's functions, or one defined twice."""
    function = failing_function(functions_in(ctx.language.id, ctx.content), test_lines)
    if function is None:
        return None
    language = ctx.language.id
    lines = Selection(function.first_line, function.last_line)
    part = CodeContext.for_lines(ctx.path, ctx.content, lines, language)
    undecorated = None
    if function.def_line is not None:
        bare = Selection(function.def_line, function.last_line)
        undecorated = CodeContext.for_lines(ctx.path, ctx.content, bare, language)
    messages = focused_fix_messages(ctx, function.name, error, test_lines)
    return FocusedRetry(function.name, part, messages, undecorated)


def judge(ctx: CodeContext, kind: RequestType, answer: str, *, keep_names: bool) -> Verdict:
    """What the checks say of one answer: the new file, and why it fails if it does."""
    code = extract_code(answer, ctx.language.id)
    if not code.strip():
        return Verdict(
            "",
            "Your answer has no code.",
            "the model answered without any code; nothing was changed",
        )
    crlf = "\r\n" in ctx.content
    part = match_layout(_selection_of(ctx, code), ctx.selected, crlf)
    part = without_echoes(part, ctx.before, ctx.selected, ctx.after)
    new_text = ctx.before + part + ctx.after
    syntax = check_syntax(ctx.language.id, new_text)
    if not syntax.ok:
        try:
            name = ctx.path or "the file"
            require_parses(ctx.language, ctx.content, new_text, name=name, must_parse=_is_fix(kind))
        except ModelError as exc:
            where = f" at line {syntax.line}" if syntax.line else ""
            problem = f"That code is not valid {ctx.language.name}{where}: {syntax.note}."
            return Verdict(new_text, problem, str(exc))
    # A repeat first: it is refused whatever else is wrong (judged after a lost name, it was
    # written as an answer that had only lost one).
    repeated = repeated_definitions(ctx.language.id, ctx.content, new_text)
    if repeated:
        names = ", ".join(repeated)
        return Verdict(
            new_text,
            f"That code defines {names} again, though the rest of the file already does: "
            "answer with the code that replaces the lines you were given, nothing around them.",
            f"the model's rewrite would define {names} twice (it answered with more than the "
            "lines it was given); nothing was changed. Try again, or select whole functions",
        )
    never_run = unreachable_after(part, ctx.selected, ctx.after)
    if never_run is not None:
        return Verdict(
            new_text,
            f"That code ends before the lines that follow the ones you were given, so they "
            f"would never run (the next is `{never_run.strip()}`): answer with the code that "
            "replaces the lines you were given, nothing after them.",
            "the model's rewrite returns before the lines that follow the selection, so they "
            "would never run (it answered with more than the lines it was given); nothing was "
            "changed. Try again, or select whole functions",
        )
    lost = lost_names(ctx.language.id, ctx.content, new_text) if keep_names else []
    if lost:
        them = "it" if len(lost) == 1 else "every one of them"
        problem = (
            f"That code no longer defines {', '.join(lost)}, which other code uses: keep {them}."
        )
        return Verdict(new_text, problem)
    if _is_fix(kind) and new_text == ctx.content:
        return Verdict(new_text, "That is the code unchanged: it still fails. Fix the cause.")
    return Verdict(new_text)


def _selection_of(ctx: CodeContext, code: str) -> str:
    """What of an answer replaces the selection of ``ctx``: the answer, or, when it is the
    whole file (the text around the selection as it was, the model having echoed it), its
    part in the selection's place; spliced in whole, the file had its imports and other
    functions twice, and parsed and kept its names, so every check passed."""
    if not (ctx.before.strip() or ctx.after.strip()):
        return code
    for whole in (code, code + "\n"):
        part = ctx.selection_in(whole)
        if part is not None:
            return part
    return code


def _is_fix(kind: RequestType) -> bool:
    return kind is RequestType.ERROR_FIX


def _again(messages: list[Message], ctx: CodeContext, attempt: str, problem: str) -> list[Message]:
    """The retry's messages: what the attempt (the whole file as it left it) changed in the
    selection the model was shown (or in the file, when the selection is not found there)."""
    part = ctx.selection_in(attempt)
    before, after = (ctx.content, attempt) if part is None else (ctx.selected, part)
    shown = unless_shown(problem, messages[-1].content)
    return retry_messages(messages, before, after, shown, ctx.path or "code")


def _refuse_cut_off(result: TaskResult) -> None:
    finished = result.finished
    assert finished is not None
    if finished.reason == "length":
        raise UnusableAnswerError(
            f"the model's answer was cut off after {finished.completion_tokens} tokens, so "
            "nothing was changed; select fewer lines with --lines"
        )


def refusal_after(done: Attempts) -> str | None:
    """The error for a last answer no one may use, saying how many attempts were made."""
    refusal = done.verdict.refusal
    if refusal is None or done.verdict.problem is None:
        return None
    return refusal if done.count == 1 else f"{refusal} (after {done.count} attempts)"
