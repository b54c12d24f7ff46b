"""Chat sessions: a store port (memory, diskcache) and the chat use case over it."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from codesaga.domain.chat import Attachment, Session, Turn, default_name, fit_conversation
from codesaga.domain.context import Selection
from codesaga.domain.enums import Role
from codesaga.domain.errors import InputError
from codesaga.domain.prompts import Message
from codesaga.engine.port import GenerationRequest
from codesaga.fs import read_source
from codesaga.service.runner import NO_OPTIONS, ModelRunner, OnDelta, RunOptions
from codesaga.service.stores import DiskStore
from codesaga.service.task_result import TaskResult
from codesaga.service.tasks import Assistant

PARTIAL_SAVE_SECONDS = 0.5  # how often a streaming answer is saved, so a crash keeps it


class SessionStore(Protocol):
    def save(self, session: Session) -> None: ...
    def get(self, session_id: str) -> Session | None: ...
    def all(self) -> list[Session]: ...
    def delete(self, session_id: str) -> bool: ...
    def close(self) -> None: ...


class MemorySessionStore:
    def __init__(self) -> None:
        self._data: dict[str, dict[str, Any]] = {}

    def save(self, session: Session) -> None:
        session.updated_at = time.time()
        self._data[session.id] = session.to_dict()

    def get(self, session_id: str) -> Session | None:
        data = self._data.get(session_id)
        return Session.from_dict(data) if data else None

    def all(self) -> list[Session]:
        return [Session.from_dict(d) for d in self._data.values()]

    def delete(self, session_id: str) -> bool:
        return self._data.pop(session_id, None) is not None

    def close(self) -> None:
        pass


class DiskSessionStore:
    """Sessions in diskcache with eviction off: a size limit never drops a conversation."""

    def __init__(self, directory: Path) -> None:
        self._store = DiskStore(directory, size_limit=2**62, eviction="none")

    def save(self, session: Session) -> None:
        session.updated_at = time.time()
        self._store.set(session.id, session.to_dict())

    def get(self, session_id: str) -> Session | None:
        data = self._store.get(session_id)
        return Session.from_dict(data) if data else None

    def all(self) -> list[Session]:
        found = (self._store.get(k) for k in self._store.iterkeys())
        return [Session.from_dict(d) for d in found if d]

    def delete(self, session_id: str) -> bool:
        return self._store.delete(session_id)

    def close(self) -> None:
        self._store.close()


@dataclass
class ChatReply:
    result: TaskResult
    session: Session
    notice: str | None

    def to_json(self) -> dict[str, Any]:
        data = self.result.to_json()
        data["session"] = {"id": self.session.id, "name": self.session.name}
        if self.notice:
            data["notice"] = self.notice
        return data


class Chats:
    """Sessions and their turns. Every change is saved at once; an answer is saved while it
    streams (marked interrupted until it completes), so a crash loses nothing written."""

    def __init__(self, assistant: Assistant, runner: ModelRunner, store: SessionStore) -> None:
        self.assistant = assistant
        self.runner = runner
        self.store = store
        self._lock = threading.Lock()

    # -- finding sessions --------------------------------------------------------------

    def find(self, ref: str) -> Session:
        """A session by id or name (newest first), or ``InputError``."""
        session = self.store.get(ref)
        if session is None:
            named = sorted(
                (s for s in self.store.all() if s.name == ref),
                key=lambda s: s.updated_at,
                reverse=True,
            )
            session = named[0] if named else None
        if session is None:
            raise InputError(f"no chat session {ref!r}; see `codesaga sessions list`")
        return session

    def open(
        self, *, name: str | None = None, key: str | None = None, new: bool = False
    ) -> Session:
        """The session to chat in: by name, else the newest for ``key``; created if needed."""
        with self._lock:
            if not new:
                candidates = [
                    s
                    for s in self.store.all()
                    if (name and s.name == name) or (not name and key and s.key == key)
                ]
                if candidates:
                    return max(candidates, key=lambda s: s.updated_at)
            session = Session.new(name or (default_name(key) if key else None), key)
            self.store.save(session)
            return session

    def list(self) -> list[Session]:
        return sorted(self.store.all(), key=lambda s: s.updated_at, reverse=True)

    # -- changing a session ---------------------------------------------------------------

    def update(self, ref: str, change: Callable[[Session], Any]) -> Session:
        with self._lock:
            session = self.find(ref)
            change(session)
            self.store.save(session)
            return session

    def attach(self, ref: str, path: Path, lines: str | None, max_bytes: int) -> Session:
        content, _ = read_source(path, max_bytes)
        if lines:
            sel = Selection.parse(lines, len(content.splitlines()))
            content = "".join(content.splitlines(keepends=True)[sel.start - 1 : sel.end])

        def add(session: Session) -> None:
            session.attachments = [
                a for a in session.attachments if (a.path, a.lines) != (str(path), lines)
            ]
            session.attachments.append(Attachment(str(path), content, lines))

        return self.update(ref, add)

    # -- talking -----------------------------------------------------------------------------

    def send(
        self,
        ref: str,
        message: str | None,
        run: RunOptions = NO_OPTIONS,
    ) -> ChatReply:
        """Add ``message`` (None: answer the last user message again, for /retry) and answer."""
        session = self._ask(ref, message)
        model = run.model or session.model
        info, _ = self.runner.info(Role.CHAT, model)
        reserve = min(self.assistant.settings.max_tokens, info.n_ctx // 4)

        def count(messages: list[Message]) -> int:
            return self.runner.count_tokens(Role.CHAT, GenerationRequest(messages=messages), model)

        fitted = fit_conversation(session, count, info.n_ctx - reserve)
        answer = _SavedAnswer(session, self.store, run.on_delta)
        try:
            result = self.assistant.chat(
                fitted.messages,
                dataclasses.replace(run, on_delta=answer.streamed, model=model),
                max_tokens=reserve,
                cache_slot=session.id,
                sources=tuple(a.path for a in session.attachments),
            )
        except BaseException:
            answer.keep_partial()  # kept, and marked interrupted
            raise
        answer.complete(result.text, result.request_id)
        if fitted.notice:
            result.warnings.append(fitted.notice)
        return ChatReply(result, session, fitted.notice)

    def _ask(self, ref: str, message: str | None) -> Session:
        """The session with ``message`` as its last turn (saved before the model starts), or
        with the answers after its last question dropped, to answer it again."""
        with self._lock:
            session = self.find(ref)
            if message is not None:
                if not message.strip():
                    raise InputError("the message is empty")
                session.turns.append(Turn("user", message))
            else:
                while session.turns and session.turns[-1].role == "assistant":
                    session.turns.pop()
            self.store.save(session)
        return session


class _SavedAnswer:
    """An answer being streamed into its session: saved every PARTIAL_SAVE_SECONDS (marked
    interrupted) so that a crash keeps what was said, then saved whole."""

    def __init__(self, session: Session, store: SessionStore, on_delta: OnDelta | None) -> None:
        self.session, self.store, self.on_delta = session, store, on_delta
        self.turn = Turn("assistant", "", interrupted=True)
        self.parts: list[str] = []
        session.turns.append(self.turn)
        store.save(session)
        self.saved_at = time.monotonic()

    def streamed(self, text: str) -> None:
        self.parts.append(text)
        if self.on_delta is not None:
            self.on_delta(text)
        if time.monotonic() - self.saved_at >= PARTIAL_SAVE_SECONDS:
            self.keep_partial()
            self.saved_at = time.monotonic()

    def keep_partial(self) -> None:
        self.turn.content = "".join(self.parts)
        self.store.save(self.session)

    def complete(self, text: str, request_id: str) -> None:
        self.turn.content, self.turn.interrupted, self.turn.request_id = text, False, request_id
        self.store.save(self.session)
