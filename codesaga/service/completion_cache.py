"""The answers the completer gives without the model: recent completions by their exact
prompt (a speculative one lands here too), and what is left of a suggestion recently shown
once the user typed its first characters (type-through).

An answer keeps how sure the model was of it, so that the confidence gate judges it again
when it is served: a suggestion the gate hid is never served from here as if it had been
shown. A type-through continues a suggestion that was shown: the gate does not judge it.
A suggestion the gate hid is kept too: when the user types its first characters anyway,
the model's confidence in the rest, given that start, is judged again (the start it
was unsure of is now the user's), and the rest is served if the gate would show it.

Not thread-safe: the completer calls it with its lock held, so that a look-up and the
in-flight registry's state are seen in one step.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from codesaga.domain.completion import type_through
from codesaga.domain.confidence import Confidence
from codesaga.service.resolved_prompt import ResolvedPrompt

SHOWN_PER_DOCUMENT = 8  # recent suggestions kept for type-through
# Documents whose suggestions are kept, the least recently shown beyond these dropped: a
# daemon that never exits, asked about ever new paths, grew without end.
SHOWN_DOCUMENTS = 64


# How sure the model was of the rest of a suggestion once its start (the argument) is typed.
Judge = Callable[[str], Confidence | None]


@dataclass(frozen=True)
class _Shown:
    before: str
    after: str
    text: str
    judge: Judge | None = None  # set for a suggestion the gate hid


class CompletionCache:
    def __init__(self) -> None:
        # By prompt key, oldest first: the suggestion and how sure the model was of it.
        self._answers: OrderedDict[str, tuple[str, Confidence | None]] = OrderedDict()
        self._shown: OrderedDict[str, deque[_Shown]] = OrderedDict()  # by document, LRU

    def __len__(self) -> int:
        return len(self._answers)

    def __contains__(self, key: str) -> bool:
        return key in self._answers

    def lookup(
        self, prompt: ResolvedPrompt, shows: Callable[[Confidence | None], bool]
    ) -> tuple[str, str, Confidence | None] | None:
        """The answer to ``prompt``, where it came from ("cache" or "type-through") and how
        sure the model was of it (None for a type-through of a suggestion shown; for one
        hidden, its rest's confidence, and only if ``shows`` it)."""
        answer = self._answers.get(prompt.key)
        if answer is not None:
            self._answers.move_to_end(prompt.key)
            return answer[0], "cache", answer[1]
        for shown in reversed(self._shown.get(prompt.doc, ())):
            rest = type_through(shown.before, shown.after, shown.text, prompt.before, prompt.after)
            if rest is None:
                continue
            if shown.judge is None:
                return rest, "type-through", None
            confidence = shown.judge(prompt.before[len(shown.before) :])
            if shows(confidence):
                return rest, "type-through", confidence
        return None

    def hide(self, prompt: ResolvedPrompt, text: str, judge: Judge) -> None:
        """``text``, answered for ``prompt``, was hidden by the gate: kept only to be typed
        through (``judge`` tells how sure the model is of its rest then)."""
        self._keep(prompt, text, judge)

    def remember(
        self, prompt: ResolvedPrompt, text: str, confidence: Confidence | None, capacity: int
    ) -> None:
        """``text`` was shown for ``prompt``: the answer to it, and typed through later."""
        self._keep(prompt, text, None)
        self.store(prompt.key, text, confidence, capacity)

    def _keep(self, prompt: ResolvedPrompt, text: str, judge: Judge | None) -> None:
        """``text`` may be typed through in ``prompt``'s document (the last few are kept)."""
        kept = self._shown.setdefault(prompt.doc, deque(maxlen=SHOWN_PER_DOCUMENT))
        kept.append(_Shown(prompt.before, prompt.after, text, judge))
        self._shown.move_to_end(prompt.doc)
        while len(self._shown) > SHOWN_DOCUMENTS:
            self._shown.popitem(last=False)

    def store(self, key: str, text: str, confidence: Confidence | None, capacity: int) -> None:
        """Keep ``text`` as the answer to the prompt ``key``, and at most ``capacity`` in all
        (the least recently used go first)."""
        self._answers[key] = (text, confidence)
        self._answers.move_to_end(key)
        while len(self._answers) > capacity:
            self._answers.popitem(last=False)

    def clear_answers(self) -> None:
        """Forget the answers (made under other settings); what was shown stays."""
        self._answers.clear()
