"""Windows of one connection: every second once, a freeze across a boundary kept, bounded state."""

from __future__ import annotations

import itertools

import numpy as np

from metrics.analysis import RunFacts, StreamAnalyzer
from metrics.report import Target
from metrics.verdict import load_limits
from metrics.watch_tally import WatchTally
from probe.watch.exporter import WatchMetrics
from probe.watch.windows import Window, WindowedAnalysis

FPS = 30.0
WALL_S = 1_800_000_000.0


def feed(frame_times_s: list[float], window_s: float) -> tuple[list[Window], WatchMetrics]:
    rng = np.random.default_rng(1)
    windows: list[Window] = []
    metrics = WatchMetrics()
    relay = WindowedAnalysis(StreamAnalyzer, RunFacts(Target("x", "whep"), "none"),
                             load_limits(None), window_s, WatchTally("s"),
                             metrics.stream("s"), windows.append)
    for t_s in frame_times_s:
        y = rng.integers(0, 255, size=(72, 128), dtype=np.uint8)
        relay.video_frame(t_s, y, (WALL_S + t_s) * 1000.0)
    relay.close()
    return windows, metrics


def seconds_of(windows: list[Window]) -> list[tuple[float, bool, float]]:
    """(wall-clock start, frozen, fps) of every timeline row, in order."""
    return [(w.started_s + row.t_s, row.frozen, row.fps) for w in windows
            for row in w.report.timeline]


def test_windows_cover_the_connection_with_whole_seconds_none_twice() -> None:
    times = list(np.arange(0.0, 25.0, 1 / FPS))
    windows, metrics = feed(times, window_s=10.0)
    assert [len(w.report.timeline) for w in windows] == [10, 10, 5]
    rows = seconds_of(windows)
    starts = [r[0] for r in rows]
    assert all(1.0 - 1e-9 <= b - a < 1.0 + 2 / FPS for a, b in itertools.pairwise(starts))
    assert all(fps in (30.0, 31.0) for _, _, fps in rows[:-1])
    assert not any(frozen for _, frozen, _ in rows)
    frames = metrics.registry.get_sample_value("streamprobe_frames_received_total",
                                               {"stream_id": "s"})
    assert frames == len(times)


def test_a_freeze_across_a_window_boundary_is_counted_in_the_window_it_ends() -> None:
    # Frames stop at 8.5 s and resume at 12 s: the first window (10 s) is closed by the 12 s
    # frame, which ends the freeze; its rows run to 12 s, and the next window starts there.
    times = [t for t in np.arange(0.0, 20.0, 1 / FPS) if not 8.5 < t < 12.0]
    windows, _ = feed(times, window_s=10.0)
    first = windows[0].report
    assert first.stutter.freeze_count == 1
    assert first.stutter.freezes[0].duration_s > 3.4
    frozen = [round(t - WALL_S) for t, is_frozen, _ in seconds_of(windows) if is_frozen]
    assert frozen == [8, 9, 10, 11]
    assert windows[1].started_s == WALL_S + times[times.index(min(t for t in times if t > 8.5))]

