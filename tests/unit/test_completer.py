"""The completer over the real scheduler and a scripted engine: cache, type-through,
in-flight reuse, latest wins, time budget, speculation, early stop, repository context."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from codesaga.daemon.scheduler import Scheduler
from codesaga.domain.completion import CompletionOptions
from codesaga.domain.completion_prompt import prompt_windows
from codesaga.domain.context import CodeContext
from codesaga.domain.errors import CancelledError
from codesaga.domain.fim import QWEN
from codesaga.domain.marked_text import MarkedText
from codesaga.engine.fake import FakeEngine
from codesaga.model_files.store import ModelStore
from codesaga.service import completer as completer_module
from codesaga.service import read_ahead
from codesaga.service.completer import MAX_WARM_UPS_WAITING, Completer, Completion
from codesaga.service.engine_pool import EnginePool, ModelResolver
from codesaga.service.prompt_reads import CHARS_PER_TOKEN
from codesaga.service.resolved_prompt import short_slot, window_limits
from codesaga.settings import Settings, load_settings
from tests.ggufgen import write_gguf

BEFORE = "def area(w, h):\n    x = "
AFTER = "\n    return x\n"
LINE = CompletionOptions(max_lines=8, multiline=False)


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine(delay=0.0)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    model = write_gguf(tmp_path / "m.gguf")
    return load_settings({"CODESAGA_HOME": str(tmp_path), "CODESAGA_MODEL": str(model)})


@pytest.fixture
def make(
    settings: Settings, engine: FakeEngine, tmp_path: Path
) -> Iterator[Callable[..., Completer]]:
    made: list[tuple[Scheduler, Completer]] = []

    def build(speculate: bool = False) -> Completer:
        pool = EnginePool(
            ModelResolver(settings, ModelStore(tmp_path / "models")), lambda r: engine
        )
        scheduler = Scheduler(pool)
        completer = Completer(settings, scheduler, speculate=speculate)
        made.append((scheduler, completer))
        return completer

    yield build
    for scheduler, completer in made:
        completer.close()
        scheduler.close()


@pytest.fixture
def no_read_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests over their read budget take the short window without reading any of the
    whole prompt first (what they do when that read is cut at once)."""
    monkeypatch.setattr(read_ahead, "LEAD_SHARE", 0.0)


def at(before: str, after: str = AFTER, path: str = "/w/geo.py") -> CodeContext:
    return CodeContext.around_cursor(path, before, after)


def in_thread(fn: Callable[[], Completion]) -> tuple[threading.Thread, dict[str, Any]]:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_cache_then_type_through_without_the_model(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    completer = make()
    engine.enqueue("w * h")
    first = completer.complete(at(BEFORE), LINE)
    assert (first.text, first.source) == ("w * h", "model")
    again = completer.complete(at(BEFORE), LINE)
    assert (again.text, again.source) == ("w * h", "cache")
    typed = completer.complete(at(BEFORE + "w *"), LINE)
    assert (typed.text, typed.source) == (" h", "type-through")
    assert len(engine.history) == 1
    assert completer.stats()["type-through"] == 1


def test_an_answer_cached_before_the_model_file_was_replaced_is_not_served(
    make: Callable[..., Completer], engine: FakeEngine, settings: Settings, tmp_path: Path
) -> None:
    completer = make()
    engine.enqueue("w * h")
    assert completer.complete(at(BEFORE), LINE).source == "model"
    # The model pulled again, or another renamed over it: the same name, another model.
    assert settings.model is not None
    os.replace(write_gguf(tmp_path / "new.gguf"), settings.model)
    engine.enqueue("h * w")
    again = completer.complete(at(BEFORE), LINE)
    assert (again.text, again.source) == ("h * w", "model")
    assert len(engine.history) == 2


def test_the_engine_is_told_where_the_cursor_is_for_token_healing(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    completer = make()
    engine.enqueue("w * h")
    completer.complete(at(BEFORE + "w"), LINE)
    request = engine.history[-1]
    assert request.prompt is not None and request.heal_at is not None
    assert request.prompt[: request.heal_at].endswith("    x = w")
    assert request.prompt[request.heal_at :].startswith("<|fim_suffix|>")
    # A space typed after code is left out of the prompt instead: nothing is healed.
    engine.enqueue("w * h")
    completer.complete(at(BEFORE), LINE)
    assert engine.history[-1].heal_at is None


def test_typing_something_else_asks_the_model(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    completer = make()
    engine.enqueue("w * h")
    completer.complete(at(BEFORE), LINE)
    engine.enqueue("area_of(w, h)")
    other = completer.complete(at(BEFORE + "a"), LINE)
    assert other.source == "model" and len(engine.history) == 2
    assert other.text == "area_of(w, h)"


def test_latest_wins_cancels_the_stale_generation(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    engine.delay = 0.02
    completer = make()
    engine.enqueue(["w"] + [" *"] * 200)
    thread, box = in_thread(lambda: completer.complete(at(BEFORE), LINE))
    wait_for(lambda: len(engine.history) == 1)
    engine.enqueue("h * w")
    newer = completer.complete(at("def area(w, h):\n    y = "), LINE)
    thread.join(5)
    assert isinstance(box.get("error"), CancelledError)
    assert newer.text == "h * w" and newer.source == "model"


def test_a_request_replaced_while_its_generation_waits_says_a_newer_one_replaced_it(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    engine.delay = 0.01
    completer = make()
    engine.enqueue(["w"] + [" *"] * 100)  # another document's generation holds the model
    busy, _ = in_thread(lambda: completer.complete(at(BEFORE, path="/w/other.py"), LINE))
    wait_for(lambda: len(engine.history) == 1)
    engine.enqueue("w * h")
    engine.enqueue("h * w")
    thread, box = in_thread(lambda: completer.complete(at(BEFORE), LINE))
    time.sleep(0.1)  # its generation is queued behind the other one
    newer = completer.complete(at("def area(w, h):\n    y = "), LINE)
    thread.join(5)
    busy.join(5)
    error = box.get("error")
    assert isinstance(error, CancelledError) and "newer completion" in str(error), error
    assert newer.source == "model"


def test_a_request_that_extends_a_running_one_reuses_it(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    engine.delay = 0.03
    completer = make()
    engine.enqueue("width * height + 0")
    thread, box = in_thread(lambda: completer.complete(at(BEFORE), LINE))
    wait_for(lambda: len(engine.history) == 1)
    typed = completer.complete(at(BEFORE + "wid"), LINE)
    thread.join(5)
    assert box["result"].text == "width * height + 0"
    assert (typed.text, typed.source) == ("th * height + 0", "in-flight")
    assert len(engine.history) == 1


def test_client_cancel_raises_but_keeps_the_generation_for_the_next_keystroke(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    from codesaga.engine.port import CancelToken

    engine.delay = 0.03
    completer = make()
    engine.enqueue("width * height")
    token = CancelToken()
    thread, box = in_thread(lambda: completer.complete(at(BEFORE), LINE, cancel=token))
    wait_for(lambda: len(engine.history) == 1)
    token.cancel()
    thread.join(5)
    assert isinstance(box.get("error"), CancelledError)
    typed = completer.complete(at(BEFORE + "w"), LINE)
    assert typed.text == "idth * height" and len(engine.history) == 1


def test_time_budget_returns_the_finished_lines(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    engine.delay = 0.05
    completer = make()
    engine.enqueue(["a = 1", "\n    ", "b = 2", "\n    "] + ["c"] * 100)
    options = CompletionOptions(max_lines=8, multiline=True, time_budget=0.5)
    started = time.monotonic()
    done = completer.complete(at("def f():\n    ", "\n"), options)
    assert time.monotonic() - started < 2.0
    assert done.partial and done.text == "a = 1\n    b = 2"


def test_generation_stops_once_the_suggestion_is_decided(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    completer = make()
    tokens = ["n = 1", "\n    ", "return x", "\n"] + ["junk()"] * 50
    engine.enqueue(tokens)
    done = completer.complete(at("def f():\n    ", AFTER), CompletionOptions(max_lines=8))
    assert done.text == "n = 1"
    assert done.finished is not None and done.finished.completion_tokens < 10


def test_speculation_prepares_the_next_line(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    completer = make(speculate=True)
    engine.enqueue("w * h")
    engine.enqueue("y = x + 1")
    completer.complete(at(BEFORE), LINE)
    wait_for(lambda: len(engine.history) == 2 and completer.stats().get("speculated") == 1)
    wait_for(lambda: not completer._inflight)
    accepted = completer.complete(at(BEFORE + "w * h\n    "), LINE)
    assert (accepted.text, accepted.source) == ("y = x + 1", "cache")
    assert len(engine.history) == 2


@pytest.mark.usefixtures("no_read_first")
def test_no_speculation_on_a_prompt_not_read_yet(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    """A guess whose prompt the model has not read would be a long read that the next
    keystroke waits for whole (it would find it in flight), instead of a short window."""
    completer = make(speculate=True)
    long_before = "".join(f"value_{i} = compute({i})\n" for i in range(200)) + "x = "
    completer._reads.speed = 50.0  # ~1,300 tokens at 50 tokens/s: far over the 1 s budget
    engine.delay = 0.005  # the whole prompt's read takes a while, as it does on a CPU
    engine.enqueue("1")
    completer.complete(at(long_before), LINE)  # a short window, then the whole prompt read
    wait_for(lambda: completer.stats().get("warm-ups") == 1)
    assert completer.stats().get("not speculated") == 1 and "speculated" not in completer.stats()


def test_repository_context_goes_first_and_waits_for_a_pause(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    completer = make()
    chunk = "def helper(a):\n    return a * 2\n\nHELPER_LIMIT = 10\n"
    completer.add_context("/w", "/w/lib/util.py", chunk, "opened")
    engine.enqueue("helper(w)")
    completer.complete(at(BEFORE), LINE, workspace="/w")
    prompt = engine.history[0].prompt or ""
    # Names relative to the workspace, as in the repositories models learn from.
    assert prompt.startswith("<|file_sep|>lib/util.py\ndef helper(a):")
    assert "<|file_sep|>geo.py\n<|fim_prefix|>" in prompt
    # A chunk pushed while the user types is used only after a pause, so the KV cache holds.
    completer.add_context("/w", "/w/other.py", "A = 1\nB = 2\nC = 3\n", "edited")
    engine.enqueue("z")
    completer.complete(at(BEFORE + "q"), LINE, workspace="/w")
    assert "other.py" not in (engine.history[1].prompt or "")


def test_a_cancelled_completion_is_typing_too(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    # Only an answered request counted as typing: with the model slower than the keys
    # (each request cancelled by the next), new chunks were swapped in mid-word and the
    # whole prompt after them read again.
    from codesaga.domain.errors import CancelledError
    from codesaga.engine.port import CancelToken
    from codesaga.service.context_rings import CONTEXT_REFRESH_IDLE

    pause = CONTEXT_REFRESH_IDLE * 0.6  # two of them: a pause since the answer, not the key
    completer = make()
    completer.add_context(
        "/w", "/w/lib/util.py", "def helper(a):\n    b = a\n    return b\n", "opened"
    )
    engine.enqueue("helper(w)")
    completer.complete(at(BEFORE), LINE, workspace="/w")
    completer.add_context("/w", "/w/other.py", "A = 1\nB = 2\nC = 3\n", "edited")
    time.sleep(pause)
    stopped = CancelToken()
    engine.delay = 0.05
    engine.enqueue("q r s t u v w x")
    threading.Timer(0.05, stopped.cancel).start()  # the next keystroke
    with contextlib.suppress(CancelledError):
        completer.complete(at(BEFORE + "q"), LINE, workspace="/w", cancel=stopped)
    engine.delay = 0.0
    time.sleep(pause)
    engine.enqueue("q")
    completer.complete(at(BEFORE + "qq"), LINE, workspace="/w")
    assert "other.py" not in (engine.history[-1].prompt or "")


def test_a_file_change_drops_stale_chunks(make: Callable[..., Completer]) -> None:
    completer = make()
    completer.add_context("ws", "/w/util.py", "a = 1\nb = 2\nc = 3\n", "saved")
    completer.refresh_file("/w/util.py", "a = 1\nb = 2\nc = 3\nd = 4\n")
    assert len(completer.ring("ws")) == 1  # still there, word for word
    completer.refresh_file("/w/util.py", "something else\n")
    assert len(completer.ring("ws")) == 0


def test_candidates_are_distinct(make: Callable[..., Completer], engine: FakeEngine) -> None:
    completer = make()
    for answer in ("w * h", "w * h", "h * w", "w * h * 1"):
        engine.enqueue(answer)
    done = completer.complete(at(BEFORE), CompletionOptions(multiline=False, candidates=3))
    assert done.candidates == ["w * h", "h * w", "w * h * 1"]


def test_a_newer_request_answered_from_the_cache_still_cancels_the_stale_one(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    completer = make()
    engine.enqueue("w * h")
    completer.complete(at(BEFORE), LINE)
    engine.delay = 0.02
    engine.enqueue(["1"] + [" +1"] * 200)
    thread, box = in_thread(lambda: completer.complete(at("z = "), LINE))
    wait_for(lambda: len(engine.history) == 2)
    assert completer.complete(at(BEFORE), LINE).source == "cache"
    thread.join(5)
    assert isinstance(box.get("error"), CancelledError)


def test_the_suffix_is_shortest_mid_line(tmp_path: Path) -> None:
    settings = load_settings({"CODESAGA_HOME": str(tmp_path)})
    after = "".join(f"\nline{i}" for i in range(40))
    limits = window_limits(settings)
    at_line_start = prompt_windows("def f():\n    ", after, None, limits)
    mid_line = prompt_windows("def f():\n    return ", after, None, limits)
    assert at_line_start.after.count("\n") == settings.completion_suffix_lines
    assert mid_line.after.count("\n") == settings.completion_suffix_lines_midline
    assert mid_line.before == "def f():\n    return" and mid_line.typed_space == " "


def test_warm_up_reads_the_documents_prompt_up_to_the_cursor_line(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    completer = make()
    text = "import math\n\ndef area(w, h):\n    x = w * h\n    return x\n"
    completer.warm("/w/geo.py", text, 4)
    wait_for(lambda: completer.stats().get("warm-ups") == 1)
    warm = engine.history[-1]
    assert warm.max_tokens == 0 and warm.cache_slot == "complete:/w/geo.py"
    assert warm.prompt is not None and warm.prompt.endswith("def area(w, h):\n")
    assert "x = w * h" not in warm.prompt  # the cursor's line is the typist's to change
    engine.enqueue("w * h")
    completer.complete(at("import math\n\ndef area(w, h):\n    x = "), LINE)
    real = engine.history[-1]
    assert real.prompt is not None and real.prompt.startswith(warm.prompt)  # shares it all
    stats = completer.stats()
    (doc,) = stats["documents"]
    assert doc["path"] == "/w/geo.py" and doc["warm-ups"] == 1 and doc["generations"] == 1
    # The read on opening is told apart: requests' own reuse can be seen without it.
    assert 0 < stats["opened_prompt_tokens"] < stats["prompt_tokens"]
    assert stats["opened_prompt_tokens_evaluated"] == stats["opened_prompt_tokens"]


def test_every_read_of_a_document_says_where_its_prompts_marks_are(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    # A file that spells the model's marks (a tokenizer's tests): its text is text to the
    # engine, in the warm-up's read and the completion alike; only the layout's are marks.
    completer = make()
    spelled = 'END = "<|fim_middle|>"  # <|im_end|>\n'
    text = f"{spelled}def area(w, h):\n    x = w * h\n    return x\n"
    completer.warm("/w/geo.py", text, 2)
    wait_for(lambda: completer.stats().get("warm-ups") == 1)
    engine.enqueue("w * h")
    completer.complete(at(f"{spelled}def area(w, h):\n    x = "), LINE)
    warm, real = engine.history[-2:]
    for request in (warm, real):
        assert request.prompt is not None and request.marks
        assert request.prompt.count("<|fim_middle|>") == (1 if request is warm else 2)
        marks = [request.prompt[start:end] for start, end in request.marks]
        assert marks == (
            ["<|fim_prefix|>"]
            if request is warm
            else ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"]
        )


def test_a_completion_cancels_a_warm_up_at_once(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    completer = make()
    gate = threading.Event()
    stream = engine.stream

    def slow_prefill(request: Any, cancel: Any = None) -> Any:
        if request.max_tokens == 0:  # a prompt read that takes until it is cancelled
            while not (cancel is not None and cancel.cancelled):
                gate.set()
                time.sleep(0.001)
        return stream(request, cancel)

    engine.stream = slow_prefill  # type: ignore[method-assign]
    completer.warm("/w/other.py", "a = 1\n" * 50, 40)
    assert gate.wait(5)
    engine.enqueue("w * h")
    started = time.monotonic()
    done = completer.complete(at(BEFORE), LINE)
    assert done.text == "w * h" and time.monotonic() - started < 2
    wait_for(lambda: completer.stats().get("warm-ups cancelled") == 1)


def test_a_burst_of_openings_warms_the_latest_few_and_completions_do_not_wait(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    # 400 documents opened at once queued 400 reads on the completer's workers, and a
    # completion's own work waited behind them for minutes.
    completer = make()
    stream = engine.stream
    reads: list[str] = []

    def slow_prefill(request: Any, cancel: Any = None) -> Any:
        if request.max_tokens == 0:
            reads.append(request.cache_slot)
            time.sleep(0.2)
        return stream(request, cancel)

    engine.stream = slow_prefill  # type: ignore[method-assign]
    for n in range(100):
        completer.warm(f"/w/m{n}.py", "a = 1\n" * 50, 40)
    engine.enqueue("w * h")
    started = time.monotonic()
    assert completer.complete(at(BEFORE), LINE).text == "w * h"
    assert time.monotonic() - started < 5  # one warm-up's read at most before it
    # (Whether a read is counted whole or cancelled depends on when the completion's own
    # work took the model: what is read is what counts.)
    wait_for(lambda: "complete:/w/m99.py" in reads and len(reads) >= 2)
    time.sleep(0.5)
    assert len(reads) <= 1 + MAX_WARM_UPS_WAITING


def test_opening_a_document_cancels_the_guess_running_for_another_one(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    """A speculation (up to completion_max_tokens) of the file the user left would hold up
    the warm-up of the file just opened, which runs after it."""
    completer = make(speculate=True)
    engine.enqueue("w * h")
    engine.enqueue(["x"] * 1000)  # the guess after accepting: long, a token at a time
    engine.delay = 0.05  # its completion_max_tokens take seconds
    completer.complete(at(BEFORE), LINE)
    wait_for(lambda: len(engine.history) == 2)  # the guess runs
    started = time.monotonic()
    completer.warm("/w/other.py", "a = 1\n" * 50, 40)
    wait_for(lambda: completer.stats().get("warm-ups") == 1)
    assert time.monotonic() - started < 2  # not after the guess's tokens
    assert engine.history[-1].cache_slot == "complete:/w/other.py"


@pytest.mark.usefixtures("no_read_first")
def test_a_warm_up_too_long_for_the_budget_reads_the_short_window_first(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    completer = make()
    head = "".join(f"value_{i} = compute({i})\n" for i in range(200))
    text = head + "x = 1\nprint(x)\n"
    completer._reads.speed = 50.0  # ~1,300 tokens at 50 tokens/s: over the 1 s budget
    completer.warm("/w/geo.py", text, 201)
    wait_for(lambda: completer.stats().get("warm-ups") == 2)
    short, whole = engine.history
    assert short.cache_slot == "short:complete:/w/geo.py" and short.max_tokens == 0
    assert whole.cache_slot == "complete:/w/geo.py" and whole.max_tokens == 0
    assert short.prompt is not None and whole.prompt is not None
    assert len(short.prompt) < 1000 < len(whole.prompt)
    # The first keystroke is answered from that short window, whose start it read.
    engine.enqueue("1")
    completer._reads.speed = 50.0
    completer._reads.reading("complete:/w/geo.py", "")  # as if the whole read had not finished
    assert completer.complete(at(head + "x = "), LINE).text == "1"
    asked = engine.history[-1]
    assert asked.cache_slot == short.cache_slot and asked.prompt is not None
    assert asked.prompt.startswith(short.prompt)


def test_a_warm_up_within_the_budget_reads_only_the_whole_prompt(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    completer = make()
    completer._reads.speed = 100_000.0  # a fast machine: the whole prompt fits the budget
    text = "".join(f"value_{i} = compute({i})\n" for i in range(200)) + "x = 1\n"
    completer.warm("/w/geo.py", text, 201)
    wait_for(lambda: completer.stats().get("warm-ups") == 1)
    (whole,) = engine.history
    assert whole.cache_slot == "complete:/w/geo.py"


def test_a_warm_up_reads_the_window_a_clipping_clients_requests_will_use(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    """A client that sends the last 3000 characters: a warm-up of all that fits (4000) would
    start before anything its requests send, and be read for nothing."""
    completer = make()
    completer._reads.speed = 100_000.0
    lines = "".join(f"value_{i} = compute({i})\n" for i in range(300))
    for typed in ("x = ", "x = 1"):  # the client's text slides on as the user types
        engine.enqueue("1")
        completer.complete(at((lines + typed)[-3000:], path="/w/a.py"), LINE)
    completer.warm("/w/b.py", lines + "y = 2\n", 301)
    wait_for(lambda: completer.stats().get("warm-ups") == 1)
    warm = engine.history[-1]
    assert warm.max_tokens == 0 and warm.prompt is not None
    assert 2000 < len(warm.prompt) < 2400  # three quarters of the 3000, from a line start
    engine.enqueue("2")
    completer.complete(at((lines + "y")[-3000:], path="/w/b.py"), LINE)
    assert (engine.history[-1].prompt or "").startswith(warm.prompt)  # all of it reused


def test_a_clipping_clients_first_request_after_a_warm_up_keeps_its_window(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    """The first file of a session: nothing learned, so the warm-up reads all that fits; the
    client's first request sends the last 3000 characters, which start after that window. It
    takes the window a slide would, so that the next keystroke's text still holds it."""
    completer = make()
    completer._reads.speed = 100_000.0
    lines = "".join(f"value_{i} = compute({i})\n" for i in range(600))  # ~14,000 chars
    completer.warm("/w/a.py", lines + "x = 1\n", 600)
    wait_for(lambda: completer.stats().get("warm-ups") == 1)
    prompts = []
    for typed in ("x = ", "x = 1"):
        engine.enqueue("7")  # not what is typed next: each keystroke asks the model
        completer.complete(at((lines + typed)[-3000:], path="/w/a.py"), LINE)
        prompts.append(engine.history[-1].prompt or "")
    first, second = (p[: p.index("x =")] for p in prompts)
    assert first == second  # the window did not move on the second keystroke
    assert 2000 < len(first) - first.index("value_") < 2400  # three quarters of the 3000


def test_a_first_request_from_a_client_known_to_clip_keeps_its_window(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    """Once clients are known to send 3000 characters, another file's first request (no
    warm-up) takes the window a slide would, rather than all it was sent."""
    completer = make()
    completer._reads.speed = 100_000.0  # no short windows
    lines = "".join(f"value_{i} = compute({i})\n" for i in range(300))
    for typed in ("x = ", "x = 1"):  # learns the reach: the text slid on
        engine.enqueue("1")
        completer.complete(at((lines + typed)[-3000:], path="/w/a.py"), LINE)
    other = lines.replace("value_", "other_")
    prompts = []
    for typed in ("y = ", "y = 2"):
        engine.enqueue("7")
        completer.complete(at((other + typed)[-3000:], path="/w/b.py"), LINE)
        prompts.append(engine.history[-1].prompt or "")
    first, second = (p[: p.index("y =")] for p in prompts)
    assert first == second and 2000 < len(first) - first.index("other_") < 2400


def test_window_anchors_are_kept_for_a_bounded_number_of_documents(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    completer = make()
    for k in range(completer_module.ANCHORS_KEPT + 5):
        engine.enqueue("1")
        completer.complete(at(BEFORE, path=f"/w/f{k}.py"), LINE)
    assert len(completer._anchors) == completer_module.ANCHORS_KEPT
    assert "/w/f0.py" not in completer._anchors and "/w/f4.py" not in completer._anchors


def test_stats_report_reuse_per_document(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    completer = make()
    for path, before in (("/w/a.py", BEFORE), ("/w/b.py", "y = "), ("/w/a.py", BEFORE + "h")):
        engine.enqueue("w * h")
        completer.complete(at(before, path=path), LINE)
    stats = completer.stats()
    assert [d["path"] for d in stats["documents"]] == ["/w/a.py", "/w/b.py"]  # recent first
    a = stats["documents"][0]
    assert a["generations"] == 2 and a["prompt_tokens"] > 0
    assert a["reuse"] == round(1 - a["prompt_tokens_evaluated"] / a["prompt_tokens"], 4)


@pytest.mark.usefixtures("no_read_first")
def test_a_budget_too_short_for_the_read_answers_from_a_short_window(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    completer = make()
    long_before = "".join(f"value_{i} = compute({i})\n" for i in range(200)) + "x = "
    # As measured on a slow machine: ~1,300 tokens to read at 50 tokens/s is 26 s.
    completer._reads.speed = 50.0
    engine.enqueue("1")
    budget = CompletionOptions(multiline=False, time_budget=1.0)
    done = completer.complete(at(long_before), budget)
    assert done.text == "1" and completer.stats()["short-window"] == 1
    wait_for(lambda: completer.stats().get("warm-ups") == 1)  # then the whole prompt is read
    assert "opened_prompt_tokens" not in completer.stats()  # a request's read, not an opening
    answered, read = engine.history
    assert answered.prompt is not None and read.prompt is not None
    assert len(answered.prompt) < 1000 < len(read.prompt) and read.max_tokens == 0
    assert answered.cache_slot == "short:complete:/w/geo.py"
    assert read.cache_slot == "complete:/w/geo.py"
    # The next keystroke finds the whole prompt read: it asks the model with all of it.
    engine.enqueue("2")
    again = completer.complete(at(long_before + "1"), budget)
    assert again.text == "2" and completer.stats()["short-window"] == 1
    assert engine.history[-1].prompt is not None and len(engine.history[-1].prompt) > 1000


@pytest.mark.usefixtures("no_read_first")
def test_a_short_window_answers_one_line_even_where_several_were_allowed(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    completer = make()
    long_before = "".join(f"value_{i} = compute({i})\n" for i in range(200)) + "def f():\n    "
    completer._reads.speed = 50.0  # ~1,300 tokens: 26 s, over the default 1 s
    engine.enqueue("a = 1\n    return a")
    several = CompletionOptions(max_lines=8, multiline=True)
    done = completer.complete(at(long_before, "\n"), several)
    assert completer.stats()["short-window"] == 1 and done.text == "a = 1"
    answered = next(r for r in engine.history if r.max_tokens > 0)
    assert "\n" in answered.stop  # the model stops at the line's end: it is not left to write


@pytest.mark.usefixtures("no_read_first")
def test_without_a_budget_the_read_budget_setting_decides(
    make: Callable[..., Completer], engine: FakeEngine, settings: Settings
) -> None:
    completer = make()
    long_before = "".join(f"value_{i} = compute({i})\n" for i in range(200)) + "x = "
    completer._reads.speed = 50.0  # ~1,300 tokens: 26 s, over the default 1 s
    engine.enqueue("1")
    assert completer.complete(at(long_before), LINE).text == "1"
    assert completer.stats()["short-window"] == 1
    wait_for(lambda: completer.stats().get("warm-ups") == 1)

    waits = make()  # completion_read_budget_ms 0: every request waits for its whole prompt
    waits._live.current = dataclasses.replace(settings, completion_read_budget_ms=0)
    waits._reads.speed = 50.0
    engine.enqueue("2")
    assert waits.complete(at(long_before, path="/w/other.py"), LINE).text == "2"
    assert waits.stats().get("short-window", 0) == 0
    assert engine.history[-1].prompt is not None and len(engine.history[-1].prompt) > 1000


@pytest.mark.usefixtures("no_read_first")
def test_a_read_ahead_cut_short_keeps_the_next_request_on_the_short_window(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    engine.delay = 0.05  # the background read takes ~2 s: the next keystroke comes first
    completer = make()
    long_before = "".join(f"value_{i} = compute({i})\n" for i in range(200)) + "x = "
    completer._reads.speed = 50.0
    engine.enqueue("1")
    assert completer.complete(at(long_before), LINE).text == "1"
    wait_for(lambda: any(r.max_tokens == 0 for r in engine.history))
    engine.enqueue("2")
    # The read was cancelled after a few steps: this request does not wait for the rest.
    assert completer.complete(at(long_before + "1"), LINE).text == "2"
    assert completer.stats()["short-window"] == 2
    asked = [r for r in engine.history if r.max_tokens > 0]
    assert all(r.cache_slot == "short:complete:/w/geo.py" for r in asked)


LONG_BEFORE = "".join(f"value_{i} = compute({i})\n" for i in range(200)) + "x = "


def after_a_short_window(
    completer: Completer, engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first request in the file, answered from a short window, then the model's state as
    if the whole prompt's read behind it had been cut at once: the short window is read."""
    with monkeypatch.context() as patch:
        patch.setattr(read_ahead, "LEAD_SHARE", 0.0)
        engine.enqueue("1")
        completer.complete(at(LONG_BEFORE), LINE)
        wait_for(lambda: completer.stats().get("warm-ups") == 1)
    completer._reads.reading("complete:/w/geo.py", "")
    completer._reader._idle_read.clear()
    del engine.history[:]


def test_over_its_budget_a_request_reads_part_of_its_whole_prompt_before_the_short_window(
    make: Callable[..., Completer], engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A typist who asks again at once leaves no pause to read the whole prompt in: each
    request over its budget reads a share of it first."""
    completer = make()
    completer._reads.speed = 500.0  # estimated: ~2.3 s to read the whole, over the 1 s budget
    after_a_short_window(completer, engine, monkeypatch)
    engine.delay = 0.05  # 32 tokens a step: the ~1,000 tokens take ~1.5 s
    engine.enqueue("2")
    assert completer.complete(at(LONG_BEFORE + "1"), LINE).text == "2"
    first, answered = engine.history[:2]
    assert first.max_tokens == 0 and first.cache_slot == "complete:/w/geo.py"
    assert answered.cache_slot == "short:complete:/w/geo.py"
    assert first.prompt is not None and first.read_seconds is not None
    # A fifth of the whole read, less the little left to read of the short window.
    share = read_ahead.LEAD_SHARE * len(first.prompt) / CHARS_PER_TOKEN / 500
    assert share - 0.05 < first.read_seconds <= share
    stats = completer.stats()
    assert stats["reads first cancelled"] == 1 and stats["short-window"] == 2


@pytest.mark.parametrize("slot", ["whole", "short"])
def test_reading_at_idle_priority_takes_the_turn_of_the_next_requests_read_first(
    make: Callable[..., Completer],
    engine: FakeEngine,
    monkeypatch: pytest.MonkeyPatch,
    slot: str,
) -> None:
    """An editor's warm-up (of the whole prompt, or of its short window when the file was
    opened) or the read behind a short window got through part of a prompt of the document
    before the request came: the request reads first that much less."""
    completer = make()
    completer._reads.speed = 500.0
    after_a_short_window(completer, engine, monkeypatch)
    prompt = completer._prompt(at(LONG_BEFORE + "1"), LINE, None, (), None)
    if slot == "whole":
        part = prompt.marked.upto(600)
        completer._reader.read(prompt.doc, prompt.slot, part, prompt.sources, None)
    else:  # the start of the short window it holds, as a warm-up reads it
        held = completer._reads._last[short_slot(prompt.doc)]
        start = MarkedText(held[:600], ((0, len(QWEN.prefix)),))
        completer._reader.read(prompt.doc, short_slot(prompt.doc), start, (), None)
        completer._reads.reading(short_slot(prompt.doc), held)
    del engine.history[:]
    engine.delay = 0.05
    engine.enqueue("2")
    assert completer.complete(at(LONG_BEFORE + "1"), LINE).text == "2"
    first = engine.history[0]
    assert first.max_tokens == 0 and first.read_seconds is not None
    share = read_ahead.LEAD_SHARE * len(prompt.text) / CHARS_PER_TOKEN / 500
    idle = 150 / 500  # seconds: the 600 characters the idle read got through, estimated
    assert share - idle - 0.05 < first.read_seconds <= share - idle


def test_a_request_with_its_own_time_budget_reads_first_for_half_of_it_at_most(
    make: Callable[..., Completer], engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its time budget is a deadline for the answer too: reading first must leave it time."""
    completer = make()
    completer._reads.speed = 100.0  # the whole read: ~11 s, a quarter of it ~3 s
    after_a_short_window(completer, engine, monkeypatch)
    engine.delay = 0.05
    engine.enqueue("2")
    own = CompletionOptions(max_lines=8, multiline=False, time_budget=1.0)
    answer = completer.complete(at(LONG_BEFORE + "1"), own)
    assert (answer.text, answer.partial) == ("2", False)
    first = engine.history[0]
    assert first.max_tokens == 0 and first.read_seconds is not None
    assert 0.3 < first.read_seconds <= read_ahead.LEAD_DEADLINE_SHARE * 1.0


def test_a_read_first_that_reads_it_all_answers_from_the_whole_prompt(
    make: Callable[..., Completer], engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    completer = make()
    completer._reads.speed = 500.0  # estimated over the budget; the engine is quicker
    after_a_short_window(completer, engine, monkeypatch)
    engine.enqueue("2")
    assert completer.complete(at(LONG_BEFORE + "1"), LINE).text == "2"
    read, answered = engine.history
    assert read.max_tokens == 0 and answered.cache_slot == "complete:/w/geo.py"
    assert answered.prompt == read.prompt
    stats = completer.stats()
    assert stats["reads first"] == 1 and stats["short-window"] == 1  # the first request's


def test_a_keystroke_during_a_read_first_cancels_it_and_replaces_its_request(
    make: Callable[..., Completer], engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    completer = make()
    completer._reads.speed = 500.0
    after_a_short_window(completer, engine, monkeypatch)
    engine.delay = 0.05
    older, box = in_thread(lambda: completer.complete(at(LONG_BEFORE + "1"), LINE))
    wait_for(lambda: any(r.max_tokens == 0 for r in engine.history))
    engine.enqueue("3")
    assert completer.complete(at(LONG_BEFORE + "12"), LINE).text == "3"
    older.join(5)
    assert isinstance(box.get("error"), CancelledError)  # it never asked the model
    assert [r.max_tokens > 0 for r in engine.history].count(True) == 1


def test_a_new_lines_suffix_is_no_longer_than_half_the_budget_reads(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    """The suffix follows the changed text, so every new line reads it again."""
    completer = make()
    after = "\n" + "".join(f"    total += weight_{i} * factor_{i} / scale\n" for i in range(40))
    slow = CompletionOptions(max_lines=8, multiline=True, time_budget=1.0)

    def suffix(speed: float, options: CompletionOptions) -> str:
        completer._reads.speed = speed
        engine.enqueue("pass")
        completer.complete(at("def f():\n    ", after, path=f"/w/{speed}.py"), options)
        prompt = engine.history[-1].prompt or ""
        return prompt.split("<|fim_suffix|>")[1].split("<|fim_middle|>")[0]

    # 200 tokens/s: half of 1 s reads ~350 characters, so the short window's 400.
    assert 300 < len(suffix(200.0, slow)) <= 400
    assert "short-window" not in completer.stats()  # the whole prompt, with that suffix
    # Fast enough for more: up to the setting's 1,500 characters.
    assert len(suffix(100_000.0, slow)) > 900
    # A request without a budget (the CLI) has the whole suffix, however slow.
    waits = dataclasses.replace(slow, time_budget=0.0)
    assert len(suffix(200.0, waits)) > 900


def test_a_budget_of_0_waits_for_the_whole_prompt(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    """What `codesaga complete` sends without --budget-ms: no short window, whatever the
    daemon's default read budget."""
    completer = make()
    long_before = "".join(f"value_{i} = compute({i})\n" for i in range(200)) + "x = "
    completer._reads.speed = 50.0  # ~1,300 tokens: 26 s, over the default 1 s
    engine.enqueue("1")
    waits = CompletionOptions(multiline=False, time_budget=0.0)
    assert completer.complete(at(long_before), waits).text == "1"
    assert completer.stats().get("short-window", 0) == 0
    assert engine.history[-1].prompt is not None and len(engine.history[-1].prompt) > 1000


@pytest.mark.usefixtures("no_read_first")
def test_before_any_read_is_measured_only_a_prompt_too_long_for_any_cpu_takes_a_short_window(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    """The session's first request, with no editor warm-up before it: its speed is unknown,
    so it is assumed fast (UNMEASURED_SPEED); still, no CPU reads ~1,300 tokens in 1 s."""
    completer = make()
    assert completer._reads.speed is None
    engine.enqueue("1")
    completer.complete(at("x = 1\ny = ", path="/w/small.py"), LINE)
    assert completer.stats().get("short-window", 0) == 0  # a few tokens: read whole
    long_before = "".join(f"value_{i} = compute({i})\n" for i in range(200)) + "x = "
    engine.enqueue("2")
    assert completer.complete(at(long_before), LINE).text == "2"
    assert completer.stats()["short-window"] == 1
    assert len(engine.history[-1].prompt or "") < 1000  # answered from the short window


def test_after_a_warm_up_the_rest_is_read_rather_than_a_short_window(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    """A warm-up read the document up to the cursor's line: what is left to read of the
    whole prompt costs less than a cold short window would, so the request reads it."""
    completer = make()
    text = "".join(f"value_{i} = compute({i})\n" for i in range(200))
    cursor = text.index("value_150")
    completer._reads.speed = 100_000.0  # fast when it warmed up: the document alone is read
    completer.warm("/w/geo.py", text, 151)
    wait_for(lambda: completer.stats().get("warm-ups") == 1)
    completer._reads.speed = 50.0  # so slow that the rest (~200 tokens) misses the 1 s budget
    engine.enqueue("1 + ")  # ends apart from `value_150` after the cursor (`1value_150`: dropped)
    assert completer.complete(at(text[:cursor], text[cursor:]), LINE).text == "1 + "
    assert completer.stats().get("short-window", 0) == 0
    assert engine.history[-1].cache_slot == "complete:/w/geo.py"


def test_a_speculation_leaves_the_window_where_the_real_request_put_it(
    engine: FakeEngine, tmp_path: Path
) -> None:
    model = write_gguf(tmp_path / "m.gguf")
    settings = load_settings(
        {
            "CODESAGA_HOME": str(tmp_path),
            "CODESAGA_MODEL": str(model),
            "CODESAGA_COMPLETION_PREFIX_CHARS": "240",
        }
    )
    pool = EnginePool(ModelResolver(settings, ModelStore(tmp_path / "models")), lambda r: engine)
    scheduler = Scheduler(pool)
    completer = Completer(settings, scheduler, speculate=True)
    try:
        top = "".join(f"ROW_{i} = {i}\n" for i in range(16))  # ~180 characters: all shown
        engine.enqueue("compute_the_total_of_every_row_in_the_table(ROW_0, ROW_1, ROW_2)")
        engine.enqueue("print(total)")  # the speculation: after accepting, the window moves
        completer.complete(at(top + "total = ", "\n"), LINE)
        wait_for(lambda: completer.stats().get("speculated") == 1 and len(engine.history) == 2)
        wait_for(lambda: not completer._inflight)
        assert not (engine.history[1].prompt or "").split("<|fim_prefix|>")[1].startswith("ROW_0")
        # the user typed something else: the window still starts where it was
        engine.enqueue("ROW_0 + ROW_1")
        completer.complete(at(top + "total = sum", "\n"), LINE)
        assert (engine.history[2].prompt or "").split("<|fim_prefix|>")[1].startswith("ROW_0 =")
    finally:
        completer.close()
        scheduler.close()


def test_past_an_auto_closed_bracket_a_replacing_client_gets_it_whole_and_others_cut(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    """`def wrap(` with the editor's `)` after the cursor: the model writes the line on,
    `self, width):`. A client that can replace gets it and replaces the `)`; the CLI (and
    any other) gets `self, width`, from the same cached answer, never `self, width):)`."""
    completer = make(speculate=True)
    cursor = at("class W:\n    def wrap(", ")\n        pass\n")
    engine.enqueue("self, width):")
    replacing = completer.complete(cursor, dataclasses.replace(LINE, replace_rest=True))
    assert (replacing.text, replacing.replaces) == ("self, width):", 1)
    # The guess of what follows accepting it is made on the line as it would then read.
    wait_for(lambda: completer.stats().get("speculated") == 1 and len(engine.history) == 2)
    guessed = engine.history[1].prompt or ""
    assert "def wrap(self, width):<|fim_suffix|>" in guessed.replace("\n        ", "")
    inserting = completer.complete(cursor, LINE)
    assert (inserting.text, inserting.replaces, inserting.source) == ("self, width", 0, "cache")


def test_candidates_past_an_auto_closed_bracket_are_insertions_once_each(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    completer = make()
    for answer in ("self, width):", "self, width)", "self, width, height):"):
        engine.enqueue(answer)
    options = CompletionOptions(multiline=False, candidates=3, replace_rest=True)
    done = completer.complete(at("class W:\n    def wrap(", ")\n"), options)
    assert (done.text, done.replaces) == ("self, width):", 1)
    # `self, width):` and `self, width)` are both `self, width` inserted: listed once.
    assert done.candidates == ["self, width", "self, width, height"]


def test_a_crlf_document_is_completed_as_lf_and_answered_in_crlf(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    # One-line answers stopped at "\n" and kept the "\r" before it; the rest of the line was
    # compared with its "\r" and doubled; the model was shown "\r\n" it never saw in training.
    completer = make()
    before = BEFORE.replace("\n", "\r\n") + "print('"
    engine.enqueue("hello world')\n    y = 2")
    one = completer.complete(at(before, "world')\r\n    return x\r\n"), LINE)
    assert one.text == "hello "
    assert "\r" not in (engine.history[-1].prompt or "")
    engine.enqueue("x = 1\n    y = 2\n")
    block = CompletionOptions(max_lines=8, multiline=True)
    many = completer.complete(at("def f():\r\n    ", "\r\n"), block)
    assert many.text == "x = 1\r\n    y = 2"


def test_a_space_typed_after_code_is_part_of_the_cache_key(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    # The prompt leaves such a space out, so `return` and `return ` shared a key, and the
    # answer cached for one came back for the other with its space wrong: `returnn % 2`.
    completer = make()
    engine.enqueue(" n % 2 == 0")
    spaced = completer.complete(at("def even(n):\n    return ", "\n"), LINE)
    assert spaced.text == "n % 2 == 0"
    engine.enqueue(" n % 2 == 0")
    bare = completer.complete(at("def even(n):\n    return", "\n"), LINE)
    assert bare.text == " n % 2 == 0" and bare.source == "model"


def test_the_text_below_the_suffix_is_read_once_in_front_of_the_prefix(
    make: Callable[..., Completer], engine: FakeEngine, settings: Settings
) -> None:
    """Mid-line the suffix is two lines; what follows them opens the prefix window, the same
    at every keystroke of the block and after the cursor moved down a line, so the KV cache
    keeps it."""
    completer = make()
    completer._live.current = dataclasses.replace(settings, completion_lookahead_chars=1000)
    above = "".join(f"value_{i} = compute({i}, scale)\n" for i in range(20)) + "def f(x):\n"
    after = "\n    return y\n\n\ndef g(x):\n    '''Double x, then add one.'''\n    return 2 * x\n"
    prompts = []
    for before in (above + "    '''Dou", above + "    '''Double x, th"):
        engine.enqueue("ble")
        completer.complete(at(before, after), LINE)
        prompts.append(engine.history[-1].prompt or "")
    prefix, _, suffix = prompts[0].partition("<|fim_suffix|>")
    assert "Double x, then" not in suffix  # two lines of suffix mid-line
    shared = prefix[: prefix.index("value_0")]  # the sibling's docstring, before the prefix
    assert "'''Double x, then add one.'''" in shared and "geo.py" not in shared
    assert prompts[1].startswith(shared + above + "    '''Double x, th")
    # The cursor moves down to the next line (its own two lines of suffix move with it).
    line, rest = after[1:].split("\n", 1)
    engine.enqueue("")
    completer.complete(at(above + "    '''Double x.'''\n" + line, "\n" + rest), LINE)
    assert (engine.history[-1].prompt or "").startswith(shared + above)


def test_a_request_cancelled_while_its_prompt_is_read_leaves_the_rest_unread_in_the_estimate(
    make: Callable[..., Completer], engine: FakeEngine, settings: Settings
) -> None:
    completer = make()
    # It waits for its whole prompt (~1,000 tokens, 32 a step: ~1.5 s).
    completer._live.current = dataclasses.replace(settings, completion_read_budget_ms=0)
    engine.prompt_delay = 0.05
    thread, _ = in_thread(lambda: completer.complete(at(LONG_BEFORE), LINE))
    wait_for(lambda: bool(engine.history))
    time.sleep(0.2)
    asked = engine.history[0]
    assert asked.cache_slot is not None and asked.prompt is not None
    slot, text = asked.cache_slot, asked.prompt
    assert completer._reads.unread(slot, text) == 0  # while it is read: as if read whole
    with completer._lock:
        completer._inflight.cancel_all()
    thread.join(5)
    wait_for(lambda: completer._reads.unread(slot, text) > 0)
    assert len(text) // 2 < completer._reads.unread(slot, text) < len(text)  # a few steps read


def test_a_suggestion_cut_off_by_the_token_limit_keeps_only_its_finished_lines(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    # Its last line stopped mid-string (`'yonder', 'z`), offered and cached as it was.
    completer = make()
    words = " ".join(f"'w{i}'," for i in range(300))  # past completion_max_tokens
    engine.enqueue(f"total = 0\nWORDS = [{words}")
    block = CompletionOptions(max_lines=8, multiline=True)
    assert completer.complete(at("import os\n", ""), block).text == "total = 0"
    engine.enqueue(f"[{words}")
    assert completer.complete(at("WORDS = ", "\n"), LINE).text == ""


@pytest.mark.parametrize(
    ("before", "answer", "want"),
    [
        # Two spaces typed before a comment, and the model's one: three, before.
        ("count = count + 1  ", [" #", " one"], "# one"),
        ("x = compute(a,  ", [" b", ")"], "b)"),
        ("y = x ", ["  +", " 1"], " + 1"),  # its second space is its own
        ("y = x ", ["+", " 1"], "+ 1"),
    ],
)
def test_the_answer_stands_its_leading_spaces_for_the_ones_typed(
    make: Callable[..., Completer], engine: FakeEngine, before: str, answer: list[str], want: str
) -> None:
    engine.enqueue(answer)
    assert make().complete(at(before, "\n"), LINE).text == want


def test_a_line_cut_off_by_the_token_limit_where_it_closed_what_it_opened_is_kept(
    make: Callable[..., Completer], engine: FakeEngine
) -> None:
    # Brackets balanced, the rest cut by the rules (a closer that closes nothing): whole.
    completer = make()
    engine.enqueue("elf.source)" + ")" * 300)
    assert completer.complete(at("spec = self.hook(s", "\n"), LINE).text == "elf.source)"
