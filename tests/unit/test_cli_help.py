"""The command lists in --help: one flowing summary per command."""

from __future__ import annotations

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
