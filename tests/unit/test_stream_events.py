"""An upstream's response body cut into lines as server-sent events are: by CR LF, LF or
CR, wherever the chunks of the body happen to be split."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from codesaga.domain.errors import UpstreamError
from codesaga.engine.stream_events import MAX_EVENT_BYTES, bounded_lines


def lines_of(*chunks: bytes) -> list[str]:
    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    async def read() -> list[str]:
        return [line async for line in bounded_lines(body())]

    return asyncio.run(read())


def test_every_line_end_and_every_split_of_the_body_give_the_same_lines() -> None:
    body = 'data: {"a": 1}\r\n\r\ndata: é€😀\n\ndata: x\rdata: y\r\r: comment\n'.encode()
    whole = lines_of(body)
    assert whole == ['data: {"a": 1}', "", "data: é€😀", "", "data: x", "data: y", "",
                     ": comment"]  # fmt: skip
    for cut in range(1, len(body)):  # a CR LF or a character's bytes cut in two included
        assert lines_of(body[:cut], body[cut:]) == whole, cut
    assert lines_of(*(body[i : i + 1] for i in range(len(body)))) == whole


def test_a_line_without_end_is_refused_before_it_is_all_read() -> None:
    read = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal read
        yield b"data: "
        while True:
            read += 65536
            yield b"x" * 65536

    async def drain() -> None:
        async for _ in bounded_lines(endless()):
            pass

    with pytest.raises(UpstreamError, match="larger than 1 MiB"):
        asyncio.run(drain())
    assert read <= MAX_EVENT_BYTES + 65536


def test_an_error_event_with_any_code_is_an_upstream_error() -> None:
    # A list or object as the code raised TypeError (unhashable), an internal error.
    from codesaga.engine.stream_events import decode_event

    for code in ("[400]", '{"http": 400}', "400", '"bad"'):
        with pytest.raises(UpstreamError, match="failed: too long") as caught:
            decode_event(f'{{"error": {{"code": {code}, "message": "too long"}}}}', "gpu")
        assert caught.value.this_request_only is (code == "400")
