"""The command lists in --help: one flowing summary per command."""

from __future__ import annotations

import pytest

from codesaga.cli import app as cli
from codesaga.cli.commands import rewrite


def test_every_command_summary_is_one_line() -> None:
    groups = [cli.app, *(module.app for module in cli.GROUPS.values())]
    commands = [info for group in groups for info in group.registered_commands]
    assert len(groups) >= 9 and len(commands) >= 30
    for info in commands:
        assert info.short_help and "\n" not in info.short_help, info.callback
    refactor = next(i for i in cli.app.registered_commands if i.callback is rewrite.refactor)
    assert "one saga: journaled, validated" in str(refactor.short_help)  # was split in two


def test_piped_text_that_is_not_utf8_is_read_with_replacement_characters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `python app.py 2>&1 | codesaga fix app.py --error -` with output in another encoding:
    # the bytes became surrogates that no request can carry (a traceback).
    import io

    from codesaga.cli.options import piped_text
    from codesaga.protocol import jsonrpc as p

    piped = io.TextIOWrapper(io.BytesIO(b"Error: caf\xe9\n"), errors="surrogateescape")
    monkeypatch.setattr("sys.stdin", piped)
    text = piped_text()
    assert text == "Error: caf\ufffd\n"
    assert p.encode_request("fix", {"error": text})
