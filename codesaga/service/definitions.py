"""The definitions completion prompts show: a symbol index for each workspace folder (built in
the background, symbol_index.py) and, for each document, the definitions its prompts show now.

What a document shows changes only when the call or member being typed names a definition it
does not show, when the cursor moves far, or once when the index is complete: the
definitions lead the prompt, and a change there makes the model read all of it again
(domain/definition_context.py decides).
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from typing import Any

from codesaga.domain.definition_context import (
    Choice,
    Scope,
    choose,
    keeps,
    resolve,
    shown_files,
    wanted,
)
from codesaga.domain.languages import detect_language
from codesaga.domain.symbol_refs import references, strong_references
from codesaga.service.definition_extract import LANGUAGES
from codesaga.service.prompt_reads import CHARS_PER_TOKEN
from codesaga.service.symbol_index import WorkspaceIndex

MAX_WORKSPACES = 4  # indexes kept; the least recently used is stopped past this
MAX_DOCUMENTS = 64  # documents whose choice is remembered
TIMINGS_KEPT = 1000

IndexFactory = Callable[[str], WorkspaceIndex]


class Definitions:
    """Safe to use from the completer's threads."""

    def __init__(self, index_factory: IndexFactory = WorkspaceIndex) -> None:
        self._make_index = index_factory
        self._lock = threading.Lock()
        self._indexes: OrderedDict[str, WorkspaceIndex] = OrderedDict()
        self._choices: OrderedDict[str, Choice] = OrderedDict()
        self._timings: deque[float] = deque(maxlen=TIMINGS_KEPT)

    def index(self, workspace: str | None) -> WorkspaceIndex | None:
        """The workspace folder's index, started on first use; None when ``workspace`` is not
        a folder (a client may name a workspace anything)."""
        if not workspace or not os.path.isabs(workspace):
            return None
        with self._lock:
            index = self._indexes.get(workspace)
            if index is not None:
                self._indexes.move_to_end(workspace)
                return index
        if not os.path.isdir(workspace):
            return None
        with self._lock:
            index = self._indexes.get(workspace)
            if index is None:
                index = self._indexes[workspace] = self._make_index(workspace)
                index.start()
                while len(self._indexes) > MAX_WORKSPACES:
                    self._indexes.popitem(last=False)[1].stop()
            return index

    def opened(self, workspace: str | None, path: str) -> None:
        """The editor shows ``path``: start the workspace's index, with its folder first."""
        index = self.index(workspace)
        if index is not None:
            index.prioritize(path)

    def chunks(
        self,
        doc: str,
        workspace: str | None,
        path: str | None,
        before: str,
        after: str,
        budget_tokens: int,
        *,
        keep: bool = True,
    ) -> tuple[tuple[str, str], ...]:
        """The (path, outline) chunks of definitions the prompt of ``doc`` (the file ``path``,
        the cursor between ``before`` and ``after``) shows first. Never waits for the index.
        ``keep=False``: a guess at a later prompt (speculation): the choice the next prompt
        starts from stays as it was."""
        started = time.perf_counter()
        index = self.index(workspace)
        if index is None or path is None or budget_tokens <= 0:
            return ()
        language = detect_language(path).id
        if language not in LANGUAGES:
            return ()
        index.touch()
        line = before.count("\n")
        complete = index.ready()
        budget = int(budget_tokens * CHARS_PER_TOKEN)
        with self._lock:
            previous = self._choices.get(doc)
        with index.lock:
            version = index.table.version
            scope = Scope(index.table, os.path.realpath(path), language, before, after)
            strong = [d for ref in strong_references(before) for d in resolve(ref, scope)]
            table = index.table
            if not keeps(
                previous, strong, line, complete=complete, budget=budget, version=version,
                current=table.of_file,
            ):  # fmt: skip
                ranked = wanted(references(before, after), scope)
                selection = choose(ranked, budget, _language_of)
                files = shown_files(selection, table)
                previous = Choice(selection, line, complete, budget, version, files)
        assert previous is not None  # keeps() says False to None
        if keep:  # a speculation's choice is not the one the next prompt starts from
            with self._lock:
                self._choices[doc] = previous
                self._choices.move_to_end(doc)
                while len(self._choices) > MAX_DOCUMENTS:
                    self._choices.popitem(last=False)
                self._timings.append(time.perf_counter() - started)
        return _as_named(previous.selection.chunks, index.root, workspace)

    def changed(self, paths: Iterable[str]) -> None:
        """Files changed on disk (the watcher says): the indexes that cover them look again."""
        paths = list(paths)
        for index in self._all():
            index.changed(paths)

    def recheck(self) -> None:
        for index in self._all():
            index.recheck()

    def privacy_changed(self) -> None:
        """private_paths changed: each index drops what is private now and looks again at
        what may no longer be."""
        for index in self._all():
            index.privacy_changed()

    def folders(self) -> set[str]:
        """The folders the indexes hold files of (the watcher watches them)."""
        return set().union(*(index.folders() for index in self._all()))

    def stats(self) -> dict[str, Any]:
        """Each index's size and progress, and how long choosing definitions took (ms)."""
        with self._lock:
            timings = sorted(self._timings)
        return {
            "indexes": [index.stats() for index in self._all()],
            "assembly_ms_p50": _percentile(timings, 0.5),
            "assembly_ms_p95": _percentile(timings, 0.95),
            "assemblies": len(timings),
        }

    def close(self) -> None:
        for index in self._all():
            index.stop()

    def _all(self) -> list[WorkspaceIndex]:
        with self._lock:
            return list(self._indexes.values())


def _as_named(
    chunks: tuple[tuple[str, str], ...], root: str, workspace: str | None
) -> tuple[tuple[str, str], ...]:
    """The index names files by their real path; the prompt by the workspace's."""
    if not workspace or root == workspace.rstrip("/"):
        return chunks
    return tuple(
        (workspace.rstrip("/") + path[len(root) :] if path.startswith(root + "/") else path, text)
        for path, text in chunks
    )


def _language_of(path: str) -> str:
    return detect_language(path).id


def _percentile(sorted_values: list[float], share: float) -> float | None:
    if not sorted_values:
        return None
    position = min(len(sorted_values) - 1, int(share * len(sorted_values)))
    return round(sorted_values[position] * 1000, 2)
