from __future__ import annotations

from enum import StrEnum


class RequestType(StrEnum):
    COMPLETION = "completion"
    REFACTOR = "refactor"
    ERROR_FIX = "error-fix"
    GENERATE = "generate"
    CHAT = "chat"
    NEXT_EDIT = "nextEdit"  # the method's name: a suggestion of where and what to edit next


class RequestStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (RequestStatus.COMPLETED, RequestStatus.FAILED, RequestStatus.CANCELLED)


class Role(StrEnum):
    """What a model is used for; each role can point at its own model."""

    COMPLETION = "completion"
    REFACTOR = "refactor"
    FIX = "fix"
    GENERATE = "generate"
    CHAT = "chat"


class ModelKind(StrEnum):
    LOCAL = "local"
    REMOTE = "remote"


class ModelStatus(StrEnum):
    LOADING = "loading"
    READY = "ready"
    BUSY = "busy"
    UNAVAILABLE = "unavailable"
