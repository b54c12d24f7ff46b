"""Running the daemon as a process: lock, runtime files, logging, signals, idle exit, config
reload. ``python -m codesaga.serve`` (the client starts it so; `codesaga daemon start
--foreground` becomes it).
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import json
import logging
import logging.handlers
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from codesaga import __version__
from codesaga.daemon.config_watch import ConfigWatcher
from codesaga.daemon.dispatch import Daemon
from codesaga.daemon.unix_server import UnixServer
from codesaga.daemon.websocket_server import WebSocketServer, parse_origins
from codesaga.domain.errors import DaemonError
from codesaga.fs import private_dir
from codesaga.protocol.runtime import (
    ALREADY_RUNNING,
    DaemonLock,
    RuntimePaths,
    log_path,
    new_token,
    remove_quietly,
    start_line,
    write_private,
)
from codesaga.service.engine_pool import EngineFactory
from codesaga.settings import Settings, config_file, load_settings

if TYPE_CHECKING:
    from codesaga.daemon.http_api import HttpApi

log = logging.getLogger("codesaga.daemon")
SHUTDOWN_GRACE_SECONDS = 4.0


def _setup_logging(settings: Settings) -> None:
    private_dir(settings.state_dir)
    handler = logging.handlers.RotatingFileHandler(
        log_path(settings.state_dir), maxBytes=2 * 1024 * 1024, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # The root logger too: asyncio reports a task's unexpected exception there.
    for name in ("codesaga", ""):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO if name else logging.WARNING)
    logging.getLogger("codesaga").propagate = False


def run(settings: Settings | None = None, engine_factory: EngineFactory | None = None) -> int:
    """Run a daemon in this process until it is told to stop; returns the exit code."""
    # Everything the daemon creates is the user's alone (0700 dirs, 0600 files), whatever
    # umask it was started with: diskcache's databases hold pickles, the log quotes code.
    # Safe process-wide because the daemon runs no other program (verify commands and git
    # run in the CLI, which keeps the user's umask for the files it makes for them).
    os.umask(0o077)
    # A crash in native code (llama.cpp) ends the process before it can log a word: its
    # Python stacks go to stderr (daemon.stderr), which `daemon logs` shows after the log.
    with contextlib.suppress(RuntimeError, ValueError, OSError, AttributeError):
        faulthandler.enable()  # refused only by a stderr that is no file (None, captured)
    settings = settings or load_settings()
    paths = RuntimePaths(settings.runtime_dir)
    paths.prepare()
    # CodeSaga's own directories, made private (and an existing loose one tightened; another
    # user's refused). The models dir is left as it is: it may be shared and read-only.
    for directory in (settings.config_dir, settings.data_dir, settings.cache_dir):
        private_dir(directory)
    lock = DaemonLock(paths.lock)
    if not lock.acquire():
        print(f"codesaga: a daemon is already running (pid {paths.read_pid()})", file=sys.stderr)
        return ALREADY_RUNNING
    with contextlib.suppress(AttributeError, OSError, ValueError):  # a stderr that is none
        # Which daemon a crash report after it in daemon.stderr is of (`daemon logs`).
        print(start_line(os.getpid()), file=sys.stderr, flush=True)
    try:
        _setup_logging(settings)
        # We hold the lock, so any runtime file here is a dead daemon's leftover: its
        # websocket.json or openai.json would send editors to a port this daemon may not open.
        remove_quietly(paths.socket, paths.pid, paths.token, paths.websocket, paths.openai)
        return asyncio.run(_serve(settings, paths, engine_factory))
    finally:
        remove_quietly(paths.pid)
        lock.release()


@dataclass
class _Running:
    """What one daemon run started, so that stopping undoes exactly that."""

    daemon: Daemon
    paths: RuntimePaths
    token: str
    server: UnixServer
    websocket: WebSocketServer | None
    openai: HttpApi | None = None
    watchers: list[asyncio.Task[None]] = field(default_factory=list)


async def _serve(
    settings: Settings, paths: RuntimePaths, engine_factory: EngineFactory | None
) -> int:
    from codesaga.bootstrap import build_daemon

    daemon = build_daemon(settings, engine_factory)
    # Requests a killed daemon (or --no-daemon command) left in progress: nobody will end them.
    abandoned = daemon.abandon_dead_requests()
    if abandoned:
        log.warning("%d request(s) left unfinished by a process that died: failed", abandoned)
    running = _prepare(daemon, settings, paths)
    loop = asyncio.get_running_loop()
    loop.set_default_executor(daemon.executor)
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(sig, daemon.stop_requested.set)
    try:
        # Inside: a transport that cannot start (its port taken) leaves no runtime files.
        await _start(running, settings)
        await daemon.stop_requested.wait()
    finally:
        await _stop(running)
    return 0


def _prepare(daemon: Daemon, settings: Settings, paths: RuntimePaths) -> _Running:
    """The transports and watchers, before any client can connect."""
    # Settle the WebSocket's configuration first: a refused address must stop the daemon
    # before it answers anyone.
    token = new_token()
    websocket = None
    if settings.ws_port >= 0:
        websocket = WebSocketServer(
            daemon,
            settings.ws_host,
            settings.ws_port,
            token,
            parse_origins(settings.ws_origins),
            settings.ws_open_timeout,
        )
    running = _Running(daemon, paths, token, UnixServer(daemon, paths.socket), websocket)
    # Both watchers exist before the first client can connect: a file added to the context
    # or a config.toml edit made the moment `daemon start` returns is not missed.
    config_watcher = ConfigWatcher(
        config_file(), daemon.file_settings, load_settings, lambda fresh: _reload(daemon, fresh)
    )
    running.watchers += [
        asyncio.create_task(config_watcher.run()),
        asyncio.create_task(daemon.context_watcher.run()),
    ]
    return running


async def _start(running: _Running, settings: Settings) -> None:
    daemon, paths = running.daemon, running.paths
    write_private(paths.pid, f"{os.getpid()}\n")
    # The secret WebSocket clients (the editor) must present; a new one every start.
    write_private(paths.token, running.token + "\n")
    daemon.token_file = str(paths.token)
    if running.websocket is not None:
        websocket = running.websocket
        await websocket.start()
        daemon.websocket_url = websocket.url
        found = {"url": websocket.url, "port": websocket.port, "token_file": str(paths.token)}
        write_private(paths.websocket, json.dumps(found))
        log.info("WebSocket for editors on %s", websocket.url)
    if settings.openai_port >= 0:
        from codesaga.daemon.http_api import HttpApi

        origins = parse_origins(settings.ws_origins)
        key, key_file = running.token, paths.token
        if settings.openai_stable_key:
            key_file = settings.data_dir / "openai_key"
            key = _stable_key(key_file)
        openai = HttpApi(daemon, "127.0.0.1", settings.openai_port, key, origins)
        await openai.start()
        running.openai, daemon.openai_url = openai, openai.url
        daemon.openai_key_file = str(key_file)
        write_private(paths.openai, json.dumps({"url": openai.url, "token_file": str(key_file)}))
        log.info("OpenAI-compatible API on %s", openai.url)
    # The Unix socket last: the clients that start a daemon wait for it, so a transport that
    # cannot start (its port taken) fails the start before any client is answered, and the
    # client that started it says why (the daemon's last line) instead of a lost connection.
    await running.server.start()
    log.info("codesaga %s daemon %d listening on %s", __version__, os.getpid(), paths.socket)
    running.watchers.append(asyncio.create_task(_idle_watch(daemon)))


def _stable_key(path: Path) -> str:
    """The OpenAI-compatible API's own key, kept in ``path`` (made the first time)."""
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        key = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise DaemonError(f"cannot read the OpenAI API key file {path}: {exc}") from None
    if len(key) < 16:  # missing, emptied or too short to be a secret: a new one
        key = new_token()
        write_private(path, key + "\n")
    else:
        path.chmod(0o600)  # it is a secret, whoever loosened it
    return key


STOPPED_MIDWAY = (
    "the daemon stopped (codesaga daemon stop, a restart or SIGTERM) while it answered; "
    "what it said so far is kept: ask again and a new daemon answers"
)


async def _stop(running: _Running) -> None:
    daemon, paths = running.daemon, running.paths
    log.info("stopping")
    for transport in (running.server, running.websocket, running.openai):
        if transport is not None:
            transport.stop_accepting()
    for conn in list(daemon.connections):
        # Said to the client: "cancelled" alone read as if the user had stopped it.
        conn.cancel_all(STOPPED_MIDWAY)
    # Cancelled generations stop within a token; their journal entries close as cancelled.
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, daemon.scheduler.close, SHUTDOWN_GRACE_SECONDS)
    await _drain(daemon, deadline=time.monotonic() + 0.5)
    if running.openai is not None:
        await running.openai.close()  # its cancelled answers sent, its connections closed
    await running.server.close_connections()
    for watcher in running.watchers:
        watcher.cancel()
    await asyncio.gather(*running.watchers, return_exceptions=True)
    running.server.remove_socket()
    # Not the pid file: a daemon that hangs from here on must still be found by it (run()
    # removes it as it lets go of the lock), or `daemon stop` had no pid to signal.
    remove_quietly(paths.token, paths.websocket, paths.openai)
    daemon.close()
    log.info("stopped")


async def _drain(daemon: Daemon, deadline: float) -> None:
    """Give in-flight requests a moment to send their final (cancelled) responses."""
    while any(c.inflight for c in daemon.connections) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)


async def _idle_watch(daemon: Daemon) -> None:
    while True:  # idle_timeout is read each time: config.toml may change it (0 = never)
        timeout = daemon.settings.idle_timeout
        await asyncio.sleep(min(30.0, timeout / 4) if timeout > 0 else 30.0)
        timeout = daemon.settings.idle_timeout
        idle = time.monotonic() - daemon.last_activity
        if timeout > 0 and idle >= timeout and not daemon.busy():
            log.info("idle for %.0f s; exiting", idle)
            daemon.stop_requested.set()
            return


async def _reload(daemon: Daemon, fresh: Settings) -> None:
    """config.toml changed: a role's new model loads, an unused one unloads."""
    result = await daemon.reload_settings(fresh)
    log.info("config reloaded: %s", result)
    if result["restart_needed_for"]:
        log.warning(
            "config.toml changes %s, read only at start: they apply after "
            "`codesaga daemon restart`",
            ", ".join(result["restart_needed_for"]),
        )


if __name__ == "__main__":
    raise SystemExit(run())
