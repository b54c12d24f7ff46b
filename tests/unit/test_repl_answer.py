"""A chat answer streamed to a terminal, read back from a terminal emulator (pyte) with its
scrollback: every line of the answer is there once."""

from __future__ import annotations

import io
import time

import pyte
import pytest
from rich.console import Console
from rich.markdown import Markdown

from codesaga.cli import render, repl

WIDTH, HEIGHT = 50, 10


def streamed(
    monkeypatch: pytest.MonkeyPatch, text: str, pieces: int = 7, pause: float = 0.0
) -> list[str]:
    """What the screen and its scrollback hold after ``text`` streamed as an answer, in
    pieces of ``pieces`` characters, each drawn as it came, ``pause`` seconds apart."""
    out = io.StringIO()
    monkeypatch.setattr(render, "stdout", terminal(out))
    monkeypatch.setattr(repl.Answer, "REFRESH_SECONDS", 0.0)
    with repl.Answer() as answer:
        for start in range(0, len(text), pieces):
            answer.on_delta(text[start : start + pieces])
            time.sleep(pause)
    return terminal_rows(out.getvalue())


def terminal(out: io.StringIO) -> Console:
    """A console that writes to ``out`` as to a terminal of WIDTH × HEIGHT."""
    return Console(
        file=out, force_terminal=True, width=WIDTH, height=HEIGHT,
        highlight=False, soft_wrap=True, markup=False, color_system=None,
    )  # fmt: skip


def terminal_rows(written: str) -> list[str]:
    """The screen's and its scrollback's lines after ``written`` was fed to a terminal."""
    screen = pyte.HistoryScreen(WIDTH, HEIGHT, history=10_000, ratio=1)
    screen.set_mode(pyte.modes.LNM)  # "\n" starts a line, as a terminal's tty makes it
    pyte.Stream(screen).feed(written)
    scrolled = ["".join(row[x].data for x in range(WIDTH)) for row in screen.history.top]
    rows = [row.rstrip() for row in [*scrolled, *screen.display]]
    while rows and not rows[-1]:
        rows.pop()
    return rows


def rendered(text: str) -> list[str]:
    console = Console(width=WIDTH - 1, color_system=None, file=io.StringIO())
    lines = console.render_lines(Markdown(text), pad=False, new_lines=False)
    return ["".join(segment.text for segment in line).rstrip() for line in lines]


def test_a_long_answer_is_in_the_scrollback_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # rich's Live, past the screen's height, wrote the whole answer again at each refresh.
    text = "".join(f"Step {n}: read the value and check it.\n\n" for n in range(40))
    # Paused as a model's tokens are (a redraw at every piece; a refresh of Live's too).
    assert streamed(monkeypatch, text, pieces=90, pause=0.11) == rendered(text)


def test_markdown_that_changes_as_it_streams_ends_as_rendered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A paragraph rewraps as words come; a code block and a list restyle their lines.
    text = (
        "Here is a fix. " * 12
        + "\n\n```python\n"
        + "".join(f"value_{n} = compute({n})\n" for n in range(14))
        + "```\n\n"
        + "".join(f"- item {n}\n" for n in range(8))
    )
    assert streamed(monkeypatch, text, pieces=3) == rendered(text)


def test_the_wait_for_the_first_token_is_shown_then_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # After an idle exit the daemon starts and loads the model before the first token:
    # the prompt sat silent for half a minute, as if the chat had hung.
    out = io.StringIO()
    console = terminal(out)
    monkeypatch.setattr(render, "stdout", console)
    monkeypatch.setattr(render, "stderr", console)  # one terminal, as a user's is
    text = "Use `pathlib.Path.read_text` here.\n\nIt closes the file for you."
    with repl.Answer() as answer:
        time.sleep(0.3)  # the model loads
        waited = out.getvalue()
        for start in range(0, len(text), 7):
            answer.on_delta(text[start : start + 7])
    assert f"answering: {repl.WAITING_FOR_THE_FIRST_TOKEN}"[:40] in waited  # cut at the width
    assert terminal_rows(out.getvalue()) == rendered(text)
