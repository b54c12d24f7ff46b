"""One frozen type per JSON-RPC method's params, decoded in one place.

Fields are snake_case here and camelCase on the wire (``max_lines`` is ``maxLines``), except
where a name says otherwise. Decoding is strict (no ``"3"`` for 3, no ``true`` for 1) and
ignores keys it does not know, so a newer client still talks to this daemon. A type's own
rules (ranges, choices, an absolute path) are checked as it is built, so a handler only
ever sees valid params. docs/protocol.md lists the same fields; tests/unit/test_params.py
checks that it does.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

from codesaga.domain.edits import Span, TextEdit
from codesaga.domain.enums import RequestStatus, RequestType, Role
from codesaga.domain.repo_context import ORIGINS
from codesaga.domain.retry import MAX_ATTEMPTS
from codesaga.protocol.jsonrpc import INVALID_PARAMS, RpcError

MAX_CHUNKS = 32
MAX_CANDIDATES = 5
MAX_LINES = 200
CHAT_ROLES = ("system", "user", "assistant")


class Params(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """What every method's params have in common: nothing, but the decoding rules."""


def _absolute(path: str | None, what: str = "path") -> None:
    if path is not None and not path.startswith("/"):
        raise ValueError(
            f"{what} {path!r} must be absolute: the daemon does not share the client's "
            "working directory"
        )


# -- lifecycle and control ---------------------------------------------------------------


class NoParams(Params, frozen=True, kw_only=True):
    pass


class ClientInfo(Params, frozen=True, kw_only=True):
    name: str | None = None
    version: str | None = None


class InitializeParams(Params, frozen=True, kw_only=True):
    client: ClientInfo = ClientInfo()
    protocol_version: int | None = None
    settings: dict[str, str] | None = None  # the client's settings fingerprint


class StatusParams(Params, frozen=True, kw_only=True):
    settings: dict[str, str] | None = None  # the client's settings fingerprint, as initialize's


class ModelsLoadParams(Params, frozen=True, kw_only=True):
    role: str
    model: str

    def __post_init__(self) -> None:
        if self.role not in {r.value for r in Role}:
            raise ValueError(
                f"unknown role {self.role!r}; one of {', '.join(r.value for r in Role)}"
            )


MAX_LISTED_REQUESTS = 1000  # a larger limit is taken as this (each record holds a prompt)


class RequestsListParams(Params, frozen=True, kw_only=True):
    status: str | None = None
    kind: str | None = msgspec.field(default=None, name="type")
    limit: int = 20

    def __post_init__(self) -> None:
        for field, value, kinds in (
            ("status", self.status, RequestStatus),
            ("type", self.kind, RequestType),
        ):
            known = [k.value for k in kinds]
            if value is not None and value not in known:
                raise ValueError(f"{field} must be one of {', '.join(known)}, not {value!r}")


class RequestsGetParams(Params, frozen=True, kw_only=True):
    id: str


class FeedbackParams(Params, frozen=True, kw_only=True):
    request_id: str = msgspec.field(name="request_id")
    accepted: bool


# -- tasks -------------------------------------------------------------------------------


class TaskParams(Params, frozen=True, kw_only=True):
    """What every method that runs a model takes."""

    model: str | None = None
    stream: bool = False


class GenerateParams(TaskParams, frozen=True, kw_only=True):
    prompt: str
    language: str | None = None


class Retry(Params, frozen=True, kw_only=True):
    """A rewrite a check outside the daemon refused (``--verify``): the whole file as it
    was rewritten, and what the check said, for the model to repair."""

    text: str
    problem: str


class FileTaskParams(TaskParams, frozen=True, kw_only=True):
    """refactor and fix: a file by ``path``, or an editor's buffer as ``content`` named by
    ``path`` or ``label``."""

    path: str | None = None
    content: str | None = None
    label: str | None = None
    lines: str | None = None
    apply: bool = False
    attempts: int | None = None
    retry: Retry | None = None

    def __post_init__(self) -> None:
        if self.content is None and self.path is None:
            raise ValueError("missing parameter 'path'")
        if self.content is not None and self.path is None and self.label is None:
            raise ValueError("with content, name the file with path or label")
        _absolute(self.path)
        if self.attempts is not None and not 1 <= self.attempts <= MAX_ATTEMPTS:
            raise ValueError(f"attempts must be between 1 and {MAX_ATTEMPTS}")


class RefactorParams(FileTaskParams, frozen=True, kw_only=True):
    instruction: str | None = None


class FixParams(FileTaskParams, frozen=True, kw_only=True):
    error: str
    # The code at the lines the error names in other files (a failing test's), read by the
    # client, which can see the project: shown to the model after the error.
    failing_code: str = ""


class Chunk(Params, frozen=True, kw_only=True):
    path: str
    text: str


class CompleteParams(TaskParams, frozen=True, kw_only=True):
    """The cursor: ``prefix`` + ``suffix``, or ``content`` with ``line`` and ``column``, or a
    file ``path`` with ``line`` and ``column``."""

    prefix: str | None = None
    suffix: str = ""
    content: str | None = None
    path: str | None = None
    label: str | None = None
    line: int | None = None
    column: int | None = None
    language: str | None = None
    multiline: bool | None = None
    max_lines: int | None = None
    candidates: int = 1
    time_budget_ms: int | None = None
    gate: bool = True
    # The client can replace text after the cursor on its line: a suggestion may then go on
    # past an auto-closed bracket there (the result's ``replace`` says how many characters).
    replace_rest: bool = False
    workspace: str | None = None
    chunks: list[Chunk] = []

    def __post_init__(self) -> None:
        if self.prefix is None:
            for name in ("line", "column"):
                if getattr(self, name) is None:
                    raise ValueError(f"missing parameter {name!r}")
            if self.content is None:
                if self.path is None:
                    raise ValueError("missing parameter 'path'")
                _absolute(self.path)
        if self.max_lines is not None and not 1 <= self.max_lines <= MAX_LINES:
            raise ValueError(f"maxLines must be between 1 and {MAX_LINES}")
        if not 1 <= self.candidates <= MAX_CANDIDATES:
            raise ValueError(f"candidates must be between 1 and {MAX_CANDIDATES}")
        if self.time_budget_ms is not None and self.time_budget_ms < 0:
            raise ValueError("timeBudgetMs must be 0 (no budget) or positive")
        if len(self.chunks) > MAX_CHUNKS:
            raise ValueError(f"at most {MAX_CHUNKS} chunks per completion")


class ContextAddParams(Params, frozen=True, kw_only=True):
    path: str
    text: str | None = None
    line: int | None = None
    origin: str = "client"
    workspace: str | None = None

    def __post_init__(self) -> None:
        if self.origin not in ORIGINS:
            raise ValueError(f"origin must be one of {', '.join(ORIGINS)}")
        if self.text is None:
            _absolute(self.path)


class ChatMessage(Params, frozen=True, kw_only=True):
    role: str
    content: str = ""

    def __post_init__(self) -> None:
        if self.role not in CHAT_ROLES:
            raise ValueError("each message needs a role (system, user or assistant) and content")


class ChatParams(TaskParams, frozen=True, kw_only=True):
    """A turn of a stored ``session`` (``message``, or ``retry``), or stateless
    ``messages``."""

    session: str | None = None
    message: str | None = None
    retry: bool = False
    messages: list[ChatMessage] | None = None

    def __post_init__(self) -> None:
        if self.session is not None:
            if self.message is None and not self.retry:
                raise ValueError("give a message, or retry: true")
        elif self.messages is None:
            raise ValueError("missing parameter 'messages'")


# -- next edits ---------------------------------------------------------------------------

MAX_HISTORY = 64  # edits a nextEdit may send as the document's history
MAX_NEXT_EDITS = 32


class TextRange(Params, frozen=True, kw_only=True):
    """1-based lines and columns, the end exclusive (a column counts code points)."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int


def _check_range(where: str, r: TextRange) -> None:
    if min(r.start_line, r.start_column, r.end_line, r.end_column) < 1:
        raise ValueError(f"{where}: lines and columns start at 1")
    if (r.end_line, r.end_column) < (r.start_line, r.start_column):
        raise ValueError(f"{where} ends before it starts")


class TextChange(Params, frozen=True, kw_only=True):
    """One edit of a document: ``range`` (in the text before it) held ``removed``, and
    ``text`` replaced it."""

    range: TextRange
    text: str
    removed: str


class DocumentEditParams(TextChange, frozen=True, kw_only=True):
    path: str
    language: str | None = None
    version: int | None = None

    def __post_init__(self) -> None:
        _check_range("range", self.range)


def wire_range(span: Span) -> dict[str, Any]:
    """``span`` as the wire writes a range."""
    s = span
    r = TextRange(
        start_line=s.start_line, start_column=s.start_column,
        end_line=s.end_line, end_column=s.end_column,
    )  # fmt: skip
    return dict(msgspec.to_builtins(r))


def wire_change(edit: TextEdit) -> dict[str, Any]:
    """``edit`` as ``document/edit`` and ``nextEdit``'s ``edits`` send it."""
    return {"range": wire_range(edit.span), "removed": edit.removed, "text": edit.text}


class NextEditParams(TaskParams, frozen=True, kw_only=True):
    path: str
    content: str
    line: int | None = None
    column: int | None = None
    language: str | None = None
    workspace: str | None = None
    edits: list[TextChange] | None = None
    max_edits: int | None = None

    def __post_init__(self) -> None:
        if (self.line is None) != (self.column is None):
            raise ValueError("give the cursor as both line and column, or neither")
        if self.line is not None and self.column is not None and min(self.line, self.column) < 1:
            raise ValueError("line and column start at 1")
        if self.edits is not None:
            if len(self.edits) > MAX_HISTORY:
                raise ValueError(f"at most {MAX_HISTORY} edits")
            for i, edit in enumerate(self.edits):
                _check_range(f"edits[{i}].range", edit.range)
        if self.max_edits is not None and not 1 <= self.max_edits <= MAX_NEXT_EDITS:
            raise ValueError(f"maxEdits must be between 1 and {MAX_NEXT_EDITS}")


# -- chat sessions -------------------------------------------------------------------------


MAX_SESSION_NAME = 200  # characters: a label in lists and the TUI's sidebar
MAX_SESSION_KEY = 8192  # a repository's path and branch


def _check_session_name(name: str | None) -> None:
    if name is not None and len(name) > MAX_SESSION_NAME:
        raise ValueError(f"a session name is at most {MAX_SESSION_NAME} characters")


class SessionsOpenParams(Params, frozen=True, kw_only=True):
    name: str | None = None
    key: str | None = None
    new: bool = False

    def __post_init__(self) -> None:
        _check_session_name(self.name)
        if self.key is not None and len(self.key) > MAX_SESSION_KEY:
            raise ValueError(f"a session key is at most {MAX_SESSION_KEY} characters")


class SessionParams(Params, frozen=True, kw_only=True):
    """The methods about one session: its name or id."""

    session: str


class SessionsRenameParams(SessionParams, frozen=True, kw_only=True):
    name: str

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("the new name is empty")
        _check_session_name(self.name)


class SessionsExportParams(SessionParams, frozen=True, kw_only=True):
    format: str = "markdown"

    def __post_init__(self) -> None:
        if self.format not in ("markdown", "json"):
            raise ValueError("format must be markdown or json")


class SessionsSetParams(SessionParams, frozen=True, kw_only=True):
    system: str | None = None
    model: str | None = None


class SessionsAttachParams(SessionParams, frozen=True, kw_only=True):
    path: str
    lines: str | None = None

    def __post_init__(self) -> None:
        _absolute(self.path)


class SessionsDetachParams(SessionParams, frozen=True, kw_only=True):
    path: str | None = None


# -- the methods ---------------------------------------------------------------------------

# Every method and its params type: what a client may send. The daemon's handler families
# register the same (tests/unit/test_params.py checks), and extension/src/params.ts is
# generated from this table (scripts/params_ts.py).
METHODS: dict[str, type[Params]] = {
    "initialize": InitializeParams,
    "status": StatusParams,
    "shutdown": NoParams,
    "generate": GenerateParams,
    "refactor": RefactorParams,
    "fix": FixParams,
    "complete": CompleteParams,
    "context/add": ContextAddParams,
    "chat": ChatParams,
    "document/edit": DocumentEditParams,
    "nextEdit": NextEditParams,
    "sessions/open": SessionsOpenParams,
    "sessions/list": NoParams,
    "sessions/get": SessionParams,
    "sessions/rename": SessionsRenameParams,
    "sessions/delete": SessionParams,
    "sessions/export": SessionsExportParams,
    "sessions/set": SessionsSetParams,
    "sessions/attach": SessionsAttachParams,
    "sessions/detach": SessionsDetachParams,
    "sessions/clear": SessionParams,
    "sessions/undo": SessionParams,
    "models/list": NoParams,
    "models/load": ModelsLoadParams,
    "upstreams/list": NoParams,
    "upstreams/check": NoParams,
    "requests/list": RequestsListParams,
    "requests/get": RequestsGetParams,
    "stats": NoParams,
    "feedback": FeedbackParams,
}


# -- decoding ------------------------------------------------------------------------------

P = TypeVar("P", bound=Params)

_MISSING = re.compile(r"Object missing required field `(?P<field>[^`]+)`(?: - at `\$(?P<at>.*)`)?")
_EXPECTED = re.compile(
    r"Expected `(?P<want>[^`]+)`, got `(?P<got>[^`]+)` - at `\$\.?(?P<at>[^`]*)`"
)
_INVALID_ENUM = re.compile(r"Invalid enum value (?P<value>.+) - at `\$\.?(?P<at>[^`]*)`")


def decode(kind: type[P], params: dict[str, Any]) -> P:
    """``params`` as a ``kind``; ``INVALID_PARAMS`` naming the field when they are not one.
    A null is the same as a missing key, as JSON clients write an unset option."""
    try:
        decoded = msgspec.convert({k: v for k, v in params.items() if v is not None}, kind)
    except msgspec.ValidationError as exc:
        raise RpcError(INVALID_PARAMS, _message(str(exc))) from None
    for name in PATH_FIELDS:
        value = getattr(decoded, name, None)
        if isinstance(value, str) and "\0" in value:
            # No file's path has one, and the OS functions raise on it (an internal error, or
            # a background watcher ended for good, as it was).
            raise RpcError(INVALID_PARAMS, f"{name} must not contain a NUL character")
    _check_names(decoded)
    return decoded


PATH_FIELDS = ("path", "workspace", "label")
# The fields that carry a user's text: each method bounds them (max_file_bytes). Every
# other string names something (a path, a model, a session, an id, an option): a name of
# megabytes was a key of the daemon's per-document state and of each journal record.
TEXT_FIELDS = frozenset(
    {"content", "error", "failing_code", "instruction", "message", "prefix", "problem",
     "prompt", "removed", "suffix", "system", "text"}
)  # fmt: skip
MAX_NAME_BYTES = 4096  # a path's most on Linux (PATH_MAX)


def _check_names(decoded: Params) -> None:
    fields = zip(decoded.__struct_fields__, decoded.__struct_encode_fields__, strict=True)
    for field, wire in fields:
        value = getattr(decoded, field)
        if field in TEXT_FIELDS or not isinstance(value, str) or len(value) * 4 <= MAX_NAME_BYTES:
            continue
        if len(value.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
            raise RpcError(INVALID_PARAMS, f"{wire} is over {MAX_NAME_BYTES:,} bytes")


def _message(text: str) -> str:
    """msgspec's words, put the way this protocol has always put them."""
    if m := _MISSING.fullmatch(text):
        at = m["at"].lstrip(".") if m["at"] else ""
        return f"missing parameter {(at + '.' if at else '') + m['field']!r}"
    if m := _EXPECTED.fullmatch(text):
        want = m["want"].replace(" | null", "")
        if m["got"] == "null":
            return f"missing parameter {m['at']!r}"
        return f"parameter {m['at']!r} must be {_WIRE_TYPES.get(want, want)}"
    if m := _INVALID_ENUM.fullmatch(text):
        return f"parameter {m['at']!r} cannot be {m['value']}"
    return text.split(" - at `", 1)[0]


_WIRE_TYPES = {"str": "str", "int": "int", "bool": "bool", "object": "dict", "array": "list"}
