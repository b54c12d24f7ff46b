"""Next-edit suggestions: ``document/edit`` (an editor's edit, kept as the document's recent
history) and ``nextEdit`` (where the next edit goes and what it is)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codesaga.daemon.handlers.base import Call, Method
from codesaga.domain.edits import Span, TextEdit
from codesaga.domain.source import check_size
from codesaga.protocol import params as t
from codesaga.service.next_edit import MAX_EDITS, NextEditRequest, NextEdits
from codesaga.settings import Settings


class NextEditMethods:
    def __init__(self, next_edits: NextEdits, settings: Callable[[], Settings]) -> None:
        self.next_edits = next_edits
        self.settings = settings  # live: config.toml may change it

    def methods(self) -> dict[str, Method[Any]]:
        return {
            "document/edit": Method(t.DocumentEditParams, self.document_edit),
            "nextEdit": Method(t.NextEditParams, self.next_edit),
        }

    async def document_edit(self, call: Call, params: t.DocumentEditParams) -> Any:
        """A notification (a request gets null): quick, on the event loop."""
        edit = _edit(params)
        check_size(edit.size, "the edit", self.settings().max_file_bytes)
        self.next_edits.edited(params.path, edit, version=params.version, language=params.language)
        return None

    async def next_edit(self, call: Call, params: t.NextEditParams) -> Any:
        limit = self.settings().max_file_bytes
        check_size(len(params.content.encode()), "content", limit)
        edits = None if params.edits is None else [_edit(e) for e in params.edits]
        if edits:  # as document/edit's: up to 64 of them were taken at any size
            check_size(sum(e.size for e in edits), "the edits", limit)
        cursor = (params.line, params.column) if params.line and params.column else None
        request = NextEditRequest(
            path=params.path,
            content=params.content,
            cursor=cursor,
            language=params.language,
            edits=edits,
            max_edits=params.max_edits or MAX_EDITS,
            workspace=params.workspace,
        )
        return await call.task(lambda run: self.next_edits.suggest(request, run), params)


def _edit(change: t.TextChange) -> TextEdit:
    r = change.range
    span = Span(r.start_line, r.start_column, r.end_line, r.end_column)
    return TextEdit(span, change.removed, change.text)
