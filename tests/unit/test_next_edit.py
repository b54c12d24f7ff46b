"""Next-edit suggestions through an in-process daemon: a scripted engine (behind the real
scheduler) and a scripted finder of places, so what is tested is what the daemon does with
them: the history it keeps, the rewrites it keeps or drops, cancellation, the setting, the
journal, and the counts in stats."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from codesaga.bootstrap import build_daemon
from codesaga.domain.edits import Span, TextEdit
from codesaga.domain.errors import CancelledError, InputError, UsageError
from codesaga.domain.next_edit_locations import Candidate
from codesaga.engine.fake import FakeEngine
from codesaga.inprocess import LocalClient
from codesaga.protocol.params import wire_change
from codesaga.service.next_edit_rewrite import MAX_MODEL_CALLS
from codesaga.settings import load_settings
from tests.ggufgen import write_gguf

PATH = "/w/net.py"
BEFORE = (
    "def load(session):\n"
    "    a = fetch(url, headers)\n"
    "    log(a)\n"
    "    b = fetch(other, auth)\n"
    "    return a, b\n"
)
# The user's edit: an argument added to the first call.
EDIT = TextEdit(Span(2, 27, 2, 27), "", ", timeout=10")
CONTENT = BEFORE.replace("fetch(url, headers)", "fetch(url, headers, timeout=10)")
SECOND_CALL = Span(4, 9, 4, 27)  # "fetch(other, auth)"
# what the model writes after the prompt's last "+"
GOOD = "    b = fetch(other, auth, timeout=10)\n"


wire = wire_change


@dataclass
class Finder:
    """Answers with the candidates it is given, and records what it was asked."""

    candidates: list[Candidate] = field(default_factory=list)
    asked: list[tuple[str, str | None, list[TextEdit], tuple[int, int] | None]] = field(
        default_factory=list
    )
    others: list[dict[str, str]] = field(default_factory=list)  # the open documents given

    def __call__(
        self,
        content: str,
        language: str | None,
        history: Sequence[TextEdit],
        cursor: tuple[int, int] | None,
        others: Mapping[str, str] = {},  # the contract's signature; never mutated
        limit: int = 8,
    ) -> list[Candidate]:
        self.asked.append((content, language, list(history), cursor))
        self.others.append(dict(others))
        return self.candidates[:limit]


def similar(span: Span = SECOND_CALL, score: float = 0.7) -> Candidate:
    return Candidate(span, "similar", score, None)


class Daemon:
    def __init__(self, tmp_path: Path, engine: FakeEngine, finder: Finder) -> None:
        self.home, self.model = tmp_path / "home", write_gguf(tmp_path / "m.gguf")
        self.engine, self.finder = engine, finder
        self.client: LocalClient | None = None

    def start(self, **settings: str) -> LocalClient:
        self.stop()
        env = {
            "CODESAGA_HOME": str(self.home),
            "CODESAGA_MODEL": str(self.model),
            "CODESAGA_COMPLETION_SPECULATE": "false",  # no background use of the script
            **{f"CODESAGA_{k.upper()}": v for k, v in settings.items()},
        }
        loaded = load_settings(env)
        engine = self.engine
        daemon = build_daemon(loaded, lambda resolved: engine, next_edit_finder=self.finder)
        self.client = LocalClient(loaded, daemon)
        return self.client

    def stop(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine(n_ctx=4096)


@pytest.fixture
def finder() -> Finder:
    return Finder()


@pytest.fixture
def daemon(tmp_path: Path, engine: FakeEngine, finder: Finder) -> Iterator[Daemon]:
    started = Daemon(tmp_path, engine, finder)
    yield started
    started.stop()


def next_edit(client: LocalClient, **params: Any) -> dict[str, Any]:
    result: dict[str, Any] = client.call("nextEdit", {"path": PATH, "content": CONTENT, **params})
    return result


def test_edits_sent_with_document_edit_are_the_history_the_places_are_found_from(
    daemon: Daemon, finder: Finder
) -> None:
    client = daemon.start()
    first = TextEdit(Span(2, 27, 2, 27), "", ", ")
    second = TextEdit(Span(2, 29, 2, 29), "", "timeout=10")
    assert client.call("document/edit", {"path": PATH, **wire(first), "version": 1}) is None
    client.call("document/edit", {"path": PATH, **wire(second), "version": 2})
    client.call("document/edit", {"path": PATH, **wire(second), "version": 2})  # a duplicate
    client.call("document/edit", {"path": "/w/other.py", **wire(first)})
    next_edit(client, line=2, column=39)
    assert finder.asked == [(CONTENT, "python", [first, second], (2, 39))]

    # Edits sent with the request replace what was kept.
    next_edit(client, edits=[wire(EDIT)])
    assert finder.asked[-1][2] == [EDIT]
    # Edits that do not lead to the content are left out (here: all of them).
    stale = next_edit(client, content=BEFORE)
    assert finder.asked[-1][2] == []
    record = client.call("requests/get", {"id": stale["request_id"]})
    assert record["warnings"] == stale["warnings"] == ["left out 1 edit not in the content"]


def test_a_computed_edit_is_suggested_without_the_model_and_journaled(
    daemon: Daemon, finder: Finder, engine: FakeEngine
) -> None:
    client = daemon.start()
    rename = TextEdit(Span(4, 9, 4, 14), "fetch", "get")
    finder.candidates = [Candidate(rename.span, "rename", 0.9, rename)]
    result = next_edit(client, edits=[wire(EDIT)])
    assert result["edits"] == [
        {
            "range": {"startLine": 4, "startColumn": 9, "endLine": 4, "endColumn": 14},
            "text": "get",
            "kind": "rename",
            "confidence": 0.9,
            "model": False,
        }
    ]
    assert engine.history == []
    record = client.call("requests/get", {"id": result["request_id"]})
    assert (record["type"], record["status"]) == ("nextEdit", "completed")
    assert record["input"]["path"] == PATH and record["input"]["edits"] == 1
    listed = client.call("requests/list", {"type": "nextEdit"})["requests"]
    assert [r["id"] for r in listed] == [result["request_id"]]


def test_rewrites_the_model_cannot_make_are_said_why_and_the_computed_edits_answered(
    daemon: Daemon, finder: Finder, engine: FakeEngine
) -> None:
    client = daemon.start()
    rename = TextEdit(Span(4, 9, 4, 14), "fetch", "get")
    finder.candidates = [similar(score=0.95), Candidate(rename.span, "rename", 0.9, rename)]
    result = next_edit(client, edits=[wire(EDIT)], model="qwen2.5-coder-1.5b")  # not installed
    assert [e["kind"] for e in result["edits"]] == ["rename"]
    [warning] = result["warnings"]
    assert "not installed" in warning and "codesaga models pull qwen2.5-coder-1.5b" in warning
    assert engine.history == []
    record = client.call("requests/get", {"id": result["request_id"]})
    assert record["warnings"] == result["warnings"]
    assert "warnings" not in next_edit(client, edits=[wire(EDIT)])  # none to give: none named


def test_the_other_open_documents_of_the_workspace_are_read_and_named_in_their_edits(
    daemon: Daemon, finder: Finder, tmp_path: Path
) -> None:
    client = daemon.start()
    app, big, other = tmp_path / "app.py", tmp_path / "big.bin", tmp_path / "b.py"
    app.write_text("from client import fetch\nfetch(1)\n")
    big.write_bytes(b"\0binary\n" * 8)
    other.write_text("fetch = 1\n")
    for f in (app, big):
        text = f"{f.name} was opened\nline two\nline three\n"
        client.call("context/add", {"path": str(f), "text": text, "workspace": str(tmp_path)})
    client.call("context/add", {"path": str(other), "text": "x\ny\nz\n", "workspace": "/else"})
    there = TextEdit(Span(2, 1, 2, 6), "fetch", "get")
    stale = TextEdit(Span(1, 1, 1, 6), "fetch", "get")  # not what app.py says there
    finder.candidates = [
        Candidate(there.span, "rename", 0.7, there, str(app)),
        Candidate(stale.span, "rename", 0.7, stale, str(app)),
    ]
    result = next_edit(client, edits=[wire(EDIT)], workspace=str(tmp_path))
    assert finder.others[-1] == {str(app): app.read_text()}  # not binary, not another's
    assert [(e.get("path"), e["range"]["startLine"], e["text"]) for e in result["edits"]] == [
        (str(app), 2, "get")
    ]
    assert result["edits"][0]["removed"] == "fetch"
    next_edit(client, edits=[wire(EDIT)])  # no workspace: no other documents
    assert finder.others[-1] == {}


def test_the_model_rewrites_a_similar_place_from_a_diff_of_the_recent_change(
    daemon: Daemon, finder: Finder, engine: FakeEngine
) -> None:
    client = daemon.start()
    finder.candidates = [similar()]
    engine.enqueue(GOOD + "```\nThis adds a timeout.")  # an instruct model's chatter after it
    result = next_edit(client, edits=[wire(EDIT)], line=2, column=39)
    [suggestion] = result["edits"]
    assert suggestion["range"] == {
        "startLine": 4, "startColumn": 26, "endLine": 4, "endColumn": 26,
    }  # fmt: skip
    assert suggestion["text"] == ", timeout=10" and suggestion["kind"] == "similar"
    assert suggestion["model"] is True
    [asked] = engine.history
    assert asked.prompt is not None and asked.prompt_lookup and asked.temperature == 0
    assert (
        "-    a = fetch(url, headers)\n+    a = fetch(url, headers, timeout=10)\n" in asked.prompt
    )
    assert asked.prompt.endswith("@@ -4,1 +4,1 @@\n-    b = fetch(other, auth)\n+")
    assert "\n" in asked.stop  # a line replaces a line: its end ends the answer
    record = client.call("requests/get", {"id": result["request_id"]})
    assert record["model"] == "m.gguf" and record["timings"]["completion_tokens"] > 0
    assert '"kind": "similar"' in record["output"] and '"candidates": 1' in record["output"]


@pytest.mark.parametrize(
    "answer",
    [
        "    b = fetch(other, auth)\n",  # the same line: nothing to change
        ["    b = fetch(other, auth"] + [" x"] * 100,  # cut off: no whole line
        # the user only added (an argument); this takes one away, where it should add
        "    b = fetch(other, timeout=10)\n",
    ],
)
def test_a_rewrite_that_changes_nothing_or_is_cut_off_is_no_suggestion(
    daemon: Daemon, finder: Finder, engine: FakeEngine, answer: str | list[str]
) -> None:
    client = daemon.start()
    finder.candidates = [similar()]
    engine.enqueue(answer)
    result = next_edit(client, edits=[wire(EDIT)])
    assert result["edits"] == [] and len(engine.history) == 1
    assert client.call("stats", {})["nextEdit"]["empty"] == 1


@pytest.mark.parametrize("answer", ["", "\n", "  \n"])
def test_a_rewrite_with_nothing_written_is_no_suggestion_not_a_blank_line(
    daemon: Daemon, finder: Finder, engine: FakeEngine, answer: str
) -> None:
    client = daemon.start()
    # the user took an argument away: a rewrite that takes the line away is not "unlike" it
    content = "def load(session):\n    a = fetch(url)\n    b = fetch(other, timeout=10)\n"
    edit = TextEdit(Span(2, 18, 2, 30), ", timeout=10", "")
    finder.candidates = [similar(Span(3, 5, 3, 33))]
    engine.enqueue(answer)
    result = next_edit(client, content=content, edits=[wire(edit)])
    assert result["edits"] == [] and len(engine.history) == 1


def test_a_rewrite_that_undoes_the_users_edit_is_no_suggestion(
    daemon: Daemon, finder: Finder, engine: FakeEngine
) -> None:
    client = daemon.start()
    renamed = "def load(session):\n    res = fetch(url)\n    log(res)\n"
    edit = TextEdit(Span(2, 5, 2, 11), "result", "res")  # the user renamed result to res
    finder.candidates = [similar(Span(3, 5, 3, 13))]
    engine.enqueue("    log(result)\n")  # the other way round
    result = next_edit(client, content=renamed, edits=[wire(edit)])
    assert result["edits"] == [] and len(engine.history) == 1


def test_at_most_a_few_rewrites_per_request(
    daemon: Daemon, finder: Finder, engine: FakeEngine
) -> None:
    client = daemon.start()
    lines = [f"    x{i} = fetch(u{i}, h{i})\n" for i in range(6)]
    content = "def f():\n    a = fetch(url, headers, timeout=10)\n" + "".join(lines)
    finder.candidates = [similar(Span(3 + i, 5, 3 + i, 20), 0.9 - i / 10) for i in range(6)]
    for i in range(6):
        engine.enqueue(f"    x{i} = fetch(u{i}, h{i}, timeout=10)\n")
    result = next_edit(client, content=content, edits=[wire(EDIT)])
    assert len(engine.history) == MAX_MODEL_CALLS
    assert [e["range"]["startLine"] for e in result["edits"]] == [3, 4, 5]  # the best first


def run_in_thread(call: Any) -> tuple[threading.Thread, list[Any]]:
    """``call()`` on a thread; its result or exception lands in the returned list."""
    out: list[Any] = []

    def target() -> None:
        try:
            out.append(call())
        except Exception as exc:
            out.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    return thread, out


def wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_an_edit_of_the_document_cancels_its_running_next_edit(
    daemon: Daemon, finder: Finder, engine: FakeEngine
) -> None:
    engine.delay = 0.1  # a rewrite of the line may take 37 tokens: 3.7 s
    client = daemon.start()
    finder.candidates = [similar()]
    engine.enqueue(["    b = fetch(other, auth"] + [" x"] * 300)  # slow: 300 tokens
    thread, out = run_in_thread(lambda: next_edit(client, edits=[wire(EDIT)]))
    wait_for(lambda: engine.history)
    client.call("document/edit", {"path": "/w/another.py", **wire(EDIT)})  # not this one
    time.sleep(0.1)
    assert thread.is_alive()
    client.call("document/edit", {"path": PATH, **wire(TextEdit(Span(1, 1, 1, 1), "", "#"))})
    thread.join(5)
    [error] = out
    assert isinstance(error, CancelledError) and "was edited" in str(error)
    [record] = client.call("requests/list", {"type": "nextEdit"})["requests"]
    assert record["status"] == "cancelled"
    counts = client.call("stats", {})["nextEdit"]
    assert (counts["requests"], counts["suggested"], counts["empty"]) == (1, 0, 0)


def test_cancel_stops_a_next_edit(daemon: Daemon, finder: Finder, engine: FakeEngine) -> None:
    engine.delay = 0.1
    client = daemon.start()
    finder.candidates = [similar()]
    engine.enqueue(["    b"] + [" x"] * 300)
    thread, out = run_in_thread(lambda: next_edit(client, edits=[wire(EDIT)]))
    wait_for(lambda: engine.history)
    client.cancel_current()  # $/cancel of every request of the connection
    thread.join(5)
    assert isinstance(out[0], CancelledError)


def test_a_completion_takes_the_model_and_the_computed_edits_are_the_answer(
    daemon: Daemon, finder: Finder, engine: FakeEngine
) -> None:
    engine.delay = 0.1
    client = daemon.start()
    rename = TextEdit(Span(5, 15, 5, 16), "b", "c")
    finder.candidates = [similar(score=0.95), Candidate(rename.span, "rename", 0.9, rename)]
    engine.enqueue(["    b"] + [" x"] * 300)  # the rewrite: slow
    engine.enqueue("n % 2 == 0")  # the completion
    thread, out = run_in_thread(lambda: next_edit(client, edits=[wire(EDIT)]))
    wait_for(lambda: engine.history)
    completed = client.call("complete", {"prefix": "def f(n):\n    return ", "path": "/w/e.py"})
    assert completed["text"] == "n % 2 == 0"
    thread.join(5)
    [result] = out
    assert [e["kind"] for e in result["edits"]] == ["rename"]


def test_off_there_are_no_suggestions_and_nothing_is_kept(
    daemon: Daemon, finder: Finder, engine: FakeEngine
) -> None:
    client = daemon.start(next_edit="false")
    finder.candidates = [similar()]
    client.call("document/edit", {"path": PATH, **wire(EDIT)})
    assert next_edit(client, edits=[wire(EDIT)]) == {
        "request_id": None,
        "edits": [],
        "warnings": ["next edits are turned off (the setting next_edit): nothing was looked for"],
    }
    assert finder.asked == [] and engine.history == []
    assert client.call("requests/list", {"type": "nextEdit"})["requests"] == []
    assert client.call("stats", {})["nextEdit"]["requests"] == 0


def test_feedback_on_a_suggestion_counts_in_stats_across_restarts(
    daemon: Daemon, finder: Finder
) -> None:
    client = daemon.start()
    rename = TextEdit(Span(4, 9, 4, 14), "fetch", "get")
    finder.candidates = [Candidate(rename.span, "rename", 0.9, rename)]
    shown = next_edit(client, edits=[wire(EDIT)])
    finder.candidates = []
    next_edit(client)
    rated = client.call("feedback", {"request_id": shown["request_id"], "accepted": True})
    assert rated == {"model": None, "accepted": True}  # computed: no model wrote it
    # The same rating sent again (a client's retry) is counted once.
    again = client.call("feedback", {"request_id": shown["request_id"], "accepted": False})
    assert again == {"model": None, "accepted": True, "counted": False}
    expected = {"requests": 2, "suggested": 1, "empty": 1, "accepted": 1, "rejected": 0}
    assert client.call("stats", {})["nextEdit"] == expected
    assert daemon.start().call("stats", {})["nextEdit"] == expected


def test_wrong_params_are_refused_naming_the_field(daemon: Daemon) -> None:
    client = daemon.start()
    with pytest.raises(UsageError, match="missing parameter 'removed'"):
        client.call("document/edit", {"path": PATH, "range": wire(EDIT)["range"], "text": ""})
    with pytest.raises(UsageError, match=r"edits\[0\].range: lines and columns start at 1"):
        bad = wire(EDIT) | {"range": {**wire(EDIT)["range"], "startColumn": 0}}
        next_edit(client, edits=[bad])
    with pytest.raises(UsageError, match="parameter 'content' must be str"):
        next_edit(client, content=3)


def test_edits_sent_with_the_request_are_bounded_as_document_edits_are(
    daemon: Daemon, finder: Finder
) -> None:
    # Each document/edit is refused over the file size limit; the same edits sent with
    # nextEdit were taken at any size and kept for 15 minutes (7 MB each, 64 documents).
    client = daemon.start()
    paste = TextEdit(Span(1, 1, 1, 1), "", "x" * 300_000)
    with pytest.raises(InputError, match=r"the edits .* over the 1,048,576-byte limit"):
        next_edit(client, edits=[wire(paste)] * 4)
    assert finder.asked == []
    next_edit(client, edits=[wire(paste)] * 3)  # within it: taken, and nothing over it kept
    assert finder.asked[-1][2] == []


def test_a_crlf_document_gets_its_edits_in_its_own_line_ends(
    tmp_path: Path, engine: FakeEngine
) -> None:
    # The finder's lines kept their "\r": an edit at a line's end ran past it, removing the
    # "\r" and adding "s\r" (an editor would insert a stray line break); the history's CRLF
    # text went to the finder as it was.
    from codesaga.service.next_edit_find import find_candidates

    daemon = Daemon(tmp_path, engine, Finder())
    daemon.finder = find_candidates  # type: ignore[assignment]
    client = daemon.start()
    try:
        lines = ["    return value.bar(item)", "    return other.bar(item)", "    pass", ""]
        before = "\r\n".join(lines)
        content = before.replace("bar(item)", "bar(item)s", 1)
        plural = TextEdit(Span(1, 27, 1, 27), "", "s")
        result = client.call(
            "nextEdit", {"path": "/w/v.py", "content": content, "edits": [wire(plural)]}
        )
        computed = [e for e in result["edits"] if not e["model"]]
        assert computed, result
        for edit in computed:
            assert edit["range"]["endLine"] == 2 and edit["range"]["endColumn"] <= 28
            assert edit["text"] == "s"
    finally:
        daemon.stop()


@pytest.mark.parametrize("bound", [False, True])
def test_a_rewrite_that_reads_another_functions_local_is_no_suggestion(
    daemon: Daemon, finder: Finder, engine: FakeEngine, bound: bool
) -> None:
    client = daemon.start()
    # the user passed load's own `timeout` on; save has none unless it is its parameter
    header = "def save(session, timeout):\n" if bound else "def save(session):\n"
    content = (
        "def load(session):\n"
        "    timeout = 10\n"
        "    a = fetch(url, headers, timeout=timeout)\n"
        "    return a\n"
        "\n\n" + header + "    b = fetch(other, auth)\n"
        "    return b\n"
    )
    edit = TextEdit(Span(3, 27, 3, 27), "", ", timeout=timeout")
    finder.candidates = [similar(Span(8, 9, 8, 27))]
    engine.enqueue("    b = fetch(other, auth, timeout=timeout)\n")
    result = next_edit(client, content=content, edits=[wire(edit)])
    assert len(engine.history) == 1
    assert [e["text"] for e in result["edits"]] == ([", timeout=timeout"] if bound else [])


def test_a_call_of_a_changed_signature_is_rewritten_even_with_a_name_to_pick_there(
    daemon: Daemon, finder: Finder, engine: FakeEngine
) -> None:
    client = daemon.start()
    # close() gained `reason`: its call elsewhere is the place, whatever value it passes
    content = (
        "def close(self, wait=True, reason=None):\n"
        "    self.stop(reason)\n"
        "\n\n"
        "def run(self):\n"
        "    close(self, wait=False)\n"
    )
    edit = TextEdit(Span(1, 26, 1, 26), "", ", reason=None")
    finder.candidates = [Candidate(Span(6, 5, 6, 28), "signature", 0.7, None)]
    engine.enqueue("    close(self, wait=False, reason=reason)\n")
    result = next_edit(client, content=content, edits=[wire(edit)])
    assert [e["text"] for e in result["edits"]] == [", reason=reason"]
