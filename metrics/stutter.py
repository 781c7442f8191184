"""Stutter: delivery freezes, dropped frames and frame cadence.

Freezes follow the W3C webrtc-stats definition of ``freezeCount`` (the rule Chromium implements in
``VideoQualityObserver``): a frame whose inter-frame delay is at least
``max(3 × avg, avg + 150 ms)``, ``avg`` being the mean inter-frame delay of the recent frames.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from metrics.report import FreezeEvent, Percentiles, Stutter

# W3C webrtc-stats, RTCInboundRtpStreamStats.freezeCount
FREEZE_AVG_MULTIPLIER = 3.0
FREEZE_MIN_EXTRA_MS = 150.0
# Chromium's VideoQualityObserver averages the last 30 inter-frame delays.
FREEZE_AVG_WINDOW_FRAMES = 30
# Freezes the score treats as ruinous: one a minute takes a point; 5 % frozen takes two.
SCORE_POINTS_PER_FREEZE_PER_MIN = 1.0
SCORE_POINTS_PER_FROZEN_FRACTION = 40.0


def is_freeze(interval_ms: float, avg_interval_ms: float) -> bool:
    """True when an inter-frame delay (ms) is a freeze by the webrtc-stats rule."""
    limit_ms = max(FREEZE_AVG_MULTIPLIER * avg_interval_ms, avg_interval_ms + FREEZE_MIN_EXTRA_MS)
    return interval_ms >= limit_ms


class FreezeDetector:
    """Streaming freeze detector over frame times (s, arrival or presentation).

    ``update(t_s)`` takes each delivered frame's time in order. The running average excludes
    freezes themselves, as Chromium does, so one long outage does not hide the next.
    """

    def __init__(self) -> None:
        self._recent_ms: deque[float] = deque(maxlen=FREEZE_AVG_WINDOW_FRAMES)
        self._last_t_s: float | None = None
        self._first_t_s: float | None = None
        self._intervals_ms: list[float] = []
        self._freezes: list[FreezeEvent] = []

    def update(self, t_s: float) -> FreezeEvent | None:
        """Account one frame at ``t_s`` seconds; returns the freeze it ends, if any."""
        if self._last_t_s is None:
            self._first_t_s = self._last_t_s = t_s
            return None
        interval_ms = (t_s - self._last_t_s) * 1000.0
        self._last_t_s = t_s
        self._intervals_ms.append(interval_ms)
        event = None
        if len(self._recent_ms) >= 2 and is_freeze(interval_ms, float(np.mean(self._recent_ms))):
            event = FreezeEvent(
                start_s=t_s - interval_ms / 1000.0 - self._first_t_s,
                duration_s=interval_ms / 1000.0,
                kind="delivery",
            )
            self._freezes.append(event)
        else:
            self._recent_ms.append(interval_ms)
        return event

    @property
    def freezes(self) -> tuple[FreezeEvent, ...]:
        return tuple(self._freezes)

    @property
    def intervals_ms(self) -> np.ndarray:
        return np.asarray(self._intervals_ms, dtype=np.float64)

    @property
    def span_s(self) -> float:
        """Seconds from the first to the last frame seen."""
        if self._first_t_s is None or self._last_t_s is None:
            return 0.0
        return self._last_t_s - self._first_t_s


class DroppedFrameCounter:
    """Counts frames the sender made but the receiver never got, from stamp frame counters."""

    def __init__(self) -> None:
        self._last: int | None = None
        self.dropped = 0

    def update(self, frame_counter: int) -> None:
        """Account one read (unwrapped) frame counter; gaps count as dropped frames."""
        if self._last is not None and frame_counter > self._last + 1:
            self.dropped += frame_counter - self._last - 1
        if self._last is None or frame_counter > self._last:
            self._last = frame_counter


def stutter_score(freeze_count: int, frozen_fraction: float, span_s: float) -> float:
    """Map freezes to a 1–5 MOS-like score.

    Stalling dominates perceived quality in ITU-T P.1203.3; this keeps its shape (penalty grows
    with stall frequency and total stalled time) with two documented coefficients, not its exact
    fitted model.
    """
    minutes = max(span_s / 60.0, 1.0 / 60.0)
    penalty = (SCORE_POINTS_PER_FREEZE_PER_MIN * freeze_count / minutes
               + SCORE_POINTS_PER_FROZEN_FRACTION * frozen_fraction)
    return float(min(5.0, max(1.0, 5.0 - penalty)))


def percentiles(values_ms: np.ndarray) -> Percentiles | None:
    """p50/p95/max of a set of values, or None when empty."""
    if values_ms.size == 0:
        return None
    p50, p95 = np.percentile(values_ms, [50, 95])
    return Percentiles(p50=float(p50), p95=float(p95), max=float(values_ms.max()))


def summarize_stutter(
    detector: FreezeDetector, dropped_frames: int | None, extra: tuple[FreezeEvent, ...] = ()
) -> Stutter:
    """Build the report's stutter section from a detector and the dropped-frame count."""
    freezes = tuple(sorted(detector.freezes + extra, key=lambda f: f.start_s))
    total_s = math.fsum(f.duration_s for f in freezes)
    span_s = detector.span_s
    frozen_fraction = min(1.0, total_s / span_s) if span_s > 0 else 0.0
    return Stutter(
        score=stutter_score(len(freezes), frozen_fraction, span_s) if span_s > 0 else None,
        freeze_count=len(freezes),
        freeze_total_s=total_s,
        frozen_fraction=frozen_fraction,
        dropped_frames=dropped_frames,
        frame_interval_ms=percentiles(detector.intervals_ms),
        freezes=freezes,
    )
