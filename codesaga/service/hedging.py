"""Hedging: one request sent to two upstreams at once. The first to produce text (or to
finish) wins and streams to the client; the other is cancelled."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from codesaga.engine.port import CancelToken
from codesaga.service.runner import OnDelta, Outcome


class Named(Protocol):
    @property
    def name(self) -> str: ...


U = TypeVar("U", bound=Named)
# Ask one upstream: (it, where its text goes, what cancels it, its notes) -> its answer, or
# None when it failed before any text; raises UpstreamError when it failed after some.
Attempt = Callable[[U, OnDelta, CancelToken, list[str]], Outcome | None]


class _Race:
    """Who produced text first; claiming the win cancels the others."""

    def __init__(self, names: Sequence[str]) -> None:
        self.tokens = {name: CancelToken() for name in names}
        self._lock = threading.Lock()
        self._winner: str | None = None

    def claim(self, name: str) -> bool:
        with self._lock:
            if self._winner is None:
                self._winner = name
                for other, token in self.tokens.items():
                    if other != name:
                        token.cancel()
            return self._winner == name

    def cancel_all(self) -> None:
        for token in self.tokens.values():
            token.cancel()


def hedge(
    pair: Sequence[U],
    attempt: Attempt[U],
    on_delta: OnDelta | None,
    cancel: CancelToken,
    notes: list[str],
) -> Outcome | None:
    """The winner's answer, or None when both failed before producing any text."""
    race = _Race([u.name for u in pair])
    results: queue.Queue[tuple[U, Outcome | BaseException | None, list[str]]] = queue.Queue()

    def run(upstream: U) -> None:
        own: list[str] = []

        def forward(text: str) -> None:
            if race.claim(upstream.name) and on_delta is not None:
                on_delta(text)

        outcome: Outcome | BaseException | None
        try:
            outcome = attempt(upstream, forward, race.tokens[upstream.name], own)
        except BaseException as exc:  # an UpstreamError: failed after its first text
            # Any other error is reported too: a thread that put nothing left the request
            # waiting for it forever.
            outcome = exc
        results.put((upstream, outcome, own))

    for upstream in pair:
        threading.Thread(target=run, args=(upstream,), daemon=True).start()
    return _first_answer(pair, race, results, cancel, notes)


def _first_answer(
    pair: Sequence[U],
    race: _Race,
    results: queue.Queue[tuple[U, Outcome | BaseException | None, list[str]]],
    cancel: CancelToken,
    notes: list[str],
) -> Outcome | None:
    for _ in pair:
        while True:
            try:
                upstream, outcome, own = results.get(timeout=0.1)
                break
            except queue.Empty:
                if cancel.cancelled:
                    race.cancel_all()
        notes.extend(own)
        if isinstance(outcome, BaseException):
            if race.claim(upstream.name):
                raise outcome  # the client has seen part of this answer, or no other's
            continue
        if outcome is None:
            continue
        if outcome.finished.reason == "cancelled" and not cancel.cancelled:
            continue  # the loser
        if race.claim(upstream.name):
            loser = [u.name for u in pair if u is not upstream]
            notes.append(f"hedged with {', '.join(loser)}; {upstream.name} answered first")
            return outcome
    return None
