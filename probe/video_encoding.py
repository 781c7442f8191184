"""How the test room encodes video (kept free of heavy imports: the CLI reads its defaults)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

VideoCodecName = Literal["vp8", "h264"]


@dataclass(frozen=True)
class VideoEncoding:
    """How the room encodes video: codec, target bitrate (kbps), keyframe interval (s)."""

    codec: VideoCodecName = "vp8"
    bitrate_kbps: int = 2000
    keyframe_interval_s: float = 2.0
