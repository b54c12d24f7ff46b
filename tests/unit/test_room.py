"""A connection's room to read: none from MAX_PENDING pending until fewer than half are."""

from __future__ import annotations

import asyncio

from codesaga.daemon.connection import MAX_PENDING, Room


def test_reading_stops_at_the_limit_and_resumes_below_half() -> None:
    async def run() -> list[bool]:
        backlog = [0]
        room = Room(lambda: backlog[0])
        seen = []

        async def free() -> bool:
            try:
                await asyncio.wait_for(room.wait(), 0.01)
                return True
            except TimeoutError:
                return False

        for backlog[0] in (MAX_PENDING - 1, MAX_PENDING, MAX_PENDING // 2, MAX_PENDING // 2 - 1):
            room.update()
            seen.append(await free())
        backlog[0] = MAX_PENDING
        room.update()
        room.release()  # the connection closed: the reader goes on to find it out
        seen.append(await free())
        return seen

    assert asyncio.run(run()) == [True, False, False, True, True]
