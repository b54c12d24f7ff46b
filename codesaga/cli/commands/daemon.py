"""`codesaga daemon`: start, stop, restart, status and logs of the background daemon."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from codesaga.cli import render
from codesaga.cli.invocation import Invocation
from codesaga.cli.options import JsonOpt

if TYPE_CHECKING:
    from pathlib import Path

    from codesaga.protocol.runtime import Crash

app = typer.Typer(
    help="The background daemon that keeps models warm (started on first use).",
    no_args_is_help=True,
)


@app.command("start", epilog="Example: codesaga daemon start")
def daemon_start(
    ctx: typer.Context,
    foreground: Annotated[
        bool, typer.Option("--foreground", help="Run in this terminal until stopped.")
    ] = False,
) -> None:
    """Start the daemon (it is also started on first use by any command)."""
    if foreground:
        # This process becomes the daemon (same pid, terminal and environment): the CLI
        # itself imports nothing of it.
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, "-m", "codesaga.serve"])
    with Invocation.of(ctx).connect(models_matter=True) as client:
        render.note(f"daemon running (pid {client.server['daemon']['pid']})")


@app.command("stop", epilog="Example: codesaga daemon stop")
def daemon_stop(ctx: typer.Context) -> None:
    """Stop the daemon: running requests are cancelled and journaled as such."""
    from codesaga.client.lifecycle import Stop, stop_daemon

    stop = stop_daemon(Invocation.of(ctx).daemon_settings)
    if stop is Stop.KILLED:
        _say_killed()
    else:
        render.note("daemon stopped" if stop else "daemon was not running")


def _say_killed() -> None:
    render.warn(
        "the daemon did not answer and ignored SIGTERM: it was killed (SIGKILL); what it was "
        "running is journaled as failed when the next daemon starts (`codesaga daemon logs` "
        "may say why it hung)"
    )


@app.command("restart", epilog="Example: codesaga daemon restart")
def daemon_restart(ctx: typer.Context) -> None:
    """Stop the daemon if it runs, then start a fresh one (e.g. after upgrading)."""
    from codesaga.client.lifecycle import Stop, stop_daemon

    settings = Invocation.of(ctx).settings
    if stop_daemon(settings) is Stop.KILLED:
        _say_killed()
    with Invocation.of(ctx).connect(models_matter=True) as client:
        render.note(f"daemon running (pid {client.server['daemon']['pid']})")


@app.command("status", epilog="Example: codesaga daemon status --json")
def daemon_status(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Whether the daemon runs, its models, queues and idle time."""
    from codesaga.client.lifecycle import running_status
    from codesaga.protocol.runtime import RuntimePaths, is_locked

    settings = Invocation.of(ctx).daemon_settings
    paths = RuntimePaths(settings.runtime_dir)
    # With this shell's settings: those the daemon does not use (a variable set here alone)
    # were said by every other command, not by the one asked.
    answer = running_status(settings, {"settings": settings.fingerprint()})
    status: dict[str, Any] = {"running": False}
    if answer is not None:
        status = {"running": True, "settingsDiffer": [], **answer}
    elif is_locked(paths.lock):  # held from before it listens until after it stops listening
        status |= {"state": "starting or stopping", "pid": paths.read_pid()}
    if as_json:
        render.print_json(status)
        return
    if status.get("state"):
        pid = f" (pid {status['pid']})" if status["pid"] else ""
        render.stdout.print(f"daemon: starting or stopping{pid}; ask again in a moment")
        return
    if not status["running"]:
        render.stdout.print("daemon: not running (it starts on first use)")
        return
    render.stdout.print(
        f"daemon: running, pid {status['pid']}, version {status['version']}, up "
        f"{status['uptime_seconds']:.0f} s, idle {status['idle_seconds']:.0f} s "
        f"(exits after {status['idle_timeout']} s idle)"
    )
    for role, name in status["roles"].items():
        render.stdout.print(f"  {role:<10} {name}")
    for model in status["models"]:
        state = "busy" if model["busy"] else "idle"
        render.stdout.print(f"  loaded: {model['model']} ({state}, {model['queued']} queued)")
    for up in status.get("upstreams", []):
        render.stdout.print(
            f"  upstream: {up['name']} {up['url']} for {', '.join(up['roles'])} ({up['status']})"
        )
    if status.get("openai_url"):
        key = status.get("openai_key_file") or "the token file"
        render.stdout.print(f"  OpenAI-compatible API: {status['openai_url']} (key: {key})")
    if status["settingsDiffer"]:
        render.warn(
            f"it does not use this shell's {', '.join(status['settingsDiffer'])}: it keeps what "
            "it started with (or what `codesaga models load` set) until `codesaga daemon restart`"
        )


@app.command("logs", epilog="Example: codesaga daemon logs -n 100")
def daemon_logs(
    ctx: typer.Context,
    lines: Annotated[
        int, typer.Option("--lines", "-n", min=0, help="How many lines to show.")
    ] = 50,
) -> None:
    """Show the end of the daemon's log, and the report of a crash (in native code, which
    ends the process before it can log) written after it."""
    from codesaga.domain.errors import InputError
    from codesaga.protocol.runtime import log_path, stderr_path

    state = Invocation.of(ctx).daemon_settings.state_dir
    path = log_path(state)
    if not path.exists():
        raise InputError(f"no daemon log yet at {path}")
    shown = path.read_text(errors="replace").splitlines()[-lines:] if lines else []
    for line in shown:
        sys.stdout.write(line + "\n")
    crash = _crash(stderr_path(state), shown)
    if crash and lines:
        who = f"daemon {crash.pid}" if crash.pid is not None else "the daemon"
        sys.stdout.write(f"\n-- {who} crashed ({stderr_path(state)}):\n")
        sys.stdout.write("\n".join(crash.lines[:lines]) + "\n")


def _crash(stderr: Path, shown: list[str]) -> Crash | None:
    """The last crash report in the daemon's ``stderr`` when it matters: of the daemon
    started last, or of one whose run is in the log lines ``shown``."""
    from codesaga.protocol.runtime import last_crash

    try:
        crash = last_crash(stderr.read_text(errors="replace"))
    except OSError:
        return None
    if crash is None:
        return None
    mentioned = crash.pid is not None and any(f"daemon {crash.pid} " in line for line in shown)
    return crash if crash.latest or mentioned else None
