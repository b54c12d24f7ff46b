"""The completer's memory of answers and of the suggestions shown, for typing through."""

from __future__ import annotations

from codesaga.domain.fim import QWEN
from codesaga.service.completion_cache import SHOWN_DOCUMENTS, CompletionCache
from codesaga.service.resolved_prompt import ResolvedPrompt


def prompt(doc: str, before: str) -> ResolvedPrompt:
    return ResolvedPrompt(doc, None, "m", before, "", before, "", 1, QWEN, f"{doc}:{before}")


def test_the_documents_whose_suggestions_are_kept_are_bounded() -> None:
    # Eight suggestions a document, for every document ever asked about: a daemon that
    # never exits, asked about ever new paths, grew without end.
    cache = CompletionCache()
    for n in range(SHOWN_DOCUMENTS + 5):
        cache.remember(prompt(f"doc{n}", "x = "), "12", None, capacity=1)
    assert len(cache._shown) == SHOWN_DOCUMENTS
    last = f"doc{SHOWN_DOCUMENTS + 4}"

    def typed_through(doc: str) -> bool:
        found = cache.lookup(prompt(doc, "x = 1"), lambda confidence: True)
        return found is not None and found[:2] == ("2", "type-through")

    assert typed_through(last) and not typed_through("doc0")
