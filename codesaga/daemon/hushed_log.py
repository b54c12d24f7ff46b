"""Warnings a stranger can cause, logged at most once a minute each."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

EVERY_SECONDS = 60.0


class HushedWarning:
    """One kind of warning, logged at most once every ``every`` seconds with how many like it
    were left out meanwhile. Any local process can have the daemon refuse it (no token, a
    wrong Host, another user's uid) as often as it likes: one line each pushed the log's real
    entries out of its rotation."""

    def __init__(
        self,
        log: logging.Logger,
        every: float = EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = log
        self._every = every
        self._clock = clock
        self._logged_at: float | None = None
        self._left_out = 0

    def warning(self, message: str, *args: object) -> None:
        now = self._clock()
        if self._logged_at is not None and now - self._logged_at < self._every:
            self._left_out += 1
            return
        if self._left_out:
            message += f" (and {self._left_out} more like it before, not logged)"
        self._logged_at, self._left_out = now, 0
        self._log.warning(message, *args)
