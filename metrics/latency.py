"""Latency from the stamp code: glass-to-glass per frame, and how many stamps were read.

Glass-to-glass is the receiver's wall clock at the moment a decoded frame is available minus the
sender's wall clock carried by the frame's stamp (DESIGN.md, "Ground truth"). It is meaningful only
when both clocks agree: same host, or NTP-synced hosts; ``Latency.clock`` says which.
"""

from __future__ import annotations

import numpy as np

from metrics.stamp import StampRead, unwrap_wallclock_ms
from metrics.stutter import percentiles
from metrics.report import ClockSource, JoinSplit, Latency

# A stamp further than this from the receiver's clock was not stamped live by a clock in step
# with ours (a looped file, a publisher with another clock): its latency is not a latency.
PLAUSIBLE_LATENCY_MS = (-1000.0, 60000.0)


class GlassToGlassMeter:
    """Streaming glass-to-glass meter: one ``update`` per decoded frame."""

    def __init__(self) -> None:
        self._latencies_ms: list[float] = []
        self.frames = 0
        self.stamps_read = 0

    def update(self, stamp: StampRead | None, arrival_wallclock_ms: float | None) -> float | None:
        """Account one frame; returns its glass-to-glass latency in ms when measurable."""
        self.frames += 1
        if stamp is None:
            return None
        self.stamps_read += 1
        if arrival_wallclock_ms is None:
            return None
        sent_ms = unwrap_wallclock_ms(stamp.wallclock_ms_mod, int(arrival_wallclock_ms))
        latency_ms = arrival_wallclock_ms - sent_ms
        low, high = PLAUSIBLE_LATENCY_MS
        if not low <= latency_ms <= high:
            return None
        self._latencies_ms.append(latency_ms)
        return latency_ms

    @property
    def stamps_read_fraction(self) -> float:
        return self.stamps_read / self.frames if self.frames else 0.0

    def result(
        self,
        clock: ClockSource,
        time_to_first_frame_ms: float | None,
        av_sync_ms: float | None = None,
        rtt_ms: float | None = None,
        join_split: JoinSplit | None = None,
    ) -> Latency:
        """The report's latency section; glass-to-glass is null unless the clock allows it.

        When stamps were read but none was in step with the receiver's clock, the clock is
        reported as "none": the sender's clock is not ours.
        """
        values = np.asarray(self._latencies_ms, dtype=np.float64)
        if self.stamps_read and values.size == 0:
            clock = "none"
        g2g = percentiles(values) if clock in ("same-host", "ntp") else None
        return Latency(
            time_to_first_frame_ms=time_to_first_frame_ms,
            glass_to_glass_ms=g2g,
            stamps_read_fraction=self.stamps_read_fraction,
            av_sync_ms=av_sync_ms,
            rtt_ms=rtt_ms,
            clock=clock,
            time_to_first_frame_split_ms=join_split,
        )
