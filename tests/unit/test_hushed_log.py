"""Warnings a stranger can cause are logged at most once a minute."""

from __future__ import annotations

import logging

import pytest

from codesaga.daemon.hushed_log import HushedWarning


def test_a_flood_of_refusals_is_one_line_a_minute_with_a_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Any local process could have the daemon log a line per refused handshake, as often
    # as it liked: the log's rotation then pushed the real entries out.
    now = [0.0]
    refusals = HushedWarning(logging.getLogger("test.hushed"), clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="test.hushed"):
        for _ in range(500):
            refusals.warning("refused a WebSocket handshake: %s", "missing or wrong token")
            now[0] += 0.05
        now[0] = 61.0
        refusals.warning("refused a WebSocket handshake: %s", "Origin not allowed")
    assert [r.getMessage() for r in caplog.records] == [
        "refused a WebSocket handshake: missing or wrong token",
        "refused a WebSocket handshake: Origin not allowed (and 499 more like it before, "
        "not logged)",
    ]
