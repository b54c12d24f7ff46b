"""An HTTP client with keep-alive on an event loop of its own thread, so that requests from
every worker thread share its connections (no handshake per request)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class Connections:
    """An HTTP client with keep-alive and the event loop it lives on, run by a thread of its
    own: each request, from whichever worker thread, runs its steps there."""

    def __init__(self, name: str, connect_timeout: float, trust_env: bool) -> None:
        import httpx

        self.loop = asyncio.new_event_loop()
        # No read timeout: the engine times the first token and the pauses between tokens.
        timeout = httpx.Timeout(connect_timeout, read=None)
        self.client = httpx.AsyncClient(timeout=timeout, trust_env=trust_env)
        self._thread = threading.Thread(target=self._serve, name=f"upstream {name}", daemon=True)
        self._thread.start()

    def run(self, step: Coroutine[Any, Any, T]) -> T:
        """Run ``step`` on the loop; its result (or exception)."""
        return asyncio.run_coroutine_threadsafe(step, self.loop).result()

    def finish(self, cleanup: Coroutine[Any, Any, object]) -> None:
        """Run ``cleanup`` on the loop, waiting for it unless this is the loop's own thread
        (a stream the garbage collector closes there), where waiting would never end."""
        done = asyncio.run_coroutine_threadsafe(cleanup, self.loop)
        if threading.current_thread() is not self._thread:
            done.result()

    def close(self) -> None:
        self.finish(self.client.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        if threading.current_thread() is not self._thread:
            self._thread.join()

    def _serve(self) -> None:
        try:
            self.loop.run_forever()
        finally:
            self.loop.close()
