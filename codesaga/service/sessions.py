"""Chat sessions: a store port (memory, diskcache) and the chat use case over it."""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from codesaga.domain.chat import Attachment, Session, Turn, default_name, fit_conversation
from codesaga.domain.context import Selection
from codesaga.domain.enums import Role
from codesaga.domain.errors import CancelledError, ContextTooLongError, InputError
from codesaga.domain.prompts import Message
from codesaga.domain.requests import RequestRecord
from codesaga.domain.source import source_lines
from codesaga.engine.port import CancelToken, GenerationRequest
from codesaga.fs import read_source
from codesaga.service.runner import NO_OPTIONS, ModelRunner, OnDelta, RunOptions
from codesaga.service.stores import DiskStore, KeyValueStore, MemoryStore
from codesaga.service.task_result import TaskResult
from codesaga.service.tasks import Assistant

log = logging.getLogger(__name__)
PARTIAL_SAVE_SECONDS = 0.5  # how often a streaming answer is saved, so a crash keeps it
TURN_POLL_SECONDS = 0.05  # how often a message waiting for its session's turn looks at its cancel


# A session changed in place: whether to save it (False: leave the stored one as it is).
Edit = Callable[[Session], bool]


class SessionStore(Protocol):
    def save(self, session: Session) -> None: ...
    def get(self, session_id: str) -> Session | None: ...
    def all(self) -> list[Session]: ...
    def change(self, session_id: str, edit: Edit) -> Session | None:
        """Read the stored session, ``edit`` it and save it, as one step no other writer
        (thread or process) comes between; the session, or None when it is gone."""
        ...

    def delete(self, session_id: str) -> bool: ...
    def close(self) -> None: ...


class _Sessions:
    """Sessions as plain records in a key-value store; one that cannot be read (a damaged
    file) is left out of listings and named, not allowed to take every other with it."""

    _store: KeyValueStore

    def save(self, session: Session) -> None:
        session.updated_at = time.time()
        self._store.set(session.id, session.to_dict())

    def get(self, session_id: str) -> Session | None:
        data = self._store.get(session_id)
        return _read(session_id, data) if data else None

    def all(self) -> list[Session]:
        sessions = []
        for key in list(self._store.iterkeys()):
            try:
                data = self._store.get(key)
                if data:
                    sessions.append(_read(key, data))
            except Exception:
                log.warning("chat session %s cannot be read; it is left out", key, exc_info=True)
        return sessions

    def change(self, session_id: str, edit: Edit) -> Session | None:
        with self._store.transact():
            session = self.get(session_id)
            if session is not None and edit(session):
                self.save(session)
            return session

    def delete(self, session_id: str) -> bool:
        return self._store.delete(session_id)

    def close(self) -> None:
        self._store.close()


def _read(session_id: str, data: Any) -> Session:
    try:
        return Session.from_dict(data)
    except Exception as exc:
        raise InputError(f"chat session {session_id} cannot be read ({exc})") from exc


class MemorySessionStore(_Sessions):
    def __init__(self) -> None:
        self._store = MemoryStore()


class DiskSessionStore(_Sessions):
    """Sessions in diskcache with eviction off: a size limit never drops a conversation."""

    def __init__(self, directory: Path) -> None:
        self._store = DiskStore(directory, size_limit=2**62, eviction="none")


@dataclass
class ChatReply:
    result: TaskResult
    session: Session
    notice: str | None
    n_ctx: int  # the context it was fitted to: what "context used/N" is of

    def to_json(self) -> dict[str, Any]:
        data = self.result.to_json()
        data["session"] = {"id": self.session.id, "name": self.session.name}
        data["n_ctx"] = self.n_ctx
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
        self._answering: dict[str, threading.Lock] = {}  # session id -> held while answering
        # session id -> where its last prompt began, when turns were left out: the next
        # prompt begins there too while it fits, so the model's cache of it is used.
        self._kept_from: dict[str, float] = {}

    # -- finding sessions --------------------------------------------------------------

    def find_one(self, ref: str) -> Session:
        """``find``, but a name several sessions have is an ``InputError`` naming their ids:
        for what cannot be taken back (a delete)."""
        session = self.find(ref)
        if session.id != ref:
            named = self._named(ref)
            if len(named) > 1:
                ids = ", ".join(s.id for s in named)
                raise InputError(
                    f"{len(named)} chat sessions are named {ref!r}; give the id of one: {ids}"
                )
        return session

    def rename(self, ref: str, name: str) -> Session:
        """Give the session ``name``, unless another session has it already."""
        session = self.find(ref)
        taken = [s.id for s in self._named(name) if s.id != session.id]
        if taken:
            raise InputError(
                f"another chat session (id {taken[0]}) is named {name!r}; pick another name"
            )
        return self.update(session.id, lambda stored: setattr(stored, "name", name))

    def find(self, ref: str) -> Session:
        """A session by id or name (newest first), or ``InputError``."""
        session = self.store.get(ref)
        if session is None:
            named = self._named(ref)
            session = named[0] if named else None
        if session is None:
            raise InputError(f"no chat session {ref!r}; see `codesaga sessions list`")
        return session

    def _named(self, name: str) -> list[Session]:
        """The sessions called ``name``, most recently used first."""
        return [s for s in self.list() if s.name == name]

    def open(
        self, *, name: str | None = None, key: str | None = None, new: bool = False
    ) -> Session:
        """The session to chat in: by id or name, else the newest for ``key``; created if
        needed (a name, not an id: `chat --session ID` made a new, empty session)."""
        with self._lock:
            if not new:
                by_id = self.store.get(name) if name else None
                if by_id is not None:
                    return by_id
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
        """``change`` the session, as stored at that moment (an answer streaming into it
        meanwhile keeps its turns, and this change stays)."""
        session_id = self.find(ref).id

        def edit(session: Session) -> bool:
            change(session)
            return True

        return self._changed(session_id, edit)

    def _changed(self, session_id: str, edit: Edit) -> Session:
        session = self.store.change(session_id, edit)
        if session is None:
            raise InputError(f"chat session {session_id} was deleted meanwhile")
        return session

    def set_model(self, ref: str, model: str | None) -> Session:
        """Answer the session with ``model`` (None: the chat role's), once it is known to be
        usable: a name mistyped was saved, and every later message failed on it."""
        if model:
            self.runner.info(Role.CHAT, model)  # ModelNotInstalledError and the like
        return self.update(ref, lambda session: setattr(session, "model", model or None))

    def attach(self, ref: str, path: Path, lines: str | None, max_bytes: int) -> Session:
        content = _read_attached(path, lines, max_bytes)

        def add(session: Session) -> None:
            # Again, it replaces itself; whole, it replaces its lines attached before (they
            # were in every prompt twice). Lines of a file attached whole point at a part.
            kept = [
                a
                for a in session.attachments
                if a.path != str(path) or (lines is not None and a.lines != lines)
            ]
            # They all ride in every prompt: more than a file's limit fits no model's context,
            # and a session that held any amount could no longer be sent to a client whole.
            total = sum(len(a.content.encode()) for a in kept) + len(content.encode())
            if total > max_bytes:
                raise InputError(
                    f"attaching {path} would make the session's attachments {total:,} bytes, "
                    f"over the {max_bytes:,}-byte limit; /drop some first"
                )
            session.attach(Attachment(str(path), content, lines), kept)

        return self.update(ref, add)

    def detach(self, ref: str, path: str | None) -> Session:
        """Drop the attachment ``path`` names (a path, or a label with its lines), or every
        one (None); a name that matches none is an error, not a silent no-op."""

        def drop(session: Session) -> None:
            kept = [
                a for a in session.attachments if path is not None and path not in (a.path, a.label)
            ]
            if path is not None and len(kept) == len(session.attachments):
                attached = ", ".join(a.label for a in session.attachments) or "nothing"
                raise InputError(f"nothing is attached as {path} (attached: {attached})")
            session.attachments = kept

        return self.update(ref, drop)

    # -- talking -----------------------------------------------------------------------------

    def send(
        self,
        ref: str,
        message: str | None,
        run: RunOptions = NO_OPTIONS,
    ) -> ChatReply:
        """Add ``message`` (None: answer the last user message again, for /retry) and answer.
        A session answers one message at a time: sent from another terminal while an answer
        streams, it waits for that answer (cancellable), so it reads it and comes after it."""
        session_id = self.find(ref).id  # the session locked is the one asked
        with self._turn_of(session_id, run.cancel):
            return self._send(session_id, message, run)

    @contextlib.contextmanager
    def _turn_of(self, session_id: str, cancel: CancelToken | None) -> Iterator[None]:
        with self._lock:
            answering = self._answering.setdefault(session_id, threading.Lock())
        while not answering.acquire(timeout=TURN_POLL_SECONDS):
            if cancel is not None and cancel.cancelled:
                raise CancelledError("cancelled while another answer in this session streamed")
        try:
            yield
        finally:
            answering.release()

    def _send(self, ref: str, message: str | None, run: RunOptions) -> ChatReply:
        session, replaced = self._ask(ref, message)
        asked = session.turns[-1] if message is not None else None
        try:
            return self._answer(session, run, again=message is None)
        except BaseException as exc:
            if replaced and session.turns:
                self._put_back(session.id, session.turns[-1], replaced)
            # Stopped by the user, the question stays, for /retry. Not answered at all, the
            # message itself could not be asked (too long for the context, private), or the
            # model failed before it said anything (not installed, an upstream down): it is
            # not kept, as it would stay in every later prompt, and be there twice once the
            # user sends it again (the TUI puts it back to send).
            if isinstance(exc, Exception) and not isinstance(exc, CancelledError):
                unanswered = isinstance(exc, InputError) or self._last(session.id, asked)
                if asked is not None and unanswered:
                    self._take_back(session.id, asked)
            raise

    def _last(self, session_id: str, turn: Turn | None) -> bool:
        """Whether ``turn`` is the stored session's last turn (nothing answered after it)."""
        stored = self.store.get(session_id)
        last = stored.turns[-1] if stored is not None and stored.turns else None
        return turn is not None and last is not None and _same_turn(last, turn)

    def _answer(self, session: Session, run: RunOptions, *, again: bool = False) -> ChatReply:
        # Journaled from here: loading the model and fitting the conversation are part of
        # the turn's time, and a failure there (a message too long, a model not installed)
        # is in the journal, as a generate's is.
        asked_last = session.turns[-1].content if session.turns else ""
        with self.assistant.journaled_chat(asked_last) as record:
            session, notes = self._read_again(session)
            reply = self._answer_fitted(session, run, record, again=again)
            reply.result.warnings[:0] = notes
            return reply

    def _answer_fitted(
        self, session: Session, run: RunOptions, record: RequestRecord, *, again: bool
    ) -> ChatReply:
        model = run.model or session.model
        sources = session.sources()
        info, _ = self.runner.info(Role.CHAT, model, sources=sources)
        within = (session, sources, run, model, record)
        try:
            return self._answer_within(*within, info.n_ctx, again=again)
        except ContextTooLongError as exc:
            # Fitted to an upstream's context, then the upstream failed (or refused it) and
            # the local model, whose context is smaller, refused it: fitted again to that.
            if exc.n_ctx >= info.n_ctx:
                raise
            reply = self._answer_within(*within, exc.n_ctx, again=again)
            reply.result.warnings.append(
                f"the upstream did not answer; the conversation was fitted to {exc.n_ctx:,} "
                "tokens for the model that could"
            )
            return reply

    def _answer_within(
        self,
        session: Session,
        sources: tuple[str, ...],
        run: RunOptions,
        model: str | None,
        record: RequestRecord,
        n_ctx: int,
        *,
        again: bool,
    ) -> ChatReply:
        reserve = min(self.assistant.settings.max_tokens, n_ctx // 4)

        def count(messages: list[Message]) -> int:
            asked = GenerationRequest(messages=messages, sources=sources)
            return self.runner.count_tokens(Role.CHAT, asked, model)

        fitted = fit_conversation(
            session, count, n_ctx - reserve, keep_from=self._kept_from.get(session.id)
        )
        if fitted.kept_from is not None:
            self._kept_from[session.id] = fitted.kept_from
        answer = _SavedAnswer(session, self.store, run.on_delta)
        try:
            result = self.assistant.chat(
                fitted.messages,
                dataclasses.replace(run, on_delta=answer.streamed, model=model),
                max_tokens=reserve,
                cache_slot=session.id,
                sources=sources,
                again=again,
                record=record,
            )
        except CancelledError:
            answer.keep_partial()  # kept (empty too), marked interrupted: /retry asks again
            raise
        except Exception:
            if not answer.parts:  # nothing said: no answer turn (see send)
                self._take_back(session.id, answer.turn)
            else:
                answer.keep_partial()
            raise
        except BaseException:
            answer.keep_partial()  # kept, and marked interrupted
            raise
        answer.complete(result.text, result.request_id)
        if fitted.notice:
            result.warnings.append(fitted.notice)
        return ChatReply(result, answer.session, fitted.notice, n_ctx)

    def _read_again(self, session: Session) -> tuple[Session, builtins.list[str]]:
        """The session with its attached files as they are now, and what the user should
        know of it. An attachment was a copy made once: a file edited since was answered
        about as it had been, and nothing said so. A whole file is read again; lines are
        kept as attached (the lines at those numbers may be other code now), with a note."""
        limit = self.assistant.settings.max_file_bytes
        fresh: dict[str, str] = {}
        notes: builtins.list[str] = []
        for attached in session.attachments:
            try:
                now = _read_attached(Path(attached.path), attached.lines, limit)
            except InputError as exc:
                notes.append(f"{exc}: the copy of {attached.label} attached before is used")
                continue
            if now == attached.content:
                continue
            if attached.lines:
                notes.append(
                    f"{attached.label} changed since it was attached: those lines are used as "
                    f"they were (/add {attached.label} takes them as they are now)"
                )
            else:
                fresh[attached.path] = now
        if not fresh:
            return session, notes
        total = sum(
            len((fresh[a.path] if not a.lines and a.path in fresh else a.content).encode())
            for a in session.attachments
        )
        if total > limit:
            notes.append(
                f"{', '.join(fresh)} changed since attached, but as they are now the "
                f"attachments would be {total:,} bytes, over the {limit:,}-byte limit: the "
                "copies attached before are used; /drop some"
            )
            return session, notes

        def refresh(stored: Session) -> bool:
            for attached in stored.attachments:
                if not attached.lines and attached.path in fresh:
                    attached.content = fresh[attached.path]
            return True

        notes.append(f"read again, changed since attached: {', '.join(fresh)}")
        return self._changed(session.id, refresh), notes

    def _take_back(self, session_id: str, turn: Turn) -> None:
        """Remove ``turn`` (the one of this moment and role), if it is still there."""

        def drop(session: Session) -> bool:
            kept = [t for t in session.turns if not _same_turn(t, turn)]
            changed = len(kept) != len(session.turns)
            session.turns = kept
            return changed

        self.store.change(session_id, drop)

    def _ask(self, ref: str, message: str | None) -> tuple[Session, tuple[Turn, ...]]:
        """The session with ``message`` as its last turn (saved before the model starts), or
        with the answers after its last question taken off, to answer it again; and those
        answers (``_put_back`` if no new one comes)."""
        if message is not None and not message.strip():
            raise InputError("the message is empty")
        replaced: builtins.list[Turn] = []  # (this class's own list() is a method)

        def ask(session: Session) -> bool:
            replaced.clear()
            if message is not None:
                session.turns.append(Turn("user", message))
            else:
                while session.turns and session.turns[-1].role == "assistant":
                    replaced.insert(0, session.turns.pop())
            return True

        return self._changed(self.find(ref).id, ask), tuple(replaced)

    def _put_back(self, session_id: str, question: Turn, replaced: tuple[Turn, ...]) -> None:
        """A /retry that failed or was stopped before its answer said a word: the answer it
        was to replace comes back (it was gone for good, the question left unanswered) if
        its ``question`` is still the last one (not cleared or undone meanwhile)."""

        def put(session: Session) -> bool:
            tail = len(session.turns)
            while tail and session.turns[tail - 1].role == "assistant":
                tail -= 1
            if not tail or not _same_turn(session.turns[tail - 1], question):
                return False  # the question is gone: so stays its answer
            if any(t.content for t in session.turns[tail:]):
                return False  # the new answer said something: it stands
            session.turns[tail:] = replaced
            return True

        self.store.change(session_id, put)


class _SavedAnswer:
    """An answer being streamed into its session: saved every PARTIAL_SAVE_SECONDS (marked
    interrupted) so that a crash keeps what was said, then saved whole. Each save changes
    only its own turn in the session as stored then: another answer, a rename or an
    attachment made meanwhile stays, and a turn cleared or a session deleted meanwhile is
    not brought back."""

    def __init__(self, session: Session, store: SessionStore, on_delta: OnDelta | None) -> None:
        self.store, self.on_delta = store, on_delta
        self.turn = Turn("assistant", "", interrupted=True)
        self.parts: list[str] = []

        def add(stored: Session) -> bool:
            stored.turns.append(dataclasses.replace(self.turn))
            return True

        self.session = store.change(session.id, add) or session
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
        self._save()

    def complete(self, text: str, request_id: str) -> None:
        self.turn.content, self.turn.interrupted, self.turn.request_id = text, False, request_id
        self._save()

    def _save(self) -> None:
        def put(stored: Session) -> bool:
            for i, turn in enumerate(stored.turns):
                # Its own turn: the one it added (no other shares its role and moment).
                if _same_turn(turn, self.turn):
                    stored.turns[i] = dataclasses.replace(self.turn)
                    return True
            return False  # cleared or undone meanwhile: not brought back

        self.session = self.store.change(self.session.id, put) or self.session


def _same_turn(a: Turn, b: Turn) -> bool:
    """Whether ``a`` and ``b`` are one turn, as stored at different moments (its content
    may have grown): no two turns share a role and a moment."""
    return (a.role, a.created_at) == (b.role, b.created_at)


def _read_attached(path: Path, lines: str | None, max_bytes: int) -> str:
    """The text of ``path`` to attach: the whole file, or its lines ``A:B``."""
    content, _ = read_source(path, max_bytes)
    if not lines:
        return content
    all_lines = source_lines(content)
    selection = Selection.parse(lines, len(all_lines), f"{path.name} lines")
    return "".join(all_lines[selection.start - 1 : selection.end])
