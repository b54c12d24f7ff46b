"""The Unix socket transport: NDJSON, one JSON-RPC message per line."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
from pathlib import Path

from codesaga.daemon.connection import MAX_UNREAD_BYTES, Room
from codesaga.daemon.dispatch import Connection, Daemon
from codesaga.daemon.hushed_log import HushedWarning
from codesaga.protocol import jsonrpc as p
from codesaga.protocol.runtime import peer_uid

log = logging.getLogger(__name__)
_ids = itertools.count(1)


class UnixServer:
    def __init__(self, daemon: Daemon, path: Path) -> None:
        self.daemon = daemon
        self.path = path
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._handlers: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self.inode: int | None = None
        self._refusals = HushedWarning(log)

    async def start(self) -> None:
        old = os.umask(0o077)  # the socket is born 0600, whatever the user's umask
        try:
            self._server = await asyncio.start_unix_server(
                self._serve, path=str(self.path), limit=p.MAX_MESSAGE_BYTES
            )
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        self.inode = self.path.stat().st_ino

    def stop_accepting(self) -> None:
        if self._server is not None:
            self._server.close()

    async def close_connections(self, timeout: float = 2.0) -> None:
        """End every connection and wait for its handler to return. A handler left to be
        cancelled when the loop closes makes asyncio's stream callback (Python 3.11) log a
        CancelledError traceback; a closed stream ends it the ordinary way."""
        for writer in self._handlers.values():
            writer.close()
        if self._handlers:
            await asyncio.wait(list(self._handlers), timeout=timeout)

    def remove_socket(self) -> None:
        """Unlink the socket only if it is still ours (never a successor's)."""
        with contextlib.suppress(FileNotFoundError):
            if self.path.stat().st_ino == self.inode:
                self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        assert handler is not None  # asyncio runs each connection's callback as a task
        self._handlers[handler] = writer
        try:
            await self._converse(reader, writer)
        finally:
            del self._handlers[handler]

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def send(data: bytes) -> None:
            if writer.is_closing():
                return
            unread = writer.transport.get_write_buffer_size()
            if unread + len(data) > MAX_UNREAD_BYTES:
                conn.cut_off(unread, writer.transport.abort)
                return
            writer.write(data + b"\n")

        uid = peer_uid(writer.get_extra_info("socket"))
        if uid is not None and uid != os.getuid():
            # The 0700 directory already keeps others out; this holds if someone loosens it.
            self._refusals.warning("refused a connection from uid %d", uid)
            # Answer its first message, so the client reads why rather than a broken pipe
            # (a little of it: what a stranger sends is not worth buffering).
            with contextlib.suppress(Exception):
                await asyncio.wait_for(reader.read(4096), 5.0)
            send(
                p.encode_error(
                    None,
                    p.RpcError(
                        p.UNAUTHORIZED,
                        f"this daemon serves only its own user (uid {os.getuid()}), "
                        f"not uid {uid}; start your own: codesaga daemon start",
                    ),
                )
            )
            await _close(writer)
            return
        conn = Connection(send, f"unix#{next(_ids)}")
        self.daemon.connections.add(conn)
        pending: set[asyncio.Task[None]] = set()  # this client's requests being answered
        room = Room(lambda: len(pending))

        def done(task: asyncio.Task[None]) -> None:
            pending.discard(task)
            room.update()

        try:
            while True:
                try:
                    line = await reader.readuntil(b"\n")
                except asyncio.LimitOverrunError:
                    send(
                        p.encode_error(
                            None,
                            p.RpcError(
                                p.INVALID_REQUEST,
                                f"message over {p.MAX_MESSAGE_BYTES} bytes; it was skipped",
                            ),
                        )
                    )
                    # Read the rest of it and go on: closing with it unread would reset the
                    # connection, and the client would see ECONNRESET instead of this error.
                    if not await _skip_line(reader):
                        break
                    continue
                except (asyncio.IncompleteReadError, ConnectionError):
                    break
                if not line.strip():
                    continue
                task = asyncio.create_task(self.daemon.handle(conn, p.parse(line)))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                pending.add(task)
                task.add_done_callback(done)
                room.update()
                await room.wait()
                if conn.dropped:
                    break
                await writer.drain()
        finally:
            # A client that went away cancels what it asked for: the model stops at once.
            conn.cancel_all()
            self.daemon.connections.discard(conn)
            await _close(writer)


async def _skip_line(reader: asyncio.StreamReader) -> bool:
    """Discard up to and including the next newline; False if the peer went away first."""
    try:
        while True:
            try:
                await reader.readuntil(b"\n")
                return True
            except asyncio.LimitOverrunError as exc:
                await reader.readexactly(exc.consumed)
    except (asyncio.IncompleteReadError, ConnectionError):
        return False


async def _close(writer: asyncio.StreamWriter) -> None:
    """Send what is still buffered, then close; a peer already gone is no error."""
    with contextlib.suppress(OSError):
        await writer.drain()
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
