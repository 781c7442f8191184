"""The probe's own event-loop lag, measured on a real loop that is made to run late, and a
real viewer's note about it."""

from __future__ import annotations

import asyncio
import time

import pytest

from metrics.analysis import StreamAnalyzer
from probe.viewer.loop_lag import LoopLag
from probe.viewer.peer import ViewResult
from tests.support.small_room import view_small_room


async def test_a_blocked_loop_reads_as_late_and_a_free_one_does_not() -> None:
    lag = LoopLag()
    lag.start()
    await asyncio.sleep(0.3)
    calm_ms = lag.take_max_ms()
    time.sleep(0.4)  # noqa: ASYNC251 - the point: the loop cannot run, timers fire 0.4 s late
    await asyncio.sleep(0.1)
    blocked_ms = lag.take_max_ms()
    await lag.stop()
    assert calm_ms < 100
    assert 300 <= blocked_ms <= 600
    assert lag.take_max_ms() == 0.0  # read once: it starts over


@pytest.mark.integration
async def test_a_viewer_whose_loop_is_blocked_says_its_freezes_may_be_its_own() -> None:
    async def hog() -> None:  # the probe's own CPU taken, as a busy machine would take it
        await asyncio.sleep(1.5)
        for _ in range(3):
            time.sleep(0.35)  # noqa: ASYNC251 - blocking the loop is what is measured
            await asyncio.sleep(1.2)

    analyzer = StreamAnalyzer()
    hogging = asyncio.create_task(hog())
    viewed = await view_small_room(analyzer, duration_s=6.0)
    await hogging
    assert 2 <= viewed.late_loop_s <= 4 and 300 <= viewed.worst_loop_lag_ms <= 700
    [note] = [n for n in viewed.notes() if "event loop" in n]
    assert f"in {viewed.late_loop_s} s of the run" in note
    calm = ViewResult(viewed.join, "VP8", "opus")
    assert not [n for n in calm.notes() if "event loop" in n]
