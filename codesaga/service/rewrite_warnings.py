"""What a user is told about a rewrite that was made but may not be what they wanted."""

from __future__ import annotations

from codesaga.domain.context import CodeContext
from codesaga.domain.enums import RequestType
from codesaga.service.syntax import check_syntax, lost_names


def rewrite_warnings(ctx: CodeContext, kind: RequestType, diff: str, new_text: str) -> list[str]:
    """Everything to say about a rewrite of ``ctx`` to ``new_text`` that will be shown."""
    warnings = [w for w in [unchanged_warning(diff, kind)] if w]
    lost = lost_names(ctx.language.id, ctx.content, new_text)
    if lost:
        warnings.append(lost_names_warning(lost))
    if kind is RequestType.REFACTOR:
        warnings.extend(w for w in [broken_original_warning(ctx)] if w)
    return warnings


def lost_names_warning(lost: list[str]) -> str:
    shown = ", ".join(lost[:5]) + (f" and {len(lost) - 5} more" if len(lost) > 5 else "")
    return (
        f"the rewrite no longer defines {shown} (renamed or removed): code that uses "
        f"{'it' if len(lost) == 1 else 'them'} elsewhere may break"
    )


def broken_original_warning(ctx: CodeContext) -> str | None:
    """A refactor keeps what working code does; code that does not parse gives the model
    nothing to keep (it may write another program), and no names can be checked."""
    check = check_syntax(ctx.language.id, ctx.content)
    if check.ok or not check.checked:
        return None
    where = f" (line {check.line})" if check.line else ""
    return (
        f"{ctx.path or 'the original'} does not parse as {ctx.language.name}{where}, so the "
        "rewrite could not be checked against it; to repair an error use `codesaga fix`"
    )


def unchanged_warning(diff: str, kind: RequestType) -> str | None:
    if diff:
        return None
    return f"the model returned the code unchanged; no {kind} was made"
