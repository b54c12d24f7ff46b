"""The scheduler: exactly one worker thread per loaded model, fed by a priority queue.

It implements the ModelRunner port, so the tasks run unchanged in the daemon. llama.cpp's
``Llama`` is not thread-safe: only a model's worker ever touches its engine. A full queue
refuses at once; a queued request can be cancelled before it starts, a running one between
two tokens.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from codesaga.domain.enums import Role
from codesaga.domain.errors import BusyError, CancelledError
from codesaga.engine.port import CancelToken, Engine, EngineInfo, GenerationRequest, collect
from codesaga.service.engine_pool import EnginePool, ResolvedModel
from codesaga.service.runner import OnDelta, Outcome, Priority

log = logging.getLogger(__name__)
T = TypeVar("T")
_SHUTDOWN = -1  # sorts before every real priority


@dataclass(order=True)
class _Job:
    priority: int
    seq: int
    work: Callable[[Engine], Any] | None = field(compare=False, default=None)
    cancel: CancelToken = field(compare=False, default_factory=CancelToken)
    future: Future[Any] = field(compare=False, default_factory=Future)
    enqueued_at: float = field(compare=False, default_factory=time.monotonic)
    started_at: float | None = field(compare=False, default=None)


class ModelWorker:
    """Owns one model: loads it on its own thread and runs jobs one at a time."""

    def __init__(self, pool: EnginePool, resolved: ResolvedModel, max_queue: int) -> None:
        self.resolved = resolved
        self.max_queue = max_queue
        self._pool = pool
        self._queue: queue.PriorityQueue[_Job] = queue.PriorityQueue()
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._pending = 0
        self._stopped = False
        self.running: _Job | None = None
        self._thread = threading.Thread(
            target=self._loop, name=f"model:{resolved.name}", daemon=True
        )
        self._thread.start()

    @property
    def queued(self) -> int:
        return self._pending

    def submit(
        self, priority: Priority, work: Callable[[Engine], T], cancel: CancelToken
    ) -> tuple[Future[T], _Job]:
        with self._lock:
            if self._stopped:  # its thread is ending: the job would wait forever
                raise CancelledError("the daemon is shutting down")
            if self._pending >= self.max_queue:
                raise BusyError(
                    f"{self.resolved.name} is busy: {self._pending} "
                    "requests are waiting; try again shortly",
                )
            self._pending += 1
            running = self.running
        if (
            running is not None
            and Priority(running.priority).preemptible
            and priority < running.priority
        ):
            running.cancel.cancel()  # speculation and warm-ups give way at once
        job = _Job(int(priority), next(self._seq), work, cancel)
        self._queue.put(job)
        return job.future, job

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job.work is None:
                return
            with self._lock:  # one step: a submit or stop in between would miss the job
                self._pending -= 1
                self.running = job
            if job.cancel.cancelled:
                self.running = None
                job.future.set_exception(CancelledError("cancelled before it started"))
                continue
            job.started_at = time.monotonic()
            try:
                engine = self._pool.for_resolved(self.resolved)
                job.future.set_result(job.work(engine))
            except BaseException as exc:  # delivered to the waiting caller
                job.future.set_exception(exc)
            finally:
                self.running = None

    def stop(self) -> None:
        """Cancel what is queued and running; the thread ends after the current token."""
        with self._lock:
            self._stopped = True
        if self.running is not None:
            self.running.cancel.cancel()
        drained = []
        while True:
            try:
                drained.append(self._queue.get_nowait())
            except queue.Empty:
                break
        for job in drained:
            if job.work is not None:
                job.future.set_exception(CancelledError("the daemon is shutting down"))
        self._queue.put(_Job(_SHUTDOWN, -1))

    def join(self, timeout: float | None) -> None:
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()


class Scheduler:
    """The daemon's ModelRunner: routes each request to its model's worker."""

    def __init__(self, pool: EnginePool, max_queue: int = 16) -> None:
        self.pool = pool
        self.max_queue = max_queue
        self._workers: dict[Path, ModelWorker] = {}
        # Models being unloaded, set when they are gone: a request for one waits for that,
        # or a new worker would take the engine about to be closed under it.
        self._unloading: dict[Path, threading.Event] = {}
        self._lock = threading.Lock()
        self._closed = False

    def _call(
        self,
        role: Role,
        work: Callable[[Engine], T],
        *,
        cancel: CancelToken | None = None,
        priority: Priority = Priority.NORMAL,
        model: str | None = None,
    ) -> tuple[T, ModelWorker, _Job]:
        resolved = self.pool.resolver.resolve(role, model)
        cancel = cancel or CancelToken()
        while True:
            with self._lock:  # submitted before another caller can drop the worker (below)
                if self._closed:  # a new worker would use a model that close() is freeing
                    raise CancelledError("the daemon is shutting down")
                unloading = self._unloading.get(resolved.path)
                if unloading is None:
                    worker = self._workers.get(resolved.path)
                    if worker is None:
                        worker = ModelWorker(self.pool, resolved, self.max_queue)
                        self._workers[resolved.path] = worker
                    future, job = worker.submit(priority, work, cancel)
                    break
            unloading.wait()  # then load it again
        try:
            return future.result(), worker, job
        except BaseException:
            self._drop_if_never_loaded(worker, job)
            raise

    def _drop_if_never_loaded(self, worker: ModelWorker, failed: _Job) -> None:
        """Stop the worker of a model that failed to load, once nothing else waits on it: a
        client naming file after file that is no model would otherwise leave a thread each
        (the next request for it makes a new worker, which tries the load again)."""
        path = worker.resolved.path
        with self._lock:
            if self._workers.get(path) is not worker or path in self.pool.loaded():
                return
            if worker.queued or worker.running not in (None, failed):
                return
            del self._workers[path]
        worker.stop()

    def info(
        self, role: Role, model: str | None = None, *, sources: Sequence[str] = ()
    ) -> tuple[EngineInfo, ResolvedModel]:
        resolved = self.pool.resolver.resolve(role, model)
        loaded = self.pool.loaded().get(resolved.path)
        if loaded is not None:  # info is immutable: no need to queue behind the model's work
            return loaded.info, resolved
        info, worker, _ = self._call(
            role, lambda engine: engine.info, priority=Priority.INTERACTIVE, model=model
        )
        return info, worker.resolved

    def count_tokens(self, role: Role, request: GenerationRequest, model: str | None = None) -> int:
        count, _, _ = self._call(
            role,
            lambda engine: engine.count_tokens(request),
            priority=Priority.INTERACTIVE,
            model=model,
        )
        return count

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
        cancel = cancel or CancelToken()

        def work(engine: Engine) -> Any:
            if on_start is not None:
                on_start(engine.info.name)
            return collect(engine, request, on_delta, cancel)

        finished, worker, job = self._call(
            role, work, cancel=cancel, priority=priority, model=model
        )
        waited = (job.started_at or job.enqueued_at) - job.enqueued_at
        return Outcome(finished, worker.resolved, queue_seconds=waited)

    def status(self) -> list[dict[str, Any]]:
        with self._lock:
            workers = list(self._workers.values())
        return [
            {
                "model": w.resolved.name,
                "path": str(w.resolved.path),
                "busy": w.running is not None,
                "queued": w.queued,
            }
            for w in workers
        ]

    def busy(self) -> bool:
        return any(s["busy"] or s["queued"] for s in self.status())

    def unload(self, path: Path, timeout: float = 10.0) -> None:
        """Stop a model's worker (after its current request) and free the model once the
        worker has ended; waits ``timeout`` seconds for that at most (a model still loading
        cannot be cut short: it is freed when its load is done). Requests for the model
        meanwhile wait, then load it again."""
        with self._lock:
            worker = self._workers.pop(path, None)
            gone = self._unloading.get(path)
            if gone is None:
                gone = self._unloading[path] = threading.Event()
                threading.Thread(
                    target=self._unload, args=(path, worker, gone), name="unload", daemon=True
                ).start()
        gone.wait(timeout)

    def _unload(self, path: Path, worker: ModelWorker | None, gone: threading.Event) -> None:
        try:
            if worker is not None:
                worker.stop()
                worker.join(None)
            self.pool.unload(path)
        finally:
            with self._lock:
                del self._unloading[path]
            gone.set()

    def close(self, timeout: float = 4.0) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._workers.values())
            self._workers.clear()
        for worker in workers:
            worker.stop()
        deadline = time.monotonic() + timeout
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        # An engine whose worker still runs (a load that cannot be cut short) is not closed
        # under it; the process's end frees it.
        self.pool.close(keep={w.resolved.path for w in workers if w.alive})
