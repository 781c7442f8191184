"""``watch --html``: one page for the whole watch, rebuilt as windows close, in bounded memory.

Each stream's card shows the watch so far: the worst window's verdict, each check at its worst
window (value, limits, status, and when), the latest window's headline figures, and timelines
over the whole watch on one shared time axis (seconds from the watch's start). Outages (seconds
without media) are events on the timelines, and frame rate reads 0 there. Freezes of every
window are drawn at their place in the watch.

Memory stays bounded for any length: each series keeps at most ``KEEP_POINTS`` points (compacted
to per-bucket minimum and maximum, as the page draws them, whenever it grows past twice that),
the latest ``MAX_FREEZES`` freezes and ``MAX_EVENTS`` events (older ones are counted in a note),
the thumbnails of the latest ``MAX_FREEZE_MOMENTS`` freeze moments and of the
``LOW_CLARITY_MOMENTS`` lowest-clarity moments of the watch.
"""

from __future__ import annotations

import heapq
import math
import os
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metrics.thumbnails import LOW_CLARITY_MOMENTS, MAX_FREEZE_MOMENTS
from metrics.watch_tally import StreamSummary
from probe.render.html import (
    MAX_POINTS,
    SERIES,
    Summary,
    downsample,
    render_html,
    thumbnail_groups,
)
from probe.stream_identity import utc_iso

KEEP_POINTS = MAX_POINTS  # per series and stream, after compaction
MAX_FREEZES = 1000
MAX_EVENTS = 500
STATUS_RANK = {"not_measured": -1, "pass": 0, "warn": 1, "fail": 2}


def _badness(check: dict[str, Any]) -> tuple[int, float]:
    """How bad a check is: its status, then how far its value went the wrong way."""
    value = check.get("value")
    signed = -math.inf if value is None else value if check.get("direction") == "max" else -value
    return STATUS_RANK[check["status"]], signed


@dataclass
class _Check:
    """A check at its worst window so far (by ``_badness``; ties: the latest)."""

    data: dict[str, Any]
    window_started_s: float


@dataclass
class StreamPage:
    """What the page keeps of one stream; fed by its watch (``window``, ``outage``) on the
    event loop, read by ``WatchPage.snapshot``."""

    stream_id: str
    url: str
    protocol: str
    origin_s: float  # wall clock (UTC epoch s) of the watch's t 0
    series: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    freezes: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=MAX_FREEZES))
    events: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=MAX_EVENTS))
    freezes_seen: int = 0
    events_seen: int = 0
    # Moments as ``thumbnail_groups`` gives them, placed in the watch; the lowest-clarity ones
    # in a heap by -clarity (its root the highest kept), a count breaking ties.
    freeze_moments: deque[dict[str, Any]] = field(
        default_factory=lambda: deque(maxlen=MAX_FREEZE_MOMENTS))
    lowest: list[tuple[float, int, dict[str, Any]]] = field(default_factory=list)
    checks: dict[str, _Check] = field(default_factory=dict)
    latest: dict[str, Any] | None = None
    latest_started_s: float = 0.0
    windows: dict[str, int] = field(default_factory=lambda: {"pass": 0, "warn": 0, "fail": 0})
    outage_event: dict[str, Any] | None = None  # the outage in progress, as drawn
    end_s: float = 0.0
    _moments_seen: int = 0

    def window(self, report: dict[str, Any], started_s: float) -> None:
        """A closed window's report (its JSON form) whose ``t_s`` 0 is ``started_s`` (UTC); media
        flowed in it, so an outage in progress has ended."""
        self.outage_event = None
        offset = started_s - self.origin_s
        for row in report.get("timeline") or []:
            for series in SERIES:
                value = row.get(series.key)
                if value is not None:
                    self._point(series.key, offset + row["t_s"], float(value))
        for freeze in (report.get("stutter") or {}).get("freezes") or []:
            self.freezes.append({**freeze, "start_s": offset + freeze["start_s"]})
            self.freezes_seen += 1
        for event in report.get("events") or []:
            self._event({**event, "t_s": offset + event["t_s"]})
        self._moments(report.get("thumbnails") or [], offset)
        verdict = report.get("verdict", "fail")
        self.windows[verdict] = self.windows.get(verdict, 0) + 1
        for check in report.get("checks") or []:
            kept = self.checks.get(check["name"])
            if kept is None or _badness(check) >= _badness(kept.data):
                self.checks[check["name"]] = _Check(check, started_s)
        self.latest, self.latest_started_s = report, started_s
        self.end_s = max(self.end_s, offset + float(report.get("duration_s") or 0))

    def outage(self, ts: float) -> None:
        """A second without media starting at ``ts`` (UTC epoch s)."""
        t_s = ts - self.origin_s
        if self.outage_event is None:
            self.outage_event = {"t_s": t_s, "kind": "outage"}
            self._event(self.outage_event)
        self.outage_event["detail"] = f"no media for {t_s + 1.0 - self.outage_event['t_s']:.0f} s"
        self._point("fps", t_s, 0.0)
        self.end_s = max(self.end_s, t_s + 1.0)

    def _event(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        self.events_seen += 1

    def _point(self, key: str, t_s: float, value: float) -> None:
        points = self.series.setdefault(key, [])
        points.append((t_s, value))
        if len(points) > 2 * KEEP_POINTS:
            xs, ys = downsample([t for t, _ in points], [v for _, v in points], KEEP_POINTS)
            self.series[key] = list(zip(xs, ys))

    def _moments(self, thumbnails: Sequence[dict[str, Any]], offset: float) -> None:
        placed = [{**thumb, "t_s": offset + thumb["t_s"]} for thumb in thumbnails]
        for group in thumbnail_groups(placed):
            if group["moment"] != "low_clarity":
                self.freeze_moments.append(group)
                continue
            self._moments_seen += 1
            clarity = next((float(i["clarity"]) for i in group["images"]
                            if i.get("clarity") is not None), 0.0)
            entry = (-clarity, self._moments_seen, group)
            if len(self.lowest) < LOW_CLARITY_MOMENTS:
                heapq.heappush(self.lowest, entry)
            elif clarity < -self.lowest[0][0]:
                heapq.heapreplace(self.lowest, entry)

    def report(self, summary: StreamSummary | None) -> dict[str, Any]:
        """The stream as one report dict for ``render_html`` (see the module's docstring)."""
        latest = self.latest or {}
        verdict = max((v for v, n in self.windows.items() if n), key=STATUS_RANK.__getitem__,
                      default="fail")
        checks = [{**kept.data, "name": f"{name} (worst at {utc_iso(kept.window_started_s)})"}
                  for name, kept in self.checks.items()]
        notes = [f"windows: {self.windows['pass']} pass, {self.windows['warn']} warn, "
                 f"{self.windows['fail']} fail; figures of the latest window (started "
                 f"{utc_iso(self.latest_started_s)}), checks at their worst window"]
        if self.latest is None:
            notes = ["no window has closed yet"]
        if summary is not None:
            notes.append(f"{summary.seconds} s watched, {summary.connected_s} s with media, "
                         f"{summary.outages} outages ({summary.outage_s} s), "
                         f"{summary.reconnects} reconnects, {summary.frozen_s} s frozen")
        for kept, seen, what in ((self.freezes, self.freezes_seen, "freezes"),
                                 (self.events, self.events_seen, "events")):
            if seen > len(kept):
                notes.append(f"the {len(kept)} latest {what} are drawn, {seen - len(kept)} "
                             "earlier ones are not")
        moments = [*self.freeze_moments, *(m for _, _, m in self.lowest)]
        thumbnails = [{**image, "moment_index": index} for index, moment in enumerate(moments)
                      for image in moment["images"]]
        stutter = {**(latest.get("stutter") or {}), "freezes": list(self.freezes),
                   "freeze_count": self.freezes_seen,
                   "freeze_total_s": sum(f["duration_s"] for f in self.freezes)}
        return {**latest, "target": {"url": self.url, "protocol": self.protocol},
                "stream_id": self.stream_id, "started_at": utc_iso(self.origin_s),
                "duration_s": self.end_s, "verdict": verdict, "checks": checks,
                "notes": notes, "stutter": stutter, "events": list(self.events),
                "thumbnails": thumbnails, "timeline": self._timeline()}

    def _timeline(self) -> list[dict[str, Any]]:
        """The kept points as timeline rows (one key each), for ``render_html``."""
        return sorted(({"t_s": t, key: v} for key, points in self.series.items()
                       for t, v in points), key=lambda row: row["t_s"])


class WatchPage:
    """The ``--html`` page of a watch: one ``StreamPage`` per stream, written atomically."""

    def __init__(self, path: Path, origin_s: float) -> None:
        self.path = path
        self.origin_s = origin_s
        self.streams: list[StreamPage] = []
        self._writing = threading.Lock()

    def stream(self, stream_id: str, url: str, protocol: str) -> StreamPage:
        page = StreamPage(stream_id=stream_id, url=url, protocol=protocol,
                          origin_s=self.origin_s)
        self.streams.append(page)
        return page

    def windows_closed(self) -> int:
        """Windows closed so far, all streams together."""
        return sum(sum(stream.windows.values()) for stream in self.streams)

    def snapshot(self, summaries: Sequence[StreamSummary | None]) -> list[dict[str, Any]]:
        """The reports to render, one per stream (call on the thread that feeds the pages)."""
        return [stream.report(summary) for stream, summary in zip(self.streams, summaries)]

    def write(self, reports: list[dict[str, Any]],
              summaries: Sequence[StreamSummary | None]) -> None:
        """Render ``reports`` (a ``snapshot``) to the page, replacing it whole (any thread)."""
        table = Summary(
            title="streams", columns=("status", "stream", "watched", "with media", "outages",
                                      "frozen", "windows pass/warn/fail"),
            rows=tuple((r["verdict"], r["stream_id"], f"{s.seconds} s", f"{s.connected_s} s",
                        f"{s.outages} ({s.outage_s} s)", f"{s.frozen_s} s",
                        f"{s.windows.get('pass', 0)}/{s.windows.get('warn', 0)}/"
                        f"{s.windows.get('fail', 0)}")
                       for r, s in zip(reports, summaries) if s is not None))
        text = render_html(reports, title=f"streamprobe watch since {utc_iso(self.origin_s)}",
                           summaries=(table,), labels=[
                               f"{r['stream_id']}: {r['target']['url']}" for r in reports])
        partial = self.path.with_name(f".{self.path.name}.partial")
        with self._writing:
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, self.path)
