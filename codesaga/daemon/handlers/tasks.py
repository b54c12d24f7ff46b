"""The methods that run a model: generate, refactor, fix, complete, chat; and context/add,
which feeds the completion prompt."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from codesaga.daemon.handlers.base import Call, Method
from codesaga.domain.completion import CompletionOptions
from codesaga.domain.context import CodeContext
from codesaga.domain.languages import language_by_name
from codesaga.domain.prompts import Message
from codesaga.domain.retry import FailedRewrite
from codesaga.fs import read_source
from codesaga.protocol import jsonrpc as p
from codesaga.protocol import params as t
from codesaga.protocol.jsonrpc import RpcError
from codesaga.service.sessions import Chats
from codesaga.service.tasks import Assistant
from codesaga.settings import Settings

# The context ring of clients that name no workspace (a window with no folder open).
DEFAULT_WORKSPACE = "default"

ChatRole = Literal["system", "user", "assistant"]  # checked by ChatMessage

if TYPE_CHECKING:
    from codesaga.daemon.context_watch import ContextWatcher


class TaskMethods:
    def __init__(
        self,
        assistant: Assistant,
        chats: Chats,
        settings: Callable[[], Settings],
        context_watcher: ContextWatcher | None = None,
        opened: Callable[[str], None] = lambda path: None,
    ) -> None:
        self.assistant = assistant
        self.opened = opened  # told of each document an editor opens or switches to
        self.chats = chats
        self.settings = settings  # live: config.toml may change it
        self.context_watcher = context_watcher

    def methods(self) -> dict[str, Method[Any]]:
        return {
            "generate": Method(t.GenerateParams, self.generate),
            "refactor": Method(t.RefactorParams, self.refactor),
            "fix": Method(t.FixParams, self.fix),
            "complete": Method(t.CompleteParams, self.complete),
            "context/add": Method(t.ContextAddParams, self.context_add),
            "chat": Method(t.ChatParams, self.chat),
        }

    async def generate(self, call: Call, params: t.GenerateParams) -> Any:
        _check_text(params.prompt, self.settings().max_file_bytes, "prompt")
        return await call.task(
            lambda run: self.assistant.generate(params.prompt, params.language, run),
            params,
        )

    async def refactor(self, call: Call, params: t.RefactorParams) -> Any:
        retry = self._retry(params)
        return await call.task(
            lambda run: self.assistant.refactor(
                _path_of(params.path),
                content=params.content,
                lines=params.lines,
                instruction=params.instruction,
                apply=params.apply,
                label=params.label,
                run=run,
                attempts=params.attempts,
                retry=retry,
            ),
            params,
        )

    async def fix(self, call: Call, params: t.FixParams) -> Any:
        limit = self.settings().max_file_bytes
        _check_text(params.error, limit, "error")
        _check_text(params.failing_code, limit, "failingCode")
        retry = self._retry(params)
        return await call.task(
            lambda run: self.assistant.fix(
                _path_of(params.path),
                params.error,
                failing_code=params.failing_code,
                content=params.content,
                lines=params.lines,
                apply=params.apply,
                label=params.label,
                run=run,
                attempts=params.attempts,
                retry=retry,
            ),
            params,
        )

    def _retry(self, params: t.FileTaskParams) -> FailedRewrite | None:
        if params.retry is None:
            return None
        limit = self.settings().max_file_bytes
        _check_size(len(params.retry.text.encode()), limit, "retry.text")
        _check_size(len(params.retry.problem.encode()), limit, "retry.problem")
        return FailedRewrite(params.retry.text, params.retry.problem)

    async def complete(self, call: Call, params: t.CompleteParams) -> Any:
        """Inline completion; see docs/protocol.md for the ways to give the cursor."""
        settings = self.settings()
        options = CompletionOptions(
            max_lines=params.max_lines or settings.completion_max_lines,
            multiline=params.multiline,
            candidates=params.candidates,
            time_budget=None if params.time_budget_ms is None else params.time_budget_ms / 1000,
            gate=params.gate,
            replace_rest=params.replace_rest,
        )
        ctx = await self._completion_context(call, params, settings.max_file_bytes)
        chunks = [(c.path, c.text) for c in params.chunks]
        _check_text("".join(text for _, text in chunks), settings.max_file_bytes, "chunks")
        return await call.task(
            lambda run: self.assistant.complete_context(
                ctx,
                options=options,
                workspace=params.workspace or DEFAULT_WORKSPACE,
                chunks=chunks,
                run=run,
            ),
            params,
        )

    async def _completion_context(
        self, call: Call, params: t.CompleteParams, limit: int
    ) -> CodeContext:
        if params.prefix is not None:
            size = len(params.prefix.encode()) + len(params.suffix.encode())
            _check_size(size, limit, "prefix + suffix")
            name = _document(params)
            language = _editor_language(params.language)
            return CodeContext.around_cursor(name, params.prefix, params.suffix, language)
        assert params.line is not None and params.column is not None  # checked by the type
        if params.content is None:
            path = Path(str(params.path))
            content, _ = await call.off_loop(lambda: read_source(path, limit))
        else:
            content = params.content
            _check_size(len(content.encode()), limit, "content")
        name = _document(params)
        language = _editor_language(params.language)
        return CodeContext.at_cursor(name, content, params.line, params.column, language)

    async def context_add(self, call: Call, params: t.ContextAddParams) -> Any:
        """Push a chunk of another file into a workspace's completion context."""
        settings = self.settings()
        workspace = params.workspace or DEFAULT_WORKSPACE
        if params.text is None:
            file = Path(params.path)
            text, _ = await call.off_loop(lambda: read_source(file, settings.max_file_bytes))
        else:
            text = params.text
            _check_size(len(text.encode()), settings.max_file_bytes, "text")
        completer = self.assistant.completer
        added = completer.add_context(workspace, params.path, text, params.origin, params.line)
        if params.origin == "opened":
            self.opened(params.path)
        if params.origin == "opened" and settings.completion_warm:
            # The editor shows this document now: its first completion should not wait
            # for the model to read the file. ``line`` is the cursor's line.
            completer.warm(params.path, text, params.line, workspace=workspace)
        if added and self.context_watcher is not None:
            self.context_watcher.update()
        return {"added": added, "chunks": len(completer.ring(workspace))}

    async def chat(self, call: Call, params: t.ChatParams) -> Any:
        limit = self.settings().max_file_bytes
        _check_text(params.message or "", limit, "message")
        _check_text("".join(m.content for m in params.messages or ()), limit, "messages")
        if params.session is not None:
            session = params.session
            return await call.task(
                lambda run: self.chats.send(session, params.message, run),
                params,
            )
        messages = [Message(cast(ChatRole, m.role), m.content) for m in params.messages or ()]
        return await call.task(lambda run: self.assistant.chat(messages, run), params)


def _path_of(path: str | None) -> Path | None:
    return Path(path) if path is not None else None


def _editor_language(language: str | None) -> str | None:
    """An editor's language id if we know it (or its alias), else None: the document's
    name decides. An editor sends its own ids (`vue`, `perl`), and a completion refused
    for one was refused at every keystroke."""
    return language if language and language_by_name(language) is not None else None


def _check_size(size: int, limit: int, what: str) -> None:
    if size > limit:
        raise RpcError(p.INPUT_ERROR, f"{what} is over the {limit:,}-byte limit")


def _check_text(text: str, limit: int, what: str) -> None:
    """A text a client sends is no larger than a file it may send (max_file_bytes): the
    message limit alone (8 MiB) let each one be journaled at that size."""
    if len(text) > limit // 4:  # at most 4 bytes a character: only a long text is encoded
        _check_size(len(text.encode()), limit, what)


def _document(params: t.CompleteParams) -> str | None:
    """The document a completion is for: its path, which tells two files of one name apart
    (their window anchors, in-flight generations and suggestions are the document's), else
    the label. The model sees the file's name either way."""
    return params.path or params.label
