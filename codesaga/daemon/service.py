"""The daemon's JSON-RPC methods, shared by every transport.

A transport hands each parsed message to ``Daemon.handle`` with its ``Connection``; task
methods run on a thread pool (their model work is serialized by the scheduler), so control
methods answer while a generation runs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from codesaga import __version__
from codesaga.daemon import protocol as p
from codesaga.daemon.protocol import Request, RequestId, RpcError, require
from codesaga.daemon.scheduler import Scheduler
from codesaga.domain.chat import DEFAULT_SYSTEM, Session, export_json, export_markdown
from codesaga.domain.completion import CompletionOptions
from codesaga.domain.context import CodeContext
from codesaga.domain.enums import RequestStatus, RequestType, Role
from codesaga.domain.errors import CodeSagaError
from codesaga.domain.prompts import Message
from codesaga.domain.repo_context import ORIGINS
from codesaga.domain.stats import model_stats
from codesaga.engine.port import CancelToken
from codesaga.models.presets import PRESETS
from codesaga.service.files import read_source
from codesaga.service.journal import Journal
from codesaga.service.routing import Router
from codesaga.service.sessions import ChatReply, Chats
from codesaga.service.stores import KeyValueStore
from codesaga.service.tasks import Assistant, TaskResult
from codesaga.settings import RESTART_KEYS, Settings

if TYPE_CHECKING:
    from codesaga.daemon.context_watch import ContextWatcher

log = logging.getLogger(__name__)

T = TypeVar("T")
SWEEP_SECONDS = 30.0  # how often a listing may re-check the journal for dead requests


class Connection:
    """One client connection as the daemon sees it, whatever the transport."""

    def __init__(self, send: Callable[[bytes], None], name: str) -> None:
        self.send = send
        self.name = name
        self.initialized = False
        self.client: dict[str, Any] = {}
        self.inflight: dict[RequestId, CancelToken] = {}

    def cancel_all(self) -> None:
        for token in self.inflight.values():
            token.cancel()


Handler = Callable[[Connection, Request], Coroutine[Any, Any, Any]]


class Daemon:
    def __init__(
        self,
        settings: Settings,
        assistant: Assistant,
        scheduler: Scheduler,
        journal: Journal,
        feedback: KeyValueStore,
        chats: Chats,
        router: Router | None = None,
    ) -> None:
        self.settings = settings
        self.boot_settings = settings  # what the RESTART_KEYS keep until a restart
        self.file_settings = settings  # as the environment and config.toml last gave them
        self.loaded_models: dict[str, Any] = {}  # what models/load set, until a restart
        self.router = router or Router(scheduler, settings)
        self.assistant = assistant
        self.chats = chats
        self.scheduler = scheduler
        self.journal = journal
        self.feedback = feedback
        self.started_at = time.time()
        self.last_activity = time.monotonic()
        self._swept_at = -SWEEP_SECONDS  # the journal's first listing sweeps
        self.connections: set[Connection] = set()
        self.websocket_url: str | None = None  # set by the WebSocket transport when it runs
        self.openai_url: str | None = None  # set by the OpenAI-compatible HTTP API when it runs
        self.token_file: str | None = None
        self.context_watcher: ContextWatcher | None = None  # set by main when it serves
        self.stop_requested = asyncio.Event()
        self.executor = ThreadPoolExecutor(max_workers=64, thread_name_prefix="task")
        self.methods: dict[str, Handler] = {
            "initialize": self.initialize,
            "generate": self.generate,
            "refactor": self.refactor,
            "fix": self.fix,
            "complete": self.complete,
            "context/add": self.context_add,
            "chat": self.chat,
            "status": self.status,
            "models/list": self.models_list,
            "models/load": self.models_load,
            "requests/list": self.requests_list,
            "requests/get": self.requests_get,
            "stats": self.stats,
            "feedback": self.feedback_method,
            "shutdown": self.shutdown,
            "sessions/open": self.sessions_open,
            "sessions/list": self.sessions_list,
            "sessions/get": self.sessions_get,
            "sessions/rename": self.sessions_rename,
            "sessions/delete": self.sessions_delete,
            "sessions/export": self.sessions_export,
            "sessions/set": self.sessions_set,
            "sessions/attach": self.sessions_attach,
            "sessions/detach": self.sessions_detach,
            "sessions/clear": self.sessions_clear,
            "sessions/undo": self.sessions_undo,
            "upstreams/list": self.upstreams_list,
            "upstreams/check": self.upstreams_check,
        }

    def close(self) -> None:
        self.assistant.completer.close()
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.chats.store.close()
        self.journal.close()
        self.feedback.close()

    # -- dispatch ------------------------------------------------------------------------

    async def handle(self, conn: Connection, message: p.Message) -> None:
        """Answer one message. Never raises: every failure becomes an error response."""
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
            return
        handler = self.methods.get(message.method)
        try:
            if handler is None:
                raise RpcError(p.METHOD_NOT_FOUND, f"unknown method {message.method!r}")
            if not conn.initialized and message.method not in ("initialize", "status", "shutdown"):
                raise RpcError(p.NOT_INITIALIZED, "send initialize first")
            result = await handler(conn, message)
        except Exception as exc:
            error = p.error_from_exception(exc)
            if error.code == p.INTERNAL_ERROR:
                log.exception("%s failed", message.method)
            if not message.is_notification:
                conn.send(p.encode_error(message.id, error))
            return
        finally:
            self.last_activity = time.monotonic()
        if not message.is_notification:
            try:
                encoded = p.encode_result(message.id, result)
            except (TypeError, ValueError) as exc:
                log.exception("%s returned an unencodable result", message.method)
                encoded = p.encode_error(message.id, p.error_from_exception(exc))
            conn.send(encoded)

    async def _task(
        self,
        conn: Connection,
        req: Request,
        work: Callable[[CancelToken, Callable[[str], None] | None], TaskResult | ChatReply],
    ) -> dict[str, Any]:
        if req.id is None:
            raise RpcError(p.INVALID_REQUEST, f"{req.method} needs an id")
        if req.id in conn.inflight:
            raise RpcError(p.INVALID_REQUEST, f"request id {req.id!r} is already running")
        loop = asyncio.get_running_loop()
        cancel = CancelToken()
        request_id = req.id
        stream = require(req.params, "stream", "bool", optional=True)

        def on_delta(text: str) -> None:
            loop.call_soon_threadsafe(conn.send, p.delta(request_id, text))

        conn.inflight[request_id] = cancel
        try:
            result = await loop.run_in_executor(
                self.executor, work, cancel, on_delta if stream else None
            )
            return result.to_json()
        finally:
            conn.inflight.pop(request_id, None)

    # -- lifecycle and control -------------------------------------------------------------

    async def initialize(self, conn: Connection, req: Request) -> Any:
        client = require(req.params, "client", "dict", optional=True) or {}
        version = require(req.params, "protocolVersion", "int", optional=True)
        if version is not None and version != p.PROTOCOL_VERSION:
            raise RpcError(
                p.VERSION_MISMATCH,
                f"the daemon speaks protocol {p.PROTOCOL_VERSION}, "
                f"the client {version}; restart the daemon: codesaga daemon restart",
                {"daemonVersion": __version__, "protocolVersion": p.PROTOCOL_VERSION},
            )
        if client.get("name") == "codesaga" and client.get("version") != __version__:
            raise RpcError(
                p.VERSION_MISMATCH,
                f"the daemon runs codesaga {__version__}, the "
                f"client is {client.get('version')}; restart the daemon: "
                "codesaga daemon restart",
                {"daemonVersion": __version__, "protocolVersion": p.PROTOCOL_VERSION},
            )
        theirs = require(req.params, "settings", "dict", optional=True)
        conn.initialized = True
        conn.client = client
        result = {
            "daemon": {"name": "codesaga", "version": __version__, "pid": os.getpid()},
            "protocolVersion": p.PROTOCOL_VERSION,
            "models": {str(role): self.settings.model_for(role) for role in Role},
            "capabilities": {"streaming": True, "cancel": True, "methods": sorted(self.methods)},
        }
        if theirs is not None:
            ours = self.fingerprint()
            result["settingsDiffer"] = sorted(
                key for key, digest in theirs.items() if key in ours and ours[key] != digest
            )
        return result

    async def status(self, conn: Connection, req: Request) -> Any:
        active = list(self.assistant.active.values())
        running = [r.id for r in active if r.status == RequestStatus.PROCESSING]
        return {
            "version": __version__,
            "pid": os.getpid(),
            "uptime_seconds": round(time.time() - self.started_at, 3),
            "idle_seconds": round(time.monotonic() - self.last_activity, 3),
            "idle_timeout": self.settings.idle_timeout,
            "connections": len(self.connections),
            "inflight": sum(len(c.inflight) for c in self.connections),
            "models": self.scheduler.status(),
            "roles": {str(role): self.settings.model_for(role) for role in Role},
            "processing": running,
            "websocket_url": self.websocket_url,
            "openai_url": self.openai_url,
            "token_file": self.token_file,
            "upstreams": self.router.describe(),
        }

    async def shutdown(self, conn: Connection, req: Request) -> Any:
        self.stop_requested.set()
        return {"stopping": True}

    async def models_list(self, conn: Connection, req: Request) -> Any:
        store = self.scheduler.pool.resolver.store
        installed = {m.name: m for m in store.installed()}
        loaded = {str(path) for path in self.scheduler.pool.loaded()}
        return {
            "models": [
                {
                    "name": name,
                    "installed": name in installed,
                    "path": str(installed[name].path) if name in installed else None,
                    "loaded": name in installed and str(installed[name].path) in loaded,
                    "roles": [str(r) for r in Role if self.settings.model_for(r) == name],
                }
                for name in dict.fromkeys([*PRESETS, *installed])
            ]
        }

    async def models_load(self, conn: Connection, req: Request) -> Any:
        role_name = require(req.params, "role", "str")
        model = require(req.params, "model", "str")
        try:
            role = Role(role_name)
        except ValueError:
            raise RpcError(
                p.INVALID_PARAMS,
                f"unknown role {role_name!r}; one of {', '.join(r.value for r in Role)}",
            ) from None
        self.loaded_models.update({"model": None, f"model_{role.value}": model})
        return await self.apply_settings(dataclasses.replace(self.settings, **self.loaded_models))

    async def reload_settings(self, fresh: Settings) -> Any:
        """config.toml changed: apply it, keeping what models/load set (it lasts until a
        restart) unless the file now sets that same key itself."""
        kept = {
            key: value
            for key, value in self.loaded_models.items()
            if getattr(fresh, key) == getattr(self.file_settings, key)
        }
        result = await self.apply_settings(dataclasses.replace(fresh, **kept))
        self.file_settings, self.loaded_models = fresh, kept
        return result

    def fingerprint(self) -> dict[str, str]:
        """The settings in force: the current ones, but for the keys read only at start."""
        current, boot = self.settings.fingerprint(), self.boot_settings.fingerprint()
        return {key: boot[key] if key in RESTART_KEYS else value for key, value in current.items()}

    async def apply_settings(self, settings: Settings) -> Any:
        """Switch to new settings: warm the models of roles that changed, unload the models
        no role uses any more. Roles that did not change stay as they are (loaded or lazy)."""
        loop = asyncio.get_running_loop()
        resolver = self.scheduler.pool.resolver
        previous = resolver.settings
        resolver.settings = settings
        try:
            wanted = {role: resolver.resolve(role) for role in Role}
        except CodeSagaError:
            resolver.settings = previous
            raise
        self.settings = settings
        self.assistant.settings = settings
        self.assistant.completer.reconfigure(settings)
        self.router.upstream_pool.reconfigure(settings)
        in_use = {m.path for m in wanted.values()}
        for path in set(self.scheduler.pool.loaded()) - in_use:
            await loop.run_in_executor(self.executor, self.scheduler.unload, path)
        loaded: list[str] = []
        for role, model in wanted.items():
            changed = previous.model_for(role) != settings.model_for(role)
            if changed and model.path not in self.scheduler.pool.loaded():
                await loop.run_in_executor(self.executor, self.scheduler.info, role)
                loaded.append(model.name)
        boot = self.boot_settings
        waiting = sorted(k for k in RESTART_KEYS if getattr(settings, k) != getattr(boot, k))
        return {
            "roles": {str(r): m.name for r, m in wanted.items()},
            "loaded": loaded,
            "restart_needed_for": waiting,
        }

    async def requests_list(self, conn: Connection, req: Request) -> Any:
        status = require(req.params, "status", "str", optional=True)
        kind = require(req.params, "type", "str", optional=True)
        limit = require(req.params, "limit", "int", optional=True) or 20
        try:
            wanted = (
                RequestStatus(status) if status else None,
                RequestType(kind) if kind else None,
            )
        except ValueError as exc:
            raise RpcError(p.INVALID_PARAMS, str(exc)) from None
        await self._sweep_journal()
        records = await self._off_loop(
            lambda: self.journal.query(
                status=wanted[0], type=wanted[1], limit=max(1, min(limit, 1000))
            )
        )
        return {"requests": [r.to_dict() for r in records]}

    async def _off_loop(self, work: Callable[[], T]) -> T:
        """Run disk work on the executor: a journal read blocking the event loop would
        hold up every other client's control calls (status once waited for stats' scan)."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, work)

    def abandon_dead_requests(self) -> int:
        """Mark failed what a dead process left in progress (the daemon before this one, or
        a --no-daemon command killed meanwhile); returns how many. It reads the whole
        journal, so listings repeat it at most every SWEEP_SECONDS."""
        self._swept_at = time.monotonic()
        return self.journal.abandon_unfinished()

    async def _sweep_journal(self) -> None:
        if time.monotonic() - self._swept_at >= SWEEP_SECONDS:
            self._swept_at = time.monotonic()  # now: a listing meanwhile does not sweep too
            await self._off_loop(self.journal.abandon_unfinished)

    async def requests_get(self, conn: Connection, req: Request) -> Any:
        request_id = require(req.params, "id", "str")
        await self._sweep_journal()
        record = await self._off_loop(lambda: self.journal.get(request_id))
        if record is None:
            raise RpcError(p.INVALID_PARAMS, f"no request {request_id!r} in the journal")
        return record.to_dict()

    async def stats(self, conn: Connection, req: Request) -> Any:
        models = await self._off_loop(self._model_stats)
        return {
            "models": models,
            "completion": self.assistant.completer.stats(),
            "upstreams": self.router.describe(),
        }

    def _model_stats(self) -> list[dict[str, Any]]:
        records = self.journal.query(limit=100_000)
        feedback = {}
        for model in {r.model for r in records if r.model} | set(PRESETS):
            accepted = self.feedback.get(f"accepted:{model}") or 0
            shown = self.feedback.get(f"shown:{model}") or 0
            if shown:
                feedback[model] = (int(accepted), int(shown))
        return [
            dict(dataclasses.asdict(s), accuracy=s.accuracy) for s in model_stats(records, feedback)
        ]

    async def upstreams_list(self, conn: Connection, req: Request) -> Any:
        return {
            "upstreams": self.router.describe(),
            "private_paths": self.settings.privacy.patterns,
        }

    async def upstreams_check(self, conn: Connection, req: Request) -> Any:
        loop = asyncio.get_running_loop()
        checked = await loop.run_in_executor(self.executor, self.router.check)
        return {"upstreams": checked}

    async def feedback_method(self, conn: Connection, req: Request) -> Any:
        request_id = require(req.params, "request_id", "str")
        accepted = require(req.params, "accepted", "bool")
        record = await self._off_loop(lambda: self.journal.get(request_id))
        if record is None or record.model is None:
            raise RpcError(p.INVALID_PARAMS, f"no finished request {request_id!r} to rate")
        self.feedback.incr(f"shown:{record.model}")
        if accepted:
            self.feedback.incr(f"accepted:{record.model}")
        return {"model": record.model, "accepted": accepted}

    # -- chat sessions -----------------------------------------------------------------------

    def _ref(self, req: Request) -> str:
        return str(require(req.params, "session", "str"))

    async def sessions_open(self, conn: Connection, req: Request) -> Any:
        session = self.chats.open(
            name=require(req.params, "name", "str", optional=True),
            key=require(req.params, "key", "str", optional=True),
            new=bool(require(req.params, "new", "bool", optional=True)),
        )
        return summary(session)

    async def sessions_list(self, conn: Connection, req: Request) -> Any:
        return {"sessions": [summary(s) for s in self.chats.list()]}

    async def sessions_get(self, conn: Connection, req: Request) -> Any:
        return self.chats.find(self._ref(req)).to_dict()

    async def sessions_rename(self, conn: Connection, req: Request) -> Any:
        name = require(req.params, "name", "str").strip()
        if not name:
            raise RpcError(p.INVALID_PARAMS, "the new name is empty")
        return summary(self.chats.update(self._ref(req), lambda s: setattr(s, "name", name)))

    async def sessions_delete(self, conn: Connection, req: Request) -> Any:
        session = self.chats.find(self._ref(req))
        self.chats.store.delete(session.id)
        return {"deleted": session.id}

    async def sessions_export(self, conn: Connection, req: Request) -> Any:
        fmt = require(req.params, "format", "str", optional=True) or "markdown"
        session = self.chats.find(self._ref(req))
        if fmt not in ("markdown", "json"):
            raise RpcError(p.INVALID_PARAMS, "format must be markdown or json")
        text = export_markdown(session) if fmt == "markdown" else export_json(session)
        return {"format": fmt, "text": text}

    async def sessions_set(self, conn: Connection, req: Request) -> Any:
        system = require(req.params, "system", "str", optional=True)
        model = require(req.params, "model", "str", optional=True)

        def change(session: Session) -> None:
            if system is not None:
                session.system = system.strip() or DEFAULT_SYSTEM
            if model is not None:
                session.model = model or None

        return summary(self.chats.update(self._ref(req), change))

    async def sessions_attach(self, conn: Connection, req: Request) -> Any:
        path = _path(req.params)
        lines = require(req.params, "lines", "str", optional=True)
        session = self.chats.attach(self._ref(req), path, lines, self.settings.max_file_bytes)
        return summary(session)

    async def sessions_detach(self, conn: Connection, req: Request) -> Any:
        path = require(req.params, "path", "str", optional=True)

        def drop(session: Session) -> None:
            session.attachments = [
                a for a in session.attachments if path is not None and path not in (a.path, a.label)
            ]

        return summary(self.chats.update(self._ref(req), drop))

    async def sessions_clear(self, conn: Connection, req: Request) -> Any:
        return summary(self.chats.update(self._ref(req), lambda s: s.turns.clear()))

    async def sessions_undo(self, conn: Connection, req: Request) -> Any:
        removed: list[int] = []
        session = self.chats.update(self._ref(req), lambda s: removed.append(s.undo()))
        return {**summary(session), "removed": removed[0]}

    # -- tasks -----------------------------------------------------------------------------

    async def generate(self, conn: Connection, req: Request) -> Any:
        prompt = require(req.params, "prompt", "str")
        language = require(req.params, "language", "str", optional=True)
        model = require(req.params, "model", "str", optional=True)
        return await self._task(
            conn,
            req,
            lambda cancel, on_delta: self.assistant.generate(
                prompt, language, on_delta=on_delta, cancel=cancel, model=model
            ),
        )

    async def refactor(self, conn: Connection, req: Request) -> Any:
        path, content, lines, apply, label, model = _file_task_params(req.params)
        instruction = require(req.params, "instruction", "str", optional=True)
        return await self._task(
            conn,
            req,
            lambda cancel, on_delta: self.assistant.refactor(
                path,
                content=content,
                lines=lines,
                instruction=instruction,
                apply=apply,
                label=label,
                on_delta=on_delta,
                cancel=cancel,
                model=model,
            ),
        )

    async def fix(self, conn: Connection, req: Request) -> Any:
        path, content, lines, apply, label, model = _file_task_params(req.params)
        error = require(req.params, "error", "str")
        return await self._task(
            conn,
            req,
            lambda cancel, on_delta: self.assistant.fix(
                path,
                error,
                content=content,
                lines=lines,
                apply=apply,
                label=label,
                on_delta=on_delta,
                cancel=cancel,
                model=model,
            ),
        )

    async def complete(self, conn: Connection, req: Request) -> Any:
        """Inline completion. The cursor is ``prefix`` + ``suffix`` (the text around it), or
        ``content`` with ``line`` and ``column``, or a file ``path`` with ``line`` and
        ``column``; see docs/protocol.md for the options."""
        params = req.params
        options = _completion_options(params, self.settings.completion_max_lines)
        model = require(params, "model", "str", optional=True)
        workspace = require(params, "workspace", "str", optional=True)
        chunks = _chunks(params)
        ctx = await self._completion_context(params)
        return await self._task(
            conn,
            req,
            lambda cancel, _: self.assistant.complete_context(
                ctx,
                options=options,
                workspace=workspace,
                chunks=chunks,
                cancel=cancel,
                model=model,
            ),
        )

    async def _completion_context(self, params: dict[str, Any]) -> CodeContext:
        label = require(params, "label", "str", optional=True)
        language = require(params, "language", "str", optional=True)
        prefix = require(params, "prefix", "str", optional=True)
        limit = self.settings.max_file_bytes
        if prefix is not None:
            suffix = require(params, "suffix", "str", optional=True) or ""
            name = label or require(params, "path", "str", optional=True)
            _check_size(len(prefix.encode()) + len(suffix.encode()), limit, "prefix + suffix")
            return CodeContext.around_cursor(name, prefix, suffix, language)
        line = require(params, "line", "int")
        column = require(params, "column", "int")
        content = require(params, "content", "str", optional=True)
        if content is None:
            path = _path(params)
            loop = asyncio.get_running_loop()
            content, _ = await loop.run_in_executor(self.executor, read_source, path, limit)
            name = label or str(path)
        else:
            _check_size(len(content.encode()), limit, "content")
            name = label or require(params, "path", "str", optional=True)
        return CodeContext.at_cursor(name, content, line, column, language)

    async def context_add(self, conn: Connection, req: Request) -> Any:
        """Push a chunk of another file into a workspace's completion context."""
        params = req.params
        given_workspace = require(params, "workspace", "str", optional=True)
        workspace = given_workspace or "default"
        path = require(params, "path", "str")
        origin = require(params, "origin", "str", optional=True) or "client"
        if origin not in ORIGINS:
            raise RpcError(p.INVALID_PARAMS, f"origin must be one of {', '.join(ORIGINS)}")
        line = require(params, "line", "int", optional=True)
        text = require(params, "text", "str", optional=True)
        if text is None:
            loop = asyncio.get_running_loop()
            file = _path(params)
            text, _ = await loop.run_in_executor(
                self.executor, read_source, file, self.settings.max_file_bytes
            )
        else:
            _check_size(len(text.encode()), self.settings.max_file_bytes, "text")
        completer = self.assistant.completer
        added = completer.add_context(workspace, path, text, origin, line)
        if origin == "opened" and self.settings.completion_warm:
            # The editor shows this document now: its first completion should not wait
            # for the model to read the file. ``line`` is the cursor's line.
            completer.warm(path, text, line, workspace=given_workspace)
        if added and self.context_watcher is not None:
            self.context_watcher.update()
        ring = completer.ring(workspace)
        return {"added": added, "chunks": len(ring)}

    async def chat(self, conn: Connection, req: Request) -> Any:
        model = require(req.params, "model", "str", optional=True)
        ref = require(req.params, "session", "str", optional=True)
        if ref is not None:
            message = require(req.params, "message", "str", optional=True)
            if message is None and not require(req.params, "retry", "bool", optional=True):
                raise RpcError(p.INVALID_PARAMS, "give a message, or retry: true")
            return await self._task(
                conn,
                req,
                lambda cancel, on_delta: self.chats.send(
                    ref, message, on_delta=on_delta, cancel=cancel, model=model
                ),
            )
        raw = require(req.params, "messages", "list")
        messages = []
        for item in raw:
            if not isinstance(item, dict) or item.get("role") not in ROLES_IN_CHAT:
                raise RpcError(
                    p.INVALID_PARAMS,
                    "each message needs a role (system, user or assistant) and content",
                )
            messages.append(Message(item["role"], str(item.get("content", ""))))
        return await self._task(
            conn,
            req,
            lambda cancel, on_delta: self.assistant.chat(
                messages, on_delta=on_delta, cancel=cancel, model=model
            ),
        )


ROLES_IN_CHAT = ("system", "user", "assistant")


def _file_task_params(
    params: dict[str, Any],
) -> tuple[Path | None, str | None, str | None, bool, str | None, str | None]:
    """path, content, lines, apply, label and model: what refactor and fix share. With
    ``content`` (an editor's buffer) the path is optional and only names the file."""
    content = require(params, "content", "str", optional=True)
    if content is not None and "path" not in params and "label" not in params:
        raise RpcError(p.INVALID_PARAMS, "with content, name the file with path or label")
    return (
        _path(params) if content is None or "path" in params else None,
        content,
        require(params, "lines", "str", optional=True),
        bool(require(params, "apply", "bool", optional=True)),
        require(params, "label", "str", optional=True),
        require(params, "model", "str", optional=True),
    )


def summary(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "name": session.name,
        "key": session.key,
        "turns": len(session.turns),
        "model": session.model,
        "attachments": [a.label for a in session.attachments],
        "created_at": session.created_at,
        "updated_at": session.updated_at,
    }


def _check_size(size: int, limit: int, what: str) -> None:
    if size > limit:
        raise RpcError(p.INPUT_ERROR, f"{what} is over the {limit:,}-byte limit")


MAX_CHUNKS = 32
MAX_CANDIDATES = 5


def _completion_options(params: dict[str, Any], default_lines: int) -> CompletionOptions:
    multiline = require(params, "multiline", "bool", optional=True)
    max_lines = require(params, "maxLines", "int", optional=True) or default_lines
    candidates = require(params, "candidates", "int", optional=True) or 1
    budget_ms = require(params, "timeBudgetMs", "int", optional=True)
    if not 1 <= max_lines <= 200:
        raise RpcError(p.INVALID_PARAMS, "maxLines must be between 1 and 200")
    if not 1 <= candidates <= MAX_CANDIDATES:
        raise RpcError(p.INVALID_PARAMS, f"candidates must be between 1 and {MAX_CANDIDATES}")
    if budget_ms is not None and budget_ms <= 0:
        raise RpcError(p.INVALID_PARAMS, "timeBudgetMs must be positive")
    return CompletionOptions(
        max_lines=max_lines,
        multiline=multiline,
        candidates=candidates,
        time_budget=budget_ms / 1000 if budget_ms else None,
    )


def _chunks(params: dict[str, Any]) -> list[tuple[str, str]]:
    """Extra context chunks sent with one completion: [{"path": ..., "text": ...}]."""
    raw = require(params, "chunks", "list", optional=True) or []
    if len(raw) > MAX_CHUNKS:
        raise RpcError(p.INVALID_PARAMS, f"at most {MAX_CHUNKS} chunks per completion")
    chunks = []
    for item in raw:
        if not isinstance(item, dict):
            raise RpcError(p.INVALID_PARAMS, "each chunk must be {path, text}")
        chunks.append((require(item, "path", "str"), require(item, "text", "str")))
    return chunks


def _path(params: dict[str, Any]) -> Path:
    path = Path(require(params, "path", "str"))
    if not path.is_absolute():
        raise RpcError(
            p.INVALID_PARAMS,
            f"path {str(path)!r} must be absolute: the daemon "
            "does not share the client's working directory",
        )
    return path
