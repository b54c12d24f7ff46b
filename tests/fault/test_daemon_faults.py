"""The real daemon with the real 0.5B model, killed and raced (bounded forms; the full
counts run in bench/fault_bench.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REAL_MODELS_DIR
from tests.fault.harness import daemon_kills, start_races, upstream_kills


@pytest.mark.model
def test_kill_9_at_random_moments_loses_nothing(
    figure_log: list[str], small_model: Path, tmp_path: Path
) -> None:
    figure = daemon_kills(8, tmp_path, REAL_MODELS_DIR)
    figure_log.append(figure.line())
    assert figure.failures == []
    assert figure.trials == 8


@pytest.mark.model
def test_start_races_end_with_exactly_one_daemon(
    figure_log: list[str], small_model: Path, tmp_path: Path
) -> None:
    figure = start_races(3, 20, tmp_path, REAL_MODELS_DIR)
    figure_log.append(figure.line())
    assert figure.failures == []


@pytest.mark.model
def test_an_upstream_killed_mid_stream_fails_over_or_fails_cleanly(
    figure_log: list[str], small_model: Path, tmp_path: Path
) -> None:
    figure = upstream_kills(3, tmp_path, REAL_MODELS_DIR)
    figure_log.append(figure.line())
    assert figure.failures == []
