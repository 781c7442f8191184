"""One connection's analysis cut into windows, so that hours of watching hold one window's state.

``WindowedAnalysis`` stands where the viewer expects a ``StreamAnalyzer`` (same calls, made on
the viewer's analysis thread in arrival order). It feeds a fresh ``StreamAnalyzer`` per window
of ``window_s`` seconds and, when a window closes, hands its report and the wall-clock time of
its first frame to ``on_window``; memory is then one window's, whatever the watch's length.

The frame that closes a window (the first at or past ``window_s``) is fed to both windows: the
old one so that a freeze ending on it is counted there, the new one as its first frame. The old
window's timeline then has ``floor(span)`` whole seconds, so no second is counted twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from metrics.analysis import FrameOutcome, RunFacts, StreamAnalyzer
from metrics.clarity import FrameCoding
from metrics.network import NetSample
from metrics.report import Report
from metrics.sender_clock import MediaKind, SenderReport
from metrics.verdict import Limit
from metrics.watch_tally import WatchTally
from probe.watch.exporter import StreamMetrics


@dataclass(frozen=True)
class Window:
    """A closed window: its report and the wall-clock time (UTC epoch s) of its ``t_s`` 0."""

    report: Report
    started_s: float


class WindowedAnalysis:
    """The analyzer of one connection, in windows; ``close()`` ends the last (partial) one."""

    def __init__(self, new_analyzer: Callable[[], StreamAnalyzer], facts: RunFacts,
                 limits: dict[str, Limit], window_s: float, tally: WatchTally,
                 metrics: StreamMetrics, on_window: Callable[[Window], None]) -> None:
        self._new_analyzer = new_analyzer
        self._facts = facts
        self._limits = limits
        self._window_s = window_s
        self._tally = tally
        self._metrics = metrics
        self._on_window = on_window
        self._current = new_analyzer()
        self._start_s: float | None = None  # monotonic arrival of the window's first frame
        self._start_wall_s = 0.0
        self._last_t_s: float | None = None
        self._last_bytes: int | None = None
        self.frames = 0  # read by the viewer's progress and the watch's status line
        self.last_frame_s: float | None = None  # monotonic; read by the watch to spot drops
        self.last_latency_ms: float | None = None

    def video_frame(self, t_s: float, y: np.ndarray, arrival_wallclock_ms: float | None = None,
                    analyse_picture: bool = True, media_s: float | None = None,
                    coding: FrameCoding | None = None,
                    chroma: tuple[np.ndarray, ...] = ()) -> FrameOutcome:
        """``StreamAnalyzer.video_frame``, closing the window when ``t_s`` passes its end."""
        wall_s = arrival_wallclock_ms / 1000.0 if arrival_wallclock_ms is not None else 0.0
        if self._start_s is None:
            self._start_s, self._start_wall_s = t_s, wall_s
        elif t_s - self._start_s >= self._window_s:
            self._current.video_frame(t_s, y, arrival_wallclock_ms, False, media_s, coding,
                                      chroma)
            self._close_window(math.floor(t_s - self._start_s))
            self._current = self._new_analyzer()
            self._start_s, self._start_wall_s = t_s, wall_s
        outcome = self._current.video_frame(t_s, y, arrival_wallclock_ms, analyse_picture,
                                            media_s, coding, chroma)
        self._count(t_s, outcome)
        return outcome

    def _count(self, t_s: float, outcome: FrameOutcome) -> None:
        self.frames += 1
        self.last_frame_s = t_s
        self._tally.frame(t_s, outcome.latency_ms)
        self._metrics.frames.inc()
        if self._last_t_s is not None:
            self._metrics.interval_s.observe(t_s - self._last_t_s)
        self._last_t_s = t_s
        if outcome.latency_ms is not None:
            self.last_latency_ms = outcome.latency_ms
            self._metrics.latency_s.observe(outcome.latency_ms / 1000.0)
        if outcome.clarity is not None:
            self._metrics.clarity.set(outcome.clarity)

    def audio_frame(self, pts_s: float, samples: np.ndarray, sample_rate: int,
                    channels: int = 1) -> None:
        self._current.audio_frame(pts_s, samples, sample_rate, channels)

    def stream_event(self, t_s: float, kind: str, detail: str) -> None:
        self._current.stream_event(t_s, kind, detail)

    def sender_report(self, kind: MediaKind, report: SenderReport) -> None:
        self._current.sender_report(kind, report)

    def net_sample(self, sample: NetSample) -> None:
        self._current.net_sample(sample)
        if self._last_bytes is not None:
            self._metrics.received_bytes.inc(max(0, sample.bytes_received - self._last_bytes))
        self._last_bytes = sample.bytes_received
        expected = sample.packets_received + sample.packets_lost
        if expected > 0:
            self._metrics.loss.set(sample.packets_lost / expected)

    def close(self) -> None:
        """End the last window at its last frame (call once the viewer's analysis is done)."""
        if self._start_s is not None and self.last_frame_s is not None:
            self._close_window(math.ceil(self.last_frame_s - self._start_s - 1e-9) or 1)
            self._start_s = None
        self._tally.connection_lost()

    def _close_window(self, seconds: int) -> None:
        report = self._current.report(self._facts, self._limits, duration_s=float(seconds))
        self._on_window(Window(report=report, started_s=self._start_wall_s))
