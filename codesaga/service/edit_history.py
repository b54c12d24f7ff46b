"""The recent edits of each document an editor sends (``document/edit``), for next-edit
suggestions: bounded in edits and bytes per document and in documents, and forgotten after
an idle time, so the daemon holds little of anyone's typing for long."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from codesaga.domain.edits import TextEdit

MAX_EDITS = 16  # per document: enough for a rename typed in a few bursts, and a few more
MAX_BYTES = 64 * 1024  # per document: a large paste pushes the older edits out
MAX_DOCUMENTS = 64  # the least recently edited beyond these are dropped
IDLE_SECONDS = 15 * 60.0  # a document not edited for this long loses its history


@dataclass
class _Document:
    edits: deque[TextEdit] = field(default_factory=deque)
    size: int = 0
    version: int | None = None  # the editor's version of the last edit kept
    language: str | None = None
    touched: float = 0.0


class EditHistory:
    """Safe to use from the event loop and the worker threads at once."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._documents: OrderedDict[str, _Document] = OrderedDict()

    def record(
        self, path: str, edit: TextEdit, *, version: int | None = None, language: str | None = None
    ) -> bool:
        """Keep ``edit`` as ``path``'s latest; False (and nothing kept) when ``version`` is
        not newer than the last kept one's: a duplicate, or an edit overtaken on the way."""
        with self._lock:
            self._expire()
            doc = self._documents.get(path)
            if doc is None:
                doc = self._documents[path] = _Document()
            elif version is not None and doc.version is not None and version <= doc.version:
                return False
            self._documents.move_to_end(path)
            if edit.size > MAX_BYTES:
                # A large paste or a file replaced whole: no edit to repeat, and what came
                # before it no longer stands where it was. Kept, it held up to a MiB each.
                doc.edits.clear()
                doc.size = 0
            else:
                doc.edits.append(edit)
                doc.size += edit.size
            while len(doc.edits) > MAX_EDITS or doc.size > MAX_BYTES:
                doc.size -= doc.edits.popleft().size
            doc.version = version if version is not None else doc.version
            doc.language = language or doc.language
            doc.touched = self._clock()
            while len(self._documents) > MAX_DOCUMENTS:
                self._documents.popitem(last=False)
            return True

    def reopened(self, path: str) -> None:
        """An editor opened ``path`` (or showed it again): its versions may start over (a
        closed document reopened counts from 1 again), so the next edit is kept whatever
        its version. Its edits stay: those that no longer fit its text are left out when
        asked for anyway."""
        with self._lock:
            doc = self._documents.get(path)
            if doc is not None:
                doc.version = None

    def replace(self, path: str, edits: Sequence[TextEdit]) -> None:
        """``path``'s history is ``edits`` (oldest first) and nothing before them."""
        self.drop(path)
        for edit in edits:
            self.record(path, edit)

    def edits(self, path: str) -> list[TextEdit]:
        """``path``'s recent edits, oldest first; none after an idle time."""
        with self._lock:
            self._expire()
            doc = self._documents.get(path)
            return list(doc.edits) if doc is not None else []

    def language(self, path: str) -> str | None:
        """The language the editor named with ``path``'s edits, if it did."""
        with self._lock:
            doc = self._documents.get(path)
            return doc.language if doc is not None else None

    def drop(self, path: str) -> None:
        with self._lock:
            self._documents.pop(path, None)

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._documents)

    def _expire(self) -> None:
        """Forget the documents idle for IDLE_SECONDS. Called with the lock held; the
        least recently edited come first."""
        now = self._clock()
        while self._documents:
            path, doc = next(iter(self._documents.items()))
            if now - doc.touched < IDLE_SECONDS:
                break
            del self._documents[path]
