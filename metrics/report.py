"""The report: typed results of one check or analysis, and their JSON form.

The JSON layout is the contract ``streamprobe.report/1`` of DESIGN.md. Keys that are not measured
are ``None`` (JSON ``null``), never invented. New keys may be added; existing ones keep their
names and meaning.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from metrics.events import StreamEvent
from metrics.thumbnails import Thumbnail

REPORT_SCHEMA = "streamprobe.report/1"

Status = Literal["pass", "warn", "fail"]
# A check's status; "not_measured": a live check's figure the clocks did not allow (an added value).
CheckStatus = Literal["pass", "warn", "fail", "not_measured"]
Protocol = Literal["loopback", "whep", "janus", "file"]
ClockSource = Literal["same-host", "ntp", "rtcp", "none"]


@dataclass(frozen=True)
class Target:
    url: str
    protocol: Protocol


@dataclass(frozen=True)
class Check:
    """One threshold comparison. ``threshold`` is the fail limit; ``warn`` the warn limit;
    ``value`` is None only when ``status`` is "not_measured"."""

    name: str
    value: float | None
    unit: str
    threshold: float
    status: CheckStatus
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
    # Added by the clarity rework (issue #16); see metrics/clarity/meter.py.
    vmaf_estimate: float | None = None  # 0-100, the VMAF the score is made from (unclipped)
    ringing: float | None = None  # residue beside strong edges over that away (1.0: none)
    display: str | None = None  # the display judged for: "own", "tv" or "phone"
    display_rows: int | None = None  # its rows
    model: str | None = None  # the evidence used: "picture", "bitrate" or "bitstream"
    quantiser: float | None = None  # mean H.264 QP or VP8 q index, where the bitstream was read
    bits_per_pixel: float | None = None  # coded bits per coded pixel per frame


@dataclass(frozen=True)
class Percentiles:
    p50: float
    p95: float
    max: float


@dataclass(frozen=True)
class FreezeEvent:
    """One freeze: start (s from the first frame), duration (s) and kind; a "pause" (no frame
    for over 5 s, webrtc-stats' pauseCount) is listed under ``Stutter.pauses``, not as a freeze."""

    start_s: float
    duration_s: float
    kind: Literal["delivery", "content", "pause"]


@dataclass(frozen=True)
class Stutter:
    score: float | None
    freeze_count: int
    freeze_total_s: float
    frozen_fraction: float
    dropped_frames: int | None
    frame_interval_ms: Percentiles | None
    freezes: tuple[FreezeEvent, ...] = ()
    # Added (issue #21): webrtc-stats pauseCount / totalPausesDuration, and the pauses.
    pause_count: int = 0
    pause_total_s: float = 0.0
    pauses: tuple[FreezeEvent, ...] = ()


@dataclass(frozen=True)
class JoinSplit:
    """Time to first frame in parts (ms): offer/answer exchange (without ICE gathering), ICE+DTLS,
    first decoded frame, and ICE candidate gathering (an added key; the four add up)."""

    signaling_ms: float
    connect_ms: float
    media_ms: float
    gathering_ms: float = 0.0


@dataclass(frozen=True)
class Latency:
    time_to_first_frame_ms: float | None
    glass_to_glass_ms: Percentiles | None
    stamps_read_fraction: float
    av_sync_ms: float | None
    rtt_ms: float | None
    clock: ClockSource
    time_to_first_frame_split_ms: JoinSplit | None = None
    # From the RTCP sender reports of a server that is not known to capture the media (an SFU):
    # the delay from that server to us, not glass-to-glass (an added key).
    last_hop_ms: Percentiles | None = None


@dataclass(frozen=True)
class Network:
    bitrate_kbps: float | None
    packets_lost: int | None
    loss_fraction: float | None
    jitter_ms: float | None
    nacks: int | None
    plis: int | None
    # Added (issue #21): what the link dropped before retransmission repaired it (video,
    # first-arrival sequence gaps), beside loss_fraction (video, residual, webrtc-stats);
    # retransmissions received (RTX packets).
    link_loss_fraction: float | None = None
    retransmitted_packets: int | None = None


@dataclass(frozen=True)
class Audio:
    codec: str | None
    gap_count: int
    gap_total_s: float
    level_dbfs: float | None
    clipped_fraction: float
    # Added (issue #21): the audio stream's own loss (webrtc-stats packetsLost, fraction).
    packets_lost: int | None = None
    loss_fraction: float | None = None


@dataclass(frozen=True)
class TimelineRow:
    """One second of the run: ``t_s`` is the start of the second, from the first frame."""

    t_s: float
    fps: float
    bitrate_kbps: float | None
    clarity: float | None
    frozen: bool
    latency_ms: float | None
    # Added: the second's video loss as network.loss_fraction counts it (after repair), and
    # its audio RMS level (dBFS; None without audio or in digital silence).
    loss_fraction: float | None = None
    audio_level_dbfs: float | None = None


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
    # Small JPEGs around each freeze and of the lowest-clarity moments (metrics/thumbnails.py).
    thumbnails: tuple[Thumbnail, ...] = ()
    # Added (issue #21): timestamp jumps, SSRC changes, source changes ({t_s, kind, detail}).
    events: tuple[StreamEvent, ...] = ()
    schema: str = field(default=REPORT_SCHEMA)
    # Added keys (DESIGN.md): wall-clock UTC of t_s 0 (ISO 8601) and the stream measured, so
    # that ``retention --quality`` can join the timeline to viewer sessions.
    started_at: str | None = None
    stream_id: str | None = None

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
