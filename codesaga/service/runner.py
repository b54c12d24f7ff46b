"""The ModelRunner port: how the tasks reach a model.

In-process the DirectRunner calls the engine on the caller's thread; the daemon's Scheduler
implements the same port with one worker thread per model, queueing and cancellation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol

from codesaga.domain.enums import Role
from codesaga.engine.port import CancelToken, EngineInfo, Finished, GenerationRequest, collect
from codesaga.service.engine_pool import EnginePool, ResolvedModel

OnDelta = Callable[[str], None]


class Priority(IntEnum):
    """Lower runs first: a completion is typed against; batch work can wait."""

    INTERACTIVE = 0
    NORMAL = 1
    BATCH = 2
    # A suggestion an editor asked for after a typing pause (next edits): it is shown if it
    # comes, so it goes before guesses at the next keystroke and reading ahead (it stops
    # them), but nobody waits for it either.
    SUGGESTION = 3
    SPECULATIVE = 4  # a completion nobody asked for yet
    IDLE = 5  # reading a document's prompt ahead of its first completion

    @property
    def preemptible(self) -> bool:
        """Work nobody waits for: any request that someone waits for cancels it."""
        return self >= Priority.SUGGESTION


@dataclass(frozen=True)
class RunOptions:
    """How one request runs, whatever it asks: where its text streams to, what cancels it,
    how urgent it is, and which model answers (None: its role's)."""

    on_delta: OnDelta | None = None
    cancel: CancelToken | None = None
    priority: Priority = Priority.NORMAL
    model: str | None = None


NO_OPTIONS = RunOptions()  # not streamed, not cancellable, normal priority, the role's model


@dataclass(frozen=True)
class Outcome:
    finished: Finished
    model: ResolvedModel
    queue_seconds: float = 0.0
    cached: bool = False
    notes: tuple[str, ...] = ()  # how the request was routed, when that is news (failover)


class ModelRunner(Protocol):
    def info(
        self, role: Role, model: str | None = None, *, sources: Sequence[str] = ()
    ) -> tuple[EngineInfo, ResolvedModel]:
        """The engine's description (context size, FIM format), loading it if needed.

        ``model`` overrides the role's model for this call (a preset, file or name);
        ``sources``: the files a request for it will hold (private ones keep it local).
        """
        ...

    def count_tokens(
        self, role: Role, request: GenerationRequest, model: str | None = None
    ) -> int: ...

    def run(
        self,
        role: Role,
        request: GenerationRequest,
        *,
        on_delta: OnDelta | None = None,
        cancel: CancelToken | None = None,
        priority: Priority = Priority.NORMAL,
        on_start: Callable[[str], None] | None = None,
        model: str | None = None,
    ) -> Outcome:
        """Generate to the end (or cancellation); raises what the engine raises.

        ``on_start`` is called when the model starts on this request (after any queueing),
        with the model's name: a request that dies then is journaled with it.
        """
        ...

    def close(self) -> None: ...


class DirectRunner:
    """Runs on the calling thread: for the in-process CLI (--no-daemon) and tests."""

    def __init__(self, pool: EnginePool) -> None:
        self.pool = pool

    def info(
        self, role: Role, model: str | None = None, *, sources: Sequence[str] = ()
    ) -> tuple[EngineInfo, ResolvedModel]:
        engine, resolved = self.pool.for_role(role, model)
        return engine.info, resolved

    def count_tokens(self, role: Role, request: GenerationRequest, model: str | None = None) -> int:
        engine, _ = self.pool.for_role(role, model)
        return engine.count_tokens(request)

    def run(
        self,
        role: Role,
        request: GenerationRequest,
        *,
        on_delta: OnDelta | None = None,
        cancel: CancelToken | None = None,
        priority: Priority = Priority.NORMAL,
        on_start: Callable[[str], None] | None = None,
        model: str | None = None,
    ) -> Outcome:
        engine, resolved = self.pool.for_role(role, model)
        if on_start is not None:
            on_start(resolved.name)
        return Outcome(collect(engine, request, on_delta, cancel), resolved)

    def close(self) -> None:
        self.pool.close()
