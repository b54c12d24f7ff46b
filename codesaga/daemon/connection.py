"""One client connection as the daemon sees it, whatever the transport."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from codesaga.engine.port import CancelToken
from codesaga.protocol.jsonrpc import RequestId

# Requests of one client being answered and answers it has not read yet: past this many its
# messages are not read until half of them are gone, so a client that sends without reading
# cannot grow the daemon's memory without end.
MAX_PENDING = 256
# Answers one client has not read, in bytes: past this it is cut off (its requests
# cancelled). Its requests already read still answer after it stops being read, and eight
# listings left unread held 2.5 GB.
MAX_UNREAD_BYTES = 64 * 2**20

log = logging.getLogger(__name__)


class Room:
    """Whether a connection's next message may be read: not from MAX_PENDING pending (the
    ``backlog`` counts them) until fewer than half are, so reading does not stop and start
    at every answer."""

    def __init__(self, backlog: Callable[[], int]) -> None:
        self._backlog = backlog
        self._free = asyncio.Event()
        self._free.set()

    def update(self) -> None:
        """Call when the backlog may have changed."""
        backlog = self._backlog()
        if backlog >= MAX_PENDING:
            self._free.clear()
        elif backlog < MAX_PENDING // 2:
            self._free.set()

    def release(self) -> None:
        """The connection closed: the reader goes on, to find that out."""
        self._free.set()

    async def wait(self) -> None:
        await self._free.wait()


class Connection:
    def __init__(self, send: Callable[[bytes], None], name: str) -> None:
        self.send = send
        self.name = name
        self.initialized = False
        self.client: dict[str, Any] = {}
        self.inflight: dict[RequestId, CancelToken] = {}
        self.dropped = False

    def cancel_all(self, reason: str | None = None) -> None:
        for token in self.inflight.values():
            token.cancel(reason)

    def cut_off(self, unread: int, abort: Callable[[], None]) -> None:
        """Its client does not read its answers (``unread`` bytes of them): its requests are
        cancelled and ``abort`` drops the connection (what is unread is not worth sending)."""
        if self.dropped:
            return
        self.dropped = True
        log.warning("dropped %s: it left %d MiB of answers unread", self.name, unread >> 20)
        self.cancel_all()
        abort()
