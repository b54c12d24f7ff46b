"""Per-model statistics from journal records and completion feedback."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from codesaga.domain.enums import RequestStatus
from codesaga.domain.requests import RequestRecord


@dataclass(frozen=True)
class ModelStats:
    model: str | None  # None: the requests that failed before a model was chosen
    usage_count: int
    cached: int
    failed: int
    mean_seconds: float | None
    p95_seconds: float | None
    tokens_per_second: float | None
    last_used_at: float | None
    accepted: int
    shown: int

    @property
    def accuracy(self) -> float | None:
        """Accepted ÷ shown completions; unknown until a client reports feedback."""
        return self.accepted / self.shown if self.shown else None


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[rank]


def model_stats(
    records: list[RequestRecord], feedback: dict[str, tuple[int, int]]
) -> list[ModelStats]:
    """``feedback`` maps a model to (accepted, shown). Requests that failed before a model
    was chosen (not installed, a message too long) are counted under None, last: they were
    in no row, so the failures in the journal and those in the table differed."""
    by_model: dict[str | None, list[RequestRecord]] = defaultdict(list)
    for record in records:
        by_model[record.model or None].append(record)
    for rated in feedback:
        by_model.setdefault(rated, [])
    stats = []
    for model, group in sorted(by_model.items(), key=lambda item: (item[0] is None, item[0] or "")):
        done = [r for r in group if r.status == RequestStatus.COMPLETED and r.finished_at]
        seconds = [r.finished_at - r.created_at for r in done if r.finished_at]
        rates = [t for r in done if not r.cached and (t := r.timings.tokens_per_second)]
        accepted, shown = feedback.get(model, (0, 0)) if model else (0, 0)
        stats.append(
            ModelStats(
                model=model,
                usage_count=len(group),
                cached=sum(r.cached for r in group),
                failed=sum(r.status == RequestStatus.FAILED for r in group),
                mean_seconds=sum(seconds) / len(seconds) if seconds else None,
                p95_seconds=percentile(seconds, 0.95),
                tokens_per_second=sum(rates) / len(rates) if rates else None,
                last_used_at=max((r.created_at for r in group), default=None),
                accepted=accepted,
                shown=shown,
            )
        )
    return stats
