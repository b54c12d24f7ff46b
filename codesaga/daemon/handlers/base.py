"""What a method is to the dispatcher, and what a method gets besides its params."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from codesaga.daemon.connection import Connection
from codesaga.engine.port import CancelToken
from codesaga.protocol import jsonrpc as p
from codesaga.protocol.jsonrpc import Request, RpcError
from codesaga.protocol.params import Params, TaskParams
from codesaga.service.runner import RunOptions

P = TypeVar("P", bound=Params)
T = TypeVar("T")


class Result(Protocol):
    def to_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Method(Generic[P]):
    params: type[P]
    run: Callable[[Call, P], Awaitable[Any]]
    before_initialize: bool = False  # may be called before the handshake


class Family(Protocol):
    def methods(self) -> dict[str, Method[Any]]: ...


@dataclass(frozen=True)
class Call:
    """One request being answered: its connection, and the daemon's worker threads."""

    conn: Connection
    request: Request
    executor: Executor

    async def off_loop(self, work: Callable[[], T]) -> T:
        """Run blocking work (disk, a model) on the executor: on the event loop it would
        hold up every other client's calls."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, work)

    async def task(
        self, work: Callable[[RunOptions], Result], params: TaskParams
    ) -> dict[str, Any]:
        """Run a model task off the loop on the model ``params`` name (None: the role's),
        cancellable with ``$/cancel`` and, when ``params`` ask to stream, sending its text as
        ``$/delta`` notifications as it comes."""
        conn, request_id = self.conn, self.request.id
        if request_id is None:
            raise RpcError(p.INVALID_REQUEST, f"{self.request.method} needs an id")
        if request_id in conn.inflight:
            raise RpcError(p.INVALID_REQUEST, f"request id {request_id!r} is already running")
        loop = asyncio.get_running_loop()

        def on_delta(text: str) -> None:
            loop.call_soon_threadsafe(conn.send, p.delta(request_id, text))

        cancel = CancelToken()
        options = RunOptions(
            on_delta=on_delta if params.stream else None, cancel=cancel, model=params.model
        )
        conn.inflight[request_id] = cancel
        try:
            result = await loop.run_in_executor(self.executor, work, options)
            return result.to_json()
        finally:
            conn.inflight.pop(request_id, None)
