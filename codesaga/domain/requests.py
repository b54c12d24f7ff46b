"""The request record: what was asked, of which model, how it went."""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from codesaga.domain.enums import RequestStatus, RequestType
from codesaga.domain.fields import known_fields


def new_request_id() -> str:
    """16 hex digits that sort by creation: the millisecond (11 digits), then 5 random ones.
    The journal lists newest first by reading keys backwards, not every record."""
    return f"{time.time_ns() // 1_000_000:011x}{uuid.uuid4().hex[:5]}"


def made_at(request_id: str) -> float | None:
    """When a request id of ``new_request_id`` was made (epoch seconds); None for another."""
    try:
        return int(request_id[:11], 16) / 1000
    except ValueError:
        return None


@dataclass
class Timings:
    queue_seconds: float = 0.0
    prompt_seconds: float = 0.0  # until the first generated token
    generation_seconds: float = 0.0
    prompt_tokens: int = 0
    prompt_tokens_evaluated: int = 0  # after KV-cache prefix reuse
    completion_tokens: int = 0

    @property
    def tokens_per_second(self) -> float | None:
        if self.generation_seconds <= 0 or self.completion_tokens < 2:
            return None
        # The first token's time is in prompt_seconds; the rest are pure generation.
        return (self.completion_tokens - 1) / self.generation_seconds


@dataclass
class RequestRecord:
    id: str
    type: RequestType
    input: dict[str, Any]
    status: RequestStatus = RequestStatus.PENDING
    model: str | None = None
    output: str | None = None
    error: str | None = None
    created_at: float = 0.0
    finished_at: float | None = None
    cached: bool = False
    warnings: list[str] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)
    owner: str | None = None  # the process running it; one found dead never will finish it
    # Refactor and fix: the model answers it took, and why each refused one failed a check.
    attempts: int = 1
    failed_checks: list[str] = field(default_factory=list)
    # Completions: how sure the model was of the suggestion (domain/confidence.py's
    # measures), and whether the confidence gate hid it (its output is then empty).
    confidence: dict[str, float | int] | None = None
    gated: bool = False
    rated: bool | None = None  # the client's feedback (accepted?), counted once

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequestRecord:
        fields = known_fields(cls, data)
        fields["type"] = RequestType(fields["type"])
        fields["status"] = RequestStatus(fields["status"])
        fields["timings"] = Timings(**known_fields(Timings, fields.get("timings", {})))
        return cls(**fields)

    def transition(self, status: RequestStatus) -> None:
        if self.status.is_final:
            raise ValueError(f"request {self.id} is already {self.status}")
        self.status = status

    def abandon(self, reason: str) -> None:
        """No process runs this request any more (the one that did died): it failed. When it
        died is not known (``finished_at`` stays None): the time it was found, maybe days
        later, made a killed request look as if it had run that long."""
        self.transition(RequestStatus.FAILED)
        self.error = reason
