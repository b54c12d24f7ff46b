"""An engine on a shared inference server: any OpenAI-compatible API (llama.cpp's
llama-server, vLLM, Ollama, another CodeSaga daemon), streamed as server-sent events.

Chat requests go to ``/chat/completions``, raw prompts to ``/completions``, and a
completion with its parts to llama-server's ``/infill``. Three timeouts guard a request:
connecting, the first token (the server reads the whole prompt first) and the pauses
between tokens; each failure is an ``UpstreamError`` that says whether any text had been
produced, so the router knows whether another server can take over.

The API key is sent as a bearer token and scrubbed from every message we raise.

Each engine keeps one HTTP client with keep-alive, on an event loop of its own thread, so
requests from every worker reuse the server's connections (no handshake per completion).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from codesaga.domain.errors import UpstreamError
from codesaga.domain.fim import FORMATS, FimFormat
from codesaga.domain.stops import StopScanner
from codesaga.domain.upstreams import Timeouts, UpstreamKind, UpstreamSpec
from codesaga.engine.http_connections import Connections
from codesaga.engine.port import CancelToken, Delta, EngineInfo, Finished, GenerationRequest
from codesaga.engine.stream_events import (
    MAX_ERROR_BODY,
    REFUSED_REQUEST_STATUSES,
    bounded_lines,
    decode_event,
    drain,
    sse_data,
    text_and_finish,
)

if TYPE_CHECKING:
    import httpx

LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
CHARS_PER_TOKEN = 3  # a cautious estimate: we cannot count a remote model's tokens
UNANSWERED_TRIES = 2  # sends of a request the server closed the connection on unanswered
# Bytes read of a response that has no end in sight (a wrong URL, a broken proxy): an error's
# (its message is at the start), a model list's (hundreds of models fit).
MAX_ERROR_READ = 16 * 1024
MAX_MODELS_READ = 4 * 1024 * 1024


_END = object()
_CANCELLED = object()
# What the event stream yields for `data: [DONE]`: the server says the answer is whole.
_DONE: dict[str, Any] = {}


# The finish reasons of an answer the server let end (OpenAI's and vLLM's, llama-server's
# `eos`); any other means it was cut short: vLLM's "abort", "error" and "repetition",
# OpenAI's "content_filter".
_WHOLE: dict[str, Literal["stop", "length"]] = {
    "stop": "stop", "eos": "stop", "tool_calls": "stop", "function_call": "stop",
    "length": "length",
}  # fmt: skip


@dataclass
class _Relayed:
    """What a stream came to: why it ended, when its first text came, how many pieces of
    text it had and the server's usage counts."""

    reason: Literal["stop", "length", "cancelled"] = "stop"
    whole: bool = False  # the server said the answer ended: a finish reason or [DONE]
    first_at: float | None = None
    produced: int = 0
    usage: dict[str, Any] = field(default_factory=dict)


def fim_format(spec: UpstreamSpec, model: str) -> FimFormat | None:
    """The upstream model's fill-in-the-middle format: configured, or known from its name."""
    wanted = (spec.fim or "").lower()
    for fmt in FORMATS:
        if wanted == fmt.family or (not wanted and fmt.family in model.lower()):
            return fmt
    return None


class RemoteEngine:
    """One model on one server. Unlike a local engine, safe to use from several threads at
    once: their requests share the engine's connections."""

    def __init__(self, spec: UpstreamSpec, model: str, timeouts: Timeouts | None = None) -> None:
        self.spec = spec
        self.model = model
        self.timeouts = timeouts or Timeouts()
        self.info = EngineInfo(
            name=f"{spec.name}/{model}" if model else spec.name,
            path=None,
            n_ctx=spec.n_ctx,
            fim=fim_format(spec, model),
            metadata={"upstream": spec.name, "url": spec.display_url},
        )
        self._lock = threading.Lock()
        self._io: Connections | None = None  # opened by the first request
        self._users = 0  # requests running on ``_io``
        self._closing = False  # close() was asked while some ran

    # -- the Engine port ---------------------------------------------------------------

    def count_tokens(self, request: GenerationRequest) -> int:
        """An estimate (the server's tokenizer is not ours): enough to refuse a prompt that
        cannot fit before sending it."""
        text = request.prompt or "".join(m.content for m in request.messages)
        return len(text) // CHARS_PER_TOKEN + 4 * len(request.messages)

    def stream(
        self, request: GenerationRequest, cancel: CancelToken | None = None
    ) -> Iterator[Delta | Finished]:
        if request.max_tokens <= 0:
            # A prefill ahead of a completion: a server keeps its own cache, and reading a
            # prompt there to warm it would cost the server more than it saves us.
            yield Finished.without_output("length")
            return
        path, body = self._endpoint(request)
        scanner = StopScanner(request.stop)
        started = time.perf_counter()
        with self._connections() as io:
            relayed = yield from self._relay(
                io, self._events(io.client, path, body), scanner, cancel, request.max_tokens
            )
        if relayed.reason != "cancelled":
            rest = scanner.flush()
            if rest:
                yield Delta(rest)
        done = time.perf_counter()
        first = relayed.first_at or done
        usage = relayed.usage
        prompt_tokens = int(usage.get("prompt_tokens") or self.count_tokens(request))
        yield Finished(
            reason=relayed.reason,
            prompt_tokens=prompt_tokens,
            prompt_tokens_evaluated=prompt_tokens,
            completion_tokens=int(usage.get("completion_tokens") or relayed.produced),
            prompt_seconds=first - started,
            generation_seconds=done - first,
        )

    def _relay(
        self,
        io: Connections,
        events: AsyncGenerator[dict[str, Any]],
        scanner: StopScanner,
        cancel: CancelToken | None,
        max_tokens: int,
    ) -> Generator[Delta, None, _Relayed]:
        """The text of ``events`` as deltas, until their end, a stop, ``cancel`` or more
        pieces than ``max_tokens`` (each is a token at least: a server that ignores the limit
        would stream without end), each event awaited within its timeout; then closes them."""
        got = _Relayed()
        try:
            while True:
                limit = self.timeouts.first_token if got.first_at is None else self.timeouts.idle
                event = io.run(
                    self._next(events, limit, cancel, before_output=got.first_at is None)
                )
                if event is _END:
                    if not got.whole:  # else a cut answer would pass (and be cached) as whole
                        raise UpstreamError(
                            f"upstream {self.spec.name} ({self.spec.display_url}) ended its "
                            "answer before it was done (no finish reason, no [DONE]); "
                            "a proxy or the server gave up on the stream",
                            before_output=got.first_at is None,
                        )
                    break
                if event is _CANCELLED:
                    got.reason = "cancelled"
                    break
                if event is _DONE:
                    got.whole = True
                    continue
                assert isinstance(event, dict)
                got.usage = event.get("usage") or got.usage
                text, finish = text_and_finish(event)
                if text:
                    if got.produced >= max_tokens:  # the server ignored the limit
                        got.reason = "length"
                        break
                    if got.first_at is None:
                        got.first_at = time.perf_counter()
                    got.produced += 1
                    shown = scanner.feed(text)
                    if shown:
                        yield Delta(shown)
                    if scanner.stopped:
                        break
                if finish:
                    if not isinstance(finish, str) or finish not in _WHOLE:
                        # A cut answer was taken for whole: shown, cached, even applied.
                        raise UpstreamError(
                            f"upstream {self.spec.name} ({self.spec.display_url}) stopped its "
                            f"answer before it was done (finish reason {str(finish)[:40]!r})",
                            before_output=got.first_at is None,
                            # A filter's verdict is on this request's text, not the server.
                            this_request_only=finish == "content_filter",
                        )
                    got.whole = True
                    got.reason = _WHOLE[finish]
        except UpstreamError as exc:
            raise UpstreamError(
                self._scrub(str(exc)),
                before_output=got.first_at is None and exc.before_output,
                this_request_only=exc.this_request_only,
                status=exc.status,
            ) from None
        finally:
            io.finish(events.aclose())  # an unfinished response closes its connection
        return got

    def close(self) -> None:
        """Close the connections: now, or once the requests still running end. A request
        made after this opens new ones."""
        with self._lock:
            if self._users:
                self._closing = True  # the last of them closes
                return
            io, self._io = self._io, None
        if io is not None:
            io.close()

    @contextlib.contextmanager
    def _connections(self) -> Iterator[Connections]:
        """The engine's connections, for one request."""
        with self._lock:
            if self._io is None:
                self._io = Connections(self.info.name, self.timeouts.connect, self._trust_env())
            io = self._io
            self._users += 1
        try:
            yield io
        finally:
            with self._lock:
                self._users -= 1
                last = self._closing and not self._users
                if last:
                    self._io, self._closing = None, False
            if last:
                io.close()

    # -- health --------------------------------------------------------------------------

    def list_models(self) -> list[str]:
        """The server's model names (GET /models): the health check, and how an upstream
        configured without a model name finds one."""
        with self._connections() as io:
            return io.run(self._models(io.client))

    async def _models(self, client: httpx.AsyncClient) -> list[str]:
        import httpx

        try:
            async with client.stream(
                "GET",
                f"{self.spec.url}/models",
                headers=self._headers(),
                timeout=self.timeouts.connect,
            ) as response:
                failed = response.status_code >= 400
                body = await _start_of(response, MAX_ERROR_READ if failed else MAX_MODELS_READ)
        except httpx.HTTPError as exc:
            raise UpstreamError(self._scrub(self._describe(exc))) from None
        if failed:
            text = body.decode("utf-8", "replace")
            raise UpstreamError(self._scrub(self._status_message(response.status_code, text)))
        try:
            data = json.loads(body)["data"]
            return [str(item["id"]) for item in data]
        except (ValueError, KeyError, TypeError):
            raise UpstreamError(
                f"upstream {self.spec.name} ({self.spec.display_url}) answered /models with "
                "something that is not an OpenAI model list"
            ) from None

    # -- HTTP ------------------------------------------------------------------------------

    def _endpoint(self, request: GenerationRequest) -> tuple[str, dict[str, Any]]:
        common: dict[str, Any] = {
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "stream": True,
        }
        if request.seed is not None:
            common["seed"] = request.seed
        if request.stop:
            common["stop"] = list(request.stop)[:4]  # OpenAI's limit; we also stop locally
        if request.infill is not None and self.spec.kind is UpstreamKind.LLAMA_SERVER:
            root = self.spec.url.removesuffix("/v1")
            infill = request.infill
            return f"{root}/infill", {
                "input_prefix": infill.before,
                "input_suffix": infill.after,
                "input_extra": [{"filename": p, "text": t} for p, t in infill.files],
                "n_predict": request.max_tokens,
                "temperature": request.temperature,
                "stream": True,
                **({"stop": common["stop"]} if "stop" in common else {}),
            }
        if request.messages:
            messages = [{"role": m.role, "content": m.content} for m in request.messages]
            return f"{self.spec.url}/chat/completions", {
                "model": self.model,
                "messages": messages,
                "stream_options": {"include_usage": True},
                **common,
            }
        return f"{self.spec.url}/completions", {
            "model": self.model,
            "prompt": request.prompt,
            "stream_options": {"include_usage": True},
            **common,
        }

    async def _events(
        self, client: httpx.AsyncClient, url: str, body: dict[str, Any]
    ) -> AsyncGenerator[dict[str, Any]]:
        """The stream's JSON events, until ``[DONE]`` or the end of the response. A request
        the server closed the connection on before answering is sent once more, on a new
        connection: a kept-alive connection that the server closed for being idle just as
        the request went out (every keep-alive client meets that race) is not a failure."""
        import httpx

        unanswered = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
        for attempt in range(UNANSWERED_TRIES):
            answered = False
            try:
                async with client.stream(
                    "POST", url, json=body, headers=self._headers()
                ) as response:
                    answered = True
                    async for event in self._read(response):
                        yield event
                return
            except httpx.HTTPError as exc:
                if answered or not isinstance(exc, unanswered):
                    raise UpstreamError(self._describe(exc)) from None
                if attempt + 1 == UNANSWERED_TRIES:
                    raise UpstreamError(
                        f"upstream {self.spec.name} ({self.spec.display_url}) closed the "
                        f"connection without an answer, {UNANSWERED_TRIES} times; is it "
                        "overloaded or restarting?"
                    ) from None

    async def _read(self, response: httpx.Response) -> AsyncGenerator[dict[str, Any]]:
        """The JSON events of a ``response`` the server began."""
        if response.status_code >= 400:
            text = (await _start_of(response, MAX_ERROR_READ)).decode("utf-8", "replace")
            raise UpstreamError(
                self._status_message(response.status_code, text),
                this_request_only=response.status_code in REFUSED_REQUEST_STATUSES,
                status=response.status_code,
            )
        kind = response.headers.get("content-type", "")
        if "text/event-stream" not in kind:
            raise UpstreamError(
                f"upstream {self.spec.name} answered with {kind or 'no type'}, "
                "not a stream of server-sent events; is the URL an OpenAI-"
                "compatible API (it usually ends in /v1)?"
            )
        events = sse_data(bounded_lines(response.aiter_bytes()))
        async for data in events:
            if data == "[DONE]":
                await drain(events)
                yield _DONE
                return
            yield decode_event(data, self.spec.name)

    async def _next(
        self,
        events: AsyncIterator[dict[str, Any]],
        limit: float,
        cancel: CancelToken | None,
        *,
        before_output: bool,
    ) -> object:
        """The next event, ``_END``, or ``_CANCELLED``; polls ``cancel`` while it waits."""
        task = asyncio.ensure_future(anext(events, _END))
        deadline = time.monotonic() + limit
        while True:
            remaining = deadline - time.monotonic()
            done, _ = await asyncio.wait({task}, timeout=max(0.0, min(0.1, remaining)))
            if done:
                return task.result()
            stopped = cancel is not None and cancel.cancelled
            if stopped or remaining <= 0:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                if stopped:
                    return _CANCELLED
                what = "the first token" if before_output else "the next token"
                raise UpstreamError(
                    f"upstream {self.spec.name} ({self.spec.display_url}) sent nothing for "
                    f"{limit:g} s while we waited for {what}; it is overloaded or stuck",
                    before_output=before_output,
                )

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "text/event-stream, application/json"}
        if self.spec.key:
            headers["Authorization"] = f"Bearer {self.spec.key}"
        return headers

    def _trust_env(self) -> bool:
        # A proxy from the environment may be needed for a remote server, never for loopback.
        return urlsplit(self.spec.url).hostname not in LOOPBACK_HOSTS

    def _status_message(self, status: int, body: str) -> str:
        hint = {
            401: "; check the upstream's key (upstream_key or key_env)",
            403: "; check the upstream's key (upstream_key or key_env)",
            404: "; check the URL (it usually ends in /v1) and the model name",
            429: "; it is rate-limiting us",
        }.get(status, "")
        snippet = " ".join(body.split())[:MAX_ERROR_BODY]
        return f"upstream {self.spec.name} answered HTTP {status}: {snippet}{hint}"

    def _describe(self, exc: Exception) -> str:
        import httpx

        where = f"upstream {self.spec.name} ({self.spec.display_url})"
        if isinstance(exc, httpx.ConnectTimeout):
            return f"{where} did not accept a connection within {self.timeouts.connect:g} s"
        if isinstance(exc, httpx.ConnectError):
            return f"cannot connect to {where}: {exc}; is the server running?"
        return f"{where} failed: {type(exc).__name__}: {exc}"

    def _scrub(self, text: str) -> str:
        key = self.spec.key
        return text.replace(key, "***") if key else text


async def _start_of(response: httpx.Response, limit: int) -> bytes:
    """At most ``limit`` bytes of the body: the whole of it could be any size."""
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= limit:
            break
    return bytes(body[:limit])
