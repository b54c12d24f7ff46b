"""What a task answers: the text, and how it came to be (model, usage, warnings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from codesaga.domain.enums import RequestType
from codesaga.domain.requests import Timings
from codesaga.engine.port import Finished


@dataclass
class TaskResult:
    request_id: str
    type: RequestType
    model: str
    text: str  # the answer, the whole new file, or the text to insert
    diff: str | None = None
    path: str | None = None
    applied: bool = False
    finished: Finished | None = None
    warnings: list[str] = field(default_factory=list)
    cached: bool = False
    source: str | None = None  # completions: model, cache, type-through or in-flight
    partial: bool = False
    candidates: list[str] | None = None  # completions, when several were asked for
    attempts: int = 1  # refactor and fix: the model answers it took to pass the checks
    failed_checks: list[str] = field(default_factory=list)  # why each failed answer failed
    confidence: float | None = None  # completions: the gate's measure, when known
    gated: bool = False  # completions: the gate hid the suggestion (text is empty)
    replace: int = 0  # completions: characters after the cursor the text replaces

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "request_id": self.request_id,
            "type": str(self.type),
            "model": self.model,
            "text": self.text,
        }
        if self.diff is not None:
            data.update(diff=self.diff, path=self.path, applied=self.applied)
            data.update(attempts=self.attempts, failed_checks=self.failed_checks)
        if self.finished is not None:
            f = self.finished
            data["usage"] = {
                "prompt_tokens": f.prompt_tokens,
                "prompt_tokens_evaluated": f.prompt_tokens_evaluated,
                "completion_tokens": f.completion_tokens,
                "prompt_seconds": round(f.prompt_seconds, 4),
                "generation_seconds": round(f.generation_seconds, 4),
            }
            data["usage"]["cached"] = self.cached
            data["finish_reason"] = f.reason  # "length": cut off at max_tokens
        if self.warnings:
            data["warnings"] = self.warnings
        if self.source is not None:
            data["source"] = self.source
            data["partial"] = self.partial
            data["gated"] = self.gated
            data["replace"] = self.replace
        if self.confidence is not None:
            data["confidence"] = round(self.confidence, 4)
        if self.candidates is not None:
            data["candidates"] = self.candidates
        return data


def timings_of(finished: Finished, queue_seconds: float = 0.0) -> Timings:
    return Timings(
        queue_seconds=queue_seconds,
        prompt_seconds=finished.prompt_seconds,
        generation_seconds=finished.generation_seconds,
        prompt_tokens=finished.prompt_tokens,
        prompt_tokens_evaluated=finished.prompt_tokens_evaluated,
        completion_tokens=finished.completion_tokens,
    )
