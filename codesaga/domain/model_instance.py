"""ModelInstance: one loaded local model or remote upstream, with its usage metrics."""

from __future__ import annotations

from dataclasses import dataclass, field

from codesaga.domain.enums import ModelKind, ModelStatus


@dataclass
class ModelMetrics:
    usage_count: int = 0
    total_response_seconds: float = 0.0
    accepted: int = 0  # completions a client reported as accepted
    shown: int = 0  # completions a client reported as shown (accepted or rejected)

    @property
    def mean_response_seconds(self) -> float | None:
        return self.total_response_seconds / self.usage_count if self.usage_count else None

    @property
    def accuracy(self) -> float | None:
        """Accepted ÷ shown completions; unknown until a client reports feedback."""
        return self.accepted / self.shown if self.shown else None

    def record_response(self, seconds: float) -> None:
        self.usage_count += 1
        self.total_response_seconds += seconds


@dataclass
class ModelInstance:
    id: str
    kind: ModelKind
    name: str
    version: str
    status: ModelStatus = ModelStatus.LOADING
    last_used_at: float | None = None
    metrics: ModelMetrics = field(default_factory=ModelMetrics)
