"""The daemon's dispatch: every transport hands each parsed message to ``Daemon.handle``
with its ``Connection``; the method's params are decoded into their type in one place and
given to the handler family that registered the method (``daemon/handlers``).

Task methods run on a thread pool (their model work is serialized by the scheduler), so
control methods answer while a generation runs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from codesaga.daemon.connection import Connection
from codesaga.daemon.handlers.base import Call, Method
from codesaga.daemon.handlers.control import ControlMethods
from codesaga.daemon.handlers.journal import JournalMethods
from codesaga.daemon.handlers.models import ModelMethods
from codesaga.daemon.handlers.next_edit import NextEditMethods
from codesaga.daemon.handlers.sessions import SessionMethods
from codesaga.daemon.handlers.tasks import TaskMethods
from codesaga.daemon.live_settings import SettingsControl
from codesaga.daemon.scheduler import Scheduler
from codesaga.domain.enums import RequestStatus
from codesaga.protocol import jsonrpc as p
from codesaga.protocol.jsonrpc import RpcError
from codesaga.protocol.params import decode
from codesaga.service.journal import Journal
from codesaga.service.next_edit import NextEdits
from codesaga.service.routing import Router
from codesaga.service.sessions import Chats
from codesaga.service.stores import KeyValueStore
from codesaga.service.tasks import Assistant
from codesaga.settings import Live, Settings

if TYPE_CHECKING:
    from codesaga.daemon.context_watch import ContextWatcher

__all__ = ["Connection", "Daemon"]

log = logging.getLogger(__name__)
LOOKS = frozenset({"status"})  # methods that read the daemon's state and are no use of it


class Daemon:
    def __init__(
        self,
        settings: Live,
        assistant: Assistant,
        scheduler: Scheduler,
        journal: Journal,
        feedback: KeyValueStore,
        chats: Chats,
        router: Router,
        context_watcher: ContextWatcher,
        next_edits: NextEdits,
    ) -> None:
        self.router = router
        self.assistant = assistant
        self.chats = chats
        self.scheduler = scheduler
        self.journal = journal
        self.feedback = feedback
        self.context_watcher = context_watcher
        self.next_edits = next_edits
        self.started_at = time.time()
        self.last_activity = time.monotonic()
        self.connections: set[Connection] = set()
        self.websocket_url: str | None = None  # set by the WebSocket transport when it runs
        self.openai_url: str | None = None  # set by the OpenAI-compatible HTTP API when it runs
        self.openai_key_file: str | None = None  # the file holding its key (the token's)
        self.token_file: str | None = None
        self.stop_requested = asyncio.Event()
        self.executor = ThreadPoolExecutor(max_workers=64, thread_name_prefix="task")
        self.live = SettingsControl(settings, scheduler, assistant, self.router, self.executor)
        self._journal_methods = JournalMethods(
            journal, feedback, assistant.completer, self.router, next_edits.stats
        )
        self.methods: dict[str, Method[Any]] = {}
        for family in (
            ControlMethods(self),
            TaskMethods(assistant, chats, self.live, context_watcher, opened=next_edits.opened),
            SessionMethods(chats, self.live),
            ModelMethods(self.live, scheduler, self.router),
            NextEditMethods(next_edits, self.live),
            self._journal_methods,
        ):
            self.methods.update(family.methods())

    @property
    def settings(self) -> Settings:
        return self.live.current

    @property
    def file_settings(self) -> Settings:
        """The settings as the environment and config.toml last gave them."""
        return self.live.file

    def fingerprint(self) -> dict[str, str]:
        return self.live.fingerprint()

    async def reload_settings(self, fresh: Settings) -> dict[str, Any]:
        return await self.live.reload(fresh)

    def busy(self) -> bool:
        """Whether anything is being answered: a request of a connection, a journaled one
        in progress (the OpenAI API's, and those routed to an upstream, which no model of
        ours runs), or a model at work."""
        records = list(self.assistant.active.values())
        return (
            any(c.inflight for c in self.connections)
            or self.scheduler.busy()
            or any(r.status == RequestStatus.PROCESSING for r in records)
        )

    def abandon_dead_requests(self) -> int:
        return self._journal_methods.abandon_dead_requests()

    def close(self) -> None:
        self.assistant.completer.close()
        self.router.close()  # the upstreams' kept-alive connections
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.chats.store.close()
        self.journal.close()
        self.feedback.close()

    async def handle(self, conn: Connection, message: p.Message) -> None:
        """Answer one message. Never raises: every failure becomes an error response."""
        # A look at the daemon is no use of it: `daemon status` said "idle 0 s" every time,
        # and a client polling it kept the daemon from its idle exit.
        used = not (isinstance(message, p.Request) and message.method in LOOKS)
        if used:
            self.last_activity = time.monotonic()
        if isinstance(message, p.Invalid):
            conn.send(p.encode_error(message.id, message.error))
            return
        if isinstance(message, p.Response):
            return  # clients send no responses we wait for
        if message.method == "$/cancel":
            target = message.params.get("id")
            token = conn.inflight.get(target) if isinstance(target, int | str) else None
            if token is not None:
                token.cancel()
            if not message.is_notification:  # sent as a request after all: it gets its answer
                conn.send(p.encode_result(message.id, {"cancelled": token is not None}))
            return
        try:
            result = await self._dispatch(conn, message)
        except Exception as exc:
            error = p.error_from_exception(exc)
            if error.code == p.INTERNAL_ERROR:
                log.exception("%s failed", message.method)
            if not message.is_notification:
                conn.send(p.encode_error(message.id, error))
            return
        finally:
            if used:
                self.last_activity = time.monotonic()
        if not message.is_notification:
            try:
                encoded = p.encode_result(message.id, result)
            except (TypeError, ValueError) as exc:
                log.exception("%s returned an unencodable result", message.method)
                encoded = p.encode_error(message.id, p.error_from_exception(exc))
            conn.send(encoded)

    async def _dispatch(self, conn: Connection, request: p.Request) -> Any:
        method = self.methods.get(request.method)
        if method is None:
            shown = request.method if len(request.method) <= 80 else request.method[:79] + "…"
            raise RpcError(p.METHOD_NOT_FOUND, f"unknown method {shown!r}")  # not 2 MB back
        if not conn.initialized and not method.before_initialize:
            raise RpcError(p.NOT_INITIALIZED, "send initialize first")
        if self.stop_requested.is_set() and request.method not in LOOKS | {"shutdown"}:
            # Taken now, it would only be cancelled (and journaled so, as if the user had
            # stopped it): a chat's question that came as the daemon decided on its idle
            # exit was lost. Refused untouched, it is sent again, to a new daemon.
            raise RpcError(
                p.STOPPING, "the daemon is stopping and did nothing of this: send it again"
            )
        params = decode(method.params, request.params)
        return await method.run(Call(conn, request, self.executor), params)
