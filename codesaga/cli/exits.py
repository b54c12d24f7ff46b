"""Exit codes and the one place errors become a one-line message.

| code | meaning                                                                 |
|------|-------------------------------------------------------------------------|
| 0    | success                                                                 |
| 1    | usage: a wrong option, argument or setting                              |
| 2    | input: a missing, binary, oversized or invalid file; bad --lines; a     |
|      | prompt longer than the model's context                                  |
| 3    | model: not installed, corrupt, download failed, or an unusable answer   |
| 130  | interrupted (Ctrl-C)                                                    |
"""

from __future__ import annotations

from codesaga.domain.errors import CodeSagaError, InputError, ModelError, UsageError

OK, USAGE, INPUT, MODEL, INTERRUPTED = 0, 1, 2, 3, 130


def exit_code_for(exc: CodeSagaError) -> int:
    if isinstance(exc, InputError):
        return INPUT
    if isinstance(exc, ModelError):
        return MODEL
    if isinstance(exc, UsageError):
        return USAGE
    return MODEL


def error_kind(exc: CodeSagaError) -> str:
    return {INPUT: "input", MODEL: "model", USAGE: "usage"}.get(exit_code_for(exc), "error")
