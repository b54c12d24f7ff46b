"""The chat session methods keep the event loop free while the store waits on a writer."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
import textwrap
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from codesaga.daemon.handlers.base import Call
from codesaga.daemon.handlers.sessions import SessionMethods
from codesaga.domain.errors import InputError
from codesaga.protocol import params as t
from codesaga.protocol.jsonrpc import Request
from codesaga.service.sessions import Chats, DiskSessionStore
from codesaga.settings import load_settings

HOLD_SECONDS = 2.0


def _longest_stall(work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    """Run ``work`` on an event loop that ticks beside it: the longest gap between ticks."""

    async def main() -> tuple[float, Any]:
        ticks: list[float] = []

        async def tick() -> None:
            while True:
                ticks.append(time.monotonic())
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        await asyncio.sleep(0.05)
        result = await work()
        await asyncio.sleep(0.05)
        ticker.cancel()
        return max(b - a for a, b in itertools.pairwise(ticks)), result

    return asyncio.run(main())


@pytest.mark.parametrize("method", ["rename", "set", "clear"])  # the writes: reads do not wait
def test_a_session_method_waiting_on_another_writer_leaves_the_loop_free(
    method: str, tmp_path: Path
) -> None:
    # Each ran on the event loop: a --no-daemon command (or a streamed answer being saved)
    # holding the store's transaction stalled every client's completions and cancels.
    store_dir = tmp_path / "sessions"
    chats = Chats(None, None, DiskSessionStore(store_dir))  # type: ignore[arg-type]
    session = chats.open(name="first").id
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import diskcache, time
                with diskcache.Cache({str(store_dir)!r}).transact():
                    print("held", flush=True)
                    time.sleep({HOLD_SECONDS})
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        methods = SessionMethods(chats, load_settings)
        with ThreadPoolExecutor(2) as executor:
            call = Call(None, Request("sessions/" + method, {}, 1), executor)  # type: ignore[arg-type]
            work = {
                "rename": lambda: methods.rename(
                    call, t.SessionsRenameParams(session=session, name="second")
                ),
                "set": lambda: methods.set(
                    call, t.SessionsSetParams(session=session, system="Be brief.")
                ),
                "clear": lambda: methods.clear(call, t.SessionParams(session=session)),
            }[method]
            stall, result = _longest_stall(work)
    assert stall < HOLD_SECONDS / 4, stall
    if method == "rename":
        assert result["name"] == "second" and chats.find(session).name == "second"


def test_a_system_prompt_is_no_larger_than_a_file(tmp_path: Path) -> None:
    # It rides in every prompt of the session; only the 8 MiB message limit held it.
    chats = Chats(None, None, DiskSessionStore(tmp_path / "sessions"))  # type: ignore[arg-type]
    session = chats.open(name="first").id
    settings = load_settings({"CODESAGA_HOME": str(tmp_path), "CODESAGA_MAX_FILE_BYTES": "1000"})
    methods = SessionMethods(chats, lambda: settings)
    with ThreadPoolExecutor(1) as executor:
        call = Call(None, Request("sessions/set", {}, 1), executor)  # type: ignore[arg-type]
        too_long = t.SessionsSetParams(session=session, system="x" * 1001)
        with pytest.raises(InputError, match="the system prompt is 1,001 bytes"):
            asyncio.run(methods.set(call, too_long))
        asyncio.run(methods.set(call, t.SessionsSetParams(session=session, system="x" * 1000)))
    assert chats.find(session).system == "x" * 1000
