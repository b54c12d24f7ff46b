"""The error families every entry point maps to exit codes (see ``codesaga.cli.exits``).

Each error carries a message a person can act on: what went wrong and what to do next.
"""

from __future__ import annotations


class CodeSagaError(Exception):
    """Base of every error CodeSaga reports to a user instead of a traceback."""


class UsageError(CodeSagaError):
    """The command line itself is wrong (an unknown option, conflicting flags)."""


class InputError(CodeSagaError):
    """What the user gave us cannot be used: a missing, binary or oversized file, bad lines."""


class ContextTooLongError(InputError):
    """The prompt does not fit in the model's context window."""

    def __init__(self, prompt_tokens: int, n_ctx: int, reserve: int) -> None:
        self.prompt_tokens = prompt_tokens
        self.n_ctx = n_ctx
        super().__init__(
            f"the prompt is {prompt_tokens} tokens but the model context holds {n_ctx} "
            f"(with {reserve} kept for the answer): give it less text (a refactor or fix: "
            f"fewer lines with --lines), or raise CODESAGA_N_CTX"
        )


class ModelError(CodeSagaError):
    """A model is missing, corrupt, cannot be fetched or failed while generating."""


class ModelNotInstalledError(ModelError):
    pass


class UnusableAnswerError(ModelError):
    """The model answered, but not with what the request can use (no code, code that does
    not parse, cut off, names lost): this request failed, the model itself is fine."""


class ModelFileError(ModelError):
    """A model file exists but is not a usable GGUF (wrong magic, truncated, unreadable)."""


class FetchError(ModelError):
    """Downloading or assembling a model failed; nothing half-installed is left behind."""


class CancelledError(CodeSagaError):
    """The request was cancelled before it finished."""


class BusyError(CodeSagaError):
    """The daemon's queue for the model is full; the request was not taken."""


class DaemonError(CodeSagaError):
    """The daemon could not be reached, started, stopped, or speaks another version."""


class NotTakenError(DaemonError):
    """The daemon refused a request because it is stopping (an idle exit, a stop): nothing
    of it was done, so it can be sent again, to a new daemon."""


class VersionMismatchError(DaemonError):
    """The daemon runs another version of CodeSaga or of the protocol."""


class VerifyFailedError(CodeSagaError):
    """A saga's --verify command failed on the changed files; the files were put back."""


class UpstreamError(ModelError):
    """A remote inference server failed: refused, timed out, answered an error or nonsense.

    ``before_output`` says whether any text had been produced: only then can another
    upstream (or the local model) take the request over without the client seeing it twice.
    ``this_request_only``: the server refused this request (too long for its context, a
    parameter it rejects), not every request: it stays in service for the next ones.
    """

    def __init__(
        self,
        message: str,
        *,
        before_output: bool = True,
        this_request_only: bool = False,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.before_output = before_output
        self.this_request_only = this_request_only
        self.status = status  # the HTTP status the server answered, if it answered one


class PrivateContentError(InputError):
    """A request holds a file matched by private_paths and no local model may answer it."""
