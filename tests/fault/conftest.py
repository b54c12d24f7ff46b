"""The fault and fuzz suite prints its figures at the end of the run, passed or not."""

from __future__ import annotations

from typing import Any

import pytest

FIGURES: list[str] = []


@pytest.fixture
def figure_log() -> list[str]:
    """Append a line; it is printed in pytest's summary under "fault and fuzz figures"."""
    return FIGURES


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("fault and fuzz figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
