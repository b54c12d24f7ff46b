"""One inline completion request, resolved to the exact prompt the model would see: the key
its answer is cached under, the KV-cache slot it is read into, and the rules that cut the
model's output into a suggestion."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any

from codesaga.domain.completion import postprocess, settled
from codesaga.domain.completion_prompt import PromptLayout, PromptWindows, WindowLimits
from codesaga.domain.fim import FimFormat
from codesaga.domain.marked_text import MarkedText, Span
from codesaga.engine.port import GenerationRequest, Infill
from codesaga.settings import Settings


@dataclass(frozen=True)
class ResolvedPrompt:
    """One completion request, resolved to the exact prompt the model would see."""

    doc: str
    model: str | None
    model_name: str
    before: str
    after: str
    text: str
    typed_space: str
    lines: int
    fim: FimFormat
    key: str
    sources: tuple[str, ...] = ()  # the files whose text is in the prompt
    infill: Infill | None = None
    name: str | None = None  # the document's path as the model sees it
    short: bool = False  # a short window, answered while the whole prompt is read later
    cursor: int | None = None  # where the prefix ends in ``text`` (for token healing)
    marks: tuple[Span, ...] = ()  # where the format's marks are in ``text``
    # The model file's identity (see engine_pool.file_identity): an answer cached before the
    # file was replaced (pulled again, renamed over) is another model's.
    model_file: str = ""

    @classmethod
    def laid_out(
        cls,
        doc: str,
        model: str | None,
        model_name: str,
        before: str,
        after: str,
        lines: int,
        fim: FimFormat,
        layout: PromptLayout,
        *,
        suffix_first: bool | None,
        model_file: str = "",
    ) -> ResolvedPrompt:
        """The prompt of a request for ``doc`` (the cursor between ``before`` and ``after``)
        that shows what ``layout`` says; ``suffix_first`` overrides the format's order."""
        w = layout.windows
        built = fim.build(w.before, w.after, layout.files, layout.name, suffix_first=suffix_first)
        text = built.text
        return cls(
            doc,
            model,
            model_name,
            before,
            after,
            text,
            w.typed_space,
            lines,
            fim,
            prompt_key(model_name + model_file, lines, built, w.typed_space),
            layout.sources,
            Infill(w.before, w.after, tuple(layout.files)),
            layout.name,
            cursor=fim.cursor(text, w.after, suffix_first=suffix_first),
            marks=built.marks,
            model_file=model_file,
        )

    def shortened(self, windows: PromptWindows, *, suffix_first: bool | None) -> ResolvedPrompt:
        """The same request with the short ``windows``, no other files, and one line at most:
        it stands in while the whole prompt is read, so it must not take long to write either
        (eight lines cost more than reading the short window did)."""
        built = self.fim.build(
            windows.before, windows.after, (), self.name, suffix_first=suffix_first
        )
        text = built.text
        return replace(
            self,
            text=text,
            marks=built.marks,
            typed_space=windows.typed_space,
            lines=1,
            key=prompt_key(self.model_name + self.model_file, 1, built, windows.typed_space),
            sources=tuple(p for p in self.sources if p == self.doc),
            infill=Infill(windows.before, windows.after),
            short=True,
            cursor=self.fim.cursor(text, windows.after, suffix_first=suffix_first),
        )

    @property
    def marked(self) -> MarkedText:
        return MarkedText(self.text, self.marks)

    @property
    def slot(self) -> str:
        """The engine's KV-state slot: the document's, and another for its short prompts, so
        that answering one does not throw away what was read of the other."""
        return short_slot(self.doc) if self.short else document_slot(self.doc)

    def request(
        self, max_tokens: int, temperature: float = 0.0, seed: int | None = None
    ) -> GenerationRequest:
        stops = self.fim.stops if self.lines > 1 else (*self.fim.stops, "\n")
        return GenerationRequest(
            prompt=self.text,
            marks=self.marks,
            stop=stops,
            temperature=temperature,
            seed=seed,
            max_tokens=max_tokens,
            reserve=16,
            sources=self.sources,
            infill=self.infill,
            cache_slot=self.slot,
            logprobs=True,  # for the confidence gate
            # Spaces typed after code are left out of the prompt instead (split_typed_space):
            # healing the code before them could merge it with more ("=" into "==").
            heal_at=None if self.typed_space else self.cursor,
        )

    def answer(self, generated: str) -> str:
        """The generated text without the space the prompt left out (see split_typed_space):
        its leading spaces stand for the typed ones, as many as the user typed (two typed
        before a comment and the model's one made three)."""
        lead = len(generated) - len(generated.lstrip(" \t"))
        return generated[min(lead, len(self.typed_space)) :]

    def suggestion(self, raw: str) -> str:
        return postprocess(raw, self.before, self.after, **self._rules())

    def settled(self, raw: str) -> bool:
        return settled(raw, self.before, self.after, **self._rules())

    def _rules(self) -> dict[str, Any]:
        return {"max_lines": self.lines, "multiline": self.lines > 1, "specials": self.fim.stops}


def prompt_key(model_name: str, lines: int, prompt: MarkedText, typed_space: str) -> str:
    """The completion cache's key of a prompt (its text and marks: the same text with other
    marks is another prompt to the model), and of the space typed after code that the
    prompt leaves out (`return` and `return ` read alike, and are answered differently)."""
    key = f"{model_name}\0{lines}\0{typed_space}\0{prompt.marks}\0{prompt.text}"
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def document_slot(doc: str) -> str:
    """The engine's KV-state slot of a document being completed (see GenerationRequest)."""
    return f"complete:{doc}"


def short_slot(doc: str) -> str:
    """The KV-state slot of a document's short prompts."""
    return "short:" + document_slot(doc)


def typed_since(started: ResolvedPrompt, now: ResolvedPrompt) -> str | None:
    """What the user typed between two requests, if ``now`` only extends ``started``."""
    if (
        started.model_name != now.model_name
        or started.model_file != now.model_file
        or started.lines != now.lines
        or started.after != now.after
        or not now.before.startswith(started.before)
    ):
        return None
    return now.before[len(started.before) :]


def window_limits(settings: Settings) -> WindowLimits:
    """How much of the document a completion prompt shows, as configured."""
    return WindowLimits(
        prefix_chars=settings.completion_prefix_chars,
        suffix_chars=settings.completion_suffix_chars,
        suffix_lines=settings.completion_suffix_lines,
        suffix_lines_midline=settings.completion_suffix_lines_midline,
        lookahead_chars=settings.completion_lookahead_chars,
    )
