"""A scripted OpenAI-compatible server on loopback, for the failures a real one rarely shows
on demand: HTTP 500, malformed events, a stream that stalls. It records every request it
receives (path, headers, body) and counts the connections it accepts, so tests can assert on
what left the machine and how."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# "ok", except that a connection's second request is never answered: the connection closes
# as it arrives (a server's keep-alive timeout that ran out just then); or every request.
DROPS_SECOND, DROPS_ALL = "drops-second", "drops-all"
# llama-server's failure mid-stream: an `error:` field (not data), then [DONE].
LLAMA_ERROR = "llama-error"
# The text, then the end of the response: no finish_reason, no [DONE] (a proxy or a server
# that gave up half-way and closed the body cleanly).
CUT_SHORT = "cut-short"
# The text, then vLLM's finish reason of a request it aborted (then [DONE], as vLLM sends).
ABORTED = "aborted"
# Bodies with no end in sight (a wrong URL, a broken proxy): an error's (HTTP 400), or a
# stream's line; sent until the client hangs up (``sent`` counts the bytes).
ENDLESS_ERROR, ENDLESS_LINE = "endless-error", "endless-line"
# HTTP 400 for a request too long for the server's context (vLLM's words), every time.
TOO_LONG = "too-long"
MODES = (
    "ok", "500", "401-echo", "malformed", "stall-first", "stall-middle", "slow-ok",
    DROPS_SECOND, DROPS_ALL, LLAMA_ERROR, CUT_SHORT, ABORTED, ENDLESS_ERROR, ENDLESS_LINE,
    TOO_LONG,
)  # fmt: skip


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up on a stalled or losing stream is the point of the test


class ScriptedUpstream:
    def __init__(
        self,
        mode: str = "ok",
        text: str = "print('hello from upstream')\n",
        answer_after: threading.Event | None = None,
        keep_alive: bool = False,
        strict_models: bool = False,
    ) -> None:
        """``answer_after``: hold every answer until this is set (at most 5 s), e.g. until
        another server has received its request. ``keep_alive``: streams are sent chunked and
        the connection stays open for the next request, as llama-server and vLLM do (else
        each stream ends by closing its connection). ``strict_models``: a request for a
        model not in ``models`` (which GET /models lists) is answered 404, as vLLM does."""
        assert mode in MODES, mode
        self.mode = mode
        self.text = text
        self.answer_after = answer_after
        self.keep_alive = keep_alive
        self.received: list[dict[str, Any]] = []
        self.sent = 0  # bytes of an endless body sent
        self.models = ["scripted-model"]
        self.strict_models = strict_models
        self.connections = 0  # accepted so far
        self.posted = threading.Event()  # set once a request with a prompt arrived
        self.stop_stalling = threading.Event()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                upstream.connections += 1  # one handler per connection
                self.posts_here = 0  # requests with a prompt on this connection (posts: all)

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                upstream._record(self, None)
                if upstream.mode == "500":
                    self._json(500, {"error": {"message": "upstream exploded"}})
                    return
                if upstream.mode == ENDLESS_ERROR:
                    upstream._endless(self, 400)
                    return
                self._json(200, {"object": "list", "data": [{"id": m} for m in upstream.models]})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                upstream._record(self, body)
                self.posts_here += 1
                if (upstream.mode, self.posts_here) in ((DROPS_SECOND, 2), (DROPS_ALL, 1)):
                    self.close_connection = True  # closed without a word
                    return
                upstream._answer(self, body)

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.Handler = Handler
        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def posts(self) -> list[dict[str, Any]]:
        """The requests that carried a prompt (GET /models carries none)."""
        return [r for r in self.received if r["body"] is not None]

    def __enter__(self) -> ScriptedUpstream:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_stalling.set()
        self.server.shutdown()
        self.server.server_close()

    def _record(self, handler: BaseHTTPRequestHandler, body: Any) -> None:
        self.received.append(
            {"path": handler.path, "headers": dict(handler.headers.items()), "body": body}
        )
        if body is not None:
            self.posted.set()

    def _answer(self, h: Any, body: dict[str, Any]) -> None:
        if self.answer_after is not None:
            self.answer_after.wait(5)
        mode = self.mode
        if mode == "500":
            h._json(500, {"error": {"message": "upstream exploded"}})
            return
        if mode == "401-echo":  # a server that echoes the key it refused: we must scrub it
            h._json(401, {"error": {"message": f"bad key {h.headers.get('Authorization')}"}})
            return
        if self.strict_models and body.get("model") not in self.models:
            message = f"The model `{body.get('model')}` does not exist."
            h._json(404, {"object": "error", "message": message, "code": 404})
            return
        if mode == TOO_LONG:
            message = "This model's maximum context length is 4096 tokens."
            h._json(400, {"object": "error", "message": message, "code": 400})
            return
        if mode in (ENDLESS_ERROR, ENDLESS_LINE):
            self._endless(h, 400 if mode == ENDLESS_ERROR else 200)
            return
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        if self.keep_alive:
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Connection", "close")
        h.end_headers()

        def event(payload: Any, field: str = "data") -> None:
            raw = payload if isinstance(payload, str) else json.dumps(payload)
            data = f"{field}: {raw}\n\n".encode()
            h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if self.keep_alive else data)
            h.wfile.flush()

        self._stream(h, event)
        if self.keep_alive:
            h.wfile.write(b"0\r\n\r\n")  # the end of the body; the connection stays open

    def _endless(self, h: Any, status: int) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "text/event-stream" if status == 200 else "text/plain")
        h.send_header("Connection", "close")
        h.end_headers()
        chunk = b"x" * 65536
        h.wfile.write(b"data: ")
        with contextlib.suppress(OSError):
            while self.sent < 1 << 30 and not self.stop_stalling.is_set():
                h.wfile.write(chunk)
                self.sent += len(chunk)

    def _stream(self, h: Any, event: Callable[..., None]) -> None:
        mode = self.mode
        if mode == LLAMA_ERROR:
            message = "the request exceeds the available context size, try increasing it"
            event({"code": 400, "message": message, "type": "exceed_context_size_error"}, "error")
            event("[DONE]")
            return
        if mode == "malformed":
            event("{this is not json")
            return
        if mode == "stall-first":
            self.stop_stalling.wait(30)
            return
        chat = h.path.endswith("/chat/completions")
        infill = h.path.endswith("/infill")
        words = self.text.split(" ")
        pieces = [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]
        for i, piece in enumerate(pieces):
            if mode == "stall-middle" and i == 1:
                self.stop_stalling.wait(30)
                return
            if mode == "slow-ok":
                time.sleep(0.3)
            if infill:
                event({"content": piece, "stop": False})
            elif chat:
                event(
                    {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                )
            else:
                event({"choices": [{"index": 0, "text": piece, "finish_reason": None}]})
        if mode == CUT_SHORT:
            return
        finish = "abort" if mode == ABORTED else "stop"
        end: dict[str, Any] = {"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
        if infill:
            end = {"content": "", "stop": True}
        event(end)
        event({"choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": len(pieces)}})
        event("[DONE]")
