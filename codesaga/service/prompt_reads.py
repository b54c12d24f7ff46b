"""What the model read of completion prompts lately: the text last read into each KV-cache
slot, and the speed prompts were read at. Together they estimate what reading a new prompt
costs, which decides whether a request can wait for its whole prompt."""

from __future__ import annotations

import threading

from codesaga.domain.completion_prompt import reusable, shared_prefix
from codesaga.engine.port import Finished

CHARS_PER_TOKEN = 3.5  # code, for estimating what a prompt costs to read
SPEED_WEIGHT = 0.3  # of the newest measurement in the reading speed's moving average
# The reading speed assumed until one is measured (the session's first prompt, when no editor
# warmed a document up): above what CPUs were measured reading a small code model's prompt
# (about 40 to 330 tokens/s for the 0.5B), so only a prompt no CPU reads within the budget
# is answered from a short window before the first measurement.
UNMEASURED_SPEED = 400.0


class PromptReads:
    """Safe to use from the completer's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, str] = {}  # slot -> the last prompt text given to the model
        self.speed: float | None = None  # prompt tokens read per second, lately

    def held(self, slot: str, text: str) -> int:
        """How many characters of ``text`` the slot holds since its last read."""
        with self._lock:
            return shared_prefix(self._last.get(slot, ""), text)

    def reading(self, slot: str, text: str) -> None:
        """``text`` is given to the model to read into ``slot``."""
        with self._lock:
            self._last[slot] = text

    def read_ahead(self, slot: str, text: str, held: int, read: Finished) -> None:
        """``text`` was read ahead into ``slot``, which held its first ``held`` characters
        before; a cancelled read kept the steps it finished."""
        if read.reason == "cancelled":
            # What was read of it; the engine also keeps the runs of what it held before
            # that come after the part left unread (kv_reuse): those are found in the text
            # it held, after a mark no prompt holds.
            with self._lock:
                before = self._last.get(slot, "")
            read_to = held + int(read.prompt_tokens_evaluated * CHARS_PER_TOKEN)
            text = text[:read_to] + "\0" + before[held:]
        self.reading(slot, text)

    def measure(self, finished: Finished) -> None:
        """Update the reading speed from a finished read, if it read enough to tell."""
        read = finished.prompt_tokens_evaluated
        if read >= 64 and finished.prompt_seconds > 0:
            speed = read / finished.prompt_seconds
            with self._lock:
                last = self.speed
                self.speed = speed if last is None else last + SPEED_WEIGHT * (speed - last)

    def exceeds(self, slot: str, text: str, budget: float) -> bool:
        """Whether reading what the model does not hold of ``text`` in ``slot`` would take
        longer than ``budget`` seconds (an estimate from the prompt last read there and the
        speed prompts were read at lately, or UNMEASURED_SPEED before any)."""
        return self.seconds(slot, text) > budget

    def seconds(self, slot: str, text: str) -> float:
        """About how long reading what the model does not hold of ``text`` in ``slot`` takes."""
        return self.time_for(self.unread(slot, text))

    def time_for(self, chars: int) -> float:
        """About how long reading ``chars`` characters of a prompt takes."""
        return chars / self._chars_per_second

    def chars_within(self, seconds: float) -> int:
        """About how many characters of a prompt are read in ``seconds``."""
        return int(seconds * self._chars_per_second)

    @property
    def _chars_per_second(self) -> float:
        return (self.speed or UNMEASURED_SPEED) * CHARS_PER_TOKEN

    def unread(self, slot: str, text: str) -> int:
        """The characters of ``text`` the model would have to read into ``slot``."""
        with self._lock:
            last = self._last.get(slot, "")
        return len(text) - reusable(last, text)
