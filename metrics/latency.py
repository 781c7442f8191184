"""Latency from the stamp code: glass-to-glass per frame, and how many stamps were read.

Glass-to-glass is the receiver's wall clock at the moment a decoded frame is available minus the
sender's wall clock carried by the frame's stamp (DESIGN.md, "Ground truth"). It is meaningful only
when both clocks agree: same host, or NTP-synced hosts; ``Latency.clock`` says which.

Without a stamp on our clock (a stream published elsewhere), the frame's capture instant comes
from its RTP time mapped through the sender's RTCP sender reports (``clock: "rtcp"``): this holds
when the sender's NTP clock is in step with ours and its reports tell the capture clock (as
libwebrtc's do); a relay that writes its own reports (an SFU) moves the origin to itself.
"""

from __future__ import annotations

import numpy as np

from metrics.sender_clock import MediaClock
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
        # (RTP media time s, arrival wall clock ms) per frame, for the sender-report clock.
        self._media_s: list[float] = []
        self._arrivals_ms: list[float] = []
        self.frames = 0
        self.stamps_read = 0

    def update(self, stamp: StampRead | None, arrival_wallclock_ms: float | None,
               media_s: float | None = None) -> float | None:
        """Account one frame (``media_s``: its RTP time, s); returns its stamp's glass-to-glass
        latency in ms when measurable."""
        self.frames += 1
        if media_s is not None and arrival_wallclock_ms is not None:
            self._media_s.append(media_s)
            self._arrivals_ms.append(arrival_wallclock_ms)
        if stamp is None:
            return None
        self.stamps_read += 1
        if arrival_wallclock_ms is None:
            return None
        sent_ms = unwrap_wallclock_ms(stamp.wallclock_ms_mod, int(arrival_wallclock_ms))
        latency_ms = arrival_wallclock_ms - sent_ms
        if not _plausible(latency_ms):
            return None
        self._latencies_ms.append(latency_ms)
        return latency_ms

    def rtcp_latencies_ms(self, sender_clock: MediaClock) -> np.ndarray:
        """Per-frame latency (ms): arrival minus the capture instant the sender reports give
        its RTP time; empty without reports, or when none is plausible."""
        captured_ms = sender_clock.wallclock_ms_many(np.asarray(self._media_s))
        if captured_ms is None:
            return np.zeros(0)
        latencies_ms = np.asarray(self._arrivals_ms) - captured_ms
        return latencies_ms[_plausible(latencies_ms)]

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
        sender_clock: MediaClock | None = None,
    ) -> Latency:
        """The report's latency section; glass-to-glass is null unless a clock allows it.

        When stamps were read but none was in step with the receiver's clock, the stamps' clock
        is not ours. Without a usable stamp clock, ``sender_clock`` (the video stream's sender
        reports) gives the latency with clock "rtcp"; without it, the clock is "none".
        """
        values = np.asarray(self._latencies_ms, dtype=np.float64)
        if clock not in ("same-host", "ntp") or (self.stamps_read and values.size == 0):
            values = (self.rtcp_latencies_ms(sender_clock) if sender_clock is not None
                      else np.zeros(0))
            clock = "rtcp" if values.size else "none"
        g2g = percentiles(values) if values.size else None
        return Latency(
            time_to_first_frame_ms=time_to_first_frame_ms,
            glass_to_glass_ms=g2g,
            stamps_read_fraction=self.stamps_read_fraction,
            av_sync_ms=av_sync_ms,
            rtt_ms=rtt_ms,
            clock=clock,
            time_to_first_frame_split_ms=join_split,
        )


def _plausible(latency_ms: float | np.ndarray) -> bool | np.ndarray:
    """Whether a latency (ms) could be real: else the clocks are not in step."""
    low, high = PLAUSIBLE_LATENCY_MS
    return (low <= latency_ms) & (latency_ms <= high)
