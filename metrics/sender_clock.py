"""The sender's wall clock of a media stream, from its RTCP sender reports.

An SR pairs an NTP wall-clock instant with the RTP time of that same instant (RFC 3550 section
6.4.1). Expressed on the receiver's media timeline (s), each report gives one offset, wall clock
minus media time; an instant is mapped with the median offset of the reports nearest to it in
media time, which follows slow drift and ignores a report delayed by a busy sender.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

MediaKind = Literal["video", "audio"]

# Sender reports used to map one instant: those nearest to it in media time.
REPORTS_PER_INSTANT = 11


@dataclass(frozen=True)
class SenderReport:
    """One RTCP sender report: the sender's wall clock (ms since the epoch) at media time
    ``media_s`` (s, on the receiver's media timeline of that stream)."""

    wallclock_ms: float
    media_s: float


class MediaClock:
    """Maps one stream's media time (s) to the sender's wall clock (ms since the epoch)."""

    def __init__(self) -> None:
        self._media_s: list[float] = []
        self._offsets_ms: list[float] = []

    def update(self, report: SenderReport) -> None:
        """Account one sender report (any order)."""
        self._media_s.append(report.media_s)
        self._offsets_ms.append(report.wallclock_ms - report.media_s * 1000.0)

    @property
    def reports(self) -> int:
        return len(self._media_s)

    def wallclock_ms(self, media_s: float) -> float | None:
        """The sender's wall clock (ms) at ``media_s``, or None before any report."""
        mapped = self.wallclock_ms_many(np.array([media_s]))
        return float(mapped[0]) if mapped is not None else None

    def wallclock_ms_many(self, media_s: np.ndarray) -> np.ndarray | None:
        """The sender's wall clock (ms) at each of ``media_s`` (s), or None before any report."""
        if not self._media_s:
            return None
        order = np.argsort(self._media_s)
        times = np.asarray(self._media_s)[order]
        offsets = np.asarray(self._offsets_ms)[order]
        n = min(REPORTS_PER_INSTANT, times.size)
        # The n reports nearest to an instant form a run in sorted order: slide the run's start
        # right while the report after it is nearer than the run's first.
        start = np.clip(np.searchsorted(times, media_s) - n // 2, 0, times.size - n)
        for _ in range(n):
            after = np.minimum(start + n, times.size - 1)
            step = (start + n < times.size) & (times[after] - media_s < media_s - times[start])
            before = np.maximum(start - 1, 0)
            back = (start > 0) & (media_s - times[before] < times[start + n - 1] - media_s)
            if not (step.any() or back.any()):
                break
            start = start + step - back
        windows = offsets[start[:, None] + np.arange(n)]
        return media_s * 1000.0 + np.median(windows, axis=1)
