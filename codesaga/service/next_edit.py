"""Next-edit suggestions: after an edit, where the next one goes and what it is.

A request: the document's recent edits (kept from ``document/edit``, or sent along), checked
against its content; the candidate places (``find_candidates``, ranked without the model);
for a computed kind (a rename) the edit as found, for the others a rewrite of the place's
lines by the completion model (domain/next_edit_prompt.py says how, and why only those lines),
at most MAX_MODEL_CALLS per request within MODEL_BUDGET_SECONDS. A rewrite that changes
nothing, or that undoes one of the user's recent edits, is no suggestion.

The model runs at suggestion priority (ahead of speculation and reading ahead, which it stops):
a request someone waits for (a completion) stops it, and
the answer is then what was found without it. A ``document/edit`` of the same document, a
newer ``nextEdit`` for it, or ``$/cancel`` cancels the request: the document changed, so what
it would find is stale.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from codesaga.domain.edit_sequence import last_place, verified
from codesaga.domain.edits import TextEdit, bounds, offset
from codesaga.domain.enums import RequestStatus, RequestType
from codesaga.domain.errors import InputError
from codesaga.domain.languages import detect_language, language_by_name
from codesaga.domain.next_edit_locations import SIGNATURE, Candidate, reverts
from codesaga.domain.requests import RequestRecord
from codesaga.engine.port import CancelToken
from codesaga.fs import read_source
from codesaga.protocol.params import wire_range
from codesaga.service.edit_history import EditHistory
from codesaga.service.journal import Journal, journaled
from codesaga.service.next_edit_find import find_candidates, reads_unbound
from codesaga.service.next_edit_rewrite import LinkedCancel, Rewriter
from codesaga.service.next_edit_stats import NextEditStats
from codesaga.service.runner import NO_OPTIONS, ModelRunner, RunOptions
from codesaga.settings import Live, Settings, live

MAX_EDITS = 8  # suggestions per request unless it asks for fewer (or more, up to 32)
CANDIDATES = 16  # asked of the finder: some turn out to be no suggestion
MAX_OTHER_DOCUMENTS = 8  # other open documents of the workspace read for a rename's uses
TURNED_OFF = "next edits are turned off (the setting next_edit): nothing was looked for"

# (workspace, the request's path) -> the other open documents' content by path
OpenDocuments = Callable[[str | None, str], Mapping[str, str]]


class CandidateFinder(Protocol):
    """``find_candidates``'s signature (the contract of codesaga/service/next_edit_find.py)."""

    def __call__(
        self,
        content: str,
        language: str | None,
        history: Sequence[TextEdit],
        cursor: tuple[int, int] | None,
        others: Mapping[str, str] = ...,
        limit: int = ...,
    ) -> list[Candidate]: ...


@dataclass(frozen=True)
class NextEditRequest:
    path: str
    content: str
    cursor: tuple[int, int] | None = None  # 1-based line and column
    language: str | None = None
    edits: Sequence[TextEdit] | None = None  # replaces the document's history when given
    max_edits: int = MAX_EDITS
    workspace: str | None = None  # whose open documents a rename reaches into


@dataclass(frozen=True)
class Suggestion:
    edit: TextEdit  # its span is in the request's content, or in ``path``'s
    kind: str
    confidence: float
    model: bool = False  # the model wrote it (else it was computed)
    path: str | None = None  # another open document; None: the request's

    def to_json(self) -> dict[str, Any]:
        data = {
            "range": wire_range(self.edit.span),
            "text": self.edit.text,
            "kind": self.kind,
            "confidence": round(self.confidence, 4),
            "model": self.model,
        }
        if self.path is None:
            return data
        # the editor's copy of that file may differ from the saved one the edit was found in
        return {**data, "path": self.path, "removed": self.edit.removed}


@dataclass(frozen=True)
class NextEditResult:
    request_id: str | None  # None: next edits are turned off, nothing was journaled
    suggestions: list[Suggestion]
    # why some may be missing (the rewrites' model not installed, edits left out), as journaled
    warnings: list[str] = dataclasses.field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = {"request_id": self.request_id, "edits": [s.to_json() for s in self.suggestions]}
        return {**data, "warnings": self.warnings} if self.warnings else data


class NextEdits:
    def __init__(
        self,
        settings: Settings | Live,
        runner: ModelRunner,
        journal: Journal,
        stats: NextEditStats,
        *,
        find: CandidateFinder = find_candidates,
        history: EditHistory | None = None,
        active: MutableMapping[str, RequestRecord] | None = None,
        open_documents: OpenDocuments = lambda workspace, path: {},
    ) -> None:
        self._live = live(settings)
        self.runner = runner
        self.journal = journal
        self.stats = stats
        self.history = history or EditHistory()
        self._find = find
        self._open_documents = open_documents
        self._active = active  # the requests ``status`` lists as processing
        self._lock = threading.Lock()
        self._running: dict[str, LinkedCancel] = {}  # by document

    @property
    def enabled(self) -> bool:
        return bool(self._live.current.next_edit)

    def edited(
        self, path: str, edit: TextEdit, *, version: int | None = None, language: str | None = None
    ) -> None:
        """An editor's edit of document ``path``: kept, and a next edit being found for the
        document is cancelled (it would be stale)."""
        if not self.enabled:
            return
        if self.history.record(path, edit, version=version, language=language):
            with self._lock:
                running = self._running.pop(path, None)
            if running is not None:
                running.stop(f"{path} was edited: its next edit was cancelled")

    def opened(self, path: str) -> None:
        """An editor opened document ``path`` or switched to it (``context/add``, origin
        ``opened``): a reopened document's versions start over."""
        self.history.reopened(path)

    def suggest(self, request: NextEditRequest, run: RunOptions = NO_OPTIONS) -> NextEditResult:
        if not self.enabled:
            return NextEditResult(None, [], [TURNED_OFF])
        _check_cursor(request)
        if request.edits is not None:
            self.history.replace(request.path, request.edits)
        kept = self.history.edits(request.path)
        # A CRLF document is read as LF text (the finder's lines end at "\n": a "\r" left in
        # them put an edit's end past the line) and its edits answered in its own ends; a
        # line and column are the same in both, the "\r" being past the line's text.
        crlf = "\r\n" in request.content
        if crlf:
            request = dataclasses.replace(request, content=_lf(request.content))
            kept = [_edit_lf(edit) for edit in kept]
        history, before = verified(request.content, kept)
        language = self._language(request)
        summary = {
            "path": request.path,
            "language": language,
            "line": request.cursor[0] if request.cursor else None,
            "column": request.cursor[1] if request.cursor else None,
            "edits": len(history),
        }
        self.stats.count("requests")
        token = self._start(request.path, run.cancel)
        try:
            with journaled(self.journal, RequestType.NEXT_EDIT, summary, self._active) as record:
                record.transition(RequestStatus.PROCESSING)
                if len(history) < len(kept):  # the editor's edits and its text disagree
                    n = len(kept) - len(history)
                    record.warnings.append(f"left out {n} edit{'s' * (n > 1)} not in the content")
                self.journal.save(record)
                limit = max(CANDIDATES, request.max_edits)
                others = _Unread(lambda: self._open_documents(request.workspace, request.path))
                found = self._find(
                    request.content, language, history, request.cursor, others, limit
                )
                rewriter = Rewriter(
                    self.runner, request.path, request.content, (history, before), token,
                    record, run.model,
                )  # fmt: skip
                chosen = self._choose(request, language, history, found, rewriter, others)
                record.output = json.dumps(
                    {"candidates": len(found), "edits": [s.to_json() for s in chosen]}
                )
                record.finished_at = time.time()
                record.transition(RequestStatus.COMPLETED)
                self.journal.save(record)
        finally:
            self._end(request.path, token)
        self.stats.count("suggested" if chosen else "empty")
        if crlf:
            chosen = [_suggestion_crlf(c) if c.path is None else c for c in chosen]
        return NextEditResult(record.id, chosen, list(record.warnings))

    def _language(self, request: NextEditRequest) -> str:
        named = request.language or self.history.language(request.path)
        language = language_by_name(named) if named else None
        return (language or detect_language(request.path, request.content)).id

    def _start(self, path: str, cancel: CancelToken | None) -> LinkedCancel:
        """A request for ``path`` starts: the one still running for it is stale."""
        token = LinkedCancel(cancel)
        with self._lock:
            older = self._running.get(path)
            self._running[path] = token
        if older is not None:
            older.stop(f"a newer next edit of {path} replaced this one")
        return token

    def _end(self, path: str, token: LinkedCancel) -> None:
        with self._lock:
            if self._running.get(path) is token:
                del self._running[path]

    def _choose(
        self,
        request: NextEditRequest,
        language: str,
        history: list[TextEdit],
        candidates: list[Candidate],
        rewriter: Rewriter,
        others: Mapping[str, str],
    ) -> list[Suggestion]:
        """The suggestions, best first: the candidates' computed edits and, while the budget
        lasts, the model's rewrites; none that undoes a recent edit, touches the place just
        edited or overlaps a better one."""
        last = last_place(request.content, history)
        chosen: list[Suggestion] = []
        for candidate in sorted(candidates, key=lambda c: -c.score):
            if len(chosen) >= request.max_edits:
                break
            rewriter.token.check()
            found: tuple[TextEdit, float] | None = None
            content = request.content if candidate.path is None else others.get(candidate.path)
            if candidate.edit is None:
                if candidate.path is None:
                    found = rewriter.rewrite(candidate)
                # a name of another function's (the user's local) read here: not a call of a
                # changed signature, whose place is the point (`reason=reason` passed on
                # where the truth passed `reason=self.reason.X`: the caller's value to pick)
                if (
                    found is not None
                    and candidate.kind != SIGNATURE
                    and reads_unbound(request.content, language, found[0])
                ):
                    continue
            elif content is not None and _applies(content, candidate.edit):
                found = (candidate.edit, candidate.score)
            if found is None:
                continue
            edit, sureness = found
            here = candidate.path is None
            if here and (reverts(edit, history) or (last is not None and edit.span.overlaps(last))):
                continue
            if any(s.path == candidate.path and edit.span.overlaps(s.edit.span) for s in chosen):
                continue
            model = candidate.edit is None
            chosen.append(Suggestion(edit, candidate.kind, sureness, model, candidate.path))
        return chosen


class _Unread(Mapping[str, str]):
    """The other open documents, read when first looked at: most requests never look (only a
    definition renamed alone reaches into other files), so they read nothing from disk."""

    def __init__(self, read: Callable[[], Mapping[str, str]]) -> None:
        self._read = read

    @cached_property
    def _texts(self) -> Mapping[str, str]:
        return self._read()

    def __getitem__(self, path: str) -> str:
        return self._texts[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


def read_documents(paths: Sequence[str], skip: str, max_bytes: int) -> dict[str, str]:
    """The text of the first MAX_OTHER_DOCUMENTS of ``paths`` but ``skip``, as saved: an
    unsaved change in the editor is not seen here, but an edit found names the text it
    replaces, so the editor can tell that it no longer applies. Unreadable, binary or
    oversized files are left out."""
    found: dict[str, str] = {}
    for path in paths:
        if len(found) >= MAX_OTHER_DOCUMENTS:
            break
        if path == skip:
            continue
        try:
            found[path] = read_source(Path(path), max_bytes)[0]
        except (OSError, InputError):
            continue
    return found


def _check_cursor(request: NextEditRequest) -> None:
    if request.cursor is None:
        return
    try:
        offset(request.content, *request.cursor)
    except ValueError as exc:
        raise InputError(f"the cursor is not in content: {exc}") from None


def _applies(content: str, edit: TextEdit) -> bool:
    """Whether ``edit``'s span is in ``content`` and covers what it says it removes."""
    try:
        start, end = bounds(content, edit.span)
    except ValueError:
        return False
    return content[start:end] == edit.removed


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n")


def _edit_lf(edit: TextEdit) -> TextEdit:
    return dataclasses.replace(edit, removed=_lf(edit.removed), text=_lf(edit.text))


def _suggestion_crlf(suggestion: Suggestion) -> Suggestion:
    """A suggestion for a CRLF document, found in its LF text, in the document's ends."""
    edit = suggestion.edit
    crlf = dataclasses.replace(
        edit, removed=edit.removed.replace("\n", "\r\n"), text=edit.text.replace("\n", "\r\n")
    )
    return dataclasses.replace(suggestion, edit=crlf)
