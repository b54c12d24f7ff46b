"""The OpenAI API's wire format, without I/O: request fields decoded and checked, answers
and stream chunks shaped, failures mapped to an HTTP status and an OpenAI-style error body.
The HTTP server (``http_api``) only moves these between the socket and the use cases."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from codesaga.domain.errors import ContextTooLongError, ModelFileError, ModelNotInstalledError
from codesaga.domain.prompts import Message
from codesaga.protocol import jsonrpc as p

if TYPE_CHECKING:
    from codesaga.service.task_result import TaskResult

DEFAULT_MODEL = "codesaga"  # the role's model, local or routed upstream
ROLES = ("system", "user", "assistant")
# Roles of newer or richer clients, read as ours: OpenAI's `developer` is its system role;
# a tool's (or the old function's) answer in a history is text the model was given.
ROLE_ALIASES = {"developer": "system", "tool": "user", "function": "user"}


class ApiError(Exception):
    def __init__(
        self,
        status: HTTPStatus,
        message: str,
        kind: str = "invalid_request_error",
        code: str | None = None,
        *,
        retry: bool = True,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.code = code  # OpenAI's own name for it, which clients match (None: none)
        # False for a failure no retry mends (a model not installed or corrupt): the `openai`
        # clients retry any 5xx unless the answer says not to.
        self.retry = retry

    def body(self) -> dict[str, Any]:
        # A string or null, as OpenAI's schema has it: the status as a number there made
        # strictly typed clients fail to read the error itself.
        error = {"message": str(self), "type": self.kind, "param": None, "code": self.code}
        return {"error": error}

    def headers(self) -> dict[str, str] | None:
        return None if self.retry else {"x-should-retry": "false"}


def api_error(exc: BaseException) -> ApiError:
    """The HTTP status and OpenAI-style error a failure becomes (the RPC mapping, reused)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ContextTooLongError):  # in the words clients look for
        return ApiError(
            HTTPStatus.BAD_REQUEST,
            f"This model's maximum context length is {exc.n_ctx} tokens; the prompt is "
            f"{exc.prompt_tokens} tokens (CODESAGA_N_CTX sets the context)",
            code="context_length_exceeded",
        )
    if isinstance(exc, ModelNotInstalledError):
        return ApiError(HTTPStatus.NOT_FOUND, str(exc), code="model_not_found", retry=False)
    error = p.error_from_exception(exc)
    status = {
        p.INPUT_ERROR: HTTPStatus.BAD_REQUEST,
        p.CONTEXT_TOO_LONG: HTTPStatus.BAD_REQUEST,
        p.INVALID_PARAMS: HTTPStatus.BAD_REQUEST,
        p.MODEL_UNAVAILABLE: HTTPStatus.SERVICE_UNAVAILABLE,
        p.QUEUE_FULL: HTTPStatus.TOO_MANY_REQUESTS,
        p.CANCELLED: HTTPStatus.SERVICE_UNAVAILABLE,
    }.get(error.code, HTTPStatus.INTERNAL_SERVER_ERROR)
    kind = "server_error" if status >= 500 else "invalid_request_error"
    return ApiError(status, error.message, kind, retry=not isinstance(exc, ModelFileError))


def refusal(status: HTTPStatus, reason: str) -> ApiError:
    """A request refused at the door (token, Host, Origin, size)."""
    kinds = {
        HTTPStatus.UNAUTHORIZED: "authentication_error",
        HTTPStatus.FORBIDDEN: "permission_error",
    }
    return ApiError(status, reason, kinds.get(status, "invalid_request_error"))


def json_body(body: bytes) -> dict[str, Any]:
    try:
        data = p.load_json(body)
    except ValueError as exc:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"the body: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
    return data


def chat_messages(params: dict[str, Any]) -> list[Message]:
    raw = params.get("messages")
    if not isinstance(raw, list) or not raw:
        raise ApiError(HTTPStatus.BAD_REQUEST, "messages must be a non-empty list")
    return [_message(m) for m in raw]


def completion_prompt(params: dict[str, Any]) -> str:
    prompt = params.get("prompt")
    if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
        prompt = prompt[0]
    # Empty is a cursor at the start of a file when a suffix follows (a fill in the middle).
    filling = isinstance(params.get("suffix"), str)
    if not isinstance(prompt, str) or not (prompt or filling):
        raise ApiError(HTTPStatus.BAD_REQUEST, "prompt must be a non-empty string")
    return prompt


def completion_suffix(params: dict[str, Any]) -> str | None:
    """The text after the insertion point (a fill-in-the-middle request), or None."""
    suffix = params.get("suffix")
    if suffix is not None and not isinstance(suffix, str):
        raise ApiError(HTTPStatus.BAD_REQUEST, "suffix must be a string")
    return suffix


def _message(raw: object) -> Message:
    role = raw.get("role") if isinstance(raw, dict) else None
    role = ROLE_ALIASES.get(role, role) if isinstance(role, str) else None
    if not isinstance(raw, dict) or role not in ROLES:
        known = ", ".join((*ROLES, *ROLE_ALIASES))
        raise ApiError(HTTPStatus.BAD_REQUEST, f"each message needs a role among {known}")
    content = raw.get("content")
    if content is None:  # an assistant's turn that only called tools
        content = ""
    if isinstance(content, list):  # content parts: the text ones, a line each
        content = "\n".join(_text_part(part) for part in content)
    if not isinstance(content, str):
        raise ApiError(HTTPStatus.BAD_REQUEST, "a message's content must be text")
    return Message(role, content)  # type: ignore[arg-type]  # one of ROLES, checked above


def _text_part(part: object) -> str:
    if not isinstance(part, dict):
        raise ApiError(HTTPStatus.BAD_REQUEST, 'a content part must be an object: {"type": …}')
    kind = part.get("type", "text")
    if kind != "text":
        # Dropped, an image left the model answering as if it had never been sent.
        raise ApiError(
            HTTPStatus.BAD_REQUEST, f"content parts must be text: this server reads no {kind}"
        )
    text = part.get("text", "")
    if not isinstance(text, str):  # its repr went to the model
        raise ApiError(HTTPStatus.BAD_REQUEST, "a text part's text must be a string")
    return text


def _refuse_what_cannot_be_honoured(params: dict[str, Any]) -> None:
    """Fields whose answer would look fine and be wrong if ignored: forced tool calls, a
    response format, log-probabilities. (Tools offered with tool_choice auto or none are
    fine: answering in text is what a model that calls none does.)"""
    choice = params.get("tool_choice")
    if choice not in (None, "auto", "none"):
        raise ApiError(
            HTTPStatus.BAD_REQUEST,
            "tool_choice must be auto or none: this server answers in text and calls no tools",
        )
    response_format = params.get("response_format")
    kind = response_format.get("type") if isinstance(response_format, dict) else response_format
    if kind not in (None, "text"):
        raise ApiError(
            HTTPStatus.BAD_REQUEST,
            f"response_format {kind!r} is not supported: this server answers in plain text",
        )
    if params.get("logprobs") not in (None, False, 0) or params.get("top_logprobs"):
        raise ApiError(HTTPStatus.BAD_REQUEST, "logprobs are not supported by this server")
    if params.get("logit_bias"):  # the answer a bias asks for differs from the one given
        raise ApiError(HTTPStatus.BAD_REQUEST, "logit_bias is not supported by this server")
    if params.get("echo"):
        raise ApiError(HTTPStatus.BAD_REQUEST, "echo is not supported by this server")
    if params.get("best_of") not in (None, 1):
        raise ApiError(HTTPStatus.BAD_REQUEST, "best_of must be 1: this server gives one choice")


MAX_STOPS = 16


def options(params: dict[str, Any]) -> dict[str, Any]:
    """The generation options of a request: ``max_tokens``, ``temperature``, ``seed``,
    ``stop`` (for the use case) and ``stream``, ``include_usage`` (for the answer)."""

    def number(name: str, kind: type, low: float, high: float) -> Any:
        value = params.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ApiError(HTTPStatus.BAD_REQUEST, f"{name} must be a number")
        if kind is int and isinstance(value, float) and not value.is_integer():  # 2.7 was 2
            raise ApiError(HTTPStatus.BAD_REQUEST, f"{name} must be a whole number")
        if not low <= value <= high:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"{name} must be between {low} and {high}")
        return kind(value)

    if number("n", int, 1, 128) not in (None, 1):  # a client would wait for n choices
        raise ApiError(HTTPStatus.BAD_REQUEST, "n must be 1: this server gives one choice")
    _refuse_what_cannot_be_honoured(params)
    stream = params.get("stream")
    if stream is not None and not isinstance(stream, bool):  # "false" was true
        raise ApiError(HTTPStatus.BAD_REQUEST, "stream must be true or false")
    stop = params.get("stop") or []
    if isinstance(stop, str):
        stop = [stop]
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
        raise ApiError(HTTPStatus.BAD_REQUEST, "stop must be a string or a list of strings")
    if len(stop) > MAX_STOPS:  # cut, the rest were ignored
        raise ApiError(HTTPStatus.BAD_REQUEST, f"stop may hold at most {MAX_STOPS} strings")
    stream_options = params.get("stream_options") or {}
    # The newer name wins when it has a value (a client may send it null beside max_tokens).
    has_new = params.get("max_completion_tokens") is not None
    tokens_key = "max_completion_tokens" if has_new else "max_tokens"
    return {
        "max_tokens": number(tokens_key, int, 1, 1 << 20),
        "temperature": number("temperature", float, 0.0, 2.0),
        "seed": number("seed", int, -(1 << 63), (1 << 63) - 1),
        "stop": stop,
        "stream": bool(stream),
        "include_usage": isinstance(stream_options, dict)
        and bool(stream_options.get("include_usage")),
    }


def usage(result: TaskResult) -> dict[str, int]:
    f = result.finished
    prompt = f.prompt_tokens if f else 0
    completion = f.completion_tokens if f else 0
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


@dataclass(frozen=True)
class Answer:
    """What every chunk (or the whole response) of one answer repeats."""

    kind: str  # "chat.completion" or "text_completion"
    chat: bool
    created: int
    id: str  # unique per answer: clients key streamed chunks by it
    model: str

    @classmethod
    def new(cls, *, chat: bool, model: str | None) -> Answer:
        kind, prefix = ("chat.completion", "chatcmpl") if chat else ("text_completion", "cmpl")
        return cls(
            kind, chat, int(time.time()), f"{prefix}-{uuid.uuid4().hex}", model or DEFAULT_MODEL
        )


def whole(result: TaskResult, answer: Answer) -> dict[str, Any]:
    reason = result.finished.reason if result.finished else "stop"
    choice: dict[str, Any] = {"index": 0, "finish_reason": reason}
    if answer.chat:
        choice["message"] = {"role": "assistant", "content": result.text}
    else:
        choice |= {"text": result.text, "logprobs": None}
    return {
        "id": f"{'chatcmpl' if answer.chat else 'cmpl'}-{result.request_id}",
        "object": answer.kind,
        "created": answer.created,
        "model": result.model,
        "choices": [choice],
        "usage": usage(result),
    }


def chunk(
    answer: Answer, model: str, text: str, first: bool, reason: str | None = None
) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": 0, "finish_reason": reason}
    if answer.chat:
        delta: dict[str, Any] = {"content": text} if text or not reason else {}
        if first:
            delta["role"] = "assistant"
        choice["delta"] = delta
    else:
        choice |= {"text": text, "logprobs": None}
    return {
        "id": answer.id,
        "object": f"{answer.kind}.chunk" if answer.chat else answer.kind,
        "created": answer.created,
        "model": model,
        "choices": [choice],
    }


def event(payload: dict[str, Any]) -> bytes:
    """One server-sent event."""
    return b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n"


DONE_EVENT = b"data: [DONE]\n\n"
