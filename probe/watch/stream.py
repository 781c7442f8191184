"""Watching one stream until told to stop: connect, analyse in windows, and reconnect after drops.

A drop (no frame for ``DROP_AFTER_S``, the connection failing, or the server going away) is an
outage in the timeline, not an exit: the watch tears the peer down (its WHEP resource deleted
when the server is still there) and joins again with bounded exponential backoff, writing one
``connected: false`` row per second until media flows again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiortc import RTCIceServer

from metrics.analysis import RunFacts, StreamAnalyzer
from metrics.report import ClockSource, Protocol, Target
from metrics.verdict import Limit
from metrics.watch_tally import StreamSummary, WatchTally
from probe.errors import ProbeError
from probe.signaling import open_viewer_signaling
from probe.stream_identity import utc_iso
from probe.viewer.peer import Viewer
from probe.watch.exporter import StreamMetrics
from probe.watch.page import StreamPage
from probe.watch.timeline_file import (
    JsonLinesFile,
    WatchRow,
    measured_row,
    outage_row,
    row_dict,
)
from probe.watch.windows import Window, WindowedAnalysis

DROP_AFTER_S = 5.0  # no frame for this long: the stream is gone (freezes shorter stay freezes)
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 15.0
TICK_S = 1.0


@dataclass(frozen=True)
class WatchTarget:
    """One stream to watch: where, what sessions call it, and which probe this is."""

    url: str
    stream_id: str
    probe_id: str
    protocol: Protocol
    clock: ClockSource
    own_pattern: bool  # the embedded room's pattern: known frame by frame


@dataclass(frozen=True)
class ViewSettings:
    window_s: float
    timeout_s: float
    token: str | None
    ice_servers: tuple[RTCIceServer, ...]
    limits: dict[str, Limit]
    new_analyzer: Callable[[], StreamAnalyzer]


@dataclass(frozen=True)
class StreamHealth:
    """The probe's own load on one stream: analysis calls queued now, and frames it dropped
    (queue full) or analysed too late to score, since the watch began."""

    queue_depth: int
    frames_dropped: int
    frames_late: int


class StreamWatch:
    """One stream's watch; ``run`` until a monotonic deadline, ``status`` for the live line."""

    def __init__(self, target: WatchTarget, settings: ViewSettings, timeline: JsonLinesFile,
                 reports: JsonLinesFile | None, metrics: StreamMetrics,
                 page: StreamPage | None = None) -> None:
        self.target = target
        self._page = page
        self._settings = settings
        self._timeline = timeline
        self._reports = reports
        self._metrics = metrics
        self.tally = WatchTally(target.stream_id)
        self._windows: queue.SimpleQueue[Window] = queue.SimpleQueue()
        self._covered_until_s = time.time()  # wall clock: the timeline is written up to here
        self._down = False  # an outage is in progress (rows are being written for it)
        self._relay: WindowedAnalysis | None = None
        self._viewer: Viewer | None = None
        self._fps = 0.0
        self._ticked: tuple[float, int] = (time.monotonic(), 0)
        self._dropped_seen = 0
        self._late_before = 0  # late frames of the connections already ended
        self._has_connected = False
        self._relay_had_frames = False  # the connection that just ended delivered media
        self.last_error: str | None = None

    async def run(self, until_s: float) -> StreamSummary:
        """Watch until ``until_s`` (monotonic; ``math.inf``: until cancelled); the timeline is
        complete up to the moment it returns or is cancelled."""
        failures = 0
        try:
            while time.monotonic() < until_s:
                viewing = asyncio.create_task(self._view(until_s), name=self.target.stream_id)
                try:
                    await self._follow(viewing, until_s)
                finally:
                    await self._end_connection(viewing)
                if time.monotonic() >= until_s:
                    break
                failures = 0 if self._relay_had_frames else failures + 1
                self._down = True
                await self._wait(min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** failures), until_s)
        finally:
            self._write_rows()
        return self.tally.result()

    async def _view(self, until_s: float) -> None:
        settings = self._settings
        signaling = open_viewer_signaling(self.target.url, settings.token, settings.ice_servers)
        facts = RunFacts(target=Target(url=self.target.url, protocol=self.target.protocol),
                         clock=self.target.clock,
                         reports_on_capture_clock=self.target.own_pattern)
        self._relay = WindowedAnalysis(settings.new_analyzer, facts, settings.limits,
                                       settings.window_s, self.tally, self._metrics,
                                       self._windows.put)
        self._viewer = Viewer(signaling, self._relay)  # type: ignore[arg-type]
        self._dropped_seen = 0
        await self._viewer.watch(until_s - time.monotonic(), settings.timeout_s)

    async def _follow(self, viewing: asyncio.Task[None], until_s: float) -> None:
        """Tick every second while ``viewing`` runs; stop it at the deadline or on a drop."""
        while not viewing.done():
            await asyncio.wait({viewing}, timeout=TICK_S)
            self._tick()
            last_s = self._relay.last_frame_s if self._relay else None
            if last_s is not None and time.monotonic() - last_s > DROP_AFTER_S:
                self.last_error = f"no frame for {DROP_AFTER_S:g} s"
                viewing.cancel()
            elif time.monotonic() >= until_s:
                viewing.cancel()

    async def _end_connection(self, viewing: asyncio.Task[None]) -> None:
        """Tear the viewer down (any path), close its last window, write its rows."""
        if not viewing.done():
            viewing.cancel()
        outcome = (await asyncio.gather(viewing, return_exceptions=True))[0]
        if isinstance(outcome, ProbeError):
            self.last_error = str(outcome)
        elif isinstance(outcome, BaseException) and not isinstance(outcome,
                                                                  asyncio.CancelledError):
            raise outcome
        if self._relay is not None:
            self._relay_had_frames = self._relay.last_frame_s is not None
            self._relay.close()
        self._tick()
        if self._viewer is not None:
            self._late_before += self._viewer.frames_late
            self._viewer = None
        self._relay = None  # from here on not receiving: an outage until the next first frame
        self._metrics.connected.set(0)

    async def _wait(self, delay_s: float, until_s: float) -> None:
        end_s = min(time.monotonic() + delay_s, until_s)
        while (left_s := end_s - time.monotonic()) > 0:
            await asyncio.sleep(min(TICK_S, left_s))
            self._tick()

    def _tick(self) -> None:
        """Once a second: window rows, outage rows, the fps gauge, the probe's drops."""
        receiving = self._relay is not None and self._relay.last_frame_s is not None
        if receiving and self._down:
            self._down = False
            if self._has_connected:
                self.tally.reconnects += 1
                self._metrics.reconnects.inc()
        self._has_connected |= receiving
        self._metrics.connected.set(1 if receiving and not self._down else 0)
        now_s, frames = time.monotonic(), self._relay.frames if self._relay else 0
        then_s, then_frames = self._ticked
        if frames >= then_frames and now_s > then_s:
            self._fps = (frames - then_frames) / (now_s - then_s)
            self._metrics.fps.set(self._fps)
        self._ticked = (now_s, frames)
        if self._viewer is not None and self._viewer.frames_dropped > self._dropped_seen:
            new = self._viewer.frames_dropped - self._dropped_seen
            self._metrics.dropped.inc(new)
            self.tally.frames_dropped_by_probe += new
            self._dropped_seen = self._viewer.frames_dropped
        self._write_rows()

    def _write_rows(self) -> None:
        rows: list[WatchRow] = []
        while True:
            try:
                window = self._windows.get_nowait()
            except queue.Empty:
                break
            rows.extend(self._window_rows(window))
        if self._down:
            while self._covered_until_s + 1.0 <= time.time():
                rows.append(outage_row(self._covered_until_s, self.target.stream_id,
                                       self.target.probe_id))
                if self._page is not None:
                    self._page.outage(self._covered_until_s)
                self._covered_until_s += 1.0
                self._metrics.outage_s.inc()
        for row in rows:
            self.tally.second(row.connected, row.frozen)
            self._metrics.frozen_s.inc(row.frozen)
        if rows:
            self._timeline.write([row_dict(row) for row in rows])

    def _window_rows(self, window: Window) -> list[WatchRow]:
        """A closed window's seconds not already in the timeline; its report to ``reports``."""
        report = window.report
        self.tally.window(report.verdict)
        self._metrics.freezes.inc(report.stutter.freeze_count)
        self._metrics.failed_windows.inc(report.verdict == "fail")
        if self._reports is not None or self._page is not None:
            placed = dataclasses.replace(report, started_at=utc_iso(window.started_s),
                                         stream_id=self.target.stream_id).to_dict()
            if self._reports is not None:
                self._reports.write([{**placed, "probe_id": self.target.probe_id}])
            if self._page is not None:
                self._page.window(placed, window.started_s)
        rows = []
        for row in report.timeline:
            ts = window.started_s + row.t_s
            if ts >= self._covered_until_s - 1e-6:
                rows.append(measured_row(ts, self.target.stream_id, self.target.probe_id, row))
                self._covered_until_s = ts + 1.0
        return rows

    def health(self) -> StreamHealth:
        """What the probe's own analysis costs this stream now (see ``StreamHealth``)."""
        viewer = self._viewer
        return StreamHealth(
            queue_depth=viewer.analysis_pending if viewer is not None else 0,
            frames_dropped=self.tally.frames_dropped_by_probe,
            frames_late=self._late_before + (viewer.frames_late if viewer is not None else 0))

    def status(self) -> str:
        """One line for the terminal: state, fps, latency, outages so far."""
        tally = self.tally
        if self._down or self._relay is None or self._relay.last_frame_s is None:
            state = "down" if self._down else "joining"
            why = f" ({self.last_error})" if self._down and self.last_error else ""
            return f"{self.target.stream_id}: {state}{why}, {tally.outages} outages"
        latency = self._relay.last_latency_ms
        shown = f", {latency:.0f} ms" if latency is not None and math.isfinite(latency) else ""
        return (f"{self.target.stream_id}: {self._fps:.1f} fps{shown}, {tally.outages} outages, "
                f"{tally.reconnects} reconnects")
