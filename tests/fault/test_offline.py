"""Nothing leaves the machine: the main commands, and the daemon they start, run with every
connection beyond loopback refused and written down; the list must stay empty."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import Cli

# Loaded by every Python process of the test through PYTHONPATH (the CLI, the daemon it
# spawns, the hook): refuses and records any connection or name look-up off loopback.
GUARD = textwrap.dedent(
    """
    import ipaddress, os, socket

    _LOG = os.environ["CODESAGA_NET_GUARD_LOG"]
    _LOOPBACK_NAMES = {"localhost", "localhost.", "ip6-localhost"}

    def _record(what):
        with open(_LOG, "a") as f:
            f.write(f"{os.getpid()} {what}\\n")

    def _loopback(host):
        if host is None or host in _LOOPBACK_NAMES:
            return True
        try:
            return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
        except ValueError:
            return False

    def _checked(address, family):
        if family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            _record(f"connect {address!r}")
            raise OSError(101, "CodeSaga's offline test: network unreachable")

    _connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
    _sendto, _getaddrinfo = socket.socket.sendto, socket.getaddrinfo

    def connect(self, address):
        _checked(address, self.family)
        return _connect(self, address)

    def connect_ex(self, address):
        _checked(address, self.family)
        return _connect_ex(self, address)

    def sendto(self, data, *args):
        _checked(args[-1], self.family)
        return _sendto(self, data, *args)

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, bytes):
            host = host.decode()
        if not _loopback(host):
            _record(f"resolve {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, "CodeSaga's offline test: no names")
        return _getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    socket.socket.sendto, socket.getaddrinfo = sendto, getaddrinfo
    """
)

SOURCE = "def mean(values):\n    return sum(values) / len(values)\n\n\nprint(mean([1, 2]))\n"


@pytest.fixture
def offline(cli: Cli, tmp_path: Path) -> Path:
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "network.log"
    log.touch()
    cli.env.update(PYTHONPATH=str(guard), CODESAGA_NET_GUARD_LOG=str(log))
    cli.env["CODESAGA_MAX_TOKENS"] = "48"
    return log


@pytest.mark.model
def test_the_main_commands_never_reach_beyond_loopback(
    cli: Cli, offline: Path, tmp_path: Path, figure_log: list[str]
) -> None:
    # The guard works: a connection off loopback is refused and written down
    probe = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('192.0.2.1', 80), 1)"],
        env=cli.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode != 0 and "192.0.2.1" in offline.read_text()
    offline.write_text("")

    src = tmp_path / "stats.py"
    src.write_text(SOURCE)
    repo = tmp_path / "repo"
    repo.mkdir()
    for args in (["init", "-q"], ["config", "user.email", "a@b.c"], ["config", "user.name", "A"]):
        subprocess.run(["git", *args], cwd=repo, check=True)
    (repo / "m.py").write_text(SOURCE)
    subprocess.run(["git", "add", "m.py"], cwd=repo, check=True)
    commands = [
        ["models", "pull", "qwen2.5-coder-0.5b"],  # installed: verified, not fetched
        ["models", "list"],
        ["generate", "a Python function that returns 42"],
        ["complete", str(src), "--line", "2", "--column", "12"],
        ["refactor", str(src), "--instruction", "add type hints"],
        ["fix", str(src), "--error", "ZeroDivisionError: division by zero"],
        ["chat", "In one word: is Python typed?"],
        ["requests"],
        ["stats"],
        ["daemon", "status"],
        ["config", "show"],
        ["hook", "run", "--mode", "suggest"],
        ["saga", "list"],
        ["--no-daemon", "generate", "x = 1 in Python"],
        ["daemon", "stop"],
    ]
    for args in commands:
        done = cli(*args) if args[0] != "hook" else _in(repo, cli, *args)
        assert done.returncode == 0, f"{args}: {done.stderr}"
    attempts = offline.read_text().splitlines()
    figure_log.append(f"offline: {len(commands)} commands, {len(attempts)} attempts off loopback")
    assert attempts == []


def _in(cwd: Path, cli: Cli, *args: str) -> subprocess.CompletedProcess[str]:
    return Cli(cli.env, cwd)(*args)
