"""The daemon's OpenAI-compatible HTTP API, so other tools (the openai SDK, Continue, aider,
llm) and other CodeSaga daemons can use it: ``GET /v1/models``, ``POST /v1/chat/completions``
and ``POST /v1/completions``, streamed as server-sent events or not.

Loopback only, behind the same checks as the WebSocket: the daemon's token as the API key
(``Authorization: Bearer``), a loopback Host, an Origin that is absent or allowed. HTTP/1.1
is parsed by h11; bodies are bounded. Every request goes through the same use cases as the
JSON-RPC methods, so it is journaled and routed (upstreams, privacy) like any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from codesaga.daemon import protocol as p
from codesaga.daemon.websocket_server import CHECKED_HEADERS, check_handshake, is_loopback
from codesaga.domain.errors import UsageError
from codesaga.domain.prompts import Message
from codesaga.engine.port import CancelToken
from codesaga.models.presets import PRESETS

if TYPE_CHECKING:
    import h11

    from codesaga.daemon.service import Daemon
    from codesaga.service.tasks import TaskResult

log = logging.getLogger(__name__)
MAX_BODY_BYTES = p.MAX_MESSAGE_BYTES
MAX_HEADER_BYTES = 64 * 1024
READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class HttpLimits:
    """What one client may take of the daemon: seconds, and open connections."""

    keep_alive: float = 5.0  # an idle connection between requests (uvicorn's default)
    headers: float = 10.0  # from a request's first byte to its last header line
    body_idle: float = 30.0  # between two reads of a body
    max_connections: int = 64


DEFAULT_MODEL = "codesaga"  # the role's model, local or routed upstream
ROLES = ("system", "user", "assistant")


class ApiError(Exception):
    def __init__(self, status: HTTPStatus, message: str, kind: str = "invalid_request_error"):
        super().__init__(message)
        self.status = status
        self.kind = kind

    def body(self) -> dict[str, Any]:
        return {"error": {"message": str(self), "type": self.kind, "code": self.status.value}}


def _api_error(exc: BaseException) -> ApiError:
    """The HTTP status and OpenAI-style error a failure becomes (the RPC mapping, reused)."""
    if isinstance(exc, ApiError):
        return exc
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
    return ApiError(status, error.message, kind)


class OpenAIServer:
    def __init__(
        self,
        daemon: Daemon,
        host: str,
        port: int,
        token: str,
        origins: Sequence[re.Pattern[str]],
        limits: HttpLimits = HttpLimits(),
    ) -> None:
        if not is_loopback(host):
            raise UsageError(f"refusing to serve the OpenAI API on {host}: loopback only")
        self.daemon = daemon
        self.host = host
        self.port = port
        self.token = token
        self.origins = list(origins)
        self.limits = limits
        self._server: asyncio.Server | None = None
        # Each connection's handler, and since when it has been waiting for a whole request
        # (None while one is answered): at the limit, the longest waiting one makes room.
        self._clients: dict[asyncio.Task[None], float | None] = {}

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop_accepting(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in self._clients:
            task.cancel()

    # -- HTTP/1.1 --------------------------------------------------------------------------

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        import h11

        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        if len(self._clients) >= self.limits.max_connections and not self._make_room():
            log.warning("refused an HTTP connection: %d open, all busy", len(self._clients))
            busy = ApiError(HTTPStatus.SERVICE_UNAVAILABLE, "too many connections; try again")
            await _send_raw(writer, busy)
            await _close(writer)
            return
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEADER_BYTES)
        try:
            while True:
                self._clients[task] = loop.time()
                request, body = await self._read_request(conn, reader, writer)
                if request is None:
                    return
                self._clients[task] = None
                await self._answer(conn, reader, writer, request, body)
                if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                    return
                try:
                    conn.start_next_cycle()
                except h11.LocalProtocolError:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        except h11.RemoteProtocolError as exc:
            # Not HTTP/1.1 we can read (a garbage request line, a bad or doubled
            # Content-Length, ...): h11 will not send a response now, so write it ourselves.
            with contextlib.suppress(Exception):
                await _send_raw(writer, ApiError(HTTPStatus.BAD_REQUEST, f"bad request: {exc}"))
        finally:
            self._clients.pop(task, None)
            await _close(writer)

    def _make_room(self) -> bool:
        """Close the connection that has waited longest without a whole request (idle, or
        trickling its headers in): slow or idle clients must not lock out a real one."""
        waiting = [(since, task) for task, since in self._clients.items() if since is not None]
        if not waiting:
            return False
        _, oldest = min(waiting, key=lambda pair: pair[0])
        del self._clients[oldest]
        oldest.cancel()
        return True

    async def _receive(
        self, conn: h11.Connection, reader: asyncio.StreamReader, header_deadline: float | None
    ) -> bytes:
        """The next bytes from the client, within the limit of the request's stage: an idle
        keep-alive connection, headers (however slowly they trickle in) and a body each
        have a timeout, so nobody holds a connection open by sending nothing, or next to
        nothing. Raises ``TimeoutError``."""
        import h11

        if conn.their_state is not h11.IDLE:
            timeout = self.limits.body_idle
        elif header_deadline is None:
            timeout = self.limits.keep_alive  # nothing of a request yet
        else:
            timeout = max(header_deadline - asyncio.get_running_loop().time(), 0)
        return await asyncio.wait_for(reader.read(READ_CHUNK), timeout)

    async def _read_request(
        self, conn: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> tuple[h11.Request | None, bytes]:
        """The next request and its body; None when the connection should close (the client
        left, timed out, or was answered already: refused, too large)."""
        import h11

        loop = asyncio.get_running_loop()
        request: h11.Request | None = None
        body = bytearray()
        # Pipelined bytes of this request already in: its headers' clock runs from now
        header_deadline = loop.time() + self.limits.headers if conn.trailing_data[0] else None
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                try:
                    data = await self._receive(conn, reader, header_deadline)
                except TimeoutError:
                    if conn.their_state is h11.IDLE and header_deadline is not None:
                        timeout = ApiError(
                            HTTPStatus.REQUEST_TIMEOUT, "the headers came too slowly"
                        )
                        await _send_raw(writer, timeout)
                    return None, b""
                if header_deadline is None and conn.their_state is h11.IDLE:
                    header_deadline = loop.time() + self.limits.headers
                conn.receive_data(data)
                # h11 bounds only a head still incomplete when it looks: one that arrives
                # whole in a few reads must be bounded here.
                if conn.their_state is h11.IDLE and len(conn.trailing_data[0]) > MAX_HEADER_BYTES:
                    too_big = ApiError(
                        HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                        f"the request's headers are over {MAX_HEADER_BYTES // 1024} KiB",
                    )
                    await _send_raw(writer, too_big)
                    return None, b""
                if not data and conn.their_state is h11.IDLE:
                    return None, b""
                continue
            if isinstance(event, h11.Request):
                request = event
                # Before a byte of the body is read: a stranger's 50 MB costs us nothing.
                if not await self._admit(conn, writer, event):
                    return None, b""
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > MAX_BODY_BYTES:
                    await self._too_large(conn, writer)
                    return None, b""
            elif isinstance(event, h11.EndOfMessage):
                return request, bytes(body)
            elif isinstance(event, h11.ConnectionClosed):
                return None, b""

    async def _admit(
        self, conn: h11.Connection, writer: asyncio.StreamWriter, request: h11.Request
    ) -> bool:
        """Check a request's headers: refuse it (and close) or let its body come."""
        import h11

        headers = {name: _headers(request, name.lower()) for name in CHECKED_HEADERS}
        refused = check_handshake(
            request.target.decode("latin-1"), headers, self.token, self.origins
        )
        if refused is not None:
            status, reason = refused
            log.warning("refused an OpenAI API request: %s", reason)
            kind = "authentication_error" if status == HTTPStatus.UNAUTHORIZED else "permission"
            await self._send_json(conn, writer, ApiError(status, reason, kind), close=True)
            return False
        declared = _header(request, "content-length")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            await self._too_large(conn, writer)
            return False
        if conn.they_are_waiting_for_100_continue:  # curl waits a second for this otherwise
            writer.write(conn.send(h11.InformationalResponse(status_code=100, headers=[])))
            await writer.drain()
        return True

    async def _too_large(self, conn: h11.Connection, writer: asyncio.StreamWriter) -> None:
        error = ApiError(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"the request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB",
        )
        await self._send_json(conn, writer, error, close=True)

    async def _answer(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        request: h11.Request,
        body: bytes,
    ) -> None:
        self.daemon.last_activity = time.monotonic()
        method = request.method.decode("ascii", "replace")
        path = request.target.decode("latin-1").split("?", 1)[0].rstrip("/")
        routes = {
            "/v1/models": ("GET", self._models),
            "/v1/chat/completions": ("POST", self._chat),
            "/v1/completions": ("POST", self._completions),
        }
        route = routes.get(path)
        try:
            if route is None:
                raise ApiError(HTTPStatus.NOT_FOUND, f"no such endpoint {path}; see /v1/models")
            if method != route[0]:
                raise ApiError(HTTPStatus.METHOD_NOT_ALLOWED, f"{path} takes {route[0]}")
            params = _json_body(body) if method == "POST" else {}
            await route[1](conn, reader, writer, params)
        except Exception as exc:
            error = _api_error(exc)
            if error.status == HTTPStatus.INTERNAL_SERVER_ERROR:
                log.exception("OpenAI API %s failed", path)
            await self._send_json(conn, writer, error)
        finally:
            self.daemon.last_activity = time.monotonic()

    async def _send_json(
        self,
        conn: h11.Connection,
        writer: asyncio.StreamWriter,
        payload: dict[str, Any] | ApiError,
        *,
        close: bool = False,
    ) -> None:
        import h11

        status = HTTPStatus.OK
        if isinstance(payload, ApiError):
            status, payload = payload.status, payload.body()
        data = json.dumps(payload, ensure_ascii=False).encode()
        headers = [("content-type", "application/json"), ("content-length", str(len(data)))]
        if close:
            headers.append(("connection", "close"))
        if conn.our_state is not h11.SEND_RESPONSE:
            return  # a streamed answer already started; its error went into the stream
        writer.write(conn.send(h11.Response(status_code=status.value, headers=headers)))
        writer.write(conn.send(h11.Data(data=data)))
        writer.write(conn.send(h11.EndOfMessage()))
        await writer.drain()

    # -- endpoints ---------------------------------------------------------------------------

    async def _models(
        self, conn: h11.Connection, _: asyncio.StreamReader, writer: asyncio.StreamWriter, __: Any
    ) -> None:
        store = self.daemon.scheduler.pool.resolver.store
        names = [DEFAULT_MODEL, *(m.name for m in store.installed())]
        names += [u.name for u in self.daemon.router.upstreams]
        created = int(self.daemon.started_at)
        data = [
            {"id": name, "object": "model", "created": created, "owned_by": "codesaga"}
            for name in dict.fromkeys(names)
        ]
        await self._send_json(conn, writer, {"object": "list", "data": data})

    async def _chat(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        params: dict[str, Any],
    ) -> None:
        raw = params.get("messages")
        if not isinstance(raw, list) or not raw:
            raise ApiError(HTTPStatus.BAD_REQUEST, "messages must be a non-empty list")
        messages = [_message(m) for m in raw]
        await self._generate(conn, reader, writer, params, chat=True, messages=messages)

    async def _completions(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        params: dict[str, Any],
    ) -> None:
        prompt = params.get("prompt")
        if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
            prompt = prompt[0]
        if not isinstance(prompt, str) or not prompt:
            raise ApiError(HTTPStatus.BAD_REQUEST, "prompt must be a non-empty string")
        await self._generate(conn, reader, writer, params, chat=False, prompt=prompt)

    async def _generate(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        params: dict[str, Any],
        *,
        chat: bool,
        messages: list[Message] | None = None,
        prompt: str | None = None,
    ) -> None:
        options = _options(params)
        stream = options.pop("stream")
        include_usage = options.pop("include_usage")
        model = self._model(params.get("model"))
        loop = asyncio.get_running_loop()
        cancel = CancelToken()
        deltas: asyncio.Queue[str | None] = asyncio.Queue()

        def on_delta(text: str) -> None:
            loop.call_soon_threadsafe(deltas.put_nowait, text)

        def work() -> TaskResult:
            return self.daemon.assistant.passthrough(
                messages=messages,
                prompt=prompt,
                on_delta=on_delta if stream else None,
                cancel=cancel,
                model=model,
                **options,
            )

        future = loop.run_in_executor(self.daemon.executor, work)
        future.add_done_callback(lambda _: loop.call_soon_threadsafe(deltas.put_nowait, None))
        # A client that gives up (before its first token, or waiting for a whole answer)
        # is seen only by reading: its end of the connection closing stops the model.
        gone = asyncio.create_task(_hung_up(conn, reader))

        def stop_if_gone(task: asyncio.Task[None]) -> None:
            if not task.cancelled():
                cancel.cancel()

        gone.add_done_callback(stop_if_gone)
        answer = _Answer(
            kind="chat.completion" if chat else "text_completion",
            chat=chat,
            created=int(time.time()),
            id=f"{'chatcmpl' if chat else 'cmpl'}-{uuid.uuid4().hex}",
            model=model or DEFAULT_MODEL,
        )
        try:
            if stream:
                await self._stream(conn, writer, future, deltas, answer, include_usage)
            else:
                result = await asyncio.shield(future)
                await self._send_json(conn, writer, _whole(result, answer))
        except (ConnectionError, asyncio.CancelledError):
            cancel.cancel()  # the client went away, or the daemon stops: within a token
            raise
        finally:
            gone.cancel()

    async def _stream(
        self,
        conn: h11.Connection,
        writer: asyncio.StreamWriter,
        future: asyncio.Future[TaskResult],
        deltas: asyncio.Queue[str | None],
        answer: _Answer,
        include_usage: bool,
    ) -> None:
        """Server-sent events: one chunk per delta, the finish reason, usage if asked."""
        import h11

        text = await deltas.get()
        if text is None:  # nothing streamed: a failure is still a plain HTTP error
            await asyncio.shield(future)
        writer.write(
            conn.send(
                h11.Response(
                    status_code=200,
                    headers=[("content-type", "text/event-stream"), ("cache-control", "no-cache")],
                )
            )
        )
        first = True
        while text is not None:
            await self._send_event(conn, writer, _chunk(answer, answer.model, text, first))
            first = False
            text = await deltas.get()
        try:
            result = await future
        except Exception as exc:  # after the headers: the error goes into the stream
            await self._send_event(conn, writer, _api_error(exc).body())
        else:
            reason = result.finished.reason if result.finished else "stop"
            end = _chunk(answer, result.model, "", first, reason)
            await self._send_event(conn, writer, end)
            if include_usage:
                await self._send_event(
                    conn, writer, {**end, "choices": [], "usage": _usage(result)}
                )
        writer.write(conn.send(h11.Data(data=b"data: [DONE]\n\n")))
        writer.write(conn.send(h11.EndOfMessage()))
        await writer.drain()

    async def _send_event(
        self, conn: h11.Connection, writer: asyncio.StreamWriter, payload: dict[str, Any]
    ) -> None:
        import h11

        data = b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n"
        writer.write(conn.send(h11.Data(data=data)))
        await writer.drain()

    def _model(self, requested: object) -> str | None:
        """The model to use: ``codesaga`` (or a name we do not know, as many clients send
        their own default) means the role's; an installed model or an upstream is honoured."""
        if not isinstance(requested, str) or requested in ("", DEFAULT_MODEL):
            return None
        store = self.daemon.scheduler.pool.resolver.store
        known = {m.name for m in store.installed()} | set(PRESETS)
        upstream = requested.split("/", 1)[0]
        if requested in known or any(u.name == upstream for u in self.daemon.router.upstreams):
            return requested
        return None


def _header(request: h11.Request, name: str) -> str:
    return next(iter(_headers(request, name)), "")


def _headers(request: h11.Request, name: str) -> list[str]:
    """Every value of the header ``name`` (lowercase), in order."""
    return [
        value.decode("latin-1")
        for key, value in request.headers
        if key.decode("latin-1").lower() == name
    ]


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        data = p.load_json(body)
    except ValueError as exc:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"the body: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
    return data


def _message(raw: object) -> Message:
    if not isinstance(raw, dict) or raw.get("role") not in ROLES:  # narrows role's type
        raise ApiError(
            HTTPStatus.BAD_REQUEST, f"each message needs a role among {', '.join(ROLES)}"
        )
    content = raw.get("content")
    if isinstance(content, list):  # content parts: keep the text ones
        content = "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    if not isinstance(content, str):
        raise ApiError(HTTPStatus.BAD_REQUEST, "a message's content must be text")
    return Message(raw["role"], content)


def _options(params: dict[str, Any]) -> dict[str, Any]:
    def number(name: str, kind: type, low: float, high: float) -> Any:
        value = params.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ApiError(HTTPStatus.BAD_REQUEST, f"{name} must be a number")
        if not low <= value <= high:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"{name} must be between {low} and {high}")
        return kind(value)

    stop = params.get("stop") or []
    if isinstance(stop, str):
        stop = [stop]
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
        raise ApiError(HTTPStatus.BAD_REQUEST, "stop must be a string or a list of strings")
    stream_options = params.get("stream_options") or {}
    tokens_key = "max_completion_tokens" if "max_completion_tokens" in params else "max_tokens"
    return {
        "max_tokens": number(tokens_key, int, 1, 1 << 20),
        "temperature": number("temperature", float, 0.0, 2.0),
        "seed": number("seed", int, -(1 << 63), 1 << 63),
        "stop": stop[:16],
        "stream": bool(params.get("stream")),
        "include_usage": isinstance(stream_options, dict)
        and bool(stream_options.get("include_usage")),
    }


def _usage(result: TaskResult) -> dict[str, int]:
    f = result.finished
    prompt = f.prompt_tokens if f else 0
    completion = f.completion_tokens if f else 0
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


@dataclass(frozen=True)
class _Answer:
    """What every chunk (or the whole response) of one answer repeats."""

    kind: str  # "chat.completion" or "text_completion"
    chat: bool
    created: int
    id: str  # unique per answer: clients key streamed chunks by it
    model: str


def _whole(result: TaskResult, answer: _Answer) -> dict[str, Any]:
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
        "usage": _usage(result),
    }


def _chunk(
    answer: _Answer, model: str, text: str, first: bool, reason: str | None = None
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


async def _hung_up(conn: h11.Connection, reader: asyncio.StreamReader) -> None:
    """Return once the client closes its end. What it sends meanwhile (a pipelined
    request) is kept for h11 to read when this request is done."""
    while data := await reader.read(READ_CHUNK):
        conn.receive_data(data)


async def _send_raw(writer: asyncio.StreamWriter, error: ApiError) -> None:
    """An error response written by hand, for when h11 has no request to answer (a
    request it could not parse, a connection over the limit); the connection then closes."""
    body = json.dumps(error.body()).encode()
    head = (
        f"HTTP/1.1 {error.status.value} {error.status.phrase}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    writer.write(head.encode("ascii") + body)
    with contextlib.suppress(OSError):
        await writer.drain()


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
