"""The report: typed results of one check or analysis, and their JSON form.

The JSON layout is the contract ``streamprobe.report/1`` of DESIGN.md. Keys that are not measured
are ``None`` (JSON ``null``), never invented. New keys may be added; existing ones keep their
names and meaning.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

REPORT_SCHEMA = "streamprobe.report/1"

Status = Literal["pass", "warn", "fail"]
Protocol = Literal["loopback", "whep", "janus", "file"]
ClockSource = Literal["same-host", "ntp", "rtcp", "none"]


@dataclass(frozen=True)
class Target:
    url: str
    protocol: Protocol


@dataclass(frozen=True)
class Check:
    """One threshold comparison. ``threshold`` is the fail limit; ``warn`` the warn limit."""

    name: str
    value: float
    unit: str
    threshold: float
    status: Status
    warn: float | None = None
    direction: Literal["max", "min"] = "max"


@dataclass(frozen=True)
class VideoInfo:
    codec: str | None
    width: int | None
    height: int | None
    frames: int
    fps: float | None


@dataclass(frozen=True)
class Clarity:
    score: float | None
    sharpness: float | None
    blockiness: float | None
    blur: float | None
    effective_height: int | None
    vmaf: float | None = None
    psnr_db: float | None = None
    ssim: float | None = None
    noise: float | None = None  # luma levels (std. dev.); beyond DESIGN.md's list


@dataclass(frozen=True)
class Percentiles:
    p50: float
    p95: float
    max: float


@dataclass(frozen=True)
class FreezeEvent:
    """One freeze: start (s from the first frame), duration (s) and kind."""

    start_s: float
    duration_s: float
    kind: Literal["delivery", "content"]


@dataclass(frozen=True)
class Stutter:
    score: float | None
    freeze_count: int
    freeze_total_s: float
    frozen_fraction: float
    dropped_frames: int | None
    frame_interval_ms: Percentiles | None
    freezes: tuple[FreezeEvent, ...] = ()


@dataclass(frozen=True)
class JoinSplit:
    """Time to first frame in parts (ms): offer/answer exchange, ICE+DTLS, first decoded frame."""

    signaling_ms: float
    connect_ms: float
    media_ms: float


@dataclass(frozen=True)
class Latency:
    time_to_first_frame_ms: float | None
    glass_to_glass_ms: Percentiles | None
    stamps_read_fraction: float
    av_sync_ms: float | None
    rtt_ms: float | None
    clock: ClockSource
    time_to_first_frame_split_ms: JoinSplit | None = None


@dataclass(frozen=True)
class Network:
    bitrate_kbps: float | None
    packets_lost: int | None
    loss_fraction: float | None
    jitter_ms: float | None
    nacks: int | None
    plis: int | None


@dataclass(frozen=True)
class Audio:
    codec: str | None
    gap_count: int
    gap_total_s: float
    level_dbfs: float | None
    clipped_fraction: float


@dataclass(frozen=True)
class TimelineRow:
    """One second of the run: ``t_s`` is the start of the second, from the first frame."""

    t_s: float
    fps: float
    bitrate_kbps: float | None
    clarity: float | None
    frozen: bool
    latency_ms: float | None


@dataclass(frozen=True)
class Report:
    target: Target
    duration_s: float
    verdict: Status
    checks: tuple[Check, ...]
    video: VideoInfo
    clarity: Clarity
    stutter: Stutter
    latency: Latency
    network: Network
    audio: Audio | None
    timeline: tuple[TimelineRow, ...] = ()
    notes: tuple[str, ...] = ()  # what limited the measurement (e.g. a truncated file)
    schema: str = field(default=REPORT_SCHEMA)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data, keys in contract order."""
        data = _plain(self)
        schema = data.pop("schema")
        return {"schema": schema, **data}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 3)
    return value
