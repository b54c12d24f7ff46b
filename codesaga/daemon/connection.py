"""One client connection as the daemon sees it, whatever the transport."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codesaga.engine.port import CancelToken
from codesaga.protocol.jsonrpc import RequestId


class Connection:
    def __init__(self, send: Callable[[bytes], None], name: str) -> None:
        self.send = send
        self.name = name
        self.initialized = False
        self.client: dict[str, Any] = {}
        self.inflight: dict[RequestId, CancelToken] = {}

    def cancel_all(self, reason: str | None = None) -> None:
        for token in self.inflight.values():
            token.cancel(reason)
