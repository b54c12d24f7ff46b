"""The Textual chat through Textual's pilot, over an in-process daemon with a scripted engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.containers import VerticalScroll
from textual.widgets import ListItem, ListView, Static, TextArea

from codesaga.cli.tui import ChatApp, Message, Said
from codesaga.engine.fake import FakeEngine
from codesaga.inprocess import LocalClient

ANSWER = (
    "Use a generator:\n\n```python\ndef squares(n):\n    yield from (i * i for i in range(n))\n```"
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def engine(fake_engine: FakeEngine) -> FakeEngine:
    return fake_engine


@pytest.fixture
def client(local_daemon: LocalClient) -> LocalClient:
    return local_daemon


def sessions(client: LocalClient) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in client.call("sessions/list", {})["sessions"]}


async def wait_idle(app: ChatApp, pilot: Any) -> None:
    for _ in range(200):
        await pilot.pause(0.02)
        if not app.answering and not app.loading:
            return
    raise AssertionError("the answer or the session's loading never finished")


@pytest.mark.anyio
async def test_type_send_stream_switch_and_cancel(client: LocalClient, engine: FakeEngine) -> None:
    other = client.call("sessions/open", {"name": "older"})
    engine.enqueue("An older answer.")
    client.call("chat", {"session": other["id"], "message": "An older question."})
    alpha = client.call("sessions/open", {"name": "alpha"})
    app = ChatApp(client, alpha, 999)  # this shell's n_ctx: the daemon's (4096) is shown
    async with app.run_test(size=(80, 24)) as pilot:
        engine.enqueue(ANSWER)
        await pilot.press(*"how do I make squares lazily?")
        await pilot.press("ctrl+s")
        await wait_idle(app, pilot)
        shown = [str(m.source) for m in app.turns()]
        assert "how do I make squares lazily?" in shown[0]
        assert shown[1] == ANSWER
        status = str(app.query_one("#status").render())
        assert status.startswith("m.gguf · ") and "context 77/4096" in status
        assert sessions(client)["alpha"]["turns"] == 2

        await pilot.press("ctrl+y")  # copy the code block
        assert "copied the last code block (2 lines)" in str(app.query_one("#status").render())

        await pilot.press("tab")  # to the session list (sorted: alpha first, then older)
        app.query_one("#sessions").focus()
        await pilot.press("down", "enter")
        await wait_idle(app, pilot)
        assert app.session["name"] == "older"
        assert [str(m.source) for m in app.turns()][-1] == "An older answer."

        engine.delay = 0.02
        engine.enqueue("word " * 300)
        app.query_one("#input").focus()
        await pilot.press(*"count forever", "ctrl+s")
        await pilot.pause(0.3)
        assert app.answering
        await pilot.press("escape")
        await wait_idle(app, pilot)
        assert "cancelled" in str(app.query_one("#status").render())
        stored = client.call("sessions/get", {"session": "older"})
        assert stored["turns"][-1]["interrupted"]
        assert 0 < len(stored["turns"][-1]["content"].split()) < 300
        # Cut short, it says so (it looked whole), as it does when the session is shown again.
        assert str(app.turns()[-1].source).endswith("*(interrupted)*")
        app.load_session(app.session["id"])
        await wait_idle(app, pilot)
        assert str(app.turns()[-1].source).endswith("*(interrupted)*")


def test_snapshot_of_a_conversation(
    snap_compare: Any, client: LocalClient, engine: FakeEngine
) -> None:
    alpha = client.call("sessions/open", {"name": "alpha"})
    engine.enqueue(ANSWER)
    client.call("chat", {"session": alpha["id"], "message": "How do I make squares lazily?"})
    app = ChatApp(client, alpha, 4096)
    assert snap_compare(app, terminal_size=(80, 24), run_before=lambda pilot: wait_idle(app, pilot))


def test_snapshot_of_an_empty_session(snap_compare: Any, client: LocalClient) -> None:
    fresh = client.call("sessions/open", {"name": "fresh"})
    app = ChatApp(client, fresh, 4096)
    assert snap_compare(app, terminal_size=(80, 24), run_before=lambda pilot: wait_idle(app, pilot))


@pytest.mark.anyio
async def test_an_answer_cut_off_by_its_token_limit_says_so(
    client: LocalClient, engine: FakeEngine
) -> None:
    # The status line showed the notice of turns left out and no other warning: an answer
    # that ran out of tokens ended mid-code block with nothing said.
    opened = client.call("sessions/open", {"name": "long"})
    app = ChatApp(client, opened, 4096)
    async with app.run_test(size=(200, 24)) as pilot:
        await wait_idle(app, pilot)
        engine.enqueue(["w "] * 1500)
        await pilot.press(*"explain it all")
        await pilot.press("ctrl+s")
        await wait_idle(app, pilot)
        assert "cut off at 1024 tokens" in str(app.query_one("#status").render())


@pytest.mark.anyio
async def test_the_status_line_names_the_attachments(client: LocalClient, tmp_path: Path) -> None:
    (tmp_path / "pay.py").write_text("RATE = 0.19\n\n\ndef gross(net):\n    return net * 1.19\n")
    opened = client.call("sessions/open", {"name": "files"})
    for path, lines in ((tmp_path / "pay.py", None), (tmp_path / "pay.py", "4:5")):
        client.call("sessions/attach", {"session": opened["id"], "path": str(path), "lines": lines})
    app = ChatApp(client, opened, 4096)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(app, pilot)
        status = str(app.query_one("#status").render())
        assert status == "session files · 0 messages · attached: pay.py, pay.py:4:5"


@pytest.mark.anyio
async def test_brackets_in_names_are_shown_as_typed(client: LocalClient, tmp_path: Path) -> None:
    """Textual's markup took `[slug]` for a style (dropped) and `[/x]` for a closing tag (a
    MarkupError, which ended the app)."""
    page = tmp_path / "[slug].py"
    page.write_text("SLUG = 1\n")
    opened = client.call("sessions/open", {"name": "notes [/x]"})
    client.call("sessions/attach", {"session": opened["id"], "path": str(page)})
    app = ChatApp(client, opened, 4096)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(app, pilot)
        status = str(app.query_one("#status").render())
        assert status == "session notes [/x] · 0 messages · attached: [slug].py"
        listed = [str(item.query_one(Static).render()) for item in app.query(ListItem)]
        assert "▸ notes [/x] (0)" in listed


@pytest.mark.anyio
async def test_ctrl_s_right_after_typing_or_pasting_sends_all_of_it(
    client: LocalClient, engine: FakeEngine
) -> None:
    """Keys arrive faster than a person can see: Ctrl+S must not overtake the ones before."""
    from textual import events

    session = client.call("sessions/open", {"name": "fast"})
    app = ChatApp(client, session, 4096)
    async with app.run_test(size=(80, 24)) as pilot:
        engine.enqueue("ok")
        typed = "Write a one-line Python function"
        for char in typed:  # as a terminal delivers a burst: no waiting between keys
            app.post_message(events.Key(char, char))
        app.post_message(events.Key("ctrl+s", None))
        await pilot.pause(0.1)
        await wait_idle(app, pilot)
        engine.enqueue("ok")
        app.post_message(events.Paste("pasted " * 20))
        app.post_message(events.Key("ctrl+s", None))
        await pilot.pause(0.1)
        await wait_idle(app, pilot)
        turns = client.call("sessions/get", {"session": "fast"})["turns"]
        sent = [t["content"] for t in turns if t["role"] == "user"]
        assert sent == [typed, ("pasted " * 20).strip()]
        assert app.query_one("#input", TextArea).text == ""


@pytest.mark.anyio
async def test_the_daemon_gone_is_said_the_app_stays_and_the_message_is_kept(
    client: LocalClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After the daemon exited (idle), refreshing the session list raised in a worker and the
    # app closed with a traceback; the message typed was gone from the input too.
    from codesaga.domain.errors import DaemonError

    session = client.call("sessions/open", {"name": "gone"})
    app = ChatApp(client, session, 4096)
    async with app.run_test(size=(80, 24)) as pilot:

        def dead(method: str, params: dict[str, Any], **kwargs: Any) -> Any:
            raise DaemonError("the daemon closed the connection")

        monkeypatch.setattr(client, "call", dead)
        await pilot.press(*"are you there?", "ctrl+s")
        await wait_idle(app, pilot)
        await pilot.pause(0.1)
        assert app.is_running
        assert "the daemon closed the connection" in str(app.query_one("#status").render())
        assert app.query_one("#input", TextArea).text == "are you there?"


@pytest.mark.anyio
async def test_ctrl_y_copies_from_the_session_shown(
    client: LocalClient, engine: FakeEngine
) -> None:
    # It copied the answer last streamed in this run, whatever the session: opening one
    # with code in its last answer said there was none, and after a switch it copied the
    # other session's code.
    with_code = client.call("sessions/open", {"name": "code"})
    engine.enqueue(ANSWER)
    client.call("chat", {"session": with_code["id"], "message": "squares?"})
    plain = client.call("sessions/open", {"name": "plain"})
    engine.enqueue("No code here.")
    client.call("chat", {"session": plain["id"], "message": "hello"})
    app = ChatApp(client, with_code, 4096)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(app, pilot)
        await pilot.press("ctrl+y")
        assert "copied the last code block (2 lines)" in str(app.query_one("#status").render())
        app.load_session(plain["id"])
        await wait_idle(app, pilot)
        await pilot.press("ctrl+y")
        assert "no code block in the last answer" in str(app.query_one("#status").render())


@pytest.mark.anyio
async def test_escape_closes_the_command_palette(client: LocalClient) -> None:
    session = client.call("sessions/open", {"name": "palette"})
    app = ChatApp(client, session, 4096)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause(0.1)
        assert len(app.screen_stack) == 2
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert len(app.screen_stack) == 1


@pytest.mark.anyio
async def test_quitting_while_an_answer_streams_cancels_it(
    client: LocalClient, engine: FakeEngine
) -> None:
    # The worker waited on the daemon: the app had let go of the terminal but the process
    # lived on until the next token, and the answer ran to its end.
    session = client.call("sessions/open", {"name": "quit"})
    app = ChatApp(client, session, 4096)
    engine.delay = 0.05
    engine.enqueue("word " * 400)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"count", "ctrl+s")
        await pilot.pause(0.3)
        assert app.answering
        await pilot.press("ctrl+q")
        await pilot.pause(0.5)
    [record] = client.call("requests/list", {"type": "chat"})["requests"]
    assert record["status"] == "cancelled"  # not still answering, nor run to its end
    stored = client.call("sessions/get", {"session": session["id"]})
    assert stored["turns"][-1]["interrupted"]
    assert len(stored["turns"][-1]["content"].split()) < 100


@pytest.mark.anyio
async def test_a_long_answer_streams_by_appending_not_by_parsing_it_all_again(
    client: LocalClient, engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each redraw parsed and laid out the whole answer again, ten times a second: a third
    # of a core on a long answer, taken from the model on a 2-core machine.
    updates: list[int] = []
    appends: list[str] = []
    real_update, real_append = Message.update, Message.append

    def update(self: Message, markdown: str) -> Any:
        updates.append(len(markdown))
        return real_update(self, markdown)

    def append(self: Message, markdown: str) -> Any:
        appends.append(markdown)
        return real_append(self, markdown)

    monkeypatch.setattr(Message, "update", update)
    monkeypatch.setattr(Message, "append", append)
    session = client.call("sessions/open", {"name": "long"})
    answer = "".join(f"Paragraph {n} says something.\n\n" for n in range(20)).strip()
    app = ChatApp(client, session, 4096)
    engine.delay = 0.01
    engine.enqueue(answer)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"talk", "ctrl+s")
        await wait_idle(app, pilot)
        shown = [m for m in app.query(Message) if "assistant" in m.classes][-1]
        assert str(shown.source) == answer
    assert len(appends) >= 3  # streamed in pieces
    # the question, the answer's placeholder, its first piece, and the whole at its end
    assert len(updates) <= 4


@pytest.mark.anyio
async def test_a_session_slow_to_load_leaves_the_app_free_and_a_message_waits_for_it(
    client: LocalClient, engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After the daemon's idle exit, the next call starts a new daemon (seconds, up to a
    # minute): the app made that call on its own thread and froze, Ctrl+Q included.
    import threading

    first = client.call("sessions/open", {"name": "first"})
    second = client.call("sessions/open", {"name": "second"})
    app = ChatApp(client, first, 4096)
    started = threading.Event()
    go_on = threading.Event()
    real = client.call

    def starting_daemon(method: str, params: dict[str, Any], **kwargs: Any) -> Any:
        if method == "sessions/get" and params["session"] == second["id"]:
            started.set()
            go_on.wait(10)
        return real(method, params, **kwargs)

    monkeypatch.setattr(client, "call", starting_daemon)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(app, pilot)
        listing = app.query_one("#sessions", ListView)
        listing.focus()
        listing.index = [item.name for item in listing.children].index(second["id"])
        await pilot.press("enter")  # to "second", whose load waits
        await pilot.pause(0.05)
        assert started.is_set() and not go_on.is_set()
        assert str(app.query_one("#status").render()) == "loading the session…"
        engine.enqueue("Hello from second.")
        await pilot.press(*"hello?", "ctrl+s")  # sent once "second" is shown, to it
        await pilot.pause(0.05)
        assert "sending once the session has loaded" in str(app.query_one("#status").render())
        go_on.set()
        await wait_idle(app, pilot)
        await wait_idle(app, pilot)  # the load, then the answer
        assert app.session["name"] == "second"
        assert [str(m.source) for m in app.turns()][-1] == "Hello from second."
    assert [t["content"] for t in real("sessions/get", {"session": second["id"]})["turns"]] == [
        "hello?",
        "Hello from second.",
    ]
    assert real("sessions/get", {"session": first["id"]})["turns"] == []

    # Quitting while a load waits on the daemon does not wait for it.
    started.clear()
    go_on.clear()
    app = ChatApp(client, second, 4096)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.05)
        assert started.is_set()
        await pilot.press("ctrl+q")
    assert not go_on.is_set() and not app.is_running
    go_on.set()
    assert app.loader is not None
    app.loader.join(10)  # done before the in-process daemon closes


@pytest.mark.anyio
async def test_what_the_user_typed_is_shown_as_typed(
    client: LocalClient, engine: FakeEngine
) -> None:
    # Read as Markdown, `<b>` vanished, `__repr__` turned bold and a pasted function ran
    # into one paragraph (what was stored was right).
    session = client.call("sessions/open", {"name": "typed"})
    app = ChatApp(client, session, 4096)
    typed = 'what does {"a": (1,)} <b> give?\nand __repr__ too:\n    return x + 1  # kept'
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(app, pilot)
        engine.enqueue("It gives a dict.")
        app.query_one("#input", TextArea).text = typed
        await pilot.press("ctrl+s")
        await wait_idle(app, pilot)
        said = app.turns()[0]
        assert isinstance(said, Said)
        assert str(said.render()) == "You\n\n" + typed


@pytest.mark.anyio
async def test_keys_go_to_the_input_and_busy_keys_say_why_they_wait(
    client: LocalClient, engine: FakeEngine
) -> None:
    # Typed with the session list focused, a message went nowhere; Ctrl+N left the focus in
    # the list; Ctrl+N and Ctrl+S during an answer did nothing without a word; and /help
    # went to the model as a message.
    session = client.call("sessions/open", {"name": "keys"})
    app = ChatApp(client, session, 4096)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(app, pilot)
        box = app.query_one("#input", TextArea)
        app.query_one("#sessions").focus()
        await pilot.press(*"hi")
        assert app.focused is box and box.text == "hi"
        app.query_one("#sessions").focus()
        await pilot.press("ctrl+n")
        await wait_idle(app, pilot)
        assert app.focused is box
        box.text = "/help"
        await pilot.press("ctrl+s")
        assert "/help is a command of the line chat" in str(app.query_one("#status").render())
        assert box.text == "/help" and engine.history == []
        engine.delay = 0.05
        engine.enqueue("word " * 200)
        box.text = "count"
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        assert app.answering
        for key in ("ctrl+n", "ctrl+s"):
            box.text = "next question"
            await pilot.press(key)
            assert "wait for it, or Esc cancels it" in str(app.query_one("#status").render())
        await pilot.press("escape")
        await wait_idle(app, pilot)
        assert box.text == "next question"


@pytest.mark.anyio
async def test_an_answer_the_daemon_stopped_says_why_not_just_cancelled(
    client: LocalClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `codesaga daemon stop` mid-answer showed "cancelled", as if Esc had been pressed.
    from codesaga.domain.errors import CancelledError

    session = client.call("sessions/open", {"name": "stopped"})
    app = ChatApp(client, session, 4096)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(app, pilot)
        real = client.call

        def stopped(method: str, params: dict[str, Any], **kwargs: Any) -> Any:
            if method == "chat":
                raise CancelledError("the daemon stopped (codesaga daemon stop, ...)")
            return real(method, params, **kwargs)

        monkeypatch.setattr(client, "call", stopped)
        await pilot.press(*"hello", "ctrl+s")
        await wait_idle(app, pilot)
        status = str(app.query_one("#status").render())
        assert status == "error: the daemon stopped (codesaga daemon stop, ...)"


@pytest.mark.anyio
async def test_a_small_or_resized_terminal_keeps_room_and_the_newest_answer_in_view(
    client: LocalClient, engine: FakeEngine
) -> None:
    # The session list kept 22 columns (at 40 the conversation had 16), and each resize
    # scrolled the conversation away from the newest answer.
    session = client.call("sessions/open", {"name": "small"})
    for n in range(6):
        engine.enqueue(f"answer {n}\n\n" + "a paragraph that wraps again " * 12)
        client.call("chat", {"session": session["id"], "message": f"question {n}"})
    app = ChatApp(client, session, 4096)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_idle(app, pilot)
        await pilot.resize_terminal(40, 12)
        await pilot.pause(0.3)
        assert app.query_one("#sessions").size.width <= 12
        box = app.query_one("#conversation", VerticalScroll)
        assert box.max_scroll_y > 0 and box.scroll_y == box.max_scroll_y
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        assert box.scroll_y == box.max_scroll_y


@pytest.mark.anyio
async def test_ctrl_n_on_an_empty_session_makes_no_other_and_the_list_marks_the_one_shown(
    client: LocalClient, engine: FakeEngine
) -> None:
    # Each Ctrl+N left one more empty session in the list, which marked none as shown.
    session = client.call("sessions/open", {"name": "used"})
    engine.enqueue("Yes.")
    client.call("chat", {"session": session["id"], "message": "ok?"})
    app = ChatApp(client, session, 4096)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(app, pilot)
        labels = [str(item.query_one(Static).render()) for item in app.query(ListItem)]
        assert labels == ["▸ used (2)"]
        for _ in range(3):
            await pilot.press("ctrl+n")
            await wait_idle(app, pilot)
        assert len(sessions(client)) == 2 and app.session["name"] != "used"
        assert "this session is new already" in str(app.query_one("#status").render())
        labels = [str(item.query_one(Static).render()) for item in app.query(ListItem)]
        assert sorted(labels) == sorted([f"▸ {app.session['name']} (0)", "used (2)"])


@pytest.mark.anyio
async def test_a_session_deleted_meanwhile_is_opened_again_and_the_message_answered(
    client: LocalClient, engine: FakeEngine
) -> None:
    alpha = client.call("sessions/open", {"name": "alpha"})
    engine.enqueue("First answer.")
    client.call("chat", {"session": alpha["id"], "message": "First question."})
    app = ChatApp(client, alpha, 4096)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(app, pilot)
        client.call("sessions/delete", {"session": alpha["id"]})  # from another terminal
        engine.enqueue("Second answer.")
        await pilot.press(*"second question", "ctrl+s")
        await wait_idle(app, pilot)
        shown = [str(m.source) for m in app.turns()]
        assert shown == ["second question", "Second answer."]
        assert "deleted meanwhile" in str(app.query_one("#status").render())
        now = sessions(client)["alpha"]
        assert now["id"] == app.session["id"] != alpha["id"] and now["turns"] == 2
        engine.enqueue("Third answer.")  # and it goes on in the new one
        await pilot.press(*"third", "ctrl+s")
        await wait_idle(app, pilot)
        assert sessions(client)["alpha"]["turns"] == 4
