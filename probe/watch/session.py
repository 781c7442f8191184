"""``streamprobe watch``: watch one or more streams for hours from one process.

Each URL gets its own peer (``probe.watch.stream.StreamWatch``); all write one JSON Lines
timeline, optional window reports, and one Prometheus registry. With no URL the built-in test
room starts as a child process and its pattern is watched. The summary (``WatchResult``) is
returned at ``duration_s``; on SIGINT/SIGTERM the timeline and the summary file are still
completed before the cancellation goes on (exit 130/143 from ``probe.cli.interrupt``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aiortc import RTCIceServer

from metrics.analysis import StreamAnalyzer
from metrics.verdict import ThresholdsError, load_limits
from metrics.watch_tally import StreamSummary
from probe.check import LIVE_CLARITY_FPS
from probe.errors import InputError, MediaTimeout
from probe.media.encoding import VideoEncoding
from probe.pattern.render import PatternRenderer
from probe.pattern.spec import PatternSpec
from probe.room.impair_spec import ImpairSpec
from probe.room.process import room_process
from probe.room.server import DEFAULT_STREAM, RoomConfig
from probe.signaling import open_viewer_signaling
from probe.signaling.loopback import is_loopback_url
from probe.stream_identity import stream_id_of
from probe.watch.exporter import WatchMetrics
from probe.watch.page import WatchPage
from probe.watch.stream import StreamWatch, ViewSettings, WatchTarget
from probe.watch.timeline_file import JsonLinesFile

WATCH_SCHEMA = "streamprobe.watch/1"
DEFAULT_WINDOW_S = 60.0
STATUS_INTERVAL_S = 1.0
# --html: rebuilt once a window closes, at most every --window seconds and never more often
# than this (and at the end). A rebuild of an hour's page costs about 1 s of CPU.
PAGE_MIN_INTERVAL_S = 10.0


@dataclass(frozen=True)
class WatchOptions:
    """A watch: ``urls`` (none: the embedded test room), for ``duration_s`` (None: until a
    signal). ``stream_ids`` name the URLs' streams (default: the URL's last path segment)."""

    timeline: Path
    urls: tuple[str, ...] = ()
    stream_ids: tuple[str, ...] = ()
    duration_s: float | None = None
    window_s: float = DEFAULT_WINDOW_S
    clarity_fps: float = LIVE_CLARITY_FPS  # clarity scored on at most this many frames a second
    timeout_s: float = 10.0
    metrics_port: int | None = None
    reports: Path | None = None
    summary: Path | None = None
    probe_id: str = field(default_factory=socket.gethostname)
    token: str | None = None
    thresholds: Path | None = None
    ice_servers: tuple[RTCIceServer, ...] = ()
    pattern: PatternSpec = field(default_factory=PatternSpec)  # embedded room only
    encoding: VideoEncoding = field(default_factory=VideoEncoding)
    impair: ImpairSpec | None = None
    html: Path | None = None  # the page of the whole watch, rebuilt as windows close


@dataclass(frozen=True)
class WatchResult:
    """What the watch saw, per stream; ``metrics_port`` where ``/metrics`` was served."""

    streams: tuple[StreamSummary, ...]
    timeline: str
    metrics_port: int | None
    schema: str = WATCH_SCHEMA

    def to_dict(self) -> dict[str, Any]:
        return {"schema": self.schema, "timeline": self.timeline,
                "metrics_port": self.metrics_port, "streams": [asdict(s) for s in self.streams]}


def validate_options(options: WatchOptions) -> None:
    """``InputError`` for a flag out of range or a URL nobody speaks, before joining anything."""
    if options.duration_s is not None and options.duration_s <= 0:
        raise InputError("--duration must be a positive number of seconds")
    if options.window_s < 1 or options.timeout_s <= 0 or options.clarity_fps <= 0:
        raise InputError("--window must be at least 1 s, --timeout and --clarity-fps positive")
    if options.stream_ids and len(options.stream_ids) != max(1, len(options.urls)):
        raise InputError(f"give one --stream-id per URL ({len(options.urls)} URLs, "
                         f"{len(options.stream_ids)} --stream-id)")
    if options.impair is not None and options.urls:
        raise InputError("--impair applies to the embedded test room only; drop the URLs")
    for url in options.urls:
        open_viewer_signaling(url)  # InputError for a scheme nobody speaks
    html = options.html
    if html is not None and not (html.parent.is_dir() and os.access(html.parent, os.W_OK)):
        raise InputError(f"--html {html}: its folder does not exist or is not writable")


def url_target(url: str, stream_id: str, probe_id: str) -> WatchTarget:
    """A stream at ``url`` (WHEP or ``janus://``), not the embedded room's own pattern."""
    return WatchTarget(url=url, stream_id=stream_id, probe_id=probe_id,
                       protocol="janus" if url.startswith("janus") else "whep",
                       clock="same-host" if is_loopback_url(url) else "ntp", own_pattern=False)


@contextlib.asynccontextmanager
async def _targets(options: WatchOptions) -> AsyncIterator[list[WatchTarget]]:
    """The streams to watch (the embedded room is started here and stopped on exit)."""
    ids = options.stream_ids
    if options.urls:
        yield [url_target(url, ids[i] if ids else stream_id_of(url), f"{options.probe_id}/{i}")
               for i, url in enumerate(options.urls)]
        return
    config = RoomConfig(pattern=options.pattern, encoding=options.encoding, impair=options.impair)
    async with room_process(config) as room:
        yield [WatchTarget(url=f"{room.base_url}/whep/{DEFAULT_STREAM}",
                           stream_id=ids[0] if ids else DEFAULT_STREAM,
                           probe_id=f"{options.probe_id}/0", protocol="loopback",
                           clock="same-host", own_pattern=True)]


def view_settings(options: WatchOptions, own_pattern: bool) -> ViewSettings:
    """How each stream of ``options`` is watched; ``InputError`` for a bad thresholds file."""
    try:
        limits = load_limits(options.thresholds)
    except ThresholdsError as err:
        raise InputError(str(err)) from err
    source = PatternRenderer(options.pattern).source_picture if own_pattern else None

    def new_analyzer() -> StreamAnalyzer:
        return StreamAnalyzer(expect_continuous_audio=own_pattern, reference=source,
                              clarity_fps=options.clarity_fps)

    return ViewSettings(window_s=options.window_s, timeout_s=options.timeout_s,
                        token=options.token, ice_servers=options.ice_servers, limits=limits,
                        new_analyzer=new_analyzer)


async def run_watch(options: WatchOptions,
                    on_status: Callable[[list[str]], None] | None = None) -> WatchResult:
    """Watch until ``duration_s`` or cancellation; ``on_status`` gets one line per stream each
    second. Raises ``MediaTimeout`` when no stream delivered a frame during the whole watch."""
    validate_options(options)
    metrics = WatchMetrics()
    timeline = JsonLinesFile(options.timeline)
    reports = JsonLinesFile(options.reports) if options.reports else None
    watches: list[StreamWatch] = []
    page = WatchPage(options.html, time.time()) if options.html is not None else None
    port = None
    try:
        if options.metrics_port is not None:
            try:
                port = metrics.serve(options.metrics_port)
            except OSError as err:
                raise InputError(f"cannot serve metrics on port {options.metrics_port}: "
                                 f"{err.strerror}; choose another --metrics-port") from None
        async with _targets(options) as targets:
            watches = [StreamWatch(t, view_settings(options, t.own_pattern), timeline, reports,
                                   metrics.stream(t.stream_id),
                                   page.stream(t.stream_id, t.url, t.protocol) if page else None)
                       for t in targets]
            until_s = (time.monotonic() + options.duration_s if options.duration_s is not None
                       else math.inf)
            helpers = [asyncio.create_task(_report_status(watches, on_status))]
            if page is not None:
                helpers.append(asyncio.create_task(
                    _keep_page(page, watches, max(PAGE_MIN_INTERVAL_S, options.window_s))))
            try:
                await asyncio.gather(*(w.run(until_s) for w in watches))
            finally:
                for helper in helpers:
                    helper.cancel()
                await asyncio.gather(*helpers, return_exceptions=True)
    finally:
        result = WatchResult(streams=tuple(w.tally.result() for w in watches),
                             timeline=str(options.timeline), metrics_port=port)
        if options.summary is not None and watches:
            options.summary.write_text(json.dumps(result.to_dict(), indent=2) + "\n")
        if page is not None and watches:
            _write_page(page, result.streams)
        timeline.close()
        if reports is not None:
            reports.close()
        metrics.close()
    if not any(s.frames for s in result.streams):
        errors = "; ".join(f"{w.target.stream_id}: {w.last_error}" for w in watches
                           if w.last_error)
        raise MediaTimeout(f"no video frame from any stream during the watch ({errors}); the "
                           f"timeline {options.timeline} records the outage")
    return result


def _write_page(page: WatchPage, summaries: tuple[StreamSummary, ...]) -> None:
    """The watch's page as it stands (on the event loop: the snapshot needs it)."""
    try:
        page.write(page.snapshot(summaries), summaries)
    except OSError as err:
        raise InputError(f"--html {page.path}: cannot write: {err.strerror}") from None


async def _keep_page(page: WatchPage, watches: list[StreamWatch], every_s: float) -> None:
    """Rebuild the page when a window has closed, at most every ``every_s`` seconds;
    rendered on a worker thread so the event loop keeps receiving."""
    rendered = 0
    while True:
        await asyncio.sleep(every_s)
        if (closed := page.windows_closed()) == rendered:
            continue
        rendered = closed
        summaries = tuple(w.tally.result() for w in watches)
        # A failure to write ends this task only; the last write, at the end, reports it.
        await asyncio.to_thread(page.write, page.snapshot(summaries), summaries)


async def _report_status(watches: list[StreamWatch],
                         on_status: Callable[[list[str]], None] | None) -> None:
    if on_status is None:
        return
    while True:
        on_status([w.status() for w in watches])
        await asyncio.sleep(STATUS_INTERVAL_S)
