#!/usr/bin/env python3
"""The confidence gate on the completion trace: how many suggestions are shown, and how
many of the exact ones are kept, gate off vs on.

The traces are completion_bench.py's (re-typing blocks of real Python files that are not
this repository's, asking for a completion at the start of each line and every ``--every``
keystrokes), replayed over the daemon's WebSocket as the extension sends them; no peer.
A suggestion is exact when it completes the line being typed exactly (its first line).

1. Fit, on other files (FIT_SOURCES), gate off: for each measure of confidence (``line``,
   ``mean``, ``least``: domain/confidence.py, read from the journal) how it separates exact
   suggestions from wrong ones (medians, AUROC), and the threshold that hides the most
   suggestions while keeping ``--keep`` of the exact ones on these files.
2. Report, on the completion trace's own files (completion_bench's default sources): gate
   off, then gate on with the best fitted measure and threshold (or ``--measure`` and
   ``--threshold``): the share of requests answered with a suggestion and the exact lines
   among them; and what each measure's fitted threshold does to the gate-off answers
   (offline, the same answers: no run-to-run noise).

Targets: at least 25 % fewer suggestions shown, at least 95 % of the exact ones kept. No
feedback is sent, so the threshold stays where it starts; each run has a fresh daemon.

On a machine other work shares, ``--set n_threads=1`` keeps llama.cpp's threads from waiting
on each other (two threads against a busy neighbour made requests ten times slower).

Usage: python bench/gate_bench.py [--traces whole,clip-chars,...] [--every N] [--keep F]
Needs qwen2.5-coder-0.5b installed (codesaga models pull qwen2.5-coder-0.5b).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from completion_bench import (
    MODEL,
    PAUSE,
    WARM_UP,
    Keystroke,
    _module_file,
    build_traces,
    completed_line,
    completion_daemon,
    default_sources,
    params,
    websocket_calls,
)
from installed import add_set_option, installed_model, setting_overrides

from codesaga.domain.confidence import MEASURES
from codesaga.settings import load_settings

# Files to choose thresholds on; none of them is in the completion trace.
FIT_SOURCES = {"short": ["queue", "gettext", "base64", "pprint"], "long": ["tarfile", "subprocess"]}
TRACES = ("whole", "clip-chars", "clip-lines", "long", "switch")  # "open" waits for reading
TARGET_FEWER, TARGET_KEPT = 0.25, 0.95
SWEEP = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)  # thresholds tried offline on the report files


@dataclass(frozen=True)
class Answer:
    stroke: Keystroke
    text: str
    source: str
    gated: bool
    measures: dict[str, float] | None  # from the journal; None: not measured (type-through)
    prompt_tokens: int | None = None  # the prompt's size, from the journal (None: no model)

    @property
    def shown(self) -> bool:
        return bool(self.text.strip())

    @property
    def exact(self) -> bool:
        return self.shown and completed_line(self.stroke, self.text)


def run(
    label: str, traces: dict[str, list[Keystroke]], settings_env: dict[str, str]
) -> list[Answer]:
    """Replay ``traces`` through a fresh daemon with ``settings_env``; every answer."""
    answers: list[Answer] = []
    with completion_daemon(**settings_env) as settings, websocket_calls(settings) as call:
        call("complete", params(WARM_UP))  # loads the model; not counted
        for name, strokes in traces.items():
            for i, stroke in enumerate(strokes):
                result = call("complete", params(stroke))
                record = call("requests/get", {"id": result["request_id"]})
                timings = record.get("timings") or {}
                answers.append(
                    Answer(stroke, result["text"], result.get("source", ""),
                           bool(result.get("gated")), record.get("confidence"),
                           timings.get("prompt_tokens"))
                )  # fmt: skip
                if i % 25 == 0:
                    print(f"  {label} {name}: {i}/{len(strokes)}", file=sys.stderr)
                time.sleep(PAUSE)
    return answers


@dataclass(frozen=True)
class Fit:
    measure: str
    threshold: float
    hidden: int  # of the shown suggestions, on the fit files
    lost: int  # exact ones among them


def fit(answers: list[Answer], measure: str, keep: float) -> Fit:
    """The highest threshold that hides at most (1 - keep) of the exact suggestions shown."""
    exact = sum(a.exact for a in answers)
    allowed = int(exact * (1 - keep))
    exact_values = sorted(a.measures[measure] for a in answers if a.exact and a.measures)
    limit = exact_values[allowed] if len(exact_values) > allowed else 1.0
    hidden, lost = gated_by(answers, measure, limit)
    return Fit(measure, limit, hidden, lost)


def gated_by(answers: list[Answer], measure: str, limit: float) -> tuple[int, int]:
    """How many shown suggestions a threshold ``limit`` would hide, and how many exact."""
    hidden = [a for a in answers if a.shown and a.measures and a.measures[measure] < limit]
    return len(hidden), sum(a.exact for a in hidden)


def auroc(answers: list[Answer], measure: str) -> float:
    """The chance that an exact suggestion is rated above a wrong one (ties count half)."""
    right = [a.measures[measure] for a in answers if a.shown and a.measures and a.exact]
    wrong = [a.measures[measure] for a in answers if a.shown and a.measures and not a.exact]
    if not right or not wrong:
        return float("nan")
    wins = sum((r > w) + 0.5 * (r == w) for r in right for w in wrong)
    return wins / (len(right) * len(wrong))


def describe(label: str, answers: list[Answer]) -> tuple[int, int]:
    shown = sum(a.shown for a in answers)
    exact = sum(a.exact for a in answers)
    gated = sum(a.gated for a in answers)
    unmeasured = sum(a.shown and not a.measures for a in answers)
    print(
        f"  {label}: {len(answers)} requests, shown {shown} ({shown / len(answers):.0%}), "
        f"gated {gated}, exact {exact} ({exact / max(shown, 1):.0%} of shown); "
        f"{unmeasured} shown without a confidence (type-through)"
    )
    return shown, exact


def separation(answers: list[Answer]) -> None:
    for m in MEASURES:
        right = [a.measures[m] for a in answers if a.shown and a.measures and a.exact]
        wrong = [a.measures[m] for a in answers if a.shown and a.measures and not a.exact]
        med = (
            f"median exact {statistics.median(right):.3f}, wrong {statistics.median(wrong):.3f}"
            if right and wrong
            else "too few to compare"
        )
        quartiles = (
            f"; exact p10 {sorted(right)[len(right) // 10]:.3f}, wrong p75 "
            f"{sorted(wrong)[3 * len(wrong) // 4]:.3f}"
            if right and wrong
            else ""
        )
        print(f"    {m:<5} {med}{quartiles}, AUROC {auroc(answers, m):.3f}")


def save(path: Path | None, run_name: str, answers: list[Answer]) -> None:
    """Append ``answers`` to ``path`` (if given), one JSON object a line, for other cuts."""
    if path is None:
        return
    with path.open("a") as out:
        for a in answers:
            row = {
                "run": run_name, "path": a.stroke.path, "typed": a.stroke.typed,
                "target": a.stroke.target, "text": a.text, "source": a.source,
                "gated": a.gated, "exact": a.exact, "confidence": a.measures,
                "prompt_tokens": a.prompt_tokens,
            }  # fmt: skip
            out.write(json.dumps(row) + "\n")


def sources_of(names: dict[str, list[str]]) -> dict[str, list[Path]]:
    return {kind: [_module_file(m) for m in modules] for kind, modules in names.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", default=",".join(TRACES), help="comma-separated")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--every", type=int, default=8, help="ask after every N keystrokes")
    parser.add_argument(
        "--keep",
        type=float,
        default=0.99,
        help="share of exact suggestions to keep when fitting (0.97 over-fitted: see README)",
    )
    parser.add_argument("--save", type=Path, help="write every answer here (JSON lines)")
    parser.add_argument("--measure", choices=MEASURES, help="skip choosing: use this measure")
    parser.add_argument("--threshold", type=float, help="skip fitting: use this threshold")
    add_set_option(parser)
    args = parser.parse_args()
    installed_model(load_settings(), MODEL)
    names = args.traces.split(",")
    extra = setting_overrides(args.set)
    off = {"CODESAGA_COMPLETION_GATE": "false", **extra}

    chosen: Fit | None = None
    fits: dict[str, Fit] = {}
    if args.threshold is None:
        fit_traces = build_traces(names, sources_of(FIT_SOURCES), args.every, args.seed)
        fitted = run("fit", fit_traces, off)
        save(args.save, "fit", fitted)
        print("\n== fit: files not in the completion trace, gate off")
        _, exact = describe("answers", fitted)
        print("  confidence of exact vs wrong suggestions:")
        separation(fitted)
        shown = sum(a.shown for a in fitted)
        for m in MEASURES if args.measure is None else (args.measure,):
            f = fits[m] = fit(fitted, m, args.keep)
            print(
                f"  {m:<5} threshold {f.threshold:.4f}: hides {f.hidden / max(shown, 1):.0%} "
                f"of shown, {f.lost} of {exact} exact"
            )
        chosen = max(fits.values(), key=lambda f: f.hidden)
        measure, limit = chosen.measure, chosen.threshold
    else:
        measure, limit = args.measure or "line", args.threshold
        fits[measure] = Fit(measure, limit, 0, 0)
    print(f"  gate: {measure} >= {limit:.4f}", flush=True)

    traces = build_traces(names, default_sources(), args.every, args.seed)
    baseline = run("off", traces, off)
    save(args.save, "off", baseline)
    print("\n== the completion trace's files")
    shown_off, exact_off = describe("gate off", baseline)
    print("  confidence of exact vs wrong suggestions:")
    separation(baseline)
    for m, f in fits.items():
        hidden, lost = gated_by(baseline, m, f.threshold)
        print(
            f"  offline, {m:<5} >= {f.threshold:.4f}: {hidden / max(shown_off, 1):.0%} fewer "
            f"shown, {(exact_off - lost) / max(exact_off, 1):.0%} of exact kept"
        )
    sweep = ", ".join(
        f"{t:.2f}: -{h / max(shown_off, 1):.0%} / {(exact_off - lost) / max(exact_off, 1):.0%}"
        for t in SWEEP
        for h, lost in [gated_by(baseline, measure, t)]
    )
    print(f"  offline {measure} threshold: fewer shown / exact kept: {sweep}", flush=True)
    on_env = {
        **extra,
        "CODESAGA_COMPLETION_GATE": "true",
        "CODESAGA_COMPLETION_GATE_MEASURE": measure,
        "CODESAGA_COMPLETION_GATE_THRESHOLD": str(limit),
    }
    gated = run("on", traces, on_env)
    save(args.save, "on", gated)
    shown_on, exact_on = describe(f"gate on ({measure} >= {limit:.4f})", gated)
    fewer = 1 - shown_on / max(shown_off, 1)
    kept = exact_on / max(exact_off, 1)
    print(
        f"  gate on vs off: {fewer:.0%} fewer shown (target >= {TARGET_FEWER:.0%}), "
        f"{kept:.0%} of exact kept (target >= {TARGET_KEPT:.0%}); exact among shown "
        f"{exact_off / max(shown_off, 1):.0%} -> {exact_on / max(shown_on, 1):.0%}"
    )


if __name__ == "__main__":
    main()
