"""The probe's own event-loop lag, measured on a real loop that is made to run late."""

from __future__ import annotations

import asyncio
import time

from probe.watch.loop_lag import LoopLag


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
