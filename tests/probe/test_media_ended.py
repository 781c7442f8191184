"""A check whose connection the server closes mid-watch ends early, fails, and says when."""

from __future__ import annotations

import asyncio
import time

import pytest

from probe.check import CheckOptions, run_check
from probe.pattern.spec import PatternSpec
from probe.room.server import RoomConfig, TestRoom

WATCH_S = 10.0
CLOSE_AFTER_S = 3.0


@pytest.mark.integration
async def test_server_closing_the_connection_ends_the_watch_and_fails_the_run() -> None:
    spec = PatternSpec(width=640, height=360, fps=30.0)
    async with TestRoom(RoomConfig(pattern=spec)) as room:
        async def close_sessions_later() -> None:
            while room.session_count == 0:  # the viewer has joined
                await asyncio.sleep(0.05)
            await asyncio.sleep(CLOSE_AFTER_S)
            await room.drop_sessions()

        closer = asyncio.create_task(close_sessions_later())
        started_s = time.monotonic()
        try:
            report = await run_check(CheckOptions(url=room.whep_url(), duration_s=WATCH_S))
        finally:
            closer.cancel()
            await asyncio.gather(closer, return_exceptions=True)
    took_s = time.monotonic() - started_s
    assert took_s < WATCH_S  # the watch ended when the connection did, not at 10 s
    assert report.verdict == "fail"
    assert {c.name: c.status for c in report.checks}["media_ended"] == "fail"
    assert any("media stopped before the end of the check" in n and "connection went" in n
               for n in report.notes), report.notes
    assert report.stutter.pause_count == 1  # the rest of the window, closed at its end
    assert report.video.fps < 15
