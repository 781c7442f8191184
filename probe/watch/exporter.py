"""The watch's Prometheus metrics, served by ``prometheus_client`` on ``--metrics-port``.

Names follow Prometheus's conventions (prometheus.io/docs/practices/naming): base units
(seconds, bytes, ratios), ``_total`` for counters, a histogram for latency; ``stream_id`` is the
only label, so a series never multiplies by viewer, window or time. The names are a contract
(README, "Prometheus metrics"):

- ``streamprobe_stream_connected`` (gauge): 1 while media arrives, 0 during an outage
- ``streamprobe_frames_received_total``, ``streamprobe_frames_dropped_by_probe_total``
- ``streamprobe_received_bytes_total`` (RTP payload, video and audio)
- ``streamprobe_frames_per_second`` (gauge, the last whole second)
- ``streamprobe_clarity_score`` (gauge, 1-5, the last frame scored)
- ``streamprobe_packet_loss_ratio`` (gauge, residual loss of the current connection)
- ``streamprobe_frozen_seconds_total``, ``streamprobe_freezes_total``,
  ``streamprobe_failed_windows_total`` (counted when a window's report is written)
- ``streamprobe_outage_seconds_total``, ``streamprobe_reconnects_total``
- ``streamprobe_glass_to_glass_latency_seconds``, ``streamprobe_frame_interval_seconds``
  (histograms, per frame)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

LABELS = ("stream_id",)
# Glass-to-glass from a LAN's 30 ms to a broadcast's seconds.
LATENCY_BUCKETS_S = (0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0)
# 30 fps is 33 ms; W3C's freeze rule fires from 150 ms past the average.
INTERVAL_BUCKETS_S = (0.01, 0.02, 0.034, 0.05, 0.067, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)


@dataclass(frozen=True)
class StreamMetrics:
    """One stream's children of every metric (thread-safe: updated from the analysis thread)."""

    connected: Gauge
    frames: Counter
    dropped: Counter
    received_bytes: Counter
    fps: Gauge
    clarity: Gauge
    loss: Gauge
    frozen_s: Counter
    freezes: Counter
    failed_windows: Counter
    outage_s: Counter
    reconnects: Counter
    latency_s: Histogram
    interval_s: Histogram


class WatchMetrics:
    """Every metric of a watch in its own registry (so tests and benches can hold several)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self._metrics = (
            Gauge("streamprobe_stream_connected",
                  "1 while the stream's media arrives, 0 during an outage", LABELS, registry=r),
            Counter("streamprobe_frames_received", "Video frames decoded", LABELS, registry=r),
            Counter("streamprobe_frames_dropped_by_probe",
                    "Frames the probe could not queue for analysis (it fell behind)", LABELS,
                    registry=r),
            Counter("streamprobe_received_bytes", "RTP payload bytes received", LABELS,
                    registry=r),
            Gauge("streamprobe_frames_per_second", "Frames decoded in the last second", LABELS,
                  registry=r),
            Gauge("streamprobe_clarity_score", "Clarity of the last frame scored (1-5 MOS)",
                  LABELS, registry=r),
            Gauge("streamprobe_packet_loss_ratio",
                  "Residual packet loss of the current connection (0-1)", LABELS, registry=r),
            Counter("streamprobe_frozen_seconds", "Timeline seconds marked frozen", LABELS,
                    registry=r),
            Counter("streamprobe_freezes", "Freezes (W3C webrtc-stats freezeCount rule)",
                    LABELS, registry=r),
            Counter("streamprobe_failed_windows", "Window reports with verdict fail", LABELS,
                    registry=r),
            Counter("streamprobe_outage_seconds", "Timeline seconds without media", LABELS,
                    registry=r),
            Counter("streamprobe_reconnects", "Connections made again after a drop", LABELS,
                    registry=r),
            Histogram("streamprobe_glass_to_glass_latency_seconds",
                      "Glass-to-glass latency of stamped frames", LABELS,
                      buckets=LATENCY_BUCKETS_S, registry=r),
            Histogram("streamprobe_frame_interval_seconds",
                      "Time between consecutive decoded frames", LABELS,
                      buckets=INTERVAL_BUCKETS_S, registry=r),
        )
        self._server: object | None = None
        self._thread: threading.Thread | None = None

    def stream(self, stream_id: str) -> StreamMetrics:
        """The children labelled ``stream_id``."""
        return StreamMetrics(*(m.labels(stream_id) for m in self._metrics))

    def serve(self, port: int, host: str = "127.0.0.1") -> int:
        """Serve ``/metrics`` on ``host:port`` (0: a free port) from a daemon thread; returns
        the port. ``OSError`` when it cannot listen."""
        server, thread = start_http_server(port, addr=host, registry=self.registry)
        self._server, self._thread = server, thread
        return int(server.server_port)

    def close(self) -> None:
        """Stop serving (any path)."""
        if self._server is not None:
            self._server.shutdown()  # type: ignore[attr-defined]
            self._server.server_close()  # type: ignore[attr-defined]
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
