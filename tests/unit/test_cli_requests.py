"""`codesaga requests`'s table as a terminal shows it."""

from __future__ import annotations

from rich.console import Console

from codesaga.cli.commands.requests import request_table


def test_the_request_table_fits_80_columns_with_ids_and_models_whole() -> None:
    """Before, an 80-column terminal cut the ids (`1a22cb824cd28…`) that `requests show`
    takes, and the models' names."""

    def row(
        i: int, kind: str, status: str, cached: bool, ended: float | None = 116.39
    ) -> dict[str, object]:
        return dict(
            id=f"1a22cb824cd2840{i}", type=kind, status=status, model="qwen2.5-coder-1.5b",
            created_at=100.0, finished_at=ended, timings={"completion_tokens": 2048},
            cached=cached,
        )  # fmt: skip

    rows = [
        row(0, "completion", "cancelled", True),
        row(1, "error-fix", "completed", False),
        row(2, "generate", "failed", False, ended=None),  # its process died: when, not known
    ]
    console = Console(width=80, record=True)
    console.print(request_table(rows))
    text = console.export_text()
    assert "…" not in text and all(len(line) <= 80 for line in text.splitlines())
    lines = text.splitlines()
    assert lines[0].split() == ["id", "type", "status", "model", "secs", "tokens", "cached"]
    assert lines[1].split() == [
        "1a22cb824cd28400", "completion", "cancelled", "qwen2.5-coder-1.5b", "16.39", "2048",
        "yes",
    ]  # fmt: skip
    # No seconds: not the time from its start until it was found dead.
    assert lines[3].split() == [
        "1a22cb824cd28402",
        "generate",
        "failed",
        "qwen2.5-coder-1.5b",
        "2048",
    ]


def test_a_long_model_name_folds_rather_than_cut_the_numbers() -> None:
    row = dict(
        id="1a22cb824cd28400", type="completion", status="completed", created_at=100.0,
        model="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", finished_at=116.39,
        timings={"completion_tokens": 2048}, cached=True,
    )  # fmt: skip
    console = Console(width=80, record=True)
    console.print(request_table([row]))
    text = console.export_text()
    assert "…" not in text and all(len(line) <= 80 for line in text.splitlines())
    assert text.splitlines()[1].split()[-3:] == ["16.39", "2048", "yes"]
