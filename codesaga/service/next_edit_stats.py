"""What became of next-edit suggestions, for ``stats``: requests, how many were answered with
a suggestion or with none, and what users did with the suggestions (``feedback``). Kept with
the feedback store, so an acceptance rate spans daemon restarts like the counts it divides."""

from __future__ import annotations

from codesaga.service.stores import KeyValueStore

COUNTS = ("requests", "suggested", "empty", "accepted", "rejected")


class NextEditStats:
    def __init__(self, store: KeyValueStore) -> None:
        self._store = store

    def count(self, what: str) -> None:
        if what not in COUNTS:
            raise ValueError(f"no next-edit count {what!r}")
        self._store.incr(f"next_edit:{what}")

    def rated(self, accepted: bool) -> None:
        self.count("accepted" if accepted else "rejected")

    def report(self) -> dict[str, int]:
        """``requests`` counts every request, ``suggested`` and ``empty`` the answered ones
        (a cancelled request is neither); ``accepted`` and ``rejected`` the feedback."""
        return {what: int(self._store.get(f"next_edit:{what}") or 0) for what in COUNTS}
