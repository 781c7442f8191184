"""Stutter: delivery freezes and pauses, dropped frames, frame cadence, and the stutter score.

Delivery freezes are libwebrtc's, ported detail for detail from
``VideoQualityObserver::OnRenderedFrame`` (``video/video_quality_observer2.cc``), the code behind
Chromium's getStats ``freezeCount`` / ``totalFreezesDuration`` (W3C webrtc-stats):

- inter-frame delays are whole milliseconds between frame times in whole milliseconds;
- each delay is added to the window of the last ``kAvgInterframeDelaysWindowSizeFrames`` = 30
  delays *before* it is tested, freezes included;
- nothing is tested until the window holds ``kMinFrameSamplesToDetectFreeze`` = 5 delays;
- the window's average is rounded down to a whole millisecond
  (``MovingAverage::GetAverageRoundedDown``);
- a delay is a freeze when it is at least ``max(3 × avg, avg + kMinIncreaseForFreezeMs)``, with
  ``kMinIncreaseForFreezeMs`` = 150; its duration is the delay.

A pause is webrtc-stats' ``pauseCount`` / ``totalPausesDuration``: more than 5 s without a frame.
libwebrtc neither adds a pause's delay to the window nor tests it (``is_paused_``). Chromium
flags a pause only when its 3 s frame-buffer timeout finds no packet in the last 5 s, so a
gap of 5-6 s may still be a freeze there; we follow the spec's 5 s.

The score is ITU-T P.1203.3's stalling quality O.23 = 1 + 4 × SI (Eq. 31), with the stalling
impact SI of Eq. 29 over every freeze and pause (the stalling events), the stall lengths
weighted by recency as in clause 8.1.1.1: one short freeze in a 10 s check scores about 4.5,
a stream that stops for good about 3.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from metrics.report import FreezeEvent, Percentiles, Stutter

# libwebrtc video/video_quality_observer2.cc
FREEZE_MIN_SAMPLES = 5  # kMinFrameSamplesToDetectFreeze
FREEZE_MIN_EXTRA_MS = 150  # kMinIncreaseForFreezeMs
FREEZE_AVG_WINDOW_FRAMES = 30  # kAvgInterframeDelaysWindowSizeFrames
FREEZE_AVG_MULTIPLIER = 3
# W3C webrtc-stats pauseCount: "time passed since last rendered frame exceeds 5 seconds".
PAUSE_MIN_MS = 5000
# ITU-T P.1203.3 coefficients: Eq. 29 (s1, s2, s3) and clause 8.1.1.1 (c_ref7, c_ref8).
P1203_S1 = 9.35158684
P1203_S2 = 0.91890815
P1203_S3 = 11.0567558
P1203_C_REF7 = 0.48412879
P1203_C_REF8_S = 10.0


def is_freeze(delay_ms: int, avg_delay_ms: int) -> bool:
    """True when an inter-frame delay (whole ms) is a freeze against the window's average
    (whole ms, rounded down): ``delay >= max(3 × avg, avg + 150)``."""
    return delay_ms >= max(FREEZE_AVG_MULTIPLIER * avg_delay_ms, avg_delay_ms + FREEZE_MIN_EXTRA_MS)


def whole_ms(t_s: float) -> int:
    """A time in seconds as whole milliseconds, as ``webrtc::Timestamp::ms()`` rounds."""
    return math.floor(t_s * 1000.0 + 0.5)


class FreezeDetector:
    """Streaming freeze and pause detector over frame times (s, arrival or presentation).

    ``update(t_s)`` takes each delivered frame's time in order; ``tail(end_s)`` tells what the
    time from the last frame to the end of the watch window would be (a freeze, a pause, or
    nothing), without changing the detector.
    """

    def __init__(self) -> None:
        self._window_ms: deque[int] = deque(maxlen=FREEZE_AVG_WINDOW_FRAMES)
        self._last_ms: int | None = None
        self._first_t_s: float | None = None
        self._last_t_s: float | None = None
        self._intervals_ms: list[float] = []
        self._freezes: list[FreezeEvent] = []
        self._pauses: list[FreezeEvent] = []

    def _judge(self, window: deque[int], delay_ms: int, start_s: float) -> FreezeEvent | None:
        """libwebrtc's test of one delay: a pause past 5 s, else add it to ``window``, then test."""
        if delay_ms > PAUSE_MIN_MS:
            return FreezeEvent(start_s=start_s, duration_s=delay_ms / 1000.0, kind="pause")
        window.append(delay_ms)
        if len(window) < FREEZE_MIN_SAMPLES:
            return None
        if not is_freeze(delay_ms, sum(window) // len(window)):
            return None
        return FreezeEvent(start_s=start_s, duration_s=delay_ms / 1000.0, kind="delivery")

    def update(self, t_s: float) -> FreezeEvent | None:
        """Account one frame at ``t_s`` seconds; returns the freeze or pause it ends, if any."""
        now_ms = whole_ms(t_s)
        if self._last_ms is None or self._first_t_s is None or self._last_t_s is None:
            self._first_t_s = self._last_t_s = t_s
            self._last_ms = now_ms
            return None
        self._intervals_ms.append((t_s - self._last_t_s) * 1000.0)
        event = self._judge(self._window_ms, now_ms - self._last_ms,
                            self._last_t_s - self._first_t_s)
        self._last_ms, self._last_t_s = now_ms, t_s
        if event is not None:
            (self._pauses if event.kind == "pause" else self._freezes).append(event)
        return event

    def tail(self, end_s: float) -> FreezeEvent | None:
        """The stall from the last frame to ``end_s`` (s, the frames' clock), judged as if a
        frame came at ``end_s``: a freeze, a pause, or None (media flowed to the end)."""
        if self._last_ms is None or self._last_t_s is None or self._first_t_s is None:
            return None
        delay_ms = whole_ms(end_s) - self._last_ms
        if delay_ms <= 0:
            return None
        return self._judge(deque(self._window_ms, maxlen=FREEZE_AVG_WINDOW_FRAMES), delay_ms,
                           self._last_t_s - self._first_t_s)

    @property
    def freezes(self) -> tuple[FreezeEvent, ...]:
        return tuple(self._freezes)

    @property
    def pauses(self) -> tuple[FreezeEvent, ...]:
        return tuple(self._pauses)

    @property
    def intervals_ms(self) -> np.ndarray:
        return np.asarray(self._intervals_ms, dtype=np.float64)

    @property
    def first_t_s(self) -> float | None:
        return self._first_t_s

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


def stall_weight(age_s: float) -> float:
    """P.1203.3 clause 8.1.1.1: a stall ``age_s`` seconds before the end of the session counts
    ``c_ref7 + (1 - c_ref7) × 2^(-age / c_ref8)`` of its length (1 at the end, 0.48 long ago)."""
    return P1203_C_REF7 + (1.0 - P1203_C_REF7) * 2.0 ** (-max(age_s, 0.0) / P1203_C_REF8_S)


def stutter_score(stalls: tuple[FreezeEvent, ...], duration_s: float) -> float:
    """ITU-T P.1203.3's stalling quality O.23 (1-5) of a session ``duration_s`` seconds long
    with these stalls (their ``start_s`` from the session's start, ``duration_s`` lengths)."""
    if duration_s <= 0:
        raise ValueError("stutter_score needs a positive session duration")
    positions = sorted(s.start_s for s in stalls)
    weighted_s = math.fsum(s.duration_s * stall_weight(duration_s - s.start_s) for s in stalls)
    interval_s = ((positions[-1] - positions[0]) / (len(positions) - 1)
                  if len(positions) > 1 else 0.0)
    impact = (math.exp(-len(stalls) / P1203_S1) * math.exp(-weighted_s / duration_s / P1203_S2)
              * math.exp(-interval_s / duration_s / P1203_S3))
    return 1.0 + 4.0 * impact


def percentiles(values_ms: np.ndarray) -> Percentiles | None:
    """p50/p95/max of a set of values, or None when empty."""
    if values_ms.size == 0:
        return None
    p50, p95 = np.percentile(values_ms, [50, 95])
    return Percentiles(p50=float(p50), p95=float(p95), max=float(values_ms.max()))


def summarize_stutter(detector: FreezeDetector, dropped_frames: int | None,
                      extra: tuple[FreezeEvent, ...] = (),
                      watch_s: float | None = None) -> Stutter:
    """The report's stutter section from a detector and the dropped-frame count.

    ``extra``: further freezes (content freezes). ``watch_s``: the watch window (s from the
    first frame); the stall from the last frame to its end is closed there, as a freeze or a
    pause. Without it (a file) the session is the span of the frames.
    """
    tail = detector.tail(detector.first_t_s + watch_s) if (
        watch_s is not None and detector.first_t_s is not None) else None
    tails = (tail,) if tail is not None else ()
    freezes = tuple(sorted(detector.freezes + extra + tuple(t for t in tails if t.kind != "pause"),
                           key=lambda f: f.start_s))
    pauses = detector.pauses + tuple(t for t in tails if t.kind == "pause")
    session_s = watch_s if watch_s is not None else detector.span_s
    total_s = math.fsum(f.duration_s for f in freezes)
    frozen_fraction = min(1.0, total_s / session_s) if session_s > 0 else 0.0
    return Stutter(
        score=stutter_score(freezes + pauses, session_s) if session_s > 0 else None,
        freeze_count=len(freezes),
        freeze_total_s=total_s,
        frozen_fraction=frozen_fraction,
        dropped_frames=dropped_frames,
        frame_interval_ms=percentiles(detector.intervals_ms),
        freezes=freezes,
        pause_count=len(pauses),
        pause_total_s=math.fsum(p.duration_s for p in pauses),
        pauses=pauses,
    )
