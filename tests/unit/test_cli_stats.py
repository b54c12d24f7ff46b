"""`codesaga stats`'s table as a terminal shows it."""

from __future__ import annotations

import datetime

from rich.console import Console

from codesaga.cli.commands.stats import model_table

NOW = datetime.datetime(2026, 11, 30, 15, 0).timestamp()


def model(name: str, **values: object) -> dict[str, object]:
    row: dict[str, object] = dict(
        model=name, usage_count=12345, cached=120, failed=3, mean_seconds=1.23,
        p95_seconds=10.5, tokens_per_second=61.3, last_used_at=NOW - 60, accuracy=0.5,
    )  # fmt: skip
    return {**row, **values}


def test_the_model_table_fits_80_columns_with_nothing_cut() -> None:
    """In an 80-column terminal the model's whole name and every header show (before, the
    names were cut to `qwen2.5…`); a last use of today shows its time, an older one its day."""
    console = Console(width=80, record=True)
    long_ago = NOW - 3 * 86400
    rows = [model("qwen2.5-coder-1.5b"), model("qwen2.5-coder-0.5b", last_used_at=long_ago)]
    console.print(model_table(rows, now=NOW))
    text = console.export_text()
    assert "…" not in text
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[0].split() == [
        "model", "requests", "cached", "failed", "mean", "s", "p95", "s", "tok/s", "last",
        "use", "accuracy",
    ]  # fmt: skip
    assert lines[1].split()[0] == "qwen2.5-coder-1.5b" and "14:59" in lines[1]
    assert lines[2].split()[0] == "qwen2.5-coder-0.5b" and "2026-11-27" in lines[2]


def test_a_long_model_name_folds_and_requests_without_a_model_have_a_row() -> None:
    # A model given as a .gguf path squeezed the numbers to "1…" and "y…"; requests that
    # failed before a model was chosen were in no row.
    console = Console(width=80, record=True)
    rows = [model("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"), model(None, failed=2)]
    console.print(model_table(rows, now=NOW))
    text = console.export_text()
    assert "…" not in text and all(len(line) <= 80 for line in text.splitlines())
    lines = text.splitlines()
    assert lines[1].split()[1:4] == ["12345", "120", "3"] and "50%" in lines[1]
    assert "".join(line.split()[0] for line in lines[1:3]).startswith("qwen2.5-coder-0.5b-instr")
    assert lines[-1].split()[:2] == ["(no", "model)"] and lines[-1].split()[4] == "2"
