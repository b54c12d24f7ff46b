"""JSON-RPC 2.0 for CodeSaga, sans I/O: parse, validate, encode, and the error table.

Shared by the daemon's transports and by the client. One message per line on the Unix
socket (NDJSON), one per text frame on the WebSocket. Nothing here touches a socket.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from codesaga.domain.enums import Role

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 8 * 1024 * 1024  # a 1 MiB file, JSON-escaped, fits with room to spare
# What a client takes from its own daemon: a long chat session's history, say, can be more
# than any one request may be.
MAX_ANSWER_BYTES = 64 * 1024 * 1024
MAX_NESTING = 64  # no method's params nest deeper; deeper JSON would recurse in every handler
# A UTF-16 surrogate, escaped (``\ud800``) or, in text given as a str, raw (as
# "surrogatepass" encodes it): JSON lets one stand alone, which decodes to a string that
# cannot be encoded as UTF-8 again (the answer echoing its id, a journal record).
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")

# The methods that run a model, and the role whose model answers each by default
TASK_ROLES = {
    "generate": Role.GENERATE,
    "refactor": Role.REFACTOR,
    "fix": Role.FIX,
    "complete": Role.COMPLETION,
    "chat": Role.CHAT,
    "nextEdit": Role.COMPLETION,  # its rewrites use the completion model
}

# JSON-RPC's own codes for protocol faults
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
# CodeSaga's application codes (documented in docs/protocol.md)
MODEL_UNAVAILABLE = -32001  # not installed, corrupt, or failed to load / generate
CONTEXT_TOO_LONG = -32002
CANCELLED = -32003
QUEUE_FULL = -32004
UNAUTHORIZED = -32005
VERSION_MISMATCH = -32006
INPUT_ERROR = -32007  # the request's file or text cannot be used (binary, too big, ...)
NOT_INITIALIZED = -32008
STOPPING = -32009  # the daemon is stopping and did nothing of the request: send it again

ERROR_NAMES = {
    PARSE_ERROR: "parse error",
    INVALID_REQUEST: "invalid request",
    METHOD_NOT_FOUND: "method not found",
    INVALID_PARAMS: "invalid params",
    INTERNAL_ERROR: "internal error",
    MODEL_UNAVAILABLE: "model unavailable",
    CONTEXT_TOO_LONG: "context too long",
    CANCELLED: "cancelled",
    QUEUE_FULL: "queue full",
    UNAUTHORIZED: "unauthorized",
    VERSION_MISMATCH: "version mismatch",
    INPUT_ERROR: "input error",
    NOT_INITIALIZED: "not initialized",
    STOPPING: "stopping",
}


class RpcError(Exception):
    """An error to send back as a JSON-RPC error object (or received as one)."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


RequestId = int | str


@dataclass(frozen=True)
class Request:
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    id: RequestId | None = None  # None: a notification, which gets no response

    @property
    def is_notification(self) -> bool:
        return self.id is None


@dataclass(frozen=True)
class Response:
    id: RequestId | None
    result: Any = None
    error: RpcError | None = None


@dataclass(frozen=True)
class Invalid:
    """A message that could not be understood; ``id`` is echoed when it could be read."""

    error: RpcError
    id: RequestId | None = None


Message = Request | Response | Invalid


def load_json(data: bytes | str, *, unicode_checked: bool = True) -> Any:
    """``json.loads`` that refuses nesting deeper than ``MAX_NESTING`` (the decoder itself
    would raise ``RecursionError`` near 1,000 levels) and, unless ``unicode_checked`` is
    False (the caller checks, see ``lone_surrogate``), a string that is not valid Unicode.
    Raises ``ValueError`` saying why."""
    try:
        # JSON on the wire is UTF-8 (RFC 8259); json.loads would also take UTF-16 and -32,
        # whose escaped surrogates the byte search of lone_surrogate cannot see.
        obj = json.loads(data.decode("utf-8-sig") if isinstance(data, bytes) else data)
    except RecursionError:
        raise ValueError(f"JSON nested deeper than {MAX_NESTING} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"not valid JSON: {exc}") from None
    depth = nesting(obj)
    if depth > MAX_NESTING if depth is not None else nested_deeper(data, MAX_NESTING):
        raise ValueError(f"JSON nested deeper than {MAX_NESTING} levels")
    if unicode_checked and lone_surrogate(data, obj):
        raise ValueError(LONE_SURROGATE)
    return obj


LONE_SURROGATE = "not valid Unicode: a string holds a lone surrogate (\\ud800-\\udfff)"


def lone_surrogate(data: bytes | str, obj: Any) -> bool:
    """Whether ``obj``, decoded from ``data``, holds a string that is not valid Unicode (the
    search of ``data`` first: most messages have no surrogate escape at all)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return bool(_SURROGATE.search(raw)) and _holds_lone_surrogate(obj)


def _holds_lone_surrogate(obj: Any) -> bool:
    """Whether a string or key in ``obj`` holds a surrogate that no pair completes (the
    decoder joins escaped pairs into one character, so any left stands alone)."""
    stack = [obj]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


MAX_WALKED = 10_000  # items of a message's lists and objects walked for its depth, at most


def nesting(obj: Any) -> int | None:
    """How deep lists and objects nest in ``obj`` (a scalar is 0); iterative, never recurses.
    None when they hold more than MAX_WALKED items: then ``nested_deeper`` reads the text."""
    if not isinstance(obj, dict | list):
        return 0
    deepest = walked = 0
    stack = [(obj, 1)]  # containers only
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        walked += len(node)
        if walked > MAX_WALKED:
            return None
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_INNERMOST = re.compile(rb"\[\]|\{\}")


def nested_deeper(data: bytes | str, limit: int) -> bool:
    """Whether the lists and objects of ``data`` (valid JSON) nest deeper than ``limit``.
    Read from the text, each pass taking the innermost pairs of brackets away, outside the
    strings: a walk of the decoded objects took 5.6 s for a message of 2.7 million ``{}``
    and held the event loop, every client, all that time. (About 10 ns a byte: a message
    of a few lists and objects is walked instead.)"""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    for _ in range(limit):
        if not brackets:
            return False
        brackets = _INNERMOST.sub(b"", brackets)  # one level: pairs left now were outer
    return bool(brackets)


def parse(data: bytes | str, limit: int = MAX_MESSAGE_BYTES) -> Message:
    """Parse one message of at most ``limit`` bytes. Never raises: a bad message becomes
    ``Invalid`` with the right code."""
    if len(data) > limit:
        return Invalid(RpcError(INVALID_REQUEST, f"message over {limit} bytes"))
    try:
        obj = load_json(data, unicode_checked=False)
    except ValueError as exc:
        return Invalid(RpcError(PARSE_ERROR, str(exc)))
    if lone_surrogate(data, obj):
        # The id is echoed when it is itself readable, so the client learns which of its
        # requests failed (an editor clipping its text inside an emoji, say).
        raw_id = obj.get("id") if isinstance(obj, dict) else None
        ok_id = isinstance(raw_id, int | str) and not isinstance(raw_id, bool)
        echoed = raw_id if ok_id and not _holds_lone_surrogate(raw_id) else None
        return Invalid(RpcError(PARSE_ERROR, LONE_SURROGATE), echoed)
    if isinstance(obj, list):
        return Invalid(RpcError(INVALID_REQUEST, "batches are not supported; send one request"))
    if not isinstance(obj, dict) or obj.get("jsonrpc") != "2.0":
        return Invalid(RpcError(INVALID_REQUEST, 'expected an object with "jsonrpc": "2.0"'))
    raw_id = obj.get("id")
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, int | str)):
        return Invalid(RpcError(INVALID_REQUEST, "id must be a string or an integer"))
    msg_id: RequestId | None = raw_id
    if "method" in obj:
        method, params = obj["method"], obj.get("params", {})
        if not isinstance(method, str):
            return Invalid(RpcError(INVALID_REQUEST, "method must be a string"), msg_id)
        if not isinstance(params, dict):
            return Invalid(RpcError(INVALID_PARAMS, "params must be an object"), msg_id)
        return Request(method, params, msg_id)
    if "result" in obj or "error" in obj:
        err = obj.get("error")
        if err is not None:
            if not isinstance(err, dict):
                return Invalid(RpcError(INVALID_REQUEST, "error must be an object"), msg_id)
            code = err.get("code")
            error = RpcError(
                code if isinstance(code, int) else INTERNAL_ERROR,
                str(err.get("message", "")),
                err.get("data"),
            )
            return Response(msg_id, error=error)
        return Response(msg_id, result=obj.get("result"))
    return Invalid(RpcError(INVALID_REQUEST, "neither a request nor a response"), msg_id)


def _dump(obj: dict[str, Any], errors: str = "replace") -> bytes:
    """One message's bytes. By default a string that is not Unicode (a file name read from
    disk that is not UTF-8 holds surrogates) is sent with "?" in their place: an answer
    must not become an exception half-way."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8", errors)


def encode_request(
    method: str, params: dict[str, Any] | None = None, id: RequestId | None = None
) -> bytes:
    """A request's bytes; ``InputError`` if its text is not Unicode (an argument, a file
    name or piped text in another encoding): a client must not change what it asks."""
    obj: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        obj["params"] = params
    if id is not None:
        obj["id"] = id
    try:
        return _dump(obj, errors="strict")
    except UnicodeEncodeError:
        from codesaga.domain.errors import InputError

        raise InputError(
            "the request holds text that is not UTF-8 (an argument, a file name or piped "
            "text in another encoding); give it as UTF-8"
        ) from None


def encode_result(id: RequestId | None, result: Any) -> bytes:
    return _dump({"jsonrpc": "2.0", "id": id, "result": result})


def encode_error(id: RequestId | None, error: RpcError) -> bytes:
    return _dump({"jsonrpc": "2.0", "id": id, "error": error.to_json()})


def delta(request_id: RequestId, text: str) -> bytes:
    """The ``$/delta`` notification carrying streamed text of a running request: part of an
    answer, sent as answers are ("?" for what is not Unicode, say from an upstream's
    escapes), not refused as a client's request would be."""
    params = {"id": request_id, "text": text}
    return _dump({"jsonrpc": "2.0", "method": "$/delta", "params": params})


# -- parameter validation ----------------------------------------------------------------

_TYPES: dict[str, type | tuple[type, ...]] = {
    "str": str, "int": int, "bool": bool, "float": (int, float), "dict": dict, "list": list,
}  # fmt: skip


def require(params: dict[str, Any], name: str, kind: str, *, optional: bool = False) -> Any:
    """Read one parameter, raising ``INVALID_PARAMS`` naming it when missing or mistyped."""
    if name not in params or params[name] is None:
        if optional:
            return None
        raise RpcError(INVALID_PARAMS, f"missing parameter {name!r}")
    value = params[name]
    expected = _TYPES[kind]
    if (isinstance(value, bool) and kind != "bool") or not isinstance(value, expected):
        raise RpcError(INVALID_PARAMS, f"parameter {name!r} must be {kind}")
    return value


# -- mapping to and from CodeSaga's errors -----------------------------------------------


def error_from_exception(exc: BaseException) -> RpcError:
    """The JSON-RPC error a domain exception becomes on the wire."""
    from codesaga.domain import errors

    if isinstance(exc, RpcError):
        return exc
    kind = type(exc).__name__
    if isinstance(exc, errors.ContextTooLongError):
        return RpcError(CONTEXT_TOO_LONG, str(exc), {"kind": kind})
    if isinstance(exc, errors.CancelledError):
        return RpcError(CANCELLED, str(exc) or "cancelled", {"kind": kind})
    if isinstance(exc, errors.InputError):
        return RpcError(INPUT_ERROR, str(exc), {"kind": kind})
    if isinstance(exc, errors.ModelError):
        return RpcError(MODEL_UNAVAILABLE, str(exc), {"kind": kind})
    if isinstance(exc, errors.UsageError):
        return RpcError(INVALID_PARAMS, str(exc), {"kind": kind})
    if isinstance(exc, errors.BusyError):
        return RpcError(QUEUE_FULL, str(exc), {"kind": kind})
    if _disk_full(exc):  # was "internal error: OperationalError: database or disk is full"
        message = f"the daemon's disk is full ({exc}): free some space and ask again"
        return RpcError(INPUT_ERROR, message, {"kind": kind})
    return RpcError(INTERNAL_ERROR, f"internal error: {kind}: {exc}", {"kind": kind})


def _disk_full(exc: BaseException) -> bool:
    """A write the disk had no room for: the OS's ENOSPC or EDQUOT, or SQLite's (diskcache's
    stores) "database or disk is full"."""
    import errno

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return type(exc).__name__ == "OperationalError" and "disk is full" in str(exc)


def exception_from_error(error: RpcError) -> Exception:
    """What a client raises for an error response, so callers keep one error vocabulary."""
    from codesaga.domain import errors

    table: dict[int, type[Exception]] = {
        CONTEXT_TOO_LONG: errors.InputError,
        INPUT_ERROR: errors.InputError,
        MODEL_UNAVAILABLE: errors.ModelError,
        CANCELLED: errors.CancelledError,
        INVALID_PARAMS: errors.UsageError,
        QUEUE_FULL: errors.BusyError,
        VERSION_MISMATCH: errors.VersionMismatchError,
        UNAUTHORIZED: errors.DaemonError,
        NOT_INITIALIZED: errors.DaemonError,
        STOPPING: errors.NotTakenError,
        INTERNAL_ERROR: errors.DaemonError,
    }
    cls = table.get(error.code)
    if cls is None:
        return error
    # The daemon's own class where it says one, so a caller can tell a refused answer
    # (this request failed) from a missing model (every request will).
    kind = error.data.get("kind") if isinstance(error.data, dict) else None
    precise = {
        "UnusableAnswerError": errors.UnusableAnswerError,
        "ModelNotInstalledError": errors.ModelNotInstalledError,
        "ModelFileError": errors.ModelFileError,
        "PrivateContentError": errors.PrivateContentError,
    }.get(str(kind))
    if precise is not None and issubclass(precise, cls):
        cls = precise
    return cls(error.message)
