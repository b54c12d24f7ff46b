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
    _show_upstreams([upstream], ["pages/[slug].tsx"])
    render.stdout.print("fixing app/[id]/page.tsx")
    render.note("`pytest tests/[unit]` fails")
    out, err = capsys.readouterr()
    assert "[openai]" in out and "pages/[slug].tsx" in out and "app/[id]/page.tsx" in out
    assert "tests/[unit]" in err
