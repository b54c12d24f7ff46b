"""`codesaga chat --tui`: sessions beside the conversation, streamed answers, keyboard-first.

Works in an 80×24 terminal. The app talks to the daemon through the client protocol, so
tests drive it through Textual's pilot with an in-process daemon and a scripted engine.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, ListItem, ListView, Markdown, Static, TextArea

from codesaga.cli.render import shown
from codesaga.cli.repl import deleted_meanwhile, reopen_if_deleted
from codesaga.client.connection import Client
from codesaga.domain.errors import CancelledError, CodeSagaError, InputError
from codesaga.domain.extract import code_blocks


class Message(Markdown):
    """One turn of the conversation."""

    streamed: str | None = None  # the text shown so far of an answer streaming in

    DEFAULT_CSS = """
    Message { margin: 0 1 1 0; padding: 0 1; }
    Message.assistant { border-left: thick $success; }
    Message.interrupted { border-left: thick $warning; }
    """


class Said(Static):
    """One of the user's messages, shown as typed: read as Markdown, `<b>` vanished,
    `__repr__` turned bold and a pasted function ran into one paragraph."""

    DEFAULT_CSS = """
    Said { margin: 0 1 1 0; padding: 0 1; background: $boost; border-left: thick $accent; }
    """

    def __init__(self, text: str) -> None:
        super().__init__(Text.assemble(("You", "bold"), "\n\n", text), markup=False)
        self.source = text


WAIT_FOR_THE_ANSWER = "an answer is coming: wait for it, or Esc cancels it"
# Typed here, they went to the model as a message.
LINE_CHAT_COMMANDS = frozenset(
    [
        "/add",
        "/drop",
        "/clear",
        "/model",
        "/system",
        "/retry",
        "/undo",
        "/save",
        "/sessions",
        "/help",
        "/exit",
    ]
)
INTERRUPTED = "\n\n*(interrupted)*"  # after an answer cut short: it looks whole otherwise


class ChatApp(App[None]):
    TITLE = "CodeSaga chat"
    CSS = """
    #sessions { width: 22; max-width: 30%; border-right: solid $panel; }
    #conversation { height: 1fr; }
    #input { height: 5; }
    #status { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", "Send", priority=True),
        Binding("escape", "cancel", "Cancel answer", priority=True),
        Binding("ctrl+n", "new_session", "New session", priority=True),
        Binding("ctrl+y", "copy_code", "Copy code", priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, backend: Client, session: dict[str, Any], n_ctx: int) -> None:
        super().__init__()
        self.backend = backend
        self.session = session
        self.n_ctx = n_ctx
        self.answering = False
        self.loading = False  # a session being fetched: sending waits for it
        self.cancel_asked = False  # Esc pressed during this answer
        self.session_empty = False  # the session shown has no turns and no attachments
        self.loader: threading.Thread | None = None  # the last session load's
        self.send_waiting = False
        self.last_answer = ""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield ListView(id="sessions")
            with Vertical():
                yield VerticalScroll(id="conversation")
                yield TextArea(id="input", soft_wrap=True, show_line_numbers=False)
        # Plain text: it names the user's files and sessions, whose brackets (`[slug].tsx`,
        # `[/x]`) Textual's markup would drop or fail on.
        yield Static("", id="status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        # Kept at its end while laid out again (a resize rewraps it: the newest answer went
        # out of view) and as answers stream in, until the user scrolls up.
        self.query_one("#conversation", VerticalScroll).anchor()
        self.query_one("#input", TextArea).focus()
        self.load_session(self.session["id"])

    # -- sessions ----------------------------------------------------------------------------

    def load_session(self, session_id: str | None) -> None:
        """Show ``session_id`` (None: a new one) and the list of sessions, asked for off the
        app's thread: after the daemon's idle exit the first call starts a new daemon, which
        takes seconds (a minute at most), and the app froze meanwhile, Ctrl+Q included."""
        if self.answering:
            self.set_status(WAIT_FOR_THE_ANSWER)
            return
        if self.loading:
            return
        self.loading = True
        self.set_status("loading the session…")
        # A daemon thread, not a Textual worker: the app waits for its workers to end when
        # it quits, and a quit is not to wait for a daemon's start.
        self.loader = threading.Thread(target=self._load, args=(session_id,), daemon=True)
        self.loader.start()

    def _load(self, session_id: str | None) -> None:
        try:
            if session_id is None:
                session_id = self.backend.call("sessions/open", {"new": True})["id"]
            full = self.backend.call("sessions/get", {"session": session_id})
        except (CodeSagaError, OSError) as exc:
            self._from_worker(self._loaded, None, None, f"error: {exc}")
        else:
            self._from_worker(self._loaded, full, self._listing(), None)

    def _loaded(
        self, full: dict[str, Any] | None, listing: list[dict[str, Any]] | None, problem: str | None
    ) -> None:
        self.loading = False
        self.query_one("#input", TextArea).focus()  # Ctrl+N from the list left it there
        if full is not None:
            self._show(full)
        if listing is not None:
            self._list(listing)
        if problem:
            self.set_status(problem)
            self.send_waiting = False  # the draft stays in the input, to send again
        elif self.send_waiting:
            self.send_waiting = False
            self._send()

    def _list(self, sessions: list[dict[str, Any]]) -> None:
        listing = self.query_one("#sessions", ListView)
        listing.clear()
        for s in sessions:
            shown = "▸ " if s["id"] == self.session["id"] else ""  # the list marked none
            label = Static(f"{shown}{s['name']} ({s['turns']})", markup=False)
            listing.append(ListItem(label, name=s["id"]))
        ids = [s["id"] for s in sessions]
        if self.session["id"] in ids:
            listing.index = ids.index(self.session["id"])

    def _show(self, full: dict[str, Any]) -> None:
        self.session = {"id": full["id"], "name": full["name"], "key": full.get("key")}
        self.session_empty = not full["turns"] and not full.get("attachments")
        box = self.query_one("#conversation", VerticalScroll)
        box.remove_children()
        for turn in full["turns"]:
            box.mount(self._message(turn["role"], turn["content"], turn["interrupted"]))
        # Ctrl+Y copies from this session's last answer (it copied the one last streamed,
        # in whichever session, and nothing on opening one).
        answers = [t["content"] for t in full["turns"] if t["role"] == "assistant"]
        self.last_answer = answers[-1] if answers else ""
        box.scroll_end(animate=False)
        self.sub_title = full["name"]
        attached = [
            Path(a["path"]).name + (f":{a['lines']}" if a.get("lines") else "")
            for a in full.get("attachments", [])
        ]
        status = f"session {full['name']} · {len(full['turns'])} messages"
        self.set_status(status + (f" · attached: {', '.join(attached)}" if attached else ""))

    @on(ListView.Selected, "#sessions")
    def switch_session(self, event: ListView.Selected) -> None:
        if event.item.name is not None:
            self.load_session(event.item.name)
        self.query_one("#input", TextArea).focus()

    def action_new_session(self) -> None:
        if self.session_empty and not self.answering and not self.loading:
            # Each Ctrl+N made one more, and the empty sessions piled up in the list.
            self.set_status("this session is new already: type a message")
            self.query_one("#input", TextArea).focus()
            return
        self.load_session(None)

    # -- talking -------------------------------------------------------------------------------

    def _message(self, role: str, text: str, interrupted: bool = False) -> Message | Said:
        if role == "user":
            return Said(shown(text))
        if interrupted:
            return Message(shown(text) + INTERRUPTED, classes=f"{role} interrupted")
        return Message(shown(text), classes=role)

    def turns(self) -> list[Message | Said]:
        """The conversation shown, in order."""
        box = self.query_one("#conversation", VerticalScroll)
        return [t for t in box.children if isinstance(t, Message | Said)]

    def action_send(self) -> None:
        # A priority binding runs as the key arrives, while keys and pastes delivered just
        # before it may still wait in the input's queue: send once the input has taken them.
        self.query_one("#input", TextArea).call_later(self._send)

    def _send(self) -> None:
        box = self.query_one("#input", TextArea)
        text = box.text.strip()
        if not text:
            return
        if self.answering:  # the draft stays, to send once the answer is in
            self.set_status(WAIT_FOR_THE_ANSWER)
            return
        if text.split(maxsplit=1)[0] in LINE_CHAT_COMMANDS:  # sent, the model answered it
            self.set_status(
                f"{text.split()[0]} is a command of the line chat (codesaga chat); here: Ctrl+N "
                "new session, Ctrl+Y copy code, Esc cancel, Ctrl+Q quit"
            )
            return
        if self.loading:  # sent once the session is shown, to that session
            self.send_waiting = True
            self.set_status("sending once the session has loaded…")
            return
        box.clear()
        conversation = self.query_one("#conversation", VerticalScroll)
        conversation.mount(self._message("user", text))
        answer = Message("…", classes="assistant")
        conversation.mount(answer)
        conversation.scroll_end(animate=False)
        self.answering = True
        self.cancel_asked = False
        self.session_empty = False
        self.set_status("answering… (Esc cancels)")
        self.ask(text, answer)

    @work(thread=True, exclusive=True)
    def ask(self, text: str, answer: Message) -> None:
        parts: list[str] = []
        shown = 0.0

        def on_delta(delta: str) -> None:
            nonlocal shown
            parts.append(delta)
            if time.monotonic() - shown > 0.1:  # redraw at most ten times a second
                shown = time.monotonic()
                self._from_worker(self._stream, answer, "".join(parts))

        def chat(session_id: str) -> dict[str, Any]:
            params = {"session": session_id, "message": text, "stream": True}
            reply: dict[str, Any] = self.backend.call("chat", params, on_delta=on_delta)
            return reply

        try:
            try:
                reply = chat(self.session["id"])
            except InputError:
                # Deleted meanwhile (another terminal, `sessions delete`): every message
                # failed on it until another session was picked.
                fresh = reopen_if_deleted(self.backend, self.session)
                if fresh is None:
                    raise
                self._from_worker(self._reopened, fresh, answer)
                reply = chat(fresh["id"])  # nothing was kept of the message
                reply.setdefault("warnings", []).insert(0, deleted_meanwhile(fresh["name"]))
        except CancelledError as exc:
            # Esc's, or the daemon's own (it stopped), which says why; then no listing: it
            # would start a new daemon right after `codesaga daemon stop`.
            if self.cancel_asked:
                listing = self._listing()
                self._from_worker(self._ended, answer, "".join(parts), "cancelled", None, listing)
            else:
                self._from_worker(self._ended, answer, "".join(parts), f"error: {exc}", None, None)
        except CodeSagaError as exc:
            # No listing: the daemon may be gone, and a new one's start is not for this
            # worker to wait out (the app waits for its workers when it quits).
            self._from_worker(self._ended, answer, "".join(parts), f"error: {exc}", None, None)
            self._from_worker(self._restore_draft, text)
        else:
            self._from_worker(self._ended, answer, reply["text"], None, reply, self._listing())

    def _reopened(self, fresh: dict[str, Any], answer: Message) -> None:
        """``fresh`` stands in for the session deleted meanwhile: the conversation shown is
        its, the message being answered and its answer."""
        self.session = {"id": fresh["id"], "name": fresh["name"], "key": fresh.get("key")}
        for turn in self.turns()[:-2]:
            turn.remove()
        self.last_answer = ""
        self.sub_title = fresh["name"]

    def _listing(self) -> list[dict[str, Any]] | None:
        """The sessions with their turn counts, for a worker (off the app's thread)."""
        with contextlib.suppress(CodeSagaError, OSError):
            return list(self.backend.call("sessions/list", {})["sessions"])
        return None

    def _from_worker(self, update: Callable[..., object], *args: object) -> None:
        """Run ``update`` on the app's thread, unless the app has ended (quit while the
        answer came): then there is nothing left to update."""
        with contextlib.suppress(RuntimeError):
            if self.is_running:
                self.call_from_thread(update, *args)

    def _stream(self, answer: Message, text: str) -> None:
        new = shown(text)  # character by character: what was shown is a prefix of it
        if answer.streamed is not None and new.startswith(answer.streamed):
            # Only what came since, parsed from the last block on: the whole answer parsed
            # and laid out again ten times a second took a third of a core from the model.
            answer.append(new[len(answer.streamed) :])
        else:
            answer.update(new)
        answer.streamed = new
        self.query_one("#conversation", VerticalScroll).scroll_end(animate=False)

    def _ended(
        self,
        answer: Message,
        text: str,
        problem: str | None,
        reply: dict[str, Any] | None,
        listing: list[dict[str, Any]] | None,
    ) -> None:
        self.answering = False
        answer.update((shown(text) or "*(no answer)*") + (INTERRUPTED if problem else ""))
        if problem:
            answer.add_class("interrupted")
            self.set_status(problem)
        elif reply is not None:
            self.last_answer = text
            self.set_status(self._usage(reply))
        self.query_one("#conversation", VerticalScroll).scroll_end(animate=False)
        if listing is not None:
            self._list(listing)

    def _restore_draft(self, text: str) -> None:
        """The message that failed goes back into an empty input, to send again."""
        box = self.query_one("#input", TextArea)
        if not box.text.strip():
            box.text = text

    def _usage(self, reply: dict[str, Any]) -> str:
        usage = reply.get("usage", {})
        tokens = usage.get("completion_tokens", 0)
        seconds = usage.get("generation_seconds", 0.0)
        speed = f"{(tokens - 1) / seconds:.1f} tok/s" if seconds > 0 and tokens > 1 else "- tok/s"
        used = usage.get("prompt_tokens", 0) + tokens
        # Every warning (the notice of turns left out is one): an answer cut off by its
        # token limit showed nothing but its end.
        said = "".join(f" · {warning}" for warning in reply.get("warnings", []))
        n_ctx = reply.get("n_ctx", self.n_ctx)  # the daemon's, not this shell's setting
        return f"{reply['model']} · {speed} · context {used}/{n_ctx}{said}"

    def on_key(self, event: events.Key) -> None:
        # Keys typed with the session list (or the conversation) focused went nowhere: the
        # message was lost, and Ctrl+S sent nothing. They go to the input now.
        box = self.query_one("#input", TextArea)
        if self.focused is not box and event.is_printable and event.character:
            box.focus()
            box.insert(event.character)
            event.stop()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Escape cancels an answer; with none, it goes on to what has the focus (the command
        # palette, which the priority binding kept open).
        return (True if self.answering else None) if action == "cancel" else True

    def action_cancel(self) -> None:
        if self.answering:
            self.cancel_asked = True
            self.backend.cancel_current()
            self.set_status("cancelling…")

    async def action_quit(self) -> None:
        # The answer's worker waits on the daemon: cancelled, it ends at once; left running,
        # the app stayed up (its terminal given back) until the next token came.
        if self.answering:
            self.backend.cancel_current()
        self.exit()

    def action_copy_code(self) -> None:
        blocks = [b for b in code_blocks(self.last_answer) if b.code.strip()]
        if not blocks:
            self.set_status("no code block in the last answer")
            return
        self.copy_to_clipboard(blocks[-1].code + "\n")
        self.set_status(f"copied the last code block ({len(blocks[-1].code.splitlines())} lines)")

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)
