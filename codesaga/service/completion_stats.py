"""What the completer did, for `codesaga stats`: how each request was answered, and how much
of the prompts the model's KV cache already held, overall and for each recent document."""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from typing import Any

from codesaga.engine.port import Finished

DOCUMENTS_TRACKED = 32  # documents whose prompt reuse `stats` reports


class CompletionStats:
    """Counters, safe to update from the completer's threads."""

    def __init__(self) -> None:
        # Requests run on several threads: a Counter's += is a read and a write.
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._documents: OrderedDict[str, Counter[str]] = OrderedDict()

    def count(self, what: str, n: int = 1) -> None:
        with self._lock:
            self._counts[what] += n

    def count_prompt(
        self, doc: str, finished: Finished, kind: str = "generations", *, opened: bool = False
    ) -> None:
        """A prompt of document ``doc`` was read (``kind``: for a generation or ahead;
        ``opened``: ahead of the first request, when an editor opened the document)."""
        with self._lock:
            for counts in (self._counts, self._document(doc)):
                counts[kind] += 1
                counts["prompt_tokens"] += finished.prompt_tokens
                counts["prompt_tokens_evaluated"] += finished.prompt_tokens_evaluated
            if opened:
                # A read no request could have saved (the document is new to the model),
                # told apart so the reuse of requests can be seen without it.
                self._counts["opened_prompt_tokens"] += finished.prompt_tokens
                self._counts["opened_prompt_tokens_evaluated"] += finished.prompt_tokens_evaluated

    def _document(self, doc: str) -> Counter[str]:
        """A document's counters, most recently used last. Called with the lock held."""
        counts = self._documents.get(doc)
        if counts is None:
            counts = self._documents[doc] = Counter()
            while len(self._documents) > DOCUMENTS_TRACKED:
                self._documents.popitem(last=False)
        self._documents.move_to_end(doc)
        return counts

    def report(self) -> dict[str, Any]:
        """The counters, the reuse, and under "documents" the same for each recent document,
        the most recent first."""
        with self._lock:
            counts: dict[str, Any] = dict(self._counts)
            documents = [
                {"path": doc, **_reuse(dict(c))} for doc, c in reversed(self._documents.items())
            ]
        counts.update(_reuse(counts))
        counts["documents"] = documents
        return counts


def _reuse(counts: dict[str, Any]) -> dict[str, Any]:
    """The share of prompt tokens that had to be read (``evaluated_ratio``) and its
    complement, the share the KV cache already held (``reuse``)."""
    submitted = counts.get("prompt_tokens", 0)
    evaluated = counts.get("prompt_tokens_evaluated", 0)
    ratio = round(evaluated / submitted, 4) if submitted else None
    return {
        **counts,
        "evaluated_ratio": ratio,
        "reuse": None if ratio is None else round(1 - ratio, 4),
    }
