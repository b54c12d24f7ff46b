"""What the CLI prints is the user's text as it is: no rich markup read into it."""

from __future__ import annotations

import pytest

from codesaga.cli import render
from codesaga.cli.commands.upstreams import _show_upstreams


def test_brackets_in_paths_and_kinds_are_printed_not_taken_for_styles(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before, `[openai]` vanished from `upstreams list` and `[slug]` from a Next.js path."""
    upstream = dict(
        name="gpu", url="http://127.0.0.1:8080", kind="openai", roles=["chat"], model="m",
        key="none", status="ok",
    )  # fmt: skip
    _show_upstreams([upstream], 1, ["pages/[slug].tsx"])
    render.stdout.print("fixing app/[id]/page.tsx")
    render.note("`pytest tests/[unit]` fails")
    out, err = capsys.readouterr()
    assert "[openai]" in out and "pages/[slug].tsx" in out and "app/[id]/page.tsx" in out
    assert "tests/[unit]" in err


def test_upstreams_say_a_daemon_started_without_this_shells_and_one_not_asked_yet(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # "Set CODESAGA_UPSTREAM_URL" to someone who had (the daemon started before), and
    # "ready" for a server nobody had asked anything.
    _show_upstreams([], 1)
    assert "this shell's settings name 1: `codesaga daemon restart`" in capsys.readouterr().out
    upstream = dict(
        name="gpu", url="http://127.0.0.1:8080", kind="openai", roles=["chat"], model="m",
        key="none", status="ready", last_used_at=None,
    )  # fmt: skip
    _show_upstreams([upstream], 1)
    assert "not asked yet" in capsys.readouterr().out
    _show_upstreams([{**upstream, "last_checked_at": 1795500000.0}], 1)  # checked since
    assert "not asked yet" not in capsys.readouterr().out


def test_a_models_escape_sequences_never_reach_the_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An answer (steered by a file it was shown, say) with ESC sequences in it cleared the
    # screen, or wrote to the clipboard (OSC 52), when the chat printed it.
    import io

    from rich.console import Console

    from codesaga.cli.repl import Answer

    hostile = "ok\x1b]52;c;cm0gLXJmIH4=\x07 \x1b[2J\x9b31m done\r\n"
    assert render.shown(hostile) == "ok]52;c;cm0gLXJmIH4= [2J31m done\n"
    screen = io.StringIO()
    monkeypatch.setattr(render, "stdout", Console(file=screen, force_terminal=True, width=80))
    with Answer() as answer:
        for piece in (hostile[:5], hostile[5:]):  # a sequence split over two pieces
            answer.on_delta(piece)
    printed = screen.getvalue()
    assert "done" in printed and "\x1b]52" not in printed and "\x1b[2J" not in printed
    assert "\x9b" not in printed
