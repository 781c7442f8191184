"""The watch timeline: JSON Lines, one row per stream per second (contract, DESIGN.md).

Rows are appended as windows close and outage seconds pass, and flushed at once, so a reader
(or a watch killed with SIGKILL) loses at most the window in progress. Keys, in this order:
``ts`` (UTC epoch s of the second's start), ``stream_id``, ``probe_id``, ``connected``, ``fps``,
``bitrate_kbps``, ``clarity``, ``frozen``, ``latency_ms``, ``loss_fraction``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from metrics.report import TimelineRow
from probe.errors import InputError


@dataclass(frozen=True)
class WatchRow:
    """One second of one stream. During an outage (``connected`` false) the viewer's picture
    stands still: ``frozen`` is true and nothing else is measured (null)."""

    ts: float
    stream_id: str
    probe_id: str
    connected: bool
    fps: float
    bitrate_kbps: float | None
    clarity: float | None
    frozen: bool
    latency_ms: float | None
    loss_fraction: float | None


def measured_row(ts: float, stream_id: str, probe_id: str, row: TimelineRow) -> WatchRow:
    """A connected second from a window report's timeline row."""
    return WatchRow(ts=ts, stream_id=stream_id, probe_id=probe_id, connected=True, fps=row.fps,
                    bitrate_kbps=row.bitrate_kbps, clarity=row.clarity, frozen=row.frozen,
                    latency_ms=row.latency_ms, loss_fraction=row.loss_fraction)


def outage_row(ts: float, stream_id: str, probe_id: str) -> WatchRow:
    """A second without media."""
    return WatchRow(ts=ts, stream_id=stream_id, probe_id=probe_id, connected=False, fps=0.0,
                    bitrate_kbps=None, clarity=None, frozen=True, latency_ms=None,
                    loss_fraction=None)


def row_dict(row: WatchRow) -> dict[str, Any]:
    """The row's JSON object (floats to the millisecond / thousandth)."""
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(row).items()}


class JsonLinesFile:
    """Appends JSON objects to ``path``, one a line (created if missing); ``close()`` on every
    path. ``InputError`` when it cannot be opened."""

    def __init__(self, path: Path) -> None:
        try:
            self._file: IO[str] = path.open("a", encoding="utf-8")
        except OSError as err:
            raise InputError(f"{path}: cannot write: {err.strerror}") from None

    def write(self, objects: list[dict[str, Any]]) -> None:
        """Append and flush, so a reader sees whole lines."""
        for data in objects:
            self._file.write(json.dumps(data) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()
