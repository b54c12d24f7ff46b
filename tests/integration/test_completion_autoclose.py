"""Completion after an editor's auto-closed bracket, with the real 0.5B model over the
daemon's socket: typed `def wrap(`, the editor added `)`, and the model writes the line on
(`self, width):`). Whatever it writes, the line must never read `...):)`."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from codesaga.client.connection import DaemonClient
from codesaga.client.lifecycle import connect
from codesaga.settings import load_settings
from tests.conftest import Cli, stop_daemon

# Real code that is not ours: its `def` lines, each cut after its `(` with `)` added.
LINES = Path(textwrap.__file__).read_text().split("\n")
DEFS = [i for i, line in enumerate(LINES) if line.lstrip().startswith("def ")][2:8]


@pytest.fixture
def client(cli: Cli, cli_env: dict[str, str]) -> Iterator[DaemonClient]:
    assert cli("daemon", "start").returncode == 0
    try:
        with connect(load_settings(cli_env), start=False) as c:
            yield c
    finally:
        stop_daemon(cli_env)


def written_line(
    client: DaemonClient, path: str, before: str, after: str, *, replace_rest: bool
) -> tuple[str, int]:
    """The cursor's line once the answer is put in as a client does (replacing what it says
    it replaces), and how many characters after the cursor it replaced."""
    result = client.call(
        "complete",
        {"prefix": before, "suffix": after, "path": path, "gate": False,
         "replaceRest": replace_rest},
    )  # fmt: skip
    replaced = int(result["replace"])
    rest = after.split("\n")[0][replaced:]
    return before.rsplit("\n", 1)[-1] + result["text"] + rest, replaced


def test_a_suggestion_never_doubles_an_auto_closed_bracket(client: DaemonClient) -> None:
    replaced = 0
    for i in DEFS:
        typed = LINES[i][: LINES[i].index("(") + 1]
        before = "\n".join([*LINES[:i], typed])
        after = ")\n" + "\n".join(LINES[i + 1 :])
        for replace_rest in (True, False):
            line, n = written_line(
                client, "/w/textwrap.py", before, after, replace_rest=replace_rest
            )
            assert line.count(")") <= line.count("("), (replace_rest, line)
            if replace_rest:
                replaced += n > 0
            else:
                assert n == 0, line  # a client that cannot replace gets insertions only
    # The model does write `def` lines on past the bracket: replacing is exercised.
    assert replaced >= 1


def test_a_suggestion_never_doubles_an_auto_closed_quote(client: DaemonClient) -> None:
    """`open("` reads `open("|")`: the model ends the string and goes on (`data.json") as
    f:`); the line must never read `...as f:")`."""
    cases = [
        ('def load(path):\n    with open("', '")\n        return json.load(f)\n'),
        ('def run(n):\n    log.info("', '")\n    return n\n'),
        ('def greet(name):\n    print(f"', '")\n'),
    ]
    for before, after in cases:
        for replace_rest in (True, False):
            line, _ = written_line(client, "/w/q.py", before, after, replace_rest=replace_rest)
            assert line.count('"') % 2 == 0 and line.count(")") == line.count("("), line
