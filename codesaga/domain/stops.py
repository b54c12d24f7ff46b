"""Stop strings over a token stream: emit text as soon as it cannot be part of a stop."""

from __future__ import annotations

from collections.abc import Sequence


class StopScanner:
    """Feed decoded text piece by piece; get back what is safe to show.

    Text that might be the start of a stop string is held back until the next piece
    settles it, so a stop string is never shown, even when split across tokens.
    """

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = [s for s in stops if s]
        self._pending = ""
        self.stopped = False

    def feed(self, piece: str) -> str:
        if self.stopped:
            return ""
        text = self._pending + piece
        cut = min((i for i in (text.find(s) for s in self._stops) if i >= 0), default=-1)
        if cut >= 0:
            self.stopped = True
            self._pending = ""
            return text[:cut]
        hold = 0
        for stop in self._stops:
            for n in range(min(len(stop) - 1, len(text)), 0, -1):
                if text.endswith(stop[:n]):
                    hold = max(hold, n)
                    break
        self._pending = text[len(text) - hold :] if hold else ""
        return text[: len(text) - hold]

    def flush(self) -> str:
        """The held-back text once the stream has ended without a stop."""
        rest, self._pending = self._pending, ""
        return "" if self.stopped else rest
