"""The completer's memory of answers and of the suggestions shown, for typing through."""

from __future__ import annotations

from codesaga.domain.fim import QWEN
from codesaga.service.completion_cache import SHOWN_DOCUMENTS, CompletionCache
from codesaga.service.resolved_prompt import ResolvedPrompt, prompt_key


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


def test_the_same_prompt_text_with_other_marks_has_another_key() -> None:
    # The cursor after `a<|fim_suffix|>b` before `c`, and after `a` before `b<|fim_suffix|>c`:
    # one text, two prompts to the model (the spelled mark is text in each).
    one, other = QWEN.build("a<|fim_suffix|>b", "c"), QWEN.build("a", "b<|fim_suffix|>c")
    assert one.text == other.text and one.marks != other.marks
    assert prompt_key("m", 1, one, "") != prompt_key("m", 1, other, "")
    assert prompt_key("m", 1, one, "") == prompt_key(
        "m", 1, QWEN.build("a<|fim_suffix|>b", "c"), ""
    )
