"""`codesaga stats`: usage and speed per model, completion prompt reuse per document."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import typer

from codesaga.cli import render
from codesaga.cli.invocation import Invocation
from codesaga.cli.options import JsonOpt

if TYPE_CHECKING:
    from rich.table import Table

app = typer.Typer()  # its commands join the root's


@app.command(epilog="Example: codesaga stats --json")
def stats(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Per model: usage, mean and p95 response time, tokens/s, last use, accuracy; the
    confidence gate per model and language: suggestions shown, gated, accepted, rejected, and
    the threshold in force; next edits: requests, answered with edits or none, accepted."""
    result = Invocation.of(ctx).control("stats")
    if as_json:
        render.print_json(result)
        return
    render.stdout.print(model_table(result["models"]))
    window = result.get("journal_window") or {}
    if window and window["records"] >= window["limit"]:
        render.note(f"requests and times are of the newest {window['limit']:,} in the journal")
    documents = (result.get("completion") or {}).get("documents") or []
    if documents:
        from rich.table import Table

        # How much of each document's completion prompts the KV cache already held: low
        # reuse means the model re-read the file (a first request, a window move, eviction).
        # Generations: the model's runs for it (a completion answered from the cache or
        # typed through runs none; one read ahead runs one).
        reuse = Table("document", "generations", "warm-ups", "prompt tokens", "read", "reuse",
                      box=None, title="completion prompt reuse, most recent first")  # fmt: skip
        for d in documents:
            reuse.add_row(
                d["path"],
                str(d.get("generations", 0)),
                str(d.get("warm-ups", 0)),
                str(d.get("prompt_tokens", 0)),
                str(d.get("prompt_tokens_evaluated", 0)),
                num(d.get("reuse"), ".0%"),
            )
        render.stdout.print(reuse)
    _gate_table(result.get("gate") or {})
    _next_edits(result.get("nextEdit") or {})


def num(value: float | None, fmt: str = ".2f") -> str:
    return "-" if value is None else format(value, fmt)


def model_table(models: list[dict[str, Any]], now: float | None = None) -> Table:
    """Usage and speed per model, laid out to fit an 80-column terminal: the model's name
    whole (it is what the row is about; one too long for the line, a .gguf file's, folds
    onto the next rather than cut the numbers to "…"), a last use of today as its time
    only. The requests that failed before a model was chosen are a row of their own."""
    import datetime

    from rich.table import Table

    table = Table(box=None, collapse_padding=True, pad_edge=False)
    table.add_column("model", overflow="fold")
    for header in ("requests", "cached", "failed", "mean s", "p95 s", "tok/s"):
        table.add_column(header, justify="right", no_wrap=True, min_width=len(header))
    table.add_column("last use", no_wrap=True, min_width=len("last use"))
    table.add_column("accuracy", justify="right", no_wrap=True, min_width=len("accuracy"))
    today = datetime.datetime.fromtimestamp(time.time() if now is None else now).date()
    for m in models:
        last = m["last_used_at"]
        when = "-"
        if last:
            used = datetime.datetime.fromtimestamp(last)
            when = used.strftime("%H:%M" if used.date() == today else "%Y-%m-%d")
        table.add_row(
            m["model"] or "(no model)",
            str(m["usage_count"]),
            str(m["cached"]),
            str(m["failed"]),
            num(m["mean_seconds"]),
            num(m["p95_seconds"]),
            num(m["tokens_per_second"], ".1f"),
            when,
            num(m["accuracy"], ".0%"),
        )
    return table


def _gate_table(gate: dict[str, Any]) -> None:
    """The confidence gate's lanes: what it showed and hid, what users made of it, and where
    feedback has moved its threshold."""
    from rich.table import Table

    lanes = gate.get("lanes") or []
    if not lanes:
        return
    state = "on" if gate.get("enabled") else "off (counting only)"
    title = (
        f"confidence gate {state}: a suggestion whose first line scores below the threshold "
        f"({gate.get('measure')}) is hidden; feedback moves it toward "
        f"{gate.get('target', 0):.0%} accepted"
    )
    table = Table("model", "language", "shown", "gated", "accepted", "rejected", "threshold",
                  box=None, title=title)  # fmt: skip
    for lane in lanes:
        table.add_row(
            lane["model"],
            lane["language"],
            str(lane["shown"]),
            str(lane["gated"]),
            str(lane["accepted"]),
            str(lane["rejected"]),
            format(lane["threshold"], ".3f"),
        )
    render.stdout.print(table)


def _next_edits(counts: dict[str, int]) -> None:
    """Next-edit suggestions: how many requests found something, and what users made of it."""
    if not counts.get("requests"):
        return
    rated = counts.get("accepted", 0) + counts.get("rejected", 0)
    rate = f", {counts.get('accepted', 0) / rated:.0%} accepted" if rated else ""
    render.stdout.print(
        f"next edits: {counts['requests']} requests, {counts.get('suggested', 0)} with edits, "
        f"{counts.get('empty', 0)} with none; feedback: {counts.get('accepted', 0)} accepted, "
        f"{counts.get('rejected', 0)} rejected{rate}"
    )
