"""Killed at a random moment: sagas and the pre-commit hook lose nothing (bounded forms; the
full counts run in bench/fault_bench.py)."""

from __future__ import annotations

from pathlib import Path

from tests.fault.harness import hook_kills, saga_kills


def test_a_saga_killed_at_random_leaves_the_old_or_the_new_files(
    figure_log: list[str], tmp_path: Path
) -> None:
    figure = saga_kills(12, tmp_path)
    figure_log.append(figure.line())
    assert figure.failures == []
    assert sum(v for k, v in figure.counts.items() if k.startswith("killed")) >= 6


def test_the_hook_killed_at_random_is_undone_byte_for_byte(
    figure_log: list[str], tmp_path: Path
) -> None:
    figure = hook_kills(12, tmp_path)
    figure_log.append(figure.line())
    assert figure.failures == []
    assert sum(v for k, v in figure.counts.items() if k.startswith("killed")) >= 6
