"""The scheduler with scripted fake engines: ordering, limits, cancellation, serialization."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from codesaga.daemon.scheduler import Scheduler
from codesaga.domain.enums import Role
from codesaga.domain.errors import BusyError, CancelledError, ModelFileError
from codesaga.domain.prompts import Message
from codesaga.engine.fake import FakeEngine
from codesaga.engine.port import CancelToken, GenerationRequest
from codesaga.model_files.store import ModelStore
from codesaga.protocol.jsonrpc import QUEUE_FULL, error_from_exception
from codesaga.service.engine_pool import EnginePool, ModelResolver, ResolvedModel
from codesaga.service.runner import Priority
from codesaga.settings import load_settings
from tests.ggufgen import write_gguf


class ExclusiveEngine(FakeEngine):
    """Fails the test if two threads ever generate on it at once."""

    def __init__(self) -> None:
        super().__init__(delay=0.01)
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()

    def stream(self, request, cancel=None):  # type: ignore[no-untyped-def]
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            yield from super().stream(request, cancel)
        finally:
            with self._lock:
                self.active -= 1


@pytest.fixture
def engine() -> ExclusiveEngine:
    return ExclusiveEngine()


@pytest.fixture
def scheduler(tmp_path: Path, engine: ExclusiveEngine) -> Iterator[Scheduler]:
    model = write_gguf(tmp_path / "m.gguf")
    settings = load_settings({"CODESAGA_HOME": str(tmp_path), "CODESAGA_MODEL": str(model)})
    loads: list[ResolvedModel] = []

    def factory(resolved: ResolvedModel) -> FakeEngine:
        loads.append(resolved)
        return engine

    pool = EnginePool(ModelResolver(settings, ModelStore(tmp_path / "models")), factory)
    sched = Scheduler(pool, max_queue=3)
    yield sched
    sched.close()


def ask(text: str) -> GenerationRequest:
    return GenerationRequest(messages=[Message("user", text)], max_tokens=500)


def in_thread(fn, *args, **kwargs) -> tuple[threading.Thread, dict[str, object]]:  # type: ignore[no-untyped-def]
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["result"] = fn(*args, **kwargs)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def wait_busy(scheduler: Scheduler) -> None:
    deadline = time.monotonic() + 5
    while not any(s["busy"] for s in scheduler.status()):
        assert time.monotonic() < deadline
        time.sleep(0.005)


def test_interactive_work_jumps_the_queue(scheduler: Scheduler, engine: ExclusiveEngine) -> None:
    engine.enqueue("long " * 30)
    engine.enqueue("batch")
    engine.enqueue("interactive")
    first, _ = in_thread(scheduler.run, Role.REFACTOR, ask("first"))
    wait_busy(scheduler)
    batch, _ = in_thread(scheduler.run, Role.REFACTOR, ask("batch"), priority=Priority.BATCH)
    time.sleep(0.05)
    fast, fast_box = in_thread(
        scheduler.run, Role.COMPLETION, ask("completion"), priority=Priority.INTERACTIVE
    )
    for t in (first, batch, fast):
        t.join(10)
    asked = [r.messages[-1].content for r in engine.history]
    assert asked == ["first", "completion", "batch"]
    assert engine.max_active == 1
    assert fast_box["result"].finished.text == "batch"  # type: ignore[attr-defined]


def test_a_full_queue_says_busy_at_once(scheduler: Scheduler, engine: ExclusiveEngine) -> None:
    engine.enqueue("x " * 50)
    threads = [in_thread(scheduler.run, Role.CHAT, ask(str(i)))[0] for i in range(1)]
    wait_busy(scheduler)
    threads += [in_thread(scheduler.run, Role.CHAT, ask(str(i)))[0] for i in range(3)]
    time.sleep(0.05)
    started = time.monotonic()
    with pytest.raises(BusyError, match="busy") as info:
        scheduler.run(Role.CHAT, ask("one too many"))
    assert error_from_exception(info.value).code == QUEUE_FULL  # what a client is sent
    assert time.monotonic() - started < 0.5
    for t in threads:
        t.join(10)


def test_cancel_a_queued_request_never_runs_it(
    scheduler: Scheduler, engine: ExclusiveEngine
) -> None:
    engine.enqueue("x " * 30)
    first, _ = in_thread(scheduler.run, Role.CHAT, ask("first"))
    wait_busy(scheduler)
    token = CancelToken()
    queued, box = in_thread(scheduler.run, Role.CHAT, ask("queued"), cancel=token)
    time.sleep(0.05)
    token.cancel()
    first.join(10)
    queued.join(10)
    assert isinstance(box["error"], CancelledError)
    assert [r.messages[-1].content for r in engine.history] == ["first"]


def test_cancel_a_running_request_stops_within_a_token(
    scheduler: Scheduler, engine: ExclusiveEngine
) -> None:
    engine.enqueue("tok " * 200)
    token = CancelToken()
    seen: list[str] = []

    def on_delta(text: str) -> None:
        seen.append(text)
        if len(seen) == 5:
            token.cancel()

    outcome = scheduler.run(Role.CHAT, ask("go"), on_delta=on_delta, cancel=token)
    assert outcome.finished.reason == "cancelled"
    assert outcome.finished.completion_tokens <= 6


def test_close_cancels_queued_and_running(scheduler: Scheduler, engine: ExclusiveEngine) -> None:
    engine.enqueue("x " * 500)
    running, run_box = in_thread(scheduler.run, Role.CHAT, ask("running"))
    wait_busy(scheduler)
    queued, queue_box = in_thread(scheduler.run, Role.CHAT, ask("queued"))
    time.sleep(0.05)
    started = time.monotonic()
    scheduler.close()
    running.join(5)
    queued.join(5)
    assert time.monotonic() - started < 2
    assert run_box["result"].finished.reason == "cancelled"  # type: ignore[attr-defined]
    assert isinstance(queue_box["error"], CancelledError)


def test_work_asked_for_after_close_is_refused_not_run_on_a_freed_model(
    scheduler: Scheduler, engine: ExclusiveEngine
) -> None:
    # A background completion asking as the --no-daemon command closes: before, it got a new
    # worker whose model close() was freeing (a segfault in llama.cpp), or waited forever.
    engine.enqueue("ok")
    scheduler.run(Role.CHAT, ask("warm"))
    [worker] = scheduler._workers.values()
    scheduler.close()
    with pytest.raises(CancelledError, match="shutting down"):
        scheduler.run(Role.CHAT, ask("too late"))
    with pytest.raises(CancelledError, match="shutting down"):
        worker.submit(Priority.NORMAL, lambda e: None, CancelToken())
    assert scheduler._workers == {} and len(engine.history) == 1


@pytest.mark.parametrize("idle", [Priority.SUGGESTION, Priority.SPECULATIVE, Priority.IDLE])
def test_work_someone_waits_for_preempts_speculation_and_warm_ups(
    scheduler: Scheduler, engine: ExclusiveEngine, idle: Priority
) -> None:
    engine.enqueue("guess " * 200)
    engine.enqueue("wanted")
    guess, guess_box = in_thread(scheduler.run, Role.COMPLETION, ask("guess"), priority=idle)
    wait_busy(scheduler)
    started = time.monotonic()
    outcome = scheduler.run(Role.REFACTOR, ask("wanted"), priority=Priority.BATCH)
    guess.join(10)
    assert outcome.finished.text == "wanted"
    assert time.monotonic() - started < 1.0  # not the 2 s the guess would take
    assert guess_box["result"].finished.reason == "cancelled"  # type: ignore[attr-defined]


@pytest.mark.parametrize("guess", [Priority.SPECULATIVE, Priority.IDLE])
def test_a_suggestion_preempts_speculation_and_warm_ups(
    scheduler: Scheduler, engine: ExclusiveEngine, guess: Priority
) -> None:
    engine.enqueue("guess " * 200)
    engine.enqueue("next edit")
    first, box = in_thread(scheduler.run, Role.COMPLETION, ask("guess"), priority=guess)
    wait_busy(scheduler)
    started = time.monotonic()
    outcome = scheduler.run(Role.COMPLETION, ask("edit"), priority=Priority.SUGGESTION)
    first.join(10)
    assert outcome.finished.text == "next edit"
    assert time.monotonic() - started < 1.0
    assert box["result"].finished.reason == "cancelled"  # type: ignore[attr-defined]


def test_speculation_does_not_preempt_speculation(
    scheduler: Scheduler, engine: ExclusiveEngine
) -> None:
    engine.enqueue("one " * 20)
    engine.enqueue("two")
    first, box = in_thread(scheduler.run, Role.COMPLETION, ask("1"), priority=Priority.SPECULATIVE)
    wait_busy(scheduler)
    scheduler.run(Role.COMPLETION, ask("2"), priority=Priority.IDLE)
    first.join(10)
    assert box["result"].finished.reason != "cancelled"  # type: ignore[attr-defined]


def test_one_file_under_several_spellings_is_one_model(tmp_path: Path) -> None:
    model = write_gguf(tmp_path / "m.gguf")
    (tmp_path / "a").mkdir()
    settings = load_settings({"CODESAGA_HOME": str(tmp_path), "CODESAGA_MODEL": str(model)})
    loads: list[ResolvedModel] = []

    def factory(resolved: ResolvedModel) -> FakeEngine:
        loads.append(resolved)
        return FakeEngine()

    pool = EnginePool(ModelResolver(settings, ModelStore(tmp_path / "models")), factory)
    sched = Scheduler(pool)
    try:
        for spelling in (model, tmp_path / "a" / ".." / "m.gguf", tmp_path / "." / "m.gguf"):
            sched.run(Role.COMPLETION, ask("x"), model=str(spelling))
        assert len(loads) == 1 and len(sched.status()) == 1
    finally:
        sched.close()


def test_a_model_file_replaced_on_disk_is_loaded_again(tmp_path: Path) -> None:
    # The engine was cached by path alone: a model pulled again, or a file renamed over it,
    # was never loaded; the daemon answered from the deleted file until it restarted.
    model = write_gguf(tmp_path / "m.gguf")
    settings = load_settings({"CODESAGA_HOME": str(tmp_path), "CODESAGA_MODEL": str(model)})
    engines: list[FakeEngine] = []

    def factory(resolved: ResolvedModel) -> FakeEngine:
        engines.append(FakeEngine(name=f"load {len(engines) + 1}"))
        return engines[-1]

    pool = EnginePool(ModelResolver(settings, ModelStore(tmp_path / "models")), factory)
    sched = Scheduler(pool)
    try:
        assert sched.run(Role.COMPLETION, ask("x")).finished
        assert sched.run(Role.COMPLETION, ask("x")).finished and len(engines) == 1
        os.replace(write_gguf(tmp_path / "new.gguf"), model)  # as `models pull` installs
        sched.run(Role.COMPLETION, ask("x"))
        assert len(engines) == 2 and engines[0].closed and not engines[1].closed
        assert list(pool.loaded().values()) == [engines[1]]
        model.rename(tmp_path / "moved.gguf")  # no file there: what was loaded stays
        assert pool.for_resolved(ResolvedModel("m", model, None, True)) is engines[1]
    finally:
        sched.close()


def test_a_file_that_fails_to_load_leaves_no_worker_behind(tmp_path: Path) -> None:
    model = write_gguf(tmp_path / "m.gguf")
    settings = load_settings({"CODESAGA_HOME": str(tmp_path), "CODESAGA_MODEL": str(model)})

    def factory(resolved: ResolvedModel) -> FakeEngine:
        if resolved.path.suffix != ".gguf":
            raise ModelFileError(f"{resolved.path} is not a GGUF model file")
        return FakeEngine()

    pool = EnginePool(ModelResolver(settings, ModelStore(tmp_path / "models")), factory)
    sched = Scheduler(pool)
    threads = threading.active_count()
    try:
        for i in range(20):  # a client naming file after file that is no model
            bogus = tmp_path / f"notes{i}.txt"
            bogus.write_text("hello")
            with pytest.raises(ModelFileError, match="not a GGUF"):
                sched.run(Role.COMPLETION, ask("x"), model=str(bogus))
        deadline = time.monotonic() + 5
        while threading.active_count() > threads and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sched.status() == [] and threading.active_count() == threads
        # A model that does load keeps its worker; asking for a bad file again tries again.
        assert sched.run(Role.COMPLETION, ask("x"), model=str(model)).finished.reason == "stop"
        with pytest.raises(ModelFileError):
            sched.run(Role.COMPLETION, ask("x"), model=str(tmp_path / "notes0.txt"))
        assert [s["model"] for s in sched.status()] == ["m.gguf"]
    finally:
        sched.close()


def test_a_model_unloaded_while_asked_for_is_never_closed_under_a_request(
    tmp_path: Path,
) -> None:
    # A request that came while unload waited for the worker got a new worker and the old
    # engine, which unload then closed under it (with llama.cpp, a crash).
    model = write_gguf(tmp_path / "m.gguf")
    settings = load_settings({"CODESAGA_HOME": str(tmp_path), "CODESAGA_MODEL": str(model)})
    engines: list[ClosingEngine] = []

    class ClosingEngine(ExclusiveEngine):
        closed = False
        misused: list[str] = []  # noqa: RUF012  # what went wrong, seen from any thread

        def stream(self, request, cancel=None):  # type: ignore[no-untyped-def]
            if self.closed:
                self.misused.append("a closed engine was used")
            time.sleep(0.3)  # a step a cancel cannot cut short (a long prompt batch)
            yield from super().stream(request, cancel)

        def close(self) -> None:
            if self.active:
                self.misused.append("closed while a request used it")
            self.closed = True

    def factory(resolved: ResolvedModel) -> FakeEngine:
        engines.append(ClosingEngine())
        engines[-1].enqueue("word " * 100)  # a second at 10 ms a token
        return engines[-1]

    pool = EnginePool(ModelResolver(settings, ModelStore(tmp_path / "models")), factory)
    sched = Scheduler(pool)
    try:
        first, _ = in_thread(sched.run, Role.COMPLETION, ask("x"))
        wait_busy(sched)
        unloading, _ = in_thread(sched.unload, model)
        time.sleep(0.05)  # unload waits for the running request's step to end
        second, later = in_thread(sched.run, Role.COMPLETION, ask("y"))
        for thread in (first, unloading, second):
            thread.join(10)
        assert "error" not in later, later
        assert ClosingEngine.misused == []
        assert engines[0].closed and len(engines) == 2  # the second ran on a fresh load
        assert engines[1].max_active == 1 and not engines[1].closed
    finally:
        sched.close()
