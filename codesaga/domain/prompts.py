"""Chat prompts for the code tasks. Small models follow short, concrete instructions best."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from codesaga.domain.context import CodeContext
from codesaga.domain.diff import unified_diff
from codesaga.domain.source import source_lines

DEFAULT_REFACTOR_INSTRUCTION = (
    "Improve readability and structure: clearer local names, smaller functions, no "
    "duplication, idiomatic constructs, type hints where the language has them."
)
# Said with every refactor: small models otherwise "improve" behaviour and rename APIs.
KEEP_BEHAVIOUR = (
    "Keep the behaviour exactly the same, including the errors it raises and what it prints, "
    "and keep the names of existing functions, classes, methods and parameters."
)
# With the default instruction ("clearer local names") the 1.5B model still renamed the
# functions of examples/inventory.py until their names were listed in the last line (listed
# next to KEEP_BEHAVIOUR they were kept, but a condition was dropped). A user's own
# instruction gets no list: it made the model too timid to change anything in a measured case.
KEEP_NAMES_LISTED = 40
RETRY_REPLY = "Reply with the complete corrected code in one fenced block."
# Lines of the surrounding file shown with a selection, so the model sees names it uses.
SURROUNDING_LINES = 40


@dataclass(frozen=True)
class Message:
    role: Literal["system", "user", "assistant"]
    content: str


def fence(code: str, tag: str) -> str:
    """Wrap code in a fence longer than any backtick run inside it."""
    ticks = "```"
    while ticks in code:
        ticks += "`"
    return f"{ticks}{tag}\n{code}{'' if code.endswith(chr(10)) else chr(10)}{ticks}"


def _system(ctx: CodeContext) -> Message:
    return Message(
        "system",
        f"You are CodeSaga, an expert {ctx.language.name} programmer. "
        "You answer with the complete code in one fenced code block and nothing else.",
    )


def _surroundings(ctx: CodeContext) -> str:
    if ctx.is_whole_file:
        return ""
    before = "".join(source_lines(ctx.before)[-SURROUNDING_LINES:])
    after = "".join(source_lines(ctx.after)[:SURROUNDING_LINES])
    tag = ctx.language.id
    parts = ["For reference only (do not repeat it), the code around the part to change:\n"]
    if before:
        parts.append(f"Before:\n{fence(before, tag)}\n")
    if after:
        parts.append(f"After:\n{fence(after, tag)}\n")
    return "\n".join(parts) + "\n"


def _where(ctx: CodeContext) -> str:
    name = f" from {ctx.path}" if ctx.path else ""
    if ctx.is_whole_file:
        return f"this {ctx.language.name} file{name}"
    lines = ctx.metadata.get("lines")
    span = f" (lines {lines[0]}-{lines[1]})" if lines else ""
    return f"this part{span} of a {ctx.language.name} file{name}"


def refactor_messages(
    ctx: CodeContext, instruction: str | None, defined: Sequence[str] = ()
) -> list[Message]:
    """``defined``: the functions, classes and methods the code defines."""
    task = (instruction or DEFAULT_REFACTOR_INSTRUCTION).strip()
    reply = "Reply with the complete rewritten code in one fenced block"
    if instruction is None and defined:
        reply += f", with the same names for {', '.join(defined[:KEEP_NAMES_LISTED])}"
    user = (
        f"{_surroundings(ctx)}Refactor {_where(ctx)}.\n"
        f"Instruction: {task}\n{KEEP_BEHAVIOUR}\n\n"
        f"{fence(ctx.selected, ctx.language.id)}\n\n"
        f"{reply}."
    )
    return [_system(ctx), Message("user", user)]


def fix_messages(ctx: CodeContext, error: str, failing_code: str = "") -> list[Message]:
    """``failing_code``: the code at the lines the error names in other files (a test's)."""
    code = f"{failing_code.strip()}\n\n" if failing_code.strip() else ""
    user = (
        f"{_surroundings(ctx)}Fix {_where(ctx)}. It fails with this error:\n\n"
        f"{fence(error.strip(), 'text')}\n\n{code}"
        f"{fence(ctx.selected, ctx.language.id)}\n\n"
        "Reply with the complete corrected code in one fenced block. Change only what the fix "
        "needs."
    )
    return [_system(ctx), Message("user", user)]


def focused_fix_messages(
    ctx: CodeContext, function: str, error: str, failing_code: str = ""
) -> list[Message]:
    """A fix's retry that asks for one function of the whole file ``ctx`` written again: the
    one the failing test calls (see domain/fix_focus.py), not the file repaired."""
    code = f"{failing_code.strip()}\n\n" if failing_code.strip() else ""
    name = ctx.path or "this file"
    user = (
        f"The function `{function}` in {name} is wrong: with it, the check below fails.\n\n"
        f"{name}:\n{fence(ctx.content, ctx.language.id)}\n\n{code}"
        f"The check failed with:\n{fence(error.strip(), 'text')}\n\n"
        f"Write `{function}` again, correctly, so that the check passes. Reply with only the "
        f"code of `{function}`, in one fenced block."
    )
    system = f"You are CodeSaga, an expert {ctx.language.name} programmer."
    return [Message("system", system), Message("user", user)]


def retry_messages(
    messages: Sequence[Message], before: str, attempt: str, problem: str, name: str
) -> list[Message]:
    """The first request again, told what the attempt that failed a check changed (a diff
    from ``before``) and what the check said. Not the conversation with the failed answer as
    the model's turn (aider's way): held to its own answer, the 1.5B mostly wrote it again
    (bench/fix_loop_bench.py, 35 programs: one attempt 71 %, three 74 %; asked afresh with
    the diff, 69 % and 77 %)."""
    diff = unified_diff(before, attempt, name)
    change = f"this change:\n{fence(diff, 'diff')}" if diff else "no change at all."
    note = f"An earlier attempt made {change}\n{problem}\nDo not repeat that attempt."
    *head, last = messages
    return [*head, Message(last.role, f"{last.content}\n\n{note}\n\n{RETRY_REPLY}")]


def generate_messages(prompt: str, language: str | None) -> list[Message]:
    system = (
        "You are CodeSaga, a concise coding assistant. Put code in fenced blocks with a "
        "language tag; keep explanations short."
    )
    user = prompt.strip()
    if language:
        user += f"\n\nUse {language}."
    return [Message("system", system), Message("user", user)]
