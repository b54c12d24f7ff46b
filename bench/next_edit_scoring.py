"""Scoring the next-edit benchmark: pure functions of a case and the daemon's answer.

A case (next_edit_cases.py) has ``content`` (the file with the user's edit made), the user's
edit (its range in the file before it) and ``truth``: the commit's other hunks, ranges in
``content``. An answer is the daemon's ``nextEdit`` result: suggestions with a range in
``content``, a text, a kind and a confidence.

How each measure is computed:

- lines of a range: start_line..end_line, less the end line when the range ends at its
  column 1 (a range that covers whole lines ends at the next line's start); an empty range
  at column 1 also counts the line before (an insertion at the start of a line is the same
  change as one at the end of the line before);
- location hit (per multi-place case): at least one suggestion's lines meet the lines of at
  least one truth hunk; the rate is over the multi-place cases;
- exact edit (per suggestion): the suggestion applied to ``content`` gives exactly (every
  character, whitespace too) the text that applying the truth hunks its lines meet gives,
  or the text that applying any one truth hunk gives; the rate is over the suggestions
  made in multi-place cases (``first exact``, also printed, is over the cases: whether the
  first suggestion, the one an editor shows, is exact);
- noise answered with nothing (per noise case): the answer has no suggestion;
- reversal (per suggestion, in any case): the suggestion applied to ``content`` gives the
  file before the user's edit, or the suggestion, narrowed to the characters it changes,
  meets the span the user's edit wrote and deletes a token the user's edit added or adds a
  token it removed (or is the exact inverse of a whitespace-only edit); the rate is over
  all suggestions;
- latency: the wall time of the ``nextEdit`` request, grouped by the case's kind and by the
  answer's class: ``model`` (any suggestion the daemon says the model wrote; a daemon that
  does not say: any suggestion of a kind other than rename), ``deterministic`` (the other
  answers with suggestions: computed edits) or ``empty``;
- the latency targets: on the editor's request where it was made (``maxEdits: 1``, asked
  before the scored request: the extension shows one suggestion and asks again after it,
  so that is the time a programmer waits for a model edit), grouped by its own answer's
  class; else on the scored request. The scored request asks for every edit (up to 8,
  with up to 3 rewrites): the CLI's wait, printed beside it.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from next_edit_kinds import tokens
from next_edit_text import Edit, Lines, Range, apply_edits, narrowed

DETERMINISTIC = frozenset({"rename"})


@dataclass(frozen=True)
class Suggestion:
    range: Range
    text: str
    kind: str
    confidence: float
    model: bool | None = None  # the daemon says whether the model wrote it (None: not said)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Suggestion:
        return cls(
            Range.from_json(data["range"]),
            str(data["text"]),
            str(data.get("kind", "")),
            float(data.get("confidence", 0.0)),
            data.get("model"),
        )


def lines_of(r: Range) -> tuple[int, int]:
    """The first and last line a range is about (see the module's docstring)."""
    last = r.end_line - 1 if r.end_column == 1 and r.end_line > r.start_line else r.end_line
    empty = (r.start_line, r.start_column) == (r.end_line, r.end_column)
    first = r.start_line - 1 if empty and r.start_column == 1 and r.start_line > 1 else r.start_line
    return first, last


def meet(a: Range, b: Range) -> bool:
    a_first, a_last = lines_of(a)
    b_first, b_last = lines_of(b)
    return a_first <= b_last and b_first <= a_last


def location_hit(suggestions: Sequence[Suggestion], truth: Sequence[Edit]) -> bool:
    return any(meet(s.range, t.range) for s in suggestions for t in truth)


def applied(content: str, suggestion: Suggestion) -> str | None:
    """``content`` with the suggestion made; None when its range is not in ``content``."""
    try:
        return apply_edits(content, [Edit(suggestion.range, suggestion.text, "")], False)
    except ValueError:
        return None


def is_exact(suggestion: Suggestion, content: str, truth: Sequence[Edit]) -> bool:
    result = applied(content, suggestion)
    if result is None:
        return False
    met = [t for t in truth if meet(suggestion.range, t.range)]
    if met and result == apply_edits(content, met):
        return True
    return any(result == apply_edits(content, [t]) for t in truth)


def written_span(before: str, user: Edit) -> tuple[int, int]:
    """Offsets in ``content`` of the text the user's edit wrote (``user.range`` is in
    ``before``)."""
    start = Lines(before).span(user.range)[0]
    return start, start + len(user.text)


def is_reversal(suggestion: Suggestion, content: str, before: str, user: Edit) -> bool:
    result = applied(content, suggestion)
    if result is None:
        return False
    if result == before:
        return True
    lines = Lines(content)
    start, end = lines.span(suggestion.range)
    change = narrowed(lines, start, content[start:end], suggestion.text)
    c_start, c_end = lines.span(change.range)
    u_start, u_end = written_span(before, user)
    if not (c_start <= u_end and u_start <= c_end):
        return False
    if not tokens(user.text + user.removed):  # a whitespace-only edit
        return (change.removed, change.text) == (user.text, user.removed)
    deleted_added = Counter(tokens(change.removed)) & Counter(tokens(user.text))
    restored = Counter(tokens(change.text)) & Counter(tokens(user.removed))
    return bool(deleted_added or restored)


@dataclass(frozen=True)
class CaseScore:
    case_kind: str  # "rename" | "signature" | "similar" | "noise"
    suggestions: int
    hit: bool  # multi-place cases: a suggestion meets a truth hunk
    exact: int  # suggestions that are exact
    first_exact: bool
    reversals: int
    seconds: float
    answer_class: str  # "deterministic" | "model" | "empty"
    # the editor's request (``maxEdits: 1``), when it was made: its time and answer's class
    editor_seconds: float | None = None
    editor_class: str | None = None

    @property
    def waited(self) -> tuple[float, str]:
        """The time and answer class the latency targets are measured on."""
        if self.editor_seconds is None or self.editor_class is None:
            return self.seconds, self.answer_class
        return self.editor_seconds, self.editor_class


def answer_class(suggestions: Sequence[Suggestion]) -> str:
    if not suggestions:
        return "empty"
    written = [s.kind not in DETERMINISTIC if s.model is None else s.model for s in suggestions]
    return "model" if any(written) else "deterministic"


def score_case(
    case: dict[str, Any],
    answer: Sequence[Suggestion],
    seconds: float,
    editor: tuple[Sequence[Suggestion], float] | None = None,
) -> CaseScore:
    """``answer`` took ``seconds``; ``editor``: the editor's one-edit answer and its time."""
    content, before = case["content"], case["before"]
    truth = [Edit.from_json(t) for t in case["truth"]]
    user = Edit.from_json(case["edits"][-1])
    exact = [is_exact(s, content, truth) for s in answer] if truth else [False] * len(answer)
    return CaseScore(
        case_kind=case["kind"],
        suggestions=len(answer),
        hit=bool(truth) and location_hit(answer, truth),
        exact=sum(exact),
        first_exact=bool(exact) and exact[0],
        reversals=sum(is_reversal(s, content, before, user) for s in answer),
        seconds=seconds,
        answer_class=answer_class(answer),
        editor_seconds=editor[1] if editor else None,
        editor_class=answer_class(editor[0]) if editor else None,
    )


# -- the whole run ------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (nearest rank; the median for 0.5); None for no values."""
    if not values:
        return None
    if q == 0.5:
        return statistics.median(values)
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Rates:
    """The measures of a group of cases (see the module's docstring)."""

    cases: int
    suggestions: int
    location_hit: float | None  # over multi-place cases
    exact: float | None  # over suggestions in multi-place cases
    first_exact: float | None  # over multi-place cases
    noise_empty: float | None  # over noise cases
    reversals: float | None  # over all suggestions
    p50: float | None  # seconds
    p95: float | None


def rates(scores: Sequence[CaseScore]) -> Rates:
    multi = [s for s in scores if s.case_kind != "noise"]
    noise = [s for s in scores if s.case_kind == "noise"]
    made = sum(s.suggestions for s in multi)
    seconds = [s.seconds for s in scores]
    return Rates(
        cases=len(scores),
        suggestions=sum(s.suggestions for s in scores),
        location_hit=ratio(sum(s.hit for s in multi), len(multi)),
        exact=ratio(sum(s.exact for s in multi), made),
        first_exact=ratio(sum(s.first_exact for s in multi), len(multi)),
        noise_empty=ratio(sum(s.suggestions == 0 for s in noise), len(noise)),
        reversals=ratio(sum(s.reversals for s in scores), sum(s.suggestions for s in scores)),
        p50=percentile(seconds, 0.5),
        p95=percentile(seconds, 0.95),
    )


@dataclass(frozen=True)
class Target:
    name: str
    value: float | None  # None: nothing to measure in this run
    goal: float
    at_most: bool  # met when value <= goal (else when value >= goal)
    unit: str  # "%", "ms" or "x"

    @property
    def met(self) -> bool:
        if self.value is None:
            return False
        return self.value <= self.goal if self.at_most else self.value >= self.goal

    def shown(self, value: float | None) -> str:
        if value is None:
            return "n/a"
        if self.unit == "%":
            return f"{value:.1%}"
        return f"{value * 1000:.0f} ms" if self.unit == "ms" else f"{value:.2f}x"


def targets(scores: Sequence[CaseScore], completion_seconds: Sequence[float]) -> list[Target]:
    """The issue's targets, measured on ``scores``; ``completion_seconds`` are the times of
    single-line completions of the same model in the same run."""
    whole = rates(scores)
    waited = [s.waited for s in scores]
    deterministic = [seconds for seconds, kind in waited if kind == "deterministic"]
    model = percentile([seconds for seconds, kind in waited if kind == "model"], 0.5)
    completion = percentile(completion_seconds, 0.5)
    model_ratio = model / completion if model is not None and completion else None
    return [
        Target("location hit", whole.location_hit, 0.70, False, "%"),
        Target("exact edit", whole.exact, 0.35, False, "%"),
        Target("noise answered with nothing", whole.noise_empty, 0.90, False, "%"),
        Target("reversals", whole.reversals if whole.suggestions else 0.0, 0.02, True, "%"),
        Target("p50 deterministic", percentile(deterministic, 0.5), 0.050, True, "ms"),
        Target("p50 model / p50 completion", model_ratio, 1.5, True, "x"),
    ]
