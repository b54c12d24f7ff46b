"""The chat session methods: open, list, read, rename, delete, export, and change one.

Every one reads or writes the sessions store (diskcache: SQLite, pickles), whose writes wait
on any other writer's transaction: all of it runs off the event loop, which serves every
client's completions and cancels."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from codesaga.daemon.handlers.base import Call, Method
from codesaga.domain.chat import DEFAULT_SYSTEM, Session, export_json, export_markdown
from codesaga.domain.source import check_size
from codesaga.protocol import params as t
from codesaga.service.sessions import Chats
from codesaga.settings import Settings


class SessionMethods:
    def __init__(self, chats: Chats, settings: Callable[[], Settings]) -> None:
        self.chats = chats
        self.settings = settings

    def methods(self) -> dict[str, Method[Any]]:
        return {
            "sessions/open": Method(t.SessionsOpenParams, self.open),
            "sessions/list": Method(t.NoParams, self.list_sessions),
            "sessions/get": Method(t.SessionParams, self.get),
            "sessions/rename": Method(t.SessionsRenameParams, self.rename),
            "sessions/delete": Method(t.SessionParams, self.delete),
            "sessions/export": Method(t.SessionsExportParams, self.export),
            "sessions/set": Method(t.SessionsSetParams, self.set),
            "sessions/attach": Method(t.SessionsAttachParams, self.attach),
            "sessions/detach": Method(t.SessionsDetachParams, self.detach),
            "sessions/clear": Method(t.SessionParams, self.clear),
            "sessions/undo": Method(t.SessionParams, self.undo),
        }

    async def open(self, call: Call, params: t.SessionsOpenParams) -> Any:
        chats = self.chats
        return summary(
            await call.off_loop(
                lambda: chats.open(name=params.name, key=params.key, new=params.new)
            )
        )

    async def list_sessions(self, call: Call, params: t.NoParams) -> Any:
        return {"sessions": [summary(s) for s in await call.off_loop(self.chats.list)]}

    async def get(self, call: Call, params: t.SessionParams) -> Any:
        return (await call.off_loop(lambda: self.chats.find(params.session))).to_dict()

    async def rename(self, call: Call, params: t.SessionsRenameParams) -> Any:
        name = params.name.strip()
        return summary(await call.off_loop(lambda: self.chats.rename(params.session, name)))

    async def delete(self, call: Call, params: t.SessionParams) -> Any:
        def delete() -> str:
            session = self.chats.find_one(params.session)
            self.chats.store.delete(session.id)
            return session.id

        return {"deleted": await call.off_loop(delete)}

    async def export(self, call: Call, params: t.SessionsExportParams) -> Any:
        session = await call.off_loop(lambda: self.chats.find(params.session))
        markdown = params.format == "markdown"
        text = export_markdown(session) if markdown else export_json(session)
        return {"format": params.format, "text": text}

    async def set(self, call: Call, params: t.SessionsSetParams) -> Any:
        # It rides in every prompt of the session, as an attachment does: no larger than a file.
        check_size(
            len((params.system or "").encode()), "the system prompt", self.settings().max_file_bytes
        )

        def change(session: Session) -> None:
            if params.system is not None:
                session.system = params.system.strip() or DEFAULT_SYSTEM

        if params.model is not None:
            model = params.model
            await call.off_loop(lambda: self.chats.set_model(params.session, model))
        return await self._update(call, params.session, change)

    async def attach(self, call: Call, params: t.SessionsAttachParams) -> Any:
        limit = self.settings().max_file_bytes
        path = Path(params.path)
        session = await call.off_loop(
            lambda: self.chats.attach(params.session, path, params.lines, limit)
        )
        return summary(session)

    async def detach(self, call: Call, params: t.SessionsDetachParams) -> Any:
        session = await call.off_loop(lambda: self.chats.detach(params.session, params.path))
        return summary(session)

    async def clear(self, call: Call, params: t.SessionParams) -> Any:
        return await self._update(call, params.session, lambda s: s.clear())

    async def undo(self, call: Call, params: t.SessionParams) -> Any:
        removed: list[int] = []
        session = await call.off_loop(
            lambda: self.chats.update(params.session, lambda s: removed.append(s.undo()))
        )
        return {**summary(session), "removed": removed[0]}

    async def _update(
        self, call: Call, session: str, change: Callable[[Session], None]
    ) -> dict[str, Any]:
        """``change`` the session in a store transaction, which waits on any other writer
        (another process's): off the event loop."""
        return summary(await call.off_loop(lambda: self.chats.update(session, change)))


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
