"""How late the event loop runs: the probe's own lag, which delays every frame it times.

The viewer times each frame when the event loop hands it over, so a loop that runs late (the
process starved of CPU, or too busy with other streams' packets) stretches inter-frame delays
as if the stream had stuttered. A ticker asks to wake every ``PERIOD_S`` and keeps the worst
overshoot since it was last read: at or past ``metrics.probe_health.LOOP_LAG_FREEZE_MS`` it
could by itself have made a freeze.
"""

from __future__ import annotations

import asyncio
import time

PERIOD_S = 0.05


class LoopLag:
    """The worst event-loop lag (ms) since the last ``take_max_ms``; ``start`` on the loop."""

    def __init__(self) -> None:
        self._max_ms = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start ticking on the running loop (once; later calls do nothing)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._tick(), name="loop-lag")

    async def _tick(self) -> None:
        while True:
            asked_s = time.monotonic()
            await asyncio.sleep(PERIOD_S)
            self._max_ms = max(self._max_ms, (time.monotonic() - asked_s - PERIOD_S) * 1000.0)

    def take_max_ms(self) -> float:
        """The worst lag since the previous call (ms), and start over."""
        worst, self._max_ms = self._max_ms, 0.0
        return worst

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
