"""The confidence gate: a suggestion the model was unsure of is not shown, and what users
accept or reject moves the threshold toward a target acceptance rate.

Each model and language has its own lane: the factor feedback has learned (the threshold is
the setting ``completion_gate_threshold`` times it) and counts of suggestions shown, gated,
accepted and rejected. Lanes persist in a key-value store (the daemon's feedback store, so
per user): written when feedback arrives and when the daemon stops. The measures and the
rule are in ``domain/confidence.py``.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

from codesaga.domain.confidence import (
    Adaptation,
    Confidence,
    adjusted,
    shows,
    threshold,
)
from codesaga.domain.fields import known_fields
from codesaga.service.stores import KeyValueStore
from codesaga.settings import Live, Settings, live

KEY_PREFIX = "gate:"  # then the language, a colon and the model (which may hold colons)
# A lane that has hidden this many suggestions in a row shows the next one: a threshold
# learned above everything the model says would otherwise hear no feedback again, and hide
# every suggestion for good (it is kept across restarts).
EXPLORE_AFTER = 20


@dataclass
class Lane:
    """One model's gate for one language."""

    factor: float = 1.0  # the threshold's multiple of the starting one, learned
    shown: int = 0  # suggestions with a measured confidence the gate let through
    gated: int = 0  # ... and those it hid
    accepted: int = 0  # feedback on the ones shown
    rejected: int = 0
    hidden_in_a_row: int = 0  # gated since the last one shown


class ConfidenceGate:
    """Decides which suggestions are shown and learns from feedback; thread-safe."""

    def __init__(self, settings: Settings | Live, store: KeyValueStore) -> None:
        self._live = live(settings)
        self._store = store
        self._lock = threading.Lock()
        # Saves one at a time, so the last state taken is the last written (two feedback
        # calls at once could write the older state last, and it was what a restart read).
        self._saving = threading.Lock()
        self._lanes: dict[str, Lane] = {}  # by store key, loaded when first used
        self._unsaved: set[str] = set()

    @property
    def enabled(self) -> bool:
        return bool(self._live.current.completion_gate)

    def threshold(self, model: str, language: str) -> float:
        with self._lock:
            return self._threshold(self._lane(_key(model, language)))

    def would_show(self, model: str, language: str, confidence: Confidence | None) -> bool:
        """Whether ``shows`` would show it, without counting it or exploring: a question
        asked of a suggestion before it is offered (the rest of a hidden one, typed
        through)."""
        if confidence is None:
            return False
        with self._lock:
            return self._passes(self._lane(_key(model, language)), confidence)

    def shows(self, model: str, language: str, confidence: Confidence | None) -> bool:
        """Whether a suggestion the model was this confident of is shown (always, with the
        gate off), counted as shown or gated. A suggestion of unknown confidence (a remote
        engine reports no token probabilities; a type-through of a suggestion shown) is
        shown and not counted: the gate does not apply to it."""
        if confidence is None:
            return True
        key = _key(model, language)
        with self._lock:
            lane = self._lane(key)
            shown = self._passes(lane, confidence)
            if not shown and lane.hidden_in_a_row + 1 >= EXPLORE_AFTER:
                shown = True  # its feedback can bring a threshold set too high back down
            if shown:
                lane.shown += 1
                lane.hidden_in_a_row = 0
            else:
                lane.gated += 1
                lane.hidden_in_a_row += 1
            self._unsaved.add(key)
        return shown

    def learn(self, model: str, language: str, accepted: bool) -> None:
        """A suggestion the gate let through was accepted or rejected: count it and, with the
        gate on, move the threshold a step (see ``Adaptation``); then save."""
        key = _key(model, language)
        with self._lock:
            lane = self._lane(key)
            if accepted:
                lane.accepted += 1
            else:
                lane.rejected += 1
            if self.enabled:
                rule = Adaptation(target=self._live.current.completion_gate_target)
                lane.factor = adjusted(lane.factor, accepted, rule)
            self._unsaved.add(key)
        self.save()

    def save(self) -> None:
        """Write the lanes changed since the last save to the store."""
        with self._saving:
            with self._lock:
                changed = {key: asdict(self._lanes[key]) for key in self._unsaved}
                self._unsaved.clear()
            for key, value in changed.items():
                self._store.set(key, value)

    def report(self) -> dict[str, Any]:
        """For `codesaga stats`: whether the gate is on, its rule, and every lane known."""
        settings = self._live.current
        with self._lock:
            for key in [k for k in self._store.iterkeys() if k.startswith(KEY_PREFIX)]:
                self._lane(key)
            lanes = [
                {
                    "model": key[len(KEY_PREFIX) :].partition(":")[2],
                    "language": key[len(KEY_PREFIX) :].partition(":")[0],
                    "threshold": round(self._threshold(lane), 4),
                    **asdict(lane),
                }
                for key, lane in sorted(self._lanes.items())
            ]
        return {
            "enabled": self.enabled,
            "measure": settings.completion_gate_measure,
            "start": settings.completion_gate_threshold,
            "target": settings.completion_gate_target,
            "lanes": lanes,
        }

    def _lane(self, key: str) -> Lane:
        """The lane under ``key``, from the store the first time. Called with the lock held."""
        lane = self._lanes.get(key)
        if lane is None:
            stored = self._store.get(key)
            lane = Lane(**known_fields(Lane, stored)) if isinstance(stored, dict) else Lane()
            self._lanes[key] = lane
        return lane

    def _passes(self, lane: Lane, confidence: Confidence) -> bool:
        """Whether ``confidence`` clears ``lane``'s threshold (always, with the gate off).
        The caller holds the lock."""
        value = confidence.value(self._live.current.completion_gate_measure)
        return not self.enabled or shows(value, self._threshold(lane))

    def _threshold(self, lane: Lane) -> float:
        return threshold(self._live.current.completion_gate_threshold, lane.factor)


def _key(model: str, language: str) -> str:
    return f"{KEY_PREFIX}{language}:{model}"
