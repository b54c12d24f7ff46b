"""Chat sessions over the fake engine: fitting the window, saving as it streams."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from codesaga.bootstrap import build_pool
from codesaga.domain.chat import (
    Attachment,
    Session,
    Turn,
    export_markdown,
    fit_conversation,
    unclosed_fence,
)
from codesaga.domain.errors import CancelledError, InputError, ModelNotInstalledError
from codesaga.domain.prompts import Message
from codesaga.engine.fake import FakeEngine
from codesaga.engine.port import CancelToken
from codesaga.inprocess import LocalClient
from codesaga.service.journal import MemoryJournal
from codesaga.service.runner import DirectRunner, RunOptions
from codesaga.service.sessions import Chats, DiskSessionStore
from codesaga.service.tasks import Assistant
from codesaga.settings import load_settings
from tests.ggufgen import write_gguf


def words(messages: list[Message]) -> int:
    return sum(len(m.content.split()) for m in messages)


def session_with(*texts: str) -> Session:
    s = Session.new("t")
    s.system = "sys"
    for i, text in enumerate(texts):
        s.turns.append(Turn("user" if i % 2 == 0 else "assistant", text))
    return s


def test_everything_fits() -> None:
    fitted = fit_conversation(session_with("a b", "c d", "e"), words, 100)
    assert [m.content for m in fitted.messages] == ["sys", "a b", "c d", "e"]
    assert fitted.notice is None


def test_oldest_turns_are_dropped_and_said() -> None:
    s = session_with("one two three", "four five six", "seven eight", "nine", "ten")
    fitted = fit_conversation(s, words, 10)
    assert [m.content for m in fitted.messages] == ["sys", "seven eight", "nine", "ten"]
    assert fitted.dropped_turns == 2
    assert "oldest 2 messages were left out" in (fitted.notice or "")


def test_a_long_conversation_is_cut_to_half_its_window_and_then_starts_there_while_it_fits() -> (
    None
):
    # Cut to the most that fit, the prompt began one exchange later at every turn: read
    # anew each time, the model's cache of the last one unused. And it was counted once
    # per message dropped: a session of 600 exchanges took a minute a turn.
    s = session_with(*(f"q{i} w w w" if i % 2 == 0 else f"a{i} w w w" for i in range(601)))
    counted: list[int] = []

    def counting(messages: list[Message]) -> int:
        counted.append(1)
        return words(messages)

    fitted = fit_conversation(s, counting, 101)  # 4 words a message, 1 of system
    assert len(counted) <= 20 and 1 + 4 * (len(fitted.messages) - 1) <= 50
    assert fitted.messages[1].role == "user" and fitted.kept_from is not None
    first = fitted.messages[1].content
    for i in range(601, 613):  # more turns: the prompt begins where it did while it fits
        s.turns.append(Turn("user" if i % 2 == 0 else "assistant", f"m{i} w w w"))
        if s.turns[-1].role == "assistant":
            continue
        again = fit_conversation(s, words, 101, keep_from=fitted.kept_from)
        assert again.messages[1].content == first and again.kept_from == fitted.kept_from
    s.turns += [Turn("assistant", "w " * 20), Turn("user", "w " * 20)]  # no longer fits
    moved = fit_conversation(s, words, 101, keep_from=fitted.kept_from)
    assert moved.dropped_turns > fitted.dropped_turns and words(moved.messages) <= 50


def test_never_starts_with_an_answer() -> None:
    s = session_with("q1 long long long", "a1", "q2")
    fitted = fit_conversation(s, words, 3)
    assert [m.role for m in fitted.messages] == ["system", "user"]


def test_a_message_too_big_for_the_window_is_an_error() -> None:
    with pytest.raises(InputError, match="does not fit in the model's context"):
        fit_conversation(session_with("w " * 50), words, 10)


def test_attachments_ride_with_the_system_prompt() -> None:
    s = session_with("explain")
    s.attachments.append(Attachment("lib/x.py", "X = 1\n", "1:1"))
    system = fit_conversation(s, words, 100).messages[0].content
    assert "lib/x.py:1:1" in system and "```python\nX = 1\n```" in system


def test_undo_and_markdown_export() -> None:
    s = session_with("q1", "a1", "q2")
    s.turns.append(Turn("assistant", "half an ans", interrupted=True))
    assert "## CodeSaga (interrupted)" in export_markdown(s)
    assert s.undo() == 2
    assert [t.content for t in s.turns] == ["q1", "a1"]


def test_an_export_closes_a_code_block_an_answer_cut_short_left_open() -> None:
    # The fence opened by an answer cut short stayed open: every heading after it was code.
    s = session_with("write a class")
    s.turns.append(
        Turn("assistant", "Here:\n\n```python\nclass Tree:\n    def insert(self", interrupted=True)
    )
    s.turns.append(Turn("user", "go on"))
    s.turns.append(Turn("assistant", "~~~~\n```\n~~~~\nand ````text\n```\n````"))
    s.system = "Answer in Rust only."
    exported = export_markdown(s)
    assert "## CodeSaga (interrupted)\n\nHere:" in exported
    assert "    def insert(self\n```\n\n## You\n\ngo on" in exported
    assert exported.endswith("````\n")  # closed already: nothing added
    assert "System prompt:\n\n> Answer in Rust only.\n" in exported
    assert unclosed_fence("```py\nx\n``` not a close\n") == "```"
    assert unclosed_fence("``` `inline` ```\n") is None  # no fence: backticks in its info


def chats_over_a_fake_engine(
    tmp_path: Path, delay: float = 0.0, **env: str
) -> tuple[Chats, FakeEngine]:
    model = write_gguf(tmp_path / "m.gguf")
    settings = load_settings({"CODESAGA_HOME": str(tmp_path), "CODESAGA_MODEL": str(model), **env})
    engine = FakeEngine(n_ctx=4096, delay=delay)
    runner = DirectRunner(build_pool(settings, lambda resolved: engine))
    store = DiskSessionStore(tmp_path / "sessions")
    return Chats(Assistant(settings, runner, MemoryJournal()), runner, store), engine


@pytest.fixture
def chats(tmp_path: Path) -> tuple[Chats, FakeEngine]:
    return chats_over_a_fake_engine(tmp_path)


def test_turns_persist_and_the_history_is_sent(
    chats: tuple[Chats, FakeEngine], tmp_path: Path
) -> None:
    service, engine = chats
    session = service.open(key="/repo@main")
    engine.enqueue("Noted.")
    engine.enqueue("Your name is Ada.")
    service.send(session.id, "My name is Ada.")
    reply = service.send(session.id, "What is my name?")
    assert reply.result.text == "Your name is Ada."
    sent = [m.content for m in engine.history[-1].messages]
    assert sent[1:] == ["My name is Ada.", "Noted.", "What is my name?"]
    assert service.open(key="/repo@main").id == session.id  # the same session resumes
    service.store.close()
    reopened = DiskSessionStore(tmp_path / "sessions").get(session.id)
    assert reopened is not None
    assert [t.content for t in reopened.turns][-1] == "Your name is Ada."
    assert not reopened.turns[-1].interrupted


def test_a_failure_mid_answer_keeps_the_partial_answer(
    chats: tuple[Chats, FakeEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    service, engine = chats
    session = service.open(name="s")
    monkeypatch.setattr("codesaga.service.sessions.PARTIAL_SAVE_SECONDS", 0.0)
    original = engine.stream

    def dying(request, cancel=None):  # type: ignore[no-untyped-def]
        for n, event in enumerate(original(request, cancel)):
            if n == 3:
                raise RuntimeError("the machine lost power")
            yield event

    monkeypatch.setattr(engine, "stream", dying)
    engine.enqueue("one two three four five")
    with pytest.raises(RuntimeError):
        service.send(session.id, "count")
    saved = service.store.get(session.id)
    assert saved is not None
    assert saved.turns[0].content == "count"
    assert saved.turns[-1].interrupted and saved.turns[-1].content == "one two"


def test_retry_replaces_the_last_answer(chats: tuple[Chats, FakeEngine]) -> None:
    service, engine = chats
    session = service.open(name="s")
    engine.enqueue("first try")
    engine.enqueue("second try")
    service.send(session.id, "hello")
    service.send(session.id, None)
    saved = service.find("s")
    assert [t.content for t in saved.turns] == ["hello", "second try"]
    # Another answer, sampled: at temperature 0 the daemon's cache gave the same one back.
    assert [r.temperature for r in engine.history] == [0.0, 0.6]


def test_a_retry_that_fails_or_is_stopped_before_a_word_keeps_the_answer_it_was_to_replace(
    chats: tuple[Chats, FakeEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The old answer was taken off before the model started: a /retry on a model not
    # installed, or stopped before its first token, lost it for good.
    from codesaga.domain.errors import CancelledError, ModelError

    service, engine = chats
    session = service.open(name="s")
    engine.enqueue("first try")
    service.send(session.id, "hello")
    kept = [(t.role, t.content) for t in service.find("s").turns]

    def fails(error: Exception):  # type: ignore[no-untyped-def]
        def stream(request, cancel=None):  # type: ignore[no-untyped-def]
            raise error
            yield  # a generator, as the engine's stream is

        return stream

    for error in (ModelError("the upstream is down"), CancelledError("stopped")):
        monkeypatch.setattr(engine, "stream", fails(error))
        with pytest.raises(type(error)):
            service.send(session.id, None)
        assert [(t.role, t.content) for t in service.find("s").turns] == kept

    # Cleared from another terminal meanwhile: the old answer does not come back alone.
    def cleared_then_stopped(request, cancel=None):  # type: ignore[no-untyped-def]
        service.update(session.id, lambda stored: stored.clear())
        raise CancelledError("stopped")
        yield

    monkeypatch.setattr(engine, "stream", cleared_then_stopped)
    with pytest.raises(CancelledError):
        service.send(session.id, None)
    assert [t.content for t in service.find("s").turns if t.content] == []
    monkeypatch.undo()
    engine.enqueue("first try")
    service.send(session.id, "hello")
    engine.enqueue("second try")  # one that answers replaces it, as before
    service.send(session.id, None)
    assert [t.content for t in service.find("s").turns] == ["hello", "second try"]


def test_a_session_is_resumed_by_its_id_too(chats: tuple[Chats, FakeEngine]) -> None:
    # `chat --session ID` (ids are what `sessions list` shows) made a new, empty session
    # named like the id, which only its own id could reach afterwards.
    service, engine = chats
    session = service.open(name="proj-a")
    engine.enqueue("Noted.")
    service.send(session.id, "remember BANANA")
    assert service.open(name=session.id).id == session.id
    assert [s.name for s in service.list()] == ["proj-a"]
    assert service.open(name=session.id, new=True).id != session.id  # --new: a new one


def test_retry_through_the_daemon_is_a_new_answer_not_the_cached_one(
    local_daemon: LocalClient, fake_engine: FakeEngine
) -> None:
    client, engine = local_daemon, fake_engine
    session = client.call("sessions/open", {"name": "again"})
    engine.enqueue("first try")
    engine.enqueue("second try")
    client.call("chat", {"session": session["id"], "message": "hello"})
    retried = client.call("chat", {"session": session["id"], "retry": True})
    assert retried["text"] == "second try" and len(engine.history) == 2


def test_what_happens_while_an_answer_streams_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each answer kept its own copy of the whole session and wrote it back every half second:
    # a second question answered meanwhile, a rename, were lost; a deleted session came back.
    service, engine = chats_over_a_fake_engine(tmp_path, delay=0.01)
    monkeypatch.setattr("codesaga.service.sessions.PARTIAL_SAVE_SECONDS", 0.0)
    session = service.open(name="s")
    engine.enqueue(" ".join(["first"] * 40))
    engine.enqueue(" ".join(["second"] * 20))

    def streaming(count: int) -> None:
        deadline = time.monotonic() + 10
        while sum(t.role == "assistant" for t in service.store.get(session.id).turns) < count:  # type: ignore[union-attr]
            assert time.monotonic() < deadline
            time.sleep(0.005)

    first = threading.Thread(target=service.send, args=(session.id, "one"))
    first.start()
    streaming(1)
    second = threading.Thread(target=service.send, args=(session.id, "two"))
    second.start()
    streaming(2)
    service.update(session.id, lambda s: setattr(s, "name", "renamed"))
    first.join(30)
    second.join(30)
    stored = service.store.get(session.id)
    assert stored is not None and stored.name == "renamed"
    turns = [(t.role, t.content.split(" ")[0], t.interrupted) for t in stored.turns]
    # One answer at a time: the second question waited for the first answer and read it
    # (asked in the first answer's first moments, it used to come between it and its
    # question, and both prompts lacked an answer).
    assert turns == [
        ("user", "one", False),
        ("assistant", "first", False),
        ("user", "two", False),
        ("assistant", "second", False),
    ]
    assert [m.content for m in engine.history[1].messages][1:] == [
        "one",
        stored.turns[1].content,
        "two",
    ]
    # Deleted while its answer streams: it stays deleted.
    other = service.open(name="gone")
    engine.enqueue(" ".join(["third"] * 40))
    third = threading.Thread(target=service.send, args=(other.id, "three"))
    third.start()
    deadline = time.monotonic() + 10
    while not any(t.role == "assistant" for t in service.store.get(other.id).turns):  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.005)
    assert service.store.delete(other.id)
    third.join(30)
    assert service.store.get(other.id) is None


def test_a_message_waiting_for_its_sessions_turn_can_be_cancelled(tmp_path: Path) -> None:
    service, engine = chats_over_a_fake_engine(tmp_path, delay=0.01)
    session = service.open(name="s")
    engine.enqueue(" ".join(["first"] * 100))
    first = threading.Thread(target=service.send, args=(session.id, "one"))
    first.start()
    deadline = time.monotonic() + 10
    while not engine.history:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    cancel = CancelToken()
    threading.Timer(0.2, cancel.cancel).start()
    with pytest.raises(CancelledError):
        service.send(session.id, "two", RunOptions(cancel=cancel))
    assert first.is_alive()  # it was waiting, not answered
    first.join(30)
    stored = service.find("s")
    assert [t.content.split(" ")[0] for t in stored.turns] == ["one", "first"]


def test_a_model_name_mistyped_is_refused_and_not_saved(
    chats: tuple[Chats, FakeEngine], tmp_path: Path
) -> None:
    # Saved, every later message of the session failed on it.
    service, _ = chats
    session = service.open(name="s")
    with pytest.raises(
        ModelNotInstalledError, match=r"unknown model 'qwen2\.5-coder-1\.5' for chat"
    ):
        service.set_model(session.id, "qwen2.5-coder-1.5")
    assert service.find("s").model is None
    other = write_gguf(tmp_path / "other.gguf")
    assert service.set_model(session.id, str(other)).model == str(other)
    assert service.set_model(session.id, None).model is None


def test_a_name_taken_is_refused_and_a_name_two_sessions_share_is_no_delete(
    chats: tuple[Chats, FakeEngine],
) -> None:
    # Renamed to another session's name, the two could no longer be told apart by name, and
    # `sessions delete NAME` deleted the newest of them without a word.
    service, _ = chats
    first = service.open(name="proj@main")
    second = service.open(name="other")
    with pytest.raises(InputError, match=f"another chat session \\(id {first.id}\\)"):
        service.rename(second.id, "proj@main")
    assert service.find(second.id).name == "other"
    assert service.rename("other", "proj@dev").name == "proj@dev"
    third = service.open(name="proj@main", new=True)  # `chat --session proj@main --new`
    with pytest.raises(InputError, match=f"2 chat sessions are named 'proj@main'.*{first.id}"):
        service.find_one("proj@main")
    assert service.find_one(third.id).id == third.id
    assert service.find_one("proj@dev").id == second.id


def test_one_damaged_or_newer_session_does_not_take_the_others_with_it(tmp_path: Path) -> None:
    # all() read every session at once: one that could not be read broke every chat, open
    # and list; one written by a newer version (a field added) could not be read at all.
    store = DiskSessionStore(tmp_path / "s")
    good = Session.new("good")
    store.save(good)
    store._store.set("broken", {"id": "broken", "turns": "not turns"})
    newer = Session.new("newer").to_dict() | {"pinned": True}
    newer["turns"] = [{"role": "user", "content": "hi", "reaction": "+1"}]
    store._store.set(newer["id"], newer)
    names = sorted(s.name for s in store.all())
    assert names == ["good", "newer"]
    assert store.get(newer["id"]).turns[0].content == "hi"  # type: ignore[union-attr]
    with pytest.raises(InputError, match="chat session broken cannot be read"):
        store.get("broken")


def test_a_message_that_cannot_be_asked_is_not_kept(chats: tuple[Chats, FakeEngine]) -> None:
    # It stayed: every later prompt dropped the older turns to make room for it, and sent
    # again shortened (as the TUI invites) the question was there twice.
    from codesaga.domain.errors import InputError

    service, engine = chats
    session = service.open(name="s")
    engine.enqueue("Noted.")
    service.send(session.id, "My name is Ada.")
    with pytest.raises(InputError, match="not fit"):
        service.send(session.id, "word " * 20_000)
    stored = service.store.get(session.id)
    assert stored is not None
    assert [(t.role, t.content) for t in stored.turns] == [
        ("user", "My name is Ada."),
        ("assistant", "Noted."),
    ]
    engine.enqueue("Your name is Ada.")
    service.send(session.id, "What is my name?")
    sent = [m.content for m in engine.history[-1].messages]
    assert sent[1:] == ["My name is Ada.", "Noted.", "What is my name?"]


def test_a_sessions_attachments_together_stay_under_the_file_limit(
    chats: tuple[Chats, FakeEngine], tmp_path: Path
) -> None:
    # Each was checked alone: nine 1 MiB files made a session that no client could read
    # back (over the message limit), and that no model's context could hold anyway.
    service, _ = chats
    session = service.open(key="/repo@main")
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text("x = 1\n" * 10)  # 60 bytes
    service.attach(session.id, tmp_path / "a.py", None, 100)
    service.attach(session.id, tmp_path / "a.py", None, 100)  # again: it replaces itself
    with pytest.raises(InputError, match="attachments 120 bytes, over the 100-byte limit"):
        service.attach(session.id, tmp_path / "b.py", None, 100)
    kept = service.store.get(session.id)
    assert kept is not None and [a.path for a in kept.attachments] == [str(tmp_path / "a.py")]


def test_a_question_the_model_failed_before_answering_is_not_kept(
    chats: tuple[Chats, FakeEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only a question that could not be asked was taken back: one the model failed on
    # before a word (not installed, an upstream down) stayed unanswered, with an empty
    # answer, and was there twice once sent again (the TUI puts it back to send).
    from codesaga.domain.errors import CancelledError, ModelError

    service, engine = chats
    session = service.open(name="s")
    engine.enqueue("Noted.")
    service.send(session.id, "My name is Ada.")
    before = [(t.role, t.content) for t in service.store.get(session.id).turns]  # type: ignore[union-attr]

    def fails(request, cancel=None):  # type: ignore[no-untyped-def]
        raise ModelError("the upstream is down")
        yield  # a generator, as the engine's stream is

    monkeypatch.setattr(engine, "stream", fails)
    with pytest.raises(ModelError):
        service.send(session.id, "What is my name?")
    stored = service.store.get(session.id)
    assert stored is not None and [(t.role, t.content) for t in stored.turns] == before

    # A request the user cancelled keeps its question, for /retry.
    def cancelled(request, cancel=None):  # type: ignore[no-untyped-def]
        raise CancelledError("the request was cancelled")
        yield

    monkeypatch.setattr(engine, "stream", cancelled)
    with pytest.raises(CancelledError):
        service.send(session.id, "What is my name?")
    stored = service.store.get(session.id)
    assert stored is not None and stored.turns[-2].content == "What is my name?"
    assert stored.turns[-1].interrupted and stored.turns[-1].content == ""


def test_a_whole_file_replaces_its_lines_and_a_drop_that_matches_nothing_says_so(
    chats: tuple[Chats, FakeEngine], tmp_path: Path
) -> None:
    # `/add f.py:1-2` then `/add f.py` kept both: the lines were in every prompt twice; and
    # `/drop typo.py` said nothing at all.
    from codesaga.domain.errors import InputError

    service, _ = chats
    session = service.open(name="s")
    f = tmp_path / "f.py"
    f.write_text("a = 1\nb = 2\nc = 3\n")
    service.attach(session.id, f, "1:2", 1 << 20)
    service.attach(session.id, f, "3:3", 1 << 20)
    whole = service.attach(session.id, f, None, 1 << 20)
    assert [(a.path, a.lines) for a in whole.attachments] == [(str(f), None)]
    pointed = service.attach(session.id, f, "1:2", 1 << 20)  # a part of it, pointed at
    assert [a.lines for a in pointed.attachments] == [None, "1:2"]
    with pytest.raises(InputError, match=r"nothing is attached as /typo\.py"):
        service.detach(session.id, "/typo.py")
    assert service.detach(session.id, str(f)).attachments == []  # the path: all of its
    assert service.detach(session.id, None).attachments == []  # /drop alone: all, even none


def test_a_bad_range_or_a_retry_with_nothing_asked_says_what_the_user_gave(
    chats: tuple[Chats, FakeEngine], tmp_path: Path
) -> None:
    # `/add calc.py:10-3` said "--lines '10:3' is not a range", an option of another command;
    # /retry in an empty session said "the last message is not the user's".
    service, engine = chats
    session = service.open(name="s")
    (tmp_path / "calc.py").write_text("a = 1\nb = 2\n")
    with pytest.raises(InputError, match=r"^calc.py lines '10:3' is not a range"):
        service.attach(session.id, tmp_path / "calc.py", "10:3", 1000)
    with pytest.raises(InputError, match="there is no question to answer yet: ask one first"):
        service.send(session.id, None)
    assert engine.history == []


def test_a_chat_answer_cut_off_by_its_limit_says_so(chats: tuple[Chats, FakeEngine]) -> None:
    # It ended mid-code block, exit 0, with nothing said: a chat answer may take only a
    # quarter of the context (1,024 tokens here), so with a small context every long one was.
    service, engine = chats
    session = service.open(name="s")
    engine.enqueue(["w "] * 1500)
    reply = service.send(session.id, "explain everything")
    assert reply.result.finished is not None and reply.result.finished.reason == "length"
    (warning,) = reply.result.warnings
    assert "cut off at 1024 tokens" in warning and "a quarter of the context" in warning
    engine.enqueue("short")
    assert service.send(session.id, "and briefly?").result.warnings == []


def test_a_chat_turn_is_journaled_from_before_the_model_is_loaded(tmp_path: Path) -> None:
    # The record began only once the model was loaded and the conversation fitted: a turn
    # that failed there (a message too long) was in no record, and the time of one that
    # waited for the load was left out of `requests` and `stats`.
    from codesaga.domain.enums import RequestStatus, RequestType

    model = write_gguf(tmp_path / "m.gguf")
    settings = load_settings({"CODESAGA_HOME": str(tmp_path), "CODESAGA_MODEL": str(model)})
    engine = FakeEngine(n_ctx=4096)

    def slow_load(resolved: object) -> FakeEngine:
        time.sleep(0.3)
        return engine

    runner = DirectRunner(build_pool(settings, slow_load))
    journal = MemoryJournal()
    service = Chats(Assistant(settings, runner, journal), runner, DiskSessionStore(tmp_path / "s"))
    session = service.open(name="s")
    engine.enqueue("hello")
    service.send(session.id, "hi")  # the first: the model is loaded for it
    (done,) = journal.query(type=RequestType.CHAT)
    assert done.finished_at is not None and done.finished_at - done.created_at >= 0.3
    assert done.input["last"] == "hi" and done.output == "hello"
    with pytest.raises(InputError, match="not fit"):
        service.send(session.id, "word " * 5000)
    (failed,) = journal.query(type=RequestType.CHAT, status=RequestStatus.FAILED)
    assert "not fit" in (failed.error or "") and failed.input["last"].startswith("word")


def test_an_attached_file_edited_since_is_read_again_and_lines_changed_are_said(
    chats: tuple[Chats, FakeEngine], tmp_path: Path
) -> None:
    # An attachment was a copy made once: after `LIMIT = 10` became 99 the model was still
    # shown 10, and nothing said so.
    service, engine = chats
    session = service.open(name="s")
    conf, lib = tmp_path / "conf.py", tmp_path / "lib.py"
    conf.write_text("LIMIT = 10\n")
    lib.write_text("def f():\n    return 1\n")
    service.attach(session.id, conf, None, 1 << 20)
    service.attach(session.id, lib, "2:2", 1 << 20)
    engine.enqueue("10")
    assert service.send(session.id, "what is LIMIT?").result.warnings == []
    conf.write_text("LIMIT = 99\n")
    lib.write_text("def f():\n    return 2\n")
    engine.enqueue("99")
    reply = service.send(session.id, "and now?")
    system = engine.history[-1].messages[0].content
    assert "LIMIT = 99" in system and "LIMIT = 10" not in system
    assert "return 1" in system  # lines are kept as attached, and the user is told
    assert f"read again, changed since attached: {conf}" in reply.result.warnings
    assert any(f"{lib}:2:2 changed since it was attached" in w for w in reply.result.warnings)
    assert service.find("s").attachments[0].content == "LIMIT = 99\n"
    conf.unlink()  # gone: the copy stands, said
    engine.enqueue("99")
    gone = service.send(session.id, "still?")
    assert "LIMIT = 99" in engine.history[-1].messages[0].content
    assert any(f"the copy of {conf} attached before is used" in w for w in gone.result.warnings)


def test_lines_of_a_file_attached_whole_too_count_as_those_lines_against_the_limit(
    tmp_path: Path,
) -> None:
    # They counted as the whole file again: within the limit, the file read again was
    # refused as too big, and the model kept seeing the old one.
    service, engine = chats_over_a_fake_engine(tmp_path, CODESAGA_MAX_FILE_BYTES="4096")
    big = tmp_path / "big.py"
    big.write_text("".join(f"x{i} = {i}\n" for i in range(500))[:3000])
    session = service.open(name="s")
    service.attach(session.id, big, None, 4096)
    service.attach(session.id, big, "1:2", 4096)
    big.write_text("x0 = 'changed'\n" + big.read_text())
    engine.enqueue("ok")
    reply = service.send(session.id, "what is x0?")
    assert "x0 = 'changed'" in engine.history[-1].messages[0].content
    assert not any("over the" in w for w in reply.result.warnings)
