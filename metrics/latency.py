"""Latency from the stamp code: glass-to-glass per frame, and how many stamps were read.

Glass-to-glass is the receiver's wall clock at the moment a decoded frame is available minus the
sender's wall clock carried by the frame's stamp (DESIGN.md, "Ground truth"). It is meaningful only
when both clocks agree: same host, or NTP-synced hosts; ``Latency.clock`` says which.

Without a stamp on our clock (a stream published elsewhere), the frame's capture instant comes
from its RTP time mapped through the sender's RTCP sender reports (``clock: "rtcp"``): this holds
when the sender's NTP clock is in step with ours and its reports tell the capture clock (as
libwebrtc's and the test room's do); a relay that writes its own reports (an SFU) moves the
origin to itself, so the figure is the last hop (``last_hop_ms``), not glass-to-glass. Which one
a sender's reports tell cannot be read from them (their NTP/RTP pair names "the same instant"
either way, RFC 3550 section 6.4.1), so only a caller who knows says so
(``reports_on_capture_clock``); a live check reports the last hop.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from metrics.report import ClockSource, JoinSplit, Latency, Percentiles
from metrics.sender_clock import MediaClock
from metrics.stamp import StampRead, unwrap_wallclock_ms
from metrics.stutter import percentiles

# A stamp further than this from the receiver's clock was not stamped live by a clock in step
# with ours (a looped file, a publisher with another clock): its latency is not a latency.
PLAUSIBLE_LATENCY_MS = (-1000.0, 60000.0)


@dataclass(frozen=True)
class LatencyFigures:
    """What the clocks allow: glass-to-glass (stamps on a clock in step with ours, or sender
    reports that tell the capture clock), the last hop (sender reports of a relay), the clock,
    and the per-second median of the headline figure (glass-to-glass, else the last hop)."""

    glass_to_glass_ms: Percentiles | None
    last_hop_ms: Percentiles | None
    clock: ClockSource
    by_second_ms: dict[int, float] | None  # None: the stamps' own per-frame figures


class GlassToGlassMeter:
    """Streaming glass-to-glass meter: one ``update`` per decoded frame."""

    def __init__(self) -> None:
        self._latencies_ms: list[float] = []
        # (frame time s, RTP media time s, arrival wall clock ms) per frame, for the
        # sender-report clock.
        self._t_s = array("d")
        self._media_s = array("d")
        self._arrivals_ms = array("d")
        self.frames = 0
        self.stamps_read = 0

    def update(self, stamp: StampRead | None, arrival_wallclock_ms: float | None,
               media_s: float | None = None, t_s: float = 0.0) -> float | None:
        """Account one frame (``media_s``: its RTP time, s; ``t_s``: its time from the first
        frame, s); returns its stamp's glass-to-glass latency in ms when measurable."""
        self.frames += 1
        if media_s is not None and arrival_wallclock_ms is not None:
            self._t_s.append(t_s)
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
        """Per-frame latency (ms): arrival minus the instant the sender reports give its RTP
        time; empty without reports, or when none is plausible."""
        return self._rtcp(sender_clock)[1]

    def _rtcp(self, sender_clock: MediaClock | None) -> tuple[np.ndarray, np.ndarray]:
        """(frame times s, latencies ms) of the frames the sender reports place plausibly."""
        captured_ms = (sender_clock.wallclock_ms_many(np.asarray(self._media_s))
                       if sender_clock is not None else None)
        if captured_ms is None:
            return np.zeros(0), np.zeros(0)
        latencies_ms = np.asarray(self._arrivals_ms) - captured_ms
        kept = _plausible(latencies_ms)
        return np.asarray(self._t_s)[kept], latencies_ms[kept]

    @property
    def stamps_read_fraction(self) -> float:
        return self.stamps_read / self.frames if self.frames else 0.0

    def figures(self, stamp_clock: ClockSource, sender_clock: MediaClock | None = None,
                reports_on_capture_clock: bool = False) -> LatencyFigures:
        """Glass-to-glass and last hop, each only where a clock allows it.

        ``stamp_clock`` is the clock a stamp read in this run would be on ("same-host": our
        pattern or a sender on this host; "ntp": a sender elsewhere; "none": no stamp can be
        trusted). Stamps read but none in step with the receiver's clock are not ours either.
        ``sender_clock`` maps the video's RTP time through its RTCP sender reports: the figure
        is glass-to-glass when those reports are known to tell the capture clock
        (``reports_on_capture_clock``), else the last hop from the server that wrote them.
        """
        stamps_ms = np.asarray(self._latencies_ms, dtype=np.float64)
        rtcp_t_s, rtcp_ms = self._rtcp(sender_clock)
        last_hop = (percentiles(rtcp_ms) if rtcp_ms.size and not reports_on_capture_clock
                    else None)
        if stamp_clock in ("same-host", "ntp") and stamps_ms.size:
            return LatencyFigures(percentiles(stamps_ms), last_hop, stamp_clock, None)
        if not rtcp_ms.size:
            return LatencyFigures(None, None, "none", None)
        by_second = {int(second): float(np.median(rtcp_ms[rtcp_t_s.astype(int) == second]))
                     for second in np.unique(rtcp_t_s.astype(int))}
        g2g = percentiles(rtcp_ms) if reports_on_capture_clock else None
        return LatencyFigures(g2g, last_hop, "rtcp", by_second)

    def result(
        self,
        clock: ClockSource,
        time_to_first_frame_ms: float | None,
        av_sync_ms: float | None = None,
        rtt_ms: float | None = None,
        join_split: JoinSplit | None = None,
        sender_clock: MediaClock | None = None,
        reports_on_capture_clock: bool = False,
    ) -> Latency:
        """The report's latency section (``clock``: the stamps' clock, see ``figures``)."""
        figures = self.figures(clock, sender_clock, reports_on_capture_clock)
        return Latency(
            time_to_first_frame_ms=time_to_first_frame_ms,
            glass_to_glass_ms=figures.glass_to_glass_ms,
            stamps_read_fraction=self.stamps_read_fraction,
            av_sync_ms=av_sync_ms,
            rtt_ms=rtt_ms,
            clock=figures.clock,
            time_to_first_frame_split_ms=join_split,
            last_hop_ms=figures.last_hop_ms,
        )


def _plausible(latency_ms: float | np.ndarray) -> bool | np.ndarray:
    """Whether a latency (ms) could be real: else the clocks are not in step."""
    low, high = PLAUSIBLE_LATENCY_MS
    return (low <= latency_ms) & (latency_ms <= high)
