"""The confidence gate through an in-process daemon with a scripted engine: what it hides,
what the journal and stats say, and how feedback moves (and keeps) its threshold."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codesaga.bootstrap import build_daemon
from codesaga.engine.fake import FakeEngine
from codesaga.inprocess import LocalClient
from codesaga.settings import load_settings
from tests.ggufgen import write_gguf

PREFIX = "def is_even(n):\n    return "
SURE = "n % 2 == 0"  # 9 word tokens at -0.05 each: the line's probability is exp(-0.45)
UNSURE = "n & 1"  # 5 tokens at -0.5: exp(-2.5), about 0.08
START = 0.3


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine(n_ctx=4096)


class Daemons:
    """In-process daemons on one home, one at a time (the next is the last restarted)."""

    def __init__(self, home: Path, model: Path, engine: FakeEngine) -> None:
        self.home, self.model, self.engine = home, model, engine
        self.running: LocalClient | None = None

    def start(self, **settings: str) -> LocalClient:
        self.stop()
        env = {
            "CODESAGA_HOME": str(self.home),
            "CODESAGA_MODEL": str(self.model),
            "CODESAGA_COMPLETION_SPECULATE": "false",  # no background use of the script
            "CODESAGA_COMPLETION_GATE_THRESHOLD": str(START),
            "CODESAGA_COMPLETION_GATE_TARGET": "0.3",
            **{f"CODESAGA_{k.upper()}": v for k, v in settings.items()},
        }
        loaded = load_settings(env)
        engine = self.engine
        self.running = LocalClient(loaded, build_daemon(loaded, lambda resolved: engine))
        return self.running

    def stop(self) -> None:
        if self.running is not None:
            self.running.close()
            self.running = None


@pytest.fixture
def daemons(tmp_path: Path, engine: FakeEngine) -> Iterator[Daemons]:
    started = Daemons(tmp_path / "home", write_gguf(tmp_path / "m.gguf"), engine)
    yield started
    started.stop()


def complete(client: LocalClient, prefix: str = PREFIX, **extra: Any) -> dict[str, Any]:
    params = {"prefix": prefix, "suffix": "\n", "path": "/w/even.py", **extra}
    result: dict[str, Any] = client.call("complete", params)
    return result


def lane(client: LocalClient) -> dict[str, Any]:
    [found] = client.call("stats", {})["gate"]["lanes"]
    return dict(found)


def test_the_gate_hides_a_low_confidence_suggestion_and_the_threshold_moves_with_feedback(
    daemons: Daemons, engine: FakeEngine
) -> None:
    client = daemons.start()
    engine.enqueue(SURE, logprobs=-0.05)
    shown = complete(client)
    assert shown["text"] == SURE and not shown["gated"]
    assert shown["confidence"] == pytest.approx(math.exp(-0.45), abs=1e-4)

    engine.enqueue(UNSURE, logprobs=-0.5)
    hidden = complete(client, PREFIX + "\n    return ")  # another cursor, another prompt
    assert hidden["text"] == "" and hidden["gated"]
    assert hidden["confidence"] == pytest.approx(math.exp(-2.5), abs=1e-4)
    record = client.call("requests/get", {"id": hidden["request_id"]})
    assert record["gated"] and record["output"] == "" and record["input"]["language"] == "python"
    assert record["confidence"]["tokens"] == 5

    # The same prompt again comes from the cache, and is hidden again, not shown as cached.
    again = complete(client, PREFIX + "\n    return ")
    assert again["source"] == "cache" and again["text"] == "" and again["gated"]
    # Typing the hidden suggestion's first character is no type-through: the model is asked.
    asked = len(engine.history)
    engine.enqueue(" & 1", logprobs=-0.5)
    typed = complete(client, PREFIX + "\n    return n")
    assert typed["source"] == "model" and len(engine.history) == asked + 1

    stats = client.call("stats", {})
    assert stats["completion"]["gated"] == 3
    assert lane(client) | {"threshold": None} == {
        "model": "m.gguf", "language": "python", "threshold": None, "factor": 1.0,
        "shown": 1, "gated": 3, "accepted": 0, "rejected": 0, "hidden_in_a_row": 3,
    }  # fmt: skip
    assert lane(client)["threshold"] == START

    # Rejections raise the threshold (fewer shown), an acceptance lowers it: each suggestion
    # rated once, however often its rating is sent.
    rated = [shown["request_id"]]
    for n in range(2):
        engine.enqueue(SURE, logprobs=-0.05)
        more = complete(client, f"# {n}\n" + PREFIX)
        assert not more["gated"]
        rated.append(more["request_id"])
    for request_id in rated[:2]:
        client.call("feedback", {"request_id": request_id, "accepted": False})
    raised = lane(client)["threshold"]
    assert raised == pytest.approx(START * math.exp(2 * 0.1 * 0.3), abs=1e-4)
    client.call("feedback", {"request_id": rated[2], "accepted": True})
    resent = client.call("feedback", {"request_id": rated[0], "accepted": False})
    assert resent["counted"] is False
    lowered = lane(client)
    assert lowered["threshold"] < raised
    assert (lowered["accepted"], lowered["rejected"]) == (1, 2)

    # Feedback on a hidden suggestion (no client shows one) teaches the gate nothing, nor
    # counts in the model's accuracy.
    def accuracy() -> tuple[int, int]:
        [model] = [m for m in client.call("stats", {})["models"] if m["model"] == "m.gguf"]
        return model["accepted"], model["shown"]

    rated_before = accuracy()
    client.call("feedback", {"request_id": hidden["request_id"], "accepted": False})
    assert lane(client)["threshold"] == lowered["threshold"]
    assert accuracy() == rated_before == (1, 3)

    restarted = daemons.start()  # the threshold and counts are kept per user, across restarts
    assert lane(restarted) == lowered


def test_off_it_shows_everything_and_a_person_asking_sees_the_suggestion(
    daemons: Daemons, engine: FakeEngine
) -> None:
    client = daemons.start()
    engine.enqueue(UNSURE, logprobs=-0.5)
    asked = complete(client, gate=False)  # what `codesaga complete` sends
    assert asked["text"] == UNSURE and not asked["gated"]

    off = daemons.start(completion_gate="false")
    engine.enqueue(UNSURE, logprobs=-0.5)
    shown = complete(off, PREFIX + "\n    return ")
    assert shown["text"] == UNSURE and not shown["gated"] and shown["confidence"] < START
    gate = off.call("stats", {})["gate"]
    assert not gate["enabled"] and gate["lanes"][0]["gated"] == 0
    # Off, feedback counts but does not move the threshold.
    off.call("feedback", {"request_id": shown["request_id"], "accepted": False})
    assert lane(off)["threshold"] == START and lane(off)["rejected"] == 1


def test_a_hidden_suggestion_typed_on_shows_its_rest_once_the_model_is_sure_of_it(
    daemons: Daemons, engine: FakeEngine
) -> None:
    # Hidden, a suggestion was forgotten: typing its unsure start asked the model again,
    # which may answer worse. Its rest, given the start the user typed, is judged anew.
    client = daemons.start()
    tokens = ["self", "._", "node", "2", "info", " =", " {}"]
    engine.enqueue(tokens, logprobs=[-2.5, -0.02, -0.02, -0.02, -0.02, -0.02, -0.02])
    body = "    def __init__(self):\n        "
    hidden = complete(client, body)
    assert hidden["gated"] and hidden["text"] == ""  # exp(-2.62): the first token unsure
    asked = len(engine.history)
    typed = complete(client, body + "self._no")
    assert typed["source"] == "type-through" and typed["text"] == "de2info = {}"
    assert not typed["gated"] and typed["confidence"] > START
    assert len(engine.history) == asked  # no model call
    assert lane(client)["shown"] == 1  # judged and counted when it was shown


def test_an_engine_that_reports_no_probabilities_is_never_gated(
    daemons: Daemons, engine: FakeEngine
) -> None:
    client = daemons.start()
    engine.enqueue(UNSURE)  # as a remote server: no log-probabilities
    result = complete(client)
    assert result["text"] == UNSURE and not result["gated"] and "confidence" not in result
    assert client.call("stats", {})["gate"]["lanes"] == []


def test_two_files_of_one_name_are_two_documents(
    daemons: Daemons, engine: FakeEngine, tmp_path: Path
) -> None:
    # The CLI names a file by what the user typed (`app.py`) and sends its path too: the
    # document was the name, so one app.py's suggestion was typed through in the other.
    client = daemons.start(COMPLETION_GATE="false")
    files = []
    for folder, text in (("a", "def f(total):\n    \n"), ("b", "def f(total):\n    ret\n")):
        (tmp_path / folder).mkdir()
        files.append(tmp_path / folder / "app.py")
        files[-1].write_text(text)
    engine.enqueue("return total")
    engine.enqueue("urn None")

    def ask(file: Path, column: int) -> str:
        params = {"path": str(file), "label": "app.py", "line": 2, "column": column}
        return str(client.call("complete", {**params, "timeBudgetMs": 0})["text"])

    assert ask(files[0], 5) == "return total"
    assert ask(files[1], 8) == "urn None"  # its own answer, not the other file's typed through


def test_a_threshold_learned_too_high_still_shows_one_in_a_while_and_comes_down(
    tmp_path: Path,
) -> None:
    # Raised above all the model says, the threshold hid everything: no suggestion shown,
    # no feedback, so it never came down, and it is kept across restarts.
    from codesaga.domain.confidence import Confidence
    from codesaga.service.confidence_gate import EXPLORE_AFTER, ConfidenceGate
    from codesaga.service.stores import MemoryStore

    settings = load_settings({"CODESAGA_HOME": str(tmp_path), "CODESAGA_COMPLETION_GATE": "true"})
    gate = ConfidenceGate(settings, MemoryStore())
    for _ in range(200):  # rejected, rejected: the factor at its widest
        gate.learn("m", "python", accepted=False)
    assert gate.threshold("m", "python") > 0.35
    sure_enough = Confidence(line=0.3, mean=0.3, least=0.3, tokens=4)  # under it
    decided = [gate.shows("m", "python", sure_enough) for _ in range(3 * EXPLORE_AFTER)]
    assert decided.count(True) == 3 and decided[EXPLORE_AFTER - 1]  # every EXPLORE_AFTER-th
    high = gate.threshold("m", "python")
    for _ in range(30):  # those shown are accepted: the threshold comes down
        gate.learn("m", "python", accepted=True)
    assert gate.threshold("m", "python") < high
    assert gate.shows("m", "python", sure_enough)


def test_stats_count_every_rated_model_and_every_failure_and_no_empty_suggestion(
    daemons: Daemons, engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A model named by its path lost its accuracy once its records left the window the
    # table is made of (only presets were looked up); requests that failed before a model
    # was chosen were in no row; and feedback on an empty suggestion, which no editor
    # showed, counted as shown.
    from codesaga.daemon.handlers import journal as handlers

    client = daemons.start(completion_gate="false")
    engine.enqueue(SURE, logprobs=-0.05)
    shown = complete(client)
    engine.enqueue("", logprobs=-0.05)
    empty = complete(client, "# other\n" + PREFIX)
    assert shown["text"] and not empty["text"]
    client.call("feedback", {"request_id": shown["request_id"], "accepted": True})
    client.call("feedback", {"request_id": empty["request_id"], "accepted": True})
    with pytest.raises(Exception, match="unknown model"):
        client.call("generate", {"prompt": "hi", "model": "qwen2.5-coder-7b"})
    monkeypatch.setattr(handlers, "STATS_RECORDS", 1)  # the failure alone is in the window
    models = {m["model"]: m for m in client.call("stats", {})["models"]}
    assert (models["m.gguf"]["accepted"], models["m.gguf"]["shown"]) == (1, 1)
    assert models["m.gguf"]["accuracy"] == 1.0 and models["m.gguf"]["usage_count"] == 0
    assert models[None]["failed"] == 1 and models[None]["usage_count"] == 1
