"""How the test room encodes video (kept free of heavy imports: the CLI reads its defaults)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

VideoCodecName = Literal["vp8", "h264"]
VIDEO_CODECS: tuple[VideoCodecName, ...] = ("vp8", "h264")
BITRATE_RANGE_KBPS = (50, 50000)  # what the room's encoders are asked for: (low, high), inclusive
# The encoders' speed knob: libvpx's cpu-used (-16..16, higher magnitude faster) and x264's presets.
VP8_SPEED_RANGE = (-16, 16)
H264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
                "slower", "veryslow")


@dataclass(frozen=True)
class VideoEncoding:
    """How the room encodes video: codec, target bitrate (kbps), keyframe interval (s), and the
    encoder's speed (libvpx cpu-used as an int, x264 preset name; None: the room's default)."""

    codec: VideoCodecName = "vp8"
    bitrate_kbps: int = 2000
    keyframe_interval_s: float = 2.0
    speed: int | str | None = None
