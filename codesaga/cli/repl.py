"""The terminal chat: a REPL over a persistent session, streaming rendered Markdown."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codesaga.cli import render
from codesaga.cli.options import model_here
from codesaga.domain.chat import session_key_for
from codesaga.domain.errors import CodeSagaError, InputError
from codesaga.fs import private_dir, write_atomic

if TYPE_CHECKING:
    from codesaga.client.connection import Client
    from codesaga.settings import Settings

HELP = """\
/add FILE[:A-B]   attach a file (or lines A to B) as context for the next answers
/drop [FILE]      detach a file, or all files
/clear            forget the conversation (attachments stay)
/model [NAME]     use another model in this session (no name: the chat role's model)
/system TEXT      replace the system prompt (empty: the default)
/retry            answer the last message again
/undo             remove the last question and its answer
/save [FILE]      export the session as Markdown to a new file (default: NAME.md;
                  /save --force FILE replaces one)
/sessions         list sessions
/help             this help
/exit             quit (or Ctrl-D); Ctrl-C cancels an answer, not the session
Pasted lines are one message, sent with Enter."""

WAITING_FOR_THE_FIRST_TOKEN = "loading the model and reading the conversation (Ctrl-C stops)"


def current_key(cwd: Path) -> str:
    """The repository root and branch of ``cwd``, or ``cwd`` itself outside a repository."""

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(
                ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=5, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    root = git("rev-parse", "--show-toplevel")
    branch = git("rev-parse", "--abbrev-ref", "HEAD") if root else None
    return session_key_for(root, branch, str(cwd.resolve()))


class Answer:
    """Shows an answer as it streams: rendered Markdown on a terminal, raw text otherwise.

    Only the answer's last lines are redrawn as it grows, in a view of at most half the
    screen; the lines above them are printed once, for good. (rich's ``Live`` redraws the
    whole answer: past the screen's height it wrote the answer into the scrollback again at
    each refresh.)"""

    REFRESH_SECONDS = 0.1

    def __init__(self) -> None:
        self.text = ""
        self._console: Any = None
        self._view_start = 0  # the first rendered line of the view redrawn (those above it
        # are printed for good)
        self._view_lines = 0  # the view's lines on the screen (the cursor is on its last)
        self._drawn = 0.0  # when the view was last redrawn
        self._echo_restore: tuple[int, list[Any]] | None = None  # the terminal's, to put back
        # Until the first token: after an idle exit the daemon starts and loads the model
        # first (half a minute on a laptop), and the prompt sat silent all that time.
        self._waiting: render.Spinner | None = None

    def __enter__(self) -> Answer:
        if render.stdout.is_terminal:
            self._console = render.stdout
            self._echo_off()
            self._waiting = render.Spinner("answering", WAITING_FOR_THE_FIRST_TOKEN).__enter__()
        return self

    def _stop_waiting(self) -> None:
        if self._waiting is not None:
            self._waiting.__exit__(None, None, None)
            self._waiting = None

    def _echo_off(self) -> None:
        """Keys typed while the answer streams are not echoed (they stay typed ahead for
        the next prompt): an Enter echoed moved the cursor, and the view's next redraw
        went back one line short and drew lines twice."""
        import termios

        with contextlib.suppress(OSError, termios.error, ValueError):
            fd = sys.stdin.fileno()
            if os.isatty(fd):
                attrs = termios.tcgetattr(fd)
                self._echo_restore = (fd, list(attrs))
                attrs[3] &= ~termios.ECHO
                termios.tcsetattr(fd, termios.TCSADRAIN, attrs)

    def _echo_on(self) -> None:
        import termios

        if self._echo_restore is not None:
            fd, attrs = self._echo_restore
            self._echo_restore = None
            with contextlib.suppress(OSError, termios.error):
                termios.tcsetattr(fd, termios.TCSADRAIN, attrs)

    def on_delta(self, text: str) -> None:
        self._stop_waiting()
        self.text += text
        if self._console is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        elif time.monotonic() - self._drawn >= self.REFRESH_SECONDS:
            self._draw(final=False)

    def _draw(self, *, final: bool) -> None:
        from rich.markdown import Markdown
        from rich.segment import Segment, Segments

        console = self._console
        # A column short of the screen's width: a line that fills it leaves the cursor
        # waiting to wrap, where terminals differ (tmux then counts a line more going up).
        options = console.options.update_width(max(1, console.width - 1))
        lines = console.render_lines(
            Markdown(render.shown(self.text)), options, pad=False, new_lines=False
        )
        # The last lines may still change (a paragraph being written rewraps, a table fills
        # in); those above them no longer do, and leave the view for good.
        settled = len(lines) if final else len(lines) - max(1, console.height // 2)
        block = lines[self._view_start :]
        segments: list[Segment] = []
        for n, line in enumerate(block):
            segments += [*line, *([Segment.line()] if n < len(block) - 1 else [])]
        with console.capture() as capture:
            console.print(Segments(segments), end="")
        # Back to the view's first line, cleared to the end of the screen, then drawn anew.
        up = "\x1b[1A" * max(0, self._view_lines - 1)
        end = "\n" if final and block else ""
        console.file.write(f"\r{up}\x1b[J{capture.get()}{end}")
        console.file.flush()
        self._view_start = max(self._view_start, settled)
        self._view_lines = len(lines) - self._view_start
        self._drawn = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        self._stop_waiting()
        try:
            if self._console is not None:
                self._draw(final=True)
            elif self.text and not self.text.endswith("\n"):
                sys.stdout.write("\n")
        finally:
            self._echo_on()


def ask(
    client: Client,
    session_id: str,
    message: str | None,
    model: str | None,
) -> dict[str, Any] | None:
    """One turn, streamed; None when cancelled with Ctrl-C."""
    params: dict[str, Any] = {"session": session_id, "stream": True, "model": model}
    params.update({"message": message} if message is not None else {"retry": True})
    params = {k: v for k, v in params.items() if v is not None}
    try:
        with Answer() as answer:
            reply: dict[str, Any] = client.call("chat", params, on_delta=answer.on_delta)
    except KeyboardInterrupt:
        # Said once the answer's last lines are drawn: said before, the final redraw went
        # back over it, erased it and drew those lines twice.
        render.note("(cancelled; the partial answer is kept, marked interrupted)")
        return None
    for warning in reply.get("warnings", []):
        render.warn(warning)
    return reply


def reopen_if_deleted(client: Client, session: dict[str, Any]) -> dict[str, Any] | None:
    """A new session of ``session``'s name (and key), if it was deleted meanwhile (another
    terminal, `sessions delete`); None if it still stands."""
    try:
        client.call("sessions/get", {"session": session["id"]})
        return None
    except InputError:
        pass
    params = {"name": session["name"], "key": session.get("key"), "new": True}
    fresh: dict[str, Any] = client.call("sessions/open", params)
    return fresh


def deleted_meanwhile(name: str) -> str:
    return f"session {name!r} was deleted meanwhile: a new one of that name goes on"


class Repl:
    def __init__(
        self,
        client: Client,
        session: dict[str, Any],
        settings: Settings,
        model: str | None,
    ) -> None:
        self.client = client
        self.session = session
        self.settings = settings
        self.model = model

    def run(self) -> None:
        self._line_editing()
        render.note(
            f"chat session {self.session['name']!r} ({self.session['turns']} messages "
            "so far) · /help for commands · Ctrl-D to quit"
        )
        while True:
            try:
                line = input("you> ")
            except EOFError:
                sys.stdout.write("\n")
                return
            except KeyboardInterrupt:
                sys.stdout.write("\n")
                continue
            text = line.strip()
            if not text:
                continue
            try:
                if text.startswith("/"):
                    if self.command(text):
                        return
                else:
                    self._ask(line)
            except CodeSagaError as exc:
                render.error(str(exc))
            except KeyboardInterrupt:  # during a command: it stops, the chat goes on
                render.note("(interrupted)")

    def _ask(self, line: str) -> None:
        try:
            ask(self.client, self.session["id"], line, self.model)
        except InputError:
            if not self._reopened():
                raise
            ask(self.client, self.session["id"], line, self.model)  # nothing was kept of it

    def _reopened(self) -> bool:
        """Whether the session was deleted meanwhile, and a new one of its name is open in its
        place: every later message failed on it, and the REPL had no way out but to quit."""
        fresh = reopen_if_deleted(self.client, self.session)
        if fresh is None:
            return False
        self.session = fresh
        render.warn(deleted_meanwhile(fresh["name"]))
        return True

    def _line_editing(self) -> None:
        """Input history across sessions, and pasting: CPython turns readline's bracketed
        paste off, so a pasted block of lines was asked as one question per line; on, it is
        one question, sent with Enter (libedit has no such setting)."""
        with contextlib.suppress(ImportError, OSError):
            import readline

            if "libedit" not in (readline.__doc__ or ""):
                readline.parse_and_bind("set enable-bracketed-paste on")

            path = self.settings.state_dir / "chat_history"
            private_dir(path.parent)
            if path.exists():
                readline.read_history_file(path)
            readline.set_history_length(1000)
            import atexit

            start = readline.get_current_history_length()
            atexit.register(_save_history, readline, path, start)

    def command(self, text: str) -> bool:
        """Run a slash command; True to quit."""
        name, _, arg = text.partition(" ")
        arg = arg.strip()
        sid = self.session["id"]
        rpc = self.client.call
        if name in ("/exit", "/quit"):
            return True
        if name == "/help":
            render.stdout.print(HELP)
        elif name == "/add":
            if not arg:
                raise_usage("/add FILE or /add FILE:A-B")
            s = attach(self.client, sid, arg)
            render.note("attached: " + ", ".join(s["attachments"]))
        elif name == "/drop":
            # As /add names it (`~` expanded, `f.py:1-2`); the daemon matches the path (every
            # range of it) or the path with its range as attachments label it (`f.py:1:2`).
            name, lines = split_range(arg)
            path = str(Path(name).expanduser().absolute()) if arg else None
            if path and lines:
                path += f":{lines}"
            s = rpc("sessions/detach", {"session": sid, "path": path})
            render.note("attached: " + (", ".join(s["attachments"]) or "nothing"))
        elif name == "/clear":
            rpc("sessions/clear", {"session": sid})
            render.note("conversation cleared")
        elif name == "/model":
            arg = model_here(arg) or ""  # a .gguf path: this folder's, not the daemon's
            # The model is loaded to check it (a name mistyped was saved, and every message
            # after failed): seconds without a word, the first time.
            spinner = render.Spinner(arg, "loading the model") if arg else contextlib.nullcontext()
            with spinner:
                rpc("sessions/set", {"session": sid, "model": arg})
            self.model = arg or None
            render.note(f"model: {arg or 'the chat role default'}")
        elif name == "/system":
            rpc("sessions/set", {"session": sid, "system": arg})
            render.note("system prompt " + ("replaced" if arg else "reset to the default"))
        elif name == "/retry":
            ask(self.client, sid, None, self.model)
        elif name == "/undo":
            s = rpc("sessions/undo", {"session": sid})
            render.note(f"removed {s['removed']} messages")
        elif name == "/save":
            # A session's name is no path: "../x" or "~/x" must not write elsewhere.
            parts = [p for p in re.split(r"[/\\]+", self.session["name"]) if p.strip(".")]
            named = re.sub(r"[^\w.-]+", "_", "_".join(parts)).strip("._") or "chat"
            force = arg.split(maxsplit=1)[:1] == ["--force"]
            arg = arg.removeprefix("--force").strip() if force else arg
            target = Path(arg).expanduser() if arg else Path(f"{named}.md")
            # A file of that name is the user's (a session named "README", a mistyped
            # `/save notes.txt`): replaced only when asked; nor is a repository's link of
            # that name a way to write elsewhere.
            if not force and (target.exists() or target.is_symlink()):
                render.warn(f"{target} exists; /save --force {arg or target} replaces it")
                return False
            text_md = rpc("sessions/export", {"session": sid, "format": "markdown"})["text"]
            try:
                write_atomic(target, text_md)
            except OSError as exc:  # a missing folder, a directory, no permission
                render.error(f"cannot save to {target}: {exc.strerror or exc}")
                return False
            render.note(f"saved to {target}")
        elif name == "/sessions":
            for s in rpc("sessions/list", {})["sessions"]:
                mark = "*" if s["id"] == sid else " "
                render.stdout.print(f"{mark} {s['name']}  ({s['turns']} messages)")
        else:
            render.warn(f"unknown command {name}; /help lists them")
        return False


def attach(client: Client, session_id: str, spec: str) -> dict[str, Any]:
    """Attach ``FILE`` or ``FILE:A-B`` to the session; returns the session."""
    file, lines = split_range(spec)
    path = Path(file).expanduser().absolute()
    params = {"session": session_id, "path": str(path), "lines": lines}
    session: dict[str, Any] = client.call("sessions/attach", params)
    return session


def split_range(arg: str) -> tuple[str, str | None]:
    """``app.py:10-20`` -> ("app.py", "10:20"); a path alone has no range."""
    head, sep, tail = arg.rpartition(":")
    if sep and tail.replace("-", "").isdigit():
        return head, tail.replace("-", ":")
    return arg, None


def raise_usage(usage: str) -> None:
    from codesaga.domain.errors import UsageError

    raise UsageError(f"usage: {usage}")


def _save_history(readline: Any, path: Path, start: int) -> None:
    """Add this chat's lines to the history file (``start``: how many it read): written
    whole, the last of two chats to end erased the other's. Private whatever the umask:
    what a user asked stays theirs."""
    with contextlib.suppress(OSError):
        added = readline.get_current_history_length() - start
        if added <= 0:
            return
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        readline.append_history_file(added, str(path))  # kept to the history's length
        path.chmod(0o600)
