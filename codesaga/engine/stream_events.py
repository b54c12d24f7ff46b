"""The events of a streamed completion from an OpenAI-compatible server (or llama-server's
``/infill``): the data of each server-sent event, decoded as a JSON object, and its text and
finish reason."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from typing import Any

from codesaga.domain.errors import UpstreamError

MAX_ERROR_BODY = 400  # characters of an error response worth showing
# HTTP statuses (and llama-server's error codes) of a server that refused one request (too
# long for its context, vLLM's "maximum context length", a parameter it rejects), not all.
REFUSED_REQUEST_STATUSES = frozenset({400, 413, 422})
MAX_EVENT_BYTES = 1024 * 1024  # one server-sent event; past that the stream is nonsense
DRAIN_SECONDS = 0.25  # for the end of a body after its [DONE]: it follows at once
_LINE_END = re.compile(r"\r\n|\r|\n")


async def bounded_lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[str]:
    """The lines of a response body (ended by CR LF, LF or CR, as server-sent events may be),
    refusing a line longer than one event may be before it is all in memory: a whole line
    was buffered first (httpx's ``aiter_lines``), so a server that sent one without an end
    (a wrong URL, a broken proxy) took the daemon's memory, 1.5 GiB in a minute."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    cr_last = False  # a chunk ended with CR: a LF that starts the next one ends no line
    async for chunk in chunks:
        text = decoder.decode(chunk)
        if cr_last and text.startswith("\n"):
            text, cr_last = text[1:], False
        if not text:
            continue
        cr_last = text.endswith("\r")
        # Only the new text is looked at for line ends: a long line trickling in was split
        # again whole at every chunk.
        first, *lines = _LINE_END.split(text)
        if lines:
            yield pending + first
            *ended, pending = lines
            for line in ended:
                yield line
        else:
            pending += first
        if len(pending) > MAX_EVENT_BYTES:
            raise UpstreamError("an upstream sent an event larger than 1 MiB; giving up")
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


async def sse_data(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """The data of each server-sent event (fields other than data are ignored), and an
    ``error:`` field's as ``{"error": ...}`` data: llama-server reports a failure mid-stream
    so (``error: {"code": 400, "message": ...}``, then ``[DONE]``), which read as the end
    of a whole answer."""
    data: list[str] = []
    size = 0
    async for line in lines:
        if line.startswith("error:"):
            value = line[6:].strip()
            try:
                error = json.loads(value)
            except ValueError:
                error = value
            yield json.dumps({"error": error or "an error with no message"})
        elif not line:
            if data:
                yield "\n".join(data)
            data, size = [], 0
        elif line.startswith("data:"):
            value = line[5:]
            data.append(value[1:] if value.startswith(" ") else value)
            size += len(value)
            if size > MAX_EVENT_BYTES:
                raise UpstreamError("an upstream sent an event larger than 1 MiB; giving up")
        # comments (":...") and event:, id:, retry: fields carry nothing we use
    if data:
        yield "\n".join(data)


async def drain(events: AsyncIterator[str]) -> None:
    """Read what follows ``[DONE]`` (the body's last chunk, as a rule) so that the connection
    can serve the next request. A server that keeps the stream open only loses it."""
    import httpx

    with contextlib.suppress(TimeoutError, httpx.HTTPError, UpstreamError):
        async with asyncio.timeout(DRAIN_SECONDS):
            async for _ in events:
                pass


def decode_event(data: str, upstream: str) -> dict[str, Any]:
    """One event's data as a JSON object; an ``UpstreamError`` (naming ``upstream``) if it is
    not one, or if it reports an error."""
    try:
        event = json.loads(data)
    except ValueError:
        raise UpstreamError(
            f"upstream {upstream} sent a malformed event ({data[:80]!r}); it may not "
            "be an OpenAI-compatible server"
        ) from None
    if not isinstance(event, dict):
        raise UpstreamError(f"upstream {upstream} sent {data[:80]!r}, not an object")
    error = event.get("error")
    if error:
        message = error.get("message") if isinstance(error, dict) else error
        code = error.get("code") if isinstance(error, dict) else None
        raise UpstreamError(
            f"upstream {upstream} failed: {str(message)[:MAX_ERROR_BODY]}",
            this_request_only=isinstance(code, int) and code in REFUSED_REQUEST_STATUSES,
        )
    return event


def text_and_finish(event: dict[str, Any]) -> tuple[str, str | None]:
    """(text, finish reason) of one event of any of the three endpoints."""
    choices = event.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        choice = choices[0]
        delta = choice.get("delta")
        text = delta.get("content") if isinstance(delta, dict) else choice.get("text")
        return str(text or ""), choice.get("finish_reason")
    if "content" in event:  # llama-server's /infill
        finish = "stop" if event.get("stop") else None
        return str(event.get("content") or ""), finish
    return "", None
