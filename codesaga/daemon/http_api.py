"""The daemon's OpenAI-compatible HTTP API, so other tools (the openai SDK, Continue, aider,
llm) and other CodeSaga daemons can use it: ``GET /v1/models``, ``POST /v1/chat/completions``
and ``POST /v1/completions``, streamed as server-sent events or not.

A Starlette app, served by uvicorn in the daemon's own event loop on 127.0.0.1 only
(``http_server``: timeouts, the connection cap). Every request goes through the same use cases
as the JSON-RPC methods, so it is journaled and routed like any other. Besides:

- the door (``_Door``, a pure ASGI middleware) checks the token as the API key, a loopback
  Host and an Origin absent or allowed (``check_handshake``, shared with the WebSocket) and
  the size of the headers and of the declared body from the headers alone, before any of the
  body is read. An answer sent while a body is still unread closes the connection, so its
  rest is never read.
- bodies are read as they stream in, bounded in size (413) and in the pause between two
  reads (408).
- a client that goes away, streamed or not, cancels its generation within a token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from codesaga.daemon import openai_wire as wire
from codesaga.daemon.http_server import DEFAULT_LIMITS, MAX_HEADER_BYTES, HttpLimits, HttpServer
from codesaga.daemon.hushed_log import HushedWarning
from codesaga.daemon.openai_wire import ApiError
from codesaga.daemon.websocket_server import CHECKED_HEADERS, check_handshake, is_loopback
from codesaga.domain.errors import UsageError
from codesaga.domain.prompts import Message
from codesaga.engine.port import CancelToken
from codesaga.protocol import jsonrpc as p
from codesaga.service.model_listing import ModelListing, list_models
from codesaga.service.runner import RunOptions

if TYPE_CHECKING:
    from codesaga.daemon.dispatch import Daemon
    from codesaga.service.task_result import TaskResult

log = logging.getLogger(__name__)
MAX_BODY_BYTES = p.MAX_MESSAGE_BYTES
Endpoint = Callable[[Request], Awaitable[Response]]


class HttpApi:
    def __init__(
        self,
        daemon: Daemon,
        host: str,
        port: int,
        token: str,
        origins: Sequence[re.Pattern[str]],
        limits: HttpLimits = DEFAULT_LIMITS,
    ) -> None:
        if not is_loopback(host):
            raise UsageError(f"refusing to serve the OpenAI API on {host}: loopback only")
        self.daemon = daemon
        self.host = host
        self.port = port
        self.token = token
        self.origins = list(origins)
        self.limits = limits
        self._http = HttpServer(self._app(), host, port, limits)
        self._running: set[CancelToken] = set()  # the generations of requests in progress

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    async def start(self) -> None:
        """Listen (``OSError`` if the port is taken) and serve in this event loop."""
        await self._http.start()
        self.port = self._http.port

    def stop_accepting(self) -> None:
        """Take no more connections and cancel every generation (each stops within a
        token); ``close`` then waits for the answers in progress."""
        self._http.stop_accepting()
        for cancel in list(self._running):
            cancel.cancel()

    async def close(self) -> None:
        self.stop_accepting()
        await self._http.close()

    def _app(self) -> ASGIApp:
        routes = [
            Route("/v1/models", _answering(self._models), methods=["GET"]),
            Route("/v1/models/{model:path}", _answering(self._model_info), methods=["GET"]),
            Route("/v1/chat/completions", _answering(self._chat), methods=["POST"]),
            Route("/v1/completions", _answering(self._completions), methods=["POST"]),
        ]
        app = Starlette(
            routes=routes,
            exception_handlers={HTTPException: _http_error},
        )
        return _Door(app, self)

    def refusal(self, scope: Scope) -> ApiError | None:
        """Why a request must be refused from its headers alone, or None."""
        raw: list[tuple[bytes, bytes]] = scope["headers"]
        if sum(len(name) + len(value) + 4 for name, value in raw) > MAX_HEADER_BYTES:
            message = f"the request's headers are over {MAX_HEADER_BYTES // 1024} KiB"
            return ApiError(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, message)
        headers = {
            name: [value.decode("latin-1") for key, value in raw if key == name.lower().encode()]
            for name in CHECKED_HEADERS
        }
        refused = check_handshake(scope["path"], headers, self.token, self.origins)
        if refused is not None:
            return wire.refusal(*refused)
        declared = next((value for key, value in raw if key == b"content-length"), b"")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return _too_large()
        return None

    # -- endpoints ---------------------------------------------------------------------------

    async def _models(self, request: Request) -> Response:
        data = [self._model_object(name) for name in self._model_names()]
        return JSONResponse({"object": "list", "data": data})

    async def _model_info(self, request: Request) -> Response:
        name = request.path_params["model"]
        if name not in self._model_names():
            raise wire.ApiError(
                HTTPStatus.NOT_FOUND, f"no model {name!r}; see /v1/models", code="model_not_found"
            )
        return JSONResponse(self._model_object(name))

    def _model_names(self) -> list[str]:
        installed = [m.name for m in self._listing() if m.installed]
        names = [wire.DEFAULT_MODEL, *installed, *(u.name for u in self.daemon.router.upstreams)]
        return list(dict.fromkeys(names))

    def _model_object(self, name: str) -> dict[str, Any]:
        created = int(self.daemon.started_at)
        return {"id": name, "object": "model", "created": created, "owned_by": "codesaga"}

    async def _chat(self, request: Request) -> Response:
        params = await self._read_json(request)
        return await self._generate(request, params, messages=wire.chat_messages(params))

    async def _completions(self, request: Request) -> Response:
        params = await self._read_json(request)
        prompt, suffix = wire.completion_prompt(params), wire.completion_suffix(params)
        return await self._generate(request, params, prompt=prompt, suffix=suffix)

    async def _read_json(self, request: Request) -> dict[str, Any]:
        """The body, read as it streams in (the first read answers ``Expect: 100-continue``):
        no pause over ``body_idle`` seconds, all of it within ``body_total``, no more than
        ``MAX_BODY_BYTES``."""
        body = bytearray()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.limits.body_total
        try:
            async with contextlib.aclosing(request.stream()) as chunks:
                while True:
                    async with asyncio.timeout_at(
                        min(deadline, loop.time() + self.limits.body_idle)
                    ):
                        chunk = await anext(chunks, None)
                    if chunk is None:
                        return wire.json_body(bytes(body))
                    body += chunk
                    if len(body) > MAX_BODY_BYTES:
                        raise _too_large()
        except TimeoutError:
            raise ApiError(HTTPStatus.REQUEST_TIMEOUT, "the body came too slowly") from None
        except ClientDisconnect:
            raise ApiError(HTTPStatus.BAD_REQUEST, "the client left during its body") from None

    async def _generate(
        self,
        request: Request,
        params: dict[str, Any],
        *,
        messages: list[Message] | None = None,
        prompt: str | None = None,
        suffix: str | None = None,
    ) -> Response:
        options = wire.options(params)
        stream, include_usage = options.pop("stream"), options.pop("include_usage")
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
                suffix=suffix,
                run=RunOptions(on_delta=on_delta if stream else None, cancel=cancel, model=model),
                **options,
            )

        future = loop.run_in_executor(self.daemon.executor, work)
        future.add_done_callback(lambda _: deltas.put_nowait(None))  # after every delta
        end = self._watch(request.receive, future, cancel)
        answer = wire.Answer.new(chat=messages is not None, model=model)
        if not stream:
            try:
                result = await asyncio.shield(future)
            finally:
                end()
            return JSONResponse(wire.whole(result, answer))
        try:
            first = await deltas.get()
            if first is None:  # nothing streamed: a failure is still a plain HTTP error
                await asyncio.shield(future)
        except BaseException:
            end()
            raise
        events = self._events(first, future, deltas, answer, include_usage, end)
        headers = {"cache-control": "no-cache"}
        return StreamingResponse(events, media_type="text/event-stream", headers=headers)

    def _watch(
        self, receive: Receive, future: asyncio.Future[TaskResult], cancel: CancelToken
    ) -> Callable[[], None]:
        """Cancel a generation when its client goes away (once its body is read, the next
        thing uvicorn can say is the disconnect) or the daemon stops. Returns what ends the
        watch: it cancels a generation whose answer nobody will wait for any more."""
        watcher = asyncio.create_task(_until_disconnect(receive))
        watcher.add_done_callback(lambda task: None if task.cancelled() else cancel.cancel())
        self._running.add(cancel)

        def end() -> None:
            watcher.cancel()
            self._running.discard(cancel)
            if not future.done():
                cancel.cancel()

        return end

    async def _events(
        self,
        text: str | None,
        future: asyncio.Future[TaskResult],
        deltas: asyncio.Queue[str | None],
        answer: wire.Answer,
        include_usage: bool,
        end: Callable[[], None],
    ) -> AsyncIterator[bytes]:
        """Server-sent events: one chunk per delta, the finish reason, usage if asked."""
        try:
            first = True
            while text is not None:
                yield wire.event(wire.chunk(answer, answer.model, text, first))
                first = False
                text = await deltas.get()
            try:
                result = await future
            except Exception as exc:  # after the headers: the error goes into the stream
                yield wire.event(wire.api_error(exc).body())
            else:
                reason = result.finished.reason if result.finished else "stop"
                # The model each chunk named: one answer names one model throughout.
                last = wire.chunk(answer, answer.model, "", first, reason)
                yield wire.event(last)
                if include_usage:
                    yield wire.event({**last, "choices": [], "usage": wire.usage(result)})
            yield wire.DONE_EVENT
        finally:
            end()

    def _listing(self) -> list[ModelListing]:
        return list_models(self.daemon.settings, self.daemon.scheduler.pool.resolver.store)

    def _model(self, requested: object) -> str | None:
        """The model to use: ``codesaga`` (or a name we do not know, as many clients send
        their own default) means the role's; an installed model or an upstream is honoured."""
        if not isinstance(requested, str) or requested in ("", wire.DEFAULT_MODEL):
            return None
        known = {m.name for m in self._listing()}  # presets and installed models
        upstream = requested.split("/", 1)[0]
        if requested in known or any(u.name == upstream for u in self.daemon.router.upstreams):
            return requested
        return None


class _Door:
    """Every request's headers checked before the app, and so any of the body, is reached."""

    def __init__(self, app: ASGIApp, api: HttpApi) -> None:
        self.app = app
        self.api = api
        self._refusals = HushedWarning(log)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # no lifespan, no WebSocket here
        unread = any(
            name == b"transfer-encoding" or (name == b"content-length" and value.strip(b"0 "))
            for name, value in scope["headers"]
        )

        async def receive_body() -> AsgiMessage:
            nonlocal unread
            message = await receive()
            unread = unread and message.get("more_body", False)
            return message

        async def send_answer(message: AsgiMessage) -> None:
            if message["type"] == "http.response.start" and unread:
                # Answered before its body was read (refused, too large, too slow): the
                # connection closes, so the rest of the body is never read.
                headers = [*message.get("headers", ()), (b"connection", b"close")]
                message = {**message, "headers": headers}
            await send(message)

        refused = self.api.refusal(scope)
        if refused is not None:
            self._refusals.warning("refused an OpenAI API request: %s", refused)
            await _error_response(refused)(scope, receive_body, send_answer)
            return
        if len(scope["path"]) > 1 and scope["path"].endswith("/"):
            scope = {**scope, "path": scope["path"].rstrip("/")}
        self.api.daemon.last_activity = time.monotonic()
        try:
            await self.app(scope, receive_body, send_answer)
        finally:
            self.api.daemon.last_activity = time.monotonic()


def _answering(endpoint: Endpoint) -> Endpoint:
    """The endpoint with every failure answered as an OpenAI-style error."""

    async def answer(request: Request) -> Response:
        try:
            return await endpoint(request)
        except HTTPException:
            raise  # Starlette's own: ``_http_error`` answers it
        except Exception as exc:
            error = wire.api_error(exc)
            if error.status == HTTPStatus.INTERNAL_SERVER_ERROR:
                log.exception("OpenAI API %s failed", request.url.path)
            return _error_response(error)

    return answer


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's refusals (no such path, wrong method), OpenAI-style."""
    assert isinstance(exc, HTTPException)
    path = request.url.path
    messages = {
        HTTPStatus.NOT_FOUND: f"no such endpoint {path}; see /v1/models",
        HTTPStatus.METHOD_NOT_ALLOWED: f"{path} takes {(exc.headers or {}).get('Allow')}",
    }
    status = HTTPStatus(exc.status_code)
    return _error_response(ApiError(status, messages.get(status, exc.detail)), exc.headers)


def _too_large() -> ApiError:
    megabytes = MAX_BODY_BYTES // (1024 * 1024)
    return ApiError(
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the request body is over {megabytes} MiB"
    )


def _error_response(error: ApiError, headers: Mapping[str, str] | None = None) -> Response:
    headers = {**(headers or {}), **(error.headers() or {})}
    return JSONResponse(error.body(), status_code=error.status.value, headers=headers or None)


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
