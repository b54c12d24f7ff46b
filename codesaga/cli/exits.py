"""Exit codes and the one place errors become a one-line message.

| code | meaning                                                                 |
|------|-------------------------------------------------------------------------|
| 0    | success                                                                 |
| 1    | usage: a wrong option, argument or setting; or a check found something |
|      | (`hook run --mode check` has suggestions, `upstreams check` a server    |
|      | that does not answer)                                                   |
| 2    | input: a missing, binary, oversized or invalid file; bad --lines; a     |
|      | prompt longer than the model's context                                  |
| 3    | model: not installed, corrupt, download failed, or an unusable answer   |
| 4    | daemon: busy, unreachable, failed to start, or of another version       |
| 5    | verify: a saga's --verify command failed (the files were put back)      |
| 130  | interrupted (Ctrl-C), or the daemon cancelled the request (it stopped)  |
"""

from __future__ import annotations

from codesaga.domain.errors import (
    BusyError,
    CancelledError,
    CodeSagaError,
    DaemonError,
    InputError,
    ModelError,
    UsageError,
    VerifyFailedError,
)

OK, USAGE, INPUT, MODEL, DAEMON, VERIFY, INTERRUPTED = 0, 1, 2, 3, 4, 5, 130


def exit_code_for(exc: CodeSagaError) -> int:
    if isinstance(exc, InputError):
        return INPUT
    if isinstance(exc, ModelError):
        return MODEL
    if isinstance(exc, UsageError):
        return USAGE
    if isinstance(exc, BusyError | DaemonError):
        return DAEMON
    if isinstance(exc, VerifyFailedError):
        return VERIFY
    if isinstance(exc, CancelledError):  # the daemon stopped it (shutting down, replaced)
        return INTERRUPTED
    return MODEL


def error_kind(exc: CodeSagaError) -> str:
    kinds = {
        INPUT: "input",
        MODEL: "model",
        USAGE: "usage",
        DAEMON: "daemon",
        VERIFY: "verify",
        INTERRUPTED: "cancelled",
    }
    return kinds.get(exit_code_for(exc), "error")
