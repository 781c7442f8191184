"""What a watch of hours adds up to, in memory that does not grow with its length.

Per-frame figures (frame interval, glass-to-glass latency) go into DDSketch quantile sketches
(Masson, Rim & Lee, "DDSketch: a fast and fully-mergeable quantile sketch with relative-error
guarantees", VLDB 2019): every quantile within ``SKETCH_RELATIVE_ACCURACY`` of the exact one, in
a few kilobytes whatever the number of frames. Per-second rows and per-window verdicts are
counted, never kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ddsketch import DDSketch

SKETCH_RELATIVE_ACCURACY = 0.01  # 1 %: well under the spread of frame intervals and latencies
QUANTILES = (0.5, 0.95, 0.99)


@dataclass(frozen=True)
class Quantiles:
    """p50, p95, p99 (the sketch's, within 1 %) and the exact maximum, in the unit of the name."""

    p50: float
    p95: float
    p99: float
    max: float


@dataclass(frozen=True)
class StreamSummary:
    """One stream's watch: seconds of timeline (``connected_s`` of them with media), outages
    (each a run of disconnected seconds), reconnections after a drop, windows per verdict."""

    stream_id: str
    seconds: int
    connected_s: int
    frozen_s: int
    outages: int
    outage_s: int
    reconnects: int
    frames: int
    frames_dropped_by_probe: int
    windows: dict[str, int]
    frame_interval_ms: Quantiles | None
    glass_to_glass_ms: Quantiles | None


class _Sketch:
    """A DDSketch plus the exact maximum (a sketch's top bucket is only within 1 %)."""

    def __init__(self) -> None:
        self._sketch = DDSketch(relative_accuracy=SKETCH_RELATIVE_ACCURACY)
        self._max = float("-inf")

    def add(self, value: float) -> None:
        self._sketch.add(value)
        self._max = max(self._max, value)

    def result(self) -> Quantiles | None:
        if self._sketch.count == 0:
            return None
        p50, p95, p99 = (float(self._sketch.get_quantile_value(q)) for q in QUANTILES)
        return Quantiles(p50=p50, p95=p95, p99=p99, max=self._max)


@dataclass
class WatchTally:
    """Accumulates one stream's watch: ``frame``, ``second``, ``window``, ``reconnect``."""

    stream_id: str
    _intervals: _Sketch = field(default_factory=_Sketch)
    _latencies: _Sketch = field(default_factory=_Sketch)
    _windows: dict[str, int] = field(default_factory=dict)
    _last_t_s: float | None = None
    _was_connected: bool = True
    seconds: int = 0
    connected_s: int = 0
    frozen_s: int = 0
    outages: int = 0
    reconnects: int = 0
    frames: int = 0
    frames_dropped_by_probe: int = 0

    def frame(self, t_s: float, latency_ms: float | None) -> None:
        """One frame at ``t_s`` (monotonic s); ``latency_ms`` when its stamp gave one."""
        if self._last_t_s is not None and t_s >= self._last_t_s:
            self._intervals.add((t_s - self._last_t_s) * 1000.0)
        self._last_t_s = t_s
        self.frames += 1
        if latency_ms is not None:
            self._latencies.add(latency_ms)

    def connection_lost(self) -> None:
        """The connection ended: the next frame's interval is not a frame interval."""
        self._last_t_s = None

    def second(self, connected: bool, frozen: bool) -> None:
        """One timeline row."""
        self.seconds += 1
        self.connected_s += connected
        self.frozen_s += frozen
        self.outages += self._was_connected and not connected
        self._was_connected = connected

    def window(self, verdict: str) -> None:
        """One window's report, by its verdict."""
        self._windows[verdict] = self._windows.get(verdict, 0) + 1

    def result(self) -> StreamSummary:
        return StreamSummary(
            stream_id=self.stream_id, seconds=self.seconds, connected_s=self.connected_s,
            frozen_s=self.frozen_s, outages=self.outages,
            outage_s=self.seconds - self.connected_s, reconnects=self.reconnects,
            frames=self.frames, frames_dropped_by_probe=self.frames_dropped_by_probe,
            windows=dict(self._windows), frame_interval_ms=self._intervals.result(),
            glass_to_glass_ms=self._latencies.result())
