#!/usr/bin/env python3
"""Next-edit suggestions on real multi-place edits: where the next edit goes, and what it is.

The cases (next_edit_cases.py) come from other projects' histories: one file in one commit
whose hunks repeat one change (rename, signature change with its call sites, a similar
fix), and "noise" commits that change one place only. The first hunk (for a signature
change, the definition's) is the user's edit; the other hunks are the truth.

A fresh daemon with the 0.5B model is asked, over its WebSocket as the editor asks, for
each case: ``nextEdit`` with ``content`` (the file with the user's edit made), ``edits``
(that edit: its range in the file before it, its text and what it removed, narrowed to
the characters that differ, as an editor that diffs its snapshots sends it), the cursor at
the end of what the edit wrote, and the language; first as the editor asks (``maxEdits:
1``: it shows one suggestion and asks again once that one is taken or dismissed), timed,
then for every edit, timed and scored. Between the two, one single-line ``complete`` of the
same model at the same cursor (gate off) is timed: the peer of the model kinds' latency.

Measures (exactly as next_edit_scoring.py's docstring says): location hit (a suggestion's
lines meet a truth hunk's; per multi-place case), exact edit (a suggestion that makes the
truth's text, whitespace too; per suggestion), noise answered with nothing, reversals (a
suggestion that undoes some of the user's edit; per suggestion), and p50 / p95 latency per
case kind and per answer class (deterministic: only rename suggestions; model: any other),
of the editor's request and of the request for every edit. Targets (issue #22): location
hit >= 70 %, exact edit >= 35 %, noise empty >= 90 %, reversals <= 2 %, deterministic p50
<= 50 ms, model p50 <= 1.5x the completions' p50; the latencies are the editor's request's
(the wait for one model edit), the others the request for every edit's.

``--finder`` asks no daemon: it runs the finder of candidate places alone, in this process,
on every case (seconds for a set, no model), and prints its location hit (every candidate
counted as a suggestion at its place, a model candidate as if the model changed it: what
the model could reach at best) and its noise answered with nothing (a one-place case with
no candidate at all).

``--per-line`` sends each case's edit as editors and `codesaga next-edit` send theirs, one
edit per changed line (the bench's cases are one edit, the hunk, otherwise).

Usage: python bench/next_edit_bench.py [--limit N] [--kinds rename,...] [--data DIR]
       [--json OUT] [--set KEY=VALUE] [--per-line] | --finder [--data DIR] [--per-line]
       | --check-data [--data DIR]
Needs qwen2.5-coder-0.5b installed, and the cases built (python bench/next_edit_cases.py
build: it reads the fetched repositories the manifest names).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from completion_bench import WARM_UP, params, websocket_calls
from installed import add_set_option, fresh_daemon, installed_model, setting_overrides
from next_edit_cases import DATA, HUNKS, KINDS, ONE_HUNK, check, load_cases
from next_edit_scoring import (
    CaseScore,
    Suggestion,
    Target,
    location_hit,
    percentile,
    rates,
    score_case,
    targets,
)
from next_edit_text import Edit, Lines, Range

from codesaga.domain.edits import Span, TextEdit
from codesaga.settings import load_settings

MODEL = "qwen2.5-coder-0.5b"
ROOT = "/next-edit-bench"  # cases' paths are sent under it; the daemon reads no file there
Call = Callable[[str, dict[str, Any]], Any]


def cursor(case: dict[str, Any]) -> tuple[int, int]:
    """The end of what the user's last edit wrote, in ``content``. (Where that edit starts
    is the same in ``content`` as in the text it was made on: sent per line, the edits are
    made from the top down, so none before it moved it; ``before`` is the text before all.)"""
    user = Edit.from_json(case["edits"][-1])
    start = Lines(case["content"]).offset(user.range.start_line, user.range.start_column)
    return Lines(case["content"]).position(start + len(user.text))


def at_cursor(case: dict[str, Any]) -> dict[str, Any]:
    """The case's document and cursor, as both requests name them."""
    line, column = cursor(case)
    return {
        "path": f"{ROOT}/{case['repo']}/{case['path']}",
        "content": case["content"],
        "line": line,
        "column": column,
        "language": case["language"],
    }


def next_edit_params(case: dict[str, Any]) -> dict[str, Any]:
    return {**at_cursor(case), "edits": case["edits"]}


def per_line(case: dict[str, Any]) -> dict[str, Any]:
    """``case`` with the user's edit sent as editors and `codesaga next-edit` send it: one
    edit per changed line, made from the top down (the cursor then after the last)."""
    from codesaga.domain.edit_sequence import sequence
    from codesaga.protocol.params import wire_change

    if case["content"] is None:
        return case
    return {**case, "edits": [wire_change(e) for e in sequence(case["before"], case["content"])]}


def complete_params(case: dict[str, Any]) -> dict[str, Any]:
    return {**at_cursor(case), "multiline": False, "gate": False}


def require_next_edit(call: Call) -> None:
    info = call("initialize", {"client": {"name": "next-edit-bench"}})
    methods = info.get("capabilities", {}).get("methods", [])
    if "nextEdit" not in methods:
        sys.exit(
            "this daemon does not offer nextEdit (issue #22), so there is nothing to measure; "
            f"it offers: {', '.join(methods)}"
        )


def timed(call: Call, method: str, body: dict[str, Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = call(method, body)
    return result, time.perf_counter() - started


@dataclass(frozen=True)
class Row:
    case: dict[str, Any]
    score: CaseScore
    answer: list[Suggestion]
    error: str  # the daemon's error message, when nextEdit failed ("" otherwise)


EDITOR_MAX_EDITS = 1  # what the extension asks for (extension/src/nextEdit.ts)


def suggested(call: Call, body: dict[str, Any]) -> tuple[list[Suggestion], float, str]:
    """A nextEdit's suggestions, its time and its error ("" when it answered)."""
    started = time.perf_counter()
    try:
        result = call("nextEdit", body)
        answer, error = [Suggestion.from_json(e) for e in result.get("edits", [])], ""
    except RuntimeError as e:
        answer, error = [], str(e)
    return answer, time.perf_counter() - started, error


def ask(call: Call, case: dict[str, Any], completions: list[float]) -> Row:
    """One case: the editor's nextEdit, timed; a single-line completion, its time added to
    ``completions``; the nextEdit for every edit, timed and scored. The completion between
    them reads another prompt, so the second nextEdit does not find the first's rewrite
    prompt in the model's cache. An error of either nextEdit is kept in ``error`` (and the
    case left out of the figures)."""
    editor, editor_seconds, editor_error = suggested(
        call, {**next_edit_params(case), "maxEdits": EDITOR_MAX_EDITS}
    )
    completions.append(timed(call, "complete", complete_params(case))[1])
    answer, seconds, error = suggested(call, next_edit_params(case))
    score = score_case(case, answer, seconds, (editor, editor_seconds))
    return Row(case, score, answer, error or editor_error)


def run_cases(call: Call, cases: list[dict[str, Any]]) -> tuple[list[Row], list[float]]:
    """Each case's row, and the times of a single-line completion at each case's cursor."""
    require_next_edit(call)
    call("complete", params(WARM_UP))  # loads the model; not counted
    rows: list[Row] = []
    completions: list[float] = []
    for i, case in enumerate(cases):
        rows.append(ask(call, case, completions))
        if i % 20 == 0:
            print(f"  {i}/{len(cases)}", file=sys.stderr, flush=True)
    return rows, completions


def run(cases: list[dict[str, Any]], overrides: dict[str, str]) -> tuple[list[Row], list[float]]:
    """run_cases on a fresh daemon of the 0.5B model, over its WebSocket."""
    real = load_settings()
    with (
        fresh_daemon(real.models_dir, CODESAGA_MODEL=MODEL, **overrides) as settings,
        websocket_calls(settings) as call,
    ):
        return run_cases(call, cases)


def ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.0f}"


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def report_rows(rows: list[Row], completions: list[float]) -> list[Target]:
    """``report`` of the cases answered. A failed request is no answer at all: counted as
    "nothing", it raised the noise rate and lowered the latencies; it is left out, and said."""
    answered = [r.score for r in rows if not r.error]
    return report(answered, completions, sum(bool(r.error) for r in rows))


def report(scores: list[CaseScore], completions: list[float], errors: int) -> list[Target]:
    head = ["cases", "sugg", "hit", "exact", "1st ex", "noise 0", "revers", "p50 ms", "p95 ms"]
    print(f"\n{'case kind':<14}" + "".join(f"{h:>9}" for h in head))
    groups = {k: [s for s in scores if s.case_kind == k] for k in KINDS}
    for name, group in [*groups.items(), ("all", scores)]:
        if not group:
            continue
        r = rates(group)
        cells = [
            str(r.cases), str(r.suggestions), pct(r.location_hit), pct(r.exact),
            pct(r.first_exact), pct(r.noise_empty), pct(r.reversals), ms(r.p50), ms(r.p95),
        ]  # fmt: skip
        print(f"{name:<14}" + "".join(f"{c:>9}" for c in cells))
    editor = [s for s in scores if s.editor_seconds is not None]
    print(f"\n{'answer class':<14}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for title, timings in [
        (f"the editor's request (maxEdits {EDITOR_MAX_EDITS})", [s.waited for s in editor]),
        ("the request for every edit", [(s.seconds, s.answer_class) for s in scores]),
    ]:
        if not timings:
            continue
        print(title)
        for name in ("deterministic", "model", "empty"):
            times = [seconds for seconds, kind in timings if kind == name]
            p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
            print(f"  {name:<12}{len(times):>9}{ms(p50):>9}{ms(p95):>9}")
    c50, c95 = percentile(completions, 0.5), percentile(completions, 0.95)
    print(f"{'completion':<14}{len(completions):>9}{ms(c50):>9}{ms(c95):>9}  (single line)")
    if errors:
        print(f"\n{errors} nextEdit requests failed: left out of every figure above")
    found = targets(scores, completions)
    print(f"\n{'target':<30}{'measured':>10}{'goal':>10}  ")
    for t in found:
        goal = ("<= " if t.at_most else ">= ") + t.shown(t.goal)
        print(f"{t.name:<30}{t.shown(t.value):>10}{goal:>10}  {'met' if t.met else 'MISSED'}")
    return found


def row_json(row: Row) -> dict[str, Any]:
    suggestions = [
        {"range": s.range.to_json(), "text": s.text, "kind": s.kind, "confidence": s.confidence}
        for s in row.answer
    ]
    case = row.case
    return {
        "id": case["id"], "repo": case["repo"], "kind": case["kind"], "error": row.error,
        "score": asdict(row.score), "suggestions": suggestions,
    }  # fmt: skip


def save(path: Path, rows: list[Row], completions: list[float], found: list[Target]) -> None:
    data = {
        "model": MODEL,
        "cases": [row_json(row) for row in rows],
        "completion_seconds": completions,
        "targets": [{**asdict(t), "met": t.met} for t in found],
    }
    path.write_text(json.dumps(data, indent=1) + "\n")


def finder_places(case: dict[str, Any]) -> list[Range]:
    """Where the finder alone puts candidates for ``case`` (its own document's only: the
    bench sends no other), found as the daemon finds them."""
    from codesaga.service.next_edit import CANDIDATES
    from codesaga.service.next_edit_find import find_candidates

    history = []
    for edit in (Edit.from_json(e) for e in case["edits"]):
        r = edit.range
        span = Span(r.start_line, r.start_column, r.end_line, r.end_column)
        history.append(TextEdit(span, edit.removed, edit.text))
    found = find_candidates(
        case["content"], case["language"], history, cursor(case), {}, CANDIDATES
    )
    return [
        Range(c.span.start_line, c.span.start_column, c.span.end_line, c.span.end_column)
        for c in found
        if c.path is None
    ]


def report_finder(cases: list[dict[str, Any]]) -> None:
    """``--finder``: each kind's location hit (multi-place) or noise answered with nothing."""
    counts: dict[str, list[int]] = {}
    for case in cases:
        places = finder_places(case)
        if case["kind"] in QUIET:
            good = not places
        else:
            good = location_hit(
                [_at(r) for r in places], [Edit.from_json(t) for t in case["truth"]]
            )
        tally = counts.setdefault(case["kind"], [0, 0])
        tally[0] += good
        tally[1] += 1
    print(f"\n{'case kind':<14}{'cases':>9}{'measure':>16}{'rate':>9}")
    for kind in [*KINDS, HUNKS, ONE_HUNK]:
        if kind in counts:
            n, total = counts[kind]
            measure = "noise empty" if kind in QUIET else "location hit"
            print(f"{kind:<14}{total:>9}{measure:>16}{n / total:>9.1%}  ({n})")
    multi = [tally for kind, tally in counts.items() if kind not in QUIET]
    hits, total = sum(t[0] for t in multi), sum(t[1] for t in multi)
    if total:
        print(f"{'multi-place':<14}{total:>9}{'location hit':>16}{hits / total:>9.1%}  ({hits})")


QUIET = ("noise", ONE_HUNK)  # kinds where nothing should be suggested


def _at(place: Range) -> Suggestion:
    return Suggestion(place, "", "", 0.0)


def chosen(cases: list[dict[str, Any]], kinds: list[str], limit: int | None) -> list[Any]:
    """The cases of ``kinds``, at most ``limit`` of each, taking the projects in turn (a
    project's first case of a kind, then each project's second, ...), so that a short run
    still spans the projects."""
    seen: dict[tuple[str, str], int] = {}
    ranked = []
    for case in cases:
        if case["kind"] in kinds:
            key = (case["repo"], case["kind"])
            ranked.append((seen.get(key, 0), case))
            seen[key] = seen.get(key, 0) + 1
    ranked.sort(key=lambda pair: pair[0])  # stable: the set's order within a round
    taken: dict[str, int] = {}
    out = []
    for _, case in ranked:
        if limit is None or taken.get(case["kind"], 0) < limit:
            taken[case["kind"]] = taken.get(case["kind"], 0) + 1
            out.append(case)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the set (a held-out one)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated case kinds")
    parser.add_argument("--limit", type=int, help="at most this many cases of each kind")
    parser.add_argument("--json", type=Path, help="write every answer and score here")
    parser.add_argument("--check-data", action="store_true", help="validate the set; no run")
    parser.add_argument(
        "--finder", action="store_true", help="the finder of places alone: no daemon, no model"
    )
    parser.add_argument(
        "--per-line",
        action="store_true",
        help="send each case's edit as one edit per changed line, as editors and the CLI do "
        "(default: one edit, the hunk)",
    )
    add_set_option(parser)
    args = parser.parse_args()
    if args.check_data:
        sys.exit(0 if check(args.data) else 1)
    kinds = args.kinds.split(",")
    unknown = set(kinds) - set(KINDS)
    if unknown:
        sys.exit(f"unknown kinds {', '.join(sorted(unknown))}; choose from {', '.join(KINDS)}")
    loaded = load_cases(args.data)
    if any(c["kind"] in (HUNKS, ONE_HUNK) for c in loaded):
        if not args.finder:
            sys.exit(f"{args.data} is a broad sample (next_edit_cases.py sample): run it --finder")
        kinds += [HUNKS, ONE_HUNK]
    cases = chosen(loaded, kinds, args.limit)
    if args.per_line:
        cases = [per_line(c) for c in cases]
    bad = [c["id"] for c in cases if c["content"] is None]
    if bad:
        sys.exit(f"{len(bad)} cases do not apply (run with --check-data): {', '.join(bad[:5])}")
    if args.finder:
        print(f"{len(cases)} cases from {args.data}; the finder alone")
        report_finder(cases)
        return
    installed_model(load_settings(), MODEL)
    print(f"{len(cases)} cases from {args.data}", flush=True)
    rows, completions = run(cases, setting_overrides(args.set))
    found = report_rows(rows, completions)
    if args.json:
        save(args.json, rows, completions, found)


if __name__ == "__main__":
    main()
