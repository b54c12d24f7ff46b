"""What the model read of completion prompts lately: the text last read into each KV-cache
slot, and the speed prompts were read at. Together they estimate what reading a new prompt
costs, which decides whether a request can wait for its whole prompt."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from codesaga.domain.completion_prompt import reusable, shared_prefix
from codesaga.engine.port import Finished

CHARS_PER_TOKEN = 3.5  # code, for estimating what a prompt costs to read
SPEED_WEIGHT = 0.3  # of the newest measurement in the reading speed's moving average
# The reading speed assumed until one is measured (the session's first prompt, when no editor
# warmed a document up): above what CPUs were measured reading a small code model's prompt
# (about 40 to 330 tokens/s for the 0.5B), so only a prompt no CPU reads within the budget
# is answered from a short window before the first measurement.
UNMEASURED_SPEED = 400.0
# Slots whose last prompt is kept (far more than the engine keeps states of): a daemon that
# never exits, asked about ever new paths, grew without end.
MAX_SLOTS = 128


@dataclass(frozen=True)
class Given:
    """Where a slot stood when a prompt was given to it: the text it had been given before,
    how many characters of the prompt that held, and its turn (how many prompts it was given
    so far; a record made after a read is dropped when another prompt came meanwhile)."""

    before: str
    held: int
    turn: int


class PromptReads:
    """Safe to use from the completer's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # slot -> the last prompt text given to the model, the least recently given first
        self._last: OrderedDict[str, str] = OrderedDict()
        self._turns: dict[str, int] = {}  # slot -> when it was last given a prompt (Given)
        self._given = 0  # prompts given to any slot
        self.speed: float | None = None  # prompt tokens read per second, lately

    def since(self, slot: str, text: str) -> Given:
        """Where ``slot`` stands for reading ``text`` (a read ahead, recorded when it ends)."""
        with self._lock:
            return self._since(slot, text)

    def reading(self, slot: str, text: str) -> Given:
        """``text`` is given to the model to read into ``slot`` (a request's prompt: as if
        read whole until ``request_ended`` says otherwise)."""
        with self._lock:
            given = self._since(slot, text)
            self._record(slot, text)
            return Given(given.before, given.held, self._turns[slot])

    def read_ahead(self, slot: str, text: str, given: Given, read: Finished) -> None:
        """``text`` was read ahead into ``slot`` from where it stood (``given``); a
        cancelled read kept the steps it finished. A request's prompt given to the slot
        meanwhile is read after it: its record stands."""
        with self._lock:
            if self._turns.get(slot, 0) == given.turn:
                self._record(slot, _what_was_read(text, given, read))

    def request_ended(self, slot: str, text: str, given: Given, finished: Finished | None) -> None:
        """A request's prompt ``text``, given to ``slot`` (``reading``), ended. Cancelled
        while its prompt was read, the slot holds the steps it finished; cancelled before
        the model began it (None), what it held before. Unless another prompt was given to
        the slot meanwhile."""
        if finished is not None and (finished.reason != "cancelled" or finished.completion_tokens):
            return  # its prompt was read whole
        with self._lock:
            if self._turns.get(slot, 0) == given.turn:
                self._last[slot] = (
                    given.before if finished is None else _what_was_read(text, given, finished)
                )

    def _since(self, slot: str, text: str) -> Given:
        before = self._last.get(slot, "")
        return Given(before, shared_prefix(before, text), self._turns.get(slot, 0))

    def _record(self, slot: str, text: str) -> None:
        self._last[slot] = text
        self._last.move_to_end(slot)
        # One count for every slot: a slot forgotten and given a prompt again must not start
        # over at a turn a request still running from before it was forgotten holds.
        self._given += 1
        self._turns[slot] = self._given
        while len(self._last) > MAX_SLOTS:  # a slot forgotten is estimated as read afresh
            dropped, _ = self._last.popitem(last=False)
            self._turns.pop(dropped, None)

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


def _what_was_read(text: str, given: Given, read: Finished) -> str:
    """What a slot that stood as ``given`` holds after ``read`` of ``text``: all of it; when
    cancelled, what was read of it and, after a mark no prompt holds, what it held before
    past that read's start: the engine also keeps the runs of that which come after the
    part left unread (kv_reuse)."""
    if read.reason != "cancelled":
        return text
    read_to = given.held + int(read.prompt_tokens_evaluated * CHARS_PER_TOKEN)
    if read_to >= len(text):
        return text
    return text[:read_to] + "\0" + given.before[given.held :]
